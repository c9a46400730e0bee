"""Shim: neuronxcc.nki.compiler is trnsim_nki.compiler.ncc."""
import sys

import trnsim_nki.compiler.ncc

sys.modules[__name__] = trnsim_nki.compiler.ncc
