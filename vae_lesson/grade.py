"""Grade learner notebooks against solutions/: the grader's own checks on the learner's exercise cells.

    python -m vae_lesson.grade [PATHS...] [--json]         one learner's notebooks (default: notebooks/)
    python -m vae_lesson.grade CLASS/ --csv gradebook.csv  a class: each subfolder of CLASS/ is one learner

Only the exercise cells are taken from a learner's notebook; imports, check cells and points come
from the source notebook in solutions/, and the checks run in a separate worker (see
vae_lesson/grader/worker.py), so nothing a notebook displays, and no edit of a check cell, earns credit.
With --csv (or --feedback), each learner also gets a feedback file (default: feedback/ beside the CSV).
Learner files are only read, never written.

Exit code: 0 when every exercise passes, 1 when some do not, 2 on bad input.
"""
import argparse
import json
import os
import sys
from pathlib import Path

from . import REPO_ROOT
from .grader.chapters import UnreadableNotebook, learner_job, read_chapters, read_learner_notebook
from .grader.gradebook import Learner, Result, class_table, learner_table, write_csv, write_feedback
from .grader.supervisor import WorkerFailed, grade_jobs


class BadInput(Exception):
    pass


def _notebooks_in(folder):
    return {p.name: p for p in sorted(folder.glob("*.ipynb"))}


def find_learners(paths):
    """([(learner name, {notebook name: path})], is a class, folders whose files must stay untouched)."""
    paths = [Path(p) for p in paths]
    for p in paths:
        if not p.exists():
            raise BadInput(f"{p}: no such file or folder")
        if p.is_file() and p.suffix != ".ipynb":
            raise BadInput(f"{p}: not a notebook (.ipynb) or a folder of notebooks")
    folders = [p if p.is_dir() else p.parent for p in paths]
    if len(paths) == 1 and paths[0].is_dir() and not _notebooks_in(paths[0]):
        subfolders = [d for d in sorted(paths[0].iterdir()) if d.is_dir() and not d.name.startswith((".", "_"))]
        if not subfolders:
            raise BadInput(f"{paths[0]}: no notebooks (.ipynb), and no learner subfolders")
        return [(d.name, _notebooks_in(d)) for d in subfolders], True, folders
    notebooks = {}
    for p in paths:
        notebooks.update(_notebooks_in(p) if p.is_dir() else {p.name: p})
    return [(folders[0].resolve().name, notebooks)], False, folders


def _unjudged(chapter, pitfall, message):
    return [{"exercise": ex.name, "passed": False, "pitfall": pitfall, "message": message, "explanation": ""}
            for ex in chapter.exercises]


def plan(notebooks, chapters, whole_course):
    """[(chapter, verdicts or None, job or None, note or None)] for one learner, in course order."""
    slots = []
    for name, chapter in chapters.items():
        if name not in notebooks:
            if whole_course:
                note = f"{name}: missing"
                slots.append((chapter, _unjudged(chapter, "missing-notebook", f"{name} is not in your folder."),
                              None, note))
            continue
        try:
            slots.append((chapter, None, learner_job(chapter, read_learner_notebook(notebooks[name])), None))
        except UnreadableNotebook as error:
            slots.append((chapter, _unjudged(chapter, "unreadable-notebook", f"{error}."), None, str(error)))
    return slots


def grade(learners, whole_course, time_limit=30.0, parallel=2):
    """[Learner] with a result for each exercise of each chapter graded."""
    chapters = read_chapters()
    plans = [(name, plan(notebooks, chapters, whole_course)) for name, notebooks in learners]
    if not any(slots for _, slots in plans):
        raise BadInput("no notebooks of the course found (names as in solutions/: "
                       f"{', '.join(chapters)})")
    jobs = [job for _, slots in plans for _, _, job, _ in slots if job]
    graded = iter(grade_jobs(jobs, parallel, time_limit))
    result = []
    for name, slots in plans:
        learner = Learner(name)
        for chapter, verdicts, job, note in slots:
            if job:
                verdicts, note = next(graded)
                note = note and f"{chapter.notebook}: {note}"
            points = {ex.name: ex.points for ex in chapter.exercises}
            learner.results += [Result(chapter.notebook, v["exercise"], v["passed"], v["pitfall"], v["message"],
                                       points[v["exercise"]], v["explanation"]) for v in verdicts]
            learner.notes += [note] if note else []
        result.append(learner)
    return result


def _outside(path, folders, what):
    resolved = path.resolve()
    if any(resolved.is_relative_to(f.resolve()) for f in folders):
        raise BadInput(f"{path}: {what} must not be inside a folder being graded (learner files are never written)")
    return path


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m vae_lesson.grade", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=[str(REPO_ROOT / "notebooks")])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--csv", type=Path, help="write the gradebook here: one row per learner")
    parser.add_argument("--feedback", type=Path, help="write one feedback file per learner here "
                        "(default with --csv: feedback/ beside the CSV)")
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds per notebook (default 30)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="notebooks graded at a time")
    args = parser.parse_args(argv)
    if args.time_limit <= 0 or args.jobs < 1:
        parser.error("--time-limit must be positive and --jobs at least 1")
    return args


def report(args, learners, is_class, exercises):
    if args.json:
        body = {"learners": [lr.as_json() for lr in learners]} if is_class else learners[0].as_json()
        print(json.dumps(body, indent=2))
    else:
        print(class_table(learners, exercises) if is_class else learner_table(learners[0]))
    if args.csv:
        write_csv(args.csv, learners, exercises)
    if args.feedback:
        write_feedback(args.feedback, learners)


def main(argv=None):
    args = parse_args(argv)
    try:
        learners, is_class, folders = find_learners(args.paths)
        if args.csv:
            _outside(args.csv, folders, "--csv")
            args.feedback = args.feedback or args.csv.parent / "feedback"
        if args.feedback:
            _outside(args.feedback, folders, "--feedback")
        if is_class:
            print(f"grading {len(learners)} learners...", file=sys.stderr)
        graded = grade(learners, is_class, args.time_limit, args.jobs)
    except (BadInput, WorkerFailed) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    exercises = list(dict.fromkeys(r.exercise for lr in graded for r in lr.results))
    try:
        report(args, graded, is_class, exercises)
    except OSError as error:
        print(f"error: cannot write {error.filename}: {error.strerror}", file=sys.stderr)
        return 2
    return 0 if all(r.passed for lr in graded for r in lr.results) else 1


if __name__ == "__main__":
    sys.exit(main())
