"""NKI data types (nl.float32, nl.bfloat16, fp8 types, ints) and their trace names."""
import numpy as np

from .errors import NkiError


class NkiDtypeError(NkiError, TypeError):
    """A dtype argument that names no NeuronCore type."""


class DType:
    """A NeuronCore element type. `name` is the trace dtype name (isa/dtype.h)."""

    def __init__(self, name, itemsize, np_dtype, is_float):
        self.name = name
        self.itemsize = itemsize
        self.np_dtype = np.dtype(np_dtype)  # dtype the values travel in as .npy
        self.is_float = is_float

    def __repr__(self):
        return "nl." + self.name

    def __eq__(self, other):
        try:
            return to_dtype(other).name == self.name
        except (TypeError, ValueError):
            return False

    def __hash__(self):
        return hash(self.name)


float32 = DType("float32", 4, np.float32, True)
bfloat16 = DType("bfloat16", 2, np.float32, True)
float16 = DType("float16", 2, np.float16, True)
float8_e4m3 = DType("float8_e4m3", 1, np.float32, True)
float8_e5m2 = DType("float8_e5m2", 1, np.float32, True)
int8 = DType("int8", 1, np.int8, False)
int16 = DType("int16", 2, np.int16, False)
int32 = DType("int32", 4, np.int32, False)
uint8 = DType("uint8", 1, np.uint8, False)
uint16 = DType("uint16", 2, np.uint16, False)
uint32 = DType("uint32", 4, np.uint32, False)
tfloat32 = float32  # APPROX: tf32 operands are treated as fp32
float8_e4m3fn = float8_e4m3
bool_ = uint8

ALL = [float32, bfloat16, float16, float8_e4m3, float8_e5m2, int8, int16, int32, uint8, uint16,
       uint32]
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update({"fp32": float32, "bf16": bfloat16, "fp16": float16, "float8_e4m3fn": float8_e4m3,
                 "tfloat32": float32, "bool": uint8, "bool_": uint8})


def to_dtype(x):
    """DType from a DType, a numpy dtype/type, or a name; raises NkiDtypeError (a TypeError, at
    the kernel line that called) for anything that names no NeuronCore type."""
    if isinstance(x, DType):
        return x
    if isinstance(x, str):
        if x in _BY_NAME:
            return _BY_NAME[x]
        raise NkiDtypeError("dtype", "unknown dtype %r" % x)
    try:
        nd = np.dtype(x)
    except (TypeError, ValueError):
        raise NkiDtypeError("dtype", "unknown dtype %r" % (x,))
    if nd.name in _BY_NAME:
        return _BY_NAME[nd.name]
    if nd == np.float64:
        return float32  # APPROX: float64 host data runs as fp32 (no fp64 on the NeuronCore)
    if nd == np.int64 or nd == np.uint64:
        # NKI's dtype table (nki.api.shared, "Supported Data Types") has no 64-bit integer:
        # narrowing to int32 silently would change values, so it is refused.
        raise NkiDtypeError("dtype", "dtype %s is not an NKI data type (integers: int8, int16, "
                            "int32, uint8, uint16, uint32); convert the data to int32" % nd)
    if nd == np.bool_:
        return uint8
    raise NkiDtypeError("dtype", "dtype %s has no NeuronCore equivalent" % nd)


def precision_rank(d):
    order = ["uint8", "int8", "float8_e5m2", "float8_e4m3", "uint16", "int16", "bfloat16",
             "float16", "uint32", "int32", "float32"]
    return order.index(d.name)


def wider(a, b):
    """The higher-precision of two dtypes (NKI's default output dtype of a binary op)."""
    return a if precision_rank(a) >= precision_rank(b) else b
