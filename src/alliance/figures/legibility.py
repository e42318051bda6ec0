"""Is a figure legible as drawn? Its smallest text, and text or legends that sit on the data.

Why a checker: a figure can look fine in a notebook and still fail the reader of the book, where
it is shrunk to the text column, a label is crossed by a line, a legend hides a bar or a marker
on the axis limit is cut in half. These checks read the drawn figure itself (every piece of text
the renderer actually draws, every data line, marker and bar), so a chapter author, a test and a
reviewer all ask the same questions of the same object.

Geometry is in display pixels at the figure's dpi. Lines count wherever they are drawn, reference
lines (``axhline``, ``axvline``) included: a label crossed by one is as hard to read. Shaded
bands (``axvspan``) are background, not data, and the bars that count are those drawn in data
coordinates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox

TOLERANCE_PX = 1.0  # overlaps smaller than this are anti-aliasing, not collisions


@dataclass(frozen=True)
class DrawnText:
    """One piece of text as the renderer drew it."""

    text: str
    size_pt: float
    bbox: Bbox
    artist: Text


@dataclass(frozen=True)
class FigureReport:
    """What a reader gets from one figure: its size, its smallest text, and layout problems."""

    width_in: float
    height_in: float
    dpi: float
    smallest_text_pt: float
    smallest_text: str
    problems: list[str] = field(default_factory=list)


def drawn_texts(fig: Figure) -> list[DrawnText]:
    """Every non-empty text the renderer draws, once each (tick labels outside the view are not)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    seen: dict[int, DrawnText] = {}
    original = renderer.draw_text

    def record(gc, x, y, s, prop, angle, ismath=False, mtext=None):  # noqa: ANN001 - renderer API
        if s.strip() and mtext is not None and id(mtext) not in seen:
            bbox = mtext.get_window_extent(renderer)
            seen[id(mtext)] = DrawnText(mtext.get_text(), prop.get_size_in_points(), bbox, mtext)
        return original(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)

    renderer.draw_text = record
    try:
        fig.draw(renderer)
    finally:
        del renderer.draw_text  # back to the class's method
    return list(seen.values())


# --- the data an axes draws ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Data:
    segments: list[np.ndarray]  # (2, 2) arrays of display points
    markers: list[tuple[float, float, float]]  # x, y, radius in display pixels
    boxes: list[Bbox]
    clipped_markers: list[str]


def _is_data(artist, ax: Axes) -> bool:
    transform = artist.get_data_transform() if hasattr(artist, "get_data_transform") else None
    return transform is ax.transData


def _points_px(fig: Figure, points: float) -> float:
    return points * fig.dpi / 72


def _axes_data(ax: Axes) -> _Data:
    fig = ax.figure
    segments: list[np.ndarray] = []
    markers: list[tuple[float, float, float]] = []
    boxes: list[Bbox] = []
    clipped: list[str] = []
    frame = ax.get_window_extent()
    for line in ax.get_lines():
        if not line.get_visible():
            continue
        xy = line.get_transform().transform(np.column_stack(line.get_data()).astype(float))
        if line.get_linestyle() not in ("None", "none", "", " "):
            segments += [xy[i : i + 2] for i in range(len(xy) - 1)]
        if line.get_transform() is not ax.transData:
            continue  # a reference line (axhline, axvline): crossing it is checked, not its ends
        if line.get_marker() not in (None, "None", "none", "", " "):
            radius = _points_px(fig, line.get_markersize()) / 2
            for x, y in xy:
                markers.append((x, y, radius))
                if line.get_clip_on():
                    clipped += _clip_problem(frame, x, y, radius, line.get_label())
    for coll in ax.collections:
        if not coll.get_visible():
            continue
        if isinstance(coll, LineCollection) and coll.get_transform() is ax.transData:
            for seg in coll.get_segments():
                xy = ax.transData.transform(np.asarray(seg, dtype=float))
                segments += [xy[i : i + 2] for i in range(len(xy) - 1)]
        elif isinstance(coll, PathCollection) and coll.get_offset_transform() is ax.transData:
            sizes = coll.get_sizes() if len(coll.get_sizes()) else [36.0]
            for i, (x, y) in enumerate(ax.transData.transform(coll.get_offsets())):
                radius = _points_px(fig, float(np.sqrt(sizes[i % len(sizes)]))) / 2
                markers.append((x, y, radius))
                if coll.get_clip_on():
                    clipped += _clip_problem(frame, x, y, radius, coll.get_label())
    for patch in ax.patches:
        if isinstance(patch, Rectangle) and patch.get_visible() and _is_data(patch, ax):
            boxes.append(patch.get_window_extent())
    return _Data(segments, markers, boxes, clipped)


def _clip_problem(frame: Bbox, x: float, y: float, radius: float, label: str) -> list[str]:
    inside = frame.x0 - 0.5 <= x <= frame.x1 + 0.5 and frame.y0 - 0.5 <= y <= frame.y1 + 0.5
    if not inside:
        return []  # outside the view: not drawn at all, a choice of limits rather than a clip
    margin = min(x - frame.x0, frame.x1 - x, y - frame.y0, frame.y1 - y)
    if margin < radius - TOLERANCE_PX:
        name = "" if label.startswith("_") else f" of {label!r}"
        return [f"a marker{name} is cut by the axes edge ({margin:.0f} of {radius:.0f} px shown)"]
    return []


# --- geometry ------------------------------------------------------------------------------------


def _shrunk(box: Bbox) -> Bbox:
    return Bbox.from_extents(
        box.x0 + TOLERANCE_PX, box.y0 + TOLERANCE_PX, box.x1 - TOLERANCE_PX, box.y1 - TOLERANCE_PX
    )


def _box_hits_box(a: Bbox, b: Bbox) -> bool:
    a = _shrunk(a)
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def _box_hits_segment(box: Bbox, segment: np.ndarray) -> bool:
    box = _shrunk(box)
    (x0, y0), (x1, y1) = segment
    steps = int(max(abs(x1 - x0), abs(y1 - y0))) + 2
    xs, ys = np.linspace(x0, x1, steps), np.linspace(y0, y1, steps)
    return bool(np.any((xs > box.x0) & (xs < box.x1) & (ys > box.y0) & (ys < box.y1)))


def _box_hits_marker(box: Bbox, marker: tuple[float, float, float]) -> bool:
    x, y, radius = marker
    box = _shrunk(box)
    nearest_x, nearest_y = min(max(x, box.x0), box.x1), min(max(y, box.y0), box.y1)
    return (nearest_x - x) ** 2 + (nearest_y - y) ** 2 < radius**2


def _hits(box: Bbox, data: _Data) -> str | None:
    if any(_box_hits_segment(box, s) for s in data.segments):
        return "a data line"
    if any(_box_hits_marker(box, m) for m in data.markers):
        return "a data marker"
    if any(_box_hits_box(box, b) for b in data.boxes):
        return "a bar"
    return None


# --- the checks ----------------------------------------------------------------------------------


def _is_label_on_data(text: DrawnText, legend_texts: set[int], ax_labels: set[int]) -> bool:
    """Annotations and free text: the labels a reader reads against the data."""
    return id(text.artist) not in legend_texts and id(text.artist) not in ax_labels


def _structural_texts(fig: Figure) -> Iterator[Text]:
    """Titles, axis labels and tick labels: placed by the layout, outside the data area."""
    for ax in fig.axes:
        yield ax.title
        yield ax._left_title  # noqa: SLF001 - matplotlib keeps the side titles private
        yield ax._right_title  # noqa: SLF001
        yield ax.xaxis.label
        yield ax.yaxis.label
        yield from ax.get_xticklabels(which="both")
        yield from ax.get_yticklabels(which="both")
    if fig._suptitle is not None:  # noqa: SLF001
        yield fig._suptitle  # noqa: SLF001


def _legends(fig: Figure) -> list[Legend]:
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    return legends + list(fig.legends)


def layout_problems(fig: Figure) -> list[str]:
    """Text on text, labels crossed by data, legends over data, markers cut by the axes edge."""
    texts = drawn_texts(fig)
    renderer = fig.canvas.get_renderer()
    legends = _legends(fig)
    legend_texts = {id(t) for lg in legends for t in [*lg.get_texts(), lg.get_title()]}
    structural = {id(t) for t in _structural_texts(fig)}
    data = {id(ax): _axes_data(ax) for ax in fig.axes}
    problems: list[str] = []
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            if _box_hits_box(a.bbox, b.bbox):
                problems.append(f"text {a.text!r} overlaps text {b.text!r}")
    for text in texts:
        if not _is_label_on_data(text, legend_texts, structural):
            continue
        for ax in fig.axes:
            hit = _hits(text.bbox, data[id(ax)])
            if hit:
                problems.append(f"label {text.text!r} is crossed by {hit}")
                break
    for legend in legends:
        box = legend.get_window_extent(renderer)
        for ax in fig.axes:
            hit = _hits(box, data[id(ax)])
            if hit:
                problems.append(f"the legend ({legend_label(legend)}) covers {hit}")
                break
        for text in texts:
            if id(text.artist) not in legend_texts and _box_hits_box(box, text.bbox):
                problems.append(f"the legend ({legend_label(legend)}) covers {text.text!r}")
    for ax in fig.axes:
        problems += data[id(ax)].clipped_markers
    return problems


def legend_label(legend: Legend) -> str:
    return ", ".join(t.get_text() for t in legend.get_texts()[:3])


def report(fig: Figure) -> FigureReport:
    """Measure one figure: size, dpi, smallest drawn text and every layout problem."""
    texts = drawn_texts(fig)
    smallest = min(texts, key=lambda t: t.size_pt) if texts else None
    width, height = fig.get_size_inches()
    return FigureReport(
        width_in=float(width),
        height_in=float(height),
        dpi=float(fig.dpi),
        smallest_text_pt=smallest.size_pt if smallest else float("inf"),
        smallest_text=smallest.text if smallest else "",
        problems=layout_problems(fig),
    )
