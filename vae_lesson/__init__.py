"""Helpers for the VAE course: data, device, training, plots, the notebook build and the grader.

Each module has one job; notebooks import what they need, e.g. `from vae_lesson import check`.
The checks live in the `grader` subpackage; `vae_lesson.check` is the same module, loaded on first use.
"""
import importlib
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# Notebook kernels run on one thread when solutions/ is executed and when the tests run, so the
# stored outputs and the test runs sum in the same order, whatever the machine's core count.
KERNEL_THREADS = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def __getattr__(name):
    # `from vae_lesson import check` without importing torch for the build and the grading command.
    if name == "check":
        return importlib.import_module(".grader.check", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
