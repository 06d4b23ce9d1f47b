"""Settings for every test run: the offline data beside the checkout, and how `pytest -n` shares the work."""
import os
import re
from pathlib import Path

import pytest

from vae_lesson import KERNEL_ENV

SHARED_DATA = Path(__file__).resolve().parent.parent / "shared" / "data"

# The longest files first, so that none is left to run alone at the end. The learner notebooks run in
# tests/test_handout.py, from the handout, with the repository's model cache: whichever of a chapter's two
# notebooks comes first trains its models and the other loads them (the cache's lock makes the later wait).
HEAVY_CHAPTERS = ["10", "09", "11", "08", "07", "06", "06b", "05"]
HEAVY_TESTS = ["test_handout.py", "test_gradebook.py", "test_train.py", "test_grade.py"]


def pytest_configure(config):
    # Tests read the offline copy of the datasets when it sits beside the checkout, as in CI.
    if "VAE_LESSON_DATA" not in os.environ and SHARED_DATA.is_dir():
        os.environ["VAE_LESSON_DATA"] = str(SHARED_DATA)
    # The kernels' environment when the stored outputs were made (python -m vae_lesson.build --execute):
    # one thread, since a sum split over another number of threads can differ in its last digits (and with
    # one worker per core, more threads would only fight over the cores); no progress bars, which appear
    # only where a model is trained rather than loaded, so a solved notebook passes with the cache cold.
    os.environ.update(KERNEL_ENV)


def _chapter(item):
    match = re.match(r"(\d\d[a-z]?)_", item.path.name) if item.path.suffix == ".ipynb" else None
    return match and match.group(1)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Order the work for `pytest -n --dist loadfile --no-loadscope-reorder`, which hands out whole
    files in this order: heavy test files, heavy solved notebooks, the rest."""
    def rank(item):
        chapter, name = _chapter(item), item.path.name
        if chapter in HEAVY_CHAPTERS:
            return (2, HEAVY_CHAPTERS.index(chapter))
        if name in HEAVY_TESTS:
            return (1, HEAVY_TESTS.index(name))
        return (3 if chapter else 4, 0)

    items.sort(key=rank)  # stable: otherwise in collection order
