"""The checks on fresh inputs, as class grading draws them: the catalogue's verdicts hold for other seeds of the
checks' inputs, and an answer stored for the notebook's public inputs fails on them."""
import pytest

from tests.catalogue import CORRECT, WRONG, s
from vae_lesson import check
from vae_lesson.grader import sandbox, seeds

OFFSETS = [90210, 2 ** 31 - 7]  # as a grading run's --seed; the notebooks use 0


@pytest.mark.parametrize("offset", OFFSETS)
def test_the_catalogue_gives_the_same_verdicts_on_fresh_inputs(offset, monkeypatch):
    monkeypatch.setattr(seeds, "OFFSET", offset)
    wrong_passed = [f"{c.__name__}({getattr(x, '__name__', x)})" for c, x in CORRECT if not c(x).passed]
    monkeypatch.setattr(sandbox, "TIME_LIMIT", 0.5)  # the wrong ones' endless loops need not take the full 5 s
    named = [(p, c.__name__, getattr(x, "__name__", x), c(x).pitfall) for p, c, x in WRONG]
    misnamed = [case for case in named if case[0] != case[3]]
    assert wrong_passed == [] and misnamed == []


def test_an_answer_stored_for_the_public_inputs_fails_on_fresh_ones(monkeypatch):
    assert check.kl_divergence(s.kl_hard_coded).passed  # the notebook's own check: public inputs
    monkeypatch.setattr(seeds, "OFFSET", 12345)
    result = check.kl_divergence(s.kl_hard_coded)
    assert not result.passed and result.pitfall == "wrong-values", repr(result)
