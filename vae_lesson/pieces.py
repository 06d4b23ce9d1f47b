"""The pieces a learner wrote in chapters 01-04, carried forward so that chapter 06 trains their own VAE.

Each time a piece's check runs in a notebook, the learner's code is saved as plain Python in
my_pieces/ beside the notebook (the kernel's working folder), whatever the verdict. Chapter 06
calls `load_pieces()`, which re-checks each saved file: a piece that passes is used, any other is
replaced by the reference, and one line per piece says which. The solved notebooks in solutions/
never save and always load the references, so their stored outputs do not depend on the disk.
"""
import ast
import inspect
import linecache
import os
import runpy
from pathlib import Path

# check name -> (the name the chapter gives the piece, the notebook that writes it)
PIECES = {"encoder": ("Encoder", "01_encoder.ipynb"),
          "reparameterize": ("reparameterize", "02_reparameterization.ipynb"),
          "decoder": ("Decoder", "03_decoder.ipynb"),
          "kl_divergence": ("kl_divergence", "04_kl_divergence.ipynb")}
FOLDER = "my_pieces"
IMPORTS = "import torch\nimport torch.nn.functional as F\nfrom torch import nn\n"
SOLVED = ("This is the solved notebook: it always uses the reference Encoder, reparameterize, Decoder and "
          "kl_divergence, never saved pieces.")


def is_solved_folder(folder):
    """The solved notebooks sit in the `solutions` package; learner pieces never enter their runs."""
    folder = Path(folder)
    return folder.name == "solutions" and (folder / "__init__.py").exists()


def _in_notebook():
    """True in a Jupyter kernel: not under pytest or the grading command, whose cwd is no notebook's."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _definition(source, name):
    """The lines of `source` that define `name` (decorators included), or None."""
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)) and node.name == name:
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            return "".join(source.splitlines(True)[first - 1:node.end_lineno])
    return None


def source_of(obj):
    """The notebook cell text that defines a function or class; inspect cannot find a notebook class's file."""
    obj = inspect.unwrap(obj)
    codes = [obj.__code__] if hasattr(obj, "__code__") else \
        [inspect.unwrap(m).__code__ for m in vars(obj).values() if hasattr(inspect.unwrap(m), "__code__")]
    for code in codes:
        cell = "".join(linecache.getlines(code.co_filename))
        found = cell and _definition(cell, obj.__name__)
        if found:
            return found
    return inspect.getsource(obj)


def _globals_of(obj):
    obj = inspect.unwrap(obj)
    if hasattr(obj, "__globals__"):
        return obj.__globals__
    methods = [inspect.unwrap(m) for m in vars(obj).values() if hasattr(inspect.unwrap(m), "__globals__")]
    return methods[0].__globals__ if methods else {}


def needed_imports(obj, source):
    """Import lines for the names the piece's source reads from the notebook: modules (np, dist) and what was
    imported from them (Normal, kl_divergence as dist_kl), so the piece runs in a file of its own."""
    bound = _globals_of(obj)
    read = {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    lines = []
    for name in sorted(read - {"torch", "F", "nn"}):
        value = bound.get(name)
        if inspect.ismodule(value):
            lines.append(f"import {value.__name__} as {name}" if value.__name__ != name else f"import {name}")
        elif getattr(value, "__module__", "__main__") not in ("__main__", None) and hasattr(value, "__qualname__") \
                and "." not in value.__qualname__ and "<" not in value.__qualname__:
            alias = "" if value.__qualname__ == name else f" as {name}"
            lines.append(f"from {value.__module__} import {value.__qualname__}{alias}")
    return "".join(line + "\n" for line in lines)


def piece_text(exercise, submitted, verdict):
    name, notebook = PIECES[exercise]
    alias = "" if submitted.__name__ == name else f"\n{name} = {submitted.__name__}\n"
    source = source_of(submitted)
    return (f"# Your {name}, written in {notebook}; its check said: {verdict}.\n"
            f"# Saved for chapter 06, which builds your VAE from your pieces. Edit the notebook, not this file.\n"
            f"{IMPORTS}{needed_imports(submitted, source)}\n\n{source}{alias}")


def save(result, folder=None):
    """Save the learner's piece judged by `result` (a CheckResult) beside the notebook; never raises."""
    if result.exercise not in PIECES or not _in_notebook():
        return
    folder = Path(folder or os.getcwd())
    if is_solved_folder(folder) or getattr(result.submitted, "__module__", None) != "__main__":
        return  # a solved notebook, or a piece not written in this notebook (e.g. one loaded from my_pieces/)
    name = PIECES[result.exercise][0]
    try:
        path = folder / FOLDER / f"{result.exercise}.py"
        path.parent.mkdir(exist_ok=True)
        verdict = "PASSED" if result.passed else f"FAILED [{result.pitfall}]"
        tmp = path.with_suffix(f".{os.getpid()}.tmp")  # write then rename: chapter 06 never reads half a file
        tmp.write_text(piece_text(result.exercise, result.submitted, verdict))
        tmp.replace(path)
        print(f"Saved your {name} in {FOLDER}/{path.name}: chapter 06 uses it once it passes.")
    except Exception as error:  # saving is a convenience: it must never break the notebook
        print(f"Could not save your {name} for chapter 06 ({type(error).__name__}: {error}); "
              f"the reference will stand in there.")


class Pieces:
    """The four pieces chapter 06 builds with; unpack as `Encoder, reparameterize, Decoder, kl_divergence`."""

    def __init__(self, chosen, failed):
        self.chosen = chosen  # name -> the piece in use
        self.failed = failed  # name -> (the learner's piece, its CheckResult), for pieces that failed

    def __iter__(self):
        return iter(self.chosen[name] for name, _ in PIECES.values())

    def show_cost(self, train_images, shown, epochs=2):
        """Each failed piece trained briefly on train_images beside the reference, `shown` digits reconstructed."""
        from .piece_cost import show_cost  # loads the training code only when asked
        show_cost(self.failed, train_images, shown, epochs)


def _load_one(folder, exercise):
    """(the piece to use, a line saying which, (learner's piece, result) if it failed or None)."""
    from .reference import solutions

    from .grader import check
    name, notebook = PIECES[exercise]
    reference, path = getattr(solutions, name), folder / FOLDER / f"{exercise}.py"
    if not path.exists():
        return reference, f"{name}: the reference stands in (no saved piece yet: run the check in {notebook})", None
    try:
        mine = runpy.run_path(str(path))[name]
    except Exception as error:
        return reference, f"{name}: the reference stands in ({FOLDER}/{path.name} does not run: {error})", None
    result = getattr(check, exercise)(mine)  # judged again: what the file does now, not what it did once
    if result.passed:
        return mine, f"{name}: yours, from {FOLDER}/{path.name} (its check passes)", None
    why = f": {result.message.splitlines()[0]}" if result.pitfall == "raised" else ""  # e.g. a name it cannot find
    return reference, f"{name}: the reference stands in; yours fails its check [{result.pitfall}]{why}", (mine, result)


def load_pieces(folder=None):
    """The learner's Encoder, reparameterize, Decoder and kl_divergence where they pass, else the references."""
    folder = Path(folder or os.getcwd())
    if is_solved_folder(folder):
        from .reference import solutions
        print(SOLVED)
        return Pieces({name: getattr(solutions, name) for name, _ in PIECES.values()}, {})
    chosen, failed = {}, {}
    for exercise, (name, _) in PIECES.items():
        chosen[name], line, failure = _load_one(folder, exercise)
        print(line)
        if failure:
            failed[name] = failure
    return Pieces(chosen, failed)
