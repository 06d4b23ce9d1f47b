"""What a graded class leaves behind besides the gradebook: a stamp, Gradescope's results.json, an LMS
import CSV, a class report, and the written answers as a file to grade by hand."""
import csv
import datetime
import json
import os
import subprocess
from collections import Counter

from .. import REPO_ROOT
from .gradebook import FLAGS, fmt_points


def course_version():
    """The commit graded with (and whether the checkout had local changes), or why none is known. A copy
    without git (Gradescope's autograder) carries it in COURSE_VERSION, written when the copy was made."""
    baked = REPO_ROOT / "COURSE_VERSION"
    if baked.is_file():
        return baked.read_text(encoding="utf-8").strip()
    def git(*args):
        return subprocess.run(["git", "-C", str(REPO_ROOT), *args], capture_output=True, text=True, timeout=10)
    try:
        head = git("rev-parse", "--short=12", "HEAD")
        if head.returncode:
            return "no commit known (not a git checkout)"
        dirty = git("status", "--porcelain", "--untracked-files=no").stdout.strip()
        return f"commit {head.stdout.strip()}" + (" with local changes" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "no commit known (git not found)"


def grading_date():
    """Today (UTC), or the day SOURCE_DATE_EPOCH names, so that a rebuilt gradebook can be byte-identical."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc) if epoch and epoch.isdigit()
              else datetime.datetime.now(datetime.timezone.utc))
    return moment.date().isoformat()


def stamp(settings):
    """One line: the course version, the date and the grader's settings ({name: value})."""
    shown = ", ".join(f"{k} {v}" for k, v in settings.items())
    return f"graded by vae-lesson, {course_version()}, on {grading_date()}; settings: {shown}"


def gradescope_results(learner, stamp_line):
    """Gradescope's results.json for one submission: a test per exercise with its score, max_score and output."""
    tests = []
    for r in learner.results:
        output = "passed" if r.passed else f"[{r.pitfall}] {r.message}" + (f"\nWhy: {r.explanation}"
                                                                           if r.explanation else "")
        if r.override is not None:
            output += f"\nPoints set by your instructor: {r.override.comment}".rstrip(": ")
        tests.append({"name": f"{r.notebook}: {r.exercise}", "score": r.points, "max_score": r.max_points,
                      "status": "passed" if r.passed else "failed", "output": output, "visibility": "visible"})
    notes = "\n".join(f"note: {n}" for n in learner.notes)
    return {"score": learner.points, "output": "\n".join(filter(None, [stamp_line, notes])), "tests": tests}


def write_gradescope(path, learner, stamp_line):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(gradescope_results(learner, stamp_line), indent=2) + "\n", encoding="utf-8")


def write_gradescope_error(path, message):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"score": 0, "output": message, "tests": []}, indent=2) + "\n", encoding="utf-8")


LMS_COLUMNS = {  # the identifying columns each LMS's grade import reads, then the grade
    "canvas": ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"],
    "moodle": ["ID number", "Email address", "Full name"],
}


def lms_rows(kind, learners, roster, column):
    """The rows of a grade import for `kind` (canvas or moodle); learners missing from the roster are named."""
    rows, missing = [LMS_COLUMNS[kind] + [column]], []
    for lr in learners:
        student = roster.get(lr.name)
        if student is None:
            missing.append(lr.name)
            continue
        ids = ([student.name or lr.name, student.id, student.id, student.email, ""] if kind == "canvas"
               else [student.id, student.email, student.name or lr.name])
        rows.append(ids + [fmt_points(lr.points)])
    return rows, missing


def write_lms(path, kind, learners, roster, column):
    rows, missing = lms_rows(kind, learners, roster, column)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return missing


def class_report(learners, exercises, stamp_line, class_notes=()):
    """Markdown: per exercise, how many passed and the most common mistakes; then flags and notes."""
    lines = ["# Class report", "", f"_{stamp_line}_", "", f"{len(learners)} learners.", "",
             "| exercise | passed | mean points | most common mistakes |", "|---|---|---|---|"]
    for exercise in exercises:
        rows = [r for lr in learners for r in lr.results if r.exercise == exercise]
        if not rows:
            continue
        passed = sum(r.passed for r in rows)
        mean = sum(r.points for r in rows) / len(rows)
        common = Counter(r.pitfall for r in rows if not r.passed).most_common(3)
        shown = ", ".join(f"`{p}` ({n})" for p, n in common) or "none"
        lines.append(f"| {exercise} | {passed} of {len(rows)} ({passed / len(rows):.0%}) | "
                     f"{mean:.2f} of {fmt_points(rows[0].max_points)} | {shown} |")
    flagged = [(lr.name, lr.flags) for lr in learners if lr.flags]
    lines += ["", "## Integrity flags", ""]
    lines += [f"- {name}: {', '.join(flags)}" for name, flags in flagged] or [f"None ({', '.join(FLAGS)})."]
    if class_notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in class_notes]
    return "\n".join(lines) + "\n"


def write_written(path, answers):
    """The written answers as an overrides file to fill in: points left blank until graded by hand.
    `answers`: [(learner, question, notebook, max points, text)]."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["learner", "exercise", "points", "comment", "max_points", "notebook", "answer"])
        for learner, question, notebook, max_points, text in answers:
            out.writerow([learner, question, "", "", fmt_points(max_points), notebook, text])
