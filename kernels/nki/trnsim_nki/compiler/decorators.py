"""The kernel decorators of nki.compiler (NKI API reference, nki.compiler "Kernel
Decorators"): skip_middle_end_transformations, enable_stack_allocator, force_auto_alloc.

Each takes the kernel (an nki.jit Kernel or a plain function), with or without parentheses,
and returns it with a flag in `compiler_flags`; the flag is reported, never changes values.
APPROX (nki.compiler.skip_middle_end_transformations, enable_stack_allocator,
force_auto_alloc pages): the documents say only what each is for (skip the middle-end
transformations; allocate SBUF/PSUM with a stack allocator; ignore direct allocation). trnsim
has no middle end of neuronx-cc to skip and its allocator is the one CompileConfig selects, so
none of them changes the simulation; with force_auto_alloc, addresses given by direct
allocation (ncc.sbuf / ncc.psum) are still honoured.
"""


def _flagging(flag):
    def decorator(func=None, **options):
        def apply(f):
            flags = dict(getattr(f, "compiler_flags", None) or {})
            flags[flag] = options or True
            try:
                f.compiler_flags = flags
            except AttributeError:  # a builtin or bound method: nothing to record on
                pass
            return f
        if func is None:
            return apply
        return apply(func)
    decorator.__name__ = flag
    decorator.__doc__ = "nki.compiler.%s: records the flag on the kernel (see module doc)." % flag
    return decorator


skip_middle_end_transformations = _flagging("skip_middle_end_transformations")
enable_stack_allocator = _flagging("enable_stack_allocator")
force_auto_alloc = _flagging("force_auto_alloc")
