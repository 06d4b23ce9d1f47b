"""Keep a grade honest: the reference handed in as an answer, and learner code that changes the grader.

These run in the forked child that executes a learner's cells. They catch the easy ways to cheat
(importing `solutions`, aliasing or wrapping the reference, patching the checks, torch or builtins);
code running in the same process can always defeat them with enough effort (see README: threat model).
"""
import ast
import builtins
import functools
import inspect
import io
import math
import re
import sys
import tokenize
from contextlib import contextmanager

import torch

LEARNER_FILE = "<exercise"  # filename prefix of the code compiled from a learner's cells
SOLUTIONS_NAME = re.compile(r"(^|[/\\.])solutions([/\\.]|$)")
_PACKAGES = ("vae_lesson", "solutions")


def names_solutions(source):
    """True if learner code names the `solutions` package: imports it, names it as a module or path string, or
    reads a name `solutions` the code never binds itself (a variable of the learner's own called so is fine)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return _names_solutions_by_tokens(source)
    bound, read = False, False
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if any(m.split(".")[0] == "solutions" for m in modules):
                return True
            bound |= any(a.asname == "solutions" for a in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SOLUTIONS_NAME.search(node.value):
            return True
        elif isinstance(node, ast.Name) and node.id == "solutions":
            bound, read = bound or not isinstance(node.ctx, ast.Load), read or isinstance(node.ctx, ast.Load)
        elif isinstance(node, ast.arg) and node.arg == "solutions":
            bound = True
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == "solutions":
            bound = True
    return read and not bound


def _names_solutions_by_tokens(source):
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return "solutions" in source
    for tok in tokens:
        if tok.type == tokenize.NAME and tok.string == "solutions":
            return True
        if tok.type == tokenize.STRING and SOLUTIONS_NAME.search(tok.string.strip("'\"rbuRBUfF")):
            return True
    return False


def _methods(cls):
    return [f for f in vars(cls).values() if inspect.isfunction(f)]


def reference_code_ids(reference):
    """ids of the code objects that running the reference executes first: its own, or its class's methods."""
    functions = _methods(reference) if inspect.isclass(reference) else [reference]
    return {id(f.__code__) for f in functions if hasattr(f, "__code__")}


def hands_in_reference(obj, reference):
    """True if obj is the reference, an alias, a partial, a wrapper carrying it, or a subclass of it."""
    for candidate in (obj, getattr(obj, "__wrapped__", None), getattr(obj, "__func__", None),
                      obj.func if isinstance(obj, functools.partial) else None):
        if candidate is reference:
            return True
    if inspect.isclass(obj) and inspect.isclass(reference):
        if issubclass(obj, reference):
            return True
        return bool({id(f.__code__) for f in _methods(obj)} & reference_code_ids(reference))
    return getattr(obj, "__code__", None) is not None and id(obj.__code__) in reference_code_ids(reference)


def _learner_on_stack(frame):
    while frame is not None:
        if frame.f_code.co_filename.startswith(LEARNER_FILE):
            return True
        frame = frame.f_back
    return False


@contextmanager
def reference_watch(reference):
    """Yield a list that records each time the reference starts running while learner code is on the stack.

    The check runs the reference itself, which is fine; learner code that calls it, however it got
    hold of it (a wrapper, a module from the reference's own layers, an obfuscated import), is not.
    """
    codes, calls = reference_code_ids(reference), []

    def profile(frame, event, arg):
        if event == "call" and id(frame.f_code) in codes and _learner_on_stack(frame.f_back):
            calls.append(frame.f_code.co_name)

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield calls
    finally:
        if sys.getprofile() is not profile:
            calls.append("sys.setprofile")  # learner code switched the watch off
        sys.setprofile(previous)


# ---------------------------------------------------------------- the grader's state

def _function_state(f):
    closure = tuple(id(c.cell_contents) if _filled(c) else None for c in (f.__closure__ or ()))
    return id(f.__code__), id(f.__defaults__), id(f.__kwdefaults__), closure


def _filled(cell):
    try:
        cell.cell_contents
        return True
    except ValueError:
        return False


def _state(value):
    return _function_state(value) if inspect.isfunction(value) else id(value)


def _guarded_modules():
    mods = {name: m for name, m in list(sys.modules.items()) if name.split(".")[0] in _PACKAGES and m}
    mods.update({"torch": torch, "torch.nn.functional": torch.nn.functional, "builtins": builtins, "math": math})
    return mods


def _guarded_classes(modules):
    classes = {"torch.Tensor": torch.Tensor, "torch.nn.Module": torch.nn.Module}
    for mod_name, mod in modules.items():
        if mod_name.split(".")[0] in _PACKAGES:
            classes.update({f"{mod_name}.{k}": v for k, v in vars(mod).items()
                            if inspect.isclass(v) and getattr(v, "__module__", "").split(".")[0] in _PACKAGES})
    classes.update({f"torch.nn.{k}": v for k, v in vars(torch.nn).items() if inspect.isclass(v)})
    return classes


def grader_state():
    """A fingerprint of what the checks rely on: the grader's and reference's modules and classes,
    torch's functions, builtins, and the entries of sys.modules for them."""
    modules = _guarded_modules()
    state = {("sys.modules", name): id(sys.modules.get(name)) for name in modules if name in sys.modules}
    for name, mod in modules.items():
        state.update({(name, k): _state(v) for k, v in vars(mod).items() if k != "__warningregistry__"})
    for name, cls in _guarded_classes(modules).items():
        state[(name, "__dict__")] = frozenset(vars(cls))  # a new attribute on a class can shadow a base's
        state.update({(name, k): _state(v) for k, v in vars(cls).items()})
    return state


def changed_since(before):
    """The names whose value changed or vanished since `before` (new module attributes are allowed:
    imports add them)."""
    now = grader_state()
    return [".".join(key) for key, value in before.items() if now.get(key, None) != value]
