"""The DMA issue order of the compiled kernel: the trace's program-level "dma_issue" field
(program_order | prefetch | asap, sim/core/neuron_core.h), chosen from the CompileConfig as
"Deep dive: NKI compile configuration" describes who orders the instructions:
- scheduling=False: neuronx-cc orders the instructions after tracing (both the default
  COLORING flow and LINEAR allocation). APPROX: modelled as "asap", every transfer issued once
  its dependencies allow, including the anti-dependencies the allocation created (the reason
  DMA loads wait for compute); trnsim's compute queues keep program order.
- scheduling=True: NKI orders them by experimental_scheduling_heuristic (SchedulingHeuristic):
  TRIVIAL keeps the kernel's order ("program_order"), DMA_PREFETCH prefers DMAs ("prefetch":
  loads pass waiting transfers), ASAP (default) "asap". APPROX: CRITICAL_PATH as "asap".
  reorder.py reorders the instruction stream itself (so the compute queues too) by the
  heuristic, CRITICAL_PATH included.
"""

_HEURISTIC_ORDER = {"TRIVIAL": "program_order", "DMA_PREFETCH": "prefetch", "ASAP": "asap",
                    "CRITICAL_PATH": "asap"}


def dma_issue(config):
    """The trace "dma_issue" value for CompileConfig `config`."""
    if not getattr(config, "scheduling", False):
        return "asap"
    heuristic = getattr(config, "experimental_scheduling_heuristic", None)
    name = getattr(heuristic, "name", None) or str(heuristic or "ASAP").upper()
    return _HEURISTIC_ORDER.get(name, "asap")
