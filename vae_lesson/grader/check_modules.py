"""Checks of the three module exercises: Encoder, Decoder and VAE.

The learner's module gets the reference's weights, mapped onto its nn.Linear layers by
shape, so names, nesting, head order and a fused mu/logvar head are the learner's choice.
The sizes are small and all different (D=12, H=10, Z=3) so that every shape is unambiguous.
"""
import itertools

import torch
import torch.nn.functional as F
from torch import nn

import solutions

from .compare import close, example, expect_tensor
from .pitfalls import PITFALLS, REPARAMETERIZE_BUGS
from .result import graded
from .sandbox import Failure, run

D, H, Z, B = 12, 10, 3, 5


def _build(cls, what, **sizes):
    model = run(cls, what=f"{what}({', '.join(f'{k}={v}' for k, v in sizes.items())})", **sizes)
    if not isinstance(model, nn.Module):
        raise Failure("wrong-shape", f"{what}(...) should build an nn.Module; got {type(model).__name__}.")
    return model


def _linears(model):
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def _layer_plans(model, wanted):
    """Yield [(layer, (weight, bias)), ...] giving each learner layer the reference weights of its shape.

    `wanted` maps a weight shape to the alternatives for the layers of that shape: each alternative
    is a list of (weight, bias), one per layer, in the learner's order.
    """
    layers = _linears(model)
    by_shape = {shape: [l for l in layers if tuple(l.weight.shape) == shape] for shape in wanted}
    groups = [[list(zip(by_shape[s], alt)) for alt in alts if len(alt) == len(by_shape[s])]
              for s, alts in wanted.items()]
    for choice in itertools.product(*[g for g in groups if g]):
        yield [pair for part in choice for pair in part]


def _encoder_layout(ref):
    mu, lv = (ref.mu.weight, ref.mu.bias), (ref.logvar.weight, ref.logvar.bias)
    fused = [[(torch.cat([a[0], b[0]]), torch.cat([a[1], b[1]]))] for a, b in ((mu, lv), (lv, mu))]
    return {(H, D): [[(ref.hidden.weight, ref.hidden.bias)]], (Z, H): [[mu, lv], [lv, mu]], (2 * Z, H): fused}


def _decoder_layout(ref):
    return {(H, Z): [[(ref.hidden.weight, ref.hidden.bias)]], (D, H): [[(ref.out.weight, ref.out.bias)]]}


def _describe(model, layout):
    found = ", ".join(f"Linear({l.in_features}->{l.out_features})" for l in _linears(model)) or "no nn.Linear"
    needed = ", ".join(f"Linear({s[1]}->{s[0]})" for s in layout)
    return f"expected layers of these shapes (one of the head layouts): {needed}; found {found}."


@torch.no_grad()
def _load(plan):
    for layer, (weight, bias) in plan:
        layer.weight.copy_(weight)
        if layer.bias is not None:
            layer.bias.copy_(bias)


def _outputs(model, x, what, n, seed=0):
    torch.manual_seed(seed)
    out = run(model, x, what=what)
    out = out if isinstance(out, (tuple, list)) else (out,)
    if len(out) != n:
        raise Failure("wrong-shape", f"{what} should return {n} tensor(s); it returned {len(out)} value(s).")
    return out


def _first_match(model, ref, layout, x, expected, what):
    """Load each weight plan, run the model; return None on a match, else the outputs of the last plan."""
    needed = sum(p.numel() for name, p in ref.named_parameters() if name.endswith("weight"))
    plans = [p for p in _layer_plans(model, layout) if sum(w.numel() for _, (w, _) in p) == needed]
    if not plans:
        raise Failure("wrong-shape", _describe(model, layout))
    for plan in plans:
        _load(plan)
        got = _outputs(model, x, what, len(expected))
        for g, e in zip(got, expected):
            expect_tensor(g, what, e.shape)
        if all(close(g, e) for g, e in zip(got, expected)):
            return None
    return got


def _check_default_sizes(cls, what, n_params):
    model = _build(cls, what)
    count = sum(p.numel() for p in model.parameters())
    if count != n_params:
        raise Failure("wrong-shape", f"{what}() with its default sizes has {count:,} parameters; expected "
                                     f"{n_params:,}. Keep the defaults of the signature (784, 400, 20).")


@graded("encoder", solutions.Encoder)
def encoder(cls):
    """Check Encoder(input_dim, hidden_dim, latent_dim): hidden ReLU layer, heads mu and logvar."""
    model, ref = _build(cls, "Encoder", input_dim=D, hidden_dim=H, latent_dim=Z), solutions.Encoder(D, H, Z)
    x = torch.rand(B, D, generator=torch.Generator().manual_seed(11))
    with torch.no_grad():
        mu, logvar = ref(x)
    got = _first_match(model, ref, _encoder_layout(ref), x, (mu, logvar), "Encoder.forward(x)")
    if got is not None:
        if close(got[0], mu) and (logvar < 0).any() and (got[1] >= 0).all():
            raise Failure("logvar-as-variance", "your second output is never negative, but a log-variance must be "
                          "free to be: return the logvar head's raw output (no exp, ReLU, softplus or sqrt).\n"
                          + example("logvar", {"x": x}, logvar, got[1]))
        wrong = "mu" if not close(got[0], mu) else "logvar"
        raise Failure("wrong-values", f"{wrong} differs from the reference (check the ReLU after the hidden layer and "
                      "that each head reads the hidden layer).\n"
                      + example(wrong, {"x": x}, mu if wrong == "mu" else logvar, got[0 if wrong == "mu" else 1]))
    _check_default_sizes(cls, "Encoder", 784 * 400 + 400 + 2 * (400 * 20 + 20))
    return "(mu, logvar) match the reference for the same weights."


@graded("decoder", solutions.Decoder)
def decoder(cls):
    """Check Decoder(latent_dim, hidden_dim, output_dim): hidden ReLU layer, sigmoid output."""
    model, ref = _build(cls, "Decoder", latent_dim=Z, hidden_dim=H, output_dim=D), solutions.Decoder(Z, H, D)
    z = torch.randn(B, Z, generator=torch.Generator().manual_seed(13)) * 3
    with torch.no_grad():
        x_hat = ref(z)
        logits = ref.out(F.relu(ref.hidden(z)))
    got = _first_match(model, ref, _decoder_layout(ref), z, (x_hat,), "Decoder.forward(z)")
    if got is not None:
        if close(got[0], logits) or got[0].min() < 0 or got[0].max() > 1:
            raise Failure("missing-sigmoid", PITFALLS["missing-sigmoid"] + f" Your outputs range over "
                          f"[{got[0].min().item():.3f}, {got[0].max().item():.3f}].")
        raise Failure("wrong-values", "the output differs from the reference for the same weights.\n"
                      + example("x_hat", {"z": z}, x_hat, got[0]))
    _check_default_sizes(cls, "Decoder", 20 * 400 + 400 + 400 * 784 + 784)
    return "outputs match the reference for the same weights and stay in [0, 1]."


def _diagnose_vae(model, ref, x, got):
    def decode(z, squash=True):
        logits = ref.decoder.out(F.relu(ref.decoder.hidden(z)))
        return torch.sigmoid(logits) if squash else logits

    with torch.no_grad():
        mu, logvar = ref.encoder(x.flatten(1))
        torch.manual_seed(0)
        z = solutions.reparameterize(mu, logvar)
        if close(got[0], decode(z, squash=False)) or got[0].min() < 0 or got[0].max() > 1:
            raise Failure("missing-sigmoid", PITFALLS["missing-sigmoid"])
        for pitfall, bug in REPARAMETERIZE_BUGS.items():
            torch.manual_seed(0)
            if close(got[0], decode(bug(mu, logvar))):
                raise Failure(pitfall, PITFALLS[pitfall])
    raise Failure("wrong-values", "x_hat differs from the reference for the same weights and noise.\n"
                  + example("x_hat", {"x": x.flatten(1)}, ref(x)[0], got[0]))


@graded("vae", solutions.VAE)
def vae(cls):
    """Check VAE(input_dim, hidden_dim, latent_dim): flattens x, samples z (also in eval mode), decodes."""
    model, ref = _build(cls, "VAE", input_dim=D, hidden_dim=H, latent_dim=Z), solutions.VAE(D, H, Z)
    x = torch.rand(B, 1, 3, 4, generator=torch.Generator().manual_seed(17))  # image-shaped: forward must flatten
    torch.manual_seed(0)
    with torch.no_grad():
        expected = ref(x)
    layout = {**_encoder_layout(ref.encoder), **_decoder_layout(ref.decoder)}
    try:
        got = _first_match(model, ref, layout, x, expected, "VAE.forward(x)")
    except Failure as f:
        if f.pitfall == "raised" and "shape" in f.message:
            raise Failure("wrong-shape", "forward(x) must flatten x from (batch, 1, height, width) to (batch, "
                          f"input_dim) first, e.g. x.flatten(start_dim=1).\n{f.message}") from None
        raise
    if got is not None:
        _diagnose_vae(model, ref, x, got)
    model.eval(), ref.eval()
    with torch.no_grad():
        torch.manual_seed(1)
        expected = ref(x)
        got = _outputs(model, x, "VAE.forward(x) in eval mode", 3, seed=1)
        mu_only = ref.decoder(expected[1])
    if not close(got[0], expected[0]):
        if close(got[0], mu_only):
            raise Failure("no-noise", "in eval mode your VAE decodes mu instead of a sample z: the course samples "
                                      "z in both modes, so that the test loss is the same ELBO as the training loss.")
        raise Failure("wrong-values", "in eval mode x_hat differs from the reference for the same weights and noise.")
    model.train()
    got = _outputs(model, x, "VAE.forward(x)", 3, seed=2)
    run(lambda: got[0].sum().backward(), what="backpropagating through your VAE")
    if any(l.weight.grad is None for l in _linears(model) if tuple(l.weight.shape) in ((H, D), (Z, H), (2 * Z, H))):
        raise Failure("no-gradient", "no gradient reaches the encoder through x_hat. " + PITFALLS["no-gradient"])
    return "(x_hat, mu, logvar) match the reference for the same weights and noise, in train and eval mode."
