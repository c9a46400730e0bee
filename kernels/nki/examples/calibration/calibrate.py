"""The calibration report: runs the calibration set (the matrix-multiplication tutorial's four
schedules, matmul_variants.py, and the LayerNorm pair, ../layernorm.py) through the NKI front
end and `trnsim run --timing-only`, and prints simulated vs measured latency (measured.json),
the error and whether each group ranks as measured.

    python3 calibrate.py [--small] [--case NAME ...] [--trnsim BIN] [--out DIR]
                         [--dma-issue ORDER] [--json]

--case (repeatable) runs only the named cases (default: all six).
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
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "..")))  # kernels/nki
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..")))        # the examples

import numpy as np  # noqa: E402

import trnsim_nki  # noqa: E402
import layernorm  # noqa: E402
from calibration import matmul_variants  # noqa: E402

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


def simulate(case, shapes, trnsim, out_dir, dma_issue, target):
    """Traces the case, runs it timing-only; returns stats.json as a dict."""
    trace = trnsim_nki.trace(KERNELS[case["name"]], *inputs(case["group"], shapes),
                             target=target)
    if dma_issue:
        trace["dma_issue"] = dma_issue
    case_dir = os.path.join(out_dir, case["name"])
    os.makedirs(case_dir, exist_ok=True)
    trace_path = os.path.join(case_dir, "trace.json")
    with open(trace_path, "w") as f:
        json.dump(trace, f)
    run = subprocess.run([trnsim, "run", trace_path, "--timing-only", "--target", target,
                          "--quiet", "-o", os.path.join(case_dir, "results")],
                         capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(run.stderr.strip() or run.stdout.strip())
    with open(os.path.join(case_dir, "results", "stats.json")) as f:
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
    args = ap.parse_args(argv)
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
            stats = simulate(case, shapes, trnsim, out_dir, args.dma_issue, measured["target"])
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
              "dma_issue": args.dma_issue or "as traced", "cases": rows,
              "ranking_ok": {g: ranking_ok(rows, g) for g in groups}}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    return 1 if failed else 0


def print_report(report):
    print("calibration on %s (%s shapes, DMA issue %s)" %
          (report["target"], report["shapes"], report["dma_issue"]))
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
