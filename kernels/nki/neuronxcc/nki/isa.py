"""Shim: neuronxcc.nki.isa is trnsim_nki.isa."""
import sys

import trnsim_nki.isa

sys.modules[__name__] = trnsim_nki.isa
