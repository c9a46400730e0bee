"""Shim: `import neuronxcc.nki` (NKI SDK 2.21-2.26 style) resolves to trnsim_nki."""
import sys

import trnsim_nki
import trnsim_nki.compiler.ncc as compiler  # noqa: F401  (nki.compiler.<name> without an import)
from trnsim_nki import (baremetal, benchmark, isa, jit, language, profile,  # noqa: F401
                        simulate, simulate_kernel, tensor, trace, typing)

sys.modules[__name__ + ".language"] = trnsim_nki.language
sys.modules[__name__ + ".isa"] = trnsim_nki.isa
sys.modules[__name__ + ".typing"] = trnsim_nki.typing
sys.modules[__name__ + ".compiler"] = compiler
