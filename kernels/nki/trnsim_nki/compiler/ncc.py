"""The nki.compiler / neuronxcc.nki.compiler module: CompileConfig and its enums, and the
direct-allocation spaces sbuf / psum."""
from .config import (AddressRotation, Allocation, AllocationMode, CompileConfig,  # noqa: F401
                     OptLevel)
from .direct import psum, sbuf  # noqa: F401
