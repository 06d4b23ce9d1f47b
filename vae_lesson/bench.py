"""Benchmarks (never timed tests), each measured side by side in one run.

    python -m vae_lesson.bench checks      how long each check takes on correct code
    python -m vae_lesson.bench training    the course's loop against a pytorch/examples-style loop and a bare loop
    python -m vae_lesson.bench notebooks   how long each notebook takes to run, kernel start included
    python -m vae_lesson.bench grading     how long `python -m vae_lesson.grade CLASS/` takes for a class of 30
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from .reference import solutions

from . import REPO_ROOT
from .device import seconds as wall_seconds
from .grader import check

CHECKS = {
    "encoder": (check.encoder, solutions.Encoder), "reparameterize": (check.reparameterize, solutions.reparameterize),
    "decoder": (check.decoder, solutions.Decoder), "kl_divergence": (check.kl_divergence, solutions.kl_divergence),
    "vae_loss": (check.vae_loss, solutions.vae_loss), "vae": (check.vae, solutions.VAE),
    "train_step": (check.train_step, solutions.beyond.train_step), "sample": (check.sample, solutions.beyond.sample),
}


def median_seconds(fn, repeats=15, warmup=3):
    """Median wall time of fn() over `repeats` calls, after `warmup` untimed ones (CUDA is synchronised)."""
    for _ in range(warmup):
        fn()
    return statistics.median(wall_seconds(fn) for _ in range(repeats))


def bench_checks(repeats=20):
    print(f"{'check':<16}{'median':>10}{'max':>10}   (seconds over {repeats} runs, correct code, after one warm-up)")
    worst = 0.0
    for name, (run_check, reference) in CHECKS.items():
        assert run_check(reference).passed
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            run_check(reference)
            times.append(time.perf_counter() - start)
        worst = max(worst, max(times))
        print(f"{name:<16}{statistics.median(times):>10.4f}{max(times):>10.4f}")
    print(f"slowest single check: {worst:.3f} s (goal: under 0.5 s)")


def _examples_loss(x_hat, x, mu, logvar):
    """pytorch/examples' loss_function: PyTorch's BCE kernel, summed, plus the KL."""
    return F.binary_cross_entropy(x_hat, x, reduction="sum") + solutions.kl_divergence(mu, logvar)


def _examples_style_epoch(model, root, device):
    """One epoch the way pytorch/examples' vae/main.py trains: a DataLoader decoding images one by one."""
    from torchvision import datasets, transforms

    loader = torch.utils.data.DataLoader(datasets.MNIST(str(root), train=True, transform=transforms.ToTensor()),
                                         batch_size=128, shuffle=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    for x, _ in loader:
        x = x.to(device)
        x_hat, mu, logvar = model(x)
        optimizer.zero_grad()
        _examples_loss(x_hat, x.view(-1, 784), mu, logvar).backward()
        optimizer.step()


def _bare_epoch(model, images):
    """One epoch over preloaded tensors, otherwise the same plain code: the floor of a textbook PyTorch loop."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    perm = torch.randperm(len(images), device=images.device)
    for i in range(0, len(images), 128):
        x = images[perm[i:i + 128]].view(-1, 784)
        x_hat, mu, logvar = model(x)
        optimizer.zero_grad()
        _examples_loss(x_hat, x, mu, logvar).backward()
        optimizer.step()


def _matmul_rate(device, repeats=20):
    """FLOP/s of the three matrix-product shapes of one training step (784-400-20, batch 128)."""
    a, w1, w2 = (torch.randn(s, device=device) for s in ((128, 784), (784, 400), (400, 40)))
    flops = 2 * 128 * (784 * 400 + 400 * 40)
    for _ in range(3):
        (a @ w1) @ w2
    start = time.perf_counter()
    for _ in range(repeats):
        (a @ w1) @ w2
    if device.type == "cuda":
        torch.cuda.synchronize()
    return flops * repeats / (time.perf_counter() - start)


def bench_training():
    from .data import data_root, load
    from .device import describe, get_device
    from .train import bce_terms, fit

    device = get_device()
    images, _ = load("mnist", train=True, device=device)
    loops = {
        "pytorch/examples-style loop (DataLoader)": lambda m: _examples_style_epoch(m, data_root(), device),
        "bare loop over preloaded tensors": lambda m: _bare_epoch(m, images),
        "the course's loop (vae_lesson.train.fit)": lambda m: fit(m, images, terms=bce_terms, progress=False),
    }
    print(f"one epoch of MNIST (60,000 images), VAE 784-400-20, batch 128, Adam 1e-3, BCE loss, on {describe(device)}")
    seconds = {}
    for name, run_epoch in loops.items():
        torch.manual_seed(0)
        model = solutions.VAE().to(device)
        start = time.perf_counter()
        run_epoch(model)
        if device.type == "cuda":
            torch.cuda.synchronize()
        seconds[name] = time.perf_counter() - start
    base, bare = seconds[next(iter(loops))], seconds["bare loop over preloaded tensors"]
    for name, s in seconds.items():
        print(f"{name:<44}{s:>7.2f} s  {len(images) / s:>9,.0f} samples/s  {base / s:>5.2f}x examples-style"
              f"  {bare / s:>5.2f}x bare")
    macs = 784 * 400 + 2 * 400 * 20 + 20 * 400 + 400 * 784
    flops = 3 * 2 * macs * len(images)  # forward + backward (about twice the forward)
    rate = _matmul_rate(device)
    print(f"compute bound: {flops / 1e9:.0f} GFLOP an epoch at {rate / 1e9:.0f} GFLOP/s (these matmul shapes) "
          f"= {flops / rate:.2f} s")


def bench_notebooks():
    import nbformat

    from .build import execute

    total = 0.0
    for folder in ("solutions", "notebooks"):
        for path in sorted((REPO_ROOT / folder).glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            start = time.perf_counter()
            execute(nb, path.parent)
            took = time.perf_counter() - start
            total += took
            print(f"{folder}/{path.name:<32}{took:>7.1f} s")
    print(f"{'all notebooks':<42}{total:>7.1f} s")


def bench_grading(size=30):
    """A generated class (a third right, a third wrong, a third part done) graded as the command does it,
    the worker's start included; every learner's verdicts are compared with what was generated."""
    import os
    import random
    import tempfile
    from pathlib import Path

    from .grade import grade
    from .grader.chapters import read_chapters
    from .grader.classroom import sample_class
    from .grader.collect import find_learners

    with tempfile.TemporaryDirectory() as folder:
        expected = sample_class(Path(folder), size)
        learners, _, _, _ = find_learners([folder], read_chapters())
        start = time.perf_counter()
        seed = random.SystemRandom().randrange(1, 2 ** 31)  # fresh inputs, as every grading run draws them
        graded = grade(learners, whole_course=True, parallel=os.cpu_count() or 1, seed=seed)
        took = time.perf_counter() - start
    notebooks = len({r.notebook for r in graded[0].results})
    as_expected = sum({r.exercise: r.pitfall for r in lr.results} == expected[lr.name] for lr in graded)
    print(f"{size} learners x {notebooks} notebooks on {os.cpu_count()} CPU cores: {took:.1f} s, "
          f"{took / size:.2f} s per learner (goal: a class of 30 in under 300 s)")
    print(f"{as_expected} of {size} learners graded exactly as generated (the checks' inputs seeded with {seed})")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m vae_lesson.bench")
    parser.add_argument("what", choices=["checks", "training", "notebooks", "grading"])
    what = parser.parse_args(argv).what
    {"checks": bench_checks, "training": bench_training, "notebooks": bench_notebooks,
     "grading": bench_grading}[what]()


if __name__ == "__main__":
    main()
