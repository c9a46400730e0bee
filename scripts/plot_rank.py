#!/usr/bin/python3
"""Bar chart of a `trnsim rank` report (the JSON it writes, for library or NKI kernels): one
bar per ranked point, simulated time in microseconds, fastest first; FAIL/ERROR/SKIP points
listed under the chart.

usage: scripts/plot_rank.py RANK.json [-o rank.png]
"""
import argparse
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def point_label(point, shape):
    extra = ",".join(f"{k}={v}" for k, v in sorted(point["params"].items()) if k not in shape)
    return point["variant"] + (f"\n{extra}" if extra else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report")
    ap.add_argument("-o", "--output", default=None, help="PNG path (default: REPORT.png)")
    args = ap.parse_args()
    with open(args.report) as f:
        report = json.load(f)
    if report.get("format") != "trnsim-rank":
        sys.exit(f"{args.report}: not a trnsim-rank report")
    ok = [p for p in report["points"] if p["status"] == "ok"]
    bad = [p for p in report["points"] if p["status"] != "ok"]
    shape = report["shape"]
    fig, ax = plt.subplots(figsize=(max(6, 0.9 * len(ok) + 2), 4.5))
    times = [p["time_ns"] / 1000.0 for p in ok]
    colors = ["tab:orange" if p["variant"] == report["baseline"] else "tab:blue" for p in ok]
    bars = ax.bar(range(len(ok)), times, color=colors)
    for bar, p in zip(bars, ok):
        ax.annotate(f"{p['speedup_vs_baseline']:.2f}x\n{p['bottleneck']}",
                    (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center", va="bottom", fontsize=7)
    ax.set_xticks(range(len(ok)))
    ax.set_xticklabels([point_label(p, shape) for p in ok], rotation=30, ha="right", fontsize=7)
    ax.set_ylabel("simulated time (us)")
    shape_text = ",".join(f"{k}={v}" for k, v in sorted(shape.items()))
    inputs = report.get("inputs", {})  # NKI sweeps: the kernel's inputs, no shape parameters
    shape_text = ",".join(filter(None, [shape_text] +
                                 [f"{k}={v}" for k, v in sorted(inputs.items())]))
    ax.set_title(f"{report['kernel']} {report['dtype']} on {report['target']} ({shape_text})\n"
                 f"orange = baseline ({report['baseline']}); labels: speedup vs baseline, "
                 f"bottleneck", fontsize=9)
    if bad:
        text = "not ranked: " + "; ".join(f"{p['variant']} {p['status']}" for p in bad)
        fig.text(0.01, 0.01, text[:200], fontsize=7, color="tab:red")
    fig.tight_layout()
    out = args.output or args.report.rsplit(".", 1)[0] + ".png"
    fig.savefig(out, dpi=120)
    print(out)


if __name__ == "__main__":
    main()
