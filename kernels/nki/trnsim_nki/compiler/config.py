"""nki.compiler.CompileConfig and its enums, with the checks NKI makes before compiling
("Reference: NKI CompileConfig options", "Troubleshooting: NKI compile configuration").

Modes: allocation=Allocation.COLORING (default) leaves allocation to the neuronx-cc flow
(graph coloring after tracing, spilling when SBUF runs out); Allocation.LINEAR is NKI
allocation (linear scan: an address at a tile's first write, released after its last read) in
one of the AllocationMode strategies. scheduling=True (NKI scheduling) needs LINEAR.
"""
import enum


class Allocation(enum.Enum):
    COLORING = "coloring"
    LINEAR = "linear"


class AllocationMode(enum.Enum):
    RING = "ring"
    FAST = "fast"
    MAX_REUSE = "max_reuse"


class OptLevel(enum.Enum):
    O0 = 0
    O1 = 1
    O2 = 2


class SchedulingHeuristic(enum.Enum):
    TRIVIAL = "trivial"
    DMA_PREFETCH = "dma_prefetch"
    ASAP = "asap"
    CRITICAL_PATH = "critical_path"


class AddressRotation(enum.Enum):
    """Whether the backend may rotate a memloc's address (legalize.py has the model)."""
    AUTO = "auto"
    ENABLE = "enable"
    DISABLE = "disable"


# Options that act only when NKI allocates (allocation=LINEAR), and their defaults.
_LINEAR_ONLY = {"prefetch_auto": False, "split_reused_buffers": False,
                "tensor_copy_elim": False, "dma_copy_elim": False,
                "element_widening": False, "engine_balancing": False,
                "experimental_allocation_mode": None}
_GENERAL = {"nki_alloc_fallback": True, "scheduling": False, "dead_code_elim": True,
            "barrier_check": False, "non_ssa_legalization": False,
            "address_rotation": AddressRotation.AUTO, "opt_level": OptLevel.O1}
# Options that act only when NKI schedules (scheduling=True).
_SCHEDULING_ONLY = {"experimental_scheduling_heuristic": None}
_ENUMS = {"experimental_allocation_mode": AllocationMode, "allocation": Allocation,
          "experimental_scheduling_heuristic": SchedulingHeuristic,
          "opt_level": OptLevel, "address_rotation": AddressRotation}
# Options that O2 turns on (OptLevel doc: "O1, plus ... prefetch_auto, dma_copy_elim and
# element_widening"); tensor_copy_elim is included with them.
_O2_ON = ("prefetch_auto", "dma_copy_elim", "tensor_copy_elim", "element_widening")
# APPROX: options trnsim accepts but does not model: no document reachable here says what they do
# (element_widening: only that O2 turns it on). A kernel that sets one still compiles and
# runs; compile_program warns (CompileConfigWarning) and stats["compiler"]
# ["not_modelled_options"] lists it, so the author knows the timing ignores it.
NOT_MODELLED = ("element_widening",)


class CompileConfig:
    """Per-kernel compile configuration, as passed to @nki.jit(compile_config=...)."""

    def __init__(self, allocation=Allocation.COLORING, **options):
        known = set(_LINEAR_ONLY) | set(_GENERAL) | set(_SCHEDULING_ONLY)
        unknown = sorted(set(options) - known)
        if unknown:
            raise TypeError("CompileConfig got unknown option(s) %s; known: %s"
                            % (", ".join(unknown), ", ".join(sorted(known))))
        _check_enum("allocation", allocation)
        self.allocation = allocation
        for k, v in options.items():
            if k in _ENUMS and v is not None:
                _check_enum(k, v)
        if options.get("scheduling") and allocation is not Allocation.LINEAR:
            raise ValueError("scheduling=True needs allocation=Allocation.LINEAR, got "
                             "allocation=%s" % allocation)
        if allocation is not Allocation.LINEAR:
            for k in _LINEAR_ONLY:
                if options.get(k) not in (None, False):
                    raise ValueError("%s acts only when NKI allocates; it cannot be set with "
                                     "allocation=Allocation.COLORING." % k)
        for k in _SCHEDULING_ONLY:
            if options.get(k) is not None and not options.get("scheduling"):
                raise ValueError("%s acts only when NKI schedules; set scheduling=True as well."
                                 % k)
        self._explicit = set(options)
        for k, v in (list(_LINEAR_ONLY.items()) + list(_GENERAL.items()) +
                     list(_SCHEDULING_ONLY.items())):
            setattr(self, k, options.get(k, v))
        if self.opt_level is OptLevel.O2 and allocation is Allocation.LINEAR:
            for k in _O2_ON:
                if k not in self._explicit:
                    setattr(self, k, True)

    def explicit_options(self):
        """The option names the caller passed (not defaults, not turned on by O2)."""
        return frozenset(self._explicit)

    @property
    def linear(self):
        return self.allocation is Allocation.LINEAR

    @property
    def mode(self):
        """The LINEAR placement strategy (FAST unless experimental_allocation_mode is set).
        APPROX: the reference does not state the default strategy; FAST is assumed."""
        return self.experimental_allocation_mode or AllocationMode.FAST

    def describe(self):
        d = {"allocation": self.allocation.value}
        for k in sorted(set(_LINEAR_ONLY) | set(_GENERAL) | set(_SCHEDULING_ONLY)):
            v = getattr(self, k)
            d[k] = v.name if isinstance(v, enum.Enum) else v
        return d

    def __repr__(self):
        return "CompileConfig(%s)" % ", ".join("%s=%s" % kv for kv in self.describe().items())


def _check_enum(name, value):
    cls = _ENUMS[name]
    if not isinstance(value, cls):
        raise TypeError("%s must be an nki.compiler.%s%s, got %r"
                        % (name, cls.__name__, " or None" if name != "allocation" else "",
                           value))


def _parse_value(key, text):
    t = text.strip()
    if key in _ENUMS:
        cls = _ENUMS[key]
        for m in cls:
            if t.lower() in (m.name.lower(), str(m.value).lower()):
                return m
        raise ValueError("--compile-config %s=%s: expected one of %s"
                         % (key, text, ", ".join(m.name.lower() for m in cls)))
    if t.lower() in ("1", "true", "yes", "on"):
        return True
    if t.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError("--compile-config %s=%s: expected a boolean (1/0, true/false)"
                     % (key, text))


def parse_compile_config(text):
    """CompileConfig from the command-line form "allocation=linear,prefetch_auto=1,...".
    Raises ValueError / TypeError naming the bad item."""
    kwargs = {}
    for item in [s for s in (text or "").split(",") if s.strip()]:
        if "=" not in item:
            raise ValueError("--compile-config: expected KEY=VALUE, got %r" % item)
        k, v = item.split("=", 1)
        k = k.strip()
        if k == "allocation_mode":
            k = "experimental_allocation_mode"
        if k == "scheduling_heuristic":
            k = "experimental_scheduling_heuristic"
        if k != "allocation" and k not in _LINEAR_ONLY and k not in _GENERAL and \
                k not in _SCHEDULING_ONLY:
            raise ValueError("--compile-config: unknown option %r" % k)
        kwargs[k] = _parse_value(k, v)
    return CompileConfig(**kwargs)
