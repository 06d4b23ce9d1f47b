"""The judge's view of a learner's code: handles, and the plain data a probe sends back.

A check holds a `Learner` (a handle, nothing the learner made) and asks the probe in use to call it;
the answer is an `Outcome` of tensors, numbers and strings. The probe is a Probe in this process (a
notebook) or a sandboxed one behind remote.RemoteProbe (class grading): the checks cannot tell.
"""
from contextlib import contextmanager

import torch

_probes = []


@contextmanager
def using(probe):
    _probes.append(probe)
    try:
        yield probe
    finally:
        _probes.pop()


def probe():
    return _probes[-1]


class Learner:
    """A learner's object, by its handle in the probe."""

    def __init__(self, handle):
        self.handle = handle


class Module(Learner):
    """A module in the probe: its type's name, its nn.Linear layers as (out, in, has bias), its parameter count."""

    def __init__(self, info):
        super().__init__(info["__module__"])
        self.type_name, self.params = info["type"], info["params"]
        self.linears = [tuple(layer) for layer in info["linears"]]

    def shapes(self):
        return [(out, inp) for out, inp, _ in self.linears]


class Opaque:
    """A returned object that is no tensor, number, string, list or dict: its type's name and description."""

    def __init__(self, info):
        self.type_name, self.dtype, self.text = info["__opaque__"], info["dtype"], info["repr"]

    def __repr__(self):
        return self.text or f"<{self.type_name}>"


def kind(value):
    """The type's name of a returned value, as the learner's code made it."""
    return value.type_name if isinstance(value, (Opaque, Module)) else type(value).__name__


def decode(value):
    if isinstance(value, dict):
        if "__module__" in value:
            return Module(value)
        if "__opaque__" in value:
            return Opaque(value)
        return {k: decode(v) for k, v in value.get("__dict__", [])}
    if isinstance(value, (tuple, list)):
        return type(value)(decode(v) for v in value)
    return value


class Outcome:
    """What one call gave: its value, whether each returned tensor carries a graph, the inputs it changed in
    place, and what was recorded (codes reaching a layer, a training step's events, modules built)."""

    def __init__(self, raw):
        self.id, self.value, self.changed = raw["id"], decode(raw["value"]), list(raw["changed"])
        self.graph = [bool(g[0]) for g in raw["graph"]]
        self.grad_fn = [bool(g[1]) for g in raw["graph"]]
        self.captured, self.events, self.built = raw.get("captured"), raw.get("events"), raw.get("built")

    @property
    def requires_grad(self):
        """Whether the first returned tensor carries a graph."""
        return bool(self.graph and self.graph[0])


def _spec(value):
    if isinstance(value, torch.Tensor):
        return "tensor", (value.detach(), value.requires_grad)
    if isinstance(value, Learner):
        return "ref", value.handle
    return "value", value


def call(target, *args, what="your code", seed=None, kwargs=None, capture=None, record=None, spy=False):
    """Call the learner's object on the judge's arguments. capture=(module, layer index): what reaches that
    layer; record=(model, optimizer): a training step's events; spy: the modules the code builds."""
    raw = probe().call(target.handle, [_spec(a) for a in args], {k: _spec(v) for k, v in (kwargs or {}).items()},
                       what, seed, None if capture is None else (capture[0].handle, capture[1]),
                       None if record is None else (record[0].handle, record[1].handle), spy)
    return Outcome(raw)


def grads(outcome, weights, wrt, what):
    """The gradient of sum(weight * output) over a call's outputs reaching each of wrt: an argument's index, or
    (module, i) for its i-th nn.Linear's weight; None where none reaches."""
    wire = [("arg", w) if isinstance(w, int) else ("layer", w[0].handle, w[1]) for w in wrt]
    return probe().grads(outcome.id, list(weights), wire, what)


def load(module, plan):
    probe().load(module.handle, plan)


def module_op(module, op):
    return probe().module(module.handle, op)


def make(kind_, state=None, dtype="float32", sizes=()):
    made = probe().make(kind_, state, dtype, sizes)
    return Module(made) if isinstance(made, dict) else Learner(made)


def sgd(module, lr):
    return make("sgd", (module.handle, lr))
