"""Run grading jobs in worker processes, one per learner, each sealed off (isolation.py); keep going if
learner code kills its worker.

The grading command never imports torch or runs learner code itself: for each learner it starts
`python -m vae_lesson.grader.worker` in a bubblewrap sandbox of its own, on the CPU (the same verdicts
on every machine, and no CUDA context per child), and reads one line per finished job. `parallel`
learners are graded at a time. If a worker dies, the jobs it was running are suspects: each is run
again alone, and one that kills the worker again gets no credit; the learner's other jobs go on in a
fresh worker. A learner's jobs cannot reach another learner's: they share no process, no file and
no folder.
"""
import json
import os
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor

from .. import REPO_ROOT
from . import isolation
from .child import verdict

STARTUP = 60.0  # seconds a worker may take to import torch and warm the checks, beyond its jobs' limits


class WorkerFailed(Exception):
    pass


def _worker_env(sandboxed):
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/tmp"} if sandboxed else dict(os.environ)
    env = dict(base, CUDA_VISIBLE_DEVICES="", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", MPLBACKEND="Agg",
               PYTHONDONTWRITEBYTECODE="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), None if sandboxed else env.get("PYTHONPATH")]))
    return env


def run_worker(jobs, parallel, time_limit, hidden=None, seed=0):
    """({job index: (verdicts, note)} finished, [indices in flight when it ended], its stderr's last line).
    `hidden`: None to run the worker unsandboxed, else the folders the sandbox must not show."""
    request = json.dumps({"jobs": jobs, "parallel": parallel, "time_limit": time_limit, "seed": seed})
    argv = [sys.executable, "-m", "vae_lesson.grader.worker"]
    budget = STARTUP + time_limit * len(jobs)
    done, in_flight = {}, set()
    with tempfile.TemporaryFile() as stderr, tempfile.TemporaryDirectory() as cwd:
        if hidden is None:
            command, preexec = argv, None
        else:
            command, preexec = isolation.command(argv, hidden, _worker_env(True)), isolation.limits(budget)
        worker = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, cwd=cwd,
                                  env=_worker_env(hidden is not None), preexec_fn=preexec,
                                  start_new_session=True)  # a learner's killpg cannot reach the grading command
        timer = threading.Timer(budget, worker.kill)  # the worker enforces each job's limit; this, its own
        timer.start()
        try:
            worker.stdin.write(request.encode())
            worker.stdin.close()
            for line in worker.stdout:
                event = json.loads(line)
                if "start" in event:
                    in_flight.add(event["start"])
                else:
                    in_flight.discard(event["done"])
                    done[event["done"]] = (event["verdicts"], event["note"])
        except (ValueError, KeyError, TypeError, BrokenPipeError):
            worker.kill()  # not the worker's stream: the learner's code wrote into it
        finally:
            timer.cancel()
            worker.wait()
        stderr.seek(0)
        last = (stderr.read().decode(errors="replace").strip().splitlines() or [f"exit code {worker.returncode}"])[-1]
    return done, sorted(in_flight), last


def killed_the_worker(job):
    note = "running this notebook killed the grading worker, twice (the second time alone)"
    return [verdict(s["exercise"], "grader-tampered", note + ": no credit for this notebook.")
            for s in job["steps"] if "exercise" in s], note


def _grade_group(jobs, parallel, time_limit, hidden, seed):
    """[(verdicts, note)] for the jobs of one worker (one learner's, when sandboxed), in order."""
    results, suspects, todo = {}, set(), list(range(len(jobs)))
    while todo:
        alone = [i for i in todo if i in suspects][:1]
        batch = alone or todo
        done, in_flight, last = run_worker([jobs[i] for i in batch], 1 if alone else parallel, time_limit, hidden,
                                           seed)
        results.update({batch[k]: v for k, v in done.items()})
        for i in (batch[k] for k in in_flight):
            if alone:
                results[i] = killed_the_worker(jobs[i])
            suspects.add(i)
        if not done and not in_flight:
            raise WorkerFailed(f"the grading worker failed before grading anything: {last}")
        todo = [i for i in todo if i not in results]
    return [results[i] for i in range(len(jobs))]


def grade_jobs(jobs, parallel=2, time_limit=30.0, sandboxed=True, hidden=(), seed=0):
    """[(verdicts, note)] for each job, in order. Sandboxed, each learner (job["learner"]) gets a worker in a
    sandbox of its own and `parallel` learners are graded at a time; unsandboxed, one worker grades all.
    `seed` offsets the seeds of every check's inputs (grader/seeds.py)."""
    if not sandboxed:
        return _grade_group(jobs, parallel, time_limit, None, seed)
    groups = {}
    for index, job in enumerate(jobs):
        groups.setdefault(job.get("learner"), []).append(index)
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        graded = pool.map(lambda ids: (ids, _grade_group([jobs[i] for i in ids], 1, time_limit, list(hidden), seed)),
                          groups.values())
        results = {i: r for ids, group in graded for i, r in zip(ids, group)}
    return [results[i] for i in range(len(jobs))]
