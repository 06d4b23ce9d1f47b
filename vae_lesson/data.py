"""MNIST and Fashion-MNIST as preloaded tensors.

torchvision reads the files; we keep the whole split as one float tensor in [0, 1]
so that a training step slices memory instead of decoding images one by one.
"""
import os
from pathlib import Path

import torch
from torchvision import datasets

from . import REPO_ROOT

ENV_VAR = "VAE_LESSON_DATA"
DATASETS = {"mnist": ("MNIST", datasets.MNIST), "fashion": ("FashionMNIST", datasets.FashionMNIST)}
RAW_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


class DataNotFoundError(FileNotFoundError):
    """The dataset is neither on disk nor downloadable; the message says how to fix it."""


def data_root():
    """$VAE_LESSON_DATA if set (it must exist), else data/ at the repository root."""
    configured = os.environ.get(ENV_VAR)
    if configured:
        root = Path(configured).expanduser()
        if not root.is_dir():
            raise DataNotFoundError(f"{ENV_VAR} is set to {configured!r}, which is not a folder. "
                                    f"Point it at the folder that holds MNIST/raw/, or unset it to use {REPO_ROOT / 'data'}.")
        return root
    return REPO_ROOT / "data"


def _missing_message(folder, root, reason):
    files = "\n".join(f"  {root / folder / 'raw' / f}" for f in RAW_FILES)
    return (f"{folder} was not found and could not be downloaded ({reason}).\n"
            f"Put these four files (uncompressed IDX, or the .gz originals) there:\n{files}\n"
            f"or set {ENV_VAR} to a folder that already holds {folder}/raw/.")


def _open(name, train, root, download):
    if name not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}: choose one of {sorted(DATASETS)}.")
    folder, cls = DATASETS[name]
    try:
        return cls(root=str(root), train=train, download=False)
    except RuntimeError:
        if not download:
            raise DataNotFoundError(_missing_message(folder, root, "downloads disabled")) from None
    try:
        return cls(root=str(root), train=train, download=True)
    except Exception as error:  # no network, a mirror down, a full disk: one clear message
        raise DataNotFoundError(_missing_message(folder, root, type(error).__name__)) from None


def load(name="mnist", train=True, device="cpu", root=None, download=True, limit=None):
    """Return (images, labels): images float32 (N, 1, 28, 28) in [0, 1], labels int64 (N,)."""
    split = _open(name, train, Path(root) if root else data_root(), download)
    images, labels = split.data[:limit], split.targets[:limit]
    images = images.unsqueeze(1).to(device=device, dtype=torch.float32).div_(255)
    return images, labels.to(device)
