"""Measurements for chapter 11: what autograd keeps for the backward pass, and slopes on log-log axes."""
import math

import torch

from .reference import vae_loss

from .device import seconds as wall_seconds


def saved_activations(model, x, loss=vae_loss):
    """Number of values autograd keeps from one forward pass and loss for the backward pass, parameters
    left out, each tensor counted once however many operations save it: {"values": n, "tensors": [shapes]}."""
    parameters = {p.untyped_storage().data_ptr() for p in model.parameters()}
    seen = {}

    def pack(tensor):
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in parameters:
            seen[storage.data_ptr()] = (storage.nbytes() // tensor.element_size(), tuple(tensor.shape))
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        x_hat, mu, logvar = model(x)
        loss(x_hat, x, mu, logvar)
    return {"values": sum(n for n, _ in seen.values()), "tensors": sorted(shape for _, shape in seen.values())}


def loglog_slope(sizes, seconds):
    """Least-squares slope of log(seconds) against log(size): 1 for time proportional to size."""
    x = torch.tensor([math.log(s) for s in sizes], dtype=torch.float64)
    y = torch.tensor([math.log(t) for t in seconds], dtype=torch.float64)
    x, y = x - x.mean(), y - y.mean()
    return ((x * y).sum() / (x * x).sum()).item()


def fastest_seconds(calls, rounds=7):
    """Shortest wall time of each call over `rounds`, the calls taken in turn within each round.

    The minimum, not the median, and interleaved: another program that takes the CPU for a while can
    only add time, and it slows every size alike instead of a run of consecutive ones. Each timed call
    follows an untimed one of the same call, so its weights and inputs are in the cache, as in a loop."""
    best = [math.inf] * len(calls)
    for _ in range(rounds):
        for i, call in enumerate(calls):
            call()
            best[i] = min(best[i], wall_seconds(call))
    return best
