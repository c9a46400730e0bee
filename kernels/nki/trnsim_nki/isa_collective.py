"""The instructions between the two NeuronCores of an LNC=2 pair (NKI reference: nki.isa /
nki.lnc core_barrier and sendrecv; nki.language.all_reduce). Same signatures in both API
generations (neither returns a tile). A kernel using them runs as two simulated cores in one
simulation (lnc.py, isa/PAIR_TRACE.md); on a grid without an nl.nc dimension they have no peer.

  nisa.core_barrier(data, cores)  data: a shared HBM tensor; cores=(0, 1). Every access to data
      before the barrier, on either core, precedes every access after it, on either core.
  nisa.sendrecv(src, dst, send_to_rank, recv_from_rank, pipe_id)  SBUF tiles of one dtype and
      size: this core's src lands in the peer's dst, the peer's src in this core's dst. The
      n-th sendrecv of one core meets the n-th of the other (nki.lnc.sendrecv: positional).
  nl.all_reduce(x, op, program_axes)  over the nl.nc axis: x op (the peer's x), in both cores.

APPROX (all_reduce): lowered as the NKI programming model describes a cross-core reduction
(no lowering is documented): a sendrecv of x into a new SBUF tile, then one tensor_tensor on the
Vector engine; parallel_reduce and asynchronous change nothing. Reducing over a grid axis whose
programs run on one core is not supported (they run one after another on that core).
"""
from . import core, dtypes
from .core import NkiTensor
from .emit import emit, new_tile, on_chip
from .errors import NkiError, NkiUnsupportedError


def _pair_core(call):
    """The core (0 or 1) of the program being traced; an error without an LNC=2 pair."""
    c = core.ctx()
    split = getattr(c, "lnc", None)
    if split is None or split.cores != 2:
        raise NkiUnsupportedError(call, "needs the two cores of an LNC=2 pair: launch the kernel "
                                  "on a grid with an nl.nc(2) dimension, e.g. kernel[nl.nc(2)]")
    return split.core(c.pid)


def _rank(call, what, v):
    if isinstance(v, bool) or not hasattr(v, "__index__") or int(v) not in (0, 1):
        raise NkiError(call, "%s=%r must be 0 or 1 (a core of the pair)" % (what, v))
    return int(v)


def _kwargs(call, kwargs, allowed):
    for k in kwargs:
        if k not in allowed:
            raise NkiUnsupportedError(call, "keyword argument %r" % k)


def core_barrier(data, cores=(0, 1), engine=None, name=None, **kwargs):
    call = "nisa.core_barrier"
    _kwargs(call, kwargs, ())
    from .isa_enums import engine_name
    eng = engine_name(call, engine)
    if eng not in (None, "gpsimd", "vector", "scalar"):
        raise NkiUnsupportedError(call, "engine=%r (the barrier runs on gpsimd, vector or "
                                  "scalar)" % (engine,))
    if tuple(cores) != (0, 1):
        raise NkiUnsupportedError(call, "cores=%r: only cores=(0, 1) (NKI reference)"
                                  % (tuple(cores),))
    if not isinstance(data, NkiTensor) or data.buf.memory != "hbm":
        raise NkiError(call, "data must be a tensor in shared HBM, got %s"
                       % (getattr(getattr(data, "buf", None), "memory", type(data).__name__),))
    _pair_core(call)
    emit("core_barrier", engine=eng, data=data)


def sendrecv(src, dst, send_to_rank, recv_from_rank, pipe_id=0, dma_engine=None, name=None,
             priority=None, **kwargs):
    call = "nisa.sendrecv"
    _kwargs(call, kwargs, ())
    me = _pair_core(call)
    for what, r in (("send_to_rank", send_to_rank), ("recv_from_rank", recv_from_rank)):
        if _rank(call, what, r) == me:
            raise NkiError(call, "%s=%d is this core; sendrecv exchanges with the other core "
                           "of the pair (%d)" % (what, me, 1 - me))
    x, y = on_chip(call, src, "src"), on_chip(call, dst, "dst")
    for what, t in (("src", x), ("dst", y)):
        if t.buf.memory != "sbuf":
            raise NkiError(call, "%s %s is in %s; sendrecv moves SBUF tiles"
                           % (what, t.buf.name, t.buf.memory.upper()))
    if x.dtype != y.dtype:
        raise NkiError(call, "src is %s, dst is %s: sendrecv does not cast"
                       % (x.dtype.name, y.dtype.name))
    if x.element_count() != y.element_count():
        raise NkiError(call, "src has %d elements, dst %d" % (x.element_count(),
                                                              y.element_count()))
    if isinstance(pipe_id, bool) or not hasattr(pipe_id, "__index__"):
        raise NkiError(call, "pipe_id=%r must be an int" % (pipe_id,))
    emit("sendrecv", dst=y, src=x, send_to_rank=1 - me, recv_from_rank=1 - me,
         pipe_id=int(pipe_id))


def all_reduce(x, op, program_axes, *, dtype=None, mask=None, parallel_reduce=True,
               asynchronous=False, **kwargs):
    call = "nl.all_reduce"
    _kwargs(call, kwargs, ())
    me = _pair_core(call)
    c = core.ctx()
    axes = program_axes if isinstance(program_axes, (tuple, list)) else (program_axes,)
    if any(isinstance(a, bool) or not hasattr(a, "__index__") for a in axes):
        raise NkiError(call, "program_axes=%r must be an int or a tuple of ints"
                       % (program_axes,))
    split = c.lnc
    if sorted(set(int(a) for a in axes)) != [split.axis]:
        raise NkiUnsupportedError(call, "program_axes=%r: only the nl.nc axis (%d) of the grid "
                                  "%s; the other axes' programs run one after another on one "
                                  "core" % (program_axes, split.axis, split.grid))
    if split.dim.factors != (2,):
        raise NkiUnsupportedError(call, "the nl.nc axis is nl.spmd_dim%r; all_reduce over it "
                                  "needs a plain nl.nc(2) axis" % (split.dim.factors,))
    from .isa_enums import alu_name
    t = on_chip(call, x, "x")
    alu = alu_name(call, op)
    peer = new_tile(t.shape, t.dtype)
    src = t
    if t.buf.memory != "sbuf":  # PSUM: through an SBUF copy, as sendrecv moves SBUF tiles
        src = new_tile(t.shape, t.dtype)
        emit("tensor_copy", mask=mask, dst=src, src=t)
    emit("sendrecv", dst=peer, src=src, send_to_rank=1 - me, recv_from_rank=1 - me, pipe_id=0)
    out = new_tile(t.shape, dtypes.to_dtype(dtype) if dtype is not None else t.dtype)
    ins = emit("tensor_tensor", mask=mask, dst=out, src0=src, src1=peer, op=alu)
    from .emit import fresh
    return fresh(out, ins)
