"""nki.isa enums (engines, reduce commands, DMA modes, NeuronCore versions, nki.isa.constants)
and the operator / activation-function names instructions take, as isa.py re-exports them."""

from . import core
from .errors import NkiError, NkiUnsupportedError


# ---- enums -----------------------------------------------------------------------------------
class engine:  # noqa: N801
    unknown = None
    tensor = "tensor"
    vector = "vector"
    scalar = "scalar"
    activation = "scalar"
    act = "scalar"
    gpsimd = "gpsimd"
    pool = "gpsimd"
    dma = "dma"
    sync = None


class dma_engine:  # noqa: N801 (NKI name; as an engine= argument it means the DMA engines)
    unknown = None


# SDK 2.21-2.26 module-level engine names
tensor_engine = engine.tensor
vector_engine = engine.vector
scalar_engine = engine.scalar
gpsimd_engine = engine.gpsimd
unknown_engine = engine.unknown

_ENGINES = (None, "tensor", "vector", "scalar", "gpsimd", "dma")


def engine_name(call, e):
    """The trace engine name of an `engine=` argument (None: the instruction's default)."""
    if e is dma_engine:
        return "dma"
    if e not in _ENGINES:
        raise NkiError(call, "engine=%r is not an NKI engine (use nisa.vector_engine, "
                       "nisa.scalar_engine, nisa.gpsimd_engine, nisa.tensor_engine or "
                       "nisa.unknown_engine)" % (e,))
    return e


class reduce_cmd:  # noqa: N801
    idle = "idle"
    reset = "reset"
    reduce = "reduce"
    reset_reduce = "reset_reduce"
    load_reduce = "load_reduce"


class dge_mode:  # noqa: N801
    unknown = none = swdge = hwdge = None


class oob_mode:  # noqa: N801
    """Out-of-bounds handling of runtime-addressed DMA rows (dma_copy): stop with an error
    (default) or skip the row."""
    error = "error"
    skip = "skip"


class matmul_perf_mode:  # noqa: N801
    none = None
    double_row = "double_row"


class nc_version:  # noqa: N801
    gen2 = 2
    gen3 = 3
    gen4 = 4


class constants:  # noqa: N801 (nki.isa.constants: the enums under one name)
    engine = engine
    dma_engine = dma_engine
    reduce_cmd = reduce_cmd
    dge_mode = dge_mode
    oob_mode = oob_mode
    matmul_perf_mode = matmul_perf_mode
    nc_version = nc_version


def get_nc_version():
    return {"trn1": nc_version.gen2, "trn2": nc_version.gen3, "trn3": nc_version.gen4}.get(
        getattr(core.ctx(), "target", "trn2"), nc_version.gen3)


# ---- operator names --------------------------------------------------------------------------
_NP_NAMES = {"true_divide": "divide", "absolute": "abs", "amax": "maximum", "max": "maximum",
             "amin": "minimum", "min": "minimum", "sum": "add", "negative": None}
_ACT_NAMES = {"copy": "copy", "identity": "identity", "tensor_copy": "copy", "abs": "abs",
              "gelu_apprx_tanh": "gelu_apprx_tanh"}


def alu_name(call, op):
    if op is None:
        return None
    if isinstance(op, str):
        return op
    name = getattr(op, "_alu", None)
    if name:
        return name
    n = getattr(op, "__name__", None)
    if n in ("add", "subtract", "multiply", "divide", "maximum", "minimum", "power", "equal",
             "not_equal", "greater", "greater_equal", "less", "less_equal", "bitwise_and",
             "bitwise_or", "bitwise_xor", "left_shift", "right_shift"):
        return n
    if n in _NP_NAMES and _NP_NAMES[n]:
        return _NP_NAMES[n]
    if n == "max":  # nl.max as a reduce op
        return "maximum"
    if n == "min":
        return "minimum"
    if n == "sum":
        return "add"
    raise NkiUnsupportedError(call, "operator %r" % (op,))


def act_name(call, op):
    if isinstance(op, str):
        return op
    name = getattr(op, "_act", None)
    if name:
        return name
    n = getattr(op, "__name__", None)
    if n in _ACT_NAMES:
        return _ACT_NAMES[n]
    if n in ("exp", "log", "tanh", "sin", "cos", "sqrt", "square", "reciprocal", "sign",
             "sigmoid", "silu", "gelu", "relu", "rsqrt", "erf", "softplus"):
        return n
    raise NkiUnsupportedError(call, "activation function %r" % (op,))
