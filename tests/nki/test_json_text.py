"""The layout of the JSON files the front end writes (trnsim_nki/json_text.py): the same value
as json.dumps, a line per top-level key and per element of a top-level list, and the same text
without CPython's C encoder. Also: `--input` arrays are mapped, not read, when they can be."""
import json
import math
import os
import tempfile
import unittest
from unittest import mock

import numpy as np

from trnsim_nki import json_text
from trnsim_nki.__main__ import UsageError, load_input

DOC = {
    "format": "trnsim-trace", "version": 1, "name": "k\u00e9rnel \"q\"",
    "tensors": [{"name": "x", "shape": [128, 512], "dtype": "float32", "role": "input"}],
    "tiles": [],
    "instructions": [{"op": "dma_copy", "dst": "t[0:128, 0:512]", "src": "x[0:128, 0:512]"},
                     {"op": "activation", "scale": 0.1, "bias": None, "flag": True,
                      "axes": [1, 2], "nested": {"a": [1, {"b": -2.5e-300}]}}],
    "config": {"allocation": "coloring", "limit": 3},
    "empty": {},
}


class JsonTextTest(unittest.TestCase):
    def test_same_value_as_json_dumps(self):
        self.assertEqual(json.loads(json_text.dumps(DOC)), DOC)

    def test_one_line_per_key_and_per_list_element(self):
        lines = json_text.dumps(DOC).splitlines()
        self.assertEqual(lines[0], "{")
        self.assertEqual(lines[-1], "}")
        self.assertIn('"tiles": [],', lines)
        self.assertIn('"instructions": [', lines)
        first = lines.index('"instructions": [') + 1
        self.assertEqual(json.loads(lines[first].rstrip(",")), DOC["instructions"][0])
        self.assertEqual(json.loads(lines[first + 1]), DOC["instructions"][1])
        self.assertEqual(lines[first + 2], "],")
        # braces, a line per key, and per non-empty list its elements and its closing line
        self.assertEqual(len(lines), 2 + len(DOC) + (1 + 1) + (2 + 1))

    def test_pure_python_encoder_writes_the_same_text(self):
        with mock.patch.object(json_text, "_C_ENCODE", None):
            slow = json_text.dumps(DOC)
        self.assertEqual(slow, json_text.dumps(DOC))

    def test_non_finite_numbers_are_written_as_json_dumps_writes_them(self):
        self.assertEqual(json_text.dumps({"v": [math.inf, -math.inf], "w": math.nan}),
                         '{\n"v": [\nInfinity,\n-Infinity\n],\n"w": NaN\n}\n')

    def test_write_puts_the_text_in_the_file(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "t.json")
            json_text.write(DOC, path)
            with open(path) as f:
                self.assertEqual(f.read(), json_text.dumps(DOC))


class MappedInputTest(unittest.TestCase):
    def test_input_is_mapped_with_its_values(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "x.npy")
            values = np.arange(12, dtype=np.float32).reshape(3, 4)
            np.save(path, values)
            name, arr = load_input("x=" + path)
            self.assertEqual(name, "x")
            self.assertIsInstance(arr, np.memmap)
            np.testing.assert_array_equal(arr, values)
            del arr

    def test_input_that_cannot_be_mapped_is_read(self):
        real_load = np.load

        def no_mmap(path, mmap_mode=None, **kwargs):
            if mmap_mode is not None:
                raise OSError("mmap not supported here")
            return real_load(path, **kwargs)

        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "x.npy")
            np.save(path, np.ones((2, 3), np.float32))
            with mock.patch.object(np, "load", no_mmap):
                _, arr = load_input("x=" + path)
            self.assertNotIsInstance(arr, np.memmap)
            np.testing.assert_array_equal(arr, np.ones((2, 3), np.float32))

    def test_truncated_input_names_the_file_and_what_it_holds(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "x.npy")
            np.save(path, np.zeros((128, 512), np.float32))
            with open(path, "r+b") as f:
                f.truncate(os.path.getsize(path) // 2)
            with self.assertRaises(UsageError) as cm:
                load_input("x=" + path)
            self.assertIn("--input x=%s: cannot read .npy: cannot reshape array of size" % path,
                          str(cm.exception))


if __name__ == "__main__":
    unittest.main()
