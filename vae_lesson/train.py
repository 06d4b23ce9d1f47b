"""The course's one training loop, and `python -m vae_lesson.train`, the command-line trainer.

The loop works on preloaded tensors: one shuffle per epoch, then contiguous slices,
so the time goes to the model and not to loading images one by one.
"""
import argparse
import math
import os
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .reference import VAE, kl_divergence

DIVERGED_HINT = ("Likely causes: a variance or std used where logvar belongs (log or sqrt of a negative number), "
                 "std = exp(logvar) overflowing, or a learning rate too high.")


def mse_terms(x_hat, x, mu, logvar):
    """(reconstruction, KL), both summed: the loss the course teaches (MSE = Gaussian decoder)."""
    return F.mse_loss(x_hat, x, reduction="sum"), kl_divergence(mu, logvar)


def binary_cross_entropy_sum(x_hat, x):
    """F.binary_cross_entropy(x_hat, x, reduction="sum"), logs clamped at -100 the same way.

    Written with vectorised elementwise ops: on a CPU, PyTorch's fused BCE kernel is about
    as slow as all three matrix products of the forward pass together.
    """
    log_p, log_not_p = torch.log(x_hat).clamp(min=-100), torch.log(1 - x_hat).clamp(min=-100)
    return -(x * log_p + (1 - x) * log_not_p).sum()


def bce_terms(x_hat, x, mu, logvar):
    """(reconstruction, KL) with a Bernoulli decoder, as in pytorch/examples' vae/main.py."""
    return binary_cross_entropy_sum(x_hat, x), kl_divergence(mu, logvar)


LOSSES = {"mse": mse_terms, "bce": bce_terms}


class History(list):
    """One dict per epoch (losses per example, seconds); `diverged` holds the message if training stopped early.

    `steps` holds (reconstruction, KL) per example for every training step, for curves finer than epochs.
    """
    diverged = None

    def __init__(self, rows=()):
        super().__init__(rows)
        self.steps = []

    def column(self, key):
        return [row[key] for row in self]


def _make_optimizer(model, lr):
    try:  # the fused kernel updates all parameters in one pass; older builds lack it on some devices
        return torch.optim.Adam(model.parameters(), lr=lr, fused=True)
    except (RuntimeError, TypeError):
        return torch.optim.Adam(model.parameters(), lr=lr)


def _batches(images, labels, batch_size):
    """(x, extra arguments for the model) per batch: a conditional model also gets the labels."""
    if labels is None:
        return ((x, ()) for x in images.split(batch_size))
    return ((x, (y,)) for x, y in zip(images.split(batch_size), labels.split(batch_size)))


@torch.no_grad()
def evaluate(model, images, terms=mse_terms, batch_size=1000, labels=None):
    """Average reconstruction, KL and total loss per example (z is sampled: a single-sample ELBO)."""
    model.eval()
    recon = kl = 0.0
    for x, extra in _batches(images, labels, batch_size):
        x_hat, mu, logvar = model(x, *extra)
        r, k = terms(x_hat, x.flatten(1), mu, logvar)
        recon, kl = recon + r.item(), kl + k.item()
    n = len(images)
    return {"recon": recon / n, "kl": kl / n, "loss": (recon + kl) / n}


def fit(model, train_images, test_images=None, *, epochs=1, batch_size=128, lr=1e-3,
        terms=mse_terms, beta=1.0, seed=0, progress=True, desc="training", train_labels=None, test_labels=None):
    """Train `model` with Adam on loss = recon + beta * KL; return a History.

    `beta` is a number, or a function of the fraction of training done (0 to 1) for KL warm-up.
    With labels, the model is called as model(x, labels) (a conditional VAE).
    Training stops, instead of raising an error, when the loss stops being finite: the message, kept in
    history.diverged, is printed unless progress=False (which silences the progress bar and the message).
    """
    # Tiny (denormal) floats appear as the weights settle and make CPU arithmetic several times
    # slower; flushing them to zero changes no loss we report and keeps every epoch as fast as the first.
    torch.set_flush_denormal(True)
    try:
        return _fit(model, (train_images, train_labels), (test_images, test_labels), epochs, batch_size, lr, terms,
                    beta, seed, progress, desc)
    finally:
        torch.set_flush_denormal(False)


def _record_steps(history, sums, sizes):
    """Append per-example (recon, KL) of each step to history.steps; return the epoch's summed terms."""
    if not sums:
        return torch.zeros(2)
    sums = torch.stack(sums).cpu()
    history.steps += (sums / torch.tensor(sizes).unsqueeze(1)).tolist()
    return sums.sum(0)


def _fit(model, train, test, epochs, batch_size, lr, terms, beta, seed, progress, desc):
    (train_images, train_labels), (test_images, test_labels) = train, test
    torch.manual_seed(seed)
    optimizer = _make_optimizer(model, lr)
    history, n = History(), len(train_images)
    steps_per_epoch = math.ceil(n / batch_size)
    quiet = os.environ.get("VAE_LESSON_PROGRESS") == "0"  # set where outputs are compared: see KERNEL_ENV
    bar = tqdm(total=epochs * steps_per_epoch, desc=desc, disable=not progress or quiet, leave=False)
    for epoch in range(1, epochs + 1):
        model.train()
        start = time.perf_counter()
        sums, sizes = [], []  # per step; kept on the device and read once per epoch, so no step waits
        order = torch.randperm(n, device=train_images.device)
        labels = None if train_labels is None else train_labels[order]
        for step, (x, extra) in enumerate(_batches(train_images[order].flatten(1), labels, batch_size)):
            done = ((epoch - 1) * steps_per_epoch + step) / (epochs * steps_per_epoch)
            b = beta(done) if callable(beta) else beta
            x_hat, mu, logvar = model(x, *extra)
            recon, kl = terms(x_hat, x, mu, logvar)
            loss = recon + b * kl
            if not torch.isfinite(loss):
                _record_steps(history, sums, sizes)
                history.diverged = (f"Training stopped at epoch {epoch}, step {step + 1}: "
                                    f"the loss became {loss.item()}. {DIVERGED_HINT}")
                bar.close()
                if progress:
                    tqdm.write(history.diverged)
                return history
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            sums.append(torch.stack([recon.detach(), kl.detach()]))
            sizes.append(len(x))
            bar.update()
        recon, kl = (_record_steps(history, sums, sizes) / n).tolist()
        row = {"epoch": epoch, "train_recon": recon, "train_kl": kl, "train_loss": recon + kl,
               "seconds": time.perf_counter() - start}
        if test_images is not None:
            row.update({f"test_{k}": v for k, v in evaluate(model, test_images, terms, labels=test_labels).items()})
        history.append(row)
        bar.set_postfix(loss=f"{row['train_loss']:.1f}")
    bar.close()
    return history


def _parse(argv):
    p = argparse.ArgumentParser(prog="python -m vae_lesson.train", description="Train the reference VAE on MNIST.")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--latent-dim", type=int, default=20)
    p.add_argument("--hidden-dim", type=int, default=400)
    p.add_argument("--loss", choices=sorted(LOSSES), default="mse")
    p.add_argument("--dataset", choices=["mnist", "fashion"], default="mnist")
    p.add_argument("--device", default=None, help="cpu, cuda, mps (default: the best available)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, default=Path("runs"), help="folder for the image grids")
    args = p.parse_args(argv)
    for name in ("epochs", "batch_size", "latent_dim", "hidden_dim"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def main(argv=None):
    from torchvision.utils import save_image

    from .data import DataNotFoundError, load
    from .device import DeviceError, get_device

    args = _parse(argv)
    try:
        device = get_device(args.device)
        train_x, _ = load(args.dataset, train=True, device=device)
        test_x, _ = load(args.dataset, train=False, device=device)
    except (DataNotFoundError, DeviceError) as error:
        sys.exit(f"error: {error}")
    torch.manual_seed(args.seed)
    model = VAE(784, args.hidden_dim, args.latent_dim).to(device)
    history = fit(model, train_x, test_x, epochs=args.epochs, batch_size=args.batch_size,
                  terms=LOSSES[args.loss], seed=args.seed)
    for row in history:
        print(f"epoch {row['epoch']:3d}  train loss {row['train_loss']:8.2f}  test loss {row['test_loss']:8.2f}"
              f"  per example ({args.loss} + KL)  {row['seconds']:.1f} s")
    if history.diverged:
        sys.exit(f"error: {history.diverged}")
    args.out.mkdir(parents=True, exist_ok=True)
    model.eval()
    with torch.no_grad():
        x = test_x[:8]
        save_image(torch.cat([x, model(x)[0].view_as(x)]), args.out / "reconstruction.png", nrow=8)
        z = torch.randn(64, args.latent_dim, device=device)
        save_image(model.decoder(z).view(64, 1, 28, 28), args.out / "sample.png")
    print(f"saved {args.out / 'reconstruction.png'} and {args.out / 'sample.png'}")


if __name__ == "__main__":
    main()
