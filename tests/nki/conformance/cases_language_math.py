"""Conformance: nki.language elementwise math, activation, comparison, logical, bitwise and
reduction functions, each on a [128, 64] tile against numpy float64."""
import math

import numpy as np

import nki
import nki.language as nl
from trnsim_nki.coverage import case

P, F = 128, 64
RNG = np.random.default_rng(2026)


def inputs(lo=-2.0, hi=2.0, shape=(P, F)):
    return RNG.uniform(lo, hi, shape).astype(np.float32)


def unary_kernel(fn):
    @nki.jit
    def k(a):
        out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
        nl.store(out, fn(nl.load(a)))
        return out
    return k


def binary_kernel(fn):
    @nki.jit
    def k(a, b):
        out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
        nl.store(out, fn(nl.load(a), nl.load(b)))
        return out
    return k


def _erf(x):
    return np.vectorize(math.erf)(x)


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def _phi(x):
    return 0.5 * (1.0 + _erf(x / math.sqrt(2.0)))


UNARY = {  # name: (reference, input range, tolerance)
    "exp": (np.exp, (-2, 2), 1e-5), "log": (np.log, (0.1, 4), 1e-5),
    "tanh": (np.tanh, (-2, 2), 1e-5), "sin": (np.sin, (-3, 3), 1e-5),
    "cos": (np.cos, (-3, 3), 1e-5), "sqrt": (np.sqrt, (0.1, 4), 1e-5),
    "rsqrt": (lambda x: 1 / np.sqrt(x), (0.1, 4), 1e-5),
    "reciprocal": (lambda x: 1 / x, (0.5, 4), 1e-5), "square": (np.square, (-2, 2), 1e-5),
    "abs": (np.abs, (-2, 2), 1e-6), "sign": (np.sign, (-2, 2), 0),
    "negative": (np.negative, (-2, 2), 0), "relu": (lambda x: np.maximum(x, 0), (-2, 2), 0),
    "sigmoid": (_sig, (-4, 4), 1e-5), "silu": (lambda x: x * _sig(x), (-4, 4), 1e-5),
    "gelu": (lambda x: x * _phi(x), (-3, 3), 1e-4),
    "gelu_apprx_tanh": (lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) *
                                                         (x + 0.044715 * x ** 3))),
                        (-3, 3), 1e-4),
    "gelu_apprx_sigmoid": (lambda x: x * _sig(1.702 * x), (-3, 3), 1e-4),
    "erf": (_erf, (-2, 2), 1e-5), "softplus": (lambda x: np.log1p(np.exp(x)), (-3, 3), 1e-5),
    "mish": (lambda x: x * np.tanh(np.log1p(np.exp(x))), (-3, 3), 1e-4),
    "tan": (np.tan, (-1.2, 1.2), 1e-4),
    "arctan": (np.arctan, (-50, 50), 1e-6),
    "silu_dx": (lambda x: _sig(x) * (1 + x * (1 - _sig(x))), (-4, 4), 1e-4),
    "gelu_apprx_sigmoid_dx": (lambda x: _sig(1.702 * x) * (1 + 1.702 * x *
                                                           (1 - _sig(1.702 * x))),
                              (-3, 3), 1e-4),
    "gelu_dx": (lambda x: _phi(x) + x * np.exp(-x * x / 2) / math.sqrt(2 * math.pi),
                (-3, 3), 1e-4),
    "erf_dx": (lambda x: 2 / math.sqrt(math.pi) * np.exp(-x * x), (-2, 2), 1e-5),
}

GENS = {"gelu_apprx_sigmoid_dx": ("new",)}


def _unary_case(name, ref, rng, tol):
    def make():
        a = inputs(*rng)
        return unary_kernel(getattr(nl, name)), (a,), ref(a.astype(np.float64)), tol
    make.__name__ = name
    case("nl." + name, gens=GENS.get(name, ("old", "new")))(make)


for _n, (_ref, _rng, _tol) in UNARY.items():
    _unary_case(_n, _ref, _rng, _tol)

BINARY = {
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply, "maximum": np.maximum,
    "minimum": np.minimum, "equal": lambda a, b: (a == b) * 1.0,
    "not_equal": lambda a, b: (a != b) * 1.0, "greater": lambda a, b: (a > b) * 1.0,
    "greater_equal": lambda a, b: (a >= b) * 1.0, "less": lambda a, b: (a < b) * 1.0,
    "less_equal": lambda a, b: (a <= b) * 1.0,
}


def _binary_case(name, ref, gens=("old", "new")):
    def make():
        a, b = inputs(), inputs()
        b[::3] = a[::3]  # some equal elements for the comparisons
        return binary_kernel(getattr(nl, name)), (a, b), ref(a.astype(np.float64), b), 1e-6
    make.__name__ = name
    case("nl." + name, gens=gens)(make)


for _n, _ref in BINARY.items():
    _binary_case(_n, _ref)
_binary_case("divide", np.divide, gens=("old",))


def _rounding_inputs():
    a = inputs(-6, 6)
    a[0, :8] = [1.5, 2.5, -1.5, -0.5, 0.5, -2.0, 3.0, 0.0]
    a[1, :4] = [2.0 ** 24 + 2, -(2.0 ** 30), 2.0 ** 31 * 3, -8388607.5]
    return a


@case("nl.floor", "nl.ceil", "nl.trunc")
def rounding():
    a = _rounding_inputs()

    @nki.jit
    def k(x):
        o1 = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        o2 = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        o3 = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        t = nl.load(x)
        nl.store(o1, nl.floor(t))
        nl.store(o2, nl.ceil(t))
        nl.store(o3, nl.trunc(t))
        return o1, o2, o3
    return k, (a,), (np.floor(a), np.ceil(a), np.trunc(a)), 0


@case("nl.power")
def power():
    a, b = inputs(0.5, 2), inputs(-2, 2)
    return binary_kernel(nl.power), (a, b), np.power(a.astype(np.float64), b), 1e-4


def _logical_case(name, ref):
    def make():
        a = (inputs() > 0).astype(np.float32)
        b = (inputs() > 0).astype(np.float32)

        @nki.jit
        def k(x, y):
            out = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.shared_hbm)
            nl.store(out, getattr(nl, name)(nl.load(x), nl.load(y), dtype=nl.float32))
            return out
        return k, (a, b), ref(a != 0, b != 0) * 1.0, 0
    make.__name__ = name
    case("nl." + name)(make)


_logical_case("logical_and", np.logical_and)
_logical_case("logical_or", np.logical_or)
_logical_case("logical_xor", np.logical_xor)


@case("nl.logical_not")
def logical_not():
    a = (inputs() > 0).astype(np.float32)

    @nki.jit
    def k(x):
        out = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.shared_hbm)
        nl.store(out, nl.logical_not(nl.load(x), dtype=nl.float32))
        return out
    return k, (a,), (a == 0) * 1.0, 0


def _int_inputs():
    return RNG.integers(0, 1 << 12, (P, F)).astype(np.int32), \
        RNG.integers(0, 8, (P, F)).astype(np.int32)


def _bitwise_case(name, ref):
    def make():
        a, b = _int_inputs()
        return binary_kernel(getattr(nl, name)), (a, b), ref(a, b), 0
    make.__name__ = name
    case("nl." + name)(make)


_bitwise_case("bitwise_and", np.bitwise_and)
_bitwise_case("bitwise_or", np.bitwise_or)
_bitwise_case("bitwise_xor", np.bitwise_xor)
_bitwise_case("left_shift", np.left_shift)
_bitwise_case("right_shift", np.right_shift)


@case("nl.invert")
def invert():
    a, _ = _int_inputs()
    return unary_kernel(nl.invert), (a,), np.invert(a), 0


def _reduce_case(name, ref, lo=-2.0, hi=2.0):
    def make():
        a = inputs(lo, hi)

        @nki.jit
        def k(x):
            out = nl.ndarray((P, 1), dtype=nl.float32, buffer=nl.shared_hbm)
            nl.store(out, getattr(nl, name)(nl.load(x), axis=1, keepdims=True,
                                            dtype=nl.float32))
            return out
        return k, (a,), ref(a.astype(np.float64), axis=1, keepdims=True), 1e-4
    make.__name__ = "reduce_" + name
    case("nl." + name)(make)


_reduce_case("sum", np.sum)
_reduce_case("max", np.max)
_reduce_case("min", np.min)
_reduce_case("mean", np.mean)
_reduce_case("var", np.var)
_reduce_case("prod", np.prod, 0.95, 1.05)
@case("nl.all")
def reduce_all():
    a = inputs(0.5, 2)
    a[::2, 7] = 0.0  # even rows hold a zero
    a[1::4, 3] *= -1.0

    @nki.jit
    def k(x):
        out = nl.ndarray((P, 1), dtype=nl.float32, buffer=nl.shared_hbm)
        nl.store(out, nl.all(nl.load(x), axis=1, keepdims=True, dtype=nl.float32))
        return out
    return k, (a,), np.all(a != 0, axis=1, keepdims=True) * 1.0, 0


@case("nl.softmax")
def softmax():
    a = inputs(-3, 3)
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return unary_kernel(lambda t: nl.softmax(t, axis=1)), (a,), e / e.sum(axis=1,
                                                                          keepdims=True), 1e-5


@case("nl.rms_norm")
def rms_norm():
    a, w = inputs(), inputs(0.5, 1.5, (1, F))

    @nki.jit
    def k(x, g):
        out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        nl.store(out, nl.rms_norm(nl.load(x), nl.load(g), axis=1, n=F, epsilon=1e-6))
        return out
    x = a.astype(np.float64)
    return k, (a, w), x / np.sqrt(np.mean(x * x, axis=1, keepdims=True) + 1e-6) * w, 1e-4


@case("nl.where")
def where():
    c = (inputs() > 0).astype(np.float32)
    a, b = inputs(), inputs()

    @nki.jit
    def k(cond, x, y):
        out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        nl.store(out, nl.where(nl.load(cond), nl.load(x), nl.load(y)))
        return out
    return k, (c, a, b), np.where(c != 0, a, b), 1e-6


@case("nl.loop_reduce", gens="old")
def loop_reduce():
    a = inputs(-3, 3, (4, P, F))

    @nki.jit
    def k(x):
        out = nl.ndarray((P, F), dtype=nl.float32, buffer=nl.shared_hbm)
        b = nl.full((P, F), -100.0, dtype=nl.float32)
        for i in nl.affine_range(4):
            t = nl.load(x[i])
            b = nl.loop_reduce(t, op=nl.maximum, loop_indices=[i], dtype=nl.float32)
        nl.store(out, b)
        return out
    return k, (a,), a.max(axis=0), 0


@case("nl.add", "nl.multiply", "nl.subtract")
def implicit_broadcasts():
    """[P, F] op [1, F] (partition broadcast), [P, F] op [P, 1] and op a 1-D [P] tile."""
    a, row, col = inputs(), inputs(-1, 1, (1, F)), inputs(-1, 1, (P, 1))

    @nki.jit
    def k(x, w, c):
        o1 = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        o2 = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        o3 = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        t, tw, tc = nl.load(x), nl.load(w), nl.load(c)
        nl.store(o1, nl.multiply(t, tw))
        nl.store(o2, nl.add(tc, t))
        v = nl.ndarray((P,), dtype=x.dtype, buffer=nl.sbuf)
        v[...] = nl.copy(tc.reshape((P,)))
        nl.store(o3, nl.subtract(t, v))
        return o1, o2, o3
    return k, (a, row, col), (a * row, a + col, a - col), 1e-6
