import os
import re
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

# Chapters that train models, heaviest first: started first, they do not finish last.
HEAVY_FIRST = ["09", "06", "08", "07", "05", "10"]


def pytest_configure(config):
    # Tests read the offline copy of the datasets when it sits beside the checkout, as in CI.
    if "VAE_LESSON_DATA" not in os.environ and SHARED_DATA.is_dir():
        os.environ["VAE_LESSON_DATA"] = str(SHARED_DATA)


def _chapter(item):
    match = re.match(r"(\d\d)_", item.path.name) if item.path.suffix == ".ipynb" else None
    return match and match.group(1)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Schedule for `pytest -n`: one group per test file, except that a chapter's two notebooks
    (notebooks/ and solutions/, learner's first) share a group, so one worker trains the chapter's
    models and the other copy loads them. Heavy chapters go first, unit tests fill in the gaps."""
    def rank(item):
        chapter = _chapter(item)
        if chapter is None:
            return (2, 0)
        return (0, HEAVY_FIRST.index(chapter)) if chapter in HEAVY_FIRST else (1, int(chapter))

    items.sort(key=rank)  # stable: within a group, collection order (notebooks/ before solutions/)
    for item in items:
        chapter = _chapter(item)
        item.add_marker(pytest.mark.xdist_group(f"chapter-{chapter}" if chapter else item.path.name))


@pytest.fixture
def data_available():
    from vae_lesson.data import DataNotFoundError, load
    try:
        load("mnist", train=False, download=False, limit=1)
    except DataNotFoundError as error:
        pytest.skip(f"MNIST not available: {error}".splitlines()[0])
