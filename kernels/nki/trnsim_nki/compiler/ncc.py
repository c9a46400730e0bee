"""The nki.compiler / neuronxcc.nki.compiler module: CompileConfig and its enums, and the
direct-allocation spaces sbuf / psum, the kernel decorators."""
from .config import (AddressRotation, Allocation, AllocationMode, CompileConfig,  # noqa: F401
                     OptLevel, SchedulingHeuristic)
from .direct import psum, sbuf  # noqa: F401
from .decorators import (enable_stack_allocator, force_auto_alloc,  # noqa: F401
                         skip_middle_end_transformations)
