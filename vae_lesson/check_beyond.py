"""Checks of the exercises after chapter 05: spotting a bug from its symptoms, latent interpolation."""
import torch

from solutions import beyond

from .compare import close, example, expect_tensor
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
    return f"{answer}: {PITFALLS[answer]}"


@graded("interpolate", beyond.interpolate)
def interpolate(fn):
    """Check interpolate(z_start, z_end, steps) -> (steps, Z), endpoints included, evenly spaced."""
    g = torch.Generator().manual_seed(19)
    for latent, steps in ((2, 7), (5, 2), (3, 11)):
        z0, z1 = torch.randn(latent, generator=g), torch.randn(latent, generator=g)
        expected = beyond.interpolate(z0, z1, steps)
        got = expect_tensor(run(fn, z0.clone(), z1.clone(), steps, what=f"interpolate(z0, z1, {steps})"),
                            f"interpolate(z_start, z_end, steps={steps})", expected.shape)
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
