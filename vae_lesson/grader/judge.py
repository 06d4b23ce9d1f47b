"""The judge of class grading: holds the reference and the checks, runs no learner code, writes the verdicts.

    python -m vae_lesson.grader.judge  < {"learners": [[[index, job], ...], ...], "time_limit": 30, ...}

For each learner in turn, the judge starts a probe worker in a sandbox of the learner's own
(isolation.py; no `solutions/`, no other learner's files, no judge), sends it the learner's exercise
cells one notebook at a time, and runs each exercise's check here, through a remote.RemoteProbe: the
probe calls the learner's code on the inputs the check chose and sends back plain data, and the
verdict is made here from that data. A probe that dies, stalls or garbles its replies ends only its
notebook's grading (the sandbox is then started afresh for the learner's next notebook).
Writes one JSON line per graded job: {"done": index, "verdicts": [...], "note": reason or null}.
"""
import ast
import inspect
import json
import subprocess
import sys
import tempfile
import time

import torch

from ..reference import beyond, solutions
from . import check, integrity, isolation, learner, seeds
from .child import names_reference
from .remote import WALL_FACTOR, ProbeLost, RemoteProbe, read_frame, write_frame
from .result import GENERIC
from .supervisor import MESSAGE_LIMIT, STARTUP, cell_limit, verdict, worker_env

HEADER = "import math\nimport torch\nimport torch.nn.functional as F\nfrom torch import nn\n"


def _piece(name):
    return getattr(solutions, name, None) or getattr(beyond, name)


def _closure(name):
    """The reference pieces a piece's source reads (itself last, what it needs before it), read off that source."""
    read = {node.id for node in ast.walk(ast.parse(inspect.getsource(_piece(name)))) if isinstance(node, ast.Name)}
    needs = sorted(n for n in read - {name} if callable(getattr(solutions, n, None) or getattr(beyond, n, None))
                   and getattr(_piece(n), "__module__", "").startswith(solutions.__name__))
    names = [name]
    for need in needs:
        names = [n for n in _closure(need) if n not in names] + names
    return names


def standin_source(names):
    """The reference pieces `names` (and what they need), as source for a probe to define."""
    pieces = list(dict.fromkeys(n for name in names for n in _closure(name)))
    return HEADER + "\n\n".join(inspect.getsource(_piece(n)) for n in pieces)


def imported_references(imports):
    """The names a chapter imports from the reference (`solutions`, or vae_lesson.reference)."""
    names = []
    for node in ast.parse(imports).body:
        if isinstance(node, ast.ImportFrom) and names_reference(node.module or ""):
            names += [a.asname or a.name for a in node.names]
    return names


class Sandbox:
    """A learner's probe worker, sealed off (or a plain subprocess, unsandboxed), and its two pipes."""

    def __init__(self, imports, hidden, cpu_seconds):
        argv = [sys.executable, "-m", "vae_lesson.grader.worker"]
        sandboxed = hidden is not None
        command = isolation.command(argv, hidden, worker_env(True)) if sandboxed else argv
        self.stderr, self.cwd = tempfile.TemporaryFile(), tempfile.TemporaryDirectory()
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
                                        cwd=self.cwd.name, env=worker_env(sandboxed), start_new_session=True,
                                        preexec_fn=isolation.limits(cpu_seconds) if sandboxed else None)
        self.write_fd, self.read_fd = self.process.stdin.fileno(), self.process.stdout.fileno()
        write_frame(self.write_fd, {"op": "prepare", "args": [imports]})
        reply = read_frame(self.read_fd, time.monotonic() + STARTUP)
        if reply != {"ok": None}:
            raise ProbeLost("garbled")

    def close(self):
        self.process.kill()  # bwrap's --die-with-parent and the PID namespace end everything inside with it
        self.process.wait()
        self.stderr.close(), self.cwd.cleanup()


class JudgesProbe(RemoteProbe):
    """The remote probe, sent the reference VAE's source before a check makes one there (train_step's model)."""

    def __init__(self, *args):
        super().__init__(*args)
        self.has_vae = False

    def make(self, kind, state, dtype, sizes):
        if kind == "vae" and not self.has_vae:
            self.define(standin_source(["VAE"]))
            self.has_vae = True
        return self._ask("make", kind, state, dtype, sizes)


class Notebook:
    """One learner notebook's grading: its exercise cells run in the probe, each check run here."""

    def __init__(self, sandbox, job, time_limit):
        self.job, self.time_limit = job, time_limit
        self.probe = JudgesProbe(sandbox.read_fd, sandbox.write_fd, time_limit)
        self.verdicts, self.pending, self.judged = [], list(imported_references(job["imports"])), set()
        self.exercises = [s["exercise"] for s in job["steps"] if "exercise" in s]

    def run(self):
        self.probe.send({"op": "notebook"})
        self.probe.imports(self.job["imports"])
        self._release()
        for i, step in enumerate(self.job["steps"]):
            if "setup" in step:  # a cell the source marks as needed by the exercises after it
                self.probe.cell(step["setup"], f"{self.job['notebook']} setup", cell_limit(self.time_limit))
                continue
            result = self._explained(self._judge(step), step)
            self.verdicts.append(result)
            self.judged.add(step["target"])
            self._release()
            if not result["passed"] and i + 1 < len(self.job["steps"]):
                self._stand_in(step["target"])  # as the check cell does: the reference stands in below
        self.probe.end()
        reply = self.probe.receive()
        if not isinstance(reply, dict) or "exited" not in reply:
            raise ProbeLost("garbled")

    def _release(self):
        """Send the reference pieces the chapter imports, each once no exercise still to be judged is in it."""
        waiting = {s["target"] for s in self.job["steps"] if "target" in s} - self.judged
        ready = [n for n in self.pending if not set(_closure(n)) & waiting]
        if ready:
            self._stand_in(*ready)
            self.pending = [n for n in self.pending if n not in ready]

    def _stand_in(self, *names):
        self.probe.define(standin_source(names))
        self.probe.use_standins(list(names))

    def _judge(self, step):
        name, target, source = step["exercise"], step["target"], step["source"]
        if source is None:
            return verdict(name, "missing-cell", "the exercise cell is not in your notebook (deleted, or replaced "
                                                 "by a new cell): write your answer in the cell under the exercise.")
        if integrity.names_solutions(source):
            return verdict(name, "reference-submitted", "your exercise cell uses the `solutions` package, the "
                                                        "reference answers: write the code yourself.")
        failed = self.probe.cell(source, f"{self.job['notebook']} {name}", cell_limit(self.time_limit))
        line = failed[1].rsplit("of your code:", 1)[-1] if failed else ""
        if failed and "No module named 'solutions'" in failed[1] and "vae_lesson" not in line:  # however obfuscated
            return verdict(name, "reference-submitted", "your exercise cell imports the `solutions` package, the "
                                                        "reference answers (which grading does not have): write "
                                                        "the code yourself.")
        if failed:
            return verdict(name, *failed)
        handle = self.probe.bind_name(target)
        if handle is None:
            return verdict(name, "not-defined", f"your exercise cell does not define `{target}`.")
        with learner.using(self.probe):
            result = getattr(check, name).judge(learner.Learner(handle))
        explanation = result.explanation
        if result.passed or result.pitfall in GENERIC or explanation in result.message:
            explanation = ""  # as the notebook shows it: no "Why:" that repeats the message
        return verdict(name, result.pitfall, result.message, result.passed is True, explanation)

    def _explained(self, result, step):
        """The verdict, with a word on helpers defined in cells that grading does not run."""
        name = next((n for n in self.job.get("elsewhere", {}) if f"name '{n}' is not defined" in result["message"]),
                    None)
        if name:
            extra = (f"`{name}` is defined in cell {self.job['elsewhere'][name]} of your notebook, which grading does "
                     "not run: grading runs only the exercise cells, so a helper must sit in the exercise cell "
                     "itself.")
            result = dict(result, message=(result["message"] + "\n" + extra)[:MESSAGE_LIMIT])
        return result

    def lost(self, error):
        """The verdicts when the probe stopped answering: those given stand, unless it garbled its replies."""
        if error.reason == "garbled":
            note = "this notebook's probe wrote into the grader's channel (forged or garbled replies)"
            verdicts = [verdict(e, "grader-tampered", note + ": no credit for this notebook.") for e in self.exercises]
            return verdicts, note
        if error.reason == "too-slow":
            pitfall = "too-slow"
            note = (f"stopped at the per-notebook limit ({self.time_limit:g} s of CPU time, or "
                    f"{WALL_FACTOR * self.time_limit:g} s on the clock): a cell or a check did not finish")
        else:
            status = error.status
            how = "its pipe closed" if status is None else f"signal {-status}" if status < 0 else f"exit code {status}"
            note, pitfall = f"the kernel died ({how}) while running this notebook's exercises", "kernel-died"
        rest = self.exercises[len(self.verdicts):]
        return self.verdicts + [verdict(e, pitfall, note + ": no result for this exercise.") for e in rest], note


def grade_learner(jobs, time_limit, hidden, report):
    """Grade one learner's notebooks in order, in a sandbox started afresh after any notebook that broke it."""
    imports = sorted({job["imports"] for _, job in jobs})
    budget = STARTUP + time_limit * len(jobs)
    sandbox = None
    for index, job in jobs:
        notebook = None
        try:
            sandbox = sandbox or Sandbox(imports, hidden, budget)
            notebook = Notebook(sandbox, job, time_limit)
            notebook.run()
            report({"done": index, "verdicts": notebook.verdicts, "note": None})
        except ProbeLost as error:
            if notebook is None:  # the sandbox itself did not start
                report({"done": index, "verdicts": None, "note": f"the sandbox did not start ({error.reason})"})
            else:
                verdicts, note = notebook.lost(error)
                report({"done": index, "verdicts": verdicts, "note": note})
            if sandbox:
                sandbox.close()
            sandbox = None
    if sandbox:
        sandbox.close()


def main():
    request = json.load(sys.stdin)
    seeds.use(request.get("seed", 0))  # before anything seeds the checks' inputs
    torch.set_num_threads(1)
    hidden = request["hidden"] if request.get("sandboxed", True) else None

    def report(event):
        sys.stdout.write(json.dumps(event) + "\n")
        sys.stdout.flush()

    for jobs in request["learners"]:
        grade_learner(jobs, float(request["time_limit"]), hidden, report)


if __name__ == "__main__":
    main()
