"""Run grading jobs in a worker process, and keep going if learner code kills the worker.

The grading command never imports torch or runs learner code itself: it starts
`python -m vae_lesson.grader.worker` in its own session, on the CPU (the same verdicts on every
machine, and no CUDA context per child), and reads one line per finished job. If the worker dies,
the jobs it was running are suspects: each is run again alone, and one that kills the worker again
gets no credit; the other jobs go on in a fresh worker.
"""
import json
import os
import subprocess
import sys
import tempfile

from .. import REPO_ROOT
from .child import verdict


class WorkerFailed(Exception):
    pass


def _worker_env():
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env


def run_worker(jobs, parallel, time_limit):
    """({job index: (verdicts, note)} finished, [indices in flight when it ended], its stderr's last line)."""
    request = json.dumps({"jobs": jobs, "parallel": parallel, "time_limit": time_limit})
    done, in_flight = {}, set()
    with tempfile.TemporaryFile() as stderr, tempfile.TemporaryDirectory() as cwd:
        worker = subprocess.Popen([sys.executable, "-m", "vae_lesson.grader.worker"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=stderr, cwd=cwd, env=_worker_env(),
                                  start_new_session=True)  # a learner's killpg cannot reach the grading command
        worker.stdin.write(request.encode())
        worker.stdin.close()
        for line in worker.stdout:
            event = json.loads(line)
            if "start" in event:
                in_flight.add(event["start"])
            else:
                in_flight.discard(event["done"])
                done[event["done"]] = (event["verdicts"], event["note"])
        worker.wait()
        stderr.seek(0)
        last = (stderr.read().decode(errors="replace").strip().splitlines() or [f"exit code {worker.returncode}"])[-1]
    return done, sorted(in_flight), last


def killed_the_worker(job):
    note = "running this notebook killed the grading worker, twice (the second time alone)"
    return [verdict(s["exercise"], "grader-tampered", note + ": no credit for this notebook.")
            for s in job["steps"] if "exercise" in s], note


def grade_jobs(jobs, parallel=2, time_limit=30.0):
    """[(verdicts, note)] for each job, in order."""
    results, suspects, todo = {}, set(), list(range(len(jobs)))
    while todo:
        alone = [i for i in todo if i in suspects][:1]
        batch = alone or todo
        done, in_flight, last = run_worker([jobs[i] for i in batch], 1 if alone else parallel, time_limit)
        results.update({batch[k]: v for k, v in done.items()})
        for i in (batch[k] for k in in_flight):
            if alone:
                results[i] = killed_the_worker(jobs[i])
            suspects.add(i)
        if not done and not in_flight:
            raise WorkerFailed(f"the grading worker failed before grading anything: {last}")
        todo = [i for i in todo if i not in results]
    return [results[i] for i in range(len(jobs))]
