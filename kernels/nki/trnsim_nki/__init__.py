"""trnsim_nki: run NKI kernels unmodified on the trnsim simulator.

    import trnsim_nki
    outputs, stats = trnsim_nki.run(kernel, a, b, target="trn2")

With kernels/nki on sys.path, `import neuronxcc.nki as nki` / `import nki` (and their
`.language` / `.isa` submodules) resolve to this package. See kernels/nki/README.md.
"""
from . import dtypes, errors, language, isa  # noqa: F401
from .errors import NkiError, NkiUnsupportedError, TrnsimRunError  # noqa: F401
from .tracer import (Kernel, as_dtype, baremetal, benchmark, jit, run,  # noqa: F401
                     simulate_kernel, trace_kernel)
from .runner import Results, RunOptions, find_binary, run_trace  # noqa: F401


def trace(kernel, *arrays, grid=None, target="trn2", **kwargs):
    """The trace (JSON dict) of a kernel run on `arrays`, without running it."""
    func = kernel.func if isinstance(kernel, Kernel) else kernel
    g = grid or (kernel.grid if isinstance(kernel, Kernel) else ())
    return trace_kernel(func, arrays, kwargs, grid=g, target=target).trace()
