"""The probe worker, in a learner's sandbox: imports torch once, then forks one child per notebook.

    python -m vae_lesson.grader.worker      frames on stdin and stdout (remote.py), from and to the judge

The judge first sends {"op": "prepare", "args": [import statements]}: the worker imports them once, so
each child starts warm. Then, for each notebook, {"op": "notebook"}: the worker forks a child (as
Jupyter gives each notebook its own kernel), which answers the judge's requests itself on the same
pipes until "end" (child.py). When the child is gone, for whatever reason, the worker kills what is
left of its process group and tells the judge {"exited": status}; then it waits for the next notebook.
"""
import ctypes
import os
import signal
import sys

from .remote import read_frame, write_frame

PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


def prepare(imports):
    import torch
    torch.set_num_threads(1)  # two learners share two cores; also keeps OpenMP's thread pool out of forks
    from .child import NotebookProbe
    for source in imports:
        NotebookProbe().imports(source)


def _die_with(parent):
    """Ask the kernel to kill this child when the worker dies, so no learner code outlives it."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(70)


def run_notebook(read_fd, write_fd):
    parent = os.getpid()
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 70
        try:
            _die_with(parent)
            os.setpgid(0, 0)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            from .child import child_main
            child_main(read_fd, write_fd)
            code = 0
        finally:
            os._exit(code)
    try:
        os.setpgid(pid, pid)
    except OSError:
        pass
    _, status = os.waitpid(pid, 0)
    try:
        os.killpg(pid, signal.SIGKILL)  # any process the learner's code started
    except (ProcessLookupError, PermissionError):
        pass
    write_frame(write_fd, {"exited": os.waitstatus_to_exitcode(status)})


def main():
    read_fd, write_fd = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0), os.dup2(devnull, 1)  # what imports print must not enter the judge's stream
    while True:
        try:
            request = read_frame(read_fd)
        except BaseException:  # the judge is gone, or closed the pipe: nothing left to do
            return
        if request["op"] == "prepare":
            prepare(request["args"][0])
            write_frame(write_fd, {"ok": None})
        elif request["op"] == "notebook":
            run_notebook(read_fd, write_fd)


if __name__ == "__main__":
    main()
