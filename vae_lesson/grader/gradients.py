"""Gradients judged beside values: an output can be right while the graph behind it is cut.

A `.detach()`, `.data`, `.item()`, a NumPy round trip or `torch.no_grad()` inside a module or a loss
leaves its value as it was and takes away the gradient of some input or weight: the check passes on
values, and training then never moves those weights. Each check whose values match compares the
gradients too, for the same random weighting of the outputs, and names where the gradient stops.
"""
import torch

from . import learner, seeds
from .sandbox import Failure, run


def nonzero(g):
    return g is not None and bool(g.detach().abs().max() > 0)


def agree(got, want):
    """Gradients equal up to float error (their norms, not elementwise: small entries are noise)."""
    got, want = got.detach().double().flatten(), want.detach().double().flatten()
    return got.shape == want.shape and bool((got - want).norm() <= 1e-3 * want.norm() + 1e-6)


def weighting(outputs, seed=0):
    """A fixed random weight per output value: the scalar whose gradient is compared is sum(weight * output)."""
    g = torch.Generator().manual_seed(seeds.of(900 + seed))
    return [torch.randn(o.shape, generator=g, dtype=o.dtype) for o in outputs]


def grads(outputs, wrt, weights, what):
    """d(sum of weight * output)/d(each of wrt): None where no gradient reaches it, run as learner code. An output
    whose weight is None is left out, so that only the others' paths count."""
    pairs = [(o, w) for o, w in zip(outputs, weights)
             if w is not None and isinstance(o, torch.Tensor) and o.requires_grad]
    if not pairs:
        return [None] * len(wrt)
    total = sum((o * w).sum() for o, w in pairs)
    return list(run(torch.autograd.grad, total, wrt, allow_unused=True, retain_graph=True,
                    what=f"backpropagating through {what}"))


def judge(what, names, got, want, why=""):
    """Raise gradient-blocked where the reference's gradient reaches an input and the learner's does not, or
    differs; `names` say what each input is ("mu", "the logvar head's weights", ...)."""
    cut = [n for n, g, w in zip(names, got, want) if nonzero(w) and not nonzero(g)]
    if cut:
        raise Failure("gradient-blocked", f"no gradient reaches {_listed(cut)} from {what}, though its values are "
                                          f"right: something in between is cut from the graph{why}.")
    off = [n for n, g, w in zip(names, got, want) if nonzero(w) and not agree(g, w)]
    if off:
        raise Failure("gradient-blocked", f"the gradient reaching {_listed(off)} from {what} differs from the "
                                          f"reference's, though the values are right: part of the computation is "
                                          f"cut from the graph{why}.")


def only(weights, i):
    """The weighting that follows output i alone."""
    return [w if j == i else None for j, w in enumerate(weights)]


def judge_layers(model, got, weights, what):
    """Raise gradient-blocked naming the nn.Linear layers of a learner's model (a learner.Module) that no gradient
    reaches from its call `got`, for the weighting `weights` of that call's outputs."""
    reached = learner.grads(got, weights, [(model, i) for i in range(len(model.linears))], what)
    cut = [f"Linear({i}->{o})" for (o, i, _), g in zip(model.linears, reached) if not nonzero(g)]
    if cut:
        raise Failure("gradient-blocked", f"no gradient reaches the weights of your {', '.join(cut)}, though the "
                                          "outputs are right: that layer runs under torch.no_grad() or its output "
                                          "is .detach()ed, so training would never change it.")


def _listed(names):
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
