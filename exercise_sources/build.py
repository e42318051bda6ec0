"""Write the nbgrader source notebooks ``exercises/<ps>/`` from ``exercise_sources/source_<ps>.py``.

Usage (from the repository root, with the project's virtualenv)::

    python exercise_sources/build.py            # all assignments (or: make exercises)
    python exercise_sources/build.py ps1 ps3    # some of them

Why a generator: the notebooks' nbgrader metadata (ids, points, locked cells) and the hidden tests'
expected values are produced from one readable source, so they cannot drift apart. The written
notebooks have no outputs and are committed; ``tests/test_exercises_notebooks.py`` checks that they
match this generator.

Why this folder is not ``exercises/``: nbgrader (and its formgrader) treat every folder in the
source directory as an assignment, so ``exercises/`` holds only the generated assignment folders.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EXERCISES = ROOT / "exercises"
ASSIGNMENTS = ["ps1", "ps2", "ps3", "ps4", "ps5", "ps6"]


def source(name: str):
    """The generator module of one assignment (``source_<name>``)."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    return importlib.import_module(f"source_{name}")


def build(names: list[str] | None = None, out: Path = EXERCISES) -> list[Path]:
    """Build the named assignments (all by default) into ``out``; return the notebook paths."""
    written = []
    for name in names or ASSIGNMENTS:
        module = source(name)
        written.append(module.build().write(out))
        extra = getattr(module, "write_data", None)
        if extra is not None:
            extra(out / name)
    return written


if __name__ == "__main__":
    for path in build(sys.argv[1:] or None):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
