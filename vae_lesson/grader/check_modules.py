"""Checks of the module exercises Encoder and Decoder, and the weight mapping they share with the VAE's check.

The learner's module gets the reference's weights, mapped onto its nn.Linear layers by
shape, so names, nesting, head order and a fused mu/logvar head are the learner's choice.
The sizes are small and all different (D=12, H=10, Z=3) so that every shape is unambiguous.
"""
import itertools
from contextlib import contextmanager

import torch
import torch.nn.functional as F

from ..reference import solutions

from . import gradients, learner, seeds
from .compare import check_unchanged, close, example, expect_tensor
from .pitfalls import PITFALLS
from .result import graded
from .sandbox import Failure

D, H, Z, B = 12, 10, 3, 5


def build(cls, what, **sizes):
    model = learner.call(cls, what=f"{what}({', '.join(f'{k}={v}' for k, v in sizes.items())})", kwargs=sizes).value
    if not isinstance(model, learner.Module):
        raise Failure("wrong-shape", f"{what}(...) should build an nn.Module; got {learner.kind(model)}.")
    return model


def seeded(make, seed):
    """The reference module, its weights drawn from a fixed seed: what a check shows and diagnoses must not
    depend on the random numbers drawn before it (a logvar head that happens never to go negative, say)."""
    torch.manual_seed(seeds.of(seed))
    return make()


@torch.no_grad()
def centre_logvar(encoder, x):
    """Shift the logvar head's bias so that, whatever the seed, each latent dim's logvar on the check's inputs
    is negative for some rows and positive for others: a head squashed to be positive (exp, ReLU, softplus)
    then always shows, and a right one is never told apart by luck."""
    encoder.logvar.bias -= encoder(x)[1].median(dim=0).values
    return encoder


@torch.no_grad()
def saturating(decoder, z, reach=4.0):
    """Scale the output layer so that the largest |logit| on the check's codes is `reach`, whatever the seed: the
    sigmoid then nears 0 and 1, and a hard cut (clamp, hardsigmoid) always shows as outputs of exactly 0 or 1."""
    logits = decoder.out(torch.relu(decoder.hidden(z)))
    scale = reach / logits.abs().max()
    decoder.out.weight *= scale
    decoder.out.bias *= scale
    return decoder


def _layer_plans(model, wanted):
    """Yield [(layer, (weight, bias)), ...] giving each learner layer the reference weights of its shape.

    `wanted` maps a weight shape to the alternatives for the layers of that shape: each alternative
    is a list of (weight, bias), one per layer, in the learner's order.
    """
    shapes = model.shapes()
    by_shape = {shape: [i for i, s in enumerate(shapes) if s == shape] for shape in wanted}
    groups = [[list(zip(by_shape[s], alt)) for alt in alts if len(alt) == len(by_shape[s])]
              for s, alts in wanted.items()]
    for choice in itertools.product(*[g for g in groups if g]):
        yield [pair for part in choice for pair in part]


def encoder_layout(ref):
    mu, lv = (ref.mu.weight, ref.mu.bias), (ref.logvar.weight, ref.logvar.bias)
    fused = [[(torch.cat([a[0], b[0]]), torch.cat([a[1], b[1]]))] for a, b in ((mu, lv), (lv, mu))]
    return {(H, D): [[(ref.hidden.weight, ref.hidden.bias)]], (Z, H): [[mu, lv], [lv, mu]], (2 * Z, H): fused}


def decoder_layout(ref):
    return {(H, Z): [[(ref.hidden.weight, ref.hidden.bias)]], (D, H): [[(ref.out.weight, ref.out.bias)]]}


def _describe(model, layout):
    found = ", ".join(f"Linear({i}->{o})" for o, i in model.shapes()) or "no nn.Linear"
    needed = ", ".join(f"Linear({s[1]}->{s[0]})" for s in layout)
    return f"expected layers of these shapes (one of the head layouts): {needed}; found {found}."


def _load(model, plan):
    learner.load(model, [(i, weight.detach(), bias.detach()) for i, (weight, bias) in plan])


def call(model, x, what, n, seed=0, **asked):
    """The learner's module on x, the noise seeded: its Outcome, whose .outputs are the n values returned."""
    out = learner.call(model, x, what=what, seed=seeds.of(seed), **asked)
    check_unchanged(out, [x_name(what)])
    out.outputs = outputs(out.value, what, n)
    return out


def outputs(out, what, n):
    if out is None:
        raise Failure("wrong-shape", f"{what} returned None (is a `return` missing?); expected {n} tensor(s).")
    out = out if isinstance(out, (tuple, list)) else (out,)
    if len(out) != n:
        raise Failure("wrong-shape", f"{what} should return {n} tensor(s); it returned {len(out)} value(s).")
    return out


def best_match(model, ref, layout, x, expected, what):
    """Try each weight plan: None if one reproduces `expected`, else every plan's outputs, best first.

    Best is the plan whose first output (x_hat, or mu) is right, then the one with most outputs right:
    with the heads swapped every output differs and nothing could be named from those. Diagnoses
    that need no right output try each plan.
    """
    needed = sum(p.numel() for name, p in ref.named_parameters() if name.endswith("weight"))
    plans = [p for p in _layer_plans(model, layout) if sum(w.numel() for _, (w, _) in p) == needed]
    if not plans:
        raise Failure("wrong-shape", _describe(model, layout))
    tried = []
    for plan in plans:
        _load(model, plan)
        got = call(model, x, what, len(expected)).outputs
        for g, e in zip(got, expected):
            expect_tensor(g, what, e.shape)
        matches = sum(close(g, e) for g, e in zip(got, expected))
        if matches == len(expected):
            return None
        tried.append((not close(got[0], expected[0]), -matches, len(tried), plan, got))
    tried.sort(key=lambda t: t[:3])
    _load(model, tried[0][3])  # leave the model as diagnosed
    return [got for *_, got in tried]


@contextmanager
def sizes_of_its_own(built_with):
    """Name a reshape to MNIST's sizes (784 pixels, 28 x 28) in a module the check builds with small ones."""
    try:
        yield
    except Failure as f:
        if f.pitfall == "raised" and "invalid for input of size" in f.message:
            raise Failure("wrong-shape", f"forward reshapes to sizes of its own (784 pixels, or 28 x 28?), but the "
                          f"check builds the module with {built_with} (small sizes; chapter 11 uses others): take "
                          f"sizes from the input or from those __init__ was given.\n{f.message}") from None
        raise


def judge_gradients(model, ref, x, what, output_names):
    """With the matching weights loaded: the gradient reaching x through each output, and every weight's."""
    x_got, x_ref = x.clone().requires_grad_(), x.clone().requires_grad_()
    got = call(model, x_got, what, len(output_names))
    want = ref(x_ref)
    want = want if isinstance(want, tuple) else (want,)
    weights = gradients.weighting(got.outputs)
    for i, name in enumerate(output_names):  # each output's path on its own, to say which one is cut
        only = gradients.only(weights, i)
        gradients.judge(f"your {what.split('.')[0]}'s {name}", [f"`{x_name(what)}`"],
                        learner.grads(got, only, [0], what),
                        gradients.grads(want, [x_ref], only, "the reference"),
                        " (.detach(), .data or torch.no_grad() inside forward): the layers before it would never learn")
    gradients.judge_layers(model, got, weights, what)


def x_name(what):
    return what[what.find("(") + 1:what.find(")")] or "x"


def _check_default_sizes(cls, what, n_params):
    model = build(cls, what)
    count = model.params
    if count != n_params:
        raise Failure("wrong-shape", f"{what}() with its default sizes has {count:,} parameters; expected "
                                     f"{n_params:,}. Keep the defaults of the signature (784, 400, 20).")


def check_biases(model):
    """Name the nn.Linear layers built with bias=False: with the reference's weights their outputs cannot match."""
    missing = [f"Linear({i}->{o})" for o, i, bias in model.linears if not bias]
    if missing:
        raise Failure("wrong-values", f"your {', '.join(missing)} has no bias (bias=False): every layer of the "
                                      "course's networks has one, so with the reference's weights your outputs "
                                      "are shifted.")


def _diagnose_encoder(ref, x, candidates):
    with torch.no_grad():
        mu, logvar = ref(x)
        mu_without_relu = ref.mu(ref.hidden(x))
    got = candidates[0]
    if not close(got[0], mu) and any(close(c[0], torch.relu(mu)) for c in candidates):
        raise Failure("wrong-values", "mu goes through a ReLU after its head: the heads' outputs are returned as they "
                      "are, and a mean may be negative.\n" + example("mu", {"x": x}, mu, got[0]))
    if not close(got[0], mu):
        hint = ("the ReLU after the hidden layer is missing" if any(close(c[0], mu_without_relu) for c in candidates)
                else "between x and each head there is one hidden nn.Linear and its ReLU, nothing else (no other "
                     "layer, activation or dropout), and each head has its bias")
        raise Failure("wrong-values", f"mu differs from the reference for the same weights: {hint}.\n"
                      + example("mu", {"x": x}, mu, got[0]))
    if (logvar < 0).any() and (got[1] >= 0).all():
        raise Failure("logvar-as-variance", "mu is right, but your second output is never negative, and a "
                      "log-variance must be free to be: return the logvar head's raw output (no exp, ReLU, softplus "
                      "or sqrt).\n" + example("logvar", {"x": x}, logvar, got[1]))
    raise Failure("wrong-values", "mu is right but logvar differs: return the logvar head's raw output, a second "
                  "nn.Linear reading the same hidden layer.\n" + example("logvar", {"x": x}, logvar, got[1]))


@graded("encoder", solutions.Encoder)
def encoder(cls):
    """Check Encoder(input_dim, hidden_dim, latent_dim): hidden ReLU layer, heads mu and logvar."""
    model = build(cls, "Encoder", input_dim=D, hidden_dim=H, latent_dim=Z)
    x = torch.rand(B, D, generator=torch.Generator().manual_seed(seeds.of(11)))
    ref = centre_logvar(seeded(lambda: solutions.Encoder(D, H, Z), seed=3), x)
    with torch.no_grad():
        expected = ref(x)
    with sizes_of_its_own(f"input_dim={D}"):
        got = best_match(model, ref, encoder_layout(ref), x, expected, "Encoder.forward(x)")
    if got is not None:
        check_biases(model)
        _diagnose_encoder(ref, x, got)
    judge_gradients(model, ref, x, "Encoder.forward(x)", ["mu", "logvar"])
    _check_default_sizes(cls, "Encoder", 784 * 400 + 400 + 2 * (400 * 20 + 20))
    return "(mu, logvar) match the reference for the same weights."


def _diagnose_decoder(ref, z, candidates):
    with torch.no_grad():
        x_hat, logits = ref(z), ref.out(F.relu(ref.hidden(z)))
        without_relu = torch.sigmoid(ref.out(ref.hidden(z)))
    got = candidates[0]
    if close(got[0], logits) or got[0].min() < 0 or got[0].max() > 1:
        raise Failure("missing-sigmoid", PITFALLS["missing-sigmoid"] + f" Your outputs range over "
                      f"[{got[0].min().item():.3f}, {got[0].max().item():.3f}].")
    if ((got[0] == 0) | (got[0] == 1)).any():
        raise Failure("missing-sigmoid", "some outputs are exactly 0 or 1: a clamp (or hardsigmoid) keeps them in "
                      "[0, 1] but passes no gradient where it cuts, so those pixels stop learning.")
    hint = ("the ReLU after the hidden layer is missing" if any(close(c[0], without_relu) for c in candidates)
            else "the path is hidden nn.Linear, ReLU, output nn.Linear, then one sigmoid, nothing else (no second "
                 "sigmoid, no softmax, no other layer)")
    raise Failure("wrong-values", f"the output differs from the reference for the same weights: {hint}.\n"
                  + example("x_hat", {"z": z}, x_hat, got[0]))


@graded("decoder", solutions.Decoder)
def decoder(cls):
    """Check Decoder(latent_dim, hidden_dim, output_dim): hidden ReLU layer, sigmoid output."""
    model = build(cls, "Decoder", latent_dim=Z, hidden_dim=H, output_dim=D)
    z = torch.randn(B, Z, generator=torch.Generator().manual_seed(seeds.of(13))) * 3
    ref = saturating(seeded(lambda: solutions.Decoder(Z, H, D), seed=5), z)
    with torch.no_grad():
        expected = ref(z)
    with sizes_of_its_own(f"output_dim={D}"):
        got = best_match(model, ref, decoder_layout(ref), z, (expected,), "Decoder.forward(z)")
    if got is not None:
        check_biases(model)
        _diagnose_decoder(ref, z, got)
    judge_gradients(model, ref, z, "Decoder.forward(z)", ["output"])
    _check_default_sizes(cls, "Decoder", 20 * 400 + 400 + 400 * 784 + 784)
    return "outputs match the reference for the same weights and stay in [0, 1]."
