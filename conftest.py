"""Settings for every test run: the offline data beside the checkout, and how `pytest -n` shares the work."""
import os
import re
from pathlib import Path

import pytest

from vae_lesson import KERNEL_THREADS

SHARED_DATA = Path(__file__).resolve().parent.parent / "shared" / "data"

# Chapters that train models, heaviest first: started first, they do not finish last.
HEAVY_FIRST = ["09", "06", "08", "07", "05", "10"]


def pytest_configure(config):
    # Tests read the offline copy of the datasets when it sits beside the checkout, as in CI.
    if "VAE_LESSON_DATA" not in os.environ and SHARED_DATA.is_dir():
        os.environ["VAE_LESSON_DATA"] = str(SHARED_DATA)
    # One thread per notebook kernel, as when the stored outputs were made (python -m vae_lesson.build
    # --execute): a sum split over another number of threads can differ in its last digits, and with
    # one worker per core, more threads would only fight over the cores.
    os.environ.update(KERNEL_THREADS)


def _chapter(item):
    match = re.match(r"(\d\d)_", item.path.name) if item.path.suffix == ".ipynb" else None
    return match and match.group(1)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Order the work for `pytest -n --dist loadfile` (each file on one worker): heavy chapters first, so
    they do not finish last, each chapter's two notebooks side by side (one worker trains the chapter's
    models while the other waits on the cache's lock, then loads them), and unit tests to fill the gaps."""
    def rank(item):
        chapter = _chapter(item)
        if chapter is None:
            return (2, 0)
        return (0, HEAVY_FIRST.index(chapter)) if chapter in HEAVY_FIRST else (1, int(chapter))

    items.sort(key=rank)  # stable
