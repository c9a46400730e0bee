"""Runs a traced program on the trnsim binary and reads its results back.

Binary: $TRNSIM_BIN if set, else <repo>/build/trnsim. The program and inputs go to a temporary
directory: `trnsim run TRACE.json --input NAME=FILE.npy ... --out DIR [--target T] --quiet`.
"""
import json
import os
import subprocess
import tempfile

import numpy as np

from .errors import TrnsimRunError

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))


def find_binary():
    """Path of the trnsim binary, or None if there is none. $TRNSIM_BIN is used as given
    (a broken value is an error at run time, not a reason to look elsewhere)."""
    env = os.environ.get("TRNSIM_BIN")
    if env:
        return env
    path = os.path.join(REPO_ROOT, "build", "trnsim")
    return path if os.access(path, os.X_OK) else None


def run_trace(trace, inputs, out_dir=None, target="trn2", extra_args=()):
    """Runs `trace` (dict) with `inputs` {tensor name: ndarray}. Returns (outputs {name:
    ndarray}, stats dict, results dir). Raises TrnsimRunError with the binary's diagnostic."""
    binary = find_binary()
    if binary is None:
        raise TrnsimRunError("no trnsim binary: set TRNSIM_BIN or build %s/build/trnsim"
                             % REPO_ROOT)
    work = tempfile.mkdtemp(prefix="trnsim_nki_")
    out_dir = out_dir or os.path.join(work, "results")
    trace_path = os.path.join(work, "trace.json")
    with open(trace_path, "w") as f:
        json.dump(trace, f, indent=1)
    cmd = [binary, "run", trace_path]
    for name, arr in inputs.items():
        p = os.path.join(work, name + ".npy")
        np.save(p, np.ascontiguousarray(arr))
        cmd += ["--input", "%s=%s" % (name, p)]
    cmd += ["--out", out_dir, "--quiet"]
    if target:
        cmd += ["--target", target]
    cmd += list(extra_args)
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except OSError as e:
        raise TrnsimRunError("cannot run trnsim binary %s: %s" % (binary, e))
    if proc.returncode != 0:
        msg = (proc.stderr.strip() or proc.stdout.strip() or "exit code %d" % proc.returncode)
        raise TrnsimRunError("%s (trace kept in %s)" % (msg, trace_path))
    outputs = {}
    for t in trace["tensors"]:
        if t["role"] == "output":
            p = os.path.join(out_dir, "outputs", t["name"] + ".npy")
            if not os.path.exists(p):
                raise TrnsimRunError("trnsim wrote no output %s" % p)
            outputs[t["name"]] = np.load(p).reshape(t["shape"])
    stats = {}
    sp = os.path.join(out_dir, "stats.json")
    if os.path.exists(sp):
        with open(sp) as f:
            stats = json.load(f)
    return outputs, stats, out_dir
