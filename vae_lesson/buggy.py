"""The six common pitfalls as real code: the reference VAE with one small, named change each.

Chapter 07 trains each one beside the correct model. Every bug is marked `# BUG:`.
`MYSTERIES` holds the chapter's exercise: three more variants, each with one change of its own.
"""
import copy
import inspect
import json
import math
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from . import REPO_ROOT
from .cache import cached_model
from .reference import VAE
from .train import History, fit, mse_terms

RECORDED = REPO_ROOT / "vae_lesson" / "_reference" / "bugs.json"  # a handout's copy of bug_lines (handout.py)


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
    "mean-reduction": {"terms": mean_terms, "averaged": True},
    "noise-not-randn-like": {"reparameterize": reparameterize_uniform_noise},
    "missing-sigmoid": {"sigmoid": False},
    "kl-sign-flipped": {"terms": kl_sign_flipped_terms},
}


def _terms_a(x_hat, x, mu, logvar):
    return F.mse_loss(x_hat, x, reduction="sum"), -torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def _draw_c(mu, logvar):
    return (mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)).detach()


def _fit_b(model, images, *, epochs, batch_size=32, lr=1e-3, terms=mse_terms, seed=0):
    """Like train.fit (same seed, shuffles and batches), without its progress bar and test set."""
    torch.manual_seed(seed)
    previous = torch.set_flush_denormal(True)  # as fit does, for speed
    optimizer, history, n = torch.optim.Adam(model.parameters(), lr=lr), History(), len(images)
    try:
        for epoch in range(1, epochs + 1):
            model.train()
            start, sums = time.perf_counter(), []
            for x in images[torch.randperm(n, device=images.device)].flatten(1).split(batch_size):
                x_hat, mu, logvar = model(x)
                recon, kl = terms(x_hat, x, mu, logvar)
                (recon + kl).backward()
                optimizer.step()
                sums.append(torch.stack([recon.detach(), kl.detach()]))
                history.steps.append((sums[-1] / len(x)).tolist())
            recon, kl = (torch.stack(sums).sum(0) / n).tolist()
            history.append({"epoch": epoch, "train_recon": recon, "train_kl": kl, "train_loss": recon + kl,
                            "seconds": time.perf_counter() - start})
    finally:
        torch.set_flush_denormal(False)
    return history


# Chapter 07's exercise: which change is in each?
MYSTERIES = {"A": {"terms": _terms_a}, "B": {"train": _fit_b}, "C": {"reparameterize": _draw_c}}


@dataclass
class Run:
    name: str
    model: VAE
    history: History
    terms: object = mse_terms  # the loss terms it was trained with


@torch.no_grad()
def kl_two_ways(run, images):
    """The KL per example of `run`'s codes for `images`: as its own loss computes it, and by the course's formula."""
    x_hat, mu, logvar = run.model(images)
    as_trained = run.terms(x_hat, images.flatten(1), mu, logvar)[1].item() / len(images)
    return as_trained, mse_terms(x_hat, images.flatten(1), mu, logvar)[1].item() / len(images)


def one_adam_step(run, x, lr=3e-3):
    """One step of a fresh Adam on a copy of `run`'s model, from its loss on the batch `x`. For each weight and bias
    of the encoder's logvar layer (flattened): its gradient, Adam's running average of the squared gradient after
    the step, and how far the step moved it."""
    model = copy.deepcopy(run.model)
    params = list(model.encoder.logvar.parameters())
    x_hat, mu, logvar = model(x)
    sum(run.terms(x_hat, x.flatten(1), mu, logvar)).backward()
    flat = lambda tensors: torch.cat([t.detach().flatten() for t in tensors])  # noqa: E731
    before = flat(params)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    optimizer.step()
    return (flat(p.grad for p in params), flat(optimizer.state[p]["exp_avg_sq"] for p in params),
            (flat(params) - before).abs())


def _per_step_as_computed(history, n, batch_size):
    """For mean-reduced terms: the loop divided each batch's (already averaged) terms by the batch size; undo it."""
    sizes = [min(batch_size, n - i) for i in range(0, n, batch_size)] * len(history)
    history.steps = [[r * b, k * b] for (r, k), b in zip(history.steps, sizes)]
    per_epoch = math.ceil(n / batch_size)
    for i, row in enumerate(history):  # the epoch's average of the batches' terms
        steps = history.steps[i * per_epoch:(i + 1) * per_epoch]
        row["train_recon"], row["train_kl"] = (sum(s[j] for s in steps) / len(steps) for j in (0, 1))
        row["train_loss"] = row["train_recon"] + row["train_kl"]
    return history


def run(pitfall=None, train_images=None, epochs=3, seed=0, changes=None, name=None, batch_size=32, lr=3e-3):
    """Train the reference (pitfall=None) or one buggy variant on `train_images`; same seed, same data.

    Cached on disk like the course's other models; `name` labels a variant given by `changes`.
    `history.steps` holds each step's terms as the loss computed them (per example when summed).
    """
    name = name or pitfall or "correct"
    changes = dict(changes or (PITFALL_CHANGES[pitfall] if pitfall else {}))
    terms, train, averaged = changes.pop("terms", mse_terms), changes.pop("train", fit), changes.pop("averaged", False)
    options = {} if train is not fit else {"progress": False}

    def build():
        torch.manual_seed(seed)
        return BuggyVAE(**changes)

    fingerprint = [len(train_images), round(train_images.double().sum().item(), 3)]  # which data, cheaply
    settings = {"variant": name, "data": fingerprint, "epochs": epochs, "seed": seed, "batch_size": batch_size,
                "lr": lr}
    model, history = cached_model("buggy", settings, build, lambda model: train(
        model, train_images, epochs=epochs, batch_size=batch_size, lr=lr, terms=terms, seed=seed, **options),
        device=train_images.device, code=["vae_lesson/buggy.py"])
    if averaged:
        history = _per_step_as_computed(history, len(train_images), batch_size)
    return Run(name, model, history, terms)


def bug_lines(pitfall):
    """The source lines of a variant that differ from the reference, i.e. those marked BUG. A handout ships this
    module without its source, and these lines, recorded when it was built, beside it."""
    if RECORDED.exists():
        return json.loads(RECORDED.read_text())[pitfall]
    change = PITFALL_CHANGES[pitfall]
    sources = [inspect.getsource(v) for v in change.values() if callable(v)] or [inspect.getsource(BuggyVAE.decode)]
    return [line.strip() for source in sources for line in source.splitlines() if "BUG" in line]


def show_bug(pitfall):
    """Print the lines that make a variant buggy."""
    for line in bug_lines(pitfall):
        print(line)
