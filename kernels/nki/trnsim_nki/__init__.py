"""trnsim_nki: run NKI kernels unmodified on the trnsim simulator.

    import trnsim_nki
    outputs, stats = trnsim_nki.run(kernel, a, b, target="trn2")

With kernels/nki on sys.path, `import neuronxcc.nki as nki` / `import nki` (and their
`.language` / `.isa` submodules) resolve to this package. See kernels/nki/README.md.
"""
from . import compiler, dtypes, errors, language, isa  # noqa: F401
from .errors import NkiError, NkiUnsupportedError, TrnsimRunError  # noqa: F401
from .tracer import (Kernel, as_dtype, baremetal, benchmark, jit, profile, run,  # noqa: F401
                     simulate, simulate_kernel, trace_kernel)
from . import typing  # noqa: F401,E402
from .typing import tensor  # noqa: F401,E402
from .runner import Results, RunOptions, find_binary, run_trace  # noqa: F401


def compile(kernel, *arrays, grid=None, target="trn2", compile_config=None,  # noqa: A001
            **kwargs):
    """Traces and compiles a kernel on `arrays` without running it. Returns (trace JSON dict,
    compiler.CompileReport)."""
    func = kernel.func if isinstance(kernel, Kernel) else kernel
    g = grid or (kernel.grid if isinstance(kernel, Kernel) else ())
    if compile_config is None and isinstance(kernel, Kernel):
        compile_config = kernel.compile_config
    tr = trace_kernel(func, arrays, kwargs, grid=g, target=target,
                      compile_config=compile_config)
    return tr.trace(), tr.report


def trace(kernel=None, *arrays, grid=None, target="trn2", compile_config=None, **kwargs):
    """trace(kernel, *arrays): the compiled trace (JSON dict) of a kernel run on `arrays`,
    without running it. As a decorator (`@nki.trace`, `@nki.trace(...)`, no arrays) it is
    nki.jit."""
    if kernel is None:
        return lambda f: jit(f, grid=grid, compile_config=compile_config)
    if not arrays and not kwargs and not isinstance(kernel, Kernel):
        return jit(kernel, grid=grid, compile_config=compile_config)
    return compile(kernel, *arrays, grid=grid, target=target, compile_config=compile_config,
                   **kwargs)[0]
