"""Slips that used to get a generic verdict, written as learners and tutorials write them, each now named; and
right code in an unusual style that must keep passing."""
import torch
import torch.nn.functional as F
from torch.distributions import Normal

from tests.submissions_modules import EncoderFc21


# ------------------------------------------------------------------ kl_divergence
def kl_mu_unsquared(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu - logvar.exp())


def kl_without_one(mu, logvar):
    return 0.5 * torch.sum(mu.pow(2) + logvar.exp() - logvar)


def kl_variance_as_exp_half(mu, logvar):
    var = torch.exp(0.5 * logvar)  # "sigma squared"
    return -0.5 * torch.sum(1 + logvar - mu ** 2 - var)


def kl_logvar_as_log_std(mu, logvar):
    log_sigma = logvar  # read as log sigma
    return -0.5 * torch.sum(1 + 2 * log_sigma - mu ** 2 - torch.exp(2 * log_sigma))


def kl_prior_from_posterior(mu, logvar):
    q, p = Normal(mu, torch.exp(0.5 * logvar)), Normal(torch.zeros_like(mu), torch.ones_like(mu))
    return torch.distributions.kl_divergence(p, q).sum()  # the arguments swapped


def kl_one_sample(mu, logvar):
    q, p = Normal(mu, torch.exp(0.5 * logvar)), Normal(torch.zeros_like(mu), torch.ones_like(mu))
    z = q.rsample()
    return (q.log_prob(z) - p.log_prob(z)).sum()


# ------------------------------------------------------------------ vae_loss
def loss_half_squared_error(x_hat, x, mu, logvar):
    recon = 0.5 * torch.sum((x_hat - x) ** 2)  # the Gaussian with variance 1
    return recon - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def loss_norm(x_hat, x, mu, logvar):
    return torch.norm(x_hat - x) - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def loss_inline_kl_without_exp(x_hat, x, mu, logvar):
    return F.mse_loss(x_hat, x, reduction="sum") - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar)


def loss_kl_subtracted(x_hat, x, mu, logvar):
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return F.mse_loss(x_hat, x, reduction="sum") - kl  # "the ELBO subtracts the KL"


# ------------------------------------------------------------------ modules and sample
class EncoderReluOnMu(EncoderFc21):
    def forward(self, x):
        h1 = F.relu(self.fc1(x))
        return F.relu(self.fc21(h1)), self.fc22(h1)


def samp_zeros(decoder, n):
    weight = next(decoder.parameters())
    with torch.no_grad():
        return decoder(torch.zeros(n, weight.shape[1], dtype=weight.dtype))


def samp_one_at_a_time(decoder, n):
    """Right: one code per decoder call, stacked."""
    weight = next(decoder.parameters())
    with torch.no_grad():
        return torch.stack([decoder(torch.randn(weight.shape[1], dtype=weight.dtype, device=weight.device))
                            for _ in range(n)])
