"""Grade learner notebooks against solutions/: the grader's own checks on the learner's exercise cells.

    python -m vae_lesson.grade [PATHS...] [--json]         one learner's notebooks (default: notebooks/)
    python -m vae_lesson.grade CLASS/ --csv gradebook.csv  a class: each subfolder of CLASS/ is one learner

Only the exercise cells are taken from a learner's notebook; imports, check cells and points come
from the source notebook in solutions/. The learner's code runs in a sandboxed probe, and the checks
judge its plain outputs in a separate judge process (vae_lesson/grader/judge.py), so nothing a
notebook displays, prints or writes, and no edit of a check cell, earns credit.
With --csv (or --feedback), each learner also gets a feedback file (default: feedback/ beside the CSV).
Learner files are only read, never written. The README's instructor section shows every option at work.

Exit code: 0 when every exercise passes, 1 when some do not, 2 on bad input.
"""
import argparse
import json
import os
import random
import sys
from pathlib import Path

from . import REPO_ROOT
from .grader import exports, isolation, sandbox
from .grader.chapters import UnreadableNotebook, learner_job, read_chapters, read_learner_notebook, written_answer
from .grader.collect import DEFAULT_PATTERN, BadInput, find_learners, parse_chapters
from .grader.config import read_overrides, read_roster, read_settings
from .grader.gradebook import Learner, Result, class_table, learner_table, write_csv, write_feedback
from .grader.pitfalls import PITFALLS
from .grader.remote import WALL_FACTOR
from .grader.supervisor import WorkerFailed, cell_limit, grade_jobs

# Verdicts the grading command gives besides the checks' pitfalls; a rubric may name them too.
GRADER_PITFALLS = ["missing-notebook", "unreadable-notebook", "missing-cell", "not-defined", "reference-submitted",
                   "grader-tampered", "kernel-died"]



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


def grade(submissions, whole_course, time_limit=30.0, parallel=2, chapters=None, sandboxed=True, hidden=(),
          seed=0):
    """[Learner] with a result for each exercise of each chapter graded (all chapters, or those given).
    Sandboxed, each learner's notebooks run in a bubblewrap sandbox of their own that shows no `hidden` folder."""
    chapters = chapters or read_chapters()
    plans = [(s, plan(s.notebooks, chapters, whole_course)) for s in submissions]
    if not any(slots for _, slots in plans):
        raise BadInput("no notebooks of the course found (names as in solutions/, or with the chapter's number: "
                       f"{', '.join(chapters)})")
    jobs = [dict(job, learner=n) for n, (_, slots) in enumerate(plans) for _, _, job, _ in slots if job]
    graded = iter(grade_jobs(jobs, parallel, time_limit, sandboxed, hidden, seed))
    result = []
    for submission, slots in plans:
        learner = Learner(submission.name, notes=list(submission.notes))
        for chapter, verdicts, job, note in slots:
            if job:
                verdicts, note = next(graded)
                note = note and f"{chapter.notebook}: {note}"
                learner.notes += [f"{chapter.notebook}: {s['exercise']}: {s['note']}" for s in job["steps"]
                                  if s.get("note")]
            points = {ex.name: ex.points for ex in chapter.exercises}
            learner.results += [Result(chapter.notebook, v["exercise"], v["passed"], v["pitfall"], v["message"],
                                       points[v["exercise"]], v["explanation"]) for v in verdicts]
            learner.notes += [note] if note else []
        result.append(learner)
    return result


def written_results(learner, chapters):
    """The written answers of the chosen chapters, as results graded by hand (by the overrides file)."""
    for name, chapter in chapters.items():
        for w in chapter.written:
            learner.results.append(Result(name, w.name, False, "awaiting-manual-grading",
                                          "graded by hand: no points given yet.", w.points))


def apply_settings(learners, settings, overrides):
    """Points from the config, the rubric's partial credit, and the overrides, on every run."""
    for learner in learners:
        for r in learner.results:
            r.max_points = settings.points.get(r.exercise, r.max_points)
            r.credit = 0.0 if r.passed else settings.credit(r.exercise, r.pitfall)
            r.override = overrides.get((learner.name, r.exercise))
            if r.override is not None and r.pitfall == "awaiting-manual-grading":
                r.passed, r.pitfall, r.message = True, None, "graded by hand."


def written_answers(submissions, chapters):
    rows = []
    for s in submissions:
        for name, chapter in chapters.items():
            for w in chapter.written:
                text = None
                if name in s.notebooks:
                    try:
                        text = written_answer(read_learner_notebook(s.notebooks[name]), w)
                    except UnreadableNotebook:
                        pass
                rows.append((s.name, w.name, name, w.points, "(no answer found)" if text is None else text))
    return rows


def _outside(path, folders, what):
    resolved = path.resolve()
    if any(resolved.is_relative_to(f.resolve()) for f in folders):
        raise BadInput(f"{path}: {what} must not be inside a folder being graded (learner files are never written)")
    return path


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m vae_lesson.grade", description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("paths", nargs="*", default=[str(REPO_ROOT / "notebooks")])
    add("--json", action="store_true", help="print the results as JSON")
    add("--csv", type=Path, help="write the gradebook here: one row per learner")
    add("--feedback", type=Path, help="write one feedback file per learner here (default with --csv: feedback/ "
                                      "beside the CSV)")
    add("--time-limit", type=float, default=30.0,
        help=f"the per-notebook limit in seconds of CPU time (default 30; the per-cell limit is half of it; a "
             f"notebook may wait {WALL_FACTOR} times as long on the clock; the per-call limit is "
             f"{sandbox.TIME_LIMIT:g} s)")
    add("--jobs", type=int, default=os.cpu_count() or 1, help="notebooks graded at a time")
    add("--pattern", default=DEFAULT_PATTERN, help="regular expression matching a learner's file name to a "
                                                   "chapter; its group named chapter captures the number")
    add("--chapters", help="grade only these chapters, e.g. 01-04 or 01,03,06")
    add("--assignment", help="grade only the chapters of this assignment, named in --config")
    add("--config", type=Path, help="points, rubric, assignments (TOML or JSON; see grader/config.py)")
    add("--overrides", type=Path, help="CSV of learner,exercise,points,comment merged into every run")
    add("--report", type=Path, help="write a class report (pass rates, common mistakes, flags) as Markdown")
    add("--gradescope", type=Path, help="write Gradescope's results.json (one learner)")
    add("--one-learner", action="store_true", help="the folder is one learner's, whatever subfolders it holds")
    add("--seed", type=int, help="the seed of the checks' inputs, to reproduce a run (default: a fresh one each "
                                 "run, shown in the stamp; the notebooks' own checks use 0)")
    add("--unsandboxed", action="store_true", help="grade without bubblewrap, where it cannot run: learner code "
                                                   "then runs as you, with your files in reach (see the README)")
    add("--roster", type=Path, help="CSV of folder,id[,name][,email] for the LMS export")
    add("--lms", choices=["canvas", "moodle"], help="the LMS whose grade import --lms-csv is written for")
    add("--lms-csv", type=Path, help="write a grade import CSV for --lms, ids from --roster")
    add("--lms-column", default="VAE course", help="the grade column's name in the LMS (default: VAE course)")
    add("--export-written", type=Path, help="write the written answers as a CSV to grade by hand, then pass "
                                            "back with --overrides")
    args = parser.parse_args(argv)
    if args.time_limit <= 0 or args.jobs < 1:
        parser.error("--time-limit must be positive and --jobs at least 1")
    if bool(args.lms) != bool(args.lms_csv) or (args.lms_csv and not args.roster):
        parser.error("--lms-csv needs --lms canvas|moodle and --roster")
    if args.chapters and args.assignment:
        parser.error("give --chapters or --assignment, not both")
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1, 2 ** 31)
    return args


def _settings_line(args):
    shown = {"sandbox": "none (--unsandboxed)" if args.unsandboxed else "bubblewrap, one per learner",
             "seed": args.seed, "per-notebook limit": f"{args.time_limit:g} s",
             "per-cell limit": f"{cell_limit(args.time_limit):g} s", "per-call limit": f"{sandbox.TIME_LIMIT:g} s"}
    for name in ("chapters", "assignment", "config", "overrides"):
        value = getattr(args, name)
        if value:
            shown[name] = Path(value).name if isinstance(value, Path) else value
    return shown


def report(args, learners, is_class, exercises, stamp, class_notes):
    if args.json:
        body = ({"graded": stamp, "learners": [lr.as_json() for lr in learners], "notes": class_notes} if is_class
                else {"graded": stamp, **learners[0].as_json()})
        print(json.dumps(body, indent=2))
    else:
        print(class_table(learners, exercises) if is_class else learner_table(learners[0]))
        for note in class_notes:
            print(f"note: {note}")
    if args.csv:
        write_csv(args.csv, learners, exercises, stamp)
    if args.feedback:
        write_feedback(args.feedback, learners, stamp)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(exports.class_report(learners, exercises, stamp, class_notes), encoding="utf-8")
    if args.gradescope:
        exports.write_gradescope(args.gradescope, learners[0], stamp)
    if args.lms_csv:
        missing = exports.write_lms(args.lms_csv, args.lms, learners, read_roster(args.roster), args.lms_column)
        if missing:
            print(f"warning: not in the roster, so not in {args.lms_csv}: {', '.join(missing)}", file=sys.stderr)


def _needs_linux(unsandboxed):
    if not (hasattr(os, "fork") and hasattr(os, "pidfd_open")):
        raise BadInput("the grading command needs Linux (it forks a worker per notebook and waits on pidfds); "
                       "grade in a Linux container or VM. The instant checks in the notebooks work everywhere.")
    why = "" if unsandboxed else isolation.unavailable()
    if why:
        raise BadInput(f"learner code is graded in a sandbox, and none can start here: {why}. To grade without "
                       "one (learner code then runs as you, with your files in reach), pass --unsandboxed.")


def _prepare(args):
    chapters = read_chapters()
    exercises = [ex.name for c in chapters.values() for ex in c.exercises]
    written = [w.name for c in chapters.values() for w in c.written]
    settings = read_settings(args.config, exercises + written, list(PITFALLS) + GRADER_PITFALLS)
    if args.assignment:
        if args.assignment not in settings.assignments:
            raise BadInput(f"--assignment {args.assignment!r} is not in the config's [assignments] "
                           f"({', '.join(settings.assignments) or 'none'})")
        args.chapters = settings.assignments[args.assignment]
    if args.chapters:
        chapters = parse_chapters(args.chapters, chapters)
    overrides = read_overrides(args.overrides, exercises + written)
    return chapters, settings, overrides


def main(argv=None):
    args = parse_args(argv)
    try:
        chapters, settings, overrides = _prepare(args)
        found = find_learners(args.paths, chapters, args.pattern, args.one_learner)
        submissions, is_class, folders, class_notes = found
        for option in ("csv", "feedback", "report", "gradescope", "lms_csv", "export_written"):
            if getattr(args, option):
                _outside(getattr(args, option), folders, "--" + option.replace("_", "-"))
        if args.csv:
            args.feedback = args.feedback or args.csv.parent / "feedback"
        if args.gradescope and is_class:
            raise BadInput("--gradescope writes one submission's results.json: give one learner's folder")
        if args.export_written:
            exports.write_written(args.export_written, written_answers(submissions, chapters))
        _needs_linux(args.unsandboxed)
        if is_class:
            print(f"grading {len(submissions)} learners...", file=sys.stderr)
        graded = grade(submissions, is_class or bool(args.chapters), args.time_limit, args.jobs, chapters,
                       not args.unsandboxed, folders, args.seed)
    except (BadInput, WorkerFailed) as error:
        print(f"error: {error}", file=sys.stderr)
        if args.gradescope:  # Gradescope shows the learner this file, not the log
            exports.write_gradescope_error(args.gradescope, f"Your submission could not be graded: {error}")
        return 2
    if settings.written:
        for learner in graded:
            written_results(learner, chapters)
    apply_settings(graded, settings, overrides)
    exercises = list(dict.fromkeys(r.exercise for lr in graded for r in lr.results))
    stamp = exports.stamp(_settings_line(args))
    try:
        report(args, graded, is_class, exercises, stamp, class_notes)
    except OSError as error:
        print(f"error: cannot write {error.filename}: {error.strerror}", file=sys.stderr)
        return 2
    return 0 if all(r.passed for lr in graded for r in lr.results) else 1


if __name__ == "__main__":
    sys.exit(main())
