"""Figures for chapters 5-7: alliance series, flagged sessions and rupture-repair sequences.

Why here: the chapters simulate their data in the page and hand it to these functions, so every
figure of the same kind looks the same, uses the course style (light background for dark mode,
Okabe-Ito colours) and never relies on colour alone (markers and line styles differ too).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from alliance.figures import COLUMN_WIDTH_IN, PALETTE, course_style, new_figure
from alliance.measures.ruptures import CRITERIA, RuptureEvent, detect_ruptures, series_sd


def _padded(scale: tuple[float, float], fraction: float = 0.05) -> tuple[float, float]:
    """Axis limits a little beyond the scale, so a marker on the scale's end is drawn whole."""
    lo, hi = scale
    pad = (hi - lo) * fraction
    return lo - pad, hi + pad


def plot_series_with_cutoff(
    series: Mapping[str, Sequence[float]],
    cutoff: float,
    *,
    scale: tuple[float, float],
    ylabel: str,
    title: str,
    cutoff_label: str,
):
    """One line per client, a dashed cut-off line, and sessions at or below it ringed.

    The cut-off is named in the legend, below the plot, not written on the data, where a client's
    line could cross it.
    """
    markers = ["o", "s", "^", "D"]
    colours = [PALETTE["blue"], PALETTE["orange"], PALETTE["green"], PALETTE["purple"]]
    styles = ["-", "--", "-.", ":"]
    ring = {"s": 170, "facecolors": "none", "edgecolors": PALETTE["vermillion"], "linewidths": 2}
    with course_style():
        fig, ax = new_figure(figsize=(COLUMN_WIDTH_IN, 4.8))
        for i, (name, values) in enumerate(series.items()):
            x = list(range(1, len(values) + 1))
            ax.plot(
                x,
                values,
                marker=markers[i % 4],
                linestyle=styles[i % 4],
                color=colours[i % 4],
                label=name,
            )
            low = [(s, v) for s, v in zip(x, values, strict=True) if v <= cutoff]
            if low:
                ax.scatter(
                    [s for s, _ in low], [v for _, v in low], zorder=3, label="_nolegend_", **ring
                )
        line = ax.axhline(cutoff, color=PALETTE["vermillion"], linestyle="--", linewidth=1.5)
        ax.set_ylim(*_padded(scale))
        ax.set_xlabel("Session")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        handles, labels = ax.get_legend_handles_labels()
        ringed = Line2D([], [], marker="o", linestyle="none", markersize=12, **_ring_handle(ring))
        fig.legend(
            [*handles, line, ringed],
            [*labels, cutoff_label, f"ringed: at or below {cutoff:g}"],
            loc="outside lower center",
            ncols=2,  # filled column by column: the clients first, then the cut-off
        )
    return fig


def _ring_handle(ring: Mapping[str, object]) -> dict[str, object]:
    return {
        "markerfacecolor": "none",
        "markeredgecolor": ring["edgecolors"],
        "markeredgewidth": ring["linewidths"],
    }


def plot_subscale_profile(
    rows: Mapping[str, Mapping[str, float | None]], *, scale_max: float, title: str
):
    """Grouped bars: one group per subscale, one bar per session (missing shown as a gap).

    The legend sits below the plot, so it never covers a bar or its label.
    """
    hatches = ["", "//", ".."]
    colours = [PALETTE["sky"], PALETTE["blue"], PALETTE["orange"]]
    with course_style():
        fig, ax = new_figure(figsize=(COLUMN_WIDTH_IN, 4.0))
        sessions = list(rows)
        subscales = list(next(iter(rows.values())))
        width = 0.8 / len(sessions)
        for i, session in enumerate(sessions):
            xs = [j + (i - (len(sessions) - 1) / 2) * width for j in range(len(subscales))]
            values = [rows[session][s] for s in subscales]
            ax.bar(
                [x for x, v in zip(xs, values, strict=True) if v is not None],
                [v for v in values if v is not None],
                width=width * 0.95,
                color=colours[i % 3],
                hatch=hatches[i % 3],
                edgecolor="#1a1a1a",
                label=session,
            )
            for x, v in zip(xs, values, strict=True):
                ax.annotate(
                    "missing" if v is None else f"{v:g}",
                    (x, 0.3 if v is None else v),
                    xytext=(0, 3),
                    textcoords="offset points",
                    ha="center",
                    rotation=90 if v is None else 0,
                )
        ax.set_xticks(range(len(subscales)), [s.capitalize() for s in subscales])
        ax.set_ylim(0, scale_max + 1.5)
        ax.set_ylabel(f"Subscale score (max {scale_max:g})")
        ax.set_title(title)
        fig.legend(loc="outside lower center", ncols=len(sessions))
    return fig


def _draw_events(ax, values: Sequence[float], events: Sequence[RuptureEvent]) -> None:
    for event in events:
        colour = PALETTE["green"] if event.repaired else PALETTE["vermillion"]
        ax.annotate(
            "",
            xy=(event.low_session, event.low_score),
            xytext=(event.pre_session, event.pre_score),
            arrowprops={"arrowstyle": "->", "color": colour, "lw": 2.2},
        )
        ax.scatter(
            [event.low_session],
            [event.low_score],
            s=160,
            marker="v",
            color=colour,
            edgecolors="#1a1a1a",
            zorder=4,
        )
        label = f"repaired\nby s{event.repair_session}" if event.repaired else event.status
        ax.annotate(
            label,
            (event.low_session, event.low_score),
            xytext=(0, -12),
            textcoords="offset points",
            ha="center",
            va="top",
        )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def plot_rupture_criteria(
    values: Sequence[float], *, window: int = 3, scale: tuple[float, float], ylabel: str, title: str
):
    """The same series under the 1 SD and the 2 SD teaching rule, one above the other.

    Why stacked: each panel then has the full column width, so the sessions, the events and
    their labels stay readable at the size the book shows them.
    """
    sd = series_sd(values)
    with course_style():
        fig, axes = new_figure(2, 1, figsize=(COLUMN_WIDTH_IN, 6.0), sharex=True, sharey=True)
        x = list(range(1, len(values) + 1))
        for ax, (name, k) in zip(axes, CRITERIA.items(), strict=True):
            events = detect_ruptures(values, k=k, window=window)
            ax.plot(x, values, marker="o", color=PALETTE["blue"], label="Alliance score")
            _draw_events(ax, values, events)
            repaired = sum(e.repaired for e in events)
            ax.set_title(
                f"{name} rule (drop of {k * sd:.1f}+): {_plural(len(events), 'rupture')}, "
                f"{repaired} repaired within {window} sessions",
                fontsize=11,
            )
            ax.set_ylim(*_padded(scale, 0.03))
            ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        axes[-1].set_xlabel("Session")
        axes[-1].set_xticks(x[::2])
        fig.supylabel(ylabel, fontsize=11)
        fig.suptitle(title, fontweight="bold")
    return fig
