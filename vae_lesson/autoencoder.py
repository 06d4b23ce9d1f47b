"""A plain, deterministic autoencoder beside the VAE, to show what the KL term buys.

Same encoder and decoder as the course's VAE (solutions/vae.py), same widths; the code is the
encoder's mean, decoded as it is: no sampling and no KL. The logvar head is built (so the two
models start from the same weights for the same seed) but its output is ignored, so it never learns.
"""
import torch
import torch.nn.functional as F
from torch import nn

from .reference import Decoder, Encoder

from .cache import cached_model
from .train import fit


class Autoencoder(nn.Module):
    """x -> encoder's mean -> decoder. Returns (x_hat, code, logvar) like the VAE, so `fit` trains it."""

    def __init__(self, input_dim=784, hidden_dim=400, latent_dim=2):
        super().__init__()
        self.encoder = Encoder(input_dim, hidden_dim, latent_dim)
        self.decoder = Decoder(latent_dim, hidden_dim, input_dim)

    def forward(self, x):
        code, logvar = self.encoder(x.flatten(start_dim=1))
        return self.decoder(code), code, logvar


def reconstruction_only(x_hat, x, code, logvar):
    """(summed squared error, zero): the VAE's reconstruction term and no KL."""
    return F.mse_loss(x_hat, x, reduction="sum"), x_hat.new_zeros(())


def trained_autoencoder(train_images, test_images, *, dataset, latent_dim=2, hidden_dim=400, epochs=5, seed=0,
                        device="cpu"):
    """The autoencoder trained like `cache.trained_vae` with the same arguments (Adam, batches of 128), cached."""
    settings = {"model": "Autoencoder", "dataset": dataset, "n_train": len(train_images), "latent_dim": latent_dim,
                "hidden_dim": hidden_dim, "epochs": epochs, "seed": seed}

    def build():
        torch.manual_seed(seed)
        return Autoencoder(784, hidden_dim, latent_dim)

    def train(model):
        return fit(model, train_images, test_images, epochs=epochs, terms=reconstruction_only, seed=seed,
                   desc=f"{dataset} autoencoder z={latent_dim}")

    return cached_model("autoencoder", settings, build, train, device=device, code=["vae_lesson/autoencoder.py"])
