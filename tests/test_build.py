"""notebooks/ is built from solutions/ and stays in step with it."""
import nbformat
import pytest

from vae_lesson import build
from vae_lesson.build import BEGIN, END


def test_stub_replaces_each_solution_block_at_its_indentation():
    source = f"def f(x):\n    {BEGIN}\n    # Task: return twice x\n    return 2 * x\n    {END}\n"
    assert build.stub_source(source, "f") == (
        "def f(x):\n    # Stuck? check.hint('f') gives a hint, one step at a time.\n"
        '    # Task: return twice x\n    raise NotImplementedError("Exercise: return twice x")')


def test_stub_without_a_task_still_explains_itself():
    assert "NotImplementedError(\"Exercise: write this part\")" in build.stub_source(f"{BEGIN}\nx = 1\n{END}")


def test_a_hint_line_in_a_solution_block_is_refused():
    with pytest.raises(ValueError, match="Task"):
        build.stub_source(f"{BEGIN}\n# Hint: x = 1\nx = 1\n{END}")


def test_each_exercise_cell_points_to_its_own_hints():
    for src, dst in build.pairs():
        cells = nbformat.read(dst, as_version=4).cells
        for i, cell in enumerate(cells):
            if "raise NotImplementedError(" in cell.source:
                assert f"check.hint('{build.checked_exercise(cells, i)}')" in cell.source, f"{dst.name} cell {i}"


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


@pytest.mark.parametrize("src, dst", build.pairs(), ids=lambda p: p.name)
def test_no_test_plumbing_in_cell_sources_and_tags_kept(src, dst):
    solved, learner = nbformat.read(src, as_version=4).cells, nbformat.read(dst, as_version=4).cells
    assert not [c.id for c in solved + learner if "NBVAL" in c.source], "use nbval's cell tags, not comments"
    assert [c.metadata.get("tags") for c in learner] == [c.metadata.get("tags") for c in solved]


def test_nbval_tags_are_in_use():
    cells = [c for src, _ in build.pairs() for c in nbformat.read(src, as_version=4).cells]
    tags = {t for c in cells for t in c.metadata.get("tags", [])}
    assert "nbval-ignore-output" in tags
