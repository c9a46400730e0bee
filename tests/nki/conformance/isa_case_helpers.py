"""Helpers of the nki.isa conformance modules (cases_isa*.py): a one-input kernel in either API
generation, and the registration of one case per generation."""
import neuronxcc.nki as onki
import neuronxcc.nki.language as onl
import nki
import nki.language as nl
from trnsim_nki.coverage import case


def k1(body_old, body_new, gen, out_shape=None, out_dtype=None):
    """A kernel loading input `a`, applying the body to the tile, storing the result."""
    if gen == "old":
        @onki.jit
        def k(a):
            out = onl.ndarray(out_shape or a.shape, dtype=out_dtype or a.dtype,
                              buffer=onl.shared_hbm)
            onl.store(out, body_old(onl.load(a)))
            return out
        return k

    @nki.jit
    def k(a):
        out = nl.ndarray(out_shape or a.shape, dtype=out_dtype or a.dtype, buffer=nl.shared_hbm)
        t = nl.load(a)
        d = nl.ndarray(out_shape or a.shape, dtype=out_dtype or a.dtype, buffer=nl.sbuf)
        body_new(d, t)
        nl.store(out, d)
        return out
    return k


def named(make, name, gen):
    """A case function `name_gen` calling make(gen)."""
    def f():
        return make(gen)
    f.__name__ = "%s_%s" % (name, gen)
    f.__module__ = make.__module__
    return f


def both(name, make):
    for gen in ("old", "new"):
        def f(gen=gen):
            return make(gen)
        f.__name__ = "%s_%s" % (name.split(".")[-1], gen)
        f.__module__ = make.__module__  # the case id names the cases_ module
        case(name, gens=gen)(f)
