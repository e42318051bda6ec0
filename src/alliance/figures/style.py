"""The course's matplotlib style.

Why a style of our own: the book's theme has a dark mode, and a figure with a transparent
background and black text disappears on it. Every course figure therefore paints its own light
background and dark text, and draws from the Okabe-Ito palette, which stays distinguishable for
the common forms of colour-vision deficiency. Lines also differ by marker and style, so colour is
never the only cue.

Why a fixed width and 96 dpi: the book shows a figure at most as wide as its text column (672 CSS
pixels at a 1280-pixel-wide window), and a browser never enlarges an image. A figure drawn wider
is shrunk, and its text with it (a 10-inch figure lost 40% of its type). At 96 dpi one figure
point is one CSS point, so a figure drawn ``COLUMN_WIDTH_IN`` wide, shown at its natural size,
has text exactly as large as its font size says: ``MIN_FONT_PT`` keeps every label at least as
large as the book's small print (0.9 rem, 14.4 px). ``alliance.figures.legibility`` checks both.
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
# The widest figure the text column shows at natural size, minus the 0.1-inch padding the inline
# backend adds on each side (``bbox_inches="tight"``): 6.8 in + 0.2 in = 7.0 in = 672 CSS px.
COLUMN_WIDTH_IN = 6.8
DPI = 96  # one figure point = one CSS point when the figure is shown at its natural size
MIN_FONT_PT = 11.0  # 14.7 CSS px at natural size: above the theme's small print (14.4 px)
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
    "font.size": MIN_FONT_PT,
    "axes.titlesize": 12,
    "figure.titlesize": 13,
    "legend.fontsize": MIN_FONT_PT,
    "legend.title_fontsize": MIN_FONT_PT,
    "axes.titleweight": "bold",
    "lines.linewidth": 2.0,
    "lines.markersize": 6,
    "figure.dpi": DPI,
    "figure.figsize": (COLUMN_WIDTH_IN, 4.0),
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
        _prefer_retina_inline()
        _backend_loaded = True


def _prefer_retina_inline() -> None:
    """Have Jupyter's inline backend save course figures at twice their dpi (its "retina" format).

    Why: the PNG then carries its size in CSS pixels (half its pixel width) as metadata, which
    the book writes into the ``<img>``; the figure is shown at the width it was drawn at, and
    stays sharp on high-density screens. Outside the inline backend this does nothing.
    """
    if "inline" not in mpl.get_backend():
        return
    try:
        from matplotlib_inline.config import InlineBackend
    except ImportError:  # pragma: no cover - matplotlib-inline ships with ipykernel
        return
    InlineBackend.instance().figure_formats = {"retina"}


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
