"""Shim: nki.lnc, the communication between the two cores of an LNC pair (newer SDKs move
core_barrier and sendrecv here from nki.isa): trnsim_nki/isa_collective.py."""
from trnsim_nki.isa_collective import core_barrier, sendrecv  # noqa: F401
