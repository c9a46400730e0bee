"""Conformance: nki.language creation, data movement, indexing, iterators, memory hierarchy,
SPMD, dtypes and constants, each in a small kernel against numpy."""
import numpy as np

import nki
import nki.language as nl
from trnsim_nki.coverage import case

RNG = np.random.default_rng(7)


def r(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def _fill_case(name, make_tile, value):
    def make():
        a = r(128, 32)

        @nki.jit
        def k(x):
            out = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.shared_hbm)
            t = nl.load(x)
            nl.store(out, nl.add(make_tile(t), t))
            return out
        return k, (a,), a + value, 1e-6
    make.__name__ = name
    case("nl." + name)(make)


_fill_case("zeros", lambda t: nl.zeros(t.shape, dtype=nl.float32), 0.0)
_fill_case("ones", lambda t: nl.ones(t.shape, dtype=nl.float32), 1.0)
_fill_case("full", lambda t: nl.full(t.shape, 2.5, dtype=nl.float32), 2.5)
_fill_case("zeros_like", lambda t: nl.zeros_like(t), 0.0)
_fill_case("full_like", lambda t: nl.full_like(t, -1.5), -1.5)
_fill_case("ones_like", lambda t: nl.ones_like(t), 1.0)


@case("nl.ndarray", "nl.sbuf", "nl.shared_hbm", "nl.par_dim", "nl.affine_range", "nl.load",
      "nl.store", "nl.empty_like", "nl.copy")
def tiled_copy():
    a = r(512, 64)

    @nki.jit
    def k(x):
        out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        for i in nl.affine_range(4):
            t = nl.ndarray((nl.par_dim(128), 64), dtype=x.dtype, buffer=nl.sbuf)
            t[...] = nl.load(x[i * 128:(i + 1) * 128, :])
            u = nl.empty_like(t)
            u[...] = nl.copy(t)
            nl.store(out[i * 128:(i + 1) * 128, :], u)
        return out
    return k, (a,), a, 0


@case("nl.sequential_range", "nl.static_range", "nl.ds")
def ranges_and_ds():
    a = r(256, 64)

    @nki.jit
    def k(x):
        out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        for i in nl.sequential_range(2):
            for j in nl.static_range(2):
                t = nl.load(x[nl.ds(i * 128, 128), nl.ds(j * 32, 32)])
                nl.store(out[nl.ds(i * 128, 128), nl.ds(j * 32, 32)], nl.multiply(t, 2.0))
        return out
    return k, (a,), 2 * a, 1e-6


@case("nl.arange", "nl.mgrid")
def arange_mgrid():
    a = r(128, 96)

    @nki.jit
    def k(x):
        out = nl.ndarray((128, 48), dtype=x.dtype, buffer=nl.shared_hbm)
        i_p = nl.arange(128)[:, None]
        i_f = nl.arange(48)[None, :]
        t = nl.load(x[i_p, 2 * i_f + 1])
        g = nl.mgrid[0:128, 0:48]
        nl.store(out[g.p, g.x], t)
        return out
    return k, (a,), a[:, 1::2], 0


@case("nl.load_transpose2d", "nl.transpose")
def transposes():
    a = r(64, 128)

    @nki.jit
    def k(x):
        out = nl.ndarray((64, 128), dtype=x.dtype, buffer=nl.shared_hbm)
        t = nl.load_transpose2d(x)            # [128, 64]
        nl.store(out, nl.transpose(t))       # back to [64, 128]
        return out
    return k, (a,), a, 0


@case("nl.matmul", "nl.psum")
def matmul():
    a, b = r(128, 64), r(128, 256)

    @nki.jit
    def k(x, y):
        out = nl.ndarray((64, 256), dtype=nl.float32, buffer=nl.shared_hbm)
        acc = nl.zeros((64, 256), dtype=nl.float32, buffer=nl.psum)
        acc += nl.matmul(nl.load(x), nl.load(y), transpose_x=True)
        nl.store(out, nl.copy(acc))
        return out
    return k, (a, b), a.T.astype(np.float64) @ b, 1e-3


@case("nl.shared_identity_matrix")
def identity():
    a = r(128, 128)

    @nki.jit
    def k(x):
        out = nl.ndarray(x.shape, dtype=nl.float32, buffer=nl.shared_hbm)
        eye = nl.shared_identity_matrix(n=128, dtype=nl.float32)
        nl.store(out, nl.copy(nl.matmul(eye, nl.load(x), transpose_x=True)))
        return out
    return k, (a,), a, 1e-6


@case("nl.broadcast_to", "nl.expand_dims")
def broadcast():
    a, g = r(128, 64), r(64)

    @nki.jit
    def k(x, w):
        out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        row = nl.load(nl.expand_dims(w, 0))          # [1, 64]
        nl.store(out, nl.multiply(nl.load(x), row.broadcast_to((128, 64))))
        return out
    return k, (a, g), a * g[None, :], 1e-6


@case("nl.hbm", "nl.private_hbm")
def hbm_scratch():
    a = r(128, 64)

    @nki.jit
    def k(x):
        out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        s1 = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.hbm)
        s2 = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.private_hbm)
        nl.store(s1, nl.load(x))
        nl.store(s2, nl.load(s1))
        nl.store(out, nl.load(s2))
        return out
    return k, (a,), a, 0


@case("nl.program_id", "nl.num_programs", "nl.program_ndim")
def spmd_grid():
    a = r(256, 64)

    @nki.jit(grid=(2,))
    def k(x):
        out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        i = nl.program_id(0)
        scale = float(nl.num_programs(0) * 10 + nl.program_ndim())
        nl.store(out[i * 128:(i + 1) * 128, :],
                 nl.multiply(nl.load(x[i * 128:(i + 1) * 128, :]), scale))
        return out
    return k, (a,), a * 21.0, 1e-6


@case("nl.is_psum", "nl.is_sbuf", "nl.is_hbm", "nl.is_on_chip", "nl.no_reorder",
      gens="new")
def buffer_predicates():
    a = r(128, 64)

    @nki.jit
    def k(x):
        out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        t = nl.load(x)
        flags = (nl.is_sbuf(t.buffer), nl.is_hbm(x.buffer), nl.is_on_chip(t.buffer),
                 not nl.is_psum(t.buffer))
        with nl.no_reorder():
            nl.store(out, nl.add(t, float(sum(flags))))
        return out
    return k, (a,), a + 4.0, 1e-6


@case("nl.tile_size")
def tile_size():
    a = r(128, 512)

    @nki.jit
    def k(x):
        out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        n = x.shape[1] // nl.tile_size.psum_fmax
        for i in nl.affine_range(n):
            cols = nl.ds(i * nl.tile_size.psum_fmax, nl.tile_size.psum_fmax)
            nl.store(out[0:nl.tile_size.pmax, cols], nl.load(x[0:nl.tile_size.pmax, cols]))
        return out
    return k, (a,), a, 0


def _bf16(x):
    u = x.astype(np.float32).view(np.uint32).astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000
    return u.astype(np.uint32).view(np.float32)


DTYPES = {  # name: (host input, reference of the round trip, tolerance)
    "float32": (lambda: r(128, 16), lambda a: a, 0),
    "bfloat16": (lambda: r(128, 16), _bf16, 0),
    "float16": (lambda: r(128, 16), lambda a: a.astype(np.float16), 0),
    "tfloat32": (lambda: r(128, 16), lambda a: a, 0),
    "float8_e4m3": (lambda: r(128, 16), lambda a: a, 0.07),
    "float8_e5m2": (lambda: r(128, 16), lambda a: a, 0.13),
    "int8": (lambda: RNG.integers(-100, 100, (128, 16)).astype(np.int32), lambda a: a, 0),
    "int16": (lambda: RNG.integers(-3e4, 3e4, (128, 16)).astype(np.int32), lambda a: a, 0),
    "int32": (lambda: RNG.integers(-1e6, 1e6, (128, 16)).astype(np.int32), lambda a: a, 0),
    "uint8": (lambda: RNG.integers(0, 250, (128, 16)).astype(np.int32), lambda a: a, 0),
    "uint16": (lambda: RNG.integers(0, 6e4, (128, 16)).astype(np.int32), lambda a: a, 0),
    "uint32": (lambda: RNG.integers(0, 1e6, (128, 16)).astype(np.int32), lambda a: a, 0),
    "bool_": (lambda: RNG.integers(0, 2, (128, 16)).astype(np.int32), lambda a: a, 0),
}


def _dtype_case(name, host, ref, tol):
    def make():
        a = host()

        @nki.jit
        def k(x):
            out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
            t = nl.load(x, dtype=getattr(nl, name))
            nl.store(out, nl.copy(t, dtype=x.dtype))
            return out
        return k, (a,), ref(a), tol
    make.__name__ = "dtype_" + name
    case("nl." + name)(make)


for _n, (_h, _ref, _tol) in DTYPES.items():
    _dtype_case(_n, _h, _ref, _tol)


@case("nl.float8_e4m3fn", gens="new")
def dtype_float8_e4m3fn():
    a = r(128, 16)

    @nki.jit
    def k(x):
        out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        nl.store(out, nl.copy(nl.load(x, dtype=nl.float8_e4m3fn), dtype=x.dtype))
        return out
    return k, (a,), a, 0.07


@case("nl.load", "nl.arange")
def rmsnorm_tutorial_weight_row():
    """The tutorial RMSNorm weight load: a 1-D tensor reshaped to (1, N), indexed with an
    arange on the new unit dimension."""
    g = r(256)

    @nki.jit
    def k(w):
        out = nl.ndarray((1, 256), dtype=w.dtype, buffer=nl.shared_hbm)
        row = nl.load(w.reshape((1, 256))[nl.arange(1)[:, None], nl.arange(256)[None, :]])
        nl.store(out, row)
        return out
    return k, (g,), g[None, :], 0


@case("nl.shared_constant", gens="old")
def shared_constant():
    a = r(128, 64)
    table = np.arange(128 * 64, dtype=np.float32).reshape(128, 64) / 7.0

    @nki.jit
    def k(x):
        out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        c = nl.shared_constant(table, dtype=nl.float32)
        nl.store(out, nl.add(nl.load(x), nl.load(c)))
        return out
    return k, (a,), a.astype(np.float64) + table, 1e-6


@case("nl.device_print")
def device_print():
    """The print happens after the run (checked in tests/nki/test_surface.py); the kernel's
    results are unaffected by the debug copy."""
    a = r(128, 8)

    @nki.jit
    def k(x):
        out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        t = nl.load(x)
        nl.device_print("conformance device_print:", t)
        nl.store(out, nl.add(t, 1.0))
        return out
    return k, (a,), a + 1.0, 1e-6


@case("nl.dynamic_range", gens="new")
def dynamic_range_integer_bounds():
    a = r(384, 32)

    @nki.jit
    def k(x):
        out = nl.ndarray(x.shape, dtype=x.dtype, buffer=nl.shared_hbm)
        for i in nl.dynamic_range(1, 3):
            nl.store(out[i * 128:(i + 1) * 128, :], nl.load(x[i * 128:(i + 1) * 128, :]))
        nl.store(out[0:128, :], nl.negative(nl.load(x[0:128, :])))
        return out
    exp = a.copy()
    exp[:128] = -a[:128]
    return k, (a,), exp, 0
