"""Shim: `import nki` (NKI SDK 2.27+ style) resolves to trnsim_nki."""
import functools
import sys

import trnsim_nki
import trnsim_nki.compiler.ncc as compiler  # noqa: F401  (nki.compiler.<name> without an import)
from trnsim_nki import (baremetal, benchmark, isa, language, profile,  # noqa: F401
                        simulate, simulate_kernel, tensor, trace, typing)
jit = functools.partial(trnsim_nki.jit, lnc_brackets=True)  # kernel[2]: two cores

sys.modules[__name__ + ".language"] = trnsim_nki.language
sys.modules[__name__ + ".isa"] = trnsim_nki.isa
sys.modules[__name__ + ".typing"] = trnsim_nki.typing
sys.modules[__name__ + ".compiler"] = compiler
