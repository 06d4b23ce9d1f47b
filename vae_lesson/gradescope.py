"""Build a Gradescope autograder: the course (solutions/ included) zipped with Gradescope's two scripts.

    python -m vae_lesson.gradescope autograder.zip

Upload the zip as a programming assignment's autograder ("Ubuntu" base image). Gradescope runs
setup.sh once, then run_autograder for each submission: the learner's notebooks are graded with
`python -m vae_lesson.grade /autograder/submission --gradescope /autograder/results/results.json`,
one test per exercise with its score, maximum and the check's message. Set the assignment's points
to 25 (or to what your config gives). The files zipped are those git tracks, so nothing local leaks in.
"""
import argparse
import subprocess
import sys
import zipfile
from pathlib import Path

from . import REPO_ROOT
from .grader.exports import course_version

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once when the autograder is built.
set -euo pipefail
apt-get update -qq && apt-get install -y -qq python3 python3-pip python3-venv >/dev/null
python3 -m venv /autograder/venv
cd /autograder/source
PIP_CONFIG_FILE=/dev/null /autograder/venv/bin/pip install --quiet -r requirements.txt
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for each submission; the learner's files are in $ROOT/submission.
# AUTOGRADER_ROOT and PYTHON are for trying it outside Gradescope.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${PYTHON:-$ROOT/venv/bin/python}"
mkdir -p "$ROOT/results"
rm -f "$ROOT/results/results.json"
cd "$ROOT/source"
"$PYTHON" -m vae_lesson.grade "$ROOT/submission" --one-learner --gradescope "$ROOT/results/results.json" \\
  ${VAE_LESSON_GRADE_ARGS:-} > "$ROOT/results/grade.log" 2>&1
code=$?
cat "$ROOT/results/grade.log"
if [ ! -s "$ROOT/results/results.json" ]; then  # the grader itself failed: say so where Gradescope looks
  "$PYTHON" -c 'import json, sys; print(json.dumps({"score": 0, "tests": [], "output": "The autograder failed:\\n"
    + open(sys.argv[1], errors="replace").read()[-3000:]}))' "$ROOT/results/grade.log" > "$ROOT/results/results.json"
  exit 1
fi
[ "$code" -le 1 ]  # 1 means some exercise failed: a grade, not an error
"""


def tracked_files():
    out = subprocess.run(["git", "-C", str(REPO_ROOT), "ls-files", "-z"], capture_output=True, check=True)
    return [name for name in out.stdout.decode().split("\0") if name and (REPO_ROOT / name).is_file()]


def build(path):
    """Write the autograder zip: setup.sh and run_autograder at its root, the course beside them."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (("setup.sh", SETUP), ("run_autograder", RUN)):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16  # executable
            archive.writestr(info, text)
        archive.writestr("COURSE_VERSION", course_version() + "\n")  # no git in the autograder's copy
        for name in tracked_files():
            archive.write(REPO_ROOT / name, name)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m vae_lesson.gradescope", description=__doc__.splitlines()[0])
    parser.add_argument("zip", type=Path, help="where to write the autograder, e.g. autograder.zip")
    args = parser.parse_args(argv)
    try:
        build(args.zip)
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"error: cannot build {args.zip}: {error}", file=sys.stderr)
        return 2
    print(f"wrote {args.zip}: upload it as the assignment's autograder")
    return 0


if __name__ == "__main__":
    sys.exit(main())
