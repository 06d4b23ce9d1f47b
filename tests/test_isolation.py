"""Each learner graded in a bubblewrap sandbox of their own: what one learner's code does reaches no one else.

A class graded once: attackers aimed at classmates, the course's files, the network and the machine,
beside honest learners who must be graded exactly as they would be alone.
"""
import csv
import hashlib
import json
import socket
import threading
import time
from pathlib import Path

import pytest

from vae_lesson import REPO_ROOT, grade
from vae_lesson.grader import isolation
from vae_lesson.grader.classroom import SOLVED, WRONG, new_learner

pytestmark = pytest.mark.skipif(bool(isolation.unavailable()), reason=f"no sandbox: {isolation.unavailable()}")

KL = "04_kl_divergence.ipynb"
MARK = "987654"  # a sleep this long is the escaped process's name


def _course_tree():
    """What grading must leave byte-identical: the course's code and reference."""
    return {str(p.relative_to(REPO_ROOT)): hashlib.sha256(p.read_bytes()).hexdigest()
            for folder in ("vae_lesson", "solutions") for p in sorted((REPO_ROOT / folder).rglob("*.py"))}


def _attacks(victim_notebook, secret, port):
    return {
        # every scratch folder a worker could use, made in advance and filled (the old shared-scratch attack)
        "a-spoils-scratch": "import glob, os, tempfile\nfor i in range(40):\n"
                            "    os.makedirs(os.path.join(tempfile.gettempdir(), f'vae-grading-{i}', str(i)),\n"
                            "                exist_ok=True)\n"
                            "for d in glob.glob('/tmp/vae-grading-*'):\n"
                            "    for i in range(40):\n        os.makedirs(f'{d}/{i}', exist_ok=True)\n"
                            + WRONG["kl_divergence"][0],
        "b-edits-the-grader": "from pathlib import Path\nimport vae_lesson.grader.compare as c\n"
                              "Path(c.__file__).write_text('def close(a, b):\\n    return True\\n')\n",
        "c-reads-a-classmate": f"print(open({str(victim_notebook)!r}).read())\n",
        "d-reads-a-secret": f"kl_divergence = open({str(secret)!r}).read()\n",
        "e-phones-home": f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2).sendall(b'x')\n",
        "f-escapes": f"import subprocess\nsubprocess.Popen(['sleep', '{MARK}'], start_new_session=True)\n"
                     + SOLVED["kl_divergence"],
    }


def _escaped():
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if MARK in (proc / "cmdline").read_bytes().decode(errors="replace"):
                found.append(proc.name)
        except OSError:
            pass
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("isolation")
    secret = root / "instructor-secret.txt"
    secret.write_text("the answers")
    server, received = socket.create_server(("127.0.0.1", 0)), []
    server.settimeout(0.5)

    def listen():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not received[-1:] == ["closed"]:
            try:
                received.append(server.accept()[0].recv(10))
            except OSError:
                pass
    threading.Thread(target=listen, daemon=True).start()
    klass = root / "CLASS"
    victim = new_learner(klass / "z-honest-solved", {"kl_divergence": SOLVED["kl_divergence"]}, [KL])
    new_learner(klass / "z-honest-wrong", {"kl_divergence": WRONG["kl_divergence"][0]}, [KL])
    for name, source in _attacks(victim / KL, secret, server.getsockname()[1]).items():
        new_learner(klass / name, {"kl_divergence": source}, [KL])
    before = _course_tree()
    out = root / "out"
    assert grade.main([str(klass), "--csv", str(out / "gradebook.csv"), "--jobs", "2", "--time-limit", "20"]) == 1
    time.sleep(0.5)
    escaped = _escaped()
    received.append("closed")
    server.close()
    lines = (out / "gradebook.csv").read_text().splitlines()
    points = {row["learner"]: row["kl_divergence"] for row in csv.DictReader(lines[1:])}
    feedback = {p.stem: p.read_text() for p in (out / "feedback").glob("*.md")}
    return {"before": before, "after": _course_tree(), "escaped": escaped, "received": received[:-1],
            "points": points, "feedback": feedback, "stamp": (out / "gradebook.csv").read_text().splitlines()[0]}


def test_honest_learners_are_graded_as_alone_and_attacks_earn_nothing(graded):
    assert graded["points"] == {"z-honest-solved": "2", "z-honest-wrong": "0", "a-spoils-scratch": "0",
                                "b-edits-the-grader": "0", "c-reads-a-classmate": "0", "d-reads-a-secret": "0",
                                "e-phones-home": "0", "f-escapes": "2"}  # f's answer is right; its process dies
    assert "kl-sign-flipped" in graded["feedback"]["z-honest-wrong"]  # judged by the real compare.py


def test_what_each_attack_met(graded):
    feedback = graded["feedback"]
    assert "Read-only file system" in feedback["b-edits-the-grader"]
    assert "No such file or directory" in feedback["c-reads-a-classmate"]
    assert "No such file or directory" in feedback["d-reads-a-secret"]
    assert "Network is unreachable" in feedback["e-phones-home"] or "refused" in feedback["e-phones-home"]


def test_the_course_is_unchanged_and_nothing_outlives_grading(graded):
    assert graded["after"] == graded["before"]
    assert graded["escaped"] == []
    assert graded["received"] == []  # no connection reached the instructor's machine
    assert "sandbox bubblewrap, one per learner" in graded["stamp"]


def test_without_a_sandbox_grading_refuses_unless_told(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(isolation, "unavailable", lambda: "bubblewrap is not installed")
    new_learner(tmp_path / "ada", {"kl_divergence": SOLVED["kl_divergence"]}, [KL])
    assert grade.main([str(tmp_path / "ada")]) == 2
    assert "pass --unsandboxed" in capsys.readouterr().err
    assert grade.main([str(tmp_path / "ada"), "--unsandboxed", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["points"] == 2 and "sandbox none (--unsandboxed)" in report["graded"]
