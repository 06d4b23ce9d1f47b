"""Check of the VAE exercise: flatten, encode, sample z (in eval mode too), decode.

The learner's VAE gets the reference's weights (see check_modules) and the same seed, so its x_hat
matches the reference's to the last bit, or the sampling variant that reproduces it names the mistake.
"""
import torch
import torch.nn.functional as F

from ..reference import solutions

from . import gradients, learner, seeds
from .check_modules import B, D, H, Z, best_match, build, call, centre_logvar, decoder_layout, encoder_layout, seeded
from .compare import close, example
from .pitfalls import PITFALLS, name_reparameterization
from .result import graded
from .sandbox import Failure


def _reference_decode(ref, z, squash=True):
    logits = ref.decoder.out(F.relu(ref.decoder.hidden(z)))
    return torch.sigmoid(logits) if squash else logits


def _diagnose_sampling(ref, x_hat, mu, logvar, z):
    if close(x_hat, _reference_decode(ref, z, squash=False)) or x_hat.min() < 0 or x_hat.max() > 1:
        raise Failure("missing-sigmoid", PITFALLS["missing-sigmoid"])
    named = name_reparameterization(x_hat, mu, logvar, lambda got, z: close(got, _reference_decode(ref, z)))
    if named:
        raise Failure(named[0], f"in your VAE's sampling {named[1]}. {PITFALLS[named[0]]}")


def _diagnose(ref, x, got):
    with torch.no_grad():
        mu, logvar = ref.encoder(x.flatten(1))
        torch.manual_seed(seeds.of(0))
        z = solutions.reparameterize(mu, logvar)
        x_hat = _reference_decode(ref, z)
        if not close(got[0], x_hat):
            _diagnose_sampling(ref, got[0], mu, logvar, z)
    wrong = [name for name, g, e in (("mu", got[1], mu), ("logvar", got[2], logvar)) if not close(g, e)]
    if wrong == ["logvar"] and (logvar < 0).any() and (got[2] >= 0).all():
        raise Failure("logvar-as-variance", "mu is right, but the logvar your VAE returns is never negative: return "
                      "the logvar head's raw output, not a variance or std. " + PITFALLS["logvar-as-variance"])
    if close(got[0], x_hat):  # what it computed is right; what it returned is not
        raise Failure("wrong-values", f"x_hat is right, but the returned {' and '.join(wrong)} "
                      f"{'differ' if len(wrong) > 1 else 'differs'}: return (x_hat, mu, logvar) in this order.")
    part = f"the encoder's {wrong[0]}" if wrong else "the sampling and the decoder"
    raise Failure("wrong-values", f"x_hat differs from the reference for the same weights and noise: look at {part}.\n"
                  + example("x_hat", {"x": x.flatten(1)}, x_hat, got[0]))


def _train_mode_outputs(model, ref, x, expected):
    """The outputs to diagnose, or None if they match; a flattening mistake is named here."""
    layout = {**encoder_layout(ref.encoder), **decoder_layout(ref.decoder)}
    try:
        return best_match(model, ref, layout, x, expected, "VAE.forward(x)")
    except Failure as f:
        if f.pitfall == "raised" and "784" in f.message:
            raise Failure("wrong-shape", f"forward(x) hard-codes 784 pixels, but this VAE was built with "
                          f"input_dim={D} (the check uses small sizes; chapter 11 uses others): flatten with the "
                          "size the model was built with, or in a way that needs no size.\n"
                          f"{f.message}") from None
        if f.pitfall == "raised" and "shape" in f.message:
            raise Failure("wrong-shape", "forward(x) must flatten x from (batch, 1, height, width) to (batch, "
                          f"input_dim) first.\n{f.message}") from None
        raise


def _check_eval_mode(model, ref, x):
    learner.module_op(model, "eval"), ref.eval()
    with torch.no_grad():
        torch.manual_seed(seeds.of(1))
        expected = ref(x)
        mu_only = ref.decoder(expected[1])
    got = call(model, x, "VAE.forward(x) in eval mode", 3, seed=1).outputs
    if not close(got[0], expected[0]):
        if close(got[0], mu_only):
            raise Failure("no-noise", "in eval mode your VAE decodes mu instead of a sample z: the course samples "
                                      "z in both modes, so that the test loss is the same ELBO as the training loss.")
        raise Failure("wrong-values", "in eval mode x_hat differs from the reference for the same weights and noise.")
    learner.module_op(model, "train"), ref.train()


def _check_gradient(model, x):
    """The loss reaches the encoder through x_hat (the sampling must stay differentiable), and through the mu and
    logvar the VAE returns (the KL's path); every layer gets a gradient. A .detach() on what forward returns would
    pass every value check."""
    encoder = [(model, i) for i, shape in enumerate(model.shapes()) if shape in ((H, D), (Z, H), (2 * Z, H))]
    got = call(model, x, "VAE.forward(x)", 3, seed=2)
    weights = gradients.weighting(got.outputs)
    for i, name in enumerate(("x_hat", "mu", "logvar")):
        reached = learner.grads(got, gradients.only(weights, i), encoder, "VAE.forward(x)")
        if i == 0 and any(g is None for g in reached):
            raise Failure("no-gradient", "no gradient reaches the encoder through x_hat. " + PITFALLS["no-gradient"])
        if i > 0 and not any(gradients.nonzero(g) for g in reached):
            raise Failure("gradient-blocked", f"no gradient reaches the encoder through the {name} your VAE returns, "
                          "though its values are right: it is .detach()ed (or computed under torch.no_grad()), so the "
                          "KL term could never shape the encoder.")
    gradients.judge_layers(model, got, weights, "VAE.forward(x)")


def _check_float64(model, x):
    """In float64 the noise must be float64 too: torch.randn(batch, latent) is float32 whatever the model is."""
    learner.module_op(model, "double")
    decoder_input = model.shapes().index((H, Z))
    out = call(model, x.double(), "VAE.forward(x) with the model in float64 (model.double())", 3,
               capture=(model, decoder_input))
    got, seen = out.outputs, [z for z, _ in out.captured]
    if got[0].dtype != torch.float64 or not seen:
        raise Failure("noise-not-randn-like", f"with the model and x in float64, x_hat came back as {got[0].dtype}: "
                                              "every step must keep the input's dtype, the noise's draw included.")
    mu, logvar = got[1].detach(), got[2].detach()
    e = (seen[0] - mu) / torch.exp(0.5 * logvar)
    if torch.allclose(e, e.float().double(), rtol=1e-11, atol=1e-12):
        raise Failure("noise-not-randn-like", "with the model in float64 your noise had only float32 precision: "
                                              "torch.randn(batch, latent) makes float32 on the CPU whatever the "
                                              "model is, so the noise must be drawn to follow std's dtype and device.")


@graded("vae", solutions.VAE)
def vae(cls):
    """Check VAE(input_dim, hidden_dim, latent_dim): flattens x, samples z (also in eval mode), decodes."""
    model = build(cls, "VAE", input_dim=D, hidden_dim=H, latent_dim=Z)
    # image-shaped: forward must flatten
    x = torch.rand(B, 1, 2, 6, generator=torch.Generator().manual_seed(seeds.of(17)))
    ref = seeded(lambda: solutions.VAE(D, H, Z), seed=19)
    centre_logvar(ref.encoder, x.flatten(1))
    torch.manual_seed(seeds.of(0))
    with torch.no_grad():
        expected = ref(x)
    candidates = _train_mode_outputs(model, ref, x, expected)
    if candidates is not None:
        _diagnose(ref, x, candidates[0])
    _check_eval_mode(model, ref, x)
    _check_gradient(model, x)
    _check_float64(model, x)
    return "(x_hat, mu, logvar) match the reference for the same weights and noise, in train and eval mode."
