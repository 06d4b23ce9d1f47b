"""A class of cheaters graded beside honest learners: no trick earns a point, and no one touches anyone else.

Each learner's code runs in a probe sealed off in bubblewrap, and the verdicts are made by the judge,
outside it, from plain data. The tricks (tests/cheaters.py) aim at the checks, the reference, the
verdict stream, classmates, the course's files, the instructor's, the network and the process table.
"""
import csv
import hashlib
import json
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.cheaters import cheaters
from vae_lesson import REPO_ROOT, grade
from vae_lesson.grader import isolation
from vae_lesson.grader.classroom import SOLVED, WRONG, new_learner

pytestmark = pytest.mark.skipif(bool(isolation.unavailable()), reason=f"no sandbox: {isolation.unavailable()}")

KL = "04_kl_divergence.ipynb"
SEED = "4242"  # the class and the honest learners alone are graded on the same fresh inputs
HONEST = {"honest-solved": SOLVED["kl_divergence"], "honest-wrong": WRONG["kl_divergence"][0],
          "honest-slips": SOLVED["kl_divergence"].replace("logvar.exp()", "logvar")}
SKIPPED = {".venv", ".git", "__pycache__", ".pytest_cache", ".cache"}  # what other tests write at the same time


def _project_tree():
    """A hash of every file of the project, its venv, caches and git store aside (the model cache too: the
    suite's other workers train into it meanwhile): grading must change none."""
    digest = {}
    for path in sorted(REPO_ROOT.rglob("*")):
        if path.is_file() and not SKIPPED & set(path.relative_to(REPO_ROOT).parts):
            digest[str(path.relative_to(REPO_ROOT))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest


RUN_ID = f"cheaters-{os.getpid()}"  # tags this class's grading processes: other tests may grade at the same time


def _left_behind():
    """Processes of this grading still alive: a sandbox, a probe worker, a judge (all tagged with RUN_ID, in
    their command line or environment), or the escaped sleep."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
            environ = (proc / "environ").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if proc.name != str(os.getpid()) and ("987654" in cmdline or RUN_ID in cmdline or RUN_ID in environ):
            found.append(cmdline.replace("\0", " "))
    return found


def _listen():
    server, received = socket.create_server(("127.0.0.1", 0)), []
    server.settimeout(0.5)

    def accept():
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not received[-1:] == ["closed"]:
            try:
                received.append(server.accept()[0].recv(10))
            except OSError:
                pass
    threading.Thread(target=accept, daemon=True).start()
    return server, received


def _grade_alone(folder, capsys):
    capsys.readouterr()
    grade.main([str(folder), "--json", "--seed", SEED])
    return json.loads(capsys.readouterr().out)["rows"]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("cheaters")
    secret = root / "instructor-secret.txt"
    secret.write_text("the answers")
    server, received = _listen()
    klass = root / "CLASS"
    for name, source in HONEST.items():
        new_learner(klass / name, {"kl_divergence": source}, [KL])
    tricks = cheaters(klass / "honest-solved" / KL, secret, server.getsockname()[1])
    for name, (source, _) in tricks.items():
        new_learner(klass / name, {"kl_divergence": source}, [KL])
    before = _project_tree()
    out = root / "out"
    os.environ["VAE_LESSON_RUN_ID"] = RUN_ID
    try:
        assert grade.main([str(klass), "--csv", str(out / "gradebook.csv"), "--json", "--jobs", "2",
                           "--time-limit", "20", "--seed", SEED]) == 1
    finally:
        del os.environ["VAE_LESSON_RUN_ID"]
    time.sleep(0.5)
    left = _left_behind()
    received.append("closed")
    server.close()
    lines = (out / "gradebook.csv").read_text().splitlines()
    points = {row["learner"]: row["kl_divergence"] for row in csv.DictReader(lines[1:])}
    feedback = {p.stem: p.read_text() for p in (out / "feedback").glob("*.md")}
    return {"before": before, "after": _project_tree(), "left": left, "received": received[:-1], "root": root,
            "points": points, "feedback": feedback, "tricks": tricks, "stamp": lines[0]}


def test_the_class_holds_every_kind_of_trick(graded):
    assert len(graded["tricks"]) >= 25


def _kl_section(feedback):
    return feedback.split("### kl_divergence (", 1)[1].split("###", 1)[0]


def test_no_trick_earns_a_point_and_each_is_named(graded):
    named = {name: _kl_section(graded["feedback"][name]).split("Pitfall: `")[1].split("`")[0]
             for name in graded["tricks"]}
    assert {n: graded["points"][n] for n in graded["tricks"]} == {n: "0" for n in graded["tricks"]}
    assert named == {n: pitfall or named[n] for n, (_, pitfall) in graded["tricks"].items()}


def test_honest_learners_are_graded_exactly_as_alone(graded, capsys):
    assert [graded["points"][n] for n in HONEST] == ["2", "0", "0"]
    class_rows = {}
    for name in HONEST:
        section = graded["feedback"][name].split("### kl_divergence (", 1)[-1].split("###", 1)[0]
        class_rows[name] = "Pitfall: `kl-sign-flipped`" in section, "Pitfall: `kl-missing-exp`" in section
    for name in HONEST:
        alone = _grade_alone(graded["root"] / "CLASS" / name, capsys)[0]
        assert (alone["pitfall"] == "kl-sign-flipped", alone["pitfall"] == "kl-missing-exp") == class_rows[name]
        assert alone["points"] == int(graded["points"][name])
        if alone["pitfall"]:
            assert alone["message"].splitlines()[0] in graded["feedback"][name]


def test_what_the_attacks_on_others_met(graded):
    feedback = graded["feedback"]
    assert "Read-only file system" in feedback["edits-the-grader-on-disk"]
    assert "No such file or directory" in feedback["reads-a-classmate"]
    assert "No such file or directory" in feedback["reads-a-secret"]
    assert "Network is unreachable" in feedback["phones-home"] or "refused" in feedback["phones-home"]
    assert "No such file or directory" in feedback["reads-the-file"]


def test_the_project_is_unchanged_and_nothing_outlives_grading(graded):
    assert graded["after"] == graded["before"]
    assert graded["left"] == []
    assert graded["received"] == []  # no connection reached the instructor's machine
    assert not Path("/tmp/pwned").exists()
    assert "sandbox bubblewrap, one per learner" in graded["stamp"]


def test_without_a_sandbox_grading_refuses_unless_told(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(isolation, "unavailable", lambda: "bubblewrap is not installed")
    new_learner(tmp_path / "ada", {"kl_divergence": SOLVED["kl_divergence"]}, [KL])
    assert grade.main([str(tmp_path / "ada")]) == 2
    assert "pass --unsandboxed" in capsys.readouterr().err
    assert grade.main([str(tmp_path / "ada"), "--unsandboxed", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["points"] == 2 and "sandbox none (--unsandboxed)" in report["graded"]
