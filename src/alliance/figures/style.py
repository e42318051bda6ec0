"""The course's matplotlib style.

Why a style of our own: the book's theme has a dark mode, and a figure with a transparent
background and black text disappears on it. Every course figure therefore paints its own light
background and dark text, and draws from the Okabe-Ito palette, which stays distinguishable for
the common forms of colour-vision deficiency. Lines also differ by marker and style, so colour is
never the only cue.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt

# Okabe & Ito (2008) "Color Universal Design" palette, in the order the course uses it.
PALETTE: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}
CYCLE = ["blue", "orange", "green", "vermillion", "purple", "sky"]
MARKERS = ["o", "s", "^", "D", "v", "P"]
INK = "#1a1a1a"  # text and axes: 16.6:1 on the white background
BACKGROUND = "#ffffff"

RC: dict[str, Any] = {
    "figure.facecolor": BACKGROUND,
    "axes.facecolor": BACKGROUND,
    "savefig.facecolor": BACKGROUND,
    "savefig.transparent": False,
    "text.color": INK,
    "axes.labelcolor": INK,
    "axes.edgecolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.titlecolor": INK,
    "legend.labelcolor": INK,
    "legend.facecolor": BACKGROUND,
    "legend.edgecolor": "#767676",
    "axes.prop_cycle": mpl.cycler(color=[PALETTE[c] for c in CYCLE]),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#d9d9d9",
    "grid.linewidth": 0.6,
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "lines.linewidth": 2.0,
    "lines.markersize": 6,
    "figure.dpi": 110,
    "figure.figsize": (7.0, 4.0),
    "figure.constrained_layout.use": True,
}


_backend_loaded = False


def _load_backend_outside_context() -> None:
    """Load the plotting backend before the first ``rc_context`` is entered.

    Why: Jupyter's inline backend switches interactive mode on when it loads. If that first happens
    inside ``rc_context``, leaving the context switches interactive mode off again and every later
    figure in the notebook is silently not shown (seen when a chapter drew a second figure).
    """
    global _backend_loaded
    if not _backend_loaded:
        plt.switch_backend(mpl.get_backend())
        _backend_loaded = True


@contextmanager
def course_style() -> Iterator[None]:
    """Apply the course style inside a ``with`` block, leaving global settings untouched."""
    _load_backend_outside_context()
    with mpl.rc_context(RC):
        yield


def new_figure(*args: Any, **kwargs: Any) -> tuple[plt.Figure, Any]:
    """``plt.subplots`` with the course style baked into the figure."""
    with course_style():
        return plt.subplots(*args, **kwargs)
