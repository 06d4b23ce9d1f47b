"""Chapter 02's comparison of two gradient estimators: repeat each one many times, summarise, plot.

An estimator here is a function `(mu, logvar, n) -> (d/dmu, d/dlogvar)` whose inputs have shape
(repeats, Z): each row is one independent estimate from n samples, so one call gives them all.
"""
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from . import REPO_ROOT


def summarise(estimator, mu, logvar, counts, repeats):
    """Mean, standard error of the mean and variance of `repeats` estimates, for each n in `counts`.

    `mu`, `logvar`: shape (1, Z). Returns a dict of arrays of shape (len(counts), 2 Z): the Z columns of d/dmu,
    then the Z of d/dlogvar.
    """
    rows = {"mean": [], "se": [], "var": []}
    for n in counts:
        grads = torch.cat(estimator(mu.expand(repeats, -1), logvar.expand(repeats, -1), n), dim=1).double()
        variance = grads.var(dim=0)
        rows["mean"].append(grads.mean(dim=0).numpy())
        rows["var"].append(variance.numpy())
        rows["se"].append((variance / repeats).sqrt().numpy())
    return {key: np.array(value) for key, value in rows.items()}


def rounded(value, digits=3):
    """`value` to `digits` significant figures, written out with thousands separators: 209607 -> '210,000'."""
    return f"{float(f'{value:.{digits}g}'):,g}"


def loglog_slope(counts, variances):
    """Slope of log(variance) against log(n): -1 for a variance proportional to 1/n."""
    return float(np.polyfit(np.log(counts), np.log(variances), 1)[0])


def plot_variances(summaries, counts, single_sample, title):
    """Measured variance against n (markers), beside the derived single-sample variance / n (lines)."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 4))
    counts = np.asarray(counts)
    for column, (ax, label) in enumerate(zip(axes, ("d/d mu", "d/d logvar"))):
        for (name, summary), color in zip(summaries.items(), ("tab:blue", "tab:orange", "tab:green")):
            ax.loglog(counts, summary["var"][:, column], "o", color=color, label=name)
            ax.loglog(counts, single_sample[name][column] / counts, "-", color=color, alpha=0.6)
        ax.set_xlabel("samples per estimate, N")
        ax.set_ylabel("variance of the estimate")
        ax.set_title(f"gradient {label}")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8,
               title="points: measured; lines: the derived one-sample variance / N", title_fontsize=8)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.14, 1, 1))
    return fig


def first_test_digit():
    """The first MNIST test image as a (1, 784) tensor in [0, 1], as `data.load` gives it. Read straight from
    the raw file when it is on disk, which spares the chapter importing torchvision; else through `data`."""
    path = Path(os.environ.get("VAE_LESSON_DATA") or REPO_ROOT / "data").expanduser() / "MNIST/raw/t10k-images-idx3-ubyte"
    if not path.exists():
        from . import data
        return data.load("mnist", train=False, limit=1)[0].flatten(start_dim=1)
    with open(path, "rb") as file:
        file.seek(16)  # past the IDX header: a magic number and three sizes
        pixels = torch.frombuffer(bytearray(file.read(784)), dtype=torch.uint8)
    return pixels.float().div(255).view(1, 784)
