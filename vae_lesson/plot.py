"""Plot layout for the chapters, so a chapter calls one function and shows one picture."""
import math

import matplotlib.pyplot as plt
import torch
from matplotlib.ticker import MaxNLocator
from torchvision.utils import make_grid


def _as_images(batch):
    return batch.detach().float().cpu().view(-1, 1, 28, 28).clamp(0, 1)


def show_grid(images, title, nrow=8, ax=None):
    """Show a batch of 28x28 images (any shape with 784 values each) as one grid."""
    grid = make_grid(_as_images(images), nrow=nrow, padding=2, pad_value=1.0)
    ax = ax or plt.figure(figsize=(nrow * 0.6, grid.shape[1] / grid.shape[2] * nrow * 0.6)).gca()
    ax.imshow(grid.permute(1, 2, 0))
    ax.set_title(title)
    ax.axis("off")
    return ax


def show_rows(rows, title):
    """Several batches of equal size, one labelled row each (e.g. inputs over reconstructions)."""
    fig, axes = plt.subplots(len(rows), 1, figsize=(8, 1.1 * len(rows) + 0.4), squeeze=False)
    for ax, (label, images) in zip(axes[:, 0], rows.items()):
        show_grid(images, label, nrow=len(images), ax=ax)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_history(history, title="training"):
    """Both terms against the epoch: each training batch's value before its step (thin line), their average
    over each epoch (flat segment) and, if present, the test set's at each epoch's end (dots)."""
    steps = torch.tensor(history.steps)
    per_epoch = len(steps) / len(history)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    labels = {"recon": "summed squared error per example", "kl": "KL per example (nats)"}
    for ax, (column, (term, label)) in zip(axes, enumerate(labels.items())):
        ax.plot(torch.arange(len(steps)) / per_epoch, steps[:, column], lw=0.5, color="tab:gray",
                label="each training batch")
        for row in history:
            ax.hlines(row[f"train_{term}"], row["epoch"] - 1, row["epoch"], color="tab:blue", lw=2,
                      label="train: average over the epoch" if row["epoch"] == 1 else None)
        if history and f"test_{term}" in history[0]:
            ax.plot(history.column("epoch"), history.column(f"test_{term}"), "o", color="tab:orange",
                    label="test: at the epoch's end")
        ax.set_xticks(range(len(history) + 1))
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
    _log_axis(axes[0], steps[:, 0])  # the first batches' error is several times the last ones'
    axes[0].legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def _log_axis(ax, values):
    """Log scale labelled at 1, 2, 3, 5 times the powers of ten inside the values' range; linear if that
    leaves fewer than three labels (a narrow range, or values not all positive)."""
    lo, hi = values.min().item(), values.max().item()
    if not 0 < lo < hi < math.inf:
        return
    ticks = [m * 10 ** k for k in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
             for m in (1, 2, 3, 5) if lo <= m * 10 ** k <= hi]
    if len(ticks) < 3:
        return
    ax.set_yscale("log")
    ax.minorticks_off()
    ax.set_yticks(ticks, [f"{t:g}" for t in ticks])


def plot_range(values, labels, title):
    """Box plot of several tensors side by side, with the [0, 1] pixel range shaded."""
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.axhspan(0, 1, color="tab:green", alpha=0.15, label="pixel range [0, 1]")
    ax.boxplot([torch.as_tensor(v).detach().flatten().cpu().numpy() for v in values], whis=(0, 100))
    ax.set_xticks(range(1, len(labels) + 1), labels)
    ax.set_ylabel("output value")
    ax.set_title(title)
    ax.legend(loc="upper right")
    fig.tight_layout()
    return fig


@torch.no_grad()
def _recon_and_samples(model, images, seed=0):
    torch.manual_seed(seed)
    x_hat = model(images)[0]
    decode = getattr(model, "decode", model.decoder)  # a buggy variant decodes its own way
    samples = decode(torch.randn(len(images), model.decoder.hidden.in_features, device=images.device))
    return x_hat, samples


def _value_axis(ax, values):
    """Linear scale for values within a factor of 20 of each other; otherwise symmetric-log with at most
    about eight labelled powers of ten, so that tiny (mean-reduced) and huge (runaway) values both show."""
    values = [v for v in values if math.isfinite(v)]
    lo, hi = min(values), max(values)
    if lo > 0 and hi < 20 * lo:
        ax.yaxis.set_major_locator(MaxNLocator(5))
        return
    smallest = min(abs(v) for v in values if v != 0)
    low = max(0 if lo < 0 else -3, math.floor(math.log10(smallest)))  # crossing zero: no crowd of tiny ticks
    ax.set_yscale("symlog", linthresh=10.0 ** low)
    tops = [math.ceil(math.log10(abs(v))) for v in (lo, hi) if abs(v) > 10.0 ** low] or [low]
    step = max(1, math.ceil((2 * max(tops) - 2 * low) / 8) if lo < 0 else math.ceil((max(tops) - low) / 6))
    powers = list(range(low + (step if lo < 0 else 0), max(tops) + 1, step))  # none crowding the zero tick
    ticks = [10.0 ** k for k in powers if hi > 0] + [-(10.0 ** k) for k in powers if lo < 0]
    if lo < 0 < hi or min(abs(lo), abs(hi)) < 10.0 ** low:
        ticks.append(0.0)
    ax.set_yticks(sorted(ticks), [_power_label(t) for t in sorted(ticks)])


def _power_label(value):
    if value == 0:
        return "0"
    return f"${'-' if value < 0 else ''}10^{{{round(math.log10(abs(value)))}}}$"


def side_by_side(correct, buggy, images, title):
    """Two training runs (vae_lesson.buggy.Run) compared: loss curves of both terms, reconstructions, samples.

    The curves show each step's terms as that run's loss computed them (per example when summed)."""
    fig = plt.figure(figsize=(9, 10))
    grid = fig.add_gridspec(6, 2, height_ratios=[3, 1.3, 1.3, 1.3, 1.3, 1.3])
    for col, (term, label) in enumerate([(0, "reconstruction"), (1, "KL")]):
        ax = fig.add_subplot(grid[0, col])
        for run, style in ((correct, "-"), (buggy, "--")):
            ax.plot([s[term] for s in run.history.steps], style, label=run.name)
        if buggy.history.diverged:
            ax.axvline(len(buggy.history.steps), color="red", linestyle=":", label=f"{buggy.name} stops (NaN)")
        _value_axis(ax, [s[term] for run in (correct, buggy) for s in run.history.steps])
        ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
        ax.set_xlabel("training step")
        ax.set_ylabel(f"{label} term, as trained")
        ax.legend(fontsize=8)
    rows = {"test digits": images}
    for run in (correct, buggy):
        if run.history.diverged:
            continue
        rows[f"{run.name}: reconstructions"], rows[f"{run.name}: samples from N(0, I)"] = \
            _recon_and_samples(run.model, images)
    for i, (label, batch) in enumerate(rows.items()):
        show_grid(batch, label, nrow=len(batch), ax=fig.add_subplot(grid[1 + i, :]))
    fig.suptitle(title)
    fig.tight_layout()
    return fig
