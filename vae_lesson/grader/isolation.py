"""Seal each learner's grading off in bubblewrap (Debian's `bubblewrap`), one sandbox per learner.

Inside, a learner's worker runs as uid 65534 without capabilities, in its own user, PID, mount, IPC,
UTS and network namespaces (no network; every process it starts dies with it), and sees only:
the system's /usr, the Python installation and the course's code, all read-only, with any graded
folder inside the course hidden; a private, empty /tmp; a minimal /dev and its own /proc. Learner
files never enter as files: the worker gets its jobs as JSON on stdin. Limits on CPU time, address
space, processes and file size come from setrlimit before bwrap starts.

Of the course, only vae_lesson/ is shown: not solutions/ (the judge, outside, holds the reference), not
tests/, not .git. What this closes: learner code cannot read the reference, read, write or spoil
another's grading, change the course's files, reach the network, or leave a process behind; the
verdict is made outside, by the judge (judge.py), from plain data.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .. import REPO_ROOT

UID = 65534  # nobody
_COURSE_ONLY = ("solutions", "tests", "notebooks", ".git")  # folders of the course never shown, even on sys.path
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
    """The folders Python imports from (the installation, the venv, site-packages), outside /usr, and of the
    course only its package: not solutions/, tests/ (whose right submissions would serve as answers) or .git."""
    root = REPO_ROOT.resolve()
    paths = {Path(sys.prefix), Path(sys.base_prefix)} | {Path(p) for p in sys.path if p and Path(p).is_dir()}
    paths = {p.resolve() for p in paths if p.resolve() != root and not root.is_relative_to(p.resolve())}
    paths = {p for p in paths if not p.is_relative_to(root) or p.relative_to(root).parts[0] not in _COURSE_ONLY}
    kept = sorted({p for p in paths if not p.is_relative_to("/usr")} | {root / "vae_lesson"})
    return [p for p in kept if not any(p != q and p.is_relative_to(q) for q in kept)]  # outermost only


def command(argv, hidden=(), env=None):
    """The bwrap command line that runs `argv` sealed off; `hidden` folders (graded ones) are made empty."""
    args = [bwrap(), *_namespaces(), *_system(), "--tmpfs", "/tmp"]  # /tmp first: a course under /tmp is bound over it
    for path in _python_paths():
        args += ["--ro-bind", str(path), str(path)]
    for path in hidden:
        path = Path(path).resolve()
        if any(path.is_relative_to(p) for p in _python_paths()):
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
