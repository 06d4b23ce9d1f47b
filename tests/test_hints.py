"""Hints on request, in steps: each shows as text and HTML, and none writes a line of the solution, even blanked."""
import re

import pytest

from tests.leaks import exercise_cells, leak, solution_lines, tokens
from vae_lesson import check
from vae_lesson.grader import hints
from vae_lesson.grader.chapters import SOURCE_DIR, read_chapters
from vae_lesson.grader.result import CheckResult

NOT_CHECKS = {"PITFALLS", "CheckResult", "hint"}
LEVELS = range(1, len(hints.LEVELS) + 1)


def _solutions():
    """{exercise name: its solution's code lines}, from the exercise cells of solutions/."""
    found = {}
    for chapter in read_chapters().values():
        cells = exercise_cells(SOURCE_DIR / chapter.notebook)
        found.update({ex.name: solution_lines(cells[ex.cell_id]) for ex in chapter.exercises})
    return found


SOLUTIONS = _solutions()


@pytest.fixture(autouse=True)
def fresh_hints(monkeypatch):
    monkeypatch.setattr(hints, "_shown", {})


def test_every_exercise_has_three_levels_of_hints():
    names = {n for n in check.__all__ if n not in NOT_CHECKS} | set(SOLUTIONS) | {"train_step", "sample"}
    assert names <= set(hints.HINTS)
    assert all(len(texts) == len(hints.LEVELS) >= 3 for texts in hints.HINTS.values())


@pytest.mark.parametrize("name", sorted(hints.HINTS))
def test_each_level_displays_as_text_markdown_and_html(name):
    for level in LEVELS:
        shown = check.hint(name, level=level)
        text, html = repr(shown), shown._repr_html_()
        assert text.startswith(f"Hint {level} of 3 for {name}") and hints.HINTS[name][level - 1] in text
        assert html.startswith("<div") and f"Hint {level} of 3" in html and "```" not in html
        assert f"Hint {level} of 3" in shown._repr_markdown_()


def _blanked(text, lines):
    """A line of text that, its blanks `___` filled in, is a solution line of which it writes out more than half
    the tokens (`return ___` gives nothing away; `return -0.5 * torch.sum(1 + ___ - ___ - ___)` does)."""
    for hint_line in text.splitlines():
        toks = tokens(hint_line.split("#")[0])
        given = [t for t in toks if t != "___"]
        pattern = re.compile("\x1f".join(".+?" if t == "___" else re.escape(t) for t in toks))
        for line in lines:
            solution = tokens(line)
            if "___" in toks and pattern.fullmatch("\x1f".join(solution)) and len(given) > len(solution) / 2:
                return line
    return None


@pytest.mark.parametrize("name", sorted(hints.HINTS))
def test_no_level_writes_a_line_of_the_solution_whole_or_blanked(name):
    lines = SOLUTIONS.get(name, [])
    for level, text in enumerate(hints.HINTS[name], 1):
        assert leak(text, lines) is None, f"hint {level} of {name} gives away code: {leak(text, lines)!r}"
        assert _blanked(text, lines) is None, f"hint {level} of {name} is {_blanked(text, lines)!r} with blanks"


def test_the_blank_criterion_catches_the_old_fill_in_hints():
    old = {"kl_divergence": "```python\nreturn -0.5 * torch.sum(1 + ___ - ___ - ___)\n```",
           "vae_loss": "return F.mse_loss(___, ___, reduction=___) + kl_divergence(___, ___)",
           "iwae_estimate": "return torch.logsumexp(___, dim=___) - math.log(___)"}
    assert all(_blanked(text, SOLUTIONS[name]) for name, text in old.items())
    assert _blanked("return ___", SOLUTIONS["kl_divergence"]) is None


def test_each_call_shows_the_next_level_and_stops_at_the_last():
    assert [check.hint("kl_divergence").level for _ in range(4)] == [1, 2, 3, 3]
    assert check.hint("kl_divergence", level=1).level == 1 and check.hint("kl_divergence").level == 2
    assert "again shows hint 2" in repr(check.hint("vae_loss")) and "last hint" in repr(check.hint("vae", level=3))


def test_an_unknown_name_is_one_line_listing_the_valid_ones():
    with pytest.raises(ValueError) as error:
        check.hint("kl")
    message = str(error.value)
    assert "\n" not in message and "'kl'" in message and all(name in message for name in hints.HINTS)


@pytest.mark.parametrize("level", [0, 4, "2"])
def test_a_level_out_of_range_is_refused(level):
    with pytest.raises(ValueError, match="from 1 to 3"):
        check.hint("encoder", level=level)


def test_old_wrong_hints_are_fixed():
    assert "device=" in hints.HINTS["interpolate"][2]  # linspace follows the codes' device
    assert "F.one_hot" not in hints.HINTS["condition"][2]  # chapter 10 never imports F


def test_a_failed_verdict_ends_offering_the_hint_and_a_pass_is_unchanged():
    failed = CheckResult("kl_divergence", False, "wrong-values", "your KL differs.")
    assert repr(failed).splitlines()[-1] == "Stuck? check.hint('kl_divergence') shows a first hint."
    assert "check.hint(&#x27;kl_divergence&#x27;)" in failed._repr_html_()
    assert repr(CheckResult("kl_divergence", True, None, "matches.")) == "PASSED kl_divergence: matches."


def test_a_hint_is_found_by_the_name_the_exercise_defines():
    assert check.hint("Encoder", level=1).exercise == "encoder" and check.hint("VAE", level=1).exercise == "vae"
    assert check.hint("Decoder", level=1).exercise == "decoder"


def test_spot_the_bug_s_hints_name_one_mystery_at_most():
    names = ("kl-missing-half", "grad-not-zeroed", "z-detached")
    for level in (1, 2, 3):
        text = check.hint("spot_the_bug", level=level).text
        assert sum(name in text for name in names) == 0  # the reasoning, never the list of answers
    last = check.hint("spot_the_bug", level=3).text
    assert "mystery A" in last and "B and C" in last
