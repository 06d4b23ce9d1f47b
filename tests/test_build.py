"""notebooks/ is built from solutions/ and stays in step with it."""
import nbformat
import pytest

from vae_lesson import build
from vae_lesson.build import BEGIN, END


def test_stub_replaces_each_solution_block_at_its_indentation():
    source = "def f(x):\n    ### BEGIN SOLUTION\n    # Hint: double it\n    return 2 * x\n    ### END SOLUTION\n"
    assert build.stub_source(source) == ('def f(x):\n    # Hint: double it\n'
                                         '    raise NotImplementedError("Exercise: double it")')


def test_stub_without_a_hint_still_explains_itself():
    assert "NotImplementedError(\"Exercise: write this part\")" in build.stub_source(f"{BEGIN}\nx = 1\n{END}")


@pytest.mark.parametrize("source", [f"{BEGIN}\nx = 1", f"x = 1\n{END}"])
def test_unbalanced_markers_are_an_error(source):
    with pytest.raises(ValueError):
        build.stub_source(source)


def test_notebooks_are_up_to_date_with_solutions():
    assert build.main(["--check"]) == 0, "run: python -m vae_lesson.build"


@pytest.mark.parametrize("src, dst", build.pairs(), ids=lambda p: p.name)
def test_learner_notebook_has_no_outputs_and_no_solution_code(src, dst):
    nb = nbformat.read(dst, as_version=4)
    for cell in nb.cells:
        assert BEGIN not in cell.source and END not in cell.source
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize("src, dst", build.pairs(), ids=lambda p: p.name)
def test_solved_notebook_is_stored_run_with_outputs(src, dst):
    cells = [c for c in nbformat.read(src, as_version=4).cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in cells)
    assert any(c.outputs for c in cells)


def test_every_chapter_with_an_exercise_checks_it():
    for src, _ in build.pairs():
        text = src.read_text()
        assert text.count(BEGIN) == text.count(END)
        if BEGIN in text:
            assert "check." in text, f"{src.name} has an exercise but no check"
