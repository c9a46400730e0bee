"""The Tensor Engine's operand rules for nisa.nc_matmul, checked before the result tile is
made so that a bad operand is reported at the nc_matmul line with the rule it breaks (NKI
reference, nki.isa.nc_matmul): stationary and moving are SBUF tiles; their partition sizes
(the contraction dimension) are equal and <= nl.tile_size.pmax; the free sizes of stationary
and moving are <= gemm_stationary_fmax (128) and <= gemm_moving_fmax (512).
"""
from .errors import NkiError


_TILE_SIZE = []


def _tile_size():
    """nl.tile_size (imported on first use: nki.language imports this module's users)."""
    if not _TILE_SIZE:
        from .language import tile_size
        _TILE_SIZE.append(tile_size)
    return _TILE_SIZE[0]


def check_matmul_operands(call, stationary, moving):
    """Raises NkiError naming `call`, the operand and the rule; operands are 2-D NkiTensors."""
    tile_size = _tile_size()
    for role, t in (("stationary", stationary), ("moving", moving)):
        if t.buf.memory != "sbuf":
            raise NkiError(call, "%s %s is a %s tile; the Tensor Engine reads both operands "
                           "from SBUF (and writes PSUM)" % (role, t.buf.name,
                                                           t.buf.memory.upper()))
    (k, m), (k2, n) = stationary.shape, moving.shape
    if k != k2:
        raise NkiError(call, "stationary %s and moving %s have different partition sizes "
                       "(%d and %d): both are the contraction dimension K" % (
                           list(stationary.shape), list(moving.shape), k, k2))
    if k > tile_size.pmax:
        raise NkiError(call, "contraction size K=%d (the partition size of stationary and "
                       "moving) exceeds %d" % (k, tile_size.pmax))
    if m > tile_size.gemm_stationary_fmax:
        raise NkiError(call, "stationary %s has free size %d; the Tensor Engine takes at most "
                       "%d (nl.tile_size.gemm_stationary_fmax): split M into tiles of %d" % (
                           list(stationary.shape), m, tile_size.gemm_stationary_fmax,
                           tile_size.gemm_stationary_fmax))
    if n > tile_size.gemm_moving_fmax:
        raise NkiError(call, "moving %s has free size %d; the Tensor Engine takes at most %d "
                       "(nl.tile_size.gemm_moving_fmax): split N into tiles of %d" % (
                           list(moving.shape), n, tile_size.gemm_moving_fmax,
                           tile_size.gemm_moving_fmax))
