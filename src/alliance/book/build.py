"""Build the book the one way the project builds it: Jupyter Book 1, warnings as errors.

Why one function: ``make book``, the test suite and the build benchmark must build identically,
or a test could pass on a build the reader never gets.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def build_book(
    source: Path, out: Path, *extra: str, timeout: float = 1800, env: dict | None = None
) -> subprocess.CompletedProcess[str]:
    """Build ``source`` into ``out`` with ``-W -n --keep-going``; the HTML is ``out/_build/html``.

    The venv's ``bin`` goes first on PATH so the chapters' kernels and nbgrader's tools are the
    venv's own; ``env`` adds to (or overrides) the environment, e.g. a tree's own PYTHONPATH.
    """
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", **(env or {})}
    return subprocess.run(
        [
            str(BIN / "jupyter-book"),
            "build",
            str(source),
            "--path-output",
            str(out),
            "-W",
            "-n",
            "--keep-going",
            *extra,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )
