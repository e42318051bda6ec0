"""How long each exercise's solution notebook takes to run top to bottom in a fresh kernel.

Why: nbgrader re-executes every submission from a fresh kernel, so a slow solution multiplies
across a class (and the per-cell timeout must leave room for it). Target: under 10 s each on the
course's 2-core machine. Run from the repository root with the project's virtualenv:

    python benchmarks/exercises_runtime.py

Each notebook runs in a temporary copy of its assignment folder (data files included), so the
repository is not touched. Exits 1 if a notebook fails or misses the target.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 10.0


def run(notebook: Path) -> tuple[float, float]:
    """(seconds to start the kernel, seconds to execute all cells)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / notebook.parent.name
        shutil.copytree(notebook.parent, folder)
        nb = nbformat.read(folder / notebook.name, as_version=4)
        client = NotebookClient(
            nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
        )
        t0 = time.perf_counter()
        with client.setup_kernel():
            t1 = time.perf_counter()
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
            t2 = time.perf_counter()
    return t1 - t0, t2 - t1


def main() -> int:
    notebooks = sorted((ROOT / "exercises").glob("ps*/*.ipynb"))
    print(f"{'notebook':<40} {'kernel start':>12} {'cells':>8} {'total':>8}")
    failed = False
    for path in notebooks:
        try:
            start, cells = run(path)
        except Exception as exc:  # report and keep going
            print(f"{path.name:<40} FAILED: {type(exc).__name__}: {str(exc)[:200]}")
            failed = True
            continue
        total = start + cells
        flag = "" if total < TARGET_S else f"  over the {TARGET_S:.0f} s target"
        failed |= total >= TARGET_S
        print(f"{path.name:<40} {start:>11.2f}s {cells:>7.2f}s {total:>7.2f}s{flag}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
