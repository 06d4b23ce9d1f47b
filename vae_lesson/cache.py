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
    else:
        history = train(model)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")  # write then rename: an interrupted run leaves no half file
        torch.save({"state_dict": model.state_dict(), "history": list(history), "settings": settings}, tmp)
        tmp.replace(path)
    model.eval()
    return model, history
