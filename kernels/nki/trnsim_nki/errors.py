"""Errors of the NKI front end, each naming the kernel source line that caused it."""
import os
import sys

_PKG_DIR = os.path.dirname(os.path.abspath(__file__))
_NKI_ROOT = os.path.dirname(_PKG_DIR)
# Frames in these directories are library frames; the first frame outside is the kernel line.
_LIB_DIRS = tuple(os.path.join(_NKI_ROOT, d) + os.sep for d in ("trnsim_nki", "nki", "neuronxcc"))


def kernel_location(depth_limit=64):
    """(path, line) of the innermost caller outside the front end, or ("?", 0)."""
    f = sys._getframe(1)
    while f is not None and depth_limit > 0:
        path = os.path.abspath(f.f_code.co_filename)
        if not path.startswith(_LIB_DIRS) and not path.startswith("<frozen"):
            return path, f.f_lineno
        f = f.f_back
        depth_limit -= 1
    return "?", 0


def location_text():
    """"file.py:LINE" of the kernel line being traced (used as instruction label)."""
    path, line = kernel_location()
    return "%s:%d" % (os.path.basename(path), line)


class NkiError(Exception):
    """A kernel error found while tracing; the message starts with "file.py:LINE: call:"."""

    def __init__(self, call, message):
        path, line = kernel_location()
        self.call = call
        self.path = path
        self.line = line
        super().__init__("%s:%d: %s: %s" % (os.path.basename(path), line, call, message))


class NkiUnsupportedError(NkiError):
    """An NKI API call (or form of a call) the front end does not implement."""

    def __init__(self, call, message="not supported by trnsim_nki"):
        super().__init__(call, message)


class TrnsimRunError(RuntimeError):
    """The trnsim binary rejected the traced program or failed; message is its diagnostic."""


class NkiUnsupportedAttribute(NkiUnsupportedError, AttributeError):
    """Access to an nki.language / nki.isa name the front end does not implement."""
