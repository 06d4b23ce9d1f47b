"""Seal each learner's grading off in bubblewrap (Debian's `bubblewrap`), one sandbox per learner.

Inside, a learner's worker runs as uid 65534 without capabilities, in its own user, PID, mount, IPC,
UTS and network namespaces (no network; every process it starts dies with it), and sees only:
the system's /usr, the Python installation and the course's code, all read-only, with any graded
folder inside the course hidden; a private, empty /tmp; a minimal /dev and its own /proc. Learner
files never enter as files: the worker gets its jobs as JSON on stdin. Limits on CPU time, address
space, processes and file size come from setrlimit before bwrap starts.

What this closes: one learner's code cannot read, write or spoil another's grading, change the
course's files, reach the network, or leave a process behind. What it does not, yet: within its own
sandbox, learner code still shares a process with the checks (see the README's threat model).
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .. import REPO_ROOT

UID = 65534  # nobody
MEMORY = 8 << 30  # bytes of address space per process: torch maps ~3 GB of it at import
FILE_SIZE = 64 << 20  # bytes per file written (only /tmp is writable)
PROCESSES = 256  # more than the user runs already: RLIMIT_NPROC counts the real user's processes


def bwrap():
    return shutil.which("bwrap")


def unavailable():
    """Why no sandbox can be started here, or '' if one can."""
    if not sys.platform.startswith("linux"):
        return "bubblewrap needs Linux"
    if not bwrap():
        return ("bubblewrap is not installed (Debian/Ubuntu: sudo apt-get install bubblewrap; Fedora: "
                "sudo dnf install bubblewrap)")
    try:
        probe = subprocess.run([bwrap(), *_namespaces(), "--ro-bind", "/", "/", "true"], capture_output=True,
                               text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as error:
        return f"bubblewrap could not start: {error}"
    if probe.returncode:
        return f"bubblewrap could not start a sandbox: {probe.stderr.strip() or probe.returncode}"
    return ""


def _namespaces():
    return ["--unshare-all", "--die-with-parent", "--new-session", "--uid", str(UID), "--gid", str(UID),
            "--cap-drop", "ALL"]


def _system():
    """/usr read-only, and the top-level links into it (merged /usr) or the folders themselves."""
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    return args


def _python_paths():
    """The folders Python imports from (the installation, the venv, site-packages), outside /usr."""
    paths = {Path(sys.prefix), Path(sys.base_prefix), REPO_ROOT}
    paths |= {Path(p) for p in sys.path if p and Path(p).is_dir()}
    kept = sorted(p.resolve() for p in paths if not p.resolve().is_relative_to("/usr"))
    return [p for p in kept if not any(p != q and p.is_relative_to(q) for q in kept)]  # outermost only


def command(argv, hidden=(), env=None):
    """The bwrap command line that runs `argv` sealed off; `hidden` folders (graded ones) are made empty."""
    args = [bwrap(), *_namespaces(), *_system(), "--tmpfs", "/tmp"]  # /tmp first: a course under /tmp is bound over it
    for path in _python_paths():
        args += ["--ro-bind", str(path), str(path)]
    reference = (REPO_ROOT / "solutions").resolve()  # the checks' reference: until the checks run apart, shown
    for path in hidden:
        path = Path(path).resolve()
        if any(path.is_relative_to(p) for p in _python_paths()) and not reference.is_relative_to(path):
            args += ["--tmpfs", str(path)]
    args += ["--proc", "/proc", "--dev", "/dev", "--chdir", "/tmp", "--clearenv"]
    for key, value in sorted((env or {}).items()):
        args += ["--setenv", key, value]
    return args + ["--", *argv]


def _user_processes():
    uid, count = os.getuid(), 0
    for entry in Path("/proc").iterdir():
        try:
            count += entry.name.isdigit() and entry.stat().st_uid == uid
        except OSError:
            pass
    return count


def limits(cpu_seconds):
    """A preexec_fn setting the sandbox's resource limits (inherited by everything started inside)."""
    processes = _user_processes() + PROCESSES

    def apply():
        import resource
        for limit, value in ((resource.RLIMIT_CPU, int(cpu_seconds)), (resource.RLIMIT_AS, MEMORY),
                             (resource.RLIMIT_FSIZE, FILE_SIZE), (resource.RLIMIT_NPROC, processes),
                             (resource.RLIMIT_CORE, 0)):
            soft, hard = resource.getrlimit(limit)
            value = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(limit, (value, value))
    return apply
