"""Collection: which notebooks belong to which learner, forgiving what LMS downloads and learners do to names.

A learner's notebook is matched to a chapter by the chapter's number in its file name, as nbgrader's
zip_collect matches by a pattern: `smitheve_123456_7890123_01_encoder.ipynb`, `01_encoder (1).ipynb`
and `notebooks/01_encoder.ipynb` (one folder down) are all chapter 01. What was found and not used is
said, never dropped without a word.
"""
import re
from dataclasses import dataclass, field
from pathlib import Path

from .chapters import SOURCE_DIR

# The chapter's two digits, after the start of the name or a non-digit, then the chapter's words, then an
# optional copy number (" (1)", "-2", "_3") that downloads and resubmissions add.
DEFAULT_PATTERN = r"(?:^|[^0-9])(?P<chapter>\d\d[a-z]?)_[A-Za-z_]*?(?:[ _-]*\(?\d+\)?)?\.ipynb$"
SKIPPED_FOLDERS = (".ipynb_checkpoints", "__pycache__", "__MACOSX")


class BadInput(Exception):
    pass


@dataclass
class Submission:
    name: str                                       # the learner, as the folder is named
    notebooks: dict = field(default_factory=dict)   # {course notebook name: path}
    notes: list = field(default_factory=list)       # what was used under another name, or found and not used


def compile_pattern(pattern):
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as error:
        raise BadInput(f"--pattern {pattern!r} is not a regular expression: {error}") from None
    if "chapter" not in compiled.groupindex:
        raise BadInput(f"--pattern {pattern!r} needs a group named chapter, e.g. (?P<chapter>\\d\\d)")
    return compiled


def _chapter_number(notebook):
    """The number a notebook is known by: "05" of 05_latent_variables_and_elbo.ipynb, "06b" of a deep-dive."""
    return re.match(r"\d\d[a-z]?", notebook).group(0)


def _candidates(folder):
    """The notebooks in a learner's folder and one folder down, checkpoints and hidden folders left out."""
    found = sorted(folder.glob("*.ipynb"))
    for sub in sorted(d for d in folder.iterdir() if d.is_dir()):
        if not sub.name.startswith((".", "_")) and sub.name not in SKIPPED_FOLDERS:
            found += sorted(sub.glob("*.ipynb"))
    return [p for p in found if p.is_file()]


def _course_numbers():
    return {_chapter_number(p.name) for p in SOURCE_DIR.glob("*.ipynb")}


def match(name, paths, chapters, pattern, root):
    """The Submission of one learner: each graded notebook's best match among `paths`, and notes. A file of a
    chapter that is not graded (no exercise, or not chosen with --chapters) is passed over without a note."""
    by_number, course = {_chapter_number(nb): nb for nb in chapters}, _course_numbers()
    submission, claimed = Submission(name), {}
    unused = []
    for path in paths:
        found = pattern.search(path.name)
        notebook = by_number.get(found.group("chapter")) if found else None
        if notebook is None:
            if not found or found.group("chapter") not in course:
                unused.append(path)
        else:
            claimed.setdefault(notebook, []).append(path)
    for notebook in (nb for nb in chapters if nb in claimed):
        paths_for = claimed[notebook]
        # The course's own name first, then the least nested, then the newest (a resubmission), then by name.
        ranked = sorted(paths_for, key=lambda p: (p.name != notebook, len(p.relative_to(root).parts),
                                                  -p.stat().st_mtime, p.name))
        chosen = submission.notebooks[notebook] = ranked[0]
        shown = chosen.relative_to(root)
        if str(shown) != notebook:
            submission.notes.append(f"{notebook}: graded {shown}")
        for other in ranked[1:]:
            submission.notes.append(f"{notebook}: also found {other.relative_to(root)}, not used "
                                    f"(graded {shown})")
    if unused:
        shown = ", ".join(str(p.relative_to(root)) for p in unused)
        submission.notes.append(f"not a notebook of the course by its name, not used: {shown}")
    return submission


def _check_paths(paths):
    for p in paths:
        if not p.exists():
            raise BadInput(f"{p}: no such file or folder")
        if p.is_file() and p.suffix != ".ipynb":
            raise BadInput(f"{p}: not a notebook (.ipynb) or a folder of notebooks")
    files = [p for p in paths if p.is_file()]
    if files and len(files) != len(paths):
        raise BadInput("give either notebook files of one learner, or folders, not both")
    parents = sorted({str(p.resolve().parent) for p in files})
    if len(parents) > 1:
        raise BadInput(f"the notebooks given come from {len(parents)} folders ({', '.join(parents)}): grade one "
                       "learner's notebooks at a time, or a class folder with one subfolder per learner")
    if len(paths) > 1 and not files:
        raise BadInput("give one folder: a learner's (holding notebooks) or a class's (one subfolder per learner)")


def find_learners(paths, chapters, pattern=DEFAULT_PATTERN, single=False):
    """([Submission], is a class, folders whose files must stay untouched, notes on the class as a whole).
    `single`: the folder is one learner's, whatever it holds (as Gradescope's submission folder is)."""
    paths, pattern = [Path(p) for p in paths], compile_pattern(pattern)
    _check_paths(paths)
    if paths[0].is_file():
        root = paths[0].resolve().parent
        return [match(root.name, [p.resolve() for p in paths], chapters, pattern, root)], False, [root], []
    root = paths[0]
    if single or any(root.glob("*.ipynb")) or _one_nested_notebooks_folder(root):
        return [match(root.resolve().name, _candidates(root), chapters, pattern, root)], False, [root], []
    subfolders = [d for d in sorted(root.iterdir()) if d.is_dir() and d.name not in SKIPPED_FOLDERS]
    skipped = [d.name for d in subfolders if d.name.startswith((".", "_"))]
    learners = [match(d.name, _candidates(d), chapters, pattern, d) for d in subfolders if d.name not in skipped]
    if not learners:
        raise BadInput(f"{root}: no notebooks (.ipynb), and no learner subfolders")
    notes = [f"folder {name} skipped: a name starting with '.' or '_' is not taken as a learner (rename it to "
             "grade it)" for name in skipped]
    return learners, True, [root], notes


def _one_nested_notebooks_folder(root):
    """True for one learner's folder that holds its notebooks in `notebooks/` (the repository's layout)."""
    holders = [d for d in root.iterdir() if d.is_dir() and _candidates(d)]
    return [d.name for d in holders] == ["notebooks"]


def parse_chapters(text, chapters):
    """The course notebooks named by `01-04`, `01,03,06` or `1-4`: {notebook: chapter}, in course order."""
    numbers = set()
    for part in text.replace(" ", "").split(","):
        bounds = part.split("-")
        if not part or len(bounds) > 2 or not all(b.isdigit() for b in bounds):
            raise BadInput(f"--chapters {text!r}: write chapter numbers as 01-04 or 01,03,06")
        low, high = int(bounds[0]), int(bounds[-1])
        numbers |= {f"{n:02d}" for n in range(low, high + 1)}
    chosen = {nb: c for nb, c in chapters.items() if _chapter_number(nb) in numbers}
    if not chosen:
        graded = ", ".join(_chapter_number(nb) for nb in chapters)
        raise BadInput(f"--chapters {text!r} names no chapter with an exercise (those are {graded})")
    return chosen
