"""Inputs and reference of an NKI rank sweep (trnsim_nki.rank).

Every input is made once per sweep, in the HBM dtype the kernel sees: seeded random data
(--shape NAME=RxC[:DTYPE]) or a file (--input NAME=FILE.npy[:DTYPE]), rounded to that dtype
here so that the kernel and the float64 reference see the same values. The sweep saves them as
float32/integer .npy files that every point (in any process or on any Dask worker) loads.
"""
import inspect

import numpy as np

from . import dtypes

# Default relative tolerance of the values check by the lowest-precision float dtype among
# the inputs: the same numbers as the library ranking (kernels/harness.cc, default_rtol).
_DEFAULT_RTOL = {"float32": 2e-3, "bfloat16": 4e-2, "float16": 1e-2}
_FP8_RTOL = 0.15


class InputError(ValueError):
    """A bad --shape / --input / reference: reported as a usage error."""


def parse_shape_spec(text):
    """'NAME=RxC[:DTYPE]' -> (name, shape tuple, DType); float32 when no dtype is given."""
    if "=" not in text:
        raise InputError("--shape %r: expected NAME=RxC[:DTYPE], e.g. lhsT=512x1024:bfloat16"
                         % text)
    name, spec = text.split("=", 1)
    dims, _, dt_name = spec.partition(":")
    try:
        shape = tuple(int(d) for d in dims.split("x"))
    except ValueError:
        raise InputError("--shape %s: %r is not a shape like 512x1024" % (name, dims))
    if not name or not shape or any(d < 1 for d in shape):
        raise InputError("--shape %r: expected NAME=RxC[:DTYPE] with positive sizes" % text)
    try:
        dt = dtypes.to_dtype(dt_name or "float32")
    except TypeError:
        raise InputError("--shape %s: unknown dtype %r (known: %s)" % (
            name, dt_name, ", ".join(d.name for d in dtypes.ALL)))
    return name, shape, dt


def _fp8_table(dt):
    from .__main__ import _fp8_value
    values = np.array([_fp8_value(b, dt.name) for b in range(256)], dtype=np.float64)
    return np.unique(values[np.isfinite(values)])


def round_to(values, dt):
    """float32 values rounded to dtype `dt` (round to nearest even for bf16/fp16; nearest
    representable value for fp8), still held as float32; integers cast."""
    if not dt.is_float:
        return np.asarray(values).astype(dt.np_dtype)
    a = np.ascontiguousarray(values, dtype=np.float32)
    if dt.name == "bfloat16":
        bits = a.view(np.uint32).astype(np.uint64)
        bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
        return bits.astype(np.uint32).view(np.float32)
    if dt.name == "float16":
        return a.astype(np.float16).astype(np.float32)
    if dt.name.startswith("float8"):
        # APPROX: ties go to the lower neighbour, not to the even one.
        table = _fp8_table(dt)
        idx = np.clip(np.searchsorted(table, a), 1, len(table) - 1)
        lo, hi = table[idx - 1], table[idx]
        return np.where(a - lo <= hi - a, lo, hi).astype(np.float32)
    return a


def random_input(shape, dt, seed, position):
    """Seeded data for one input: uniform in [-1, 1) for floats (rounded to dt), integers in
    [-4, 4] (unsigned: [0, 8]). `position` (the input's place in name order) decorrelates the
    inputs of one sweep."""
    rng = np.random.default_rng([int(seed), int(position)])
    if dt.is_float:
        return round_to(rng.uniform(-1.0, 1.0, size=shape), dt)
    low = 0 if dt.name.startswith("uint") else -4
    return rng.integers(low, low + 9, size=shape).astype(dt.np_dtype)


def default_rtol(input_dtypes):
    """The dtype-aware default tolerance: that of the least precise float input."""
    floats = [d for d in input_dtypes if d.is_float]
    if not floats:
        return _DEFAULT_RTOL["float32"]
    least = min(floats, key=dtypes.precision_rank)
    return _DEFAULT_RTOL.get(least.name, _FP8_RTOL)


def flatten_outputs(value, what):
    """A kernel's or reference's result (array, or tuple/list/dict of arrays) as a list of
    arrays in a fixed order."""
    if isinstance(value, dict):
        return [a for k in sorted(value) for a in flatten_outputs(value[k], what)]
    if isinstance(value, (tuple, list)):
        return [a for v in value for a in flatten_outputs(v, what)]
    if value is None:
        raise InputError("%s returned None; it must return its output array(s)" % what)
    return [np.asarray(value)]


def call_reference(func, inputs, where):
    """Calls the numpy reference with the inputs it names (as float64 / integer arrays).
    Every parameter of the reference without a default must be an input."""
    params = inspect.signature(func).parameters
    kwargs = {}
    for name, p in params.items():
        if name in inputs:
            a = inputs[name]
            kwargs[name] = a.astype(np.float64) if a.dtype.kind == "f" else a
        elif p.default is inspect.Parameter.empty and p.kind in (
                p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            raise InputError("reference %s needs parameter %r, which is no input (inputs: %s)"
                             % (where, name, ", ".join(sorted(inputs))))
    return flatten_outputs(func(**kwargs), "reference " + where)


def compare(outputs, reference, rtol):
    """(ok, max_rel_err, message): every element within rtol * (|ref| + rms(ref)) of the
    reference, as the library ranking checks (kernels/harness.cc, check_outputs)."""
    if len(outputs) != len(reference):
        return False, 0.0, "kernel returned %d outputs, reference %d" % (
            len(outputs), len(reference))
    worst, message = 0.0, ""
    for i, (out, ref) in enumerate(zip(outputs, reference)):
        ref = np.asarray(ref, dtype=np.float64)
        out = np.asarray(out, dtype=np.float64)
        if out.size != ref.size:
            return False, worst, "output %d has shape %s, reference %s" % (
                i, list(out.shape), list(ref.shape))
        out, ref = out.reshape(ref.shape), ref
        rms = float(np.sqrt(np.mean(ref * ref))) if ref.size else 0.0
        scale = np.abs(ref) + rms + 1e-30
        err = np.abs(out - ref)
        rel = np.where(np.isnan(err), np.inf, err / scale)
        j = int(np.argmax(rel)) if rel.size else 0
        if rel.size and rel.flat[j] > worst:
            worst = float(rel.flat[j])
        if rel.size and rel.flat[j] > rtol and not message:
            idx = np.unravel_index(j, ref.shape)
            message = "output %d at %s: %.6g, reference %.6g (relative error %.3g > %.3g)" % (
                i, list(int(x) for x in idx), out.flat[j], ref.flat[j], rel.flat[j], rtol)
    return not message, worst, message
