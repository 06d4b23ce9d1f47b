"""Checks of the two exercises that draw noise: reparameterize (chapter 02) and sample (chapter 06).

reparameterize: z = mu + exp(0.5 * logvar) * eps, judged by its exact draw and by its statistics. The
learner's z is first compared with the reference's draw for the same seed; code that draws its noise
another way (rsample, normal_) is judged by the statistics of (z - mu) / std instead.
sample: the codes that reach a small decoder's first layer, the images it returns, and the grad mode.
"""
import torch

from ..reference import beyond, solutions

from . import learner, seeds
from .compare import check_unchanged, close, expect_tensor, shape_errors_as_wrong_shape
from .pitfalls import PITFALLS, name_reparameterization
from .result import graded
from .sandbox import Failure

ROWS, COLS = 50, 40  # different sizes, so that a matrix product or a transpose shows as a shape mistake

# Wrong scales of the noise, recognised by statistics when the noise is not drawn like the reference's.
_WRONG_SCALES = [
    ("std-not-exponentiated", "you used std = 0.5 * logvar", lambda lv: 0.5 * lv),
    ("std-missing-half", "you used std = exp(logvar), the variance", torch.exp),
    ("std-missing-half", "you used std = 0.5 * exp(logvar), half the variance: the 0.5 belongs inside the exp",
     lambda lv: 0.5 * lv.exp()),
    ("logvar-as-variance", "you used logvar itself as std", lambda lv: lv),
]


def looks_standard_normal(e, logvar):
    """N(0, 1)-like overall and as wide for small as for large logvar, so a wrong scale cannot average out."""
    e, lv = e.detach().double(), logvar.detach()
    return bool(torch.isfinite(e).all() and e.mean().abs() < 0.1 and (e.std() - 1).abs() < 0.1
                and e.min() < -2 and e.max() > 2
                and all((e[part].std() - 1).abs() < 0.15 for part in (lv < 0, lv >= 0)))


def _reparam_inputs(dtype=torch.float32, device="cpu"):
    g = torch.Generator().manual_seed(seeds.of(7))
    mu = torch.randn(ROWS, COLS, generator=g).mul(0.5)
    logvar = torch.rand(ROWS, COLS, generator=g).mul(5).sub(3)  # in [-3, 2]: negative and positive
    return [t.to(dtype=dtype, device=device).requires_grad_() for t in (mu, logvar)]


def _sample(fn, mu, logvar, seed=0):
    """The learner's z for the seed's noise: its Outcome, z its value."""
    with shape_errors_as_wrong_shape("z must have mu's shape: combine mu, std and eps elementwise (+ and *), "
                                     "not with @, matmul or a transpose.\n"):
        try:
            out = learner.call(fn, mu, logvar, what="reparameterize(mu, logvar)", seed=seeds.of(seed))
            z = out.value
        except Failure as failure:  # torch.distributions refuses a negative scale, with a dump of the tensor
            if failure.pitfall == "raised" and "parameter scale" in failure.message:
                raise Failure("logvar-as-variance", "a distribution was given logvar, or something that can be "
                                                    "negative, as its scale (std), and refused it: logvar is below "
                                                    "zero wherever the variance is below 1, and a "
                                                    "scale must be positive.") from None
            raise
    if isinstance(z, torch.Tensor) and z.shape == mu.shape[::-1]:
        raise Failure("wrong-shape", f"reparameterize returned shape {tuple(z.shape)}, mu's shape transposed; "
                                     f"expected {tuple(mu.shape)}.")
    out.value = expect_tensor(z, "reparameterize", mu.shape)
    check_unchanged(out, ["mu", "logvar"])
    return out


def _rms(t):
    return t.double().pow(2).mean().sqrt().item()


def _spread_report(d, lv):
    """How far z - mu spreads against what std predicts, for small and for large logvar."""
    std, lines, ratios = torch.exp(0.5 * lv), [], []
    for name, mask in (("logvar < 0", lv < 0), ("logvar >= 0", lv >= 0)):
        want, got = _rms(std[mask]), _rms(d[mask])
        ratios.append(got / want)
        lines.append(f"  where {name}: z - mu should spread by {want:.3f} (RMS of std), yours by {got:.3f} "
                     f"({got / want:.2f} times)")
    if abs(_rms(d[lv < 0]) / _rms(d[lv >= 0]) - 1) < 0.2:
        lines.append("  Your spread does not follow logvar: is eps multiplied by the standard deviation "
                     "that logvar gives?")
    return ratios, "\n".join(lines)


def _describe_wrong_noise(d, lv):
    if not torch.isfinite(d).all():
        return f"z has {int((~torch.isfinite(d)).sum())} NaN or infinite values out of {d.numel()}."
    ratios, report = _spread_report(d, lv)
    centred = abs(d.double().mean().item()) < 0.1 * _rms(d) + 1e-12
    if centred and any(abs(r - 1) > 0.15 for r in ratios):
        return "the noise's scale is wrong: z - mu must spread by the standard deviation that logvar gives.\n" + report
    return (f"z is not distributed as N(mu, exp(logvar)): z - mu should average 0; "
            f"yours averages {d.double().mean().item():.3f}.\n" + report)


def diagnose_sample(z, mu, logvar):
    """Raise the Failure that names how z departs from mu + exp(0.5 * logvar) * eps."""
    d, lv = (z - mu).detach(), logvar.detach()
    if bool(torch.isnan(d[lv < 0]).all()) and bool(torch.isfinite(d[lv > 0]).all()):
        raise Failure("logvar-as-variance", "z is NaN wherever logvar < 0: you took the sqrt or log of logvar as "
                                            "if it were a variance.")
    named = name_reparameterization(z, mu, logvar, close)
    if named:
        raise Failure(named[0], f"{named[1]}. {PITFALLS[named[0]]}")
    if torch.equal(d, torch.zeros_like(d)):
        raise Failure("no-noise", "z equals mu exactly: no noise was added.")
    for pitfall, what, scale in _WRONG_SCALES:
        if looks_standard_normal(d / scale(lv), lv):
            raise Failure(pitfall, f"{what}. {PITFALLS[pitfall]}")
    e = d / torch.exp(0.5 * lv)
    if e.min() >= 0 and e.max() < 1:
        raise Failure("noise-not-randn-like", "the noise lies in [0, 1): that is torch.rand_like, uniform, not "
                                              "standard normal.")
    raise Failure("wrong-values", _describe_wrong_noise(d, lv))


def _check_dtype_and_device(fn):
    mu, logvar = _reparam_inputs(torch.float64)
    z = _sample(fn, mu, logvar).value
    if z.dtype != torch.float64:
        raise Failure("noise-not-randn-like", f"with float64 inputs z came back as {z.dtype}: "
                                              "the noise must follow std's dtype.")
    e = ((z - mu) / torch.exp(0.5 * logvar)).detach()
    if torch.allclose(e, e.float().double(), rtol=1e-11, atol=1e-12):
        raise Failure("noise-not-randn-like", "with float64 inputs the noise had only float32 precision: "
                                              "torch.randn(shape) makes float32 whatever std is.")
    if torch.cuda.is_available():
        mu, logvar = _reparam_inputs(device="cuda")
        try:
            z = _sample(fn, mu, logvar).value
        except Failure as f:
            if f.pitfall == "raised" and "device" in f.message:
                raise Failure("noise-not-randn-like", "with inputs on CUDA your noise was made on another device: "
                                                      f"the noise must follow std's device.\n{f.message}") from None
            raise
        if z.device != mu.device:
            raise Failure("noise-not-randn-like", f"with inputs on {mu.device} z came back on {z.device}: "
                                                  "the noise must follow std's device.")


@graded("reparameterize", solutions.reparameterize)
def reparameterize(fn):
    """Check reparameterize(mu, logvar) -> mu + exp(0.5 * logvar) * eps."""
    mu, logvar = _reparam_inputs()
    out = _sample(fn, mu, logvar)
    z = out.value
    if z.dtype != mu.dtype:
        raise Failure("noise-not-randn-like", f"with {mu.dtype} inputs z came back as {z.dtype}: the noise was made "
                                              "in another dtype (a dtype= argument, or NumPy), and z must keep the "
                                              "inputs' dtype.")
    torch.manual_seed(seeds.of(0))
    e = (z - mu).detach() / torch.exp(0.5 * logvar.detach())
    if not close(z, solutions.reparameterize(mu, logvar)) and not looks_standard_normal(e, logvar):
        diagnose_sample(z, mu, logvar)
    if (e - e[:, :1]).abs().max() < 1e-6:
        raise Failure("wrong-values", "every latent dimension of an example got the same eps: draw one independent "
                                      "N(0, 1) number for each value of mu, with mu's shape.")
    if not out.requires_grad or not out.grad_fn[0]:
        raise Failure("no-gradient", "z carries no gradient back to mu and logvar. " + PITFALLS["no-gradient"])
    got = learner.grads(out, [torch.ones_like(z)], [0, 1], "your z")
    reached = [name for name, g in zip(("mu", "logvar"), got) if g is not None and g.abs().sum() > 0]
    if len(reached) < 2:
        where = f"{reached[0]} but not {'logvar' if reached == ['mu'] else 'mu'}" if reached else "neither mu nor logvar"
        raise Failure("no-gradient", f"the gradient reaches {where}. " + PITFALLS["no-gradient"])
    _check_dtype_and_device(fn)
    torch.manual_seed(seeds.of(1))
    if close(z, _sample(fn, mu, logvar, seed=1).value):
        raise Failure("no-noise", "two calls with different seeds gave the same z: draw fresh noise on every call.")
    return "z = mu + exp(0.5 * logvar) * eps, differentiable in mu and logvar, with fresh N(0, 1) noise " \
           "of std's dtype and device."


# ---------------------------------------------------------------- sample

D, H, Z, B = 12, 7, 3, 5  # as train_step's small VAE
N = 2000  # codes for the statistics; n, D and Z all differ, so a swapped size shows as a wrong shape
_LATENT = (f"z must have the decoder's latent size, the in_features of its first nn.Linear (here {Z}): a size "
           "written into the code, or one read off another axis of the layer, does not fit every decoder:\n")


def _decoder(dtype=torch.float32, latent=Z):
    """(the judge's decoder, the same one made in the probe): the judge computes what the learner's images must be."""
    torch.manual_seed(seeds.of(41))
    reference = solutions.Decoder(latent, H, D).to(dtype).eval()  # as chapter 06 samples: after model.eval()
    made = learner.make("decoder", reference.state_dict(), str(dtype).split(".")[-1], (latent, H, D))
    return reference, made


def _draw(fn, decoder, n, given="a float32 decoder on the CPU", seed=None):
    """((the codes that reached the decoder's first nn.Linear, whether gradients were on), the images)."""
    what = f"sample(decoder, n={n})"
    with shape_errors_as_wrong_shape(_LATENT):
        try:
            out = learner.call(fn, decoder[1], n, what=what, seed=seed, capture=(decoder[1], 0))
        except Failure as failure:
            error = failure.message.split("\n  at line")[0]  # torch's words, not the learner's quoted line
            if failure.pitfall == "raised" and ("dtype" in error or "device" in error):
                raise Failure("sample-wrong-dtype", f"with {given}: {failure.message}") from None
            raise
    images, seen = expect_tensor(out.value, what, (n, D)), out.captured
    if not seen:
        raise Failure("wrong-values", f"{what} never ran the decoder it was given on the codes.")
    codes = torch.cat([z.reshape(-1, z.shape[-1]) for z, _ in seen])  # every call: one code at a time is fine
    return (codes, any(grad_on for _, grad_on in seen), out.requires_grad), images


def _judge_codes(z):
    z = z.double()
    if z.numel() and (z == z.flatten()[0]).all():
        raise Failure("noise-not-randn-like", f"every code is the same number, {z.flatten()[0].item():g} (torch.zeros "
                                              "or a constant?): the codes are draws from the prior N(0, I), so "
                                              "each sample shows another image.")
    if z.min() >= 0 and z.max() < 1:
        raise Failure("noise-not-randn-like", "the codes all lie in [0, 1): that is torch.rand, uniform, not the "
                                              "prior N(0, I).")
    mean, std = z.mean().item(), z.std().item()
    if abs(mean) > 0.1 or abs(std - 1) > 0.1 or (z.std(0) - 1).abs().max() > 0.15:
        raise Failure("wrong-values", f"over {len(z)} codes yours have mean {mean:.3f} and std {std:.3f}; codes "
                      "from the prior N(0, I) have mean 0 and std 1 in every latent dimension: yours are shifted or "
                      "scaled.")


def _second_fault(fn, failure):
    """A hard-coded latent size hides whether the decoding builds a graph: try a decoder of the size written
    in, the course's 20, and name that second fault too."""
    if failure.pitfall != "wrong-shape":
        return ""
    try:
        (_, grad_on, graph), _ = _draw(fn, _decoder(latent=20), B)
    except Failure:
        return ""
    if graph or grad_on:
        return ("\nAlso, with a decoder of latent size 20 (the size your code assumes) the decoder ran with "
                "gradients on, though nothing is trained here (sample-builds-graph).")
    return ""


@graded("sample", beyond.sample)
def sample(fn):
    """Check sample(decoder, n) -> (n, D) decoded from z ~ N(0, I), fresh each call, without a graph."""
    decoder = _decoder()
    try:
        (z, grad_on, graph), out = _draw(fn, decoder, B, seed=seeds.of(0))
    except Failure as failure:
        raise Failure(failure.pitfall, failure.message + _second_fault(fn, failure)) from None
    if graph or grad_on:
        raise Failure("sample-builds-graph", "the decoder ran with gradients on" + (
            ", and the images still carry the graph" if graph else "") + ": nothing is trained here.")
    with torch.no_grad():
        if not close(out, decoder[0](z)):
            raise Failure("wrong-values", "the images are not the decoder's output for the codes it was given, "
                                          "unchanged.")
    (z, *_), first = _draw(fn, decoder, N)
    _judge_codes(z)
    if torch.equal(first, _draw(fn, decoder, N)[1]):
        raise Failure("sample-not-fresh", "two calls in a row gave the same images: each call must draw new codes.")
    (z, *_), out = _draw(fn, _decoder(torch.float64), B, "a float64 decoder")
    if out.dtype != torch.float64 or z.dtype != torch.float64:
        raise Failure("sample-wrong-dtype", f"with a float64 decoder the codes were {z.dtype} and the images "
                                            f"{out.dtype}: draw z in the decoder's dtype.")
    if torch.cuda.is_available():
        decoder = _decoder()
        learner.module_op(decoder[1], "cuda")
        (z, *_), out = _draw(fn, decoder, B, "a decoder on CUDA")
        if out.device.type != "cuda":
            raise Failure("sample-wrong-dtype", f"with a decoder on CUDA the images came back on {out.device}.")
    return (f"on a small decoder ({Z} latent dims, {D} outputs), sample(decoder, n) returned its (n, {D}) outputs for "
            f"codes of size {Z} whose mean and std over {N:,} draws are within 0.1 of N(0, I)'s 0 and 1, fresh on each "
            "call, float64 for a float64 decoder, without a graph.")
