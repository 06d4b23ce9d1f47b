"""The instructor's side of grading without running a notebook: collection, settings, and what is written out."""
import csv
import json
import os
import time

import nbformat
import pytest

from vae_lesson import REPO_ROOT, grade
from vae_lesson.grader import exports
from vae_lesson.grader.chapters import find_answer, read_chapters
from vae_lesson.grader.collect import BadInput, find_learners, parse_chapters
from vae_lesson.grader.config import Override, read_overrides, read_roster, read_settings
from vae_lesson.grader.gradebook import Learner, Result, class_table, feedback_text, learner_table, write_csv

CHAPTERS = read_chapters()
EXERCISES = [ex.name for c in CHAPTERS.values() for ex in c.exercises]
KL = "04_kl_divergence.ipynb"


def _touch(path, text="{}"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# ---------------------------------------------------------------- collection

def test_lms_names_copies_and_a_nested_folder_are_matched_by_chapter_number(tmp_path):
    eve = tmp_path / "CLASS" / "smitheve"
    _touch(eve / "smitheve_123456_7890123_01_encoder.ipynb")
    _touch(eve / "04_kl_divergence (1).ipynb")
    _touch(eve / "notes.ipynb")
    _touch(eve / "00_setup.ipynb")  # a chapter without an exercise: not graded, nothing to say
    _touch(eve / "06b_deep_dive_evidence.ipynb")  # nor a deep-dive (none has an exercise)
    _touch(eve / "06b_deep_dive_evidence (1).ipynb")
    _touch(tmp_path / "CLASS" / "ned" / "notebooks" / "03_decoder.ipynb")
    learners, is_class, _, notes = find_learners([tmp_path / "CLASS"], CHAPTERS)
    assert is_class and notes == [] and [s.name for s in learners] == ["ned", "smitheve"]
    ned, smith = learners
    assert list(ned.notebooks) == ["03_decoder.ipynb"]
    assert ned.notes == ["03_decoder.ipynb: graded notebooks/03_decoder.ipynb"]
    assert list(smith.notebooks) == ["01_encoder.ipynb", KL]
    assert smith.notes == ["01_encoder.ipynb: graded smitheve_123456_7890123_01_encoder.ipynb",
                           f"{KL}: graded 04_kl_divergence (1).ipynb",
                           "not a notebook of the course by its name, not used: notes.ipynb"]


def test_of_two_copies_the_course_name_then_the_newest_is_graded_and_the_other_named(tmp_path):
    old = _touch(tmp_path / "ada" / "04_kl_divergence-1.ipynb")
    new = _touch(tmp_path / "ada" / "04_kl_divergence-2.ipynb")
    os.utime(old, (time.time() - 100, time.time() - 100))
    [ada], _, _, _ = find_learners([tmp_path / "ada"], CHAPTERS)
    assert ada.notebooks[KL] == new and f"{KL}: also found 04_kl_divergence-1.ipynb, not used (graded " \
        "04_kl_divergence-2.ipynb)" in ada.notes
    exact = _touch(tmp_path / "ada" / KL)
    [ada], _, _, _ = find_learners([tmp_path / "ada"], CHAPTERS)
    assert ada.notebooks[KL] == exact and sum("not used" in n for n in ada.notes) == 2


def test_hidden_and_underscore_folders_are_named_not_dropped(tmp_path):
    for name in ("ada", "_old", ".trash"):
        _touch(tmp_path / "CLASS" / name / KL)
    learners, _, _, notes = find_learners([tmp_path / "CLASS"], CHAPTERS)
    assert [s.name for s in learners] == ["ada"]
    assert [n.split(" skipped")[0] for n in notes] == ["folder .trash", "folder _old"]


def test_files_of_two_folders_are_refused_rather_than_graded_as_one_learner(tmp_path):
    a, b = _touch(tmp_path / "A" / "01_encoder.ipynb"), _touch(tmp_path / "B" / "02_reparameterization.ipynb")
    with pytest.raises(BadInput, match="come from 2 folders"):
        find_learners([a, b], CHAPTERS)
    [one], is_class, _, _ = find_learners([a, _touch(tmp_path / "A" / KL)], CHAPTERS)
    assert not is_class and one.name == "A" and list(one.notebooks) == ["01_encoder.ipynb", KL]


def test_a_pattern_of_ones_own_and_a_bad_one(tmp_path):
    _touch(tmp_path / "ada" / "week4-ch04.ipynb")
    [ada], _, _, _ = find_learners([tmp_path / "ada"], CHAPTERS, r"ch(?P<chapter>\d\d)\.ipynb$")
    assert list(ada.notebooks) == [KL]
    for bad in (r"ch(\d\d)", r"ch(?P<chapter>"):
        with pytest.raises(BadInput, match="--pattern"):
            find_learners([tmp_path / "ada"], CHAPTERS, bad)


def test_chapters_are_chosen_by_range_or_list():
    assert list(parse_chapters("01-04", CHAPTERS)) == ["01_encoder.ipynb", "02_reparameterization.ipynb",
                                                       "03_decoder.ipynb", KL]
    assert list(parse_chapters("6, 11", CHAPTERS)) == ["06_loss_and_training.ipynb", "11_complexity.ipynb"]
    for bad in ("00", "1-x", ""):
        with pytest.raises(BadInput):
            parse_chapters(bad, CHAPTERS)


def test_the_exercise_cell_is_found_without_ids_behind_an_inserted_cell_and_below_the_stub():
    exercise = CHAPTERS[KL].exercises[0]
    nb = nbformat.read(REPO_ROOT / "notebooks" / KL, as_version=4)
    stub = find_answer(nb, exercise)[0]
    for cell in nb.cells:
        cell.pop("id")
    nb.cells.insert(1, nbformat.v4.new_code_cell("!pip install torch"))
    assert find_answer(nb, exercise) == (stub, None)
    index = next(i for i, c in enumerate(nb.cells) if c.source == stub)
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell("def kl_divergence(mu, logvar):\n    return 0"))
    source, note = find_answer(nb, exercise)
    assert source.endswith("return 0") and f"cell {index + 2}, below the exercise cell" in note


# ---------------------------------------------------------------- settings

def test_a_config_sets_points_a_rubric_and_assignments(tmp_path):
    path = _touch(tmp_path / "grading.toml", '[points]\nvae = 4\n[rubric]\n"mean-reduction" = 0.5\n'
                                             '"sample.wrong-shape" = 0.25\n[assignments]\nweek1 = ["01", 2, "03"]\n')
    settings = read_settings(path, EXERCISES, ["mean-reduction", "wrong-shape"])
    assert settings.points == {"vae": 4} and settings.assignments == {"week1": "01,02,03"}
    assert settings.credit("vae_loss", "mean-reduction") == 0.5 and settings.credit("sample", "wrong-shape") == 0.25
    assert settings.credit("vae", "wrong-shape") == 0.0 and settings.credit("vae", None) == 0.0
    json_path = _touch(tmp_path / "grading.json", json.dumps({"rubric": {"mean-reduction": 1}}))
    assert read_settings(json_path, EXERCISES, ["mean-reduction"]).credit("vae_loss", "mean-reduction") == 1


@pytest.mark.parametrize("text, says", [
    ("[points]\nvea = 3\n", "'vea', not an exercise"), ('[rubric]\n"mean-reduce" = 0.5\n', "not a pitfall id"),
    ('[rubric]\n"mean-reduction" = 2\n', "between 0 and 1"), ("[pionts]\n", "unknown section"),
    ("[points\n", "not valid TOML")])
def test_a_config_mistake_is_one_clear_line(tmp_path, text, says):
    with pytest.raises(BadInput, match=says):
        read_settings(_touch(tmp_path / "grading.toml", text), EXERCISES, ["mean-reduction"])


def test_overrides_and_roster_are_read_blank_points_skipped(tmp_path):
    path = _touch(tmp_path / "o.csv", "learner,exercise,points,comment\nada,vae,2.5,helper accepted\n"
                                      "bob,vae,,\n")
    assert read_overrides(path, EXERCISES) == {("ada", "vae"): Override(2.5, "helper accepted")}
    with pytest.raises(BadInput, match="line 2: 'vea'"):
        read_overrides(_touch(tmp_path / "bad.csv", "learner,exercise,points\nada,vea,1\n"), EXERCISES)
    roster = read_roster(_touch(tmp_path / "r.csv", "folder,id,name,email\nsmitheve,7890123,Eve Smith,e@x.org\n"))
    assert roster["smitheve"].id == "7890123" and roster["smitheve"].email == "e@x.org"


# ---------------------------------------------------------------- what is written out

def _class():
    ada = Learner("ada", [Result(KL, "kl_divergence", True, None, "ok", 2),
                          Result("06_loss_and_training.ipynb", "vae_loss", False, "mean-reduction", "averaged", 2,
                                 credit=0.5),
                          Result("11_complexity.ipynb", "parameter_count", False, "missing-biases", "no b", 1)])
    bob = Learner("bob", [Result(KL, "kl_divergence", False, "reference-submitted", "copied", 2),
                          Result("06_loss_and_training.ipynb", "vae_loss", False, "mean-reduction", "averaged", 2,
                                 override=Override(2, "agreed in class")),
                          Result("11_complexity.ipynb", "parameter_count", True, None, "ok", 1)],
                  ["11_complexity.ipynb: graded 11.ipynb"])
    return [ada, bob], ["kl_divergence", "vae_loss", "parameter_count"]


def test_the_grade_is_points_with_partial_and_overridden_credit_said_as_such():
    (ada, bob), _ = _class()
    assert (ada.points, bob.points, ada.max_points) == (3, 3, 5)
    assert "grade: 3/5 points (60%); exercises passed: 1 of 3" in learner_table(ada)
    assert json.loads(json.dumps(ada.as_json()))["grade"] == 0.6 and "score" not in ada.as_json()
    text = feedback_text(ada, "stamp")
    assert "Grade: 3 of 5 points (1 of 3 exercises passed)" in text and "_stamp_" in text
    assert "(11_complexity.ipynb, 0 of 1 point; all or nothing" in text
    assert "1 of 2 points; partial credit by the course's rubric" in text
    assert "2 of 2 points; set by your instructor: agreed in class" in feedback_text(bob, "stamp")
    assert "Flagged: reference-submitted" in feedback_text(bob, "stamp")


def test_flags_show_in_the_table_and_the_csv_and_the_csv_is_stamped(tmp_path):
    learners, exercises = _class()
    assert class_table(learners, exercises).splitlines()[2].endswith("3/5  reference-submitted")
    write_csv(tmp_path / "g.csv", learners, exercises, "graded by vae-lesson, commit x")
    lines = (tmp_path / "g.csv").read_text().splitlines()
    assert lines[0] == "# graded by vae-lesson, commit x"
    assert list(csv.reader(lines[1:])) == [
        ["learner", *exercises, "total", "max_points", "flags", "notes"],
        ["ada", "2", "1", "0", "3", "5", "", ""],
        ["bob", "0", "2", "1", "3", "5", "reference-submitted", "11_complexity.ipynb: graded 11.ipynb"]]


def test_the_stamp_names_the_commit_the_date_and_the_settings(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    line = exports.stamp({"per-notebook limit": "30 s", "chapters": "01-04"})
    assert line.startswith("graded by vae-lesson, commit ") and "on 2027-01-15; settings: per-notebook limit " \
        "30 s, chapters 01-04" in line


def test_gradescope_results_hold_a_test_per_exercise():
    (ada, _), _ = _class()
    results = exports.gradescope_results(ada, "stamp")
    assert results["score"] == 3 and results["output"] == "stamp"
    assert [(t["name"], t["score"], t["max_score"], t["status"]) for t in results["tests"]] == [
        (f"{KL}: kl_divergence", 2, 2, "passed"), ("06_loss_and_training.ipynb: vae_loss", 1, 2, "failed"),
        ("11_complexity.ipynb: parameter_count", 0, 1, "failed")]
    assert results["tests"][1]["output"] == "[mean-reduction] averaged"


@pytest.mark.parametrize("kind, header, row", [
    ("canvas", ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "VAE"],
     ["Ada L.", "42", "42", "a@x.org", "", "3"]),
    ("moodle", ["ID number", "Email address", "Full name", "VAE"], ["42", "a@x.org", "Ada L.", "3"])])
def test_an_lms_import_has_the_roster_ids_and_names_who_is_missing(kind, header, row, tmp_path):
    learners, _ = _class()
    roster = read_roster(_touch(tmp_path / "r.csv", "folder,id,name,email\nada,42,Ada L.,a@x.org\n"))
    missing = exports.write_lms(tmp_path / "lms.csv", kind, learners, roster, "VAE")
    assert missing == ["bob"]
    assert list(csv.reader((tmp_path / "lms.csv").open())) == [header, row]


def test_the_class_report_gives_pass_rates_common_mistakes_and_flags():
    learners, exercises = _class()
    report = exports.class_report(learners, exercises, "stamp", ["folder _old skipped"])
    assert "| vae_loss | 0 of 2 (0%) | 1.50 of 2 | `mean-reduction` (2) |" in report
    assert "| kl_divergence | 1 of 2 (50%) | 1.00 of 2 | `reference-submitted` (1) |" in report
    assert "- bob: reference-submitted" in report and "- folder _old skipped" in report


def test_bad_options_are_refused_in_one_line(tmp_path, capsys):
    assert grade.main([str(tmp_path), "--assignment", "week9"]) == 2
    assert grade.main([str(tmp_path), "--chapters", "99"]) == 2
    results = tmp_path / "out" / "results.json"
    (tmp_path / "empty").mkdir()
    assert grade.main([str(tmp_path / "empty"), "--one-learner", "--gradescope", str(results)]) == 2
    assert "could not be graded" in json.loads(results.read_text())["output"]
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 3 and all(e.startswith("error: ") for e in errors)


def test_grading_off_linux_stops_with_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.delattr(os, "pidfd_open", raising=False)  # as on macOS
    _touch(tmp_path / "ada" / KL, (REPO_ROOT / "notebooks" / KL).read_text())
    assert grade.main([str(tmp_path / "ada")]) == 2
    assert capsys.readouterr().err.startswith("error: the grading command needs Linux")
