"""Instant checks of the exercises, graded against `solutions` by behaviour, never by source text.

Each check runs the learner's code on seeded inputs, compares it with the reference
(modules get the reference's weights, mapped by layer shape) and, where it differs,
names the mistake by finding the known wrong variant that reproduces it.

    r = check.encoder(Encoder); r.passed, r.pitfall, r.message; Encoder = r.implementation
"""
import torch

import solutions

from .check_beyond import condition, interpolate, iwae_estimate, parameter_count, spot_the_bug
from .check_modules import decoder, encoder, vae
from .compare import close, example, expect_tensor
from .pitfalls import KL_BUGS, PITFALLS, REPARAMETERIZE_BUGS, loss_bugs
from .result import CheckResult, graded
from .sandbox import Failure, check_unchanged, run

__all__ = ["PITFALLS", "CheckResult", "encoder", "reparameterize", "decoder", "vae", "kl_divergence", "vae_loss",
           "spot_the_bug", "interpolate", "iwae_estimate", "condition", "parameter_count"]


# ---------------------------------------------------------------- reparameterize

def _looks_standard_normal(e):
    e = e.detach().double()
    return bool(torch.isfinite(e).all() and e.mean().abs() < 0.1 and (e.std() - 1).abs() < 0.1
                and e.min() < -2 and e.max() > 2)


def _reparam_inputs(dtype=torch.float32, device="cpu"):
    g = torch.Generator().manual_seed(7)
    mu = torch.randn(64, 64, generator=g).mul(0.5)
    logvar = torch.rand(64, 64, generator=g).mul(5).sub(3)  # in [-3, 2]: negative and positive
    return [t.to(dtype=dtype, device=device).requires_grad_() for t in (mu, logvar)]


def _sample(fn, mu, logvar, seed=0):
    before = [mu.detach().clone(), logvar.detach().clone()]
    torch.manual_seed(seed)
    z = expect_tensor(run(fn, mu, logvar, what="reparameterize(mu, logvar)"), "reparameterize", mu.shape)
    check_unchanged(before, [mu, logvar], ["mu", "logvar"])
    return z


def _diagnose_sample(z, mu, logvar):
    d, lv = (z - mu).detach(), logvar.detach()
    if bool(torch.isnan(d[lv < 0]).all()) and bool(torch.isfinite(d[lv > 0]).all()):
        raise Failure("logvar-as-variance", "z is NaN wherever logvar < 0: you took the sqrt or log of logvar as "
                                            "if it were a variance.")
    if torch.equal(d, torch.zeros_like(d)):
        raise Failure("no-noise", "z equals mu exactly: no noise was added.")
    for pitfall, fn in REPARAMETERIZE_BUGS.items():
        torch.manual_seed(0)
        if close(z, fn(mu, logvar)):
            raise Failure(pitfall, PITFALLS[pitfall])
    scales = {"std-not-exponentiated": 0.5 * lv, "std-missing-half": lv.exp(), "no-noise": torch.ones_like(lv),
              "logvar-as-variance": lv}
    for pitfall, scale in scales.items():
        if _looks_standard_normal(d / scale):
            raise Failure(pitfall, PITFALLS[pitfall])
    e = d / torch.exp(0.5 * lv)
    if e.min() >= 0 and e.max() < 1:
        raise Failure("noise-not-randn-like", "the noise lies in [0, 1): that is torch.rand_like (uniform); "
                                              "use torch.randn_like (standard normal).")
    raise Failure("wrong-values", "z is not distributed as mu + exp(0.5 * logvar) * eps with eps ~ N(0, 1):\n"
                  + example("z", {"mu": mu, "logvar": logvar}, mu + torch.exp(0.5 * logvar), z)
                  + "  (expected shown with eps = 1)")


def _check_dtype_and_device(fn):
    mu, logvar = _reparam_inputs(torch.float64)
    z = _sample(fn, mu, logvar)
    if z.dtype != torch.float64:
        raise Failure("noise-not-randn-like", f"with float64 inputs z came back as {z.dtype}: "
                                              "draw eps with torch.randn_like(std) so it follows std's dtype.")
    e = ((z - mu) / torch.exp(0.5 * logvar)).detach()
    if torch.allclose(e, e.float().double(), rtol=1e-11, atol=1e-12):
        raise Failure("noise-not-randn-like", "with float64 inputs the noise had only float32 precision: "
                                              "torch.randn(shape) makes float32; torch.randn_like(std) follows std.")
    if torch.cuda.is_available():
        mu, logvar = _reparam_inputs(device="cuda")
        try:
            z = _sample(fn, mu, logvar)
        except Failure as f:
            if f.pitfall == "raised" and "device" in f.message:
                raise Failure("noise-not-randn-like", "with inputs on CUDA your noise was made on another device: "
                                                      f"use torch.randn_like(std).\n{f.message}") from None
            raise
        if z.device != mu.device:
            raise Failure("noise-not-randn-like", f"with inputs on {mu.device} z came back on {z.device}: "
                                                  "use torch.randn_like(std).")


@graded("reparameterize", solutions.reparameterize)
def reparameterize(fn):
    """Check reparameterize(mu, logvar) -> mu + exp(0.5 * logvar) * eps."""
    mu, logvar = _reparam_inputs()
    z = _sample(fn, mu, logvar)
    torch.manual_seed(0)
    if not close(z, solutions.reparameterize(mu, logvar)) and not _looks_standard_normal(
            (z - mu).detach() / torch.exp(0.5 * logvar.detach())):
        _diagnose_sample(z, mu, logvar)
    if not z.requires_grad or z.grad_fn is None:
        raise Failure("no-gradient", "z carries no gradient back to mu and logvar. " + PITFALLS["no-gradient"])
    run(lambda: z.sum().backward(), what="backpropagating through your z")
    if logvar.grad is None or mu.grad is None or not logvar.grad.abs().sum() > 0:
        raise Failure("no-gradient", "the gradient reaches " + ("neither mu nor logvar" if mu.grad is None else
                      "mu but not logvar") + ". " + PITFALLS["no-gradient"])
    _check_dtype_and_device(fn)
    torch.manual_seed(1)
    if close(z, _sample(fn, mu, logvar, seed=1)):
        raise Failure("no-noise", "two calls with different seeds gave the same z: draw fresh noise on every call.")
    return "z = mu + exp(0.5 * logvar) * eps, differentiable in mu and logvar, with fresh N(0, 1) noise " \
           "of std's dtype and device."


# ---------------------------------------------------------------- losses

def _latents():
    g = torch.Generator().manual_seed(3)
    return torch.randn(8, 3, generator=g), torch.rand(8, 3, generator=g).mul(3.5).sub(2)


def _scalar(fn, args, names, what):
    args = [a.clone().requires_grad_() for a in args]
    before = [a.detach().clone() for a in args]
    value = run(fn, *args, what=what)
    check_unchanged(before, args, names)
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.reshape(())
    value = expect_tensor(value, what, ())
    if not value.requires_grad:
        raise Failure("no-gradient", f"{what} returned a number that carries no gradient (was .item(), numpy or "
                                     "torch.no_grad() used?): the optimiser could not learn from it.")
    return value.detach()


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
    got = _scalar(fn, [mu, logvar], ["mu", "logvar"], "kl_divergence(mu, logvar)")
    if close(got, expected):
        zero = run(fn, torch.zeros(2, 3), torch.zeros(2, 3), what="kl_divergence(0, 0)")
        if isinstance(zero, torch.Tensor) and abs(float(zero)) < 1e-6:
            return f"matches the closed form: {expected.item():.4f} on the test batch, 0 at mu = 0, logvar = 0."
    B, Z = mu.shape
    shown = example("KL", {"mu": mu, "logvar": logvar}, expected, got)
    pitfall = _name_variant(got, {k: make(expected, B, Z) for k, make in KL_BUGS.items()})
    if pitfall is None and torch.isnan(got):
        pitfall = "logvar-as-variance"
    if pitfall is None and got < 0:
        pitfall = "kl-sign-flipped"
    raise Failure(pitfall or "wrong-values", f"{PITFALLS[pitfall or 'wrong-values']}\n{shown}")


@graded("vae_loss", solutions.vae_loss)
def vae_loss(fn):
    """Check vae_loss(x_hat, x, mu, logvar) -> MSE(sum) + KL(sum)."""
    g = torch.Generator().manual_seed(5)
    x_hat, x = torch.rand(8, 12, generator=g).mul(0.9).add(0.05), torch.rand(8, 12, generator=g)
    mu, logvar = _latents()
    expected = solutions.vae_loss(x_hat, x, mu, logvar)
    got = _scalar(fn, [x_hat, x, mu, logvar], ["x_hat", "x", "mu", "logvar"], "vae_loss(x_hat, x, mu, logvar)")
    if close(got, expected):
        return f"MSE (sum) + KL (sum) = {expected.item():.4f} on the test batch, as expected."
    pitfall = _name_variant(got, loss_bugs(x_hat, x, mu, logvar)) or "wrong-values"
    raise Failure(pitfall, f"{PITFALLS[pitfall]}\nFor a batch of 8 examples of 12 pixels and 3 latent dims: "
                           f"expected {expected.item():.4f}, got {got.item():.4f}.")
