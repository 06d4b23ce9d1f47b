"""The reference VAE, as the course teaches it: the whole model on one screen.

Every exercise in the notebooks is graded against these definitions.
"""
import torch
import torch.nn.functional as F
from torch import nn


class Encoder(nn.Module):
    """x -> hidden (ReLU) -> two heads: mu and logvar of q(z|x)."""

    def __init__(self, input_dim=784, hidden_dim=400, latent_dim=20):
        super().__init__()
        self.hidden = nn.Linear(input_dim, hidden_dim)
        self.mu = nn.Linear(hidden_dim, latent_dim)
        # logvar, not var or std: any real number is a valid log-variance.
        self.logvar = nn.Linear(hidden_dim, latent_dim)

    def forward(self, x):
        h = F.relu(self.hidden(x))
        return self.mu(h), self.logvar(h)


def reparameterize(mu, logvar):
    """z = mu + std * eps, eps ~ N(0, I): the noise holds no parameters, so gradients reach mu and logvar."""
    std = torch.exp(0.5 * logvar)
    eps = torch.randn_like(std)  # same shape, dtype and device as std
    return mu + std * eps


class Decoder(nn.Module):
    """z -> hidden (ReLU) -> pixels squashed into [0, 1] by a sigmoid."""

    def __init__(self, latent_dim=20, hidden_dim=400, output_dim=784):
        super().__init__()
        self.hidden = nn.Linear(latent_dim, hidden_dim)
        self.out = nn.Linear(hidden_dim, output_dim)

    def forward(self, z):
        return torch.sigmoid(self.out(F.relu(self.hidden(z))))


class VAE(nn.Module):
    """Encoder, reparameterization, decoder.

    z is sampled in eval mode too: the test loss is then the same
    single-sample ELBO estimate as the training loss, not a deterministic
    reconstruction from mu.
    """

    def __init__(self, input_dim=784, hidden_dim=400, latent_dim=20):
        super().__init__()
        self.encoder = Encoder(input_dim, hidden_dim, latent_dim)
        self.decoder = Decoder(latent_dim, hidden_dim, input_dim)

    def forward(self, x):
        mu, logvar = self.encoder(x.flatten(start_dim=1))
        z = reparameterize(mu, logvar)
        return self.decoder(z), mu, logvar


def kl_divergence(mu, logvar):
    """KL(N(mu, exp(logvar)) || N(0, I)) in closed form, summed over batch and latent dims."""
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def vae_loss(x_hat, x, mu, logvar):
    """Negative ELBO (up to constants): MSE summed over pixels and batch, plus the KL."""
    recon = F.mse_loss(x_hat, x.view_as(x_hat), reduction="sum")
    return recon + kl_divergence(mu, logvar)
