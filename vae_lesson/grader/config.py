"""The instructor's settings, read from plain files: points, a rubric, assignments, overrides and a roster.

    grading.toml (or .json)           --config
        [points]       vae = 4                  points per exercise (default: the source notebook's)
        [rubric]       "mean-reduction" = 0.5   share of an exercise's points for a named mistake;
                       "sample.wrong-shape" = 0.5   "exercise.pitfall" for one exercise only
        [assignments]  week1 = ["01", "02", "03", "04"]   chapters graded by --assignment week1
        [grading]      written = true           grade the written answers too (points by hand: overrides)
    overrides.csv                     --overrides: learner,exercise,points,comment
    roster.csv                        --roster: folder,id[,name][,email]

Every file is read on every run, so a regrade never loses a decision made by hand.
"""
import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from .collect import BadInput


@dataclass
class Settings:
    points: dict = field(default_factory=dict)       # {exercise: points}
    rubric: dict = field(default_factory=dict)       # {"pitfall" or "exercise.pitfall": share in [0, 1]}
    assignments: dict = field(default_factory=dict)  # {name: "01,02,..."}
    written: bool = False

    def credit(self, exercise, pitfall):
        """The share of an exercise's points a failed attempt with `pitfall` earns (0 unless the rubric says)."""
        if pitfall is None:
            return 0.0
        return self.rubric.get(f"{exercise}.{pitfall}", self.rubric.get(pitfall, 0.0))


def _load(path):
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise BadInput(f"{path}: cannot read ({error.strerror})") from None
    try:
        if str(path).endswith(".json"):
            return json.loads(text)
        import tomllib  # Python 3.11+
        return tomllib.loads(text)
    except ImportError:
        raise BadInput(f"{path}: TOML needs Python 3.11 or newer; write the same settings as JSON") from None
    except ValueError as error:  # json.JSONDecodeError and tomllib.TOMLDecodeError are ValueErrors
        raise BadInput(f"{path}: not valid {'JSON' if str(path).endswith('.json') else 'TOML'}: {error}") from None


def _number(value, where, low=0.0, high=None):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low or (high and value > high):
        limit = f"between {low:g} and {high:g}" if high else f"at least {low:g}"
        raise BadInput(f"{where}: {value!r} is not a number {limit}")
    return value


def read_settings(path, exercises, pitfalls):
    """Settings from a TOML or JSON file; every name checked against the course's exercises and pitfall ids."""
    if path is None:
        return Settings()
    raw = _load(path)
    unknown = set(raw) - {"points", "rubric", "assignments", "grading"}
    if unknown:
        raise BadInput(f"{path}: unknown section(s) {', '.join(sorted(unknown))} (known: points, rubric, "
                       "assignments, grading)")
    settings = Settings()
    for exercise, points in raw.get("points", {}).items():
        if exercise not in exercises:
            raise BadInput(f"{path}: [points] names {exercise!r}, not an exercise ({', '.join(exercises)})")
        settings.points[exercise] = _number(points, f"{path}: [points] {exercise}")
    for key, share in raw.get("rubric", {}).items():
        exercise, _, pitfall = key.rpartition(".")
        if pitfall not in pitfalls or (exercise and exercise not in exercises):
            raise BadInput(f"{path}: [rubric] {key!r} is not a pitfall id, nor exercise.pitfall")
        settings.rubric[key] = _number(share, f"{path}: [rubric] {key}", 0.0, 1.0)
    for name, chapters in raw.get("assignments", {}).items():
        if isinstance(chapters, str):
            chapters = [chapters]
        if not isinstance(chapters, list) or not all(isinstance(c, (str, int)) for c in chapters):
            raise BadInput(f"{path}: [assignments] {name} must list chapters, e.g. [\"01\", \"02\"]")
        settings.assignments[name] = ",".join(f"{int(c):02d}" if str(c).isdigit() else str(c) for c in chapters)
    settings.written = bool(raw.get("grading", {}).get("written", False))
    return settings


@dataclass
class Override:
    points: float
    comment: str


def _rows(path, needed):
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except OSError as error:
        raise BadInput(f"{path}: cannot read ({error.strerror})") from None
    if rows and not set(needed) <= set(rows[0]):
        raise BadInput(f"{path}: needs the columns {', '.join(needed)} (found {', '.join(rows[0])})")
    return rows


def read_overrides(path, exercises):
    """{(learner, exercise): Override} from a CSV with columns learner, exercise, points, comment."""
    if path is None:
        return {}
    overrides = {}
    for n, row in enumerate(_rows(path, ["learner", "exercise", "points"]), start=2):
        if row["exercise"] not in exercises:
            raise BadInput(f"{path}, line {n}: {row['exercise']!r} is not an exercise or written answer")
        try:
            points = float(row["points"])
        except (TypeError, ValueError):
            if not (row["points"] or "").strip():
                continue  # a written answer not graded yet
            raise BadInput(f"{path}, line {n}: points {row['points']!r} is not a number") from None
        overrides[(row["learner"], row["exercise"])] = Override(_number(points, f"{path}, line {n}"),
                                                                (row.get("comment") or "").strip())
    return overrides


@dataclass
class Student:
    id: str
    name: str = ""
    email: str = ""


def read_roster(path):
    """{folder name: Student} from a CSV with columns folder, id and optionally name, email."""
    if path is None:
        return {}
    return {row["folder"]: Student(row["id"], row.get("name") or "", row.get("email") or "")
            for row in _rows(path, ["folder", "id"])}
