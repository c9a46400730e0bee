"""Index expressions of NKI kernels: nl.arange / nl.mgrid variables, affine expressions over
them, and predicates built from comparisons (used by masks, affine_select and iota).

An arange variable ranges over [0, n); `nl.arange(n)[:, None]` gives it grid axis 0 of a 2-D
grid, `[None, :]` axis 1. An affine expression is sum(coef * var) + const with integer terms.
"""
import itertools

from .errors import NkiError, NkiUnsupportedError

_FORMS = ("only the nl.arange(n)[:, None] / [None, :] forms (one slice, the rest None) are "
          "supported")

_ids = itertools.count()


class Var:
    def __init__(self, n, axis=None, ndim=None):
        self.id = next(_ids)
        self.n = int(n)
        self.axis = axis
        self.ndim = ndim
        self.grid = None  # nl.mgrid: the sizes of all its axes

    def __repr__(self):
        return "v%d[0:%d]@%s" % (self.id, self.n, self.axis)


def _as_affine(x):
    if isinstance(x, Affine):
        return x
    if isinstance(x, (int,)) or (hasattr(x, "__index__") and not isinstance(x, float)):
        return Affine({}, int(x))
    return None


class Affine:
    """sum(coef * var) + const."""

    def __init__(self, terms, const=0):
        self.terms = {v: c for v, c in terms.items() if c != 0}
        self.const = int(const)

    @property
    def single(self):
        """(var, coef) if the expression has exactly one variable, else None."""
        if len(self.terms) == 1:
            return next(iter(self.terms.items()))
        return None

    # arithmetic
    def __add__(self, o):
        o = _as_affine(o)
        if o is None:
            return NotImplemented
        t = dict(self.terms)
        for v, c in o.terms.items():
            t[v] = t.get(v, 0) + c
        return Affine(t, self.const + o.const)

    __radd__ = __add__

    def __neg__(self):
        return Affine({v: -c for v, c in self.terms.items()}, -self.const)

    def __sub__(self, o):
        o = _as_affine(o)
        return NotImplemented if o is None else self + (-o)

    def __rsub__(self, o):
        o = _as_affine(o)
        return NotImplemented if o is None else o + (-self)

    def __mul__(self, k):
        if isinstance(k, Affine) or not hasattr(k, "__index__"):
            return NotImplemented
        k = int(k)
        return Affine({v: c * k for v, c in self.terms.items()}, self.const * k)

    __rmul__ = __mul__

    def __getitem__(self, idx):
        """arange(n)[:, None] / [None, :]: place a 1-D arange on an axis of a 2-D grid."""
        s = self.single
        if idx == slice(None) and s is not None and s[0].axis is None:
            return self  # arange(n)[:] is the same 1-D index
        if s is None or s[0].axis is not None or not isinstance(idx, tuple):
            raise NkiUnsupportedError("nl.arange(...)[...]", _FORMS)
        axes = [i for i, x in enumerate(idx) if isinstance(x, slice)]
        if len(axes) != 1 or any(x is not None and not isinstance(x, slice) for x in idx):
            raise NkiUnsupportedError("nl.arange(...)[...]", _FORMS)
        v = Var(s[0].n, axes[0], len(idx))
        return Affine({v: s[1]}, self.const)

    # comparisons -> predicates (expr op 0)
    def _cmp(self, o, op):
        o = _as_affine(o)
        if o is None:
            return NotImplemented
        return Pred([(self - o, op)])

    def __lt__(self, o):
        return self._cmp(o, "<")

    def __le__(self, o):
        return self._cmp(o, "<=")

    def __gt__(self, o):
        return self._cmp(o, ">")

    def __ge__(self, o):
        return self._cmp(o, ">=")

    def __eq__(self, o):
        r = self._cmp(o, "==")
        return r

    def __ne__(self, o):
        return self._cmp(o, "!=")

    __hash__ = object.__hash__

    def __repr__(self):
        return " + ".join(["%d*%r" % (c, v) for v, c in self.terms.items()] + [str(self.const)])


class Pred:
    """A conjunction of clauses `affine op 0`."""

    def __init__(self, clauses):
        self.clauses = [_drop_unit_terms(e, op) for e, op in clauses]

    def __and__(self, o):
        if not isinstance(o, Pred):
            return NotImplemented
        return Pred(self.clauses + o.clauses)

    __rand__ = __and__

    def __bool__(self):
        raise NkiError("index predicate", "has no Python truth value (use it as a mask)")


def _drop_unit_terms(expr, op):
    """Clause `expr op 0` without the terms of nl.arange(1) variables, which are always 0
    (`i_p * F + i_f < n` with F = 1 bounds i_p alone). A clause left with no variable keeps one
    unit variable: `u op' ...` that always holds (u >= 0) or never does (u + 1 <= 0)."""
    units = [v for v in expr.terms if v.n == 1]
    if not units or len(units) == len(expr.terms) == 1:
        return expr, op
    rest = Affine({v: c for v, c in expr.terms.items() if v.n != 1}, expr.const)
    if rest.terms:
        return rest, op
    k = rest.const
    holds = {"<": k < 0, "<=": k <= 0, ">": k > 0, ">=": k >= 0, "==": k == 0,
             "!=": k != 0}[op]
    return (Affine({units[0]: -1}), "<=") if holds else (Affine({units[0]: 1}, 1), "<=")


def _floordiv(a, b):
    return a // b


def var_ranges(pred):
    """{var: (lo, hi)} allowed by a predicate whose clauses each have one variable.
    Returns None if some clause has zero or several variables (not a box)."""
    out = {}
    for expr, op in pred.clauses:
        s = expr.single
        if s is None:
            return None
        v, c = s
        k = expr.const
        if c < 0:
            c, k = -c, -k
            op = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}[op]
        lo, hi = 0, v.n
        if op == "<":    # c*v + k < 0  <=>  c*v <= -k-1
            hi = _floordiv(-k - 1, c) + 1
        elif op == "<=":
            hi = _floordiv(-k, c) + 1
        elif op == ">":  # c*v >= -k+1
            lo = -_floordiv(k - 1, c)
        elif op == ">=":
            lo = -_floordiv(k, c)
        elif op == "==":
            if (-k) % c:
                lo, hi = 0, 0
            else:
                lo, hi = -k // c, -k // c + 1
        else:
            return None
        plo, phi = out.get(v, (0, v.n))
        out[v] = (max(plo, lo, 0), min(phi, hi, v.n))
    return out


def arange(start, stop=None, step=1):
    """nl.arange: a 1-D index variable (place it on a grid axis with [:, None] / [None, :])."""
    if stop is None:
        start, stop = 0, start
    n = max(0, (int(stop) - int(start) + int(step) - 1) // int(step))
    return Affine({Var(n): int(step)}, int(start))


class _Grid(tuple):
    @property
    def p(self):
        return self[0]

    @property
    def x(self):
        return self[1]

    @property
    def y(self):
        return self[2]

    @property
    def z(self):
        return self[3]


class _MGrid:
    """nl.mgrid[0:P, 0:F] -> index expressions on a grid, unpackable (i_p, i_f = ...)."""

    def __getitem__(self, slices):
        if not isinstance(slices, tuple):
            slices = (slices,)
        nd = len(slices)
        out = []
        for ax, s in enumerate(slices):
            start = 0 if s.start is None else int(s.start)
            step = 1 if s.step is None else int(s.step)
            n = max(0, (int(s.stop) - start + step - 1) // step)
            out.append(Affine({Var(n, ax, nd): step}, start))
        sizes = tuple(next(iter(a.terms)).n if a.terms else 0 for a in out)
        for a in out:
            for v in a.terms:
                v.grid = sizes
        return _Grid(out)


mgrid = _MGrid()
