"""Checks of the exercises after chapter 05: spotting a bug from its symptoms, latent interpolation."""
import torch

from solutions import beyond

from .compare import close, example, expect_tensor, shape_errors_as_wrong_shape
from .pitfalls import PITFALLS
from .result import graded
from .sandbox import Failure, run

SIX = ("logvar-as-variance", "std-not-exponentiated", "mean-reduction", "noise-not-randn-like",
       "missing-sigmoid", "kl-sign-flipped")
SYMPTOMS = {
    "logvar-as-variance": "the loss would be NaN at the very first step, and training would stop",
    "std-not-exponentiated": "training would look healthy and reconstructions sharp, but samples from N(0, I) poor: "
                             "the model can shrink its noise to nothing",
    "noise-not-randn-like": "training would look healthy, but the codes would be shifted by the uniform noise's "
                            "mean of 0.5, and samples from N(0, I) would miss them",
    "missing-sigmoid": "training would run, with outputs below 0 and above 1",
    "kl-sign-flipped": "the KL curve would dive below zero towards -1e20 while the reconstruction stalls",
    "mean-reduction": "the loss would be tiny and the KL's weight, relative to reconstruction, would be far too large",
}

# Chapter 06's variant is a mean-reduced MSE beside a summed KL: a mean over elements, which rescales and rebalances.
CHAPTER_06_VARIANT = ("use sum reduction for both terms (reduction='sum'; F.mse_loss averages by default): a mean "
                      "changes the scale of the loss and the weight of one term against the other.")


@graded("spot_the_bug", beyond.spot_the_bug)
def spot_the_bug(fn):
    """Check the pitfall id named for chapter 06's unnamed variant."""
    answer = run(fn, what="spot_the_bug()")
    if not isinstance(answer, str):
        raise Failure("wrong-shape", f"spot_the_bug() returned {type(answer).__name__}; return one of the ids "
                                     f"as a string: {', '.join(SIX)}.")
    if answer not in SIX:
        raise Failure("wrong-values", f"{answer!r} is not one of the six ids: {', '.join(SIX)}.")
    if answer != beyond.spot_the_bug():
        raise Failure("wrong-values", f"not {answer}: with that bug {SYMPTOMS[answer]}. Look again at the KL curve "
                                      "and at how alike the reconstructions are.")
    return f"{answer}: {CHAPTER_06_VARIANT}"


_WEIGHTS_SHAPE = ("the path has shape (steps, Z): the weights t = torch.linspace(0, 1, steps) have shape (steps,) "
                  "and must have shape (steps, 1), t.unsqueeze(1) or t[:, None], to broadcast against codes of "
                  "shape (Z,).\n")


@graded("interpolate", beyond.interpolate)
def interpolate(fn):
    """Check interpolate(z_start, z_end, steps) -> (steps, Z), endpoints included, evenly spaced."""
    g = torch.Generator().manual_seed(19)
    for latent, steps in ((2, 7), (5, 2), (3, 11)):
        z0, z1 = torch.randn(latent, generator=g), torch.randn(latent, generator=g)
        expected = beyond.interpolate(z0, z1, steps)
        with shape_errors_as_wrong_shape(_WEIGHTS_SHAPE):
            got = run(fn, z0.clone(), z1.clone(), steps, what=f"interpolate(z0, z1, {steps})")
        got = expect_tensor(got, f"interpolate(z_start, z_end, steps={steps})", expected.shape)
        if not close(got, expected):
            if close(got.flip(0), expected):
                raise Failure("wrong-values", "your path runs backwards: the first row must be z_start.")
            if not (close(got[0], z0) and close(got[-1], z1)):
                raise Failure("wrong-values", "the path must start exactly at z_start and end exactly at z_end "
                              "(torch.linspace(0, 1, steps) includes both ends).\n"
                              + example("last row", {"z_end": z1}, z1, got[-1]))
            raise Failure("wrong-values", "the codes are not evenly spaced on the straight line.\n"
                          + example("second row", {"z_start": z0, "z_end": z1}, expected[1], got[1]))
    return "evenly spaced codes from z_start to z_end, both included."


@graded("iwae_estimate", beyond.iwae_estimate)
def iwae_estimate(fn):
    """Check iwae_estimate(log_weights (k, batch)) -> (batch,) log of the mean of the weights, stably."""
    g = torch.Generator().manual_seed(23)
    log_w = torch.randn(7, 5, generator=g) * 3 - torch.linspace(100, 900, 5)  # real log-weights: far below zero
    expected = beyond.iwae_estimate(log_w)
    got = expect_tensor(run(fn, log_w.clone(), what="iwae_estimate(log_weights)"), "iwae_estimate", expected.shape)
    if close(got, expected):
        return "the importance-weighted bound, computed stably with logsumexp."
    if torch.isinf(got).any():
        raise Failure("no-logsumexp", PITFALLS["no-logsumexp"] + f" Your result: {got.tolist()}.")
    k = log_w.shape[0]
    variants = {"missing-log-k": torch.logsumexp(log_w, 0), "elbo-not-iwae": log_w.mean(0)}
    for pitfall, wrong in variants.items():
        if close(got, wrong):
            raise Failure(pitfall, PITFALLS[pitfall])
    raise Failure("wrong-values", f"for log-weights of {k} samples:\n" + example("bound", {}, expected, got)[5:])


# Labels for two batches: the second lacks the highest label, as most real batches of a few examples do.
_LABELS = (torch.tensor([7, 0, 3, 9, 2, 9]), torch.tensor([2, 5, 0, 5, 1, 3]))


def _name_label_code(got, v, labels):
    """Name a label given as one number, or one-hot codes sized by the batch's largest label."""
    if not isinstance(got, torch.Tensor) or got.dim() != 2 or len(got) != len(v):
        return
    width = got.shape[1] - v.shape[1]
    if width == 1:
        raise Failure("label-not-one-hot", PITFALLS["label-not-one-hot"])
    if width == labels.max().item() + 1 and width != 10:
        raise Failure("label-not-one-hot", f"for a batch whose largest label is {labels.max().item()} your codes "
                      f"had {width} positions, not 10: F.one_hot(labels) without num_classes sizes the code by the "
                      "largest label present, so it changes from batch to batch. Pass num_classes=10.")


@graded("condition", beyond.condition)
def condition(fn):
    """Check condition(v, labels) -> v with the labels' one-hot codes appended."""
    g = torch.Generator().manual_seed(29)
    for labels in _LABELS:
        v = torch.rand(len(labels), 3, generator=g)
        expected = beyond.condition(v, labels)
        with shape_errors_as_wrong_shape():
            got = run(fn, v.clone(), labels.clone(), what=f"condition(v, labels={labels.tolist()})")
        _name_label_code(got, v, labels)
        got = expect_tensor(got, "condition(v, labels)", expected.shape)
        if not close(got, expected):
            label = labels[0].item()
            raise Failure("wrong-values", "expected v first, then the one-hot code of the label.\n"
                          + example("row 0", {"v[0]": v[0]}, expected[0], got[0])
                          + f"\n  (row 0's label is {label}: its one-hot code has a 1 at position {label})")
    return "v followed by the one-hot code of each label."


@graded("parameter_count", beyond.parameter_count)
def parameter_count(fn):
    """Check parameter_count(input_dim, hidden_dim, latent_dim) -> the VAE's number of parameters."""
    for sizes in ((784, 400, 20), (10, 7, 3), (1, 1, 1)):
        expected, got = beyond.parameter_count(*sizes), run(fn, *sizes, what=f"parameter_count{sizes}")
        if not isinstance(got, int) and not (isinstance(got, torch.Tensor) and got.numel() == 1):
            raise Failure("wrong-shape", f"parameter_count{sizes} returned {type(got).__name__}; expected an int.")
        if int(got) != expected:
            D, H, Z = sizes
            weights_only = D * H + 2 * H * Z + Z * H + H * D
            pitfall = "missing-biases" if int(got) == weights_only else "wrong-values"
            raise Failure(pitfall, f"for D, H, Z = {sizes} expected {expected:,}, got {int(got):,}. "
                          + (PITFALLS[pitfall] if pitfall != "wrong-values" else
                             "Count every nn.Linear of the encoder (hidden, mu, logvar) and the decoder (hidden, out)."))
    return "matches sum(p.numel() for p in VAE(D, H, Z).parameters()) for every size tried."
