"""The decoder's noise level σ², fitted instead of fixed (chapter 10), and the objectives that fight collapse.

- The σ² that maximises the ELBO for given reconstructions is their squared error per pixel: training
  with it is the "optimal σ-VAE" of Rybkin et al. (2021), `calibrated_terms`.
- Free bits (Kingma et al., 2016): a unit's KL below λ nats per image costs nothing, `free_bits_terms`.
- `OBJECTIVES` names both for `cache.trained_vae(..., loss=...)`.
"""
import math

import torch
import torch.nn.functional as F

from .latent_stats import kl_terms
from .reference import kl_divergence

LOG_2PI = math.log(2 * math.pi)


def gaussian_nll(x_hat, x, sigma2, dim=None):
    """-log N(x; x_hat, sigma2 I) in nats, summed over pixels and images (or over `dim` only); sigma2 one
    number or one per pixel."""
    sigma2 = torch.as_tensor(sigma2, dtype=x.dtype, device=x.device)
    terms = (x - x_hat).pow(2) / (2 * sigma2) + 0.5 * (LOG_2PI + sigma2.log())
    return terms.sum() if dim is None else terms.sum(dim=dim)


def calibrated_terms(x_hat, x, mu, logvar):
    """(-log p(x|z), KL) with σ² set to this batch's squared error per pixel, the σ² that maximises the ELBO.

    No gradient flows through σ²: at its optimum the ELBO's derivative in σ² is zero, so it would add nothing."""
    sigma2 = (x - x_hat).detach().pow(2).mean()
    return gaussian_nll(x_hat, x, sigma2), kl_divergence(mu, logvar)


def free_bits_terms(nats):
    """(squared error, KL) where each unit's KL, averaged over the batch, counts only above `nats` per image.

    The KL returned is the clamped one, so a history of training with it logs neither the true KL nor the -ELBO:
    measure the finished model instead (latent_stats.unit_rate)."""
    def terms(x_hat, x, mu, logvar):
        per_unit = kl_terms(mu, logvar).sum(dim=0)  # summed over the batch
        return F.mse_loss(x_hat, x, reduction="sum"), per_unit.clamp(min=nats * len(x)).sum()
    return terms


@torch.no_grad()
def squared_error_per_pixel(model, images, batch_size=1000):
    """Each pixel's squared reconstruction error, averaged over `images` (one draw of z per image)."""
    model.eval()
    total = 0.0
    for x in images.flatten(start_dim=1).split(batch_size):
        total = total + (model(x)[0] - x).pow(2).sum(dim=0)
    return total / len(images)


@torch.no_grad()
def minus_elbo(model, images, sigma2, batch_size=1000):
    """-ELBO of each image in nats (float64, on the CPU), decoder N(x_hat, sigma2), one draw of z per image
    from the global generator: seed it before two calls whose digits are to be compared in pairs."""
    model.eval()
    parts = []
    for x in images.flatten(start_dim=1).split(batch_size):
        x_hat, mu, logvar = (t.double() for t in model(x))
        parts.append((gaussian_nll(x_hat, x.double(), sigma2, dim=1) + kl_terms(mu, logvar).sum(dim=1)).cpu())
    return torch.cat(parts)


def bits_per_dim(nats_per_image, dims=784):
    return nats_per_image / (dims * math.log(2))


OBJECTIVES = {"calibrated": calibrated_terms, "free-bits-0.25": free_bits_terms(0.25)}
