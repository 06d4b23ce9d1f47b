"""The probe: the one place where a learner's code runs for a check, and what it hands back is plain data.

A judge (the check_*.py modules) never touches a learner's object. It names one by a handle and asks
the probe to call it on inputs the judge chose; the probe answers with tensors (detached, plain
torch.Tensor), numbers, strings, lists and dicts, never an object the learner made. Whatever a check
needs beyond outputs is also measured here and sent back as data: the gradients reaching each input
or layer, which inputs were changed in place, the codes that reached a decoder's first layer, the
forward passes, backward calls and optimiser steps a training step made.

In a notebook the judge drives a Probe in the learner's own kernel; in class grading it drives one in
a sandbox, through remote.py, with the same methods. Nothing here imports `solutions`.
"""
import numbers
from collections import OrderedDict
from contextlib import ExitStack, contextmanager

import torch
from torch import nn

from .gradients import grads
from .sandbox import Failure, run

REPR_LIMIT = 300  # characters of an object's description sent back


def linears(model):
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def plain(t):
    """A detached copy of tensor t as a plain torch.Tensor: a subclass's own methods never run in the judge."""
    with torch._C.DisableTorchFunctionSubclass():
        return t.detach().as_subclass(torch.Tensor).clone()


def tensors_of(value):
    """The tensors a call returned, in order: the value itself, or the elements of a tuple or list."""
    items = value if isinstance(value, (tuple, list)) else (value,)
    return [v for v in items if isinstance(v, torch.Tensor)]


class Probe:
    """Holds the learner's objects by handle; runs them on the judge's inputs; answers with plain data."""

    def __init__(self, namespace=None):
        self.objects, self.calls = {}, {}
        self.namespace = namespace if namespace is not None else {}
        self.standins = {}  # judge-made classes and functions (class grading: sent as source, see remote.py)

    # ------------------------------------------------------------ handles and values

    def bind(self, obj):
        handle = len(self.objects)
        self.objects[handle] = obj
        return handle

    def bind_name(self, name):
        """The handle of a name the learner's cells defined, or None if they did not."""
        return self.bind(self.namespace[name]) if name in self.namespace else None

    def encode(self, value, depth=0):
        """Plain data for a value learner code returned: modules are kept here and named by a handle."""
        if isinstance(value, torch.Tensor):
            return plain(value)
        if value is None or type(value) in (bool, str):
            return value
        if isinstance(value, numbers.Integral):
            return int(value)
        if isinstance(value, float):
            return float(value)
        if isinstance(value, nn.Module):
            return self.describe(value)
        if depth < 3 and type(value) in (tuple, list):
            return type(value)(self.encode(v, depth + 1) for v in value[:64])
        if depth < 3 and type(value) in (dict, OrderedDict):
            return {"__dict__": [(str(k)[:REPR_LIMIT], self.encode(v, depth + 1)) for k, v in list(value.items())[:64]]}
        return {"__opaque__": type(value).__name__[:REPR_LIMIT], "dtype": str(getattr(value, "dtype", ""))[:40],
                "repr": _describe(value)}

    def describe(self, module):
        layers = linears(module)
        return {"__module__": self.bind(module), "type": type(module).__name__[:REPR_LIMIT],
                "linears": [(l.out_features, l.in_features, l.bias is not None) for l in layers],
                "params": sum(p.numel() for p in module.parameters())}

    def _arg(self, spec):
        kind, value = spec
        if kind == "tensor":
            tensor, requires_grad = value
            return tensor.detach().clone().requires_grad_(requires_grad)
        return self.objects[value] if kind == "ref" else value

    # ------------------------------------------------------------ calls

    def call(self, target, args=(), kwargs=None, what="your code", seed=None, capture=None, record=None, spy=False):
        """Call object `target` on the judge's arguments, each ("tensor", (t, requires_grad)), ("ref", handle) or
        ("value", v). Returns {"id", "value", "graph", "changed", and what was asked: "captured", "events", "built"}."""
        args = [self._arg(a) for a in args]
        kwargs = {k: self._arg(v) for k, v in (kwargs or {}).items()}
        before = [a.detach().clone() if isinstance(a, torch.Tensor) else None for a in args]
        seen = {}
        with ExitStack() as stack:
            if capture is not None:
                seen["captured"] = stack.enter_context(_captured(linears(self.objects[capture[0]])[capture[1]]))
            if record is not None:
                seen["events"] = stack.enter_context(_recording(self.objects[record[0]], self.objects[record[1]]))
            if spy:
                seen["built"] = stack.enter_context(_modules_built())
            if seed is not None:
                torch.manual_seed(seed)
            try:
                value = run(self.objects[target], *args, what=what, **kwargs)
            except Failure as failure:
                failure.seen = {k: list(v) for k, v in seen.items()}  # what the code did before it failed
                raise
        changed = [i for i, (b, a) in enumerate(zip(before, args))
                   if b is not None and (b.shape != a.shape or not torch.equal(b, a.detach()))]
        outputs = tensors_of(value)
        self.calls[len(self.calls)] = (outputs, args)
        return {"id": len(self.calls) - 1, "value": self.encode(value), "changed": changed,
                "graph": [(o.requires_grad, o.grad_fn is not None) for o in outputs], **seen}

    def grads(self, call, weights, wrt, what):
        """d(sum of weight * output)/d(each of wrt) for a call's outputs: ("arg", i) or ("layer", handle, i)."""
        outputs, args = self.calls[call]
        targets = [args[w[1]] if w[0] == "arg" else linears(self.objects[w[1]])[w[2]].weight for w in wrt]
        got = grads(outputs, targets, list(weights) + [None] * (len(outputs) - len(weights)), what)
        return [None if g is None else plain(g) for g in got]

    # ------------------------------------------------------------ modules

    def load(self, handle, plan):
        """Copy the judge's weights into the learner's nn.Linear layers: [(layer index, weight, bias)]."""
        layers = linears(self.objects[handle])
        with torch.no_grad():
            for i, weight, bias in plan:
                layers[i].weight.copy_(weight)
                if layers[i].bias is not None:
                    layers[i].bias.copy_(bias)

    def module(self, handle, op):
        """A module's mode, dtype and parameters: "train", "eval", "double", "training", "params", "grads",
        "zero_grads" (each .grad set to zeros, as zero_grad(set_to_none=False) leaves them)."""
        model = self.objects[handle]
        if op in ("train", "eval", "double", "cuda"):
            run(getattr(model, op), what=f"model.{op}()")
            return None
        if op == "training":
            return bool(model.training)
        if op == "zero_grads":
            for p in model.parameters():
                p.grad = torch.zeros_like(p)
            return None
        if op == "params":
            return [plain(p) for p in model.parameters()]
        if op == "grads":
            return _grads_now(model)
        raise ValueError(op)

    def make(self, kind, state=None, dtype="float32", sizes=()):
        """A judge-made object: "decoder" (hidden, ReLU, out, sigmoid, its layers named as the course's),
        "vae" (the stand-in VAE class), or "sgd" (plain SGD on a module's parameters, state = (handle, lr))."""
        if kind == "sgd":
            handle, lr = state
            return self.bind(torch.optim.SGD(self.objects[handle].parameters(), lr=lr))
        if kind == "decoder":
            z, h, d = sizes
            model = nn.Sequential(OrderedDict(hidden=nn.Linear(z, h), relu=nn.ReLU(), out=nn.Linear(h, d),
                                              sigmoid=nn.Sigmoid()))
        else:
            model = self.standin_vae()(*sizes)
        model.load_state_dict(state)
        return self.describe(model.to(getattr(torch, dtype)).eval() if kind == "decoder" else model)

    def standin_vae(self):
        if "VAE" not in self.standins:  # in a notebook: the reference itself (class grading sends its source)
            from ..reference import VAE
            self.standins["VAE"] = VAE
        return self.standins["VAE"]

    def define(self, source):
        """Judge-sent source (a reference piece standing in for one that failed, or that a chapter imports)."""
        exec(compile(source, "<reference stand-in>", "exec"), self.standins)


def _describe(value):
    try:
        text = run(repr, value, what="repr of the returned value")
    except Failure:
        text = ""
    return str(text)[:REPR_LIMIT]


@contextmanager
def _captured(layer):
    """What reaches a layer (the codes a decoder is given), and whether gradients were on."""
    seen = []
    handle = layer.register_forward_pre_hook(lambda m, args: seen.append((plain(args[0]), torch.is_grad_enabled())))
    try:
        yield seen
    finally:
        handle.remove()


def _grads_now(model):
    return [torch.zeros_like(plain(p)) if p.grad is None else plain(p.grad) for p in model.parameters()]


@contextmanager
def _recording(model, optimizer):
    """Record in order, without changing them: forward passes, backward calls and the optimiser's steps."""
    events, original = [], torch.autograd.backward

    def backward(tensors, *args, **kwargs):  # Tensor.backward calls torch.autograd.backward, looked up at call time
        t = tensors[0] if isinstance(tensors, (tuple, list)) else tensors
        events.append(("backward", isinstance(t, torch.Tensor) and t.grad_fn is not None))
        return original(tensors, *args, **kwargs)

    hooks = [model.register_forward_pre_hook(
                 lambda m, args: events.append(("forward", m.training, torch.is_grad_enabled()))),
             optimizer.register_step_pre_hook(
                 lambda opt, args, kwargs: events.append(("step", _grads_now(model))))]
    torch.autograd.backward = backward
    try:
        yield events
    finally:
        torch.autograd.backward = original
        for h in hooks:
            h.remove()


@contextmanager
def _modules_built():
    """The nn.Modules built while learner code runs, by class name."""
    built, original = [], nn.Module.__init__

    def spy(self, *args, **kwargs):
        built.append(type(self).__name__)
        return original(self, *args, **kwargs)
    nn.Module.__init__ = spy
    try:
        yield built
    finally:
        nn.Module.__init__ = original
