"""Executors of an NKI rank sweep: where the points run.

Every point runs in a fresh `python3 -m trnsim_nki.rank_point` process (the tracer keeps
global state and SystemC allows one simulation per process), wherever it is started from:
- local: up to --jobs such processes at a time on this machine (the default);
- dask: each point is one task on a Dask distributed cluster (`--scheduler tcp://HOST:PORT`);
  the task starts the point process on the worker. Workers must import trnsim_nki (kernels/nki
  on their PYTHONPATH) and see the kernel files, the sweep's out folder and the trnsim binary
  at the same paths (a shared file system), as on a Slurm cluster.
A point is a pure function of its task, so every executor gives the same results.
"""
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from .rank_point import empty_point

_FRONT_END_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class ExecutorError(RuntimeError):
    """An executor that cannot start (no Dask, unreachable scheduler)."""


def run_task_in_process(task):
    """Runs one task in a fresh interpreter; returns its point (an ERROR point if the process
    died or printed no point)."""
    env = dict(os.environ)
    old = env.get("PYTHONPATH")
    env["PYTHONPATH"] = _FRONT_END_ROOT + (os.pathsep + old if old else "")
    proc = subprocess.run([sys.executable, "-m", "trnsim_nki.rank_point"],
                          input=json.dumps(task), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env=env)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode == 0 and lines:
        try:
            return json.loads(lines[-1])
        except ValueError:
            pass
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return empty_point(task, "ERROR", "point process failed (exit %d): %s" % (
        proc.returncode, tail))


def run_local(tasks, jobs, progress=None):
    """Points of `tasks` (same order), up to `jobs` processes at a time."""
    done = []
    with ThreadPoolExecutor(max_workers=max(1, int(jobs))) as pool:
        for point in pool.map(run_task_in_process, tasks):
            done.append(point)
            if progress:
                progress(len(done), len(tasks))
    return done


def run_dask(tasks, scheduler, progress=None):
    """Points of `tasks` (same order), one Dask task each, on the cluster at `scheduler`."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ExecutorError("--executor dask needs Dask distributed (Debian: apt-get install "
                            "python3-distributed)")
    try:  # waits up to Dask's distributed.comm.timeouts.connect (30 s by default)
        client = Client(scheduler)
    except (OSError, TimeoutError, ValueError) as e:
        raise ExecutorError("--scheduler %s: cannot reach the Dask scheduler: %s" % (
            scheduler, e))
    try:
        futures = client.map(run_task_in_process, tasks, pure=False)
        count = 0
        for _ in as_completed(futures):
            count += 1
            if progress:
                progress(count, len(tasks))
        return client.gather(futures)
    finally:
        client.close()
