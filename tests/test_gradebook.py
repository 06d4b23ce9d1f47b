"""A generated class graded into a gradebook: right, wrong, tampered, hanging, crashing and broken learners.

Every tampering learner hands in two chapters: 01 solved, and 04 with a cheat on kl_divergence (left
unsolved or wrong), so a row shows both that the cheat earned nothing and that it cost nothing elsewhere.
(Two chapters, not all: each notebook graded costs a fork, and the suite has a time budget.)
"""
import csv
import hashlib
import json
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_output

from vae_lesson import REPO_ROOT, grade
from vae_lesson.grader.gradebook import FLAGS
from vae_lesson.grader.classroom import SOLVED, WRONG, exercise_cells, new_learner, set_answer, set_cell
from vae_lesson.grader.result import MIME_TYPE

KL_NOTEBOOK, KL_CELL = "04_kl_divergence.ipynb", "c03"
CHECK_CELL = "c04"
CHEAT_NOTEBOOKS = ["01_encoder.ipynb", KL_NOTEBOOK]
STUB = next(c.source for c in nbformat.read(REPO_ROOT / "notebooks" / KL_NOTEBOOK, as_version=4).cells
            if c.get("id") == KL_CELL)
FORGED = {MIME_TYPE: {"exercise": "kl_divergence", "passed": True, "pitfall": None}}
POINTS = {"encoder": 2, "reparameterize": 2, "decoder": 2, "kl_divergence": 2, "elbo_estimate": 2, "vae_loss": 2,
          "vae": 3, "train_step": 2, "sample": 2,
          "spot_the_bug": 1, "interpolate": 1, "iwae_estimate": 2, "condition": 1, "parameter_count": 1}
EXERCISES = list(POINTS)
TIME_LIMIT = 10.0  # chapter 06's checks took more than 4 s in a full cold suite, the other core training

# kl_divergence cell of each cheating learner, and the pitfall the grader must name
CHEATS = {
    "fay-imports-the-reference": ("from solutions import kl_divergence\n", "reference-submitted"),
    "gus-aliases-it-obfuscated": ("import importlib\n"
                                  "kl_divergence = importlib.import_module('sol' + 'utions').kl_divergence\n",
                                  "reference-submitted"),
    "hal-wraps-it-obfuscated": ("import importlib\nref = importlib.import_module('sol' + 'utions')\n\n"
                                "def kl_divergence(mu, logvar):\n    return ref.kl_divergence(mu, logvar) * 1.0\n",
                                "reference-submitted"),
    "ivy-displays-a-forged-record": (STUB + "\nfrom IPython.display import display\n"
                                     f"display({FORGED!r}, raw=True)\n", "not-implemented"),
    "jay-prints-a-forged-record": (STUB + f"\nimport json\nprint(json.dumps({FORGED!r}))\n"
                                   "open('written-by-jay.txt', 'w').write('x')\n", "not-implemented"),
    "kim-redefines-check": (STUB + "\nclass AlwaysPass:\n    def __getattr__(self, name):\n"
                            "        return lambda fn: type('R', (), {'passed': True, 'implementation': fn})()\n"
                            "check = AlwaysPass()\n", "not-implemented"),  # the checks run in the judge, apart
    "lee-patches-the-check": (WRONG["kl_divergence"][0] + "\nfrom vae_lesson.grader import check as c\n"
                              "from vae_lesson.grader.result import CheckResult\n"
                              "c.kl_divergence = lambda fn: CheckResult('kl_divergence', True, None, 'ok', fn, fn)\n",
                              "raised"),  # the checks need the reference, and the sandbox has none
    "max-patches-torch": (WRONG["kl_divergence"][0] + "\ntorch.allclose = lambda *a, **k: True\n",
                          "kl-sign-flipped"),  # the comparison is made in the judge's torch
    "ned-patches-the-reference": (WRONG["kl_divergence"][0] + "\nimport sys\n"
                                  "sys.modules['sol' + 'utions'].kl_divergence = kl_divergence\n", "raised"),
    "oli-hangs": ("while True:\n    pass\n", "too-slow"),
    "pam-hangs-past-the-alarm": ("import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n"
                                 "    pass\n", "too-slow"),
    "quin-exits-the-kernel": ("import os\nos._exit(1)\n", "kernel-died"),
    "rae-kills-the-kernel": ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", "kernel-died"),
}
# Killing the grading worker is graded in test_no_child_outlives_a_killed_worker.
KILLS_THE_GRADER = "import os\nos.kill(os.getppid(), 9)\n"


def _tree(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _make_class(root):
    """{learner: {exercise: expected pitfall, None if it passes}}, and the learners' expected notes."""
    expected, notes = {}, {}
    solved_all = {e: None for e in EXERCISES}
    new_learner(root / "ada-solved-all", SOLVED)
    expected["ada-solved-all"] = solved_all
    new_learner(root / "ben-wrong-all", {e: s for e, (s, _) in WRONG.items()})
    expected["ben-wrong-all"] = {e: p for e, (_, p) in WRONG.items()}
    new_learner(root / "cy-fresh")
    expected["cy-fresh"] = {e: "not-implemented" for e in EXERCISES}
    firsts = EXERCISES[:4]
    new_learner(root / "dee-first-four", {e: SOLVED[e] for e in firsts})
    expected["dee-first-four"] = {e: None if e in firsts else "not-implemented" for e in EXERCISES}

    eve = new_learner(root / "eve-edits-the-check-cell", {e: SOLVED[e] for e in EXERCISES if e != "kl_divergence"})
    set_cell(eve, KL_NOTEBOOK, CHECK_CELL, "import solutions\nresult = check.kl_divergence(solutions.kl_divergence)\n"
                                           "kl_divergence = result.implementation\nresult")
    nb = nbformat.read(eve / KL_NOTEBOOK, as_version=4)  # a forged record stored as the check cell's output
    next(c for c in nb.cells if c.get("id") == CHECK_CELL).outputs = [
        new_output("display_data", data={"text/plain": "PASSED", **FORGED})]
    nb.cells.append(new_code_cell("from IPython.display import display\n"
                                  f"display({FORGED!r}, raw=True)"))  # a cell of its own: never run
    nbformat.write(nb, eve / KL_NOTEBOOK)
    expected["eve-edits-the-check-cell"] = {**solved_all, "kl_divergence": "not-implemented"}

    handed_in = {e: "missing-notebook" for e in EXERCISES}
    for name, (source, pitfall) in CHEATS.items():
        new_learner(root / name, {"encoder": SOLVED["encoder"], "kl_divergence": source}, CHEAT_NOTEBOOKS)
        expected[name] = {**handed_in, "encoder": None, "kl_divergence": pitfall}
    notes["oli-hangs"] = None  # the cell's own alarm stops it: nothing to note about chapter 04
    # the cell's timer counts CPU time (SIGPROF), so ignoring SIGALRM does not help; ignoring both signals is in
    # test_the_limits_count_cpu_time_and_the_clock_backs_them_up, stopped at the per-notebook limit
    notes["pam-hangs-past-the-alarm"] = None
    notes["quin-exits-the-kernel"] = f"{KL_NOTEBOOK}: the kernel died (exit code 1)"
    notes["rae-kills-the-kernel"] = f"{KL_NOTEBOOK}: the kernel died (signal 9)"

    sam = new_learner(root / "sam-not-json", SOLVED)
    (sam / KL_NOTEBOOK).write_text("{not json")
    expected["sam-not-json"] = {**solved_all, "kl_divergence": "unreadable-notebook"}
    notes["sam-not-json"] = f"{KL_NOTEBOOK} is not a readable notebook"
    tia = new_learner(root / "tia-missing-two", SOLVED)
    (tia / "03_decoder.ipynb").unlink()
    (tia / KL_NOTEBOOK).unlink()
    expected["tia-missing-two"] = {**solved_all, "decoder": "missing-notebook", "kl_divergence": "missing-notebook"}
    notes["tia-missing-two"] = "03_decoder.ipynb: missing"

    vic = new_learner(root / "vic-dies-in-chapter-05", {**SOLVED, "vae": "import os\nos._exit(3)\n"})
    # vae_loss, judged before, counts; the chapter's exercises after the death get no result
    expected["vic-dies-in-chapter-05"] = {**solved_all, "vae": "kernel-died", "train_step": "kernel-died",
                                          "sample": "kernel-died"}
    xan = new_learner(root / "xan-subclasses-the-reference", SOLVED)
    set_answer(xan, "vae", "import importlib\n"
                           "VAE = type('VAE', (importlib.import_module('sol' + 'utions').VAE,), {})\n")
    expected["xan-subclasses-the-reference"] = {**solved_all, "vae": "reference-submitted"}
    return expected, notes


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    expected, notes = _make_class(root / "CLASS")
    before = _tree(root / "CLASS")
    out = root / "out"
    code = grade.main([str(root / "CLASS"), "--csv", str(out / "gradebook.csv"), "--time-limit", str(TIME_LIMIT)])
    assert code != 2, "the grading command refused or failed: its error is in the captured stderr"
    with open(out / "gradebook.csv", newline="") as f:
        stamp = f.readline()
        rows = list(csv.reader(f))
    return {"root": root, "expected": expected, "notes": notes, "code": code, "rows": rows, "before": before,
            "stamp": stamp}


def test_the_class_is_large_enough_and_every_learner_has_a_row(graded_class):
    assert len(graded_class["expected"]) >= 20
    assert graded_class["rows"][0] == ["learner", *EXERCISES, "total", "max_points", "flags", "notes"]
    assert graded_class["stamp"].startswith("# graded by vae-lesson, commit ")
    assert [r[0] for r in graded_class["rows"][1:]] == sorted(graded_class["expected"])
    assert graded_class["code"] == 1


def test_each_row_holds_the_points_each_exercise_earned(graded_class):
    for row in graded_class["rows"][1:]:
        name, points, total = row[0], row[1:-4], row[-4]
        want = [POINTS[e] if p is None else 0 for e, p in graded_class["expected"][name].items()]
        assert list(map(int, points)) == want, name
        assert int(total) == sum(want) and row[-3] == "25", name
        flags = [p for p in graded_class["expected"][name].values() if p in FLAGS]
        assert row[-2] == " ".join(f for f in FLAGS if f in flags), name


def test_each_notebook_problem_is_noted_in_its_row(graded_class):
    notes = {row[0]: row[-1] for row in graded_class["rows"][1:]}
    for name, note in graded_class["notes"].items():
        if note is None:
            assert KL_NOTEBOOK not in notes[name], name
        else:
            assert note in notes[name], name
    assert notes["ada-solved-all"] == "" and KL_NOTEBOOK not in notes["fay-imports-the-reference"]
    assert "02_reparameterization.ipynb: missing" in notes["fay-imports-the-reference"]


def test_feedback_names_each_failed_exercise_its_pitfall_and_message(graded_class):
    folder = graded_class["root"] / "out" / "feedback"
    assert sorted(p.stem for p in folder.glob("*.md")) == sorted(graded_class["expected"])
    for name, expected in graded_class["expected"].items():
        text = (folder / f"{name}.md").read_text()
        for exercise, pitfall in expected.items():
            if pitfall is None:
                assert f"### {exercise} " not in text, (name, exercise)
            else:
                section = text.split(f"### {exercise} (", 1)[1].split("###", 1)[0]
                assert f"Pitfall: `{pitfall}`" in section, (name, exercise)
                assert section.split("```text\n", 1)[1].split("```")[0].strip(), (name, exercise)  # a message
    ada = (folder / "ada-solved-all.md").read_text()
    assert "25 of 25 points" in ada and "Exercises to fix" not in ada
    assert "F.mse_loss" in (folder / "ben-wrong-all.md").read_text()  # mean-reduction's message says why
    assert "`solutions`" in (folder / "fay-imports-the-reference.md").read_text()
    assert "KeyError: 'solutions'" in (folder / "ned-patches-the-reference.md").read_text()  # no reference there


def test_nothing_in_the_class_folder_is_written(graded_class):
    assert _tree(graded_class["root"] / "CLASS") == graded_class["before"]
    assert not list(graded_class["root"].rglob("written-by-jay.txt"))


def test_class_json_has_every_learner(tmp_path, capsys):
    new_learner(tmp_path / "CLASS" / "one", {"kl_divergence": SOLVED["kl_divergence"]})
    (tmp_path / "CLASS" / "two").mkdir()
    assert grade.main([str(tmp_path / "CLASS"), "--json"]) == 1
    learners = json.loads(capsys.readouterr().out)["learners"]
    assert [(lr["learner"], lr["points"], lr["max_points"]) for lr in learners] == [("one", 2, 25), ("two", 0, 25)]
    assert len(learners[1]["notes"]) == len({nb for nb, _ in exercise_cells().values()})  # each notebook: missing


def _orphaned_grading_processes():
    """Processes forked by a grading worker that outlived it (their parent is init or a subreaper)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            parent = (Path("/proc") / str(ppid) / "cmdline").read_bytes().decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue
        if "vae_lesson.grader.worker" in cmdline and "vae_lesson.grader.worker" not in parent \
                and "python" not in parent.split("\0")[0]:
            found.append(int(proc.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")
def test_no_child_outlives_a_killed_worker(tmp_path, capsys):
    """One notebook spins (ignoring the alarm) while the other kills the worker: the spinning child must die
    with the worker, not run on for ever once nobody is left to stop it at its time limit. Each learner has a
    sandbox of their own, so the killer only ends their own grading (its notebook's kernel died, no credit),
    and the spinner is too slow."""
    spin = "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    pass\n"
    new_learner(tmp_path / "CLASS" / "a-spins", {"kl_divergence": spin}, [KL_NOTEBOOK])
    new_learner(tmp_path / "CLASS" / "b-kills-the-worker", {"kl_divergence": KILLS_THE_GRADER}, [KL_NOTEBOOK])
    assert grade.main([str(tmp_path / "CLASS"), "--json", "--jobs", "2", "--time-limit", "3"]) == 1
    time.sleep(0.5)
    assert _orphaned_grading_processes() == []
    spins, kills = ({r["exercise"]: r for r in learner["rows"]}["kl_divergence"]
                    for learner in json.loads(capsys.readouterr().out)["learners"])
    assert spins["pitfall"] == "too-slow" and kills["points"] == 0
    # the probe may answer once more before the kernel ends it: its cell defines nothing, either way no credit
    assert kills["pitfall"] in ("kernel-died", "not-defined")


def test_the_limits_count_cpu_time_and_the_clock_backs_them_up(tmp_path, capsys):
    """A cell that waits 1.5 s, past its 1 s per-cell limit on the clock, has spent almost no CPU time: graded on its
    answer, as a correct notebook is on a machine busy with other work. A cell that spins with every timer signal
    ignored is stopped by the wall clock at three times the per-notebook limit."""
    waits = "import time\ntime.sleep(1.5)\n" + SOLVED["kl_divergence"]
    spins = ("import signal\nfor s in (signal.SIGALRM, signal.SIGPROF):\n    signal.signal(s, signal.SIG_IGN)\n"
             "while True:\n    pass\n")
    new_learner(tmp_path / "CLASS" / "a-waits", {"kl_divergence": waits}, [KL_NOTEBOOK])
    new_learner(tmp_path / "CLASS" / "b-spins", {"kl_divergence": spins}, [KL_NOTEBOOK])
    grade.main([str(tmp_path / "CLASS"), "--json", "--jobs", "2", "--time-limit", "2"])
    waited, spun = ({r["exercise"]: r for r in learner["rows"]}["kl_divergence"]
                    for learner in json.loads(capsys.readouterr().out)["learners"])
    assert waited["points"] == 2, waited
    assert spun["pitfall"] == "too-slow" and "6 s on the clock" in spun["message"], spun
