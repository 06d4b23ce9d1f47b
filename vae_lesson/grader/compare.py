"""Small tools the checks share: tolerant comparison, validation of returned values, readable examples."""
from contextlib import contextmanager

import torch

from .learner import kind
from .sandbox import Failure


def close(a, b):
    return a.shape == b.shape and torch.allclose(a.detach().double(), b.detach().double(), rtol=1e-4, atol=1e-5)


def fmt(t, n=4):
    """A few values of a tensor, for the examples in messages."""
    values = t.detach().flatten()[:n].tolist()
    return "[" + ", ".join(f"{v:.4f}" for v in values) + (", ...]" if t.numel() > n else "]")


def expect_tensor(value, what, shape):
    """Return value if it is a tensor of `shape`, else raise a wrong-shape Failure saying what came back."""
    if not isinstance(value, torch.Tensor):
        raise Failure("wrong-shape", f"{what} returned {kind(value)}"
                                     f"{' (is a `return` missing?)' if value is None else ''}; "
                                     f"expected a tensor of shape {tuple(shape)}.")
    if value.shape != torch.Size(shape):
        raise Failure("wrong-shape", f"{what} returned shape {tuple(value.shape)}; expected {tuple(shape)}.")
    return value


def check_unchanged(outcome, names):
    """Raise Failure if a learner's call changed one of its input tensors in place (the probe compared them)."""
    for i in outcome.changed:
        if i < len(names):
            raise Failure("modified-input", f"your code changed its input `{names[i]}` in place (for example with "
                                            f"an operation ending in `_`, or `+=`). Compute a new tensor instead.")


def _first_difference(expected, got):
    """(row, column) of the first value that differs, rows being the first dimension; None if none does."""
    if expected.shape != got.shape or expected.numel() == 0:
        return None
    differs = ~torch.isclose(expected.detach().double(), got.detach().double(), rtol=1e-4, atol=1e-5)
    if not differs.any():
        return None
    flat = int(differs.flatten().nonzero()[0])
    width = expected[0].numel() if expected.dim() >= 2 else expected.numel()
    return (flat // width, flat % width) if expected.dim() >= 2 else (None, flat)


def example(what, inputs, expected, got, n=4):
    """'For a = [...]: expected x = [...], got x = [...]', shown where the two differ: the first values of each
    tensor when a difference is among them, else the first row (and columns) that differs, with its inputs."""
    row, column = _first_difference(expected, got) or (None, 0)
    if column >= n or (row or 0) > 0:  # not among the first values: show where it is
        if row is not None:  # that row alone, and the inputs' same row
            inputs = {k if _rows(v) != len(expected) else f"{k}[{row}]": v if _rows(v) != len(expected) else v[row]
                      for k, v in inputs.items()}
            expected, got, what = expected[row], got[row], f"{what}[{row}]"
        if column >= n:
            expected, got = expected.flatten()[column:], got.flatten()[column:]
            what = f"{what[:-1]}, {column}:]" if row is not None else f"{what}[{column}:]"
    shown = ", ".join(f"{k} = {fmt(v, n)}" for k, v in inputs.items())
    return f"For {shown}:\n  expected {what} = {fmt(expected, n)}\n  got      {what} = {fmt(got, n)}"


def _rows(value):
    return len(value) if isinstance(value, torch.Tensor) and value.dim() >= 2 else None


# What torch says when two operands do not fit each other: a shape mistake, not a crash.
_SHAPE_ERRORS = ("cannot be multiplied", "must match the size of tensor", "size mismatch", "shape mismatch",
                 "cannot broadcast", "shapes cannot", "dimension out of range", "Sizes of tensors must match")


@contextmanager
def shape_errors_as_wrong_shape(hint=""):
    """Report a learner's operand-shape error as wrong-shape (with `hint` first), not as a crash."""
    try:
        yield
    except Failure as failure:
        if failure.pitfall == "raised" and any(s in failure.message for s in _SHAPE_ERRORS):
            raise Failure("wrong-shape", f"{hint}{failure.message}") from None
        raise
