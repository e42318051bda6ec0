"""Write the nbgrader source notebooks ``exercises/<ps>/`` from ``exercises/source_<ps>.py``.

Usage (from the repository root, with the project's virtualenv)::

    python exercises/build.py            # all assignments
    python exercises/build.py ps1 ps3    # some of them

Why a generator: the notebooks' nbgrader metadata (ids, points, locked cells) and the hidden tests'
expected values are produced from one readable source, so they cannot drift apart. The written
notebooks have no outputs and are committed; ``tests/test_exercises_notebooks.py`` checks that they
match this generator.

The generator's modules are plain files next to the assignment folders, not a package folder,
because nbgrader (and its formgrader) treat every folder in ``exercises/`` as an assignment; for
the same reason no ``__pycache__`` folder is written here.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ASSIGNMENTS = ["ps1", "ps2", "ps3", "ps4", "ps5"]


def build(names: list[str] | None = None, out: Path = HERE) -> list[Path]:
    """Build the named assignments (all by default) into ``out``; return the notebook paths."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    old_flag, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # no __pycache__ here
    try:
        written = []
        for name in names or ASSIGNMENTS:
            module = importlib.import_module(f"source_{name}")
            written.append(module.build().write(out))
            extra = getattr(module, "write_data", None)
            if extra is not None:
                extra(out / name)
        return written
    finally:
        sys.dont_write_bytecode = old_flag


if __name__ == "__main__":
    for path in build(sys.argv[1:] or None):
        print(path.relative_to(HERE.parent) if path.is_relative_to(HERE.parent) else path)
