"""What grading runs of a notebook: read from the source notebook in solutions/, not from the learner's copy.

A chapter's grading plan is its import statements, its exercise cells (the code cells holding a
solution block, in the learner's version), the grader's check of each, and any cell the source marks
`"vae_lesson": {"grading": "setup"}`. Check cells, points and imports come from the source, so what
a learner edits there changes nothing. No torch here: the grading command stays quick to start.
"""
import ast
import re
from dataclasses import dataclass, field

import nbformat

from .. import REPO_ROOT
from ..build import BEGIN

SOURCE_DIR = REPO_ROOT / "solutions"
MAGIC = re.compile(r"^(\s*)[%!]")  # IPython magics and shell lines: not Python, and nothing a check needs


class UnreadableNotebook(Exception):
    pass


@dataclass
class Exercise:
    name: str      # the check's name, e.g. "kl_divergence"; a column of the gradebook
    target: str    # the variable the check cell hands to the check, e.g. "kl_divergence" or "Encoder"
    cell_id: str
    cell_index: int
    points: int


@dataclass
class Chapter:
    notebook: str  # file name, e.g. "04_kl_divergence.ipynb"
    imports: str   # the import statements of the source's first code cell
    steps: list = field(default_factory=list)  # ("setup", source) or ("exercise", Exercise), in order

    @property
    def exercises(self):
        return [ex for kind, ex in self.steps if kind == "exercise"]


def strip_magics(source):
    """Comment out IPython magics, keeping line numbers and indentation."""
    return "\n".join(MAGIC.sub(r"\1pass  # ", line) for line in source.splitlines())


def import_statements(source):
    tree = ast.parse(strip_magics(source))
    return "\n".join(ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom)))


def checked_name(source):
    """(check name, argument name) of a check cell `result = check.NAME(ARG)`, else None."""
    try:
        tree = ast.parse(strip_magics(source))
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "check"
                and node.args and isinstance(node.args[0], ast.Name)):
            return node.func.attr, node.args[0].id
    return None


def _grading_meta(cell):
    return cell.get("metadata", {}).get("vae_lesson", {})


def read_chapter(path):
    """The grading plan of one source notebook, or None if it has no exercise."""
    nb = nbformat.read(path, as_version=4)
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    chapter = Chapter(path.name, import_statements(code[0][1].source) if code else "")
    exercise_cell = None
    for index, cell in code[1:]:
        checked = checked_name(cell.source)
        if BEGIN in cell.source:
            exercise_cell = (index, cell)
        elif checked and exercise_cell:
            points = int(_grading_meta(cell).get("points", 1))
            i, ex = exercise_cell
            chapter.steps.append(("exercise", Exercise(checked[0], checked[1], ex.get("id"), i, points)))
            exercise_cell = None
        elif _grading_meta(cell).get("grading") == "setup":
            chapter.steps.append(("setup", cell.source))
    return chapter if chapter.exercises else None


def read_chapters(source_dir=SOURCE_DIR):
    """{notebook name: Chapter} for every source notebook with an exercise, in course order."""
    chapters = (read_chapter(p) for p in sorted(source_dir.glob("*.ipynb")))
    return {c.notebook: c for c in chapters if c}


def read_learner_notebook(path):
    try:
        nb = nbformat.read(path, as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("no list of cells")
        return nb
    except Exception as error:  # not JSON, not a notebook, unreadable: the learner's row says so
        raise UnreadableNotebook(f"{path.name} is not a readable notebook ({type(error).__name__})") from None


def learner_cell(nb, exercise):
    """The learner's version of an exercise cell: by cell id, or by position in a notebook without ids."""
    code = [c for c in nb.cells if c.get("cell_type") == "code"]
    if any(c.get("id") for c in nb.cells):
        return next((c.get("source", "") for c in code if c.get("id") == exercise.cell_id), None)
    if exercise.cell_index < len(nb.cells) and nb.cells[exercise.cell_index].get("cell_type") == "code":
        return nb.cells[exercise.cell_index].get("source", "")
    return None


def learner_job(chapter, nb):
    """The plain plan a worker runs: source imports and setup cells, the learner's exercise cells."""
    steps = []
    for kind, item in chapter.steps:
        if kind == "setup":
            steps.append({"setup": item})
        else:
            source = learner_cell(nb, item)
            steps.append({"exercise": item.name, "target": item.target,
                          "source": None if source is None else strip_magics(source)})
    return {"notebook": chapter.notebook, "imports": chapter.imports, "steps": steps}
