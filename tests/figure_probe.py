"""Re-run a chapter's code cells and measure every figure they draw; prints JSON.

Why a separate process: the chapters' code changes matplotlib's global state, which must not leak
into the test session. Why re-run: a PNG does not record its font sizes, so the figures are drawn
again from the executed notebook the book was built from, and each one's PNG size is reported so
the test can check it is the very image on the page (same pixels wide and high).

Usage: python tests/figure_probe.py BUILD/_build/jupyter_execute/chapters/NN-slug.ipynb
"""

from __future__ import annotations

import contextlib
import io
import json
import struct
import sys
from dataclasses import asdict

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402

from alliance.figures.legibility import report  # noqa: E402

SCALES = (1, 2)  # the inline backend saves at the figure's dpi, or twice it ("retina")


def png_size(fig: plt.Figure, scale: int) -> tuple[int, int]:
    """The pixel size of the PNG the inline backend would save for ``fig`` at ``scale`` x dpi."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=scale * fig.dpi, bbox_inches="tight")
    return struct.unpack(">II", buffer.getvalue()[16:24])


def probe(path: str) -> list[dict]:
    notebook = nbformat.read(path, as_version=4)
    namespace: dict = {"__name__": "__main__"}
    figures = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        with contextlib.redirect_stdout(io.StringIO()):  # the cells' own printing is not data
            exec(compile(cell.source, f"{path} (cell {index})", "exec"), namespace)  # noqa: S102
        for number in plt.get_fignums():
            fig = plt.figure(number)
            sizes = {str(scale): list(png_size(fig, scale)) for scale in SCALES}
            figures.append({"cell": index, "png": sizes, **asdict(report(fig))})
        plt.close("all")
    return figures


if __name__ == "__main__":
    print(json.dumps(probe(sys.argv[1])))
