"""Helpers for the VAE course: data, device, training, plots, the notebook build and the grader.

Each module has one job; notebooks import what they need, e.g. `from vae_lesson import check`.
The checks live in the `grader` subpackage; `vae_lesson.check` is the same module, loaded on first use, and
there each passing piece of chapters 01-04 is also saved for chapter 06 (pieces.py: the grader knows nothing of it).
"""
import importlib
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# The environment of notebook kernels when solutions/ is executed and when the tests run, so that a test run
# prints what the stored outputs hold. One thread: sums are split the same way whatever the core count.
# No progress bars: a bar is drawn only where a model is trained, not where it is loaded from the cache, so
# a solved notebook's outputs would depend on what the cache held (a learner sees the bars).
KERNEL_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "VAE_LESSON_PROGRESS": "0"}


def __getattr__(name):
    # `from vae_lesson import check` without importing torch for the build and the grading command.
    if name == "check":
        check = importlib.import_module(".grader.check", __name__)
        from .grader.result import AFTER_CHECK
        from .pieces import save  # chapters 01-04's pieces are carried forward to chapter 06's VAE
        if save not in AFTER_CHECK:
            AFTER_CHECK.append(save)
        return check
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
