"""An instructor's class as LMS downloads and real students make it, graded the way the README walks through.

One grading run of chapters 04 and 07 (an assignment named in a config): renamed files, a nested folder,
a notebook without cell ids and with an extra cell, an answer below the stub, a helper in another cell,
a local variable named `solutions`, a rubric, an override, a written answer graded by hand, a skipped
folder; then every export. Then Gradescope's run_autograder, as Gradescope runs it, on one submission.
"""
import csv
import json
import os
import subprocess
import sys
import zipfile

import nbformat
import pytest

from vae_lesson import REPO_ROOT, grade, gradescope
from vae_lesson.grader.classroom import SOLVED, WRONG, new_learner

KL, PITFALLS_NB = "04_kl_divergence.ipynb", "07_common_pitfalls.ipynb"
NOTEBOOKS = [KL, PITFALLS_NB]
MEAN_KL = "def kl_divergence(mu, logvar):\n    return -0.5 * torch.mean(1 + logvar - mu.pow(2) - logvar.exp())\n"
HELPER_KL = "def kl_divergence(mu, logvar):\n    return terms(mu, logvar).sum()\n"
HELPER = "def terms(mu, logvar):\n    return -0.5 * (1 + logvar - mu.pow(2) - logvar.exp())\n"
LOCAL_NAMED_SOLUTIONS = ("def kl_divergence(mu, logvar):\n"
                         "    solutions = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp())\n"
                         "    return solutions.sum()\n")


def _insert_after(path, cell_id, source):
    nb = nbformat.read(path, as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if c.get("id") == cell_id)
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell(source))
    nbformat.write(nb, path)


def _kl_cell():
    return next(c.get("id") for c in nbformat.read(REPO_ROOT / "notebooks" / KL, as_version=4).cells
                if "def kl_divergence" in c.get("source", ""))


def _make_class(root):
    eve = new_learner(root / "smitheve", {"kl_divergence": SOLVED["kl_divergence"],
                                          "spot_the_bug": SOLVED["spot_the_bug"]}, NOTEBOOKS)
    (eve / KL).rename(eve / f"smitheve_123456_7890123_{KL}")  # as an LMS download names it
    (eve / PITFALLS_NB).rename(eve / "07_common_pitfalls (1).ipynb")
    nb = nbformat.read(eve / "07_common_pitfalls (1).ipynb", as_version=4)
    next(c for c in nb.cells if c.get("id") == "w07a").source = "Mystery B: the loss never fell past epoch 1."
    nbformat.write(nb, eve / "07_common_pitfalls (1).ipynb")

    ned = new_learner(root / "ned" / "notebooks", {"kl_divergence": SOLVED["kl_divergence"]}, [KL])
    nia = new_learner(root / "nia", {"kl_divergence": SOLVED["kl_divergence"]}, [KL])
    nb = nbformat.read(nia / KL, as_version=4)
    for cell in nb.cells:
        cell.pop("id", None)
    nb.cells.insert(1, nbformat.v4.new_code_cell("!pip install torch"))
    nb.nbformat_minor = 4  # ids belong to 4.5 and later: a notebook saved by an older Jupyter
    nbformat.write(nb, nia / KL)

    bo = new_learner(root / "bo", notebooks=[KL])  # the stub kept, the answer in a new cell below it
    _insert_after(bo / KL, _kl_cell(), SOLVED["kl_divergence"])
    hal = new_learner(root / "hal", {"kl_divergence": HELPER_KL}, [KL])
    _insert_after(hal / KL, "c01", HELPER)
    new_learner(root / "mia", {"kl_divergence": MEAN_KL}, [KL])
    new_learner(root / "sol", {"kl_divergence": LOCAL_NAMED_SOLUTIONS}, [KL])
    new_learner(root / "_old-ada", {"kl_divergence": WRONG["kl_divergence"][0]}, [KL])


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("instructor")
    _make_class(root / "CLASS")
    (root / "grading.toml").write_text('[rubric]\n"kl_divergence.mean-reduction" = 0.5\n'
                                       '[assignments]\nweek4 = ["04", "07"]\n[grading]\nwritten = true\n')
    out = root / "out"
    args = [str(root / "CLASS"), "--config", str(root / "grading.toml"), "--assignment", "week4"]
    assert grade.main(args + ["--export-written", str(out / "written.csv"), "--json"]) == 1
    with open(out / "written.csv", newline="") as f:
        written = list(csv.DictReader(f))
    for row in written:  # the instructor grades the written answers in the exported file itself
        row["points"] = "1" if row["learner"] == "smitheve" else ""
    with open(root / "overrides.csv", "w", newline="") as f:
        rows = csv.DictWriter(f, fieldnames=list(written[0]))
        rows.writeheader()
        rows.writerows(written + [{"learner": "hal", "exercise": "kl_divergence", "points": "1",
                                   "comment": "helper in the wrong cell, accepted at half credit"}])
    (root / "roster.csv").write_text("folder,id,name,email\nsmitheve,7890123,Eve Smith,eve@uni.edu\n"
                                     "ned,555,Ned K,ned@uni.edu\n")
    code = grade.main(args + ["--overrides", str(root / "overrides.csv"), "--csv", str(out / "gradebook.csv"),
                              "--report", str(out / "report.md"), "--roster", str(root / "roster.csv"),
                              "--lms", "canvas", "--lms-csv", str(out / "canvas.csv"), "--json"])
    return {"root": root, "out": out, "written": written, "code": code}


def _rows(out):
    with open(out / "gradebook.csv", newline="") as f:
        f.readline()
        return {row["learner"]: row for row in csv.DictReader(f)}


def test_each_learner_is_graded_as_their_files_deserve(graded):
    rows = _rows(graded["out"])
    assert sorted(rows) == ["bo", "hal", "mia", "ned", "nia", "smitheve", "sol"]  # _old-ada skipped, and said
    points = {name: (row["kl_divergence"], row["spot_the_bug"], row["mystery_evidence"], row["total"])
              for name, row in rows.items()}
    assert points == {"smitheve": ("2", "1", "1", "4"), "ned": ("2", "0", "0", "2"), "nia": ("2", "0", "0", "2"),
                      "bo": ("2", "0", "0", "2"), "hal": ("1", "0", "0", "1"), "mia": ("1", "0", "0", "1"),
                      "sol": ("2", "0", "0", "2")}
    assert {row["max_points"] for row in rows.values()} == {"4"}  # 2 + 1 + the written answer's 1


def test_what_was_found_elsewhere_is_said(graded):
    rows = _rows(graded["out"])
    assert f"{KL}: graded smitheve_123456_7890123_{KL}" in rows["smitheve"]["notes"]
    assert f"{KL}: graded notebooks/{KL}" in rows["ned"]["notes"]
    assert f"{PITFALLS_NB}: missing" in rows["ned"]["notes"]
    assert f"{KL}: kl_divergence: your answer was graded from cell" in rows["bo"]["notes"]
    feedback = graded["out"] / "feedback"
    assert "below the exercise cell" in (feedback / "bo.md").read_text()
    hal = (feedback / "hal.md").read_text()
    assert "`terms` is defined in cell" in hal and "set by your instructor: helper in the wrong cell" in hal
    assert "`solutions`" not in (feedback / "sol.md").read_text()
    assert "partial credit by the course's rubric" in (feedback / "mia.md").read_text()


def test_the_report_and_the_lms_import(graded):
    report = (graded["out"] / "report.md").read_text()
    assert "| kl_divergence | 5 of 7 (71%) |" in report and "`mean-reduction` (1)" in report
    assert "folder _old-ada skipped" in report and "settings: " in report and "assignment week4" in report
    canvas = list(csv.reader((graded["out"] / "canvas.csv").open()))
    assert canvas == [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "VAE course"],
                      ["Ned K", "555", "555", "ned@uni.edu", "", "2"],
                      ["Eve Smith", "7890123", "7890123", "eve@uni.edu", "", "4"]]


def test_written_answers_are_exported_with_their_text(graded):
    by_learner = {row["learner"]: row for row in graded["written"]}
    assert by_learner["smitheve"]["answer"] == "Mystery B: the loss never fell past epoch 1."
    assert by_learner["smitheve"]["exercise"] == "mystery_evidence" and by_learner["smitheve"]["max_points"] == "1"
    assert by_learner["ned"]["answer"] == "(no answer found)"


@pytest.mark.skipif(sys.platform != "linux", reason="grading needs Linux")
def test_gradescope_runs_the_autograder_on_one_submission(tmp_path):
    archive = tmp_path / "autograder.zip"
    assert gradescope.main([str(archive)]) == 0
    root = tmp_path / "autograder"
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
        assert "run_autograder" in names and "setup.sh" in names and "solutions/vae.py" in names
        assert not any(n.startswith((".venv/", "my_pieces/")) for n in names)
        z.extractall(root / "source")
    submission = new_learner(root / "submission" / "my-work", {"kl_divergence": SOLVED["kl_divergence"]}, [KL])
    (submission / KL).rename(submission / f"Smith_Eve_{KL}")
    run = subprocess.run(["bash", str(root / "source" / "run_autograder")], capture_output=True, text=True,
                         env={**os.environ, "AUTOGRADER_ROOT": str(root), "PYTHON": sys.executable}, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 2 and "graded by vae-lesson, commit " in results["output"]
    assert [(t["name"], t["score"], t["max_score"]) for t in results["tests"]] == [(f"{KL}: kl_divergence", 2, 2)]
