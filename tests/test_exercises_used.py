"""Each check cell says the reference "stands in for yours below": hold every chapter to it.

(Chapter 07's spot_the_bug answers a question: its verdict says that nothing below runs on the answer.)

The check cell must rebind the exercise's name to `result.implementation`, and a later code cell must
read that name, so that what the chapter goes on to show runs on the learner's code once it passes.
"""
import ast

import nbformat
import pytest

from vae_lesson.build import BEGIN
from vae_lesson import check
from vae_lesson.grader.chapters import SOURCE_DIR, checked_name, strip_magics
from vae_lesson.grader.result import QUESTIONS



def rebinds(source, name):
    """True if the cell assigns `name = result.implementation`."""
    for node in ast.walk(ast.parse(strip_magics(source))):
        if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
                and ast.unparse(node.value) == "result.implementation"):
            return True
    return False


def reads(source, name):
    """True if the cell reads the variable `name` (not merely mentions it in a string or defines it)."""
    return any(isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)
               for node in ast.walk(ast.parse(strip_magics(source))))


def exercises():
    """(notebook, check name, target, check cell index, code cells) for every check cell of every chapter."""
    found = []
    for path in sorted(SOURCE_DIR.glob("*.ipynb")):
        code = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        for index, source in enumerate(code):
            checked = checked_name(source)
            if checked and BEGIN not in source and checked[0] not in QUESTIONS:
                found.append(pytest.param(path.name, *checked, index, code, id=f"{path.stem}:{checked[0]}"))
    return found


def test_every_chapter_with_an_exercise_is_covered():
    names = {p.values[0] for p in exercises()}
    assert {"01_encoder.ipynb", "06_loss_and_training.ipynb", "10_beta_warmup_collapse.ipynb"} <= names


@pytest.mark.parametrize("notebook, exercise, target, index, code", exercises())
def test_check_cell_rebinds_the_name_and_a_later_cell_uses_it(notebook, exercise, target, index, code):
    assert rebinds(code[index], target), f"{notebook}: the check cell of {exercise} never rebinds {target}"
    assert any(reads(source, target) for source in code[index + 1:]), \
        f"{notebook}: no code cell after the check of {exercise} uses {target}, so the learner's code is unused"


def test_the_criteria_can_fail():
    assert not rebinds("result = check.condition(condition)\nresult", "condition")
    assert not reads("print('condition')\ndef condition(v): pass", "condition")
    assert reads("model = CVAE(condition=condition)", "condition")


def test_a_question_claims_no_stand_in():
    for name in QUESTIONS:
        text = repr(getattr(check, name)(None))
        assert "FAILED" in text and "stands in" not in text and "Nothing below runs on your answer" in text
    assert "stands in for yours below" in repr(check.kl_divergence(None))
