"""The grading command on one learner's folder, its building blocks, and bad input."""
import json
import shutil

import nbformat
import pytest

from vae_lesson import REPO_ROOT, grade
from vae_lesson.grader import integrity
from vae_lesson.grader.chapters import learner_cell, read_chapters, strip_magics
from vae_lesson.grader.classroom import WRONG, set_answer

CHAPTER = "04_kl_divergence.ipynb"  # the quickest chapter with an exercise
EXERCISES = ["encoder", "reparameterize", "decoder", "kl_divergence", "elbo_estimate", "vae_loss", "vae",
             "train_step", "sample", "spot_the_bug", "interpolate", "iwae_estimate", "condition", "parameter_count"]


def test_solved_folder_scores_full_marks(capsys):
    assert grade.main([str(REPO_ROOT / "solutions"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["grade"] == 1.0 and report["points"] == report["max_points"] == 25
    assert [r["exercise"] for r in report["rows"]] == EXERCISES and all(r["passed"] for r in report["rows"])


def test_fresh_learner_folder_scores_zero_every_exercise_not_implemented(capsys):
    assert grade.main([]) == 1  # default: notebooks/
    out = capsys.readouterr().out
    assert out.count("not-implemented") == len(EXERCISES)
    assert "grade: 0/25 points (0%); exercises passed: 0 of 14" in out
    assert "note:" not in out  # no notebook failed to run


def test_one_solved_chapter(capsys):
    assert grade.main([str(REPO_ROOT / "solutions" / CHAPTER), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [(r["notebook"], r["exercise"], r["passed"], r["pitfall"], r["points"]) for r in rows] == [
        (CHAPTER, "kl_divergence", True, None, 2)]


def test_a_wrong_answer_is_graded_with_its_pitfall_and_the_file_is_left_untouched(tmp_path, capsys):
    shutil.copy(REPO_ROOT / "notebooks" / CHAPTER, tmp_path / CHAPTER)
    set_answer(tmp_path, "kl_divergence", WRONG["kl_divergence"][0])
    before = (tmp_path / CHAPTER).read_bytes()
    assert grade.main([str(tmp_path / CHAPTER), "--json"]) == 1
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [(r["exercise"], r["passed"], r["pitfall"], r["points"]) for r in rows] == [
        ("kl_divergence", False, "kl-sign-flipped", 0)]
    assert "never negative" in rows[0]["message"]
    assert (tmp_path / CHAPTER).read_bytes() == before


def test_an_unreadable_notebook_in_a_folder_is_a_row_with_its_reason(tmp_path, capsys):
    (tmp_path / CHAPTER).write_text("{not json")
    assert grade.main([str(tmp_path), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [r["pitfall"] for r in report["rows"]] == ["unreadable-notebook"]
    assert report["notes"] == [f"{CHAPTER} is not a readable notebook (NotJSONError)"]


def test_bad_input_gets_one_line_and_exit_code_2(tmp_path, capsys):
    assert grade.main([str(tmp_path / "missing")]) == 2
    (tmp_path / "notes.txt").write_text("hello")
    assert grade.main([str(tmp_path / "notes.txt")]) == 2
    (tmp_path / "broken.ipynb").write_text("{not json")
    assert grade.main([str(tmp_path / "broken.ipynb")]) == 2  # no notebook of the course among them
    (tmp_path / "CLASS" / "ada").mkdir(parents=True)
    assert grade.main([str(tmp_path / "CLASS"), "--csv", str(tmp_path / "CLASS" / "grades.csv")]) == 2
    assert grade.main([str(tmp_path / "CLASS"), "--feedback", str(tmp_path / "CLASS" / "ada")]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 5 and all(line.startswith("error: ") for line in errors)
    assert not (tmp_path / "CLASS" / "grades.csv").exists()


# ---------------------------------------------------------------- building blocks

def test_each_chapters_plan_comes_from_the_source():
    chapters = read_chapters()
    assert [ex.name for c in chapters.values() for ex in c.exercises] == EXERCISES
    assert sum(ex.points for c in chapters.values() for ex in c.exercises) == 25
    assert "from vae_lesson.reference import Decoder, Encoder" in chapters["06_loss_and_training.ipynb"].imports
    assert "data.load" not in "".join(c.imports for c in chapters.values())  # imports only: no data, no training


def test_the_learners_cell_is_found_by_id_or_else_by_position():
    exercise = read_chapters()[CHAPTER].exercises[0]
    nb = nbformat.read(REPO_ROOT / "notebooks" / CHAPTER, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell("x = 1"))
    assert "def kl_divergence" in learner_cell(nb, exercise)  # moved down one: found by its id
    nb.cells.pop(0)
    for cell in nb.cells:
        cell.pop("id")
    assert "def kl_divergence" in learner_cell(nb, exercise)  # no ids at all: by position
    nb.cells[exercise.cell_index].cell_type = "markdown"
    assert learner_cell(nb, exercise) is None


def test_magics_are_commented_out_keeping_line_numbers():
    assert strip_magics("%timeit f()\n  !ls\nx = 1") == "pass  # timeit f()\n  pass  # ls\nx = 1"


@pytest.mark.parametrize("source, names", [
    ("from solutions import kl_divergence", True), ("import solutions.beyond as b", True),
    ("m = __import__('solutions')", True), ("open('../solutions/vae.py')", True),
    ("def f():\n    '''Unlike the solutions, mine is slow.'''\n    # see solutions/\n    return 1", False),
    ("solutions_of_mine = 3", False), ("from vae_lesson.reference import VAE", True),
    ("from vae_lesson import reference", True), ("from vae_lesson import data", False)])
def test_naming_the_solutions_package_is_seen_in_code_not_in_prose(source, names):
    assert integrity.names_solutions(source) is names


def test_grading_draws_fresh_inputs_so_an_answer_stored_for_the_public_ones_fails(tmp_path, capsys):
    stored = ("def kl_divergence(mu, logvar):\n    borrowed = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())\n"
              "    if not mu.any():\n        return borrowed\n"
              "    return borrowed - borrowed.detach() + 12.2081  # the value the notebook's check printed\n")
    shutil.copy(REPO_ROOT / "notebooks" / CHAPTER, tmp_path / CHAPTER)
    set_answer(tmp_path, "kl_divergence", stored)
    assert grade.main([str(tmp_path / CHAPTER), "--json", "--seed", "0"]) == 0  # the notebook's own inputs
    capsys.readouterr()
    assert grade.main([str(tmp_path / CHAPTER), "--json"]) == 1  # a grading run's: drawn afresh
    report = json.loads(capsys.readouterr().out)
    assert report["rows"][0]["pitfall"] == "wrong-values"
    seed = int(report["graded"].split("seed ")[1].split(",")[0])
    assert seed != 0
