"""What a trained encoder's codes say about the latent space: per-unit activity and rate, the aggregate
posterior q(z) = mean_i q(z|x_i) over a set of images, and how it sits against the prior N(0, I).

Everything is in float64: the aggregate posterior's density is a log-sum-exp over thousands of
Gaussians, and we print differences of such numbers.
"""
import math

import torch

from .evidence import log_mean_exp, log_prior


@torch.no_grad()
def encode(model, images):
    """mu and logvar of q(z|x) for every image, in float64 on the CPU."""
    mu, logvar = model.encoder(images.flatten(start_dim=1))
    return mu.double().cpu(), logvar.double().cpu()


def unit_activity(mu):
    """Var_x E[z_j | x] per latent unit (Burda et al., 2016): how much the unit's mean moves with x."""
    return mu.var(dim=0)


def kl_terms(mu, logvar):
    """KL(q(z_j|x) || N(0, 1)) of every entry, in nats: the closed form term by term, before any sum."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar)


def unit_rate(mu, logvar):
    """E_x KL(q(z_j|x) || N(0, 1)) per latent unit, in nats: the units' shares of the rate."""
    return kl_terms(mu, logvar).mean(dim=0)


def log_normal(z, mu, logvar):
    """log N(z; mu_i, diag exp(logvar_i)) for every row z_m and every component i: shape (len(z), len(mu)).

    The squared distance sum_j (z_j - mu_ij)^2 / var_ij is expanded into one matrix product of
    [z^2, z, 1] with [1/var, -2 mu/var, the rest], instead of building a (M, N, Z) tensor."""
    precision = (-logvar).exp()
    constant = (mu.pow(2) * precision + logvar).sum(1, keepdim=True) + z.shape[1] * math.log(2 * math.pi)
    per_z = torch.cat([z.pow(2), z, torch.ones_like(z[:, :1])], dim=1)
    per_component = torch.cat([precision, -2 * mu * precision, constant], dim=1)
    return (per_z @ per_component.T).mul_(-0.5)


def log_aggregate(z, mu, logvar):
    """log q(z) for q(z) = (1/N) sum_i q(z|x_i): the aggregate posterior of the N encoded images."""
    return log_mean_exp(log_normal(z, mu, logvar), dim=1)


def rate_split(mu, logvar, samples=400, seed=0):
    """Monte Carlo estimates, x uniform over the N encoded images, of the two parts of the rate:
    I(x; z) = E log q(z|x)/q(z) and KL(q(z) || p(z)) = E log q(z)/p(z), z ~ q(z|x) for `samples` images."""
    generator = torch.Generator().manual_seed(seed)
    rows = torch.randperm(len(mu), generator=generator)[:samples]
    z = mu[rows] + (0.5 * logvar[rows]).exp() * torch.randn(len(rows), mu.shape[1], generator=generator,
                                                             dtype=mu.dtype)
    log_q = log_normal(z, mu, logvar)  # every draw under every image's q(z|x): the costly part, computed once
    own = log_q[torch.arange(len(rows)), rows]  # log q(z|x) for the image z came from
    aggregate = log_mean_exp(log_q, dim=1)  # log_aggregate(z, mu, logvar), from the same matrix
    return (own - aggregate).mean().item(), (aggregate - log_prior(z)).mean().item()


def prior_holes(mu, logvar, samples=400, seed=0):
    """KL(p(z) || q(z)) = E_{z ~ N(0, I)} log p(z)/q(z): large when prior draws land where no image's code is."""
    generator = torch.Generator().manual_seed(seed)
    z = torch.randn(samples, mu.shape[1], generator=generator, dtype=mu.dtype)
    return (log_prior(z) - log_aggregate(z, mu, logvar)).mean().item()


def linear_probe(mu, labels, num_classes=10, fit=5000):
    """Accuracy of a least-squares linear classifier from mu to the labels, fitted on the first `fit`
    rows and scored on the rest: how much of the label the code carries in linearly readable form."""
    features = torch.cat([mu, torch.ones_like(mu[:, :1])], dim=1)
    targets = torch.nn.functional.one_hot(labels.cpu(), num_classes).to(mu.dtype)
    weights = torch.linalg.lstsq(features[:fit], targets[:fit]).solution
    return ((features[fit:] @ weights).argmax(1) == labels.cpu()[fit:]).double().mean().item()
