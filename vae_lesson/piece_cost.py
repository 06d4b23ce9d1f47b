"""What a failed piece costs: a short training of the learner's version beside the reference (chapter 06).

Chapter 07 shows the known pitfalls this way; here the buggy variant is the learner's own code.
"""
import torch
import torch.nn.functional as F
from torch import nn

from .reference import solutions

from . import plot
from .buggy import Run
from .pieces import PIECES
from .train import fit

NOTEBOOK = dict(PIECES.values())


class AssembledVAE(nn.Module):
    """The chapter 06 VAE built from given pieces, so that any one of them can be the learner's."""

    def __init__(self, Encoder, reparameterize, Decoder, input_dim=784, hidden_dim=400, latent_dim=20):
        super().__init__()
        self.encoder = Encoder(input_dim, hidden_dim, latent_dim)
        self.decoder = Decoder(latent_dim, hidden_dim, input_dim)
        self.reparameterize = reparameterize

    def forward(self, x):
        mu, logvar = self.encoder(x.flatten(start_dim=1))
        return self.decoder(self.reparameterize(mu, logvar)), mu, logvar


def train_with(pieces, images, epochs):
    """(model, history): the VAE of `pieces` (name -> piece) trained on `images`, same seed for every variant."""
    kl = pieces["kl_divergence"]

    def terms(x_hat, x, mu, logvar):
        return F.mse_loss(x_hat, x, reduction="sum"), kl(mu, logvar)

    torch.manual_seed(0)
    model = AssembledVAE(pieces["Encoder"], pieces["reparameterize"], pieces["Decoder"]).to(images.device)
    return model, fit(model, images, epochs=epochs, terms=terms, progress=False)


def _one(name, mine, reference, train_images, shown, epochs):
    pieces = dict(_references()) | {name: mine}
    try:
        run = Run(f"your {name}", *train_with(pieces, train_images, epochs))
        return plot.side_by_side(reference, run, shown, f"Your {name} (failed its check) beside the reference: "
                                 f"{epochs} epochs on {len(train_images):,} digits")
    except Exception as error:  # a broken piece may not even run; say so and let the notebook go on
        print(f"Your {name} could not be trained: {type(error).__name__}: {error}".splitlines()[0])


def show_cost(failed, train_images, shown, epochs=2):
    """One picture per failed piece: its training beside the reference's. One line if there is none."""
    if not failed:
        print("No piece of yours fails its check: no cost to show.")
        return
    devices = [torch.cuda.current_device()] if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):  # the cells after this one draw the same numbers
        reference = None
        for name, (mine, result) in failed.items():
            if result.pitfall == "not-implemented":
                print(f"Your {name} is still a stub (it raises NotImplementedError), so it cannot train: "
                      f"write it in {NOTEBOOK[name]} to see its effect here.")
                continue
            reference = reference or Run("reference", *train_with(dict(_references()), train_images, epochs))
            _one(name, mine, reference, train_images, shown, epochs)


def _references():
    return ((n, getattr(solutions, n)) for n in NOTEBOOK)
