"""What one forked child does: run a learner's exercise cells in a fresh namespace and judge each one.

The child gets its plan from the worker (chapters.learner_job): the source's import statements,
then each exercise cell in the learner's version, each followed by the grader's own check called on
the name the exercise defines. Verdicts go back to the worker as JSON lines, one per exercise, then
{"end": true}; nothing the notebook displayed or printed is ever read.
"""
import builtins
import json
import linecache
import os
import re
import signal

from . import integrity
from .result import GENERIC, CheckResult
from .sandbox import learner_line

MESSAGE_LIMIT = 4000  # characters of a message kept; learner text can be long


def cell_limit(notebook_limit):
    """The per-cell limit: half the per-notebook one, and at least a second."""
    return max(1.0, notebook_limit / 2)


UNDEFINED = re.compile(r"NameError: name '(\w+)' is not defined")


class CellTimeout(BaseException):
    """Not an Exception, so a learner's `except Exception` cannot swallow it."""


def verdict(exercise, pitfall, message, passed=False, explanation=""):
    return {"exercise": exercise, "passed": passed, "pitfall": pitfall,
            "message": str(message)[:MESSAGE_LIMIT], "explanation": str(explanation)[:MESSAGE_LIMIT]}


def run_cell(source, filename, namespace, seconds):
    """Execute a learner's cell; None if it ran, else (pitfall, message)."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)  # lines in tracebacks
    try:
        code = compile(source, filename, "exec")
    except SyntaxError as error:
        return "raised", f"your exercise cell does not compile: {error.msg} at line {error.lineno}."

    def stop(signum, frame):
        raise CellTimeout()

    signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        exec(code, namespace)
    except CellTimeout:
        return "too-slow", (f"your exercise cell ran past the per-cell limit ({seconds:g} s): look for a loop "
                            "that never ends.")
    except BaseException as error:  # SystemExit and KeyboardInterrupt too: the cell failed, the grading goes on
        return "raised", f"your exercise cell raised {type(error).__name__}: {error}\n{learner_line(error)}".rstrip()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return None


class Judge:
    """Judges the exercises of one chapter, in order, in one namespace."""

    def __init__(self, job, checks, references, baseline, cell_seconds):
        self.job, self.checks, self.references = job, checks, references
        self.baseline, self.cell_seconds = baseline, cell_seconds
        self.namespace = {"__name__": "__main__", "__builtins__": builtins}
        exec(compile(job["imports"], f"<imports of {job['notebook']}>", "exec"), self.namespace)
        self.grader = self.namespace.get("check")

    def tampering(self):
        """What learner code changed in the grader, or '' if nothing."""
        if "check" in self.namespace and self.namespace["check"] is not self.grader:
            return "your code rebinds `check`, the grader itself"
        changed = integrity.changed_since(self.baseline)
        return f"your code changed the grader or what it relies on: {', '.join(changed[:3])}" if changed else ""

    def run(self, emit):
        for step in self.job["steps"]:
            if "setup" in step:
                exec(compile(step["setup"], f"<setup of {self.job['notebook']}>", "exec"), self.namespace)
                continue
            result = self.explained(self.judge(step), step)
            emit(result)
            self.namespace[step["target"]] = (self.namespace[step["target"]] if result["passed"]
                                              else self.references[step["exercise"]])  # as the check cell does

    def explained(self, result, step):
        """The verdict, with a word on helpers defined in cells that grading does not run."""
        extra = []
        undefined = UNDEFINED.search(result["message"])
        cell = undefined and self.job.get("elsewhere", {}).get(undefined.group(1))
        if cell:
            extra.append(f"`{undefined.group(1)}` is defined in cell {cell} of your notebook, which grading does not "
                         "run: grading runs only the exercise cells, so a helper must sit in the exercise cell "
                         "itself.")
        if extra:
            result = dict(result, message=(result["message"] + "\n" + "\n".join(extra))[:MESSAGE_LIMIT])
        return result

    def judge(self, step):
        name, target, source = step["exercise"], step["target"], step["source"]
        if source is None:
            return verdict(name, "missing-cell", "the exercise cell is not in your notebook (deleted, or replaced "
                                                 "by a new cell): write your answer in the cell under the exercise.")
        if integrity.names_solutions(source):
            return verdict(name, "reference-submitted", "your exercise cell uses the `solutions` package, the "
                                                        "reference answers: write the code yourself.")
        failed = run_cell(source, f"{integrity.LEARNER_FILE} {self.job['notebook']} {name}>", self.namespace,
                          self.cell_seconds)
        tampered = self.tampering()
        if tampered:
            return verdict(name, "grader-tampered", tampered + ": no credit for this notebook.")
        if failed:
            return verdict(name, *failed)
        if target not in self.namespace:
            return verdict(name, "not-defined", f"your exercise cell does not define `{target}`.")
        return self.check(name, self.namespace[target])

    def check(self, name, submitted):
        reference = self.references[name]
        if integrity.hands_in_reference(submitted, reference):
            return verdict(name, "reference-submitted", "what you handed in is the reference from `solutions` "
                                                        "(or a thin wrapper of it): write the code yourself.")
        with integrity.reference_watch(reference) as calls:
            try:
                result = self.checks[name](submitted)
            except BaseException as error:  # e.g. sys.exit() in the learner's function, which no check expects
                result = error
        tampered = self.tampering()
        if tampered or "sys.setprofile" in calls:
            return verdict(name, "grader-tampered", (tampered or "your code switched off the grader's watch")
                           + ": no credit for this notebook.")
        if calls:
            return verdict(name, "reference-submitted", "your code runs the reference from `solutions` "
                                                        f"({reference.__qualname__}): write the code yourself.")
        if type(result) is not CheckResult:
            return verdict(name, "raised", f"the check could not finish: your code raised {type(result).__name__}.")
        explanation = result.explanation
        if result.passed or result.pitfall in GENERIC or explanation in result.message:
            explanation = ""  # as the notebook shows it: no "Why:" that repeats the message
        return verdict(name, result.pitfall, result.message, result.passed is True, explanation)


def child_main(job, write_fd, context):
    """Run in the forked child: judge the job and write the verdicts to `write_fd`."""
    def emit(record):
        os.write(write_fd, (json.dumps(record) + "\n").encode())

    Judge(job, context["checks"], context["references"], context["baseline"], context["cell_seconds"]).run(emit)
    emit({"end": True})
