"""Plot layout for the chapters, so a chapter calls one function and shows one picture."""
import matplotlib.pyplot as plt
import torch
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
    """Reconstruction and KL per example against the epoch, train and (if present) test."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3))
    epochs = history.column("epoch")
    for ax, term in zip(axes, ("recon", "kl")):
        for split in ("train", "test"):
            key = f"{split}_{term}"
            if history and key in history[0]:
                ax.plot(epochs, history.column(key), marker="o", label=split)
        ax.set_xlabel("epoch")
        ax.set_ylabel(f"{'reconstruction' if term == 'recon' else 'KL'} per example (nats)")
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    return fig


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
