#!/usr/bin/python3
"""Mutation test of `trnsim run` on hostile traces.

Usage: scripts/mutate_traces.py [--count N] [--seed S] [--jobs J] [--bin TRNSIM] [--keep DIR]

Generates N traces, each one mutation of a checked-in trace (traces/*.json), and runs each
through `trnsim run` in one of three modes (values and timing, --timing-only, --values-only).
A mutation is either known invalid (a huge or wrapping size, an address near 2^63, a queue
below -1, a step of 2^63-1, a number beyond double range, a repeated key, ...), which trnsim
must refuse with exit 2, or arbitrary (any outcome but a crash or an internal error is fine).
Counts: refusals (exit 2), acceptances (exit 0 of an arbitrary mutation), crashes (killed by a
signal, a timeout, or an exit code other than 0/2/3), internal errors (exit 3), silent
acceptances (exit 0 for a known-invalid mutation) and sanitizer reports (an ASan, UBSan or LSan
report on stderr, whatever the exit code: a sanitized trnsim may report and still exit 0 or 2).
Exit status 1 if any of the last four is non-zero.
"""
import argparse
import concurrent.futures
import copy
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INT64_MAX = 2**63 - 1
HUGE_INTS = [2**62, 2**63 - 1, 2**63, 2**64 - 1, 2**48 + 1, 2**31, 2**32 + 1]
MODES = [[], ["--timing-only"], ["--values-only"]]
# Markers of an AddressSanitizer, LeakSanitizer or UndefinedBehaviorSanitizer report, and of ASan's
# warning that it lost track of the stack (which precedes false reports; see sim/core/asan_stack.h).
SANITIZER_MARKERS = ["ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error: ",
                     "WARNING: ASan is ignoring"]


def load_seeds():
    seeds = []
    for name in sorted(os.listdir(os.path.join(REPO, "traces"))):
        if name.endswith(".json"):
            with open(os.path.join(REPO, "traces", name)) as f:
                seeds.append((name, json.load(f)))
    return seeds


def values_ok(trace):
    """True if the trace's tensors are small enough to compute values in a mass test."""
    total = 0
    for t in trace.get("tensors", []):
        n = 1
        for d in t["shape"]:
            n *= d
        total += n * 4
    return total <= 64 << 20


# Known-invalid mutations: each edits `t` in place (or returns replacement text) and must be
# refused. `rng` picks which buffer or instruction.
def huge_tile_dim(t, rng):
    tile = rng.choice(t["tiles"])
    tile["shape"][rng.randrange(len(tile["shape"]))] = rng.choice(HUGE_INTS)


def huge_tensor_dim(t, rng):
    tensor = rng.choice(t["tensors"])
    # Each is past 2^48 elements or, times any element size, past any target's HBM.
    tensor["shape"][rng.randrange(len(tensor["shape"]))] = rng.choice(
        [2**62, 2**63 - 1, 2**63, 2**64 - 1, 2**48 + 1, 2**40])


def nonpositive_dim(t, rng):
    buf = rng.choice(t["tensors"] + t["tiles"])
    buf["shape"][rng.randrange(len(buf["shape"]))] = rng.choice([0, -1, -(2**63)])


def wild_address(t, rng):
    rng.choice(t["tiles"])["address"] = rng.choice(
        [INT64_MAX - 7, 2**62, -4, 3, 2**40, 10**18])


def bad_partitions(t, rng):
    rng.choice(t["tiles"])["partitions"] = rng.choice([0, -1, 129, 2**62, 2**63])


def bad_queue(t, rng):
    dmas = [i for i in t["instructions"] if i["op"] == "dma_copy"]
    if not dmas:
        return "skip"
    rng.choice(dmas)["queue"] = rng.choice([-2, -(2**63), 2**63, 2**64 - 1, 1 << 40, 1.5])


def wild_step(t, rng):
    ins = rng.choice([i for i in t["instructions"] if isinstance(i.get("dst"), str)])
    name = ins["dst"].split("[")[0]
    ins["dst"] = name + "[0:1:%d]" % rng.choice([INT64_MAX, 2**62, 0, -1])


def wild_index(t, rng):
    ins = rng.choice([i for i in t["instructions"] if isinstance(i.get("dst"), str)])
    name = ins["dst"].split("[")[0]
    ins["dst"] = name + "[%s]" % rng.choice(
        [str(INT64_MAX), str(-(2**63)), "9" * 40, "1:%d" % INT64_MAX, "%d:" % INT64_MAX])


def huge_number_text(t, rng):
    text = json.dumps(t)
    key = rng.choice(['"version": 1', '"partitions": 128'])
    if key not in text:
        key = '"version": 1'
    return text.replace(key, key.split(":")[0] + ": " + rng.choice(["1e400", "7" * 5000]), 1)


def repeated_key_text(t, rng):
    text = json.dumps(t)
    return text.replace('"version": 1', '"version": 1, "version": 1', 1)


def unknown_field(t, rng):
    rng.choice(t["instructions"])["bogus_" + str(rng.randrange(100))] = 1


def wild_int_attr(t, rng):
    ins = rng.choice(t["instructions"])
    ins["queue" if ins["op"] == "dma_copy" else "engine"] = rng.choice(
        [-(2**63), 2**70, "x" * 300])


INVALID = [huge_tile_dim, huge_tensor_dim, nonpositive_dim, wild_address, bad_partitions,
           bad_queue, wild_step, wild_index, huge_number_text, repeated_key_text, unknown_field,
           wild_int_attr]


# Arbitrary mutations: any clean outcome (0 or 2) is fine.
def perturb_number(t, rng):
    nums = []

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if isinstance(v, int) and not isinstance(v, bool):
                    nums.append((node, k))
                walk(v)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                if isinstance(v, int) and not isinstance(v, bool):
                    nums.append((node, i))
                walk(v)
    walk(t)
    if not nums:
        return "skip"
    node, k = rng.choice(nums)
    node[k] = rng.choice([node[k] + 1, node[k] - 1, node[k] * 2, node[k] // 2, 0, 1,
                          rng.choice(HUGE_INTS), -node[k]])


def swap_views(t, rng):
    views = [i for i in t["instructions"] if isinstance(i.get("src"), str)]
    if len(views) < 2:
        return "skip"
    a, b = rng.sample(views, 2)
    a["src"], b["src"] = b["src"], a["src"]


def drop_instruction(t, rng):
    del t["instructions"][rng.randrange(len(t["instructions"]))]


def long_label(t, rng):
    rng.choice(t["instructions"])["label"] = "L" * rng.choice([300, 100000, 1 << 20])


def flip_bytes(t, rng):
    text = bytearray(json.dumps(t).encode())
    for _ in range(rng.randint(1, 4)):
        text[rng.randrange(len(text))] = rng.randrange(256)
    return text.decode("latin-1")


ANY = [perturb_number, swap_views, drop_instruction, long_label, flip_bytes]


def make_case(seeds, rng):
    name, seed = rng.choice(seeds)
    invalid = rng.random() < 0.6
    while True:
        mutate = rng.choice(INVALID if invalid else ANY)
        t = copy.deepcopy(seed)
        out = mutate(t, rng)
        if out != "skip":
            break
    text = out if isinstance(out, str) else json.dumps(t)
    modes = MODES if values_ok(seed) else [MODES[1]]
    return {"seed": name, "mutation": mutate.__name__, "must_refuse": invalid, "text": text,
            "mode": rng.choice(modes)}


def run_case(binary, work, index, case):
    path = os.path.join(work, "case%d.json" % index)
    with open(path, "w", encoding="latin-1") as f:
        f.write(case["text"])
    out = os.path.join(work, "out%d" % index)
    cmd = [binary, "run", path, "--out", out, "--quiet"] + case["mode"]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        code, err = p.returncode, p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        code, err = "timeout", ""
    shutil.rmtree(out, ignore_errors=True)
    if any(marker in err for marker in SANITIZER_MARKERS):
        verdict = "sanitizer"
    elif code == 0 and case["must_refuse"]:
        verdict = "silent"
    elif code == 3:
        verdict = "internal"
    elif code in (0, 2):
        verdict = "ok"
    else:
        verdict = "crash"
    if verdict == "ok":
        os.remove(path)
    if verdict == "sanitizer":
        start = min(err.find(m) for m in SANITIZER_MARKERS if m in err)
        err = err[start:]
    return verdict, code, err[:300], path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--bin", default=os.environ.get("TRNSIM_BIN",
                                                    os.path.join(REPO, "build", "trnsim")))
    ap.add_argument("--keep", help="folder for the failing cases (default: a temp folder)")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    seeds = load_seeds()
    cases = [make_case(seeds, rng) for _ in range(a.count)]
    work = a.keep or tempfile.mkdtemp(prefix="trnsim_mutate_")
    os.makedirs(work, exist_ok=True)
    counts = {"ok": 0, "silent": 0, "internal": 0, "crash": 0, "sanitizer": 0}
    refused = accepted = 0
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        futures = [pool.submit(run_case, a.bin, work, i, c) for i, c in enumerate(cases)]
        for c, fut in zip(cases, futures):
            verdict, code, err, path = fut.result()
            counts[verdict] += 1
            refused += verdict == "ok" and code == 2
            accepted += verdict == "ok" and code == 0
            if verdict != "ok":
                print("%s: %s of %s (%s, mode %s): exit %s %s" % (
                    verdict, c["mutation"], c["seed"], path, " ".join(c["mode"]) or "values",
                    code, err.strip()))
    print("mutate_traces: %d traces, %d refused (exit 2), %d accepted (exit 0, arbitrary "
          "mutation), %d crashes, %d silent acceptances, %d internal errors, %d sanitizer "
          "reports" % (a.count, refused, accepted, counts["crash"], counts["silent"],
                       counts["internal"], counts["sanitizer"]))
    bad = counts["crash"] + counts["silent"] + counts["internal"] + counts["sanitizer"]
    if not bad and not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
