"""Run the class's grading in judge processes, `parallel` at a time; the grading command itself imports no torch.

Each judge (judge.py) grades its share of the learners one after another, each learner's code in a
probe worker sealed off in a sandbox of its own (isolation.py), and writes one line per finished job.
Learner code never runs in a judge, and a judge never trusts what a probe sends beyond plain data: a
learner can spoil only their own notebook's grade, never a judge's or a classmate's.
"""
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

from .. import REPO_ROOT

STARTUP = 60.0  # seconds a worker may take to import torch and the chapters' modules, beyond its jobs' limits
MESSAGE_LIMIT = 4000  # characters of a message kept; learner text can be long


class WorkerFailed(Exception):
    pass


def cell_limit(notebook_limit):
    """The per-cell limit: half the per-notebook one, and at least a second."""
    return max(1.0, notebook_limit / 2)


def verdict(exercise, pitfall, message, passed=False, explanation=""):
    return {"exercise": exercise, "passed": passed, "pitfall": pitfall,
            "message": str(message)[:MESSAGE_LIMIT], "explanation": str(explanation)[:MESSAGE_LIMIT]}


def worker_env(sandboxed):
    """The environment of a judge (sandboxed=False) or of a sandboxed probe worker: on the CPU (the same verdicts on
    every machine), one thread each, and the course importable."""
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/tmp"} if sandboxed else dict(os.environ)
    env = dict(base, CUDA_VISIBLE_DEVICES="", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", MPLBACKEND="Agg",
               PYTHONDONTWRITEBYTECODE="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), None if sandboxed else env.get("PYTHONPATH")]))
    if "VAE_LESSON_RUN_ID" in os.environ:  # a tag that finds one grading run's processes (the tests use it)
        env["VAE_LESSON_RUN_ID"] = os.environ["VAE_LESSON_RUN_ID"]
    return env


def _run_judge(learners, time_limit, sandboxed, hidden, seed):
    """{job index: (verdicts, note)} from one judge process grading `learners` ([[(index, job), ...], ...])."""
    request = json.dumps({"learners": learners, "time_limit": time_limit, "sandboxed": sandboxed,
                          "hidden": [str(h) for h in hidden], "seed": seed})
    done = {}
    with tempfile.TemporaryFile() as stderr:
        judge = subprocess.Popen([sys.executable, "-m", "vae_lesson.grader.judge"], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=stderr, env=worker_env(False), cwd=REPO_ROOT)
        judge.stdin.write(request.encode())
        judge.stdin.close()
        for line in judge.stdout:
            event = json.loads(line)
            done[event["done"]] = (event["verdicts"], event["note"])
        judge.wait()
        stderr.seek(0)
        last = (stderr.read().decode(errors="replace").strip().splitlines() or [f"exit code {judge.returncode}"])[-1]
    failed = [i for i, (verdicts, _) in done.items() if verdicts is None]
    if judge.returncode or failed:
        why = done[failed[0]][1] if failed else last
        raise WorkerFailed(f"grading failed: {why}")
    return done


def grade_jobs(jobs, parallel=2, time_limit=30.0, sandboxed=True, hidden=(), seed=0):
    """[(verdicts, note)] for each job, in order. Each learner (job["learner"]) is graded in a sandbox of their own
    (unsandboxed: a plain subprocess), `parallel` learners at a time. `seed` offsets the seeds of every check's
    inputs (grader/seeds.py)."""
    learners = {}
    for index, job in enumerate(jobs):
        learners.setdefault(job.get("learner"), []).append((index, job))
    shares = [list(learners.values())[i::parallel] for i in range(parallel)]
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        parts = pool.map(lambda share: _run_judge(share, time_limit, sandboxed, hidden, seed), [s for s in shares if s])
        results = {i: r for part in parts for i, r in part.items()}
    return [results[i] for i in range(len(jobs))]
