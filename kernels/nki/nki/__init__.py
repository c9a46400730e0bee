"""Shim: `import nki` (NKI SDK 2.27+ style) resolves to trnsim_nki."""
import sys

import trnsim_nki
from trnsim_nki import (baremetal, benchmark, jit, simulate_kernel, language,  # noqa: F401
                        isa)

sys.modules[__name__ + ".language"] = trnsim_nki.language
sys.modules[__name__ + ".isa"] = trnsim_nki.isa
