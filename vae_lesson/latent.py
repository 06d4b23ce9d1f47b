"""Measures and plots for the 2-D latent space (chapter 08's experiments, and chapter 05's picture of q(z|x)):
codes against the prior, the manifold on an equal-mass grid, and the latent-size sweep."""
import math

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import Circle, Ellipse
from matplotlib.ticker import MaxNLocator
from torch.distributions import Normal

from .plot import show_grid

GAUSSIAN_CONSTANT = 784 / 2 * math.log(math.pi)  # -log N(x; x_hat, I/2) = squared error + this, in nats


def prior_radius(mass=0.95):
    """The radius of the disc around 0 that holds `mass` of N(0, I) in 2-D (|z|^2 is chi-squared with 2 dof)."""
    return math.sqrt(-2 * math.log(1 - mass))  # P(|z|^2 <= r^2) = 1 - exp(-r^2 / 2)


@torch.no_grad()
def negative_elbo(model, images, seed=0):
    """Each image's -ELBO in nats, one z per image: squared error + KL + (D/2) log(pi), i.e. sigma^2 = 1/2."""
    torch.manual_seed(seed)
    x = images.flatten(start_dim=1)
    x_hat, mu, logvar = model(x)
    kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(dim=1)
    return (x_hat - x).pow(2).sum(dim=1) + kl + GAUSSIAN_CONSTANT


def mean_and_se(values):
    """The mean of per-example values and its standard error; of per-example differences, a paired standard error."""
    return values.mean().item(), (values.std() / len(values) ** 0.5).item()


def share_inside(codes, mass=0.95):
    """The fraction of 2-D codes inside the disc that holds `mass` of the prior."""
    return (codes.norm(dim=1) <= prior_radius(mass)).float().mean().item()


@torch.no_grad()
def nearest_distance(images, reference):
    """Each image's squared distance to the closest image in `reference`: how far it is from every real one."""
    return torch.cdist(images.flatten(start_dim=1), reference.flatten(start_dim=1)).min(dim=1).values.pow(2)


def nearest_label(z, codes, labels):
    """The label of the closest code to each z (exact distances, so that ties break the same on every CPU)."""
    return labels[torch.cdist(z, codes, compute_mode="donot_use_mm_for_euclid_dist").argmin(dim=1)]


def scatter_codes(codes, labels, title):
    """Test codes by class for several models, one panel each on the same axes, with the prior's 95% disc."""
    fig, axes = plt.subplots(1, len(codes), figsize=(5.2 * len(codes) + 0.8, 5), sharex=True, sharey=True,
                             squeeze=False)
    axes, labels = axes[0], labels.cpu()
    for ax, (name, z) in zip(axes, codes.items()):
        z = z.detach().cpu()
        for digit in range(10):
            chosen = labels == digit
            ax.scatter(z[chosen, 0], z[chosen, 1], s=2, alpha=0.5, color=plt.cm.tab10(digit), label=str(digit))
        ax.add_patch(Circle((0, 0), prior_radius(), fill=False, color="black", lw=1.5, label="N(0, I): 95%"))
        ax.set_aspect("equal")
        ax.set_title(name)
        ax.set_xlabel("z1")
    axes[0].set_ylabel("z2")
    axes[-1].legend(markerscale=5, loc="center left", bbox_to_anchor=(1, 0.5), fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def posterior_ellipses(mu, sigma, labels, title, reach=2.0):
    """Each code's Gaussian q(z|x) as an ellipse `reach` standard deviations wide along each axis, by class, with the
    prior's circle at the same reach: both hold 1 - exp(-reach^2 / 2) of their mass (86% at 2)."""
    fig, ax = plt.subplots(figsize=(6.4, 5.4))
    for (m1, m2), (s1, s2), digit in zip(mu.tolist(), sigma.tolist(), labels.tolist()):
        ax.add_patch(Ellipse((m1, m2), 2 * reach * s1, 2 * reach * s2, alpha=0.45, color=plt.cm.tab10(digit)))
    ax.add_patch(Circle((0, 0), reach, fill=False, color="black", lw=1.5))
    handles = [plt.Line2D([], [], marker="o", ls="", color=plt.cm.tab10(d), label=str(d)) for d in range(10)]
    handles.append(plt.Line2D([], [], color="black", label="N(0, I)"))
    limit = max(reach, (mu.abs() + reach * sigma).max().item()) * 1.05
    ax.set_xlim(-limit, limit)
    ax.set_ylim(-limit, limit)
    ax.set_aspect("equal")
    ax.set_xlabel("z1")
    ax.set_ylabel("z2")
    ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1, 0.5), fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def sample_grids(samples, title, nrow=8):
    """Several batches of images side by side, one titled grid each."""
    fig, axes = plt.subplots(1, len(samples), figsize=(4.2 * len(samples), 4.6))
    for ax, (name, images) in zip(axes, samples.items()):
        show_grid(images, name, nrow=nrow, ax=ax)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def equal_mass_codes(n=20):
    """The n values z = Phi^-1(u), u = (i + 1/2) / n: the centres, in probability, of n slices of equal prior mass."""
    u = (torch.arange(n, dtype=torch.float64) + 0.5) / n
    return Normal(0.0, 1.0).icdf(u).float()


@torch.no_grad()
def equal_mass_manifold(decoder, title, n=20, ticks=(0, 2, 5, 8, 11, 14, 17, 19)):
    """Decode the n x n grid of `equal_mass_codes` (z1 to the right, z2 upwards); tick labels are z values."""
    device = next(decoder.parameters()).device
    values = equal_mass_codes(n).to(device)
    z2, z1 = torch.meshgrid(values.flip(0), values, indexing="ij")
    images = decoder(torch.stack([z1.flatten(), z2.flatten()], dim=1))
    ax = show_grid(images, title, nrow=n, ax=plt.figure(figsize=(7.5, 7.5)).gca())
    centres = [2 + 30 * i + 14 for i in ticks]  # make_grid: 28-pixel tiles, 2 pixels of padding
    ax.axis("on")
    ax.set_xticks(centres, [f"{values[i]:.2f}" for i in ticks], rotation=45)
    ax.set_yticks(centres, [f"{values.flip(0)[i]:.2f}" for i in ticks])
    ax.set_xlabel("z1 = Φ⁻¹(u1)")
    ax.set_ylabel("z2 = Φ⁻¹(u2)")
    ax.figure.tight_layout()
    return ax.figure


def sweep_curves(histories, title):
    """Test -ELBO in nats per example against the epoch, one line per latent size."""
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for size, history in histories.items():
        ax.plot(history.column("epoch"), [v + GAUSSIAN_CONSTANT for v in history.column("test_loss")],
                marker="o", label=f"Z = {size}")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("test -ELBO per example (nats, lower is better)")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig
