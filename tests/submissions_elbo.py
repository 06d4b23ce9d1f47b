"""Learner submissions for chapter 05's elbo_estimate, right and wrong, written as people write them."""
import math

import torch
import torch.nn.functional as F
from torch.distributions import Normal, kl_divergence as kl_between


def _kl(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)


# ------------------------------------------------------------------ correct
def elbo_distributions(x, x_hat, mu, logvar, sigma2=0.5):
    return Normal(x_hat, sigma2 ** 0.5).log_prob(x).sum(1) - _kl(mu, logvar)


def elbo_manual(x, x_hat, mu, logvar, sigma2=0.5):
    D = x.size(1)
    log_lik = -0.5 * D * math.log(2 * math.pi * sigma2) - 0.5 * ((x - x_hat) ** 2).sum(-1) / sigma2
    kl = 0.5 * (mu ** 2 + torch.exp(logvar) - 1 - logvar).sum(-1)
    return log_lik - kl


def elbo_torch_log(x, x_hat, mu, logvar, sigma2=0.5):
    var = torch.tensor(sigma2, dtype=x.dtype)
    log_lik = -(x - x_hat).pow(2).sum(dim=1) / (2 * var) - x.shape[1] / 2 * torch.log(2 * torch.pi * var)
    return log_lik + 0.5 * torch.sum(1 + logvar - mu * mu - logvar.exp(), dim=1)


def elbo_mse_none(x, x_hat, mu, logvar, sigma2=0.5):
    sq = F.mse_loss(x_hat, x, reduction="none").sum(dim=1)
    const = x.shape[1] * 0.5 * math.log(2 * math.pi * sigma2)
    return -(sq / (2 * sigma2) + const) - _kl(mu, logvar)


def elbo_kl_distributions(x, x_hat, mu, logvar, sigma2=0.5):
    q = Normal(mu, torch.exp(0.5 * logvar))
    p = Normal(torch.zeros_like(mu), torch.ones_like(mu))
    log_px = Normal(x_hat, math.sqrt(sigma2)).log_prob(x).sum(dim=-1)
    return log_px - kl_between(q, p).sum(dim=-1)


def elbo_loop(x, x_hat, mu, logvar, sigma2=0.5):
    out = []
    for i in range(len(x)):
        d = x[i] - x_hat[i]
        lp = -(d @ d) / (2 * sigma2) - len(d) / 2 * math.log(2 * math.pi * sigma2)
        out.append(lp - _kl(mu[i:i + 1], logvar[i:i + 1])[0])
    return torch.stack(out)


# ------------------------------------------------------------------ elbo-missing-constant
def elbo_no_constant(x, x_hat, mu, logvar, sigma2=0.5):
    return -((x - x_hat) ** 2).sum(1) / (2 * sigma2) - _kl(mu, logvar)


def elbo_no_constant_mse(x, x_hat, mu, logvar, sigma2=0.5):
    recon = F.mse_loss(x_hat, x, reduction="none").sum(1) / (2 * sigma2)  # constants don't matter
    return -recon - _kl(mu, logvar)


# ------------------------------------------------------------------ kl-sign-flipped
def elbo_plus_kl(x, x_hat, mu, logvar, sigma2=0.5):
    return Normal(x_hat, sigma2 ** 0.5).log_prob(x).sum(1) + _kl(mu, logvar)


def elbo_kl_formula_flipped(x, x_hat, mu, logvar, sigma2=0.5):
    log_lik = -((x - x_hat) ** 2).sum(1) / (2 * sigma2) - x.shape[1] / 2 * math.log(2 * math.pi * sigma2)
    kl = 0.5 * torch.sum(mu.pow(2) + logvar.exp() - 1 - logvar, dim=1)
    return log_lik + kl  # "ELBO = reconstruction + KL"


# ------------------------------------------------------------------ elbo-summed-over-batch
def elbo_summed(x, x_hat, mu, logvar, sigma2=0.5):
    return Normal(x_hat, sigma2 ** 0.5).log_prob(x).sum() - _kl(mu, logvar).sum()


def elbo_batch_mean(x, x_hat, mu, logvar, sigma2=0.5):
    return (Normal(x_hat, sigma2 ** 0.5).log_prob(x).sum(1) - _kl(mu, logvar)).mean()


def elbo_course_kl(x, x_hat, mu, logvar, sigma2=0.5):
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())  # chapter 04's KL, summed over the batch
    return Normal(x_hat, sigma2 ** 0.5).log_prob(x).sum() - kl


# ------------------------------------------------------------------ elbo-wrong-variance
def elbo_variance_as_scale(x, x_hat, mu, logvar, sigma2=0.5):
    return Normal(x_hat, sigma2).log_prob(x).sum(1) - _kl(mu, logvar)


def elbo_undivided(x, x_hat, mu, logvar, sigma2=0.5):
    D = x.shape[1]
    return -((x - x_hat) ** 2).sum(1) - D / 2 * math.log(2 * math.pi * sigma2) - _kl(mu, logvar)


def elbo_sigma_in_constant(x, x_hat, mu, logvar, sigma2=0.5):
    D = x.shape[1]
    return -((x - x_hat) ** 2).sum(1) / (2 * sigma2) - D / 2 * math.log(2 * math.pi * math.sqrt(sigma2)) \
        - _kl(mu, logvar)


def elbo_hard_coded_half(x, x_hat, mu, logvar, sigma2=0.5):
    return Normal(x_hat, math.sqrt(0.5)).log_prob(x).sum(1) - _kl(mu, logvar)


# ------------------------------------------------------------------ elbo-is-loss
def elbo_returns_loss(x, x_hat, mu, logvar, sigma2=0.5):
    return -Normal(x_hat, sigma2 ** 0.5).log_prob(x).sum(1) + _kl(mu, logvar)


def elbo_course_loss(x, x_hat, mu, logvar, sigma2=0.5):
    return F.mse_loss(x_hat, x, reduction="none").sum(1) + _kl(mu, logvar)


# ------------------------------------------------------------------ mean-reduction
def elbo_pixel_mean(x, x_hat, mu, logvar, sigma2=0.5):
    return Normal(x_hat, sigma2 ** 0.5).log_prob(x).mean(1) - _kl(mu, logvar)


def elbo_mse_default(x, x_hat, mu, logvar, sigma2=0.5):
    D = x.shape[1]
    return -F.mse_loss(x_hat, x) / (2 * sigma2) - D / 2 * math.log(2 * math.pi * sigma2) - _kl(mu, logvar)


def elbo_kl_mean(x, x_hat, mu, logvar, sigma2=0.5):
    kl = -0.5 * torch.mean(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)
    return Normal(x_hat, sigma2 ** 0.5).log_prob(x).sum(1) - kl


def elbo_kl_over_batch(x, x_hat, mu, logvar, sigma2=0.5):  # the course's KL line, pasted: summed over the batch
    log_px = -((x - x_hat) ** 2).sum(1) / (2 * sigma2) - x.shape[1] / 2 * math.log(2 * math.pi * sigma2)
    return log_px - (-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()))


def elbo_kl_no_half(x, x_hat, mu, logvar, sigma2=0.5):
    kl = -torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)
    return Normal(x_hat, sigma2 ** 0.5).log_prob(x).sum(1) - kl


def elbo_kl_no_half_2(x, x_hat, mu, logvar, sigma2=0.5):
    kl = (mu ** 2 + logvar.exp() - logvar - 1).sum(-1)
    return -F.mse_loss(x_hat, x, reduction="none").sum(-1) / (2 * sigma2) \
        - x.shape[-1] * 0.5 * math.log(2 * math.pi * sigma2) - kl


def elbo_bce(x, x_hat, mu, logvar, sigma2=0.5):  # the Bernoulli's log-likelihood in place of the Gaussian's
    return -F.binary_cross_entropy(x_hat, x, reduction="none").sum(1) - _kl(mu, logvar)


def elbo_bce_2(x, x_hat, mu, logvar, sigma2=0.5):
    log_px = (x * torch.log(x_hat) + (1 - x) * torch.log(1 - x_hat)).sum(dim=1)
    return log_px - _kl(mu, logvar)


def elbo_constant_from_batch(x, x_hat, mu, logvar, sigma2=0.5):
    n = x.shape[0]  # meant the pixels: this is the batch
    return -((x - x_hat) ** 2).sum(1) / (2 * sigma2) - n / 2 * math.log(2 * math.pi * sigma2) - _kl(mu, logvar)


def elbo_constant_once(x, x_hat, mu, logvar, sigma2=0.5):  # one pixel's normaliser, not D of them
    return -((x - x_hat) ** 2).sum(1) / (2 * sigma2) - 0.5 * math.log(2 * math.pi * sigma2) - _kl(mu, logvar)


def elbo_constant_added(x, x_hat, mu, logvar, sigma2=0.5):
    const = x.shape[1] / 2 * math.log(2 * math.pi * sigma2)
    return const - ((x - x_hat) ** 2).sum(1) / (2 * sigma2) - _kl(mu, logvar)


def elbo_constant_log_sigma_not_halved(x, x_hat, mu, logvar, sigma2=0.5):
    D = x.shape[1]
    log_px = -((x - x_hat) ** 2).sum(1) / (2 * sigma2) - D / 2 * math.log(2 * math.pi) - D * math.log(sigma2)
    return log_px - _kl(mu, logvar)


# ------------------------------------------------------------------ bad input
def elbo_none(x, x_hat, mu, logvar, sigma2=0.5):
    Normal(x_hat, sigma2 ** 0.5).log_prob(x).sum(1) - _kl(mu, logvar)  # no return


def elbo_per_pixel(x, x_hat, mu, logvar, sigma2=0.5):
    return Normal(x_hat, sigma2 ** 0.5).log_prob(x) - _kl(mu, logvar).unsqueeze(1)


def elbo_keepdim(x, x_hat, mu, logvar, sigma2=0.5):
    return Normal(x_hat, sigma2 ** 0.5).log_prob(x).sum(1, keepdim=True) - _kl(mu, logvar).unsqueeze(1)


def elbo_float_list(x, x_hat, mu, logvar, sigma2=0.5):
    return (Normal(x_hat, sigma2 ** 0.5).log_prob(x).sum(1) - _kl(mu, logvar)).tolist()


def elbo_broadcast(x, x_hat, mu, logvar, sigma2=0.5):
    return Normal(x_hat, sigma2 ** 0.5).log_prob(x).sum(1)[:, None] - _kl(mu, logvar)  # (batch, batch)


def elbo_view_784(x, x_hat, mu, logvar, sigma2=0.5):
    x, x_hat = x.view(-1, 784), x_hat.view(-1, 784)
    return Normal(x_hat, sigma2 ** 0.5).log_prob(x).sum(1) - _kl(mu, logvar)


def elbo_no_sigma2(x, x_hat, mu, logvar):
    return Normal(x_hat, math.sqrt(0.5)).log_prob(x).sum(1) - _kl(mu, logvar)


def elbo_in_place(x, x_hat, mu, logvar, sigma2=0.5):
    x -= x_hat
    return -(x ** 2).sum(1) / (2 * sigma2) - x.shape[1] / 2 * math.log(2 * math.pi * sigma2) - _kl(mu, logvar)


def elbo_raises(x, x_hat, mu, logvar, sigma2=0.5):
    return Normal(x_hat, sigma2 ** 0.5).log_prob(x).sum(1) - _kl(mu.T, logvar)


def elbo_endless(x, x_hat, mu, logvar, sigma2=0.5):
    while True:
        pass


def elbo_stub(x, x_hat, mu, logvar, sigma2=0.5):
    # Task: return the single-sample ELBO of each example in nats, shape (batch,)
    raise NotImplementedError
