"""The judge and a sandboxed probe talk through two pipes, in frames of plain data.

A frame is 8 bytes of length, then torch.save of a request or a reply. The judge reads replies with
torch.load(weights_only=True), which rebuilds tensors, numbers, strings, lists, tuples and dicts and
nothing else: no object the learner made, no code, can come back. Anything else in the stream (a
frame too large, one that does not load, a reply of the wrong form) ends the notebook's grading as
tampered, whoever wrote it.

    RemoteProbe(read_fd, write_fd, budget)     the judge's side: the methods of probe.Probe, plus cell()
    serve(probe, read_fd, write_fd)             the probe's side, in the sandbox, until {"op": "end"}
"""
import io
import os
import select
import struct
import time

import torch

from .sandbox import Failure

FRAME_LIMIT = 64 << 20  # bytes in one frame: the largest reply a check needs is far smaller
# A notebook's limit counts the CPU time of its process, which a loaded machine does not inflate; the wall clock
# only backs it up, at this many times the limit, for code that waits (a sleep, a blocking read) instead of computing.
WALL_FACTOR = 3


class ProbeLost(BaseException):
    """The probe stopped answering as it must. Not an Exception: no check may catch it and judge on.
    reason: "died" (exit status in .status), "too-slow", or "garbled"."""

    def __init__(self, reason, status=None):
        super().__init__(reason)
        self.reason, self.status = reason, status


def encode(obj):
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    data = buffer.getvalue()
    return struct.pack("<Q", len(data)) + data


def write_frame(fd, obj):
    data = encode(obj)
    while data:
        data = data[os.write(fd, data):]


def _read_exactly(fd, n, deadline):
    chunks, left = [], n
    while left:
        wait = None if deadline is None else deadline - time.monotonic()
        if wait is not None and wait <= 0:
            raise ProbeLost("too-slow")
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            raise ProbeLost("too-slow")
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise ProbeLost("died")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(fd, deadline=None):
    (size,) = struct.unpack("<Q", _read_exactly(fd, 8, deadline))
    if size > FRAME_LIMIT:
        raise ProbeLost("garbled")
    data = _read_exactly(fd, size, deadline)
    try:
        return torch.load(io.BytesIO(data), weights_only=True)
    except Exception:
        raise ProbeLost("garbled") from None


class RemoteProbe:
    """The judge's handle on a probe in a sandbox: each method is one request and its reply. `budget` is the CPU
    seconds the notebook's process may spend over all its replies (the per-notebook limit), as the probe reports
    them with each reply; the wall clock, at WALL_FACTOR times the budget, catches a probe that waits or lies. The
    judge's own work is not counted against a learner."""

    def __init__(self, read_fd, write_fd, budget):
        self.read_fd, self.write_fd, self.budget = read_fd, write_fd, budget
        self.wall, self.cpu = WALL_FACTOR * budget, 0.0

    def send(self, request):
        try:
            write_frame(self.write_fd, request)
        except OSError:
            raise ProbeLost("died") from None

    def receive(self):
        start = time.monotonic()
        try:
            reply = read_frame(self.read_fd, start + self.wall)
        finally:
            self.wall -= time.monotonic() - start
        if isinstance(reply, dict) and "exited" in reply:  # the worker's word, not the notebook's: no CPU time
            return reply
        cpu = reply.pop("cpu", None) if isinstance(reply, dict) else None
        if not isinstance(cpu, float) or not self.cpu <= cpu < float("inf"):
            raise ProbeLost("garbled")
        self.budget -= cpu - self.cpu
        self.cpu = cpu
        if self.budget < 0:
            raise ProbeLost("too-slow")
        return reply

    def _ask(self, op, *args):
        self.send({"op": op, "args": list(args)})
        reply = self.receive()
        if not isinstance(reply, dict):
            raise ProbeLost("garbled")
        if "exited" in reply:  # the worker's word that the notebook's process is gone
            raise ProbeLost("died", reply["exited"])
        if "failure" in reply:
            pitfall, message, seen = reply["failure"]
            if not (isinstance(pitfall, str) and isinstance(message, str) and isinstance(seen, dict)):
                raise ProbeLost("garbled")
            failure = Failure(pitfall, message)
            failure.seen = seen
            raise failure
        if set(reply) == {"error"} and isinstance(reply["error"], str):
            raise RuntimeError(reply["error"][:500])  # the probe could not do what was asked: the check says so
        if set(reply) != {"ok"}:
            raise ProbeLost("garbled")
        return reply["ok"]

    def call(self, target, args, kwargs, what, seed, capture, record, spy):
        raw = self._ask("call", target, args, kwargs, what, seed, capture, record, spy)
        if not (isinstance(raw, dict) and {"id", "value", "changed", "graph"} <= set(raw)):
            raise ProbeLost("garbled")
        return raw

    def __getattr__(self, op):  # grads, load, module, make, define, cell, bind_name, use_standins, ...
        if op.startswith("_"):
            raise AttributeError(op)
        return lambda *args: self._ask(op, *args)


def serve(probe, read_fd, write_fd):
    """Answer the judge's requests with `probe` (a probe.Probe, with a cell runner) until it says "end"."""
    while True:
        request = read_frame(read_fd)
        op, args = request["op"], request["args"]
        try:
            reply = {"ok": None if op == "end" else getattr(probe, op)(*args)}
        except Failure as failure:
            seen = getattr(failure, "seen", {})
            reply = {"failure": (failure.pitfall, str(failure.message), seen)}
        except Exception as error:  # e.g. a learner's module that no longer has the layer asked for
            reply = {"error": f"{type(error).__name__}: {error}"}
        reply["cpu"] = time.process_time()  # this process's CPU seconds so far, all threads: the judge's clock
        write_frame(write_fd, reply)
        if op == "end":
            return
