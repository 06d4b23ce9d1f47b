"""Reference answers for the exercises of the chapters after 05."""
import math

import torch
import torch.nn.functional as F
from torch import nn

from .vae import Decoder, Encoder, reparameterize, vae_loss


def interpolate(z_start, z_end, steps):
    """`steps` codes evenly spaced on the straight line from z_start to z_end, both included: (steps, Z)."""
    t = torch.linspace(0, 1, steps, dtype=z_start.dtype, device=z_start.device).unsqueeze(1)
    return (1 - t) * z_start + t * z_end


def train_step(model, optimizer, x):
    """Chapter 06: one optimisation step on the batch x with the course's loss; the loss before the step, a float."""
    optimizer.zero_grad()  # gradients accumulate: clear the previous batch's
    x_hat, mu, logvar = model(x)
    loss = vae_loss(x_hat, x, mu, logvar)
    loss.backward()
    optimizer.step()
    return loss.item()  # a float: keeping the tensor would keep its graph alive


@torch.no_grad()  # sampling trains nothing: no graph
def sample(decoder, n):
    """Chapter 06: n images decoded from z ~ N(0, I), z of the decoder's latent size, dtype and device: (n, D)."""
    first = next(m for m in decoder.modules() if isinstance(m, nn.Linear))
    z = torch.randn(n, first.in_features, dtype=first.weight.dtype, device=first.weight.device)
    return decoder(z)


def spot_the_bug():
    """Chapter 07: the bug in each mystery model. A: its KL is exactly twice the course's formula (the 1/2 dropped).
    B: curves that swing instead of settling, speckled pictures (gradients summed over every step).
    C: KL at zero and one average digit for every input, at the usual loss scale (the encoder gets no gradient
    through z, so only the KL trains it)."""
    return {"A": "kl-missing-half", "B": "grad-not-zeroed", "C": "z-detached"}


def elbo_estimate(x, x_hat, mu, logvar, sigma2=0.5):
    """Chapter 05: the single-sample ELBO of each example in nats, decoder N(x_hat, sigma2 I): (batch,).

    log N(x; x_hat, sigma2 I) summed over the D pixels, its constant -D/2 log(2 pi sigma2) included, minus the
    closed-form KL(q(z|x) || N(0, I)) summed over the latent dims. With sigma2 = 1/2 the course's loss per
    example, summed squared error + KL, is -ELBO - D/2 log(pi)."""
    D = x.shape[1]
    log_px_z = -((x - x_hat) ** 2).sum(dim=1) / (2 * sigma2) - D / 2 * math.log(2 * math.pi * sigma2)
    kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(dim=1)
    return log_px_z - kl


def iwae_estimate(log_weights):
    """Chapter 09: log (1/k) sum_i exp(log_weights[i]) over the k samples (dim 0), computed stably: (batch,)."""
    k = log_weights.shape[0]
    return torch.logsumexp(log_weights, dim=0) - math.log(k)


def condition(v, labels, num_classes=10):
    """Chapter 10: v (batch, n) with each label's one-hot code appended: (batch, n + num_classes)."""
    return torch.cat([v, F.one_hot(labels, num_classes).to(v.dtype)], dim=1)


class CVAE(nn.Module):
    """Chapter 10: the VAE with the digit label given to the encoder and to the decoder.

    `condition` appends the labels' code; chapter 10 passes the learner's, once it passes its check."""

    def __init__(self, input_dim=784, hidden_dim=400, latent_dim=20, num_classes=10, condition=condition):
        super().__init__()
        self.num_classes, self.condition = num_classes, condition
        self.encoder = Encoder(input_dim + num_classes, hidden_dim, latent_dim)
        self.decoder = Decoder(latent_dim + num_classes, hidden_dim, input_dim)

    def decode(self, z, labels):
        return self.decoder(self.condition(z, labels, self.num_classes))

    def forward(self, x, labels):
        mu, logvar = self.encoder(self.condition(x.flatten(start_dim=1), labels, self.num_classes))
        return self.decode(reparameterize(mu, logvar), labels), mu, logvar


def parameter_count(input_dim, hidden_dim, latent_dim):
    """Chapter 11: the VAE's parameters, weights and biases: encoder D*H + H + 2*(H*Z + Z), decoder Z*H + H + H*D + D."""
    D, H, Z = input_dim, hidden_dim, latent_dim
    return (D * H + H + 2 * (H * Z + Z)) + (Z * H + H + H * D + D)
