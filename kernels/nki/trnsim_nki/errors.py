"""Errors of the NKI front end, each naming the kernel source line that caused it."""
import os
import sys

_PKG_DIR = os.path.dirname(os.path.abspath(__file__))
_NKI_ROOT = os.path.dirname(_PKG_DIR)
# Frames in these directories are library frames; the first frame outside is the kernel line.
_LIB_DIRS = tuple(os.path.join(_NKI_ROOT, d) + os.sep for d in ("trnsim_nki", "nki", "neuronxcc"))


# co_filename -> (absolute path, base name) of a kernel file, or None for a library file. Only
# absolute file names are cached (a relative one depends on the working directory).
_FILE_KIND = {}


def _classify(filename):
    # Frozen stdlib modules ("<frozen runpy>" under `python -m`) are never the user's code; the
    # test is on the raw name, since abspath would turn it into a path under the cwd.
    if filename.startswith("<frozen"):
        return None
    path = os.path.abspath(filename)
    if path.startswith(_LIB_DIRS):
        return None
    return path, os.path.basename(path)


def _kernel_frame(depth_limit):
    """((path, basename), line) of the innermost caller outside the front end, or None."""
    f = sys._getframe(2)
    cache = _FILE_KIND
    while f is not None and depth_limit > 0:
        filename = f.f_code.co_filename
        kind = cache.get(filename, False)
        if kind is False:
            kind = _classify(filename)
            if os.path.isabs(filename):
                cache[filename] = kind
        if kind is not None:
            return kind, f.f_lineno
        f = f.f_back
        depth_limit -= 1
    return None


def kernel_site():
    """((path, base name), line) of the innermost caller outside the front end, or None: one
    frame walk for callers that need both kernel_location and location_text."""
    return _kernel_frame(64)


def site_location(site):
    """kernel_location() of a kernel_site() result."""
    return (site[0][0], site[1]) if site else ("?", 0)


# (base name, line) -> "base.py:LINE": one label string per kernel line, however many
# instructions it emits
_SITE_TEXTS = {}


def site_text(site):
    """location_text() of a kernel_site() result."""
    if not site:
        return "?:0"
    key = (site[0][1], site[1])
    text = _SITE_TEXTS.get(key)
    if text is None:
        text = _SITE_TEXTS[key] = "%s:%d" % key
    return text


def kernel_location(depth_limit=64):
    """(path, line) of the innermost caller outside the front end, or ("?", 0)."""
    found = _kernel_frame(depth_limit)
    return (found[0][0], found[1]) if found else ("?", 0)


def location_text():
    """"file.py:LINE" of the kernel line being traced (used as instruction label)."""
    return site_text(_kernel_frame(64))


class NkiError(Exception):
    """A kernel error found while tracing; the message starts with "file.py:LINE: call:"."""

    def __init__(self, call, message):
        path, line = kernel_location()
        self._locate(path, line, call, message)

    def _locate(self, path, line, call, message):
        self.call, self.path, self.line, self.detail = call, path, line, message
        Exception.__init__(self, "%s:%d: %s: %s" % (os.path.basename(path), line, call, message))

    @classmethod
    def at(cls, path, line, call, message):
        """The error at an explicit place: for input checked before any kernel line runs (a host
        argument), where the caller names the user's place (e.g. the kernel's def line)."""
        e = cls.__new__(cls)
        NkiError._locate(e, path, line, call, message)
        return e


class NkiUnsupportedError(NkiError):
    """An NKI API call (or form of a call) the front end does not implement."""

    def __init__(self, call, message="not supported by trnsim_nki"):
        super().__init__(call, message)


class TrnsimRunError(RuntimeError):
    """The trnsim binary rejected the traced program or failed; message is its diagnostic."""


class NkiUnsupportedAttribute(NkiUnsupportedError, AttributeError):
    """Access to an nki.language / nki.isa name the front end does not implement."""


class NkiInternalError(NkiError):
    """A Python exception raised inside the front end while tracing a kernel line (a front-end
    bug, or bad input it failed to check): reported at the kernel line, with the front-end
    place and the original exception chained."""

    def __init__(self, path, line, message):
        Exception.__init__(self, "%s:%d: %s" % (os.path.basename(path), line, message))
        self.call, self.path, self.line = "trnsim_nki", path, line


def internal_error(exc):
    """NkiInternalError for `exc` when it was raised inside the front end below a kernel line,
    else None (an exception of the kernel's own code keeps its traceback)."""
    import traceback
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames or _classify(frames[-1].filename) is not None:
        return None
    kernel = [f for f in frames if _classify(f.filename) is not None]
    if not kernel:
        return None
    inner = frames[-1]
    where = os.path.relpath(inner.filename, _NKI_ROOT)
    return NkiInternalError(kernel[-1].filename, kernel[-1].lineno,
                            "trnsim_nki could not trace this line: %s: %s (at %s:%d; please "
                            "report it)" % (type(exc).__name__, exc, where, inner.lineno))
