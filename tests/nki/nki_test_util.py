"""Helpers for the NKI front-end tests: paths, loading example kernels in either import style,
the instruction table parsed from isa/instructions.def, and the trnsim binary check."""
import atexit
import importlib.util
import os
import re
import shutil
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NKI_DIR = os.path.join(REPO, "kernels", "nki")
EXAMPLES = os.path.join(NKI_DIR, "examples")
if NKI_DIR not in sys.path:
    sys.path.insert(0, NKI_DIR)

import trnsim_nki  # noqa: E402

# Every temp file of the test process and of the programs it starts goes into one folder that
# is removed at exit, so the suite leaves nothing behind (kernels written by load_source must
# outlive their test: tracing reads their source lines).
_SESSION_TMP = tempfile.mkdtemp(prefix="trnsim_nki_tests_")
tempfile.tempdir = _SESSION_TMP
os.environ["TMPDIR"] = _SESSION_TMP
atexit.register(shutil.rmtree, _SESSION_TMP, True)

# Import lines of the two NKI SDK generations, in the same order.
_OLD = ["import neuronxcc.nki as nki", "import neuronxcc.nki.isa as nisa",
        "import neuronxcc.nki.language as nl"]
_NEW = ["import nki", "import nki.isa as nisa", "import nki.language as nl"]


def load_example(filename, style=None):
    """Imports kernels/nki/examples/<filename>. style None = as written; "old" / "new" =
    with its import lines switched to `import neuronxcc.nki ...` / `import nki ...` (the
    kernel body is untouched; line numbers are kept)."""
    path = os.path.join(EXAMPLES, filename)
    with open(path) as f:
        src = f.read()
    if style is not None:
        frm, to = (_NEW, _OLD) if style == "old" else (_OLD, _NEW)
        for a, b in zip(frm, to):
            src = re.sub(r"^%s$" % re.escape(a), b, src, flags=re.M)
        tmp = tempfile.mkdtemp(prefix="nki_style_")
        path = os.path.join(tmp, filename)
        with open(path, "w") as f:
            f.write(src)
    name = "nki_example_%s_%s" % (os.path.splitext(filename)[0], style or "asis")
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def load_source(name, src):
    """Imports kernel source text written to a temp file named `name`.py."""
    tmp = tempfile.mkdtemp(prefix="nki_src_")
    path = os.path.join(tmp, name + ".py")
    with open(path, "w") as f:
        f.write(src)
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def instruction_table():
    """{opcode: (operand roles, attribute trace keys)} from isa/instructions.def."""
    with open(os.path.join(REPO, "isa", "instructions.def")) as f:
        text = f.read()
    table = {}
    pat = re.compile(r'TRNSIM_INSTRUCTION\((\w+),[^"]*"([^"]*)"\s*,\s*((?:"[^"]*"\s*)+),')
    for m in pat.finditer(text):
        name, operands = m.group(1), m.group(2)
        attrs = "".join(re.findall(r'"([^"]*)"', m.group(3)))
        roles = [o.split(":")[0] for o in operands.split()]
        keys = [a.split(":")[0] for a in attrs.split()]
        table[name] = (roles, keys)
    return table


def binary_state():
    """("ok", path) if a trnsim binary exists, ("none", None) if there is none at all."""
    path = trnsim_nki.find_binary()
    if path is None:
        return "none", None
    return "ok", path
