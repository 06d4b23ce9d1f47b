"""The grading command: both folders, and bad input."""
import json

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from vae_lesson import REPO_ROOT, grade

CHAPTER = "04_kl_divergence.ipynb"  # the quickest chapter with an exercise


def test_solved_chapter_scores_full_marks(data_available, capsys):
    assert grade.main([str(REPO_ROOT / "solutions" / CHAPTER), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["score"] == 1.0 and report["rows"] == [
        {"notebook": CHAPTER, "exercise": "kl_divergence", "passed": True, "pitfall": None}]


def test_fresh_learner_chapter_scores_zero_and_runs_to_the_end(data_available, capsys):
    assert grade.main([str(REPO_ROOT / "notebooks" / CHAPTER)]) == 1
    out = capsys.readouterr().out
    assert "kl_divergence   not-implemented" in out and "score: 0/1 (0%)" in out
    assert "cell" not in out.split("score")[0].split("not-implemented")[1]  # no cell raised an error


def test_a_wrong_answer_is_graded_with_its_pitfall(tmp_path, capsys):
    nb = new_notebook(cells=[new_code_cell(
        "from vae_lesson import check\n"
        "def kl_divergence(mu, logvar):\n    return 0.5 * (1 + logvar - mu**2 - logvar.exp()).sum()\n"
        "check.kl_divergence(kl_divergence)")])
    path = tmp_path / CHAPTER
    nbformat.write(nb, path)
    assert grade.main([str(path), "--json"]) == 1
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert rows == [{"notebook": CHAPTER, "exercise": "kl_divergence", "passed": False, "pitfall": "kl-sign-flipped"}]
    assert nbformat.read(path, as_version=4).cells[0].outputs == []  # the learner's file is left untouched


def test_bad_input_gets_one_line_and_exit_code_2(tmp_path, capsys):
    assert grade.main([str(tmp_path / "missing")]) == 2
    (tmp_path / "notes.txt").write_text("hello")
    assert grade.main([str(tmp_path / "notes.txt")]) == 2
    (tmp_path / "broken.ipynb").write_text("{not json")
    assert grade.main([str(tmp_path / "broken.ipynb")]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 3 and all(line.startswith("error: ") for line in errors)
