#!/usr/bin/python3
"""Writes the seed inputs of one libFuzzer target into a folder: the checked-in files of its
input surface re-encoded as compact JSON, each at most --max-len bytes, plus the hand-made
inputs of tests/fuzz/corpus/<surface>/.

Short seeds keep every execution fast (libFuzzer's speed is executions per second: a 95 KB
trace costs a parse, a validation and a timing plan of 835 instructions each time). A trace
longer than the limit keeps its tensors and tiles and as many instructions as fit, the first of
each op before the others, so the ops of the large checked-in traces still seed the fuzzer.

  tests/fuzz/make_seeds.py TARGET OUT_DIR --max-len N
"""
import argparse
import glob
import json
import os
import shutil
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Checked-in JSON files that seed each target (globs relative to the repository).
SOURCES = {
    "fuzz_trace": ["traces/*.json", "traces/*/*.json"],
    "fuzz_hw_config": ["sim/configs/*.json"],
    "fuzz_hf_config": ["workloads/models/*/config.json"],
    "fuzz_npy": [],
    "fuzz_safetensors": [],
}
# traces/golden holds expected statistics, not traces.
EXCLUDE = ("traces/golden/",)


def compact(doc):
    return json.dumps(doc, separators=(",", ":"), sort_keys=False)


def capped_trace(doc, max_len):
    """The trace with as many of its instructions as fit, or None. The first instruction of each
    op comes first, so a long trace's rarer ops survive the cut; the kept instructions stay in
    trace order."""
    instructions = doc.get("instructions") if isinstance(doc, dict) else None
    if not isinstance(instructions, list):
        return None
    seen, firsts, rest = set(), [], []
    for i, ins in enumerate(instructions):
        op = ins.get("op") if isinstance(ins, dict) else None
        (rest if op in seen else firsts).append(i)
        seen.add(op)
    priority = firsts + rest

    def encoded(n):
        return compact(dict(doc, instructions=[instructions[i] for i in sorted(priority[:n])]))

    lo, hi = 0, len(priority)  # largest n whose first n instructions by priority fit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(encoded(mid)) <= max_len:
            lo = mid
        else:
            hi = mid - 1
    text = encoded(lo)
    return text if lo > 0 and len(text) <= max_len else None


def seed_texts(target, max_len):
    """(file name, text) of every seed of `target` built from checked-in JSON files."""
    for pattern in SOURCES[target]:
        for path in sorted(glob.glob(os.path.join(REPO, pattern))):
            rel = os.path.relpath(path, REPO)
            if rel.startswith(EXCLUDE):
                continue
            with open(path) as f:
                doc = json.load(f)
            text = compact(doc)
            if len(text) > max_len:
                text = capped_trace(doc, max_len) if target == "fuzz_trace" else None
            if text is None:
                print("make_seeds: %s: %s does not fit in %d bytes; skipped"
                      % (target, rel, max_len), file=sys.stderr)
                continue
            yield rel.replace(os.sep, "_"), text


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("target", choices=sorted(SOURCES))
    ap.add_argument("out_dir")
    ap.add_argument("--max-len", type=int, required=True, help="bytes per seed")
    a = ap.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    n = 0
    for name, text in seed_texts(a.target, a.max_len):
        with open(os.path.join(a.out_dir, "seed_" + name), "w") as f:
            f.write(text)
        n += 1
    extra = os.path.join(REPO, "tests", "fuzz", "corpus", a.target[len("fuzz_"):])
    for path in sorted(glob.glob(os.path.join(extra, "*"))):
        if os.path.isfile(path) and os.path.getsize(path) <= a.max_len:
            shutil.copy(path, os.path.join(a.out_dir, "seed_" + os.path.basename(path)))
            n += 1
    print("make_seeds: %s: %d seeds of at most %d bytes" % (a.target, n, a.max_len))


if __name__ == "__main__":
    main()
