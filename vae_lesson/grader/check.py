"""Instant checks of the exercises, graded against `solutions` by behaviour, never by source text.

Each check runs the learner's code on seeded inputs, compares it with the reference
(modules get the reference's weights, mapped by layer shape) and, where it differs,
names the mistake by finding the known wrong variant that reproduces it.

    r = check.encoder(Encoder); r.passed, r.pitfall, r.message; Encoder = r.implementation
"""
import torch

from ..reference import solutions

from . import gradients, learner, seeds
from .check_beyond import condition, interpolate, iwae_estimate, parameter_count, spot_the_bug
from .check_elbo import elbo_estimate
from .check_modules import decoder, encoder
from .check_sampling import reparameterize, sample
from .check_training import train_step
from .check_vae import vae
from .compare import check_unchanged, close, example, expect_tensor, shape_errors_as_wrong_shape
from .hints import hint
from .pitfalls import KL_BUGS, PITFALLS, explain, kl_slips, loss_bugs
from .result import CheckResult, graded
from .sandbox import Failure

__all__ = ["PITFALLS", "CheckResult", "encoder", "reparameterize", "decoder", "vae", "kl_divergence", "vae_loss",
           "spot_the_bug", "interpolate", "elbo_estimate", "iwae_estimate", "condition", "parameter_count", "hint",
           "train_step", "sample"]


# ---------------------------------------------------------------- losses

def _latents():
    g = torch.Generator().manual_seed(seeds.of(3))
    return torch.randn(8, 3, generator=g), torch.rand(8, 3, generator=g).mul(3.5).sub(2)


def _scalar(fn, args, names, what):
    """(the value; its gradient with respect to each of args, None where none reaches)."""
    args = [a.clone().requires_grad_() for a in args]
    with shape_errors_as_wrong_shape(f"{what} raised a shape error: each term of the sum has one value per example "
                                     "and latent value (mu's shape) before it is summed into one number for the whole "
                                     "batch:\n"):
        out = learner.call(fn, *args, what=what)
    check_unchanged(out, names)
    value = out.value
    if isinstance(value, torch.Tensor) and value.numel() == 1 and value.dim() and what.startswith("vae_loss"):
        value = value.reshape(())  # a loss of shape (1,) trains the same; the KL's task asks for a 0-d tensor
    if isinstance(value, torch.Tensor) and value.dim() == 1 and len(value) == len(args[0]) > 1:
        raise Failure("wrong-shape", f"{what} returned one value per example, shape {tuple(value.shape)}: the course "
                                     "sums each term over the batch too, to one number. (A per-example term plus a "
                                     "batch-summed one, added, gives every example the whole batch's other term.)")
    value = expect_tensor(value, what, ())
    got = (learner.grads(out, [torch.ones(out.value.shape)], range(len(args)), what) if out.requires_grad
           else [None] * len(args))
    if not any(g is not None for g in got):
        raise Failure("no-gradient", f"{what} returned a number whose gradient does not reach its inputs (was "
                                     ".item(), .detach(), numpy or torch.no_grad() used, even if requires_grad was "
                                     "set again afterwards?): the optimiser could not learn from it.")
    return value, got


def _judge_gradients(reference, args, got, names, what, judged):
    """The learner's gradients against the reference's, for the inputs a model's parameters sit behind (not x,
    the data: detaching a target is harmless)."""
    ref_args = [a.clone().requires_grad_() for a in args]
    want = torch.autograd.grad(reference(*ref_args), ref_args, allow_unused=True)
    gradients.judge(what, [f"`{names[i]}`" for i in judged], [got[i] for i in judged], [want[i] for i in judged],
                    " (.detach(), .data, .item(), numpy or torch.no_grad()): the weights behind it would learn "
                    "nothing from that term")


def _name_variant(value, variants):
    for pitfall, candidates in variants.items():
        if any(close(value, c.detach().reshape(())) for c in candidates):
            return pitfall
    return None


@graded("kl_divergence", solutions.kl_divergence)
def kl_divergence(fn):
    """Check kl_divergence(mu, logvar) -> -0.5 * sum(1 + logvar - mu^2 - exp(logvar))."""
    mu, logvar = _latents()
    expected = solutions.kl_divergence(mu, logvar)
    got, grads = _scalar(fn, [mu, logvar], ["mu", "logvar"], "kl_divergence(mu, logvar)")
    if close(got, expected):
        _judge_gradients(solutions.kl_divergence, [mu, logvar], grads, ["mu", "logvar"], "your KL", [0, 1])
        zero = learner.call(fn, torch.zeros(2, 3), torch.zeros(2, 3), what="kl_divergence(0, 0)").value
        if isinstance(zero, torch.Tensor) and abs(float(zero)) < 1e-6:
            return f"matches the closed form: {expected.item():.4f} on the test batch, 0 at mu = 0, logvar = 0."
    B, Z = mu.shape
    shown = example("KL", {"mu": mu, "logvar": logvar}, expected, got)
    pitfall = _name_variant(got, {k: make(expected, B, Z) for k, make in KL_BUGS.items()})
    for slip, candidates in kl_slips(mu, logvar).items():
        what = next((what for what, value in candidates if pitfall is None and close(got, value)), None)
        if what:
            raise Failure(slip, f"{what}. {PITFALLS[slip]}\n{shown}")
    again = learner.call(fn, mu.clone(), logvar.clone(), what="kl_divergence(mu, logvar), called again").value
    again = again.detach().reshape(()) if isinstance(again, torch.Tensor) and again.numel() == 1 else got
    if pitfall is None and torch.isfinite(got) and torch.isfinite(again) and not close(again, got):
        raise Failure("kl-monte-carlo", f"{PITFALLS['kl-monte-carlo']}\nTwo calls on the same batch gave "
                                        f"{got.item():.4f} and {again.item():.4f}.")
    if pitfall is None and torch.isnan(got):
        pitfall = "logvar-as-variance"
    no_exp = -0.5 * (1 + logvar - mu.pow(2) - logvar)  # logvar where its exp, the variance, belongs
    if pitfall is None and any(close(got, no_exp.sum() / n) for n in (1, B, B * Z)):
        pitfall = "kl-missing-exp"
    if pitfall is None and got < 0:
        pitfall = "kl-sign-flipped"
    if pitfall == "mean-reduction":
        counts = {B: "the batch size", B * Z: "the number of latent values in the batch", Z: "the latent size"}
        n = next(n for n in counts if close(got, expected / n))
        raise Failure(pitfall, f"your KL is the summed one divided by {n}, {counts[n]}: the course sums the KL over "
                               f"the batch and the latent dims, as it sums the reconstruction; beside a summed "
                               f"reconstruction a KL averaged this way would weigh {n} times less.\n{shown}")
    raise Failure(pitfall or "wrong-values", f"{PITFALLS[pitfall or 'wrong-values']}\n{shown}")


def _rescaled(got, expected, counts):
    """(name, n) if got is the reference divided by one of the counts: both terms alike, balance kept."""
    for name, n in counts.items():
        if close(got, expected / n):
            return name, n
    return None


@graded("vae_loss", solutions.vae_loss)
def vae_loss(fn):
    """Check vae_loss(x_hat, x, mu, logvar) -> MSE(sum) + KL(sum)."""
    g = torch.Generator().manual_seed(seeds.of(5))
    x_hat, x = torch.rand(8, 12, generator=g).mul(0.9).add(0.05), torch.rand(8, 12, generator=g)
    mu, logvar = _latents()
    expected = solutions.vae_loss(x_hat, x, mu, logvar)
    args, names = [x_hat, x, mu, logvar], ["x_hat", "x", "mu", "logvar"]
    got, grads = _scalar(fn, args, names, "vae_loss(x_hat, x, mu, logvar)")
    if close(got, expected):
        _judge_gradients(solutions.vae_loss, args, grads, names, "your loss", [0, 2, 3])
        return f"MSE (sum) + KL (sum) = {expected.item():.4f} on the test batch, as expected."
    shown = (f"For a batch of 8 examples of 12 pixels and 3 latent dims: expected {expected.item():.4f}, "
             f"got {got.item():.4f}.")
    rescaled = _rescaled(got, expected, {"the batch size": len(x), "the number of pixels in the batch": x.numel()})
    if rescaled:
        raise Failure("mean-reduction", f"your loss is the summed one divided by {rescaled[1]}, {rescaled[0]}. That "
                      "keeps the balance of reconstruction and KL, but rescales the loss and its gradients, and so "
                      "changes what a learning rate means: the course sums over the batch.\n"
                      + shown)
    pitfall = _name_variant(got, loss_bugs(x_hat, x, mu, logvar)) or "wrong-values"
    if pitfall == "mean-reduction":
        raise Failure(pitfall, "a term is averaged, not summed: F.mse_loss's default divides the reconstruction by "
                      f"the {x.numel()} pixels of the batch, and a mean in the KL would divide it by the {len(mu)} "
                      f"examples or the {mu.numel()} latent values. Dividing the two "
                      "terms by different counts shifts the weight of one against the other (and the scale).\n" + shown)
    raise Failure(pitfall, f"{explain('vae_loss', pitfall)}\n{shown}")
