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
_DEF_LINE = re.compile(r"^(?:def|class)\s+(\w+)|^(\w+)\s*=", re.M)  # for a cell that does not parse


class UnreadableNotebook(Exception):
    pass


@dataclass
class Exercise:
    name: str      # the check's name, e.g. "kl_divergence"; a column of the gradebook
    target: str    # the variable the check cell hands to the check, e.g. "kl_divergence" or "Encoder"
    cell_id: str
    cell_index: int
    points: int
    check_id: str = None  # the check cell's id: an answer below the exercise cell is looked for above it


@dataclass
class Written:
    name: str      # e.g. "which_symptom"; a column of the gradebook when written answers are graded
    cell_id: str   # the markdown cell the learner writes the answer in
    points: float


@dataclass
class Chapter:
    notebook: str  # file name, e.g. "04_kl_divergence.ipynb"
    imports: str   # the import statements of the source's first code cell
    steps: list = field(default_factory=list)  # ("setup", source) or ("exercise", Exercise), in order
    written: list = field(default_factory=list)  # Written answers, graded by hand

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
            chapter.steps.append(("exercise", Exercise(checked[0], checked[1], ex.get("id"), i, points,
                                                       cell.get("id"))))
            exercise_cell = None
        elif _grading_meta(cell).get("grading") == "setup":
            chapter.steps.append(("setup", cell.source))
    for cell in nb.cells:
        meta = _grading_meta(cell)
        if cell.cell_type == "markdown" and "written" in meta:
            chapter.written.append(Written(meta["written"], cell.get("id"), float(meta.get("points", 1))))
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


def _defined_names(source):
    """The names a cell binds at its top level (def, class, assignment, import), or an empty set."""
    try:
        tree = ast.parse(strip_magics(source))
    except SyntaxError:
        return {a or b for a, b in _DEF_LINE.findall(source)}
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def _is_stub(source):
    return "raise NotImplementedError" in source


def _code_cells(nb):
    return [(i, c) for i, c in enumerate(nb.cells) if c.get("cell_type") == "code"]


def _exercise_index(nb, exercise):
    """The index of the learner's exercise cell: by cell id; else, where ids are missing, the first code cell
    that defines the exercise's name (cells inserted above do not move it), else by position."""
    cells = _code_cells(nb)
    if exercise.cell_id and any(c.get("id") == exercise.cell_id for _, c in cells):
        return next(i for i, c in cells if c.get("id") == exercise.cell_id)
    if any(c.get("id") == exercise.cell_id for c in nb.cells):
        return None  # the id is on a cell that is no longer code
    defining = [i for i, c in cells if exercise.target in _defined_names(c.get("source", ""))
                and not checked_name(c.get("source", ""))]
    if defining:
        return defining[0]
    if not any(c.get("id") for c in nb.cells) and exercise.cell_index < len(nb.cells) \
            and nb.cells[exercise.cell_index].get("cell_type") == "code":
        return exercise.cell_index
    return None


def find_answer(nb, exercise):
    """(source of the learner's answer or None, a note when it was not in the exercise cell itself).

    The answer is the exercise cell; but where that cell is still the stub and a cell below it, before the
    check cell, defines the exercise's name, that cell is the answer (a learner who wrote it in a new cell)."""
    index = _exercise_index(nb, exercise)
    if index is None:
        return None, None
    source = nb.cells[index].get("source", "")
    if not _is_stub(source):
        return source, None
    for i, cell in _code_cells(nb):
        if i <= index:
            continue
        below = cell.get("source", "")
        if (exercise.check_id and cell.get("id") == exercise.check_id) or f"check.{exercise.name}(" in below:
            break  # the check cell: what a learner edits there is never run
        if exercise.target in _defined_names(below) and not _is_stub(below):
            return below, (f"your answer was graded from cell {i + 1}, below the exercise cell (which still "
                           "holds the stub): next time, write it in the exercise cell itself.")
    return source, None


def learner_cell(nb, exercise):
    """The learner's version of an exercise cell: by cell id, else by what it defines, else by position."""
    return find_answer(nb, exercise)[0]


def defined_elsewhere(nb, exercise_indices):
    """{name: cell number} for names the learner's other code cells define, which grading does not run."""
    names = {}
    for i, cell in _code_cells(nb):
        if i not in exercise_indices:
            for name in _defined_names(cell.get("source", "")):
                names.setdefault(name, i + 1)
    return names


def written_answer(nb, written):
    """The learner's text in a written answer's cell, or None if that cell is gone."""
    return next((c.get("source", "") for c in nb.cells if c.get("id") == written.cell_id), None)


def learner_job(chapter, nb):
    """The plain plan a worker runs: source imports and setup cells, the learner's exercise cells."""
    steps, answers = [], set()
    for kind, item in chapter.steps:
        if kind == "setup":
            steps.append({"setup": item})
        else:
            source, note = find_answer(nb, item)
            answers.add(source)
            steps.append({"exercise": item.name, "target": item.target, "note": note,
                          "source": None if source is None else strip_magics(source)})
    used = {i for i, c in _code_cells(nb) if c.get("source", "") in answers}
    elsewhere = defined_elsewhere(nb, used)
    return {"notebook": chapter.notebook, "imports": chapter.imports, "steps": steps, "elsewhere": elsewhere}
