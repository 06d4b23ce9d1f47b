"""A class's grades: one learner's results per exercise, shown as a table, a CSV row, a feedback file, or JSON."""
import csv
from dataclasses import asdict, dataclass, field


@dataclass
class Result:
    """One exercise of one learner."""
    notebook: str
    exercise: str
    passed: bool
    pitfall: str | None
    message: str
    max_points: int
    explanation: str = ""

    @property
    def points(self):
        return self.max_points if self.passed else 0


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

    def as_json(self):
        total = len(self.results)
        rows = [{**{k: v for k, v in asdict(r).items() if k != "explanation"}, "points": r.points}
                for r in self.results]
        return {"learner": self.name, "rows": rows, "notes": self.notes, "passed": self.passed, "total": total,
                "score": self.passed / total if total else 1.0, "points": self.points, "max_points": self.max_points}


def _cell(text):
    """A CSV cell a spreadsheet will not run as a formula (a folder may be named '=cmd|...')."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def write_csv(path, learners, exercises):
    """One row per learner: name, points per exercise, total, and why a notebook could not be graded."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["learner", *exercises, "total", "notes"])
        for learner in learners:
            points = {r.exercise: r.points for r in learner.results}
            out.writerow([_cell(learner.name), *(points.get(e, 0) for e in exercises), learner.points,
                          _cell("; ".join(learner.notes))])


def feedback_text(learner):
    lines = [f"# Feedback for {learner.name}", "",
             f"{learner.points} of {learner.max_points} points; {learner.passed} of {len(learner.results)} "
             "exercises passed.", ""]
    if learner.notes:
        lines += ["## Notebooks that could not be graded in full", ""]
        lines += [f"- {note}" for note in learner.notes] + [""]
    failed = [r for r in learner.results if not r.passed]
    if failed:
        lines += ["## Exercises to fix", ""]
    for r in failed:
        lines += [f"### {r.exercise} ({r.notebook}, 0 of {r.max_points} points)", "", f"Pitfall: `{r.pitfall}`", "",
                  "```text", r.message.replace("```", "'''"), "```", ""]
        if r.explanation:
            lines += [f"Why: {r.explanation}", ""]
    passed = [r.exercise for r in learner.results if r.passed]
    if passed:
        lines += ["## Passed", "", ", ".join(passed), ""]
    return "\n".join(lines)


def write_feedback(folder, learners):
    folder.mkdir(parents=True, exist_ok=True)
    for learner in learners:
        (folder / f"{learner.name}.md").write_text(feedback_text(learner), encoding="utf-8")


def learner_table(learner):
    width = max([len(r.notebook) for r in learner.results] + [8])
    lines = [f"{'notebook':<{width}}  {'exercise':<15} {'points':<7} result"]
    lines += [f"{r.notebook:<{width}}  {r.exercise:<15} {f'{r.points}/{r.max_points}':<7} "
              f"{'passed' if r.passed else r.pitfall}" for r in learner.results]
    lines += [f"note: {note}" for note in learner.notes]
    total = len(learner.results)
    lines.append(f"score: {learner.passed}/{total} ({learner.passed / total if total else 1:.0%}), "
                 f"points: {learner.points}/{learner.max_points}")
    return "\n".join(lines)


def class_table(learners, exercises):
    """Points per exercise, one row per learner; notes below the table."""
    name_width = max([len(lr.name) for lr in learners] + [7])
    widths = [max(len(e), 3) for e in exercises]
    head = [f"{'learner':<{name_width}}", *(f"{e:>{w}}" for e, w in zip(exercises, widths)), "   total"]
    lines = ["  ".join(head)]
    for lr in learners:
        points = {r.exercise: r.points for r in lr.results}
        row = [f"{lr.name:<{name_width}}", *(f"{points.get(e, 0):>{w}}" for e, w in zip(exercises, widths)),
               f"{lr.points:>5}/{lr.max_points}"]
        lines.append("  ".join(row))
    lines += [f"{lr.name}: {note}" for lr in learners for note in lr.notes]
    return "\n".join(lines)
