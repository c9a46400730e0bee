"""Random numbers: nl.rand / nl.random_seed / nl.dropout and nisa.rng / rand2 / dropout /
set_rng_seed / rand_set_state / rand_get_state, built from table instructions.

The generator (the same on every engine, one state per engine):
  - state per compute lane p (partition): a counter c[p] and a key k[p], both 23-bit, held in
    a hidden [128, 2] int32 SBUF tile;
  - free element j (row-major index within the partition) of a call gets the 23-bit value
    H(((c[p] + j) mod 2^23) xor k[p]), and the call then advances c[p] by the elements per
    partition;
  - H(x) = s12(m(s11(m(s12(x), C1)), C2)) with s_n(x) = x xor (x >> n) and
    m(x, C) = x * C mod 2^23: a bijection of 23-bit words (odd multipliers, xorshifts);
  - seeding with s (nl.random_seed, set_rng_seed): c[p] = 0, k[p] = H((s mod 2^23) xor
    (p << 16)); an engine never seeded behaves as if seeded with 0;
  - rand_set_state(src): c[p] = src[p, 0] mod 2^23, k[p] = (src[p, 1] xor
    H(src[p, 2] xor ... xor src[p, n-1])) mod 2^23, so rand_set_state(rand_get_state())
    restores the state (rand_get_state writes c, k and zeros).
Every step is exact in the fp32 ALU (integers below 2^24): m() multiplies 12-bit and 11-bit
halves of x and C.

APPROX (NKI API reference, nki.isa.rng / rand2 / rand_set_state: the hardware runs XORWOW,
one instruction per call): the values are this generator's, not the hardware's bits; a call
costs the ~20 vector instructions (and one gpsimd iota) it is made of; 32-bit rng outputs hold
23 random low bits; seed and state words are read through the fp32 ALU, so words >= 2^24 lose
low bits; the state has 2 words per lane whatever the documented 6 / 24.
"""
from . import core, dtypes
from .core import NkiTensor
from .emit import emit, fresh, new_tile, on_chip
from .errors import NkiError

BITS = 23
MASK = (1 << BITS) - 1
C1 = 0x5A3E2B  # odd multipliers of the hash
C2 = 0x2C1B4D
LANES = 128
LANE_SHIFT = 16

def _engine(e):
    return "gpsimd" if e == "gpsimd" else "vector"


class _Emitter:
    """Emits integer steps on one engine under one mask."""

    def __init__(self, engine, mask=None):
        self.engine, self.mask = engine, mask

    def ts(self, dst, src, op0, a, op1=None, b=None):
        emit("tensor_scalar", mask=self.mask, engine=self.engine, dst=dst, src=src, op0=op0,
             operand0=a, op1=op1, operand1=b)

    def tt(self, dst, a, b, op):
        emit("tensor_tensor", mask=self.mask, engine=self.engine, dst=dst, src0=a, src1=b, op=op)

    def xorshift(self, x, n):
        emit("scalar_tensor_tensor", mask=self.mask, engine=self.engine, dst=x, src0=x,
             operand0=float(n), src1=x, op0="right_shift", op1="bitwise_xor")

    def mulmod(self, x, c):
        """x = x * c mod 2^23, from products of 12-bit and 11-bit halves (each < 2^24)."""
        lo_c, hi_c = c & 0xFFF, c >> 12
        shape = x.shape
        p1, p2, p3 = (new_tile(shape, dtypes.int32) for _ in range(3))
        self.ts(p1, x, "bitwise_and", 4095.0, "multiply", float(lo_c))
        self.ts(p2, x, "right_shift", 12.0, "multiply", float(lo_c))
        self.ts(p3, x, "bitwise_and", 4095.0, "multiply", float(hi_c))
        self.tt(p2, p2, p3, "add")
        self.ts(p2, p2, "bitwise_and", 2047.0, "left_shift", 12.0)
        emit("scalar_tensor_tensor", mask=self.mask, engine=self.engine, dst=x, src0=p1,
             operand0=float(MASK), src1=p2, op0="bitwise_and", op1="add")
        self.ts(x, x, "bitwise_and", float(MASK))

    def hash(self, x):
        self.xorshift(x, 12)
        self.mulmod(x, C1)
        self.xorshift(x, 11)
        self.mulmod(x, C2)
        self.xorshift(x, 12)


def _seed_lanes(state, seed_column, engine):
    """state = (0, H((seed mod 2^23) xor (p << 16))) for seed_column [128, 1]."""
    em = _Emitter(engine)
    lane = new_tile((LANES, 1), dtypes.int32)
    emit("iota", dst=lane, offset=0.0, channel_multiplier=1 << LANE_SHIFT, pattern=[0])
    key = state[:, 1:2]
    em.ts(key, seed_column, "bitwise_and", float(MASK))
    em.tt(key, key, lane, "bitwise_xor")
    em.hash(key)
    emit("memset", engine=engine, dst=state[:, 0:1], value=0.0)


def state_tile(engine):
    """The engine's state tile, seeded with 0 at first use."""
    c = core.ctx()
    states = c.__dict__.setdefault("rng_states", {})
    st = states.get(engine)
    if st is None:
        st = new_tile((LANES, 2), dtypes.int32, name="rng_state_" + engine)
        states[engine] = st
        zero = new_tile((LANES, 1), dtypes.int32)
        emit("memset", engine=engine, dst=zero, value=0.0)
        _seed_lanes(st, zero, engine)
    return st


def seed(call, value, engine):
    """Seeds `engine` from a [1, 1] tile (or a Python integer)."""
    engine = _engine(engine)
    st = state_tile(engine)
    if isinstance(value, NkiTensor):
        on_chip(call, value, "seed")
        if value.element_count() != 1:
            raise NkiError(call, "seed must be a [1, 1] tile, got shape %s" % (value.shape,))
        from .language import broadcast_to
        column = broadcast_to(value.reshape((1, 1)), (LANES, 1))
    elif isinstance(value, int) or hasattr(value, "__index__"):
        column = new_tile((LANES, 1), dtypes.int32)
        emit("memset", engine=engine, dst=column, value=float(int(value) & MASK))
    else:
        raise NkiError(call, "seed must be a [1, 1] tile or an integer, got %s"
                       % type(value).__name__)
    _seed_lanes(st, column, engine)


def bits(call, dst_shape, engine, mask=None):
    """A new int32 tile of dst_shape holding one 23-bit random value per element."""
    engine = _engine(engine)
    shape = tuple(int(s) for s in dst_shape)
    if len(shape) < 2 or shape[0] > LANES:
        raise NkiError(call, "needs a tile shape [P <= 128, F...], got %s" % (shape,))
    st = state_tile(engine)
    parts = shape[0]
    steps, n = [], 1
    for s in reversed(shape[1:]):
        steps.insert(0, n)
        n *= s
    if n > MASK:
        raise NkiError(call, "%d elements per partition exceed the generator's 2^23" % n)
    em = _Emitter(engine, mask)
    x = new_tile(shape, dtypes.int32)
    emit("iota", mask=mask, dst=x, offset=0.0, channel_multiplier=0, pattern=steps)
    em.ts(x, x, "add", st[0:parts, 0:1], "bitwise_and", float(MASK))
    em.ts(x, x, "bitwise_xor", st[0:parts, 1:2])
    em.hash(x)
    counter = st[:, 0:1]
    _Emitter(engine).ts(counter, counter, "add", float(n % (MASK + 1)), "bitwise_and",
                        float(MASK))
    return x


def uniform(call, shape, engine, mask=None, dtype=dtypes.float32):
    """A new tile of `shape` with values uniform in [0, 1): 23-bit value * 2^-23."""
    x = bits(call, shape, engine, mask)
    u = new_tile(tuple(shape), dtype)
    ins = emit("tensor_scalar", mask=mask, engine=_engine(engine), dst=u, src=x,
               op0="multiply", operand0=1.0 / (MASK + 1))
    return fresh(u, ins)


def drop(call, dst, data, prob, engine, mask=None):
    """dst = data where a uniform value >= prob, else 0 (prob a number or a [P, 1] tile)."""
    on_chip(call, data, "data")
    if isinstance(prob, NkiTensor):
        on_chip(call, prob, "prob")
        if tuple(prob.shape) != (data.shape[0], 1):
            raise NkiError(call, "prob must be a number or a [%d, 1] tile, got shape %s"
                           % (data.shape[0], prob.shape))
    elif isinstance(prob, (int, float)):
        prob = float(prob)
        if not 0.0 <= prob <= 1.0:
            raise NkiError(call, "prob %g is not a probability in [0, 1]" % prob)
    else:
        raise NkiError(call, "prob must be a number or a tile, got %s" % type(prob).__name__)
    u = uniform(call, data.shape, engine, mask)
    keep = new_tile(tuple(data.shape), dtypes.float32)
    em = _Emitter(_engine(engine), mask)
    em.ts(keep, u, "greater_equal", prob)
    # APPROX (nki.isa.dropout): a multiply by the keep flag, so a dropped inf / NaN gives NaN
    return emit("tensor_tensor", mask=mask, engine=_engine(engine), dst=dst, src0=data,
                src1=keep, op="multiply")


def to_integer_bits(call, dst, x, engine):
    """dst (an integer tile) = the low bits of the 23-bit values x (sign-extended for signed
    types of 8 or 16 bits; 32-bit types get the 23 bits)."""
    width = dst.dtype.itemsize * 8
    em = _Emitter(_engine(engine))
    if width >= 32:
        em.ts(dst, x, "bitwise_and", float(MASK))
    elif dst.dtype.name.startswith("uint"):
        em.ts(dst, x, "bitwise_and", float((1 << width) - 1))
    else:
        half = float(1 << (width - 1))
        t = new_tile(tuple(dst.shape), dtypes.int32)
        em.ts(t, x, "bitwise_and", float((1 << width) - 1), "bitwise_xor", half)
        em.ts(dst, t, "subtract", half)


def set_state(call, src, engine):
    """rand_set_state: counter from column 0, key from column 1 and the rest (see above)."""
    engine = _engine(engine)
    on_chip(call, src, "src_seeds")
    if src.ndim != 2 or src.shape[1] < 2 or src.shape[0] > LANES:
        raise NkiError(call, "src_seeds must be a [P <= 128, n >= 2] tile, got shape %s"
                       % (src.shape,))
    st = state_tile(engine)
    parts, n = src.shape
    em = _Emitter(engine)
    em.ts(st[0:parts, 0:1], src[:, 0:1], "bitwise_and", float(MASK))
    fold = new_tile((parts, 1), dtypes.int32)
    em.ts(fold, src[:, 1:2], "bitwise_and", float(MASK))
    if n > 2:
        rest = new_tile((parts, 1), dtypes.int32)
        em.ts(rest, src[:, 2:3], "bitwise_and", float(MASK))
        for j in range(3, n):
            em.tt(rest, rest, src[:, j:j + 1], "bitwise_xor")
        em.ts(rest, rest, "bitwise_and", float(MASK))
        em.hash(rest)
        em.tt(fold, fold, rest, "bitwise_xor")
    em.ts(st[0:parts, 1:2], fold, "bitwise_and", float(MASK))


def get_state(call, dst, engine):
    """rand_get_state: dst[:, 0] = counter, dst[:, 1] = key, zeros after."""
    engine = _engine(engine)
    on_chip(call, dst, "dst")
    if dst.ndim != 2 or dst.shape[1] < 2 or dst.shape[0] > LANES:
        raise NkiError(call, "dst must be a [P <= 128, n >= 2] tile, got shape %s"
                       % (dst.shape,))
    st = state_tile(engine)
    parts = dst.shape[0]
    if dst.shape[1] > 2:
        emit("memset", engine=engine, dst=dst[:, 2:], value=0.0)
    emit("tensor_copy", engine=engine, dst=dst[:, 0:2], src=st[0:parts, :])


# ---- the NKI calls -------------------------------------------------------------------------
def _float_dtype(call, dtype):
    d = dtypes.to_dtype(dtype) if dtype is not None else dtypes.float32
    if not d.is_float:
        raise NkiError(call, "dtype %s: random values in [0, 1) need a float type" % d.name)
    return d


def nl_rand(shape, dtype=dtypes.float32, mask=None, **kwargs):
    """nl.rand(shape, dtype): a new SBUF tile of values uniform in [0, 1)."""
    call = "nl.rand"
    try:
        shape = tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise NkiError(call, "shape must be a tuple of integers, got %r" % (shape,))
    return uniform(call, shape, None, mask, _float_dtype(call, dtype))


def nl_random_seed(seed_value, mask=None, **kwargs):
    """nl.random_seed(seed): seeds the generator nl.rand / nl.dropout use."""
    seed("nl.random_seed", seed_value, None)


def nl_dropout(x, rate, dtype=None, mask=None, **kwargs):
    """nl.dropout(x, rate): x with each element zeroed with probability `rate`."""
    call = "nl.dropout"
    on_chip(call, x, "x")
    if isinstance(rate, NkiTensor) and rate.element_count() == 1 and x.shape[0] != 1:
        from .language import broadcast_to
        rate = broadcast_to(rate.reshape((1, 1)), (x.shape[0], 1))
    out = new_tile(tuple(x.shape), dtypes.to_dtype(dtype) if dtype is not None else x.dtype)
    ins = drop(call, out, x, rate, None, mask)
    return fresh(out, ins)


def _isa_bind(call, args, kwargs, sig):
    from .isa import _bind
    _, p = _bind(call, args, kwargs, sig, sig, 0)
    return p


def _req():
    from .isa import _REQ
    return _REQ


def isa_dropout(*args, **kwargs):
    """nisa.dropout: SDK 2.26 (data, prob, mask, dtype) returns the result; SDK 2.27+
    (dst, data, prob) writes dst."""
    from .isa import M, _bind, _result
    call = "nisa.dropout"
    req = _req()
    old = [("data", req), ("prob", req)] + M
    new = [("dst", req), ("data", req), ("prob", req), ("name", None)]
    from .isa_composite import kernel_uses_old_api
    # (data, prob_tile) and (dst, data, prob_number) both lead with two tiles: the kernel's
    # import decides
    leading = 2 if kernel_uses_old_api() and "dst" not in kwargs else 1
    is_new, p = _bind(call, args, kwargs, old, new, leading)
    data = on_chip(call, p["data"], "data")
    dst = _result(call, is_new, p, data.shape, data.dtype)
    ins = drop(call, dst, data, p["prob"], None, p["mask"])
    return dst if is_new else fresh(dst, ins)


def isa_rng(*args, **kwargs):
    """nisa.rng(dst, engine): random bits into an integer tile (low bits of each value)."""
    call = "nisa.rng"
    p = _isa_bind(call, args, kwargs, [("dst", _req()), ("engine", None), ("name", None)])
    dst = on_chip(call, p["dst"], "dst")
    if dst.dtype.is_float:
        raise NkiError(call, "dst must be an integer tile (int8/16/32, uint8/16/32), got %s"
                       % dst.dtype.name)
    to_integer_bits(call, dst, bits(call, dst.shape, p["engine"]), p["engine"])
    return dst


def isa_rand2(*args, **kwargs):
    """nisa.rand2(dst, min, max): values uniform in [min, max) (numbers or [P, 1] tiles)."""
    call = "nisa.rand2"
    req = _req()
    p = _isa_bind(call, args, kwargs, [("dst", req), ("min", req), ("max", req),
                                       ("name", None)])
    dst = on_chip(call, p["dst"], "dst")
    lo, hi = p["min"], p["max"]
    for what, v in (("min", lo), ("max", hi)):
        if isinstance(v, NkiTensor):
            if tuple(v.shape) != (dst.shape[0], 1):
                raise NkiError(call, "%s must be a number or a [%d, 1] tile, got shape %s"
                               % (what, dst.shape[0], v.shape))
        elif not isinstance(v, (int, float)):
            raise NkiError(call, "%s must be a number or a tile, got %s"
                           % (what, type(v).__name__))
    if not isinstance(lo, NkiTensor) and not isinstance(hi, NkiTensor):
        if not float(lo) < float(hi):
            raise NkiError(call, "needs min < max, got min=%g max=%g" % (lo, hi))
        width, lo = float(hi) - float(lo), float(lo)
    else:
        width = new_tile((dst.shape[0], 1), dtypes.float32)
        if isinstance(hi, NkiTensor) and isinstance(lo, NkiTensor):
            emit("tensor_tensor", dst=width, src0=hi, src1=lo, op="subtract")
        elif isinstance(hi, NkiTensor):
            emit("tensor_scalar", dst=width, src=hi, op0="subtract", operand0=float(lo))
        else:
            emit("tensor_scalar", dst=width, src=lo, op0="subtract", operand0=float(hi),
                 reverse0=True)
        lo = lo if isinstance(lo, NkiTensor) else float(lo)
    u = uniform(call, dst.shape, "vector")
    emit("tensor_scalar", engine="vector", dst=dst, src=u, op0="multiply", operand0=width,
         op1="add", operand1=lo)
    return dst


def isa_set_rng_seed(*args, **kwargs):
    call = "nisa.set_rng_seed"
    p = _isa_bind(call, args, kwargs, [("src_seeds", _req()), ("name", None)])
    seed(call, p["src_seeds"], "vector")


def isa_rand_set_state(*args, **kwargs):
    call = "nisa.rand_set_state"
    p = _isa_bind(call, args, kwargs, [("src_seeds", _req()), ("engine", None),
                                       ("name", None)])
    set_state(call, p["src_seeds"], p["engine"])


def isa_rand_get_state(*args, **kwargs):
    call = "nisa.rand_get_state"
    p = _isa_bind(call, args, kwargs, [("dst", _req()), ("engine", None), ("name", None)])
    get_state(call, p["dst"], p["engine"])
    return p["dst"]
