"""Sensitivity of the calibration cases to the main timing constants: every case re-run with one
constant of the target's config scaled by a factor (trnsim run --set), everything else as in
the baseline run. Used by calibrate.py --sensitivity.

A constant is a key path of sim/configs/<target>.json. dma.efficiency_by_bytes is scaled as a
whole (every point's efficiency times the factor, capped at 1): it stands for "the DMA moves
bytes this much faster at every descriptor size".
"""
import concurrent.futures
import json
import os

# The constants that set the calibration cases' times (DMA-bound matmuls, the compute-bound
# optimised matmul, the vector/scalar-bound LayerNorms), in report order. dma.queue_bytes_per_ns
# is left out: it scales every transfer exactly as dma.efficiency_by_bytes does.
CONSTANTS = [
    "dma.efficiency_by_bytes",
    "dma.fixed_ns",
    "dma.completion_latency_ns",
    "dma.hbm_bytes_per_ns",
    "sync.dma_trigger_ns",
    "sync.cross_engine_ns",
    "clocks.tensor_ghz",
    "clocks.vector_ghz",
    "clocks.scalar_ghz",
    "vector.static_overhead_cycles",
    "scalar.static_overhead_cycles",
    "memory.access_overhead_cycles",
]


def _lookup(config, key):
    node = config
    for seg in key.split("."):
        node = node[seg]
    return node


def scaled_value(config, key, factor, sets=()):
    """The --set value text for `key` scaled by `factor` (rounded for an integer key); the
    base value is the last --set of `sets` for that key, else the config's."""
    base = _lookup(config, key)
    for item in sets:
        k, _, v = item.partition("=")
        if k == key:
            base = json.loads(v)
    if key == "dma.efficiency_by_bytes":
        return json.dumps([[b, min(1.0, e * factor)] for b, e in base])
    if isinstance(base, int):  # integer keys (cycle counts) stay integers
        return json.dumps(int(round(base * factor)))
    return json.dumps(base * factor)


def sweep(rows, config_path, factors, sets, out_dir, run, jobs, constants=CONSTANTS):
    """Runs every case of `rows` (calibrate.py's report rows, each with its trace path and
    baseline simulated_us) with each of `constants` scaled by each factor. run(trace, results_dir,
    sets) returns the simulated time in us. Returns a list of
    {"constant", "factor", "value", "change": {case: relative change vs baseline}}."""
    with open(config_path) as f:
        config = json.load(f)
    plan = []
    for key in constants:
        for factor in factors:
            value = scaled_value(config, key, factor, sets)
            plan.append((key, factor, value))
    futures = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for n, (key, factor, value) in enumerate(plan):
            for r in rows:
                results = os.path.join(out_dir, r["name"], "sensitivity", str(n))
                futures[(n, r["name"])] = pool.submit(run, r["trace"], results,
                                                      list(sets) + ["%s=%s" % (key, value)])
    out = []
    for n, (key, factor, value) in enumerate(plan):
        change = {r["name"]: futures[(n, r["name"])].result() / r["simulated_us"] - 1.0
                  for r in rows}
        out.append({"constant": key, "factor": factor, "value": json.loads(value),
                    "change": change})
    return out


def print_table(entries, names):
    """One line per (constant, factor): the change of each case's simulated time in %."""
    short = [n.replace("matmul_", "mm_").replace("layernorm_", "ln_") for n in names]
    print("sensitivity: change of simulated time vs the baseline above, constant x factor")
    print("%-32s %6s " % ("constant", "factor") + " ".join("%9s" % s for s in short))
    for e in entries:
        print("%-32s %6.2f " % (e["constant"], e["factor"]) +
              " ".join("%+8.1f%%" % (100 * e["change"][n]) for n in names))
