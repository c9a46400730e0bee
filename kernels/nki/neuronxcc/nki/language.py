"""Shim: neuronxcc.nki.language is trnsim_nki.language."""
import sys

import trnsim_nki.language

sys.modules[__name__] = trnsim_nki.language
