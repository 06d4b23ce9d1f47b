"""A class's grades: one learner's results per exercise, shown as a table, a CSV row, a feedback file, or JSON.

The grade is the points: an exercise earns all its points when its check passes, a share set by the
instructor's rubric for a named mistake, or what an override file says (see config.py). How many
exercises passed is shown beside it, never as the grade.
"""
import csv
from dataclasses import dataclass, field

# Verdicts about the grading itself rather than the code's quality: shown wherever a grade is.
FLAGS = ("reference-submitted", "grader-tampered", "too-slow", "kernel-died")


def fmt_points(value):
    return f"{value:g}"


def plural(value, word):
    return f"{fmt_points(value)} {word}{'' if value == 1 else 's'}"


@dataclass
class Result:
    """One exercise of one learner."""
    notebook: str
    exercise: str
    passed: bool
    pitfall: str | None
    message: str
    max_points: float
    explanation: str = ""
    credit: float = 0.0        # the rubric's share of the points for this mistake
    override: object = None    # config.Override: points set by hand, kept across reruns

    @property
    def points(self):
        if self.override is not None:
            return self.override.points
        return self.max_points if self.passed else round(self.max_points * self.credit, 4)

    def as_json(self):
        return {"notebook": self.notebook, "exercise": self.exercise, "passed": self.passed, "pitfall": self.pitfall,
                "message": self.message, "points": self.points, "max_points": self.max_points,
                "override": self.override and self.override.comment}


@dataclass
class Learner:
    name: str
    results: list = field(default_factory=list)
    notes: list = field(default_factory=list)  # "<notebook>: why it could not be graded (fully)"

    @property
    def points(self):
        return sum(r.points for r in self.results)

    @property
    def max_points(self):
        return sum(r.max_points for r in self.results)

    @property
    def passed(self):
        return sum(r.passed for r in self.results)

    @property
    def grade(self):
        """The grade: points earned over points possible."""
        return self.points / self.max_points if self.max_points else 1.0

    @property
    def flags(self):
        return [f for f in FLAGS if any(r.pitfall == f for r in self.results)]

    def as_json(self):
        return {"learner": self.name, "points": self.points, "max_points": self.max_points,
                "grade": round(self.grade, 4), "exercises_passed": self.passed, "exercises": len(self.results),
                "flags": self.flags, "rows": [r.as_json() for r in self.results], "notes": self.notes}


def _cell(text):
    """A CSV cell a spreadsheet will not run as a formula (a folder may be named '=cmd|...')."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def write_csv(path, learners, exercises, stamp):
    """A first line `# stamp`, then one row per learner: name, points per exercise, total, the points possible,
    integrity flags, and notes (why a notebook could not be graded, files found and not used)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        f.write(f"# {stamp}\n")
        out = csv.writer(f)
        out.writerow(["learner", *exercises, "total", "max_points", "flags", "notes"])
        for learner in learners:
            points = {r.exercise: r.points for r in learner.results}
            out.writerow([_cell(learner.name), *(fmt_points(points.get(e, 0)) for e in exercises),
                          fmt_points(learner.points), fmt_points(learner.max_points), " ".join(learner.flags),
                          _cell("; ".join(learner.notes))])


def _scored(r):
    """How an exercise's points came about, for the feedback's heading."""
    if r.override is not None:
        how = f"set by your instructor{': ' + r.override.comment if r.override.comment else ''}"
    elif r.points:
        how = "partial credit by the course's rubric for this mistake"
    else:
        how = "all or nothing: the points come when the check passes"
    return f"{fmt_points(r.points)} of {plural(r.max_points, 'point')}; {how}"


def feedback_text(learner, stamp):
    lines = [f"# Feedback for {learner.name}", "", f"Grade: {fmt_points(learner.points)} of "
             f"{plural(learner.max_points, 'point')} ({learner.passed} of {len(learner.results)} exercises "
             "passed).", "", f"_{stamp}_", ""]
    if learner.flags:
        lines += [f"Flagged: {', '.join(learner.flags)} (see below).", ""]
    if learner.notes:
        lines += ["## Notebooks that could not be graded in full", ""]
        lines += [f"- {note}" for note in learner.notes] + [""]
    failed = [r for r in learner.results if not r.passed]
    if failed:
        lines += ["## Exercises to fix", ""]
    for r in failed:
        lines += [f"### {r.exercise} ({r.notebook}, {_scored(r)})", "", f"Pitfall: `{r.pitfall}`", "",
                  "```text", r.message.replace("```", "'''"), "```", ""]
        if r.explanation:
            lines += [f"Why: {r.explanation}", ""]
    passed = [r for r in learner.results if r.passed]
    if passed:
        lines += ["## Passed", "", ", ".join(r.exercise for r in passed), ""]
    lines += [f"- {r.exercise}: {_scored(r)}" for r in passed if r.override is not None]
    return "\n".join(lines)


def write_feedback(folder, learners, stamp):
    folder.mkdir(parents=True, exist_ok=True)
    for learner in learners:
        (folder / f"{learner.name}.md").write_text(feedback_text(learner, stamp), encoding="utf-8")


def learner_table(learner):
    width = max([len(r.notebook) for r in learner.results] + [8])
    lines = [f"{'notebook':<{width}}  {'exercise':<15} {'points':<7} result"]
    lines += [f"{r.notebook:<{width}}  {r.exercise:<15} {f'{fmt_points(r.points)}/{fmt_points(r.max_points)}':<7} "
              f"{'passed' if r.passed else r.pitfall}" for r in learner.results]
    lines += [f"note: {note}" for note in learner.notes]
    lines += [f"flagged: {', '.join(learner.flags)}"] if learner.flags else []
    lines.append(f"grade: {fmt_points(learner.points)}/{fmt_points(learner.max_points)} points "
                 f"({learner.grade:.0%}); exercises passed: {learner.passed} of {len(learner.results)}")
    return "\n".join(lines)


def class_table(learners, exercises):
    """Points per exercise, one row per learner; notes below the table."""
    name_width = max([len(lr.name) for lr in learners] + [7])
    widths = [max(len(e), 3) for e in exercises]
    head = [f"{'learner':<{name_width}}", *(f"{e:>{w}}" for e, w in zip(exercises, widths)), "   total", "flags"]
    lines = ["  ".join(head)]
    for lr in learners:
        points = {r.exercise: r.points for r in lr.results}
        row = [f"{lr.name:<{name_width}}",
               *(f"{fmt_points(points.get(e, 0)):>{w}}" for e, w in zip(exercises, widths)),
               f"{fmt_points(lr.points):>5}/{fmt_points(lr.max_points)}", " ".join(lr.flags)]
        lines.append("  ".join(row).rstrip())
    lines += [f"{lr.name}: {note}" for lr in learners for note in lr.notes]
    return "\n".join(lines)
