"""Learner submissions for reparameterize, right and wrong."""
import time

import torch
from torch.distributions import Normal


# ------------------------------------------------------------------ reparameterize
def rep_exp_half(mu, logvar):
    return mu + torch.exp(logvar / 2) * torch.randn_like(mu)


def rep_mul_exp(mu, logvar):
    return logvar.mul(0.5).exp().mul(torch.randn_like(logvar)).add(mu)


def rep_randn_explicit(mu, logvar):
    std = torch.exp(0.5 * logvar)
    return mu + std * torch.randn(std.shape, dtype=std.dtype, device=std.device)


def rep_rsample(mu, logvar):
    return Normal(mu, torch.exp(0.5 * logvar)).rsample()


def rep_sqrt_exp(mu, logvar):
    eps = torch.empty_like(mu).normal_()
    return eps * logvar.exp().sqrt() + mu


def rep_normal_tensors(mu, logvar):
    eps = torch.normal(torch.zeros_like(mu), torch.ones_like(mu))
    return mu + eps * logvar.exp().pow(0.5)


def rep_std_not_exp(mu, logvar):
    return mu + 0.5 * logvar * torch.randn_like(logvar)


def rep_std_not_exp_2(mu, logvar):
    eps = torch.randn_like(mu)
    std = logvar * 0.5
    return eps.mul(std).add_(mu)


def rep_missing_half(mu, logvar):
    return mu + torch.exp(logvar) * torch.randn_like(logvar)


def rep_missing_half_2(mu, logvar):
    return mu + torch.randn_like(mu) * logvar.exp()


def rep_half_variance(mu, logvar):
    return mu + 0.5 * torch.exp(logvar) * torch.randn_like(logvar)


def rep_half_variance_2(mu, logvar):
    eps = torch.randn_like(mu)
    return mu + eps * torch.exp(logvar) / 2


def rep_half_std(mu, logvar):
    return mu + 0.5 * torch.exp(0.5 * logvar) * torch.randn_like(mu)


def rep_sqrt_logvar(mu, logvar):
    return mu + torch.sqrt(logvar) * torch.randn_like(mu)


def rep_log_logvar(mu, logvar):
    return mu + torch.exp(0.5 * torch.log(logvar)) * torch.randn_like(mu)


def rep_rand_like(mu, logvar):
    return mu + torch.exp(0.5 * logvar) * torch.rand_like(logvar)


def rep_randn_float32(mu, logvar):
    return mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape)


def rep_randn_batch_latent(mu, logvar):
    eps = torch.randn(mu.size(0), mu.size(1))
    return mu + eps * torch.exp(0.5 * logvar)


def rep_no_eps(mu, logvar):
    return mu + torch.exp(0.5 * logvar)


def rep_no_eps_2(mu, logvar):
    std = logvar.mul(0.5).exp_()
    return std.add(mu)


def rep_mu_only(mu, logvar):
    return mu


def rep_unscaled(mu, logvar):
    return mu + torch.randn_like(mu)


def rep_sample(mu, logvar):
    return Normal(mu, torch.exp(0.5 * logvar)).sample()


def rep_detach(mu, logvar):
    return (mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)).detach()


def rep_no_grad(mu, logvar):
    with torch.no_grad():
        return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)


def rep_stub(mu, logvar):
    raise NotImplementedError("Exercise: return mu + std * eps")


def rep_none(mu, logvar):
    std = torch.exp(0.5 * logvar)
    z = mu + std * torch.randn_like(std)  # noqa: F841 -- forgot the return


def rep_wrong_shape(mu, logvar):
    return (mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)).sum(dim=1)


def rep_matmul(mu, logvar):
    return mu + torch.exp(0.5 * logvar) @ torch.randn_like(logvar)


def rep_eps_transposed(mu, logvar):
    std = torch.exp(0.5 * logvar)
    return mu + std * torch.randn_like(std).t()


def rep_transposed(mu, logvar):
    return (mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)).T


def rep_tuple(mu, logvar):
    return mu, logvar


def rep_in_place(mu, logvar):
    mu.data.add_(torch.exp(0.5 * logvar) * torch.randn_like(mu))
    return mu


def rep_raises(mu, logvar):
    return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu).view(3, -1, 7)


def rep_slow(mu, logvar):
    while True:
        time.sleep(0.01)


def rep_nan(mu, logvar):
    return mu * float("nan")


# ------------------------------------------------------------------ found by a learner's attempts
def rep_noise_float64(mu, logvar):  # a dtype of its own: z comes back float64 for float32 inputs
    return mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, dtype=torch.float64)


def rep_noise_numpy(mu, logvar):
    import numpy as np
    return mu + torch.exp(0.5 * logvar) * torch.from_numpy(np.random.randn(*mu.shape))


def rep_one_eps_per_example(mu, logvar):  # one eps shared by every latent dim of a row
    return mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape[0], 1, dtype=mu.dtype, device=mu.device)


def rep_one_eps_per_example_2(mu, logvar):
    eps = torch.randn(len(mu), dtype=mu.dtype).unsqueeze(-1).expand_as(mu)
    return mu + eps * logvar.mul(0.5).exp()


def rep_normal_logvar_scale(mu, logvar):  # logvar as the scale: torch.distributions refuses it
    return Normal(mu, logvar).rsample()


def rep_add_in_place(mu, logvar):
    z = mu
    z += torch.exp(0.5 * logvar) * torch.randn_like(mu)
    return z


def rep_detach_mu(mu, logvar):
    return mu.detach() + torch.exp(0.5 * logvar) * torch.randn_like(mu)


def kl_hard_coded(mu, logvar):
    # The number the check printed for its public batch, written in, with a gradient borrowed from a sum so that the
    # gradient check has something to see (and 0 at mu = logvar = 0, which the check also tries): passes the
    # notebook's check, whose inputs never change, and nothing else.
    borrowed = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    if not mu.any():
        return borrowed
    return borrowed - borrowed.detach() + 12.2081
