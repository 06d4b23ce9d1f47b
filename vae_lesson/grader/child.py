"""What one forked child does in the sandbox: a learner's notebook, as a probe the judge drives (remote.py).

It runs the chapter's import statements (those naming `solutions` are left out: the sandbox has no
such package; the judge sends, as source, the reference pieces a chapter imports), then, at the
judge's request, each exercise cell, and calls on what the cells defined. It never judges and never
writes a verdict: what it sends back is data, and a verdict is the judge's, outside the sandbox.
"""
import ast
import builtins
import linecache
import os
import signal

from .probe import Probe
from .remote import serve
from .sandbox import learner_line

LEARNER_FILE = "<exercise"  # filename prefix of the code compiled from a learner's cells


class CellTimeout(BaseException):
    """Not an Exception, so a learner's `except Exception` cannot swallow it."""


def run_cell(source, filename, namespace, seconds):
    """Execute a learner's cell; None if it ran, else (pitfall, message)."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)  # lines in tracebacks
    try:
        code = compile(source, filename, "exec")
    except SyntaxError as error:
        return "raised", f"your exercise cell does not compile: {error.msg} at line {error.lineno}."

    def stop(signum, frame):
        raise CellTimeout()

    signal.signal(signal.SIGPROF, stop)  # CPU time, as the judge counts it: a loaded machine does not stop a cell
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        exec(code, namespace)
    except CellTimeout:
        return "too-slow", (f"your exercise cell ran past the per-cell limit ({seconds:g} s of CPU time): look for "
                            "a loop that never ends.")
    except BaseException as error:  # SystemExit and KeyboardInterrupt too: the cell failed, the grading goes on
        return "raised", f"your exercise cell raised {type(error).__name__}: {error}\n{learner_line(error)}".rstrip()
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
    return None


def names_reference(module):
    """True for the reference's modules: solutions (and its submodules), vae_lesson.reference."""
    return module.split(".")[0] == "solutions" or module.startswith("vae_lesson.reference")


def without_solutions(imports):
    """The import statements that do not import the reference, one per line."""
    kept = []
    for node in ast.parse(imports).body:
        modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        if not any(names_reference(m) for m in modules):
            kept.append(ast.unparse(node))
    return kept


class NotebookProbe(Probe):
    """A probe over one notebook's namespace, with the cell runner the judge asks for."""

    def __init__(self):
        super().__init__({"__name__": "__main__", "__builtins__": builtins})

    def imports(self, source):
        """Run the chapter's imports; one that fails (a course module that needs `solutions`) is left out."""
        for statement in without_solutions(source):
            try:
                exec(compile(statement, "<imports>", "exec"), self.namespace)
            except Exception:
                pass

    def cell(self, source, name, seconds):
        return run_cell(source, f"{LEARNER_FILE} {name}>", self.namespace, seconds)

    def use_standins(self, names):
        """Bind reference pieces the judge sent (define) into the notebook, as its imports or its check cells do."""
        for name in names:
            self.namespace[name] = self.standins[name]


def child_main(read_fd, write_fd):
    """In the forked child: the judge's requests on read_fd, the replies on write_fd; the learner's code sees
    neither as its standard streams."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    serve(NotebookProbe(), read_fd, write_fd)
