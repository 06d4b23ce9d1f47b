"""The time limit on learner code holds on any thread: pytest-xdist sometimes runs a test off the main
thread (an execnet race), where no signal arrives, and an endless submission then hung the suite."""
import threading
import time

import pytest
import torch

from tests.submissions_sample import samp_endless
from vae_lesson.grader import check_sampling, sandbox


def _on_a_thread(fn):
    box = {}
    worker = threading.Thread(target=lambda: box.update(value=fn()), daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "the time limit did not stop the learner's code"
    return box["value"]


def _spin_until_stopped(seconds):
    start = time.perf_counter()
    try:
        with sandbox._time_limit(seconds):
            while True:
                pass
    except sandbox._OutOfTime:
        return time.perf_counter() - start


@pytest.mark.parametrize("where", ["main thread", "another thread"])
def test_an_endless_loop_is_stopped_at_the_limit(where):
    took = _spin_until_stopped(0.2) if where == "main thread" else _on_a_thread(lambda: _spin_until_stopped(0.2))
    assert 0.2 <= took < 5


def test_code_that_ends_in_time_is_not_interrupted_later_off_the_main_thread():
    def finish_then_wait():
        with sandbox._time_limit(0.2):
            pass
        time.sleep(0.5)  # past the limit: the timer was cancelled, nothing is raised here
        return "finished"

    assert _on_a_thread(finish_then_wait) == "finished"


def test_an_endless_sample_is_too_slow_off_the_main_thread(monkeypatch):
    monkeypatch.setattr(sandbox, "TIME_LIMIT", 0.5)
    result = _on_a_thread(lambda: check_sampling.sample(samp_endless))
    assert not result.passed and result.pitfall == "too-slow"


@pytest.mark.parametrize("where", ["main thread", "another thread"])
def test_learner_code_cannot_leave_gradients_switched_off(monkeypatch, where):
    monkeypatch.setattr(sandbox, "TIME_LIMIT", 0.2)

    def switch_off_and_spin():
        torch.set_grad_enabled(False)
        while True:
            pass

    def graded():
        with pytest.raises(sandbox.Failure):
            sandbox.run(switch_off_and_spin)
        return torch.is_grad_enabled()

    assert (graded() if where == "main thread" else _on_a_thread(graded)) is True


@pytest.mark.parametrize("where", ["main thread", "another thread"])
def test_a_swallowed_stop_is_raised_again(monkeypatch, where):
    """A bare `except:` in learner code, or a finaliser running when the stop lands (its exception is
    printed and ignored), swallows the first stop: one-shot, that hung the suite."""
    monkeypatch.setattr(sandbox, "TIME_LIMIT", 0.2)

    def swallow_the_first_stop():
        try:
            while True:
                pass
        except BaseException:
            pass
        while True:
            pass

    def graded():
        with pytest.raises(sandbox.Failure) as failure:
            sandbox.run(swallow_the_first_stop)
        return failure.value.pitfall

    assert (graded() if where == "main thread" else _on_a_thread(graded)) == "too-slow"
