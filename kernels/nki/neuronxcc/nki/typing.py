"""Shim: the nki.typing module is trnsim_nki.typing."""
import sys

import trnsim_nki.typing

sys.modules[__name__] = trnsim_nki.typing
