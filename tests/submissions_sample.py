"""Learner submissions for chapter 06's sample(decoder, n), right and wrong."""
import torch
import torch.nn.functional as F
from torch import nn
from torch.distributions import Normal


# ------------------------------------------------------------------ sample: right
def samp_randn_explicit(decoder, n):
    p = decoder.hidden.weight
    with torch.no_grad():
        z = torch.randn(n, decoder.hidden.in_features, device=p.device, dtype=p.dtype)
        return decoder(z)


def samp_inference_mode(decoder, n):
    first = next(m for m in decoder.modules() if isinstance(m, nn.Linear))
    with torch.inference_mode():
        return decoder(torch.randn(n, first.in_features, dtype=first.weight.dtype, device=first.weight.device))


def samp_normal(decoder, n):
    w = decoder.hidden.weight
    prior = Normal(torch.zeros(n, w.shape[1], dtype=w.dtype, device=w.device), 1.0)
    with torch.no_grad():
        return decoder(prior.sample())


@torch.no_grad()
def samp_normal_(decoder, n):
    w = decoder.hidden.weight
    return decoder(w.new_empty(n, w.shape[1]).normal_())


def samp_eval_to(decoder, n):
    decoder.eval()
    p = next(decoder.parameters())
    with torch.no_grad():
        return decoder(torch.randn(n, decoder.hidden.in_features).to(p))


# ------------------------------------------------------------------ sample: wrong
def samp_no_no_grad(decoder, n):
    p = decoder.hidden.weight
    return decoder(torch.randn(n, decoder.hidden.in_features, device=p.device, dtype=p.dtype))


def samp_detach(decoder, n):
    return samp_no_no_grad(decoder, n).detach()


def samp_float32(decoder, n):
    with torch.no_grad():
        return decoder(torch.randn(n, decoder.hidden.in_features))


def samp_normal_default(decoder, n):
    with torch.no_grad():
        return decoder(Normal(0.0, 1.0).sample((n, decoder.hidden.in_features)))


def samp_seeded(decoder, n):
    torch.manual_seed(0)  # "reproducible samples"
    return samp_randn_explicit(decoder, n)


def samp_generator(decoder, n):
    g = torch.Generator().manual_seed(42)
    p = decoder.hidden.weight
    with torch.no_grad():
        return decoder(torch.randn(n, decoder.hidden.in_features, generator=g, dtype=p.dtype))


def samp_rand(decoder, n):
    p = decoder.hidden.weight
    with torch.no_grad():
        return decoder(torch.rand(n, decoder.hidden.in_features, dtype=p.dtype, device=p.device))


def samp_rand_like(decoder, n):
    w = decoder.hidden.weight
    with torch.no_grad():
        return decoder(torch.rand_like(w.new_empty(n, w.shape[1])))


def samp_scaled(decoder, n):
    p = decoder.hidden.weight
    with torch.no_grad():
        return decoder(3 * torch.randn(n, decoder.hidden.in_features, dtype=p.dtype, device=p.device))


def samp_shifted(decoder, n):
    p = decoder.hidden.weight
    with torch.no_grad():
        return decoder(torch.randn(n, decoder.hidden.in_features, dtype=p.dtype, device=p.device) + 1)


def samp_logits(decoder, n):
    p = decoder.hidden.weight
    with torch.no_grad():
        z = torch.randn(n, decoder.hidden.in_features, dtype=p.dtype, device=p.device)
        return decoder.out(F.relu(decoder.hidden(z)))  # the sigmoid left out


def samp_random_images(decoder, n):
    return torch.rand(n, decoder.out.out_features)


def samp_latent_20(decoder, n):
    with torch.no_grad():
        return decoder(torch.randn(n, 20))


def samp_returns_z(decoder, n):
    z = torch.randn(n, decoder.hidden.in_features)
    with torch.no_grad():
        decoder(z)
    return z


def samp_transposed(decoder, n):
    return samp_randn_explicit(decoder, n).T


def samp_none(decoder, n):
    samp_randn_explicit(decoder, n)


def samp_raises(decoder, n):
    return decoder.sample(n)


def samp_endless(decoder, n):
    while True:
        samp_randn_explicit(decoder, n)


# ------------------------------------------------------------------ found by a learner's attempts
def samp_grad_left_off(decoder, n):
    torch.set_grad_enabled(False)
    w = decoder.hidden.weight
    return decoder(torch.randn(n, w.shape[1], dtype=w.dtype, device=w.device))


def samp_latent_from_wrong_axis(decoder, n):  # the weight's rows are the hidden units, not the latent dims
    w = decoder.hidden.weight
    with torch.no_grad():
        return decoder(torch.randn(n, w.shape[0], dtype=w.dtype, device=w.device))


def samp_latent_20_with_graph(decoder, n):
    # Two faults at once, as in many tutorials' sampling code: the size written in, and no torch.no_grad().
    z = torch.randn(n, 20)
    return decoder(z)
