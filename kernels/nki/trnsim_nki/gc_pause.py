"""Pausing CPython's cyclic garbage collector around the front end's bulk stages."""
import contextlib
import gc


@contextlib.contextmanager
def gc_paused():
    """Tracing, compiling and encoding a large kernel allocate many small objects that all
    stay alive (instructions, tiles, live ranges, encoded views); the cyclic collector would
    rescan them over and over for nothing (about a third of the tracing time of a large kernel,
    40% of its binary encoding). Reference counting still frees; cycles made meanwhile wait
    for the next collection after the stage."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
