"""Draws a results folder's timeline as a PNG: one row per engine and DMA queue, one bar per
instruction (or DMA piece), coloured by opcode. Used by `trnsim plot DIR [-o FILE.png]`.

Reads DIR/timeline.json or DIR/timeline.json.gz (Chrome trace events, "X" slices with ts/dur
in microseconds). Needs matplotlib (Debian: python3-matplotlib).
"""
import argparse
import gzip
import json
import os
import sys

MAX_LEGEND = 12  # opcodes named in the legend (the busiest); the rest share one grey


class PlotError(Exception):
    """A results folder that cannot be drawn; reported as `trnsim plot: error: ...`."""


def read_timeline(results_dir):
    for name, opener in (("timeline.json", open), ("timeline.json.gz", gzip.open)):
        path = os.path.join(results_dir, name)
        if os.path.exists(path):
            try:
                with opener(path, "rt") as f:
                    return json.load(f), path
            except (OSError, ValueError) as e:
                raise PlotError("%s: not a readable timeline: %s" % (path, e))
    if not os.path.isdir(results_dir):
        raise PlotError("%s: no such results folder" % results_dir)
    raise PlotError("%s has no timeline.json or timeline.json.gz (was it run with --timeline "
                    "none or --values-only?)" % results_dir)


def tracks_and_slices(doc):
    """([(tid, track name)] in display order, {tid: [(start_us, dur_us, opcode)]})."""
    names, order, slices = {}, {}, {}
    for ev in doc.get("traceEvents", []):
        ph, tid = ev.get("ph"), ev.get("tid")
        if ph == "M" and ev.get("name") == "thread_name":
            names[tid] = ev["args"]["name"]
        elif ph == "M" and ev.get("name") == "thread_sort_index":
            order[tid] = ev["args"]["sort_index"]
        elif ph == "X":
            op = ev.get("name", "?").split(" ", 1)[0]
            slices.setdefault(tid, []).append((float(ev["ts"]), float(ev.get("dur", 0)), op))
    tids = sorted(set(names) | set(slices), key=lambda t: (order.get(t, t), t))
    tracks = [(t, names.get(t, "track %s" % t)) for t in tids if t in slices]
    return tracks, slices


def opcode_colours(slices):
    busy = {}
    for items in slices.values():
        for _, dur, op in items:
            busy[op] = busy.get(op, 0.0) + dur
    ranked = sorted(busy, key=lambda op: -busy[op])
    import matplotlib
    palette = list(matplotlib.colormaps["tab10"].colors) + [
        matplotlib.colormaps["tab20"](i) for i in range(1, 20, 2)]
    colours = {op: palette[i] for i, op in enumerate(ranked[:MAX_LEGEND])}
    return colours, ranked


def draw(doc, out_path, title):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise PlotError("matplotlib is not installed for %s (Debian: apt-get install "
                        "python3-matplotlib)" % sys.executable)
    tracks, slices = tracks_and_slices(doc)
    if not tracks:
        raise PlotError("the timeline has no instruction slices")
    colours, ranked = opcode_colours(slices)
    other = (0.6, 0.6, 0.6, 1.0)
    fig, ax = plt.subplots(figsize=(14, 1.0 + 0.35 * len(tracks)))
    for row, (tid, _) in enumerate(tracks):
        by_colour = {}
        for start, dur, op in slices[tid]:
            by_colour.setdefault(colours.get(op, other), []).append((start, max(dur, 1e-4)))
        for colour, bars in by_colour.items():
            ax.broken_barh(bars, (row - 0.4, 0.8), facecolors=[colour], linewidth=0)
    ax.set_yticks(range(len(tracks)))
    ax.set_yticklabels([name for _, name in tracks])
    ax.invert_yaxis()
    ax.set_xlabel("simulated time (us)")
    total_ns = doc.get("otherData", {}).get("total_ns")
    if total_ns:
        ax.set_xlim(0, total_ns / 1000.0)
    ax.set_title(title)
    handles = [plt.Rectangle((0, 0), 1, 1, color=colours[op]) for op in ranked[:MAX_LEGEND]]
    labels = list(ranked[:MAX_LEGEND])
    if len(ranked) > MAX_LEGEND:
        handles.append(plt.Rectangle((0, 0), 1, 1, color=other))
        labels.append("other")
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    fig.tight_layout()
    fig.savefig(out_path, dpi=110)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="trnsim plot", description=__doc__.split("\n\n")[0])
    ap.add_argument("results", metavar="DIR", help="results folder of trnsim run / trnsim nki")
    ap.add_argument("--out", "-o", metavar="FILE.png", help="default: DIR/timeline.png")
    a = ap.parse_args(argv)
    try:
        doc, path = read_timeline(a.results)
        out = a.out or os.path.join(a.results, "timeline.png")
        program = doc.get("otherData", {}).get("program", os.path.basename(path))
        draw(doc, out, "%s (%s)" % (program, path))
    except PlotError as e:
        print("trnsim plot: error: %s" % e, file=sys.stderr)
        return 2
    except OSError as e:
        print("trnsim plot: error: cannot write the picture: %s" % e, file=sys.stderr)
        return 2
    print("wrote %s" % out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
