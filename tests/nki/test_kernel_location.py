"""errors.kernel_location / location_text: the innermost frame outside the front end, with
absolute file names cached and relative ones resolved against the current directory."""
import functools
import os
import tempfile
import unittest

import nki_test_util as u  # noqa: F401  (puts kernels/nki on sys.path)
from trnsim_nki import errors


def call_from(filename, line, func):
    """Calls func() from a frame whose code has `filename` and whose call is on `line`."""
    src = "\n" * (line - 1) + "result = func()\n"
    scope = {"func": func}
    exec(compile(src, filename, "exec"), scope)
    return scope["result"]


class KernelLocationTest(unittest.TestCase):
    def test_absolute_kernel_file(self):
        path = os.path.join(tempfile.gettempdir(), "my_kernel.py")
        self.assertEqual(call_from(path, 7, errors.kernel_location), (path, 7))
        self.assertEqual(call_from(path, 9, errors.location_text), "my_kernel.py:9")
        # A second call hits the cache and gives the same answer.
        self.assertEqual(call_from(path, 3, errors.kernel_location), (path, 3))

    def test_library_frames_are_skipped(self):
        lib = os.path.join(os.path.dirname(errors.__file__), "fake_lib.py")
        kernel = os.path.join(tempfile.gettempdir(), "outer_kernel.py")
        scope = {"func": errors.kernel_location}
        exec(compile("def lib_call():\n    return func()\n", lib, "exec"), scope)
        self.assertEqual(call_from(kernel, 11, scope["lib_call"]), (kernel, 11))

    def test_relative_file_follows_the_working_directory(self):
        old = os.getcwd()
        try:
            for d in (tempfile.gettempdir(), os.path.dirname(os.path.abspath(__file__))):
                os.chdir(d)
                self.assertEqual(call_from("rel_kernel.py", 2, errors.kernel_location),
                                 (os.path.join(os.getcwd(), "rel_kernel.py"), 2))
        finally:
            os.chdir(old)

    def test_no_kernel_frame_within_the_depth_limit(self):
        lib = os.path.join(os.path.dirname(errors.__file__), "fake_lib.py")
        only_one_frame = functools.partial(errors.kernel_location, depth_limit=1)
        self.assertEqual(call_from(lib, 1, only_one_frame), ("?", 0))


if __name__ == "__main__":
    unittest.main()
