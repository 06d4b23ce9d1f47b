"""The grading worker: imports torch and the checks once, then forks one child per learner notebook.

    python -m vae_lesson.grader.worker  < {"jobs": [...], "parallel": 2, "time_limit": 30}

Each child (a copy of this warm process, as Jupyter gives each notebook its own kernel) runs one
learner's chapter and writes JSON verdict lines to a pipe. The worker runs `parallel` children at a
time, kills a child's whole process group at its time limit, and writes one line per job to stdout:
{"start": i} when its child starts, {"done": i, "verdicts": [...], "note": reason or null} at the end.
"""
import ctypes
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections import deque
from multiprocessing.connection import wait
from pathlib import Path

import torch

from . import integrity, seeds
from .child import cell_limit, child_main, verdict

PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>

OUTPUT_LIMIT = 1 << 20  # bytes a child may write; more is not a grader's verdict stream


def prepare(jobs, time_limit):
    """Import every chapter's modules and run each check once, so children start warm."""
    torch.set_num_threads(1)  # two children share two cores; also keeps OpenMP's thread pool out of forks
    for imports in sorted({job["imports"] for job in jobs}):
        exec(compile(imports, "<imports>", "exec"), {"__name__": "__prepare__"})
    from . import check

    names = sorted({s["exercise"] for job in jobs for s in job["steps"] if "exercise" in s})
    checks = {name: getattr(check, name) for name in names}

    def stub(*args, **kwargs):
        raise NotImplementedError

    references = {name: checks[name](stub).reference for name in names}
    for name in names:
        checks[name](references[name])  # warm every code path the checks take on a right answer
    return {"checks": checks, "references": references, "baseline": integrity.grader_state(),
            "cell_seconds": cell_limit(time_limit)}


class Running:
    def __init__(self, index, job, pid, read_fd, time_limit):
        self.index, self.job, self.pid, self.read_fd, self.time_limit = index, job, pid, read_fd, time_limit
        self.deadline = time.monotonic() + time_limit
        self.pidfd, self.output, self.timed_out = os.pidfd_open(pid), b"", False

    def read(self):
        try:
            chunk = os.read(self.read_fd, 65536)
        except BlockingIOError:
            return False
        self.output += chunk
        return bool(chunk) and len(self.output) <= OUTPUT_LIMIT


def start_child(index, job, context, scratch, open_fds, time_limit):
    read_fd, write_fd = os.pipe()
    sys.stdout.flush()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 70
        try:
            _isolate(read_fd, open_fds, scratch / str(index), parent)
            child_main(job, write_fd, context)
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    try:
        os.setpgid(pid, pid)  # also done by the child: whichever runs first
    except OSError:
        pass
    return Running(index, job, pid, read_fd, time_limit)


def _die_with(parent):
    """Ask the kernel to kill this child when the worker dies: if a notebook kills the worker, nobody is
    left to stop the other children at their time limit, and a learner's endless loop would run on."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: such a child still stops at the end of its own work
        pass
    if os.getppid() != parent:  # the worker died before the request was made
        os._exit(70)


def _isolate(read_fd, open_fds, folder, parent):
    """In the child: its own process group, no access to the worker's streams or other children's pipes."""
    _die_with(parent)
    os.setpgid(0, 0)
    for fd in [read_fd, *open_fds]:
        os.close(fd)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)  # learner output goes nowhere: it is never read as a grade
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    folder.mkdir()
    os.chdir(folder)  # files a learner's code writes land in a scratch folder, never in the class folder


def finish(run):
    """Kill what is left of the child's process group, reap it, and turn its output into verdicts."""
    try:
        os.killpg(run.pid, signal.SIGKILL)  # also any process the learner's code started
    except (ProcessLookupError, PermissionError):
        pass
    _, status = os.waitpid(run.pid, 0)
    os.set_blocking(run.read_fd, False)
    while len(run.output) <= OUTPUT_LIMIT and run.read():
        pass
    os.close(run.read_fd)
    os.close(run.pidfd)
    return verdicts_from(run, os.waitstatus_to_exitcode(status))


def verdicts_from(run, exit_code):
    expected = [s["exercise"] for s in run.job["steps"] if "exercise" in s]
    lines, got = run.output.decode(errors="replace").splitlines(), []
    for line in lines:
        record = _parse(line)
        if record == {"end": True} and len(got) == len(expected):
            return got, None
        if not _is_verdict(record) or len(got) >= len(expected) or record["exercise"] != expected[len(got)]:
            note = "the verdicts this notebook's grading sent back were forged or garbled"
            return [verdict(e, "grader-tampered", note + ": no credit for this notebook.") for e in expected], note
        got.append(record)
    if run.timed_out:
        note = f"stopped at the per-notebook limit ({run.time_limit:g} s): a cell or a check did not finish"
        pitfall = "too-slow"
    else:
        how = f"signal {-exit_code}" if exit_code < 0 else f"exit code {exit_code}"
        note, pitfall = f"the kernel died ({how}) while running this notebook's exercises", "kernel-died"
    return got + [verdict(e, pitfall, note + ": no result for this exercise.") for e in expected[len(got):]], note


def _parse(line):
    try:
        return json.loads(line)
    except ValueError:
        return None


def _is_verdict(record):
    return (isinstance(record, dict) and set(record) == {"exercise", "passed", "pitfall", "message", "explanation"}
            and isinstance(record["passed"], bool) and isinstance(record["exercise"], str)
            and isinstance(record["message"], str) and isinstance(record["explanation"], str)
            and (record["pitfall"] is None or isinstance(record["pitfall"], str)))


def run_all(jobs, context, parallel, time_limit, report):
    queue, running = deque(enumerate(jobs)), {}
    scratch = Path(tempfile.mkdtemp(prefix="vae-grading-"))
    try:
        while queue or running:
            while queue and len(running) < parallel:
                index, job = queue.popleft()
                fds = [fd for r in running.values() for fd in (r.read_fd, r.pidfd)]
                report({"start": index})  # before the fork: a child that kills the worker at once is still named
                running[index] = start_child(index, job, context, scratch, fds, time_limit)
            timeout = max(0.0, min(r.deadline for r in running.values()) - time.monotonic())
            ready = set(wait([fd for r in running.values() for fd in (r.read_fd, r.pidfd)], timeout))
            for index, run in list(running.items()):
                exited = run.pidfd in ready or (run.read_fd in ready and not run.read())
                run.timed_out = not exited and time.monotonic() >= run.deadline
                if exited or run.timed_out:
                    got, note = finish(running.pop(index))
                    report({"done": index, "verdicts": got, "note": note})
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main():
    request = json.load(sys.stdin)
    jobs, time_limit = request["jobs"], float(request["time_limit"])
    seeds.use(request.get("seed", 0))  # before anything seeds the checks' inputs
    context = prepare(jobs, time_limit)

    def report(event):
        sys.stdout.write(json.dumps(event) + "\n")
        sys.stdout.flush()

    run_all(jobs, context, int(request["parallel"]), time_limit, report)


if __name__ == "__main__":
    main()
