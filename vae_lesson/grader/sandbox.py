"""Run a learner's code so that nothing it does can crash or hang a check.

Exceptions become a `Failure` with a pitfall id and the learner's own line; printing
is swallowed; a time limit stops code that runs too long.
"""
import ctypes
import io
import signal
import threading
import traceback
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path

import torch

TIME_LIMIT = 5.0  # seconds for one call of learner code: the per-call limit
_NOT_LEARNER = tuple(str(Path(m.__file__).resolve().parent) for m in (torch,)) + (
    str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parents[2] / "solutions"),
    str(Path(traceback.__file__).resolve().parent))


class Failure(Exception):
    """A check's verdict on a mistake: a pitfall id and a message for the learner."""

    def __init__(self, pitfall, message):
        super().__init__(message)
        self.pitfall, self.message = pitfall, message


# The stop is raised again at this interval until the limited code has ended: an exception raised while
# Python runs a finaliser (a __del__, a weakref callback during garbage collection) is printed and ignored,
# and an endless loop that allocates hit that often enough to hang the test suite with a one-shot alarm.
_AGAIN = 0.25


class _OutOfTime(BaseException):
    """Not an Exception, so a learner's `except Exception` cannot swallow it."""


@contextmanager
def _time_limit(seconds):
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        with _alarm(seconds):
            yield
    else:  # signals reach only the main thread; pytest-xdist sometimes runs tests on another one
        with _timer_thread(seconds):
            yield


@contextmanager
def _alarm(seconds):
    def stop(signum, frame):
        raise _OutOfTime()

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds, _AGAIN)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _raise_in_thread(ident, exception):
    """Have `exception` raised in thread `ident` at its next bytecode (clearing one takes a NULL: see below)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(exception))


@contextmanager
def _timer_thread(seconds):
    ident, lock, state = threading.get_ident(), threading.Lock(), {"done": False}

    def stop():
        wait = seconds
        while not state["finished"].wait(wait):
            with lock:
                if not state["done"]:
                    _raise_in_thread(ident, _OutOfTime)
            wait = _AGAIN

    state["finished"] = threading.Event()
    timer = threading.Thread(target=stop, daemon=True)
    timer.start()
    try:
        yield
    finally:
        with lock:
            state["done"] = True
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), None)  # one not yet raised
        state["finished"].set()


def learner_line(error):
    """'line N: source' of the deepest frame in the learner's code, or '' if there is none."""
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if not str(Path(f.filename).resolve()).startswith(_NOT_LEARNER)]
    if not frames:
        return ""
    f = frames[-1]
    return f"  at line {f.lineno} of your code: {(f.line or '').strip()}"


def run(fn, *args, what="your code", **kwargs):
    """Call fn(*args, **kwargs) and return its value, or raise Failure."""
    grad_mode = torch.is_grad_enabled()
    try:
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()), _time_limit(TIME_LIMIT):
            value = fn(*args, **kwargs)
        if torch.is_grad_enabled() != grad_mode:
            raise Failure("grad-left-off", f"{what} switched gradients {'off' if grad_mode else 'on'} and left them "
                                           "so (torch.set_grad_enabled): every cell after it would run that way, and "
                                           "a model trained later would learn nothing.")
        return value
    except _OutOfTime:
        raise Failure("too-slow", f"{what} ran past the per-call limit ({TIME_LIMIT:g} s). "
                                  "Look for a loop that never ends, or work done element by element.") from None
    except NotImplementedError as error:
        hint = f" ({error})" if str(error) else ""
        raise Failure("not-implemented", f"{what} is not written yet{hint}.") from None
    except Failure:
        raise
    except RuntimeError as error:
        if "in-place operation" in str(error):  # an input (a leaf that requires grad here) was changed in place
            raise Failure("modified-input", f"{what} changes a tensor it was given in place (an operation ending in "
                                            f"`_`, `+=`, or writing into a slice). Compute a new tensor instead.\n"
                                            f"{learner_line(error)}".rstrip()) from None
        raise Failure("raised", f"{what} raised {type(error).__name__}: {error}\n{learner_line(error)}".rstrip()) from None
    except Exception as error:
        raise Failure("raised", f"{what} raised {type(error).__name__}: {error}\n{learner_line(error)}".rstrip()) from None
    finally:
        # The time limit can strike anywhere, even between a `torch.no_grad()`'s switch and its `with` block, and
        # learner code may switch gradients off for good: either would leave every later check without gradients.
        torch.set_grad_enabled(grad_mode)
