"""The calibration report: runs the calibration set (the matrix-multiplication tutorial's four
schedules, matmul_variants.py, and the LayerNorm pair, ../layernorm.py) through the NKI front
end and `trnsim run --timing-only`, and prints simulated vs measured latency (measured.json),
the error and whether each group ranks as measured.

    python3 calibrate.py [--small] [--case NAME ...] [--trnsim BIN] [--out DIR]
                         [--dma-issue ORDER] [--json] [--set KEY=VALUE ...]
                         [--reuse-traces]
                         [--sensitivity [--factors F,...] [--constant KEY ...] [--jobs N]]

--case (repeatable) runs only the named cases (default: all six).
--set (repeatable) overrides a hardware config number for every run (trnsim run --set).
--reuse-traces takes DIR/<case>/trace.json from an earlier run with the same --out instead
of tracing again (the kernels and shapes must not have changed since).
--sensitivity then re-runs every case with each main constant of the target's config scaled
by each factor (sensitivity.py; --constant: only those) and prints the change of each case's
time.
--small runs reduced shapes (a smoke test: rankings and errors there mean nothing, the
measurements are of the full shapes). --dma-issue overrides the traces' DMA issue order
(program_order | prefetch | asap, the trace field the front end sets from CompileConfig).
Exit status: 0 when every case ran, 1 otherwise (the report never gates on accuracy).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "..")))  # kernels/nki
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..")))        # the examples

import numpy as np  # noqa: E402

import trnsim_nki  # noqa: E402
import layernorm  # noqa: E402
from calibration import matmul_variants  # noqa: E402
from calibration import sensitivity  # noqa: E402

FULL = {"matmul": (8192, 4096, 8192), "layernorm": (4096, 8192)}
SMALL = {"matmul": (1024, 2048, 1024), "layernorm": (256, 1024)}
KERNELS = {
    "matmul_tiled": matmul_variants.matmul_tiled,
    "matmul_hoisted": matmul_variants.matmul_hoisted,
    "matmul_blocked": matmul_variants.matmul_blocked,
    "matmul_optimised": matmul_variants.matmul_optimised,
    "layernorm_nl": layernorm.layernorm_nl,
    "layernorm_bn": layernorm.layernorm_bn,
}


def inputs(group, shapes):
    """Host arrays of the case's shapes (zeros: timing does not depend on values)."""
    if group == "matmul":
        k, m, n = shapes[group]
        return (trnsim_nki.as_dtype(np.zeros((k, m), np.float32), "bfloat16"),
                trnsim_nki.as_dtype(np.zeros((k, n), np.float32), "bfloat16"))
    rows, cols = shapes[group]
    return (np.zeros((rows, cols), np.float32), np.ones((cols,), np.float32),
            np.zeros((cols,), np.float32))


def write_trace(case, shapes, out_dir, dma_issue, target, reuse):
    """Traces the case into out_dir/<case>/trace.json (or keeps it if `reuse` and it exists);
    returns its path."""
    case_dir = os.path.join(out_dir, case["name"])
    trace_path = os.path.join(case_dir, "trace.json")
    if reuse and os.path.exists(trace_path) and not dma_issue:
        return trace_path
    trace = trnsim_nki.trace(KERNELS[case["name"]], *inputs(case["group"], shapes),
                             target=target)
    if dma_issue:
        trace["dma_issue"] = dma_issue
    os.makedirs(case_dir, exist_ok=True)
    with open(trace_path, "w") as f:
        json.dump(trace, f)
    return trace_path


def run_trace(trnsim, trace_path, target, results_dir, sets=()):
    """`trnsim run --timing-only` of a trace with config overrides; returns stats.json."""
    cmd = [trnsim, "run", trace_path, "--timing-only", "--target", target, "--quiet",
           "--timeline", "none", "-o", results_dir]
    for item in sets:
        cmd += ["--set", item]
    # The configs are found in this source tree unless the caller says otherwise.
    env = dict(os.environ)
    env.setdefault("TRNSIM_DATA", REPO)
    run = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if run.returncode != 0:
        raise RuntimeError(run.stderr.strip() or run.stdout.strip())
    with open(os.path.join(results_dir, "stats.json")) as f:
        return json.load(f)


def ranking_ok(rows, group):
    """True if the group's simulated times are in the measured order; None if a case of the
    group did not run (or fewer than two of its cases were asked for)."""
    cases = [r for r in rows if r["group"] == group]
    if len(cases) < 2 or any(r["simulated_us"] is None for r in cases):
        return None
    by_measured = sorted(cases, key=lambda r: r["measured_us"])
    by_simulated = sorted(cases, key=lambda r: r["simulated_us"])
    return [r["name"] for r in by_measured] == [r["name"] for r in by_simulated]


def main(argv=None):
    ap = argparse.ArgumentParser(description="trnsim calibration report")
    ap.add_argument("--small", action="store_true", help="reduced shapes (smoke test)")
    ap.add_argument("--trnsim", default=os.environ.get("TRNSIM_BIN", ""),
                    help="trnsim binary (default $TRNSIM_BIN, else build/trnsim)")
    ap.add_argument("--out", default="", help="keep traces and results here")
    ap.add_argument("--dma-issue", default="", choices=["", "program_order", "prefetch", "asap"])
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    ap.add_argument("--case", action="append", default=[], choices=sorted(KERNELS),
                    help="run only this case (repeatable)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="hardware config override for every run (repeatable)")
    ap.add_argument("--reuse-traces", action="store_true",
                    help="reuse OUT/<case>/trace.json of an earlier run (needs --out)")
    ap.add_argument("--sensitivity", action="store_true",
                    help="also re-run with each main constant scaled by each factor")
    ap.add_argument("--factors", default="0.8,1.2",
                    help="sensitivity scale factors, comma-separated (default 0.8,1.2)")
    ap.add_argument("--constant", action="append", default=[], choices=sensitivity.CONSTANTS,
                    help="sensitivity: only this constant (repeatable; default: all)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel sensitivity runs (default 2)")
    args = ap.parse_args(argv)
    if args.reuse_traces and not args.out:
        ap.error("--reuse-traces needs --out DIR")
    try:
        factors = [float(f) for f in args.factors.split(",") if f]
    except ValueError:
        ap.error("--factors: expected numbers separated by commas, got %r" % args.factors)
    if args.sensitivity and (not factors or any(f <= 0 for f in factors)):
        ap.error("--factors: every factor must be > 0")
    if args.jobs < 1:
        ap.error("--jobs must be >= 1")
    trnsim = args.trnsim or trnsim_nki.find_binary()
    with open(os.path.join(HERE, "measured.json")) as f:
        measured = json.load(f)
    shapes = SMALL if args.small else FULL
    out_dir = args.out or tempfile.mkdtemp(prefix="trnsim_calibrate_")
    rows, failed = [], False
    for case in measured["cases"]:
        if args.case and case["name"] not in args.case:
            continue
        row = dict(case, simulated_us=None, error=None)
        try:
            trace_path = write_trace(case, shapes, out_dir, args.dma_issue, measured["target"],
                                     args.reuse_traces)
            row["trace"] = trace_path
            stats = run_trace(trnsim, trace_path, measured["target"],
                              os.path.join(out_dir, case["name"], "results"), args.set)
            row["simulated_us"] = stats["total_ns"] / 1e3
            row["error"] = row["simulated_us"] / case["measured_us"] - 1.0
            row["anti_wait_us"] = stats["dependency_waits"]["anti_ns"] / 1e3
            row["sbuf_peak_bytes"] = stats["memory"]["sbuf"]["peak_bytes_per_partition"]
        except Exception as e:  # report every case, then fail
            row["failure"] = str(e).splitlines()[-1] if str(e) else type(e).__name__
            failed = True
        rows.append(row)
    groups = sorted({r["group"] for r in rows})
    report = {"shapes": "small" if args.small else "full", "target": measured["target"],
              "dma_issue": args.dma_issue or "as traced", "sets": args.set, "cases": rows,
              "ranking_ok": {g: ranking_ok(rows, g) for g in groups}}
    if args.sensitivity and not failed:
        run = lambda trace, results, sets: run_trace(trnsim, trace, measured["target"],
                                                     results, sets)["total_ns"] / 1e3
        config = os.path.join(REPO, "sim", "configs", measured["target"] + ".json")
        report["sensitivity"] = sensitivity.sweep(rows, config, factors, args.set, out_dir,
                                                  run, args.jobs,
                                                  args.constant or sensitivity.CONSTANTS)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
        if "sensitivity" in report:
            sensitivity.print_table(report["sensitivity"], [r["name"] for r in rows])
    return 1 if failed else 0


def print_report(report):
    print("calibration on %s (%s shapes, DMA issue %s)" %
          (report["target"], report["shapes"], report["dma_issue"]))
    if report["sets"]:
        print("config overrides: " + " ".join(report["sets"]))
    print("%-18s %14s %14s %9s" % ("case", "simulated_us", "measured_us", "error"))
    for r in report["cases"]:
        if r["simulated_us"] is None:
            print("%-18s %14s %14.0f  FAILED: %s" % (r["name"], "-", r["measured_us"],
                                                    r["failure"]))
            continue
        print("%-18s %14.1f %14.0f %+8.1f%%" % (r["name"], r["simulated_us"], r["measured_us"],
                                                100 * r["error"]))
    for g, ok in report["ranking_ok"].items():
        verdict = "n/a (a case failed)" if ok is None else "as measured" if ok else "WRONG"
        print("ranking %-10s %s" % (g, verdict))
    if report["shapes"] == "small":
        print("(small shapes: a smoke test; the measurements are of the full shapes)")


if __name__ == "__main__":
    sys.exit(main())
