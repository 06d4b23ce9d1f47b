"""A learner's cell that names the reference package, seen in its source before it runs.

Class grading needs no more than this: the sandbox has no `solutions` to import, and the verdict is
made in the judge, apart from learner code (see judge.py and the README's threat model). This only
gives the learner who tries the plain words for it.
"""
import ast
import io
import re
import tokenize

_REFERENCE = ("vae_lesson.reference", "vae_lesson._reference")  # the same answers, as the course imports them
SOLUTIONS_NAME = re.compile(r"(^|[/\\.])solutions([/\\.]|$)")


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
            if isinstance(node, ast.ImportFrom) and node.module == "vae_lesson":
                modules += [f"vae_lesson.{a.name}" for a in node.names]
            if any(m.split(".")[0] == "solutions" or m.startswith(_REFERENCE) for m in modules):
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
