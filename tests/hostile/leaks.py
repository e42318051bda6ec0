"""A student who tries every way issue 10 found to get hidden tests out through feedback.

Works on any assignment: a setup cell before the first test installs readers (a ``pre_run_cell``
hook, an input transformer, an audit hook) and a display handle; a leak cell after every test
cell gathers what they saw plus ``In``, ``_ih`` and ``linecache``, and tries to carry it out:
printed plainly and in base64, through a display update into an earlier cell, and as the
message of a ``NameError``. The base64 line also lets the tests check, instructor-side, whether
any hidden text ever reached student code.
"""

from __future__ import annotations

import base64
import copy

import nbformat

SETUP = """
import base64, hashlib, linecache, sys
from IPython.display import display
_LOOT = []
_ip = get_ipython()
def _hook(info):
    _LOOT.append(info.raw_cell)
_ip.events.register("pre_run_cell", _hook)
def _reader(lines):
    _LOOT.append("".join(lines))
    return lines
_ip.input_transformers_cleanup.append(_reader)
def _audit(event, args):
    if event == "compile" and args and isinstance(args[0], (str, bytes)):
        _LOOT.append(args[0] if isinstance(args[0], str) else args[0].decode("utf-8", "replace"))
try:
    sys.addaudithook(_audit)
except Exception:
    pass
_HANDLE = display({"text/plain": "watching"}, raw=True, display_id=True)
"""

LEAK = """
_seen = "\\n".join(
    [str(x) for x in In] + [str(x) for x in _ih] + _LOOT
    + ["".join(v[2]) for v in list(linecache.cache.values()) if len(v) > 2 and v[2]]
)
_digest = hashlib.sha256(_seen.encode()).hexdigest()[:16]
print("LEAK-DIGEST", _digest)
print("LEAK-B64", base64.b64encode(_seen.encode()).decode())
print("LEAK-RAW", _seen)
_HANDLE.update({"text/plain": f"LEAK-UPDATE {_digest} " + _seen}, raw=True)
raise NameError(_seen)
"""


def leaker(release_path) -> nbformat.NotebookNode:
    """The released notebook with the setup cell first and a leak cell after every test."""
    nb = nbformat.read(release_path, as_version=4)
    cells = [nbformat.v4.new_code_cell(SETUP)]
    for c in nb.cells:
        cells.append(c)
        meta = c.metadata.get("nbgrader", {})
        if c.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            cells.append(nbformat.v4.new_code_cell(LEAK))
    cells.append(nbformat.v4.new_code_cell(LEAK))
    out = copy.deepcopy(nb)
    out.cells = cells
    return out


def digests(cells: list[dict]) -> list[str]:
    """The digests the leak cells among ``cells`` printed (short: never cut by output caps)."""
    found = []
    for c in cells:
        for out in c.get("outputs", []):
            text = out.get("text", "")
            text = "".join(text) if isinstance(text, list) else str(text)
            found += [ln.split()[1] for ln in text.splitlines() if ln.startswith("LEAK-DIGEST ")]
    return found


def payloads(nb: dict) -> list[str]:
    """What the leak cells gathered, decoded from a graded notebook (instructor side)."""
    found = []
    for c in nb["cells"]:
        for out in c.get("outputs", []):
            text = out.get("text", "")
            text = "".join(text) if isinstance(text, list) else str(text)
            for line in text.splitlines():
                if line.startswith("LEAK-B64 "):
                    found.append(base64.b64decode(line.split(" ", 1)[1]).decode())
    return found
