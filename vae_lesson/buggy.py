"""The six common pitfalls as real code: the reference VAE with one small, named change each.

Chapter 06 trains each one beside the correct model. Every bug is marked `# BUG:`.
"""
import inspect
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from solutions import VAE

from .cache import cached_model
from .train import History, fit, mse_terms


def reparameterize_variance(mu, logvar):
    std = torch.sqrt(logvar)  # BUG: logvar read as a variance; sqrt of a negative number is NaN
    return mu + std * torch.randn_like(std)


def variance_terms(x_hat, x, mu, var):
    kl = -0.5 * torch.sum(1 + torch.log(var) - mu.pow(2) - var)  # BUG: the same mistake in the KL
    return F.mse_loss(x_hat, x, reduction="sum"), kl


def reparameterize_std_not_exponentiated(mu, logvar):
    std = 0.5 * logvar  # BUG: should be torch.exp(0.5 * logvar)
    return mu + std * torch.randn_like(std)


def reparameterize_uniform_noise(mu, logvar):
    std = torch.exp(0.5 * logvar)
    return mu + std * torch.rand_like(std)  # BUG: uniform on [0, 1); should be torch.randn_like


def mean_terms(x_hat, x, mu, logvar):
    recon = F.mse_loss(x_hat, x)  # BUG: mean over batch and pixels; should be reduction="sum"
    kl = -0.5 * torch.mean(1 + logvar - mu.pow(2) - logvar.exp())  # BUG: mean; should be torch.sum
    return recon, kl


def mse_default_terms(x_hat, x, mu, logvar):
    recon = F.mse_loss(x_hat, x)  # BUG: F.mse_loss averages unless told reduction="sum"
    return recon, -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def kl_sign_flipped_terms(x_hat, x, mu, logvar):
    kl = 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())  # BUG: should be -0.5 * sum(...)
    return F.mse_loss(x_hat, x, reduction="sum"), kl


class BuggyVAE(VAE):
    """The reference VAE with its sampling step swapped, or its final sigmoid left out."""

    def __init__(self, reparameterize=None, sigmoid=True, **sizes):
        super().__init__(**sizes)
        self.sample, self.sigmoid = reparameterize, sigmoid

    def decode(self, z):
        logits = self.decoder.out(F.relu(self.decoder.hidden(z)))
        return torch.sigmoid(logits) if self.sigmoid else logits  # BUG: when sigmoid=False, no squashing

    def forward(self, x):
        mu, logvar = self.encoder(x.flatten(start_dim=1))
        z = self.sample(mu, logvar) if self.sample else mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        return self.decode(z), mu, logvar


PITFALL_CHANGES = {
    "logvar-as-variance": {"reparameterize": reparameterize_variance, "terms": variance_terms},
    "std-not-exponentiated": {"reparameterize": reparameterize_std_not_exponentiated},
    "mean-reduction": {"terms": mean_terms},
    "noise-not-randn-like": {"reparameterize": reparameterize_uniform_noise},
    "missing-sigmoid": {"sigmoid": False},
    "kl-sign-flipped": {"terms": kl_sign_flipped_terms},
}
MYSTERY = {"terms": mse_default_terms}  # the unnamed variant of chapter 06's "spot the bug"


@dataclass
class Run:
    name: str
    model: VAE
    history: History


def run(pitfall=None, train_images=None, epochs=3, seed=0, changes=None, name=None):
    """Train the reference (pitfall=None) or one buggy variant on `train_images`; same seed, same data.

    Cached on disk like the course's other models; `name` labels a variant given by `changes`.
    """
    name = name or pitfall or "correct"
    changes = dict(changes or (PITFALL_CHANGES[pitfall] if pitfall else {}))
    terms = changes.pop("terms", mse_terms)

    def build():
        torch.manual_seed(seed)
        return BuggyVAE(**changes)

    fingerprint = [len(train_images), round(train_images.double().sum().item(), 3)]  # which data, cheaply
    settings = {"variant": name, "data": fingerprint, "epochs": epochs, "seed": seed}
    model, history = cached_model("buggy", settings, build, lambda model: fit(
        model, train_images, epochs=epochs, terms=terms, seed=seed, progress=False), device=train_images.device)
    return Run(name, model, history)


def show_bug(pitfall):
    """Print the source lines of a variant that differ from the reference, i.e. those marked BUG."""
    change = PITFALL_CHANGES[pitfall]
    sources = [inspect.getsource(v) for v in change.values() if callable(v)] or [inspect.getsource(BuggyVAE.decode)]
    for source in sources:
        for line in source.splitlines():
            if "BUG" in line:
                print(line.strip())
