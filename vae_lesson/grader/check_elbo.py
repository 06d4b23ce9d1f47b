"""Check of chapter 05's exercise: elbo_estimate, one ELBO per example in nats, with its gradients."""
import torch

from ..reference import beyond

from . import gradients, learner, seeds
from .compare import check_unchanged, close, expect_tensor, fmt, shape_errors_as_wrong_shape
from .pitfalls import PITFALLS, elbo_bugs, explain
from .result import graded
from .sandbox import Failure


def _elbo_inputs(g, batch=5, pixels=12, latent=3):
    """A batch whose sizes all differ: x, x_hat in [0, 1] (batch, D); mu, logvar (batch, Z)."""
    x, x_hat = torch.rand(batch, pixels, generator=g), torch.rand(batch, pixels, generator=g).mul(0.9).add(0.05)
    mu, logvar = torch.randn(batch, latent, generator=g), torch.rand(batch, latent, generator=g).mul(3).sub(2)
    return x, x_hat, mu, logvar


@graded("elbo_estimate", beyond.elbo_estimate)
def elbo_estimate(fn):
    """Check elbo_estimate(x, x_hat, mu, logvar, sigma2=0.5) -> (batch,) log N(x; x_hat, sigma2 I) - KL, in nats."""
    g = torch.Generator().manual_seed(seeds.of(31))
    for sigma2 in (None, 0.2):  # None: the default, the course's 1/2; then another variance, seen only if used
        inputs = _elbo_inputs(g)
        x, x_hat, mu, logvar = inputs
        B, D = x.shape
        s2 = 0.5 if sigma2 is None else sigma2
        extra = {} if sigma2 is None else {"sigma2": sigma2}
        call = "elbo_estimate(x, x_hat, mu, logvar" + ("" if sigma2 is None else f", sigma2={sigma2}") + ")"
        expected = beyond.elbo_estimate(*inputs, sigma2=s2)
        with shape_errors_as_wrong_shape():
            out = learner.call(fn, *inputs, what=call, kwargs=extra)
        check_unchanged(out, ["x", "x_hat", "mu", "logvar"])
        got = out.value
        if isinstance(got, torch.Tensor) and got.numel() == 1:
            raise Failure("elbo-summed-over-batch", f"{call} returned one number for a batch of {B} examples. "
                          + PITFALLS["elbo-summed-over-batch"])
        if isinstance(got, torch.Tensor) and got.shape == (B, D):
            raise Failure("wrong-shape", f"{call} returned shape {(B, D)}, one value per pixel: sum the "
                          f"Gaussian's log-density over the D = {D} pixels, then subtract the KL of each example.")
        got = expect_tensor(got, call, expected.shape)
        if close(got, expected):
            continue
        shown = (f"For a batch of {B} examples of {D} pixels, 3 latent dims, sigma2 = {s2}:\n"
                 f"  expected ELBO = {fmt(expected)}\n  got      ELBO = {fmt(got)}")
        if sigma2 is not None and close(got, beyond.elbo_estimate(*inputs)):
            raise Failure("elbo-wrong-variance", f"with sigma2={sigma2} your ELBO is the one for sigma2 = 0.5: the "
                          "sigma2 passed in is ignored (hard-coded 0.5, or the squared error left undivided, which "
                          "is right only for 0.5).\n" + shown)
        for pitfall, candidates in elbo_bugs(*inputs, s2).items():
            if any(close(got, c) for c in candidates):
                why = explain("elbo_estimate", pitfall)
                raise Failure(pitfall, f"{why}\n{shown}")
        if torch.isnan(got).any():
            raise Failure("wrong-values", "your ELBO has NaN values: is the log-variance treated as a variance "
                          "somewhere? logvar may be negative.\n" + shown)
        raise Failure("wrong-values", "log N(x; x_hat, sigma2 I) summed over the pixels, constant included, minus "
                      "the KL of each example summed over the latent dims, is not what came back.\n" + shown)
    _judge_elbo_gradients(fn, inputs)
    return ("one ELBO per example, log N(x; x_hat, sigma2 I) with its constant minus the KL, for sigma2 = 0.5 (the "
            "default) and 0.2.")


def _judge_elbo_gradients(fn, inputs):
    """The ELBO is what training maximises: its gradient must reach x_hat, mu and logvar (x is the data)."""
    got_args = [t.clone().requires_grad_() for t in inputs]
    ref_args = [t.clone().requires_grad_() for t in inputs]
    got = learner.call(fn, *got_args, what="elbo_estimate(x, x_hat, mu, logvar)")
    want = beyond.elbo_estimate(*ref_args)
    weights = gradients.weighting([want])
    gradients.judge("your ELBO", ["`x_hat`", "`mu`", "`logvar`"],
                    learner.grads(got, weights, range(4), "elbo_estimate")[1:],
                    gradients.grads([want], ref_args, weights, "the reference")[1:],
                    " (.detach(), .item(), numpy or torch.no_grad()): maximised in training, it would teach the "
                    "weights behind that input nothing")
