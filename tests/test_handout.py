"""The handout (python -m vae_lesson.handout): the course without solutions/ runs, checks and grades as the full
repository does, and holds no solution to read.

The handout is built once into a temporary folder and used from a Python that sees the installed packages
but not this repository, so that `solutions` cannot be imported there; the learner notebooks are run
there (and only there: they are not among the suite's own test paths).
"""
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.leaks import RUN, exercise_cells, solution_lines, tokens
from vae_lesson import REPO_ROOT, grade, handout
from vae_lesson.cache import cache_dir
from vae_lesson.grader import isolation
from vae_lesson.grader.classroom import SOLVED, set_answer


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    out = tmp_path_factory.mktemp("handout") / "course"
    assert handout.main([str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def python(tmp_path_factory):
    """A Python with this environment's packages but not the repository (whose editable install names it)."""
    env = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    site = next(Path(p) for p in sys.path if p.endswith("site-packages") and Path(p).is_dir())
    (next(env.glob("lib/python*/site-packages")) / "installed.pth").write_text(str(site) + "\n")
    return env / "bin" / "python"


def _run(python, course, *argv, timeout=600):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VAE_LESSON_REFERENCE")}
    env["PYTHONPATH"] = str(course)
    # the repository's cache: the handout names each model as the repository does, so the models the suite
    # trains for solutions/ are loaded here rather than trained twice (cache.py's lock keeps them one)
    env["VAE_LESSON_CACHE"] = str(cache_dir())
    return subprocess.run([str(python), *argv], cwd=course, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_the_handout_has_no_reference_source_and_runs_without_solutions(course, python):
    assert not (course / "solutions").exists() and not list(course.rglob("*.ipynb_checkpoints"))
    assert sorted(p.name for p in (course / "notebooks").iterdir()) == sorted(
        p.name for p in (REPO_ROOT / "notebooks").glob("*.ipynb"))
    probe = _run(python, course, "-c", "import importlib.util as u, vae_lesson.reference as r; "
                                       "print(u.find_spec('solutions'), r.solutions.__name__)")
    assert probe.stdout.split() == ["None", "vae_lesson._reference"], probe.stderr[-2000:]
    assert "packages" in (course / "pyproject.toml").read_text() and "solutions" not in (
        course / "pyproject.toml").read_text()


def test_the_handout_installs_as_its_requirements_say(course, tmp_path):
    """`pip install -r requirements.txt` ends with `-e .`: the handout's pyproject must build, without solutions/."""
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(tmp_path), str(course)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-2000:]
    with zipfile.ZipFile(next(tmp_path.glob("*.whl"))) as wheel:
        names = wheel.namelist()
    assert "vae_lesson/_reference/vae.pyc" in names and not any(n.startswith("solutions/") for n in names)


def _texts(path):
    """The text of a file, or of each member of an archive in it (a tensor's raw storage aside)."""
    data = path.read_bytes()
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.namelist():
                if not re.search(r"/data/\d+$", member):
                    yield f"{path.name}:{member}", archive.read(member).decode("latin-1")
    else:
        yield path.name, data.decode("latin-1")


def test_no_file_of_the_handout_holds_a_solution_line(course):
    """leaks.py's criterion, on every file and archive member: no solution line of RUN or more tokens appears whole
    (a run of RUN tokens alone is too short for a library's text: `kl_divergence(mu, logvar)` is a stub's own
    signature). The notebooks are notebooks/, whose exercise cells tests/test_leaks.py holds to the stricter rule."""
    lines = [line for path in sorted((REPO_ROOT / "solutions").glob("*.ipynb"))
             for source in exercise_cells(path).values() for line in solution_lines(source)]
    long_lines = [tuple(tokens(line)) for line in lines if len(tokens(line)) >= RUN]
    found = []
    for path in sorted(p for p in course.rglob("*") if p.is_file() and p.suffix != ".ipynb"):
        for name, text in _texts(path):
            seen = f" {' '.join(tokens(text))} "
            found += [(name, " ".join(line)) for line in long_lines if f" {' '.join(line)} " in seen]
    assert found == []
    for path in (course / "notebooks").glob("*.ipynb"):
        assert path.read_bytes() == (REPO_ROOT / "notebooks" / path.name).read_bytes()


# Answers as the library writes them, under other names than the solutions' (which the test above catches):
# the KL's closed form, the reparameterized draw, the log-mean-exp of the IWAE bound, the summed loss, the
# Gaussian's normaliser of the ELBO.
ANSWER_FORMS = {
    "kl_divergence": r"1 \+ logvar - mu|logvar\.exp\(\) - 1 - logvar|one \+ log_var - mean",
    "reparameterize": r"\(0\.5 \* logvar[^)]*\)\.exp\(\) \*|exp\(0\.5 \* (logvar|lv)\)",
    "iwae_estimate": r"logsumexp\([^)]*\) - math\.log",
    "vae_loss": r"mse_loss\(x_hat, x, reduction=.sum.\), kl_divergence",
    "elbo_estimate": r"log\(2 \* math\.pi\)",
}


def test_the_handouts_readable_code_writes_no_answer_another_way(course):
    """Python a learner can read in the handout, the checks included, holds no answer rewritten: the modules that
    compute one for a chapter, or to judge one, ship as bytecode (handout.COMPILED)."""
    found = [(path.relative_to(course).as_posix(), exercise) for path in sorted(course.rglob("*.py"))
             for exercise, form in ANSWER_FORMS.items() if re.search(form, path.read_text())]
    assert found == []
    library = "\n".join(p.read_text() for p in (REPO_ROOT / "vae_lesson").rglob("*.py"))
    assert all(re.search(form, library) for form in ANSWER_FORMS.values())  # each form is one the library writes


def test_the_catalogue_gives_the_same_verdicts_through_the_handouts_checks(course, tmp_path):
    """The catalogue in tests/ run with the handout's package and its compiled reference (solutions/ is beside it
    only because the catalogue hands in the reference as one of its right answers)."""
    shutil.copytree(REPO_ROOT / "tests", tmp_path / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "vae_lesson").symlink_to(course / "vae_lesson")
    (tmp_path / "solutions").symlink_to(REPO_ROOT / "solutions")
    env = dict(os.environ, PYTHONPATH=str(tmp_path), VAE_LESSON_REFERENCE="compiled")
    where = subprocess.run([sys.executable, "-c", "import vae_lesson.grader.check as c, vae_lesson.reference as r; "
                            "print(c.__file__, r.solutions.__name__)"], cwd=tmp_path, env=env,
                           capture_output=True, text=True)
    checks, reference = where.stdout.split()
    assert Path(checks).resolve() == (course / "vae_lesson" / "grader" / "check.pyc").resolve()
    assert reference == "vae_lesson._reference"
    ran = subprocess.run([sys.executable, "-m", "pytest", "-q", "-o", "addopts=", "-p", "no:cacheprovider",
                          "-k", "submission", "-W", "ignore", "tests/test_check.py"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert ran.returncode == 0, ran.stdout[-3000:]
    assert int(re.search(r"(\d+) passed", ran.stdout).group(1)) > 400, ran.stdout[-500:]


@pytest.mark.usefixtures("data_available")
def test_every_learner_notebook_runs_to_its_end_in_the_handout(course, python):
    ran = _run(python, course, "-m", "pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider", "-n", "2",
               "--dist", "loadfile", "notebooks/", timeout=1200)
    assert ran.returncode == 0, ran.stdout[-4000:]
    assert f"{len(list((course / 'notebooks').glob('*.ipynb')))} passed" not in ran.stdout  # cells, not files
    assert " passed" in ran.stdout and "failed" not in ran.stdout


@pytest.mark.skipif(bool(isolation.unavailable()), reason=f"no sandbox: {isolation.unavailable()}")
def test_a_handout_notebook_solved_grades_full_and_a_fresh_one_nothing(course, tmp_path, capsys):
    """Learners hand back the handout's notebooks; the instructor grades them in the full repository."""
    for learner in ("fresh", "solved"):
        shutil.copytree(course / "notebooks", tmp_path / "CLASS" / learner)
    for exercise, source in SOLVED.items():  # the solution blocks, copied into the exercise cells
        set_answer(tmp_path / "CLASS" / "solved", exercise, source)
    assert grade.main([str(tmp_path / "CLASS"), "--json"]) == 1
    points = {lr["learner"]: lr["points"] for lr in json.loads(capsys.readouterr().out)["learners"]}
    assert points == {"fresh": 0, "solved": 25}
