import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def pytest_configure(config):
    # Tests read the offline copy of the datasets when it sits beside the checkout, as in CI.
    if "VAE_LESSON_DATA" not in os.environ and SHARED_DATA.is_dir():
        os.environ["VAE_LESSON_DATA"] = str(SHARED_DATA)


@pytest.fixture
def data_available():
    from vae_lesson.data import DataNotFoundError, load
    try:
        load("mnist", train=False, download=False, limit=1)
    except DataNotFoundError as error:
        pytest.skip(f"MNIST not available: {error}".splitlines()[0])
