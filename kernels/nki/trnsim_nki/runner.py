"""Runs a traced program on the trnsim binary and reads its results back.

Binary: $TRNSIM_BIN if set, else <source tree>/build/trnsim, else `trnsim` on PATH. The trace
and the inputs go to a temporary folder that is removed when the run ends (on failure the
trace is kept as JSON and its path is in the error):
    trnsim run TRACE.trnb --input NAME=FILE.npy ... --out DIR [run options]
The trace is handed over in the binary format (trace_binary.py, isa/TRACE_BINARY.md); a trace
that writer leaves to the JSON reader (trace_binary.EncodeError) goes as TRACE.json.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

from . import json_text, trace_binary
from .errors import TrnsimRunError

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))

MODES = (None, "timing", "values")  # None: values and timing


class RunOptions:
    """Options of one simulation, as `trnsim run` takes them.

    target: trn1 | trn2 | trn3; hw: hardware config file (replaces target); sets: iterable of
    "key.path=value" config overrides; mode: None (values and timing), "timing" (timing only:
    no outputs) or "values" (values only: no timing); timeline: passed as `--timeline VALUE`
    when not None; seed: seed of random data for inputs not given."""

    def __init__(self, target="trn2", hw=None, sets=(), mode=None, timeline=None, seed=None):
        if mode not in MODES:
            raise ValueError("mode must be one of None, 'timing', 'values'; got %r" % (mode,))
        self.target = target
        self.hw = hw
        self.sets = list(sets)
        self.mode = mode
        self.timeline = timeline
        self.seed = seed

    def args(self):
        out = []
        if self.target:
            out += ["--target", self.target]
        if self.hw:
            out += ["--hw", self.hw]
        for s in self.sets:
            out += ["--set", s]
        if self.mode == "timing":
            out.append("--timing-only")
        elif self.mode == "values":
            out.append("--values-only")
        if self.timeline is not None:
            out += ["--timeline", self.timeline]
        if self.seed is not None:
            out += ["--seed", str(self.seed)]
        return out


class Results(tuple):
    """(outputs, stats), unpackable as a pair, plus .results_dir: the results folder (None
    when the run used a temporary folder, already removed). outputs is {tensor name: ndarray}
    ({} in timing-only mode); stats is stats.json as a dict."""

    def __new__(cls, outputs, stats, results_dir):
        r = super().__new__(cls, (outputs, stats))
        r.outputs, r.stats, r.results_dir = outputs, stats, results_dir
        r.dumps = {}  # trnsim_nki.run(..., dumps=...): {request: [array per run of the line]}
        return r


def find_binary():
    """Path of the trnsim binary, or None if there is none. $TRNSIM_BIN is used as given
    (a broken value is an error at run time, not a reason to look elsewhere)."""
    env = os.environ.get("TRNSIM_BIN")
    if env:
        return env
    path = os.path.join(REPO_ROOT, "build", "trnsim")
    if os.access(path, os.X_OK):
        return path
    return shutil.which("trnsim")


def _read_outputs(trace, out_dir):
    outputs = {}
    for t in trace["tensors"]:
        if t["role"] == "output":
            p = os.path.join(out_dir, "outputs", t["name"] + ".npy")
            if not os.path.exists(p):
                raise TrnsimRunError("trnsim wrote no output %s" % p)
            outputs[t["name"]] = np.load(p).reshape(t["shape"])
    return outputs


def _read_stats(out_dir):
    sp = os.path.join(out_dir, "stats.json")
    if not os.path.exists(sp):
        return {}
    with open(sp) as f:
        return json.load(f)


def _invoke(cmd, binary, echo, while_running=None):
    """Runs the binary; returns its diagnostic on failure, else None. echo: copy its stdout
    (the summary table) to sys.stdout. while_running: called once the binary has started (the
    binary waits on a full output pipe until it returns, then finishes)."""
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except OSError as e:
        raise TrnsimRunError("cannot run trnsim binary %s: %s" % (binary, e))
    try:
        if while_running is not None:
            while_running()
    finally:
        stdout, stderr = proc.communicate()
    if echo and proc.returncode == 0:
        sys.stdout.write(stdout)
        sys.stdout.flush()
    if proc.returncode != 0:
        out = stdout.strip() if stdout else ""
        return stderr.strip() or out or "exit code %d" % proc.returncode
    return None


def run_trace(trace, inputs, out_dir=None, target="trn2", extra_args=(), options=None,
              echo=False, while_running=None):
    """Runs `trace` (dict) with `inputs` {tensor name: ndarray}. Returns Results (unpacks as
    (outputs, stats)). options: RunOptions (its target wins over `target`); echo: let the
    binary print its summary table to stdout; while_running: work to do while the binary runs
    (called once it has started). Raises TrnsimRunError with the binary's diagnostic."""
    binary = find_binary()
    if binary is None:
        raise TrnsimRunError("no trnsim binary: set TRNSIM_BIN, put trnsim on PATH or build "
                             "build/trnsim in the source tree")
    options = options or RunOptions(target=target)
    if options.mode == "timing":
        inputs = {}  # timing-only runs take no values
    work = tempfile.mkdtemp(prefix="trnsim_nki_")
    results_dir = out_dir
    failed = True
    try:
        run_dir = out_dir or os.path.join(work, "results")
        trace_path = _write_handoff(trace, work)
        cmd = [binary, "run", trace_path]
        for name, arr in inputs.items():
            p = os.path.join(work, name + ".npy")
            np.save(p, np.ascontiguousarray(arr))
            cmd += ["--input", "%s=%s" % (name, p)]
        cmd += ["--out", run_dir] + ([] if echo else ["--quiet"])
        cmd += options.args() + list(extra_args)
        error = _invoke(cmd, binary, echo, while_running)
        if error is not None:
            kept = _keep_trace(trace, trace_path, out_dir)
            raise TrnsimRunError("%s (trace kept in %s)" % (error.replace(trace_path, kept), kept))
        outputs = {} if options.mode == "timing" else _read_outputs(trace, run_dir)
        stats = _read_stats(run_dir)
        failed = False
        return Results(outputs, stats, results_dir)
    finally:
        if not failed or out_dir:
            shutil.rmtree(work, ignore_errors=True)


def _write_handoff(trace, work):
    """Writes `trace` into folder `work` for the binary: binary, or JSON for a trace the binary
    writer leaves to the JSON reader. Returns the file's path."""
    try:
        data = trace_binary.encode(trace)
    except trace_binary.EncodeError:
        path = os.path.join(work, "trace.json")
        json_text.write(trace, path)
        return path
    path = os.path.join(work, "trace.trnb")
    with open(path, "wb") as f:
        f.write(data)
    return path


def _keep_trace(trace, trace_path, out_dir):
    """Where the failed run's trace stays, as JSON to read: out_dir/trace.json if there is an
    out_dir (the temporary folder is then removed), else trace.json in the temporary folder,
    minus the input copies and the binary handoff. The instruction numbers of the binary's
    diagnostic are those of the JSON trace."""
    work = os.path.dirname(trace_path)
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
        kept = os.path.join(out_dir, "trace.json")
    else:
        kept = os.path.join(work, "trace.json")
        for f in os.listdir(work):
            if f.endswith(".npy") or f.endswith(".trnb"):
                os.remove(os.path.join(work, f))
    if kept != trace_path:
        json_text.write(trace, kept)
    return kept
