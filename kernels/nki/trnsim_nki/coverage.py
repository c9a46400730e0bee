"""The API coverage table: every documented nki.language / nki.isa name of both API generations
(api_names), supported or not, as the conformance suite (tests/nki/conformance) finds it.

A conformance case is a small kernel using one or more names as the NKI reference documents
them, with a numpy float64 reference. A name is supported in a generation when it has a case
for that generation and every such case passes; a name with a failing case, an expected-failure
case or no case is not supported, with the reason.

    python3 -m trnsim_nki --coverage [--write kernels/nki/COVERAGE.md] [--suite DIR]
"""
import contextlib
import importlib.util
import io
import os
import sys
import traceback

import numpy as np

from . import api_names
from .errors import NkiError, TrnsimRunError

GENERATIONS = ("old", "new")
GEN_TITLE = {"old": "SDK 2.21-2.26 (`neuronxcc.nki`)", "new": "SDK 2.27+ (`nki`)"}
PREFIX = {"nl": "language", "nisa": "isa"}

_REGISTRY = []

# Documented names trnsim_nki does not support yet, with the reason (both generations).
NO_INS = ("no trnsim instruction implements it (isa/instructions.def): the reference's numpy "
          "equivalent is cut off before the end index in the pages available here, so whether "
          "a segment's end is inclusive cannot be followed")
NOT_YET = {
    "nisa.local_gather": ("the reference pages available here stop before the output layout and "
                          "the out-of-bounds behaviour of the gather, so its semantics cannot "
                          "be followed"),
    "nisa.sequence_bounds": NO_INS,
}

# Documented names outside what trnsim models, with the reason. The coverage table shows them
# as "out of scope", not as gaps.
X4 = ("packed x4 element types (four values and a shared scale per element) are not trnsim "
      "data types (isa/dtype.h lists the modelled ones)")
MX = ("MX (microscaling) matmul and quantization need block-scaled fp8/fp4 operands, which "
      "trnsim's data types and tensor engine model do not have")
OUT_OF_SCOPE = {
    "nl.float8_e5m2_x4": X4, "nl.float8_e4m3fn_x4": X4, "nl.float4_e2m1fn_x4": X4,
    "nisa.nc_matmul_mx": MX, "nisa.quantize_mx": MX,
}


def unsupported_reason(key):
    """Why the documented name `key` ("nl.x", "nisa.y") is unsupported, for error messages."""
    if key in OUT_OF_SCOPE:
        return "out of scope: " + OUT_OF_SCOPE[key]
    return NOT_YET.get(key, "not supported by trnsim_nki (see kernels/nki/COVERAGE.md)")


class Case:
    def __init__(self, names, gens, func, xfail):
        self.names, self.gens, self.func, self.xfail = names, gens, func, xfail
        module = func.__module__.rsplit(".", 1)[-1].split("cases_", 1)[-1]
        self.id = "%s.%s" % (module, func.__name__)


def case(*names, gens=GENERATIONS, xfail=None):
    """Registers a conformance case covering `names` ("nl.exp", "nisa.tensor_copy") in
    `gens`. The function returns (kernel, args, expected, tolerance[, target]): the kernel's
    returned outputs (array or tuple) must match `expected` within `tolerance` (abs and rel)
    when run on `target` (default trn2). `xfail`
    names what is missing when the case is known to fail."""
    for n in names:
        pre, _, name = n.partition(".")
        if pre not in PREFIX:
            raise ValueError("case name %r must start with nl. or nisa." % n)
    gens = (gens,) if isinstance(gens, str) else tuple(gens)

    def register(func):
        _REGISTRY.append(Case(names, gens, func, xfail))
        return func
    return register


def default_suite():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(here, "..", "..", "..", "tests", "nki", "conformance")


def load_suite(suite_dir=None):
    """Imports every cases_*.py of the suite (its other modules are helpers they import);
    returns the registered cases."""
    suite_dir = os.path.abspath(suite_dir or default_suite())
    if not os.path.isdir(suite_dir):
        raise SystemExit("trnsim_nki --coverage: no conformance suite at %s" % suite_dir)
    del _REGISTRY[:]
    if suite_dir not in sys.path:
        sys.path.insert(0, suite_dir)  # the suite's helper modules (random_model.py)
    for fn in sorted(os.listdir(suite_dir)):
        if fn.startswith("cases_") and fn.endswith(".py"):
            name = "trnsim_conformance_" + fn[:-3]
            spec = importlib.util.spec_from_file_location(name, os.path.join(suite_dir, fn))
            mod = importlib.util.module_from_spec(spec)
            sys.modules[name] = mod
            spec.loader.exec_module(mod)
    return list(_REGISTRY)


def _compare(got, expected, tol):
    got = got if isinstance(got, (tuple, list)) else (got,)
    expected = expected if isinstance(expected, (tuple, list)) else (expected,)
    if len(got) != len(expected):
        return "kernel returned %d outputs, expected %d" % (len(got), len(expected))
    for i, (g, e) in enumerate(zip(got, expected)):
        g, e = np.asarray(g, np.float64), np.asarray(e, np.float64)
        if g.shape != e.shape:
            return "output %d has shape %s, expected %s" % (i, g.shape, e.shape)
        if not np.allclose(g, e, atol=tol, rtol=tol, equal_nan=True):
            err = np.max(np.abs(g - e))
            return "output %d differs from the numpy reference by up to %.3g" % (i, err)
    return None


def run_case(c):
    """None if the case passes, else the failure text."""
    from .tracer import run
    try:
        spec = c.func()
        kernel, args, expected, tol = spec[:4]
        with contextlib.redirect_stdout(io.StringIO()):  # nl.device_print output
            got, _ = run(kernel, *args, target=spec[4] if len(spec) > 4 else "trn2")
    except (NkiError, TrnsimRunError) as e:
        return str(e).splitlines()[0]
    except Exception as e:  # a front-end crash is a failure of the case, reported as such
        tb = traceback.extract_tb(e.__traceback__)[-1]
        return "%s: %s (%s:%d)" % (type(e).__name__, e, os.path.basename(tb.filename),
                                   tb.lineno)
    return _compare(got, expected, tol)


SUPPORTED, NOT_SUPPORTED, OUT = "supported", "not supported", "out of scope"


def statuses(cases, results):
    """{(module, gen): [(name, status, note)]} for every documented name; status is SUPPORTED,
    NOT_SUPPORTED or OUT (of scope)."""
    by_name = {}
    for c, r in zip(cases, results):
        for n in c.names:
            for g in c.gens:
                by_name.setdefault((n, g), []).append((c, r))
    table = {}
    for pre, module in sorted(PREFIX.items(), key=lambda kv: kv[1]):
        for g in GENERATIONS:
            rows = []
            for name in api_names.names(module, g):
                key = "%s.%s" % (pre, name)
                got = by_name.get((key, g), [])
                fails = [(c, r) for c, r in got if r is not None or c.xfail]
                if got and not fails:
                    rows.append((name, SUPPORTED, ", ".join(sorted(c.id for c, _ in got))))
                elif fails:
                    c, r = fails[0]
                    rows.append((name, NOT_SUPPORTED,
                                 c.xfail or ("case %s fails: %s" % (c.id, r))))
                elif key in OUT_OF_SCOPE:
                    rows.append((name, OUT, OUT_OF_SCOPE[key]))
                elif key in NOT_YET:
                    rows.append((name, NOT_SUPPORTED, NOT_YET[key]))
                else:
                    rows.append((name, NOT_SUPPORTED, "no conformance case yet"))
            table[(module, g)] = rows
    return table


def markdown(table):
    out = ["# NKI API coverage of trnsim_nki", "",
           "Generated by `python3 -m trnsim_nki --coverage --write kernels/nki/COVERAGE.md` "
           "from the conformance suite (tests/nki/conformance): a name is supported when "
           "its conformance kernels match their numpy references on trnsim.", ""]
    total = sum(len(r) for r in table.values())
    ok = sum(1 for r in table.values() for row in r if row[1] == SUPPORTED)
    out_n = sum(1 for r in table.values() for row in r if row[1] == OUT)
    out += ["Supported: %d of %d documented names (both generations counted); out of scope: "
            "%d; not supported yet: %d." % (ok, total, out_n, total - ok - out_n), ""]
    for (module, g), rows in table.items():
        n_ok = sum(1 for r in rows if r[1] == SUPPORTED)
        out += ["## nki.%s, %s: %d of %d" % (module, GEN_TITLE[g], n_ok, len(rows)), "",
                "| name | status | cases / reason |", "|---|---|---|"]
        for name, status, note in rows:
            out.append("| `%s` | %s | %s |" % (name, status, note.replace("|", "/")))
        out.append("")
    return "\n".join(out)


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(prog="trnsim nki --coverage")
    ap.add_argument("--coverage", action="store_true")
    ap.add_argument("--write", metavar="FILE", help="write the table to FILE (markdown)")
    ap.add_argument("--suite", metavar="DIR", help="conformance suite directory")
    a = ap.parse_args(argv)
    cases = load_suite(a.suite)
    results = [run_case(c) for c in cases]
    text = markdown(statuses(cases, results))
    if a.write:
        with open(a.write, "w") as f:
            f.write(text + "\n")
        print("trnsim nki: coverage table written to %s" % a.write)
    else:
        print(text)
    return 0
