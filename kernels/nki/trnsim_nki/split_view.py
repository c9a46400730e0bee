"""Views indexed with several arange terms in one dimension (`x[i_p, 2 * i_f1 + i_f2]`,
`v[128 * i_b + i_p]`): each arange variable is its own logical dimension of the view, as in
NKI, while the trace names one slice per buffer dimension. The view is kept as a base view in
which one term (the variable with the most values) walks the buffer dimension and every other
("split") variable is a logical dimension of one element; an instruction with such an operand
is emitted once per combination of split-variable values, each piece on one strided slice.

APPROX (NKI programming model, affine index expressions): hardware reads such an access
pattern in one instruction; here it costs one instruction (and one fixed overhead) per piece.
"""
import itertools

from .core import NkiTensor
from .errors import NkiUnsupportedError

# instructions that pair operand elements one to one (so each piece is the same instruction)
ELEMENTWISE = ("dma_copy", "tensor_copy", "activation", "tensor_tensor", "tensor_scalar",
               "scalar_tensor_tensor", "memset", "reciprocal")
PER_PARTITION = ("operand0", "operand1", "bias", "scale")  # [P, 1] operands pass unchanged
USE = ("a view indexed with several arange terms in one dimension can only be an instruction "
       "operand (nl.load / nl.store / an elementwise call)")


class SplitView(NkiTensor):
    """`splits`: (logical dim, variable, buffer dim, buffer elements per variable step)."""

    def __init__(self, buf, sl, dims, vars_, splits):
        super().__init__(buf, sl, dims, vars_)
        self.splits = []
        for var, d, step in splits:
            ldim = next(i for i, v in enumerate(self.vars) if v is var)
            self.splits.append((ldim, var, d, step))

    @property
    def shape(self):
        shape = list(super().shape)
        for ldim, var, _, _ in self.splits:
            shape[ldim] = var.n
        return tuple(shape)

    def element_count(self):
        n = 1
        for s in self.shape:
            n *= s
        return n

    def piece(self, values):
        """The plain view of the elements with split variable of logical dim k at values[k]."""
        sl = list(self.sl)
        for ldim, _, d, step in self.splits:
            s, c, st = sl[d]
            sl[d] = (s + step * values[ldim], c, st)
        return NkiTensor(self.buf, sl, self.dims, self.vars)

    def out_of_bounds(self):
        last = {ldim: var.n - 1 for ldim, var, _, _ in self.splits}
        return self.piece(last).out_of_bounds()

    def is_monotonic(self):
        if not super().is_monotonic():
            raise NkiUnsupportedError("tensor view", USE + ", in buffer order (not transposed)")
        return True

    def is_whole(self):
        return False

    def same_view(self, other):
        return other is self

    def _unsupported(self, *args, **kwargs):
        raise NkiUnsupportedError("tensor view", USE)

    view_text = narrow = straight = _index = reshape = permute = ap = _unsupported
    __getitem__ = _unsupported


def _flat_piece(call, key, view, shape, values, main):
    """The piece of a 2-D operand [P, N] (N = the free elements of `shape`) holding the
    elements at `values` of the split dims, walked by logical dim `main`."""
    if view.ndim != 2 or isinstance(view, SplitView) or view.dims[1] is None:
        raise NkiUnsupportedError(call, "operand %s of shape %s beside a view of shape %s with "
                                  "several arange terms in one dimension (give it that shape)"
                                  % (key, tuple(view.shape), shape))
    strides, acc = [0] * len(shape), 1
    for i in range(len(shape) - 1, 0, -1):
        strides[i], acc = acc, acc * shape[i]
    first = sum(strides[k] * j for k, j in values.items())
    d = view.dims[1]
    s, _, st = view.sl[d]
    sl = list(view.sl)
    sl[d] = (s + first * st, shape[main] if main else 1, st * (strides[main] if main else 1))
    return NkiTensor(view.buf, sl, view.dims, view.vars)


def _mask_bounds(mask, owners):
    """(ranges of split dims the mask bounds, the mask without those clauses)."""
    from .emit import _mask_dim
    from .indexing import Pred, var_ranges
    if not isinstance(mask, Pred) or var_ranges(mask) is None:
        return {}, mask
    bounds, rest = {}, []
    for expr, op in mask.clauses:
        var = expr.single[0]
        hit = next((ldim for ldim, owner in owners.items()
                    if _mask_dim(owner, var) == ldim), None)
        if hit is None:
            rest.append((expr, op))
        else:
            lo, hi = var_ranges(Pred([(expr, op)]))[var]
            plo, phi = bounds.get(hit, (0, owners[hit].shape[hit]))
            bounds[hit] = (max(lo, plo), min(hi, phi))
    return bounds, (Pred(rest) if rest else None)


def emit_pieces(emit, opcode, mask, engine, fields):
    """Emits `opcode` once per combination of split-variable values (see the module)."""
    call = "nki." + opcode
    views = {k: v for k, v in fields.items() if isinstance(v, NkiTensor)}
    if opcode not in ELEMENTWISE or "reduce_dst" in views:
        raise NkiUnsupportedError(call, "an operand indexed with several arange terms in one "
                                  "dimension; copy it into a tile first (nl.load / nl.copy)")
    splits = [v for v in views.values() if isinstance(v, SplitView)]
    shape = splits[0].shape
    owners = {}
    for v in splits:
        if tuple(v.shape) != shape:
            raise NkiUnsupportedError(call, "views with several arange terms in one dimension "
                                      "of different shapes %s and %s" % (shape, v.shape))
        for ldim, _, _, _ in v.splits:
            owners.setdefault(ldim, v)
    fixed = sorted(owners)
    bounds, rest_mask = _mask_bounds(mask, owners)
    ranges = [range(*bounds.get(k, (0, shape[k]))) for k in fixed]
    walking = [k for k in range(1, len(shape)) if k not in fixed and shape[k] > 1]
    main = walking[0] if len(walking) == 1 else None
    for combo in itertools.product(*ranges):
        values = dict(zip(fixed, combo))
        piece_fields = dict(fields)
        for key, v in views.items():
            if isinstance(v, SplitView):
                own = {ldim: values[ldim] for ldim, _, _, _ in v.splits}
                p = v.piece(own)
                for k in fixed:
                    if k not in own:
                        p = p.narrow(k, values[k], values[k] + 1)
            elif key in PER_PARTITION and tuple(v.shape) == (shape[0], 1):
                p = v
            elif tuple(v.shape) == shape:
                p = v
                for k in fixed:
                    p = p.narrow(k, values[k], values[k] + 1)
            elif v.ndim == 2 and v.shape[0] == shape[0] and (main is not None or not walking):
                p = _flat_piece(call, key, v, shape, values, main)
            else:
                raise NkiUnsupportedError(call, "operand %s of shape %s beside a view of shape "
                                          "%s with several arange terms in one dimension"
                                          % (key, tuple(v.shape), shape))
            piece_fields[key] = p
        emit(opcode, mask=rest_mask, engine=engine, **piece_fields)
    return None
