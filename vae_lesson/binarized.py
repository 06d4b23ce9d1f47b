"""Binarized MNIST for chapter 09's Bernoulli VAE, and the importance-weighted bounds on its likelihood.

A Bernoulli likelihood is a distribution over pixels that are 0 or 1. Grey levels in [0, 1] become
such pixels by drawing each one as on with probability equal to its grey level. For training, every
image gets a fresh draw each time it is visited ("dynamic binarization", as in Burda et al. 2016);
the test set is binarized once, with a fixed seed, so that every evaluation scores the same digits.
"""
import torch
import torch.nn.functional as F

from .cache import cached_model
from .train import bce_terms, fit


def binarize(images, seed):
    """One fixed draw: each pixel is 1 with probability equal to its grey level, from its own seeded generator."""
    generator = torch.Generator(device=images.device).manual_seed(seed)
    return torch.bernoulli(images, generator=generator)


class DynamicallyBinarized:
    """Grey images that come out freshly binarized each time they are indexed.

    The training loop indexes its training images once per epoch (with the epoch's shuffled order)
    and slices the result into batches, so every image gets a new draw in every epoch and no batch
    sees a draw that an earlier batch saw: dynamic binarization with the course's loop unchanged.
    """

    def __init__(self, images):
        self.images = images
        self.device = images.device

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        return torch.bernoulli(self.images[index])  # the global generator, which training seeds


def trained_bernoulli_vae(train_images, test_binary, *, test_seed, epochs, latent_dim=20, hidden_dim=400, seed=0,
                          device="cpu"):
    """The course's VAE with a Bernoulli decoder (summed BCE), trained on dynamically binarized `train_images`.

    `test_binary` is the test set binarized once with `test_seed`; the history's test losses are on it.
    Returns (model, history), cached on disk.
    """
    from .reference import VAE

    settings = {"model": "VAE", "dataset": "mnist, dynamically binarized", "n_train": len(train_images),
                "test_seed": test_seed, "n_test": len(test_binary), "latent_dim": latent_dim,
                "hidden_dim": hidden_dim, "epochs": epochs, "loss": "bce", "seed": seed}

    def build():
        torch.manual_seed(seed)
        return VAE(784, hidden_dim, latent_dim)

    def train(model):
        return fit(model, DynamicallyBinarized(train_images), test_binary, epochs=epochs, terms=bce_terms,
                   seed=seed, desc=f"binarized MNIST, Bernoulli VAE z={latent_dim}")

    return cached_model("bernoulli-vae", settings, build, train, device=device, code=["vae_lesson/binarized.py"])


def decoder_logits(decoder, z):
    """The decoder's output before its sigmoid: the log-odds of each pixel being on.

    In float32 the sigmoid rounds to exactly 1 above a logit of about 17, where log(1 - p) is lost;
    the log-odds keep the log-likelihood exact there.
    """
    return decoder.out(F.relu(decoder.hidden(z)))


def bounds_over_k(log_weights, ks, iwae_estimate):
    """Estimates of L_k for each k in `ks`, per image, from one pool of K log-weights, shape (K, n).

    The K samples are cut into K/k consecutive groups of k; `iwae_estimate` bounds each group and the
    groups are averaged: an unbiased estimate of L_k, less noisy than one group alone. Each k must divide K.
    """
    K, n = log_weights.shape
    bounds = {}
    for k in ks:
        groups = log_weights.reshape(K // k, k, n).transpose(0, 1).reshape(k, (K // k) * n)  # (k, groups * n)
        bounds[k] = iwae_estimate(groups).reshape(K // k, n).mean(dim=0)
    return bounds
