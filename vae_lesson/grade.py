"""Grade learner notebooks against solutions/: run each one headless and collect its check results.

    python -m vae_lesson.grade [PATHS...] [--json]      (default: notebooks/)

Exit code: 0 when every exercise passes, 1 when some do not, 2 on bad input.
A notebook is run on a copy, so the learner's file is never touched.
"""
import argparse
import json
import sys
from pathlib import Path

import nbformat

from . import REPO_ROOT
from .build import execute
from .grader.result import MIME_TYPE


class BadInput(Exception):
    pass


def notebook_paths(paths):
    found = []
    for p in map(Path, paths):
        if p.is_dir():
            found += sorted(q for q in p.glob("*.ipynb"))
        elif p.is_file() and p.suffix == ".ipynb":
            found.append(p)
        elif not p.exists():
            raise BadInput(f"{p}: no such file or folder")
        else:
            raise BadInput(f"{p}: not a notebook (.ipynb) or a folder of notebooks")
    return found


def check_records(nb):
    """The check results a notebook displayed, in order."""
    return [out["data"][MIME_TYPE] for cell in nb.cells if cell.cell_type == "code"
            for out in cell.get("outputs", []) if MIME_TYPE in out.get("data", {})]


def expected_exercises(path):
    """The exercises of a notebook: those its solved twin in solutions/ checks."""
    solved = REPO_ROOT / "solutions" / path.name
    if not solved.exists():
        return []
    return [r["exercise"] for r in check_records(nbformat.read(solved, as_version=4))]


def run_notebook(path, timeout=600):
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as error:
        raise BadInput(f"{path}: cannot be read as a notebook ({type(error).__name__})") from None
    execute(nb, path.parent, allow_errors=True, timeout=timeout)
    errors = [f"cell {i}: {out['ename']}: {out['evalue']}" for i, cell in enumerate(nb.cells)
              for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    return check_records(nb), errors


def grade(path):
    records, errors = run_notebook(path)
    got = {r["exercise"]: r for r in records}  # a check run twice counts by its last run
    rows = [{"notebook": path.name, "exercise": name, "passed": got.get(name, {}).get("passed", False),
             "pitfall": got[name]["pitfall"] if name in got else "missing (its check cell did not run)"}
            for name in expected_exercises(path) or list(got)]
    return rows, errors


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m vae_lesson.grade", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=[str(REPO_ROOT / "notebooks")])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    try:
        paths = notebook_paths(args.paths)
        if not paths:
            raise BadInput(f"no notebooks found in {' '.join(args.paths)}")
        results = {p.name: grade(p) for p in paths}
    except BadInput as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    rows = [row for r, _ in results.values() for row in r]
    passed = sum(r["passed"] for r in rows)
    score = passed / len(rows) if rows else 1.0
    if args.json:
        print(json.dumps({"rows": rows, "errors": {k: e for k, (_, e) in results.items() if e},
                          "passed": passed, "total": len(rows), "score": score}, indent=2))
    else:
        width = max([len(r["notebook"]) for r in rows] + [8])
        print(f"{'notebook':<{width}}  {'exercise':<15} result")
        for r in rows:
            print(f"{r['notebook']:<{width}}  {r['exercise']:<15} {'passed' if r['passed'] else r['pitfall']}")
        for name, (_, errors) in results.items():
            for e in errors:
                print(f"{name}: {e}")
        print(f"score: {passed}/{len(rows)} ({score:.0%})")
    return 0 if passed == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
