import pytest


@pytest.fixture
def data_available():
    from vae_lesson.data import DataNotFoundError, load
    try:
        load("mnist", train=False, download=False, limit=1)
    except DataNotFoundError as error:
        pytest.skip(f"MNIST not available: {error}".splitlines()[0])
