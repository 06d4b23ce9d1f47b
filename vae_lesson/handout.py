"""Write what the learners of a graded class get: the course without solutions/, every chapter and check working.

    python -m vae_lesson.handout OUT/

OUT/ holds the learner notebooks, the course's package, requirements.txt, a pyproject.toml that
installs it, a README for learners, and the trained models the chapters load (weights only). The
reference the checks compare with, and that stands in for an unsolved piece, ships compiled to
bytecode without its source or docstrings (vae_lesson/_reference, read by vae_lesson/reference.py),
as do the few modules whose code holds a solution line (COMPILED), beside the digests of their source
that name the cached models. Bytecode loads only in the Python
version that wrote it, so build the handout with the learners' Python (the pyproject says which).
What a learner can still recover from it, and at what effort, is in the README's threat model.
"""
import argparse
import json
import shutil
import sys
from pathlib import Path

from . import REPO_ROOT

SOURCES = REPO_ROOT / "solutions"
REFERENCE = ("__init__.py", "vae.py", "beyond.py")
# Modules of the package the learners' chapters never import, which hold answers: class grading's
# generated learners (right and wrong answers written out) and the benchmarks' reference runs.
LEFT_OUT = {"classroom.py", "bench.py", "gradescope.py"}
# Modules the chapters use whose code holds a line of an exercise's solution, however written (chapter 07's buggy
# models are whole VAEs, each with one bug; the KL's closed form in latent_stats and evidence; the ELBO in
# calibrated; the importance-weighted log-mean-exp in evidence; the summed loss and a training step in train;
# models built of the pieces), and the checks, which compute the right answer and its wrong variants to name a
# mistake: shipped as bytecode, as the reference is (docstrings kept, so that the cached models' names stay the
# same). Paths inside vae_lesson/.
COMPILED = {"autoencoder.py", "buggy.py", "calibrated.py", "complexity.py", "evidence.py", "latent.py",
            "latent_stats.py", "piece_cost.py", "train.py", "grader/check.py", "grader/check_beyond.py",
            "grader/check_elbo.py", "grader/check_modules.py", "grader/check_sampling.py", "grader/check_training.py",
            "grader/check_vae.py", "grader/pitfalls.py"}
LEARNER_README = """# Variational Autoencoders, built step by step

A course of Jupyter notebooks that builds a VAE in PyTorch, one piece per chapter.

    python -m venv .venv && source .venv/bin/activate
    pip install -r requirements.txt
    jupyter lab notebooks/

Start with `notebooks/00_setup.ipynb`. Each exercise is checked the moment you run the cell below it:
the check says PASSED, or names your mistake and why it matters. Until an exercise passes, the
course's own version stands in for it, so every chapter runs to its end. `check.hint("NAME")` gives
a hint, one step at a time.

Your grade comes from your instructor, who reruns the checks on your exercise cells with fresh
inputs: write each answer in its exercise cell, and keep it there.

The datasets (MNIST, Fashion-MNIST) download on first use, or set VAE_LESSON_DATA to a folder that
holds them in torchvision's layout. This handout's compiled parts need Python {python}.
"""


class HandoutError(Exception):
    pass


def sourceless(source, target, name):
    """Write `source` (text or an AST) as a module Python imports without its source: bytecode only."""
    import marshal
    from importlib.util import MAGIC_NUMBER
    target.parent.mkdir(parents=True, exist_ok=True)
    target.with_suffix(".pyc").write_bytes(MAGIC_NUMBER + b"\0" * 12 + marshal.dumps(compile(source, name, "exec")))


def _copy_package(out):
    """The package, with the reference compiled in; {path: source digest} of each file shipped compiled."""
    from .cache import _source_digest, without_docstrings
    digests = {}
    for name in REFERENCE:
        tree = without_docstrings((SOURCES / name).read_text(), compilable=True)
        sourceless(tree, out / "vae_lesson" / "_reference" / name, f"<reference {name}>")
        digests[f"solutions/{name}"] = _source_digest(SOURCES / name)
    for path in sorted((REPO_ROOT / "vae_lesson").rglob("*.py")):
        relative = path.relative_to(REPO_ROOT)
        if path.name in LEFT_OUT or "_reference" in path.parts:
            continue
        if path.relative_to(REPO_ROOT / "vae_lesson").as_posix() in COMPILED:
            sourceless(path.read_text(), out / relative, f"<{relative.as_posix()}>")
            digests[relative.as_posix()] = _source_digest(path)
            continue
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, out / relative)
    return digests


def _pyproject(python):
    source = (REPO_ROOT / "pyproject.toml").read_text()
    packages = '["vae_lesson", "vae_lesson.grader", "vae_lesson._reference"]'
    source = source.replace('packages = ["vae_lesson", "vae_lesson.grader", "solutions"]',
                            f'packages = {packages}\n\n[tool.setuptools.package-data]\n'
                            f'"vae_lesson._reference" = ["*.pyc", "*.json"]')
    source = source.replace('requires-python = ">=3.10"', f'requires-python = "=={python}.*"')
    if "solutions" in source.split("[tool.pytest", 1)[0]:
        raise HandoutError("pyproject.toml names solutions in a way the handout does not know how to drop")
    return source.split("[tool.pytest", 1)[0].rstrip() + "\n"


def build(out):
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise HandoutError(f"{out} is not empty: give a new folder, so that nothing there is overwritten")
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    for path in sorted((REPO_ROOT / "notebooks").glob("*.ipynb")):
        shutil.copy2(path, out / "notebooks" / path.name)
    digests = _copy_package(out)
    (out / "vae_lesson" / "_reference" / "digests.json").write_text(json.dumps(digests, indent=1))
    from .buggy import PITFALL_CHANGES, bug_lines  # chapter 07 shows each bug's lines: recorded, the module compiled
    bugs = {pitfall: bug_lines(pitfall) for pitfall in PITFALL_CHANGES}
    (out / "vae_lesson" / "_reference" / "bugs.json").write_text(json.dumps(bugs, indent=1))
    models = REPO_ROOT / ".cache" / "models"
    for path in sorted(models.glob("*.pt")) if models.is_dir() else []:
        (out / ".cache" / "models").mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, out / ".cache" / "models" / path.name)
    shutil.copy2(REPO_ROOT / "requirements.txt", out / "requirements.txt")
    (out / "pyproject.toml").write_text(_pyproject(python))
    (out / "README.md").write_text(LEARNER_README.format(python=python))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m vae_lesson.handout", description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="a new (or empty) folder for the handout")
    args = parser.parse_args(argv)
    try:
        out = build(args.out)
    except (HandoutError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    files = sum(1 for p in out.rglob("*") if p.is_file())
    print(f"wrote the handout to {out} ({files} files): give learners the folder; grade in the full repository")
    return 0


if __name__ == "__main__":
    sys.exit(main())
