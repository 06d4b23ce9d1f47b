"""Train once, load afterwards: models that several cells or notebooks need are cached on disk.

The file name is a hash of the settings, so changing any setting trains a new model.
The cache lives in .cache/models/ at the repository root, or in $VAE_LESSON_CACHE.
"""
import hashlib
import json
import os
from pathlib import Path

import torch

from . import REPO_ROOT
from .train import History


def cache_dir():
    return Path(os.environ.get("VAE_LESSON_CACHE", REPO_ROOT / ".cache" / "models"))


def cached_model(name, settings, build, train, device="cpu"):
    """Return (model, history): loaded from the cache, or built by `build()`, trained by `train(model)` and saved."""
    key = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:12]
    path = cache_dir() / f"{name}-{key}.pt"
    model = build().to(device)
    if path.exists():
        saved = torch.load(path, map_location=device)
        model.load_state_dict(saved["state_dict"])
        history = History(saved["history"])
        history.steps, history.diverged = saved["steps"], saved["diverged"]
    else:
        history = train(model)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")  # write then rename: an interrupted run leaves no half file
        torch.save({"state_dict": model.state_dict(), "history": list(history), "steps": history.steps,
                    "diverged": history.diverged, "settings": settings}, tmp)
        tmp.replace(path)
    model.eval()
    return model, history


def trained_vae(train_images, test_images, *, dataset, latent_dim=20, hidden_dim=400, epochs=3, loss="mse",
                beta=1.0, seed=0, warmup=False, device="cpu"):
    """The reference VAE trained with these settings on `train_images` (named by `dataset`), cached on disk.

    `warmup` anneals beta linearly from 0 to its value over the first half of training.
    """
    from solutions import VAE

    from .train import LOSSES, fit

    settings = {"model": "VAE", "dataset": dataset, "n_train": len(train_images), "latent_dim": latent_dim,
                "hidden_dim": hidden_dim, "epochs": epochs, "loss": loss, "beta": beta, "seed": seed,
                "warmup": warmup}
    schedule = (lambda done: beta * min(1.0, 2 * done)) if warmup else beta

    def build():
        torch.manual_seed(seed)
        return VAE(784, hidden_dim, latent_dim)

    def train(model):
        return fit(model, train_images, test_images, epochs=epochs, terms=LOSSES[loss], beta=schedule, seed=seed,
                   desc=f"{dataset} VAE z={latent_dim} {loss} beta={beta}{' warm-up' if warmup else ''}")

    return cached_model("vae", settings, build, train, device=device)
