"""Figures for chapters 5-7: alliance series, flagged sessions and rupture-repair sequences.

Why here: the chapters simulate their data in the page and hand it to these functions, so every
figure of the same kind looks the same, uses the course style (light background for dark mode,
Okabe-Ito colours) and never relies on colour alone (markers and line styles differ too).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from alliance.figures import PALETTE, course_style, new_figure
from alliance.measures.ruptures import CRITERIA, RuptureEvent, detect_ruptures, series_sd


def plot_series_with_cutoff(
    series: Mapping[str, Sequence[float]],
    cutoff: float,
    *,
    scale: tuple[float, float],
    ylabel: str,
    title: str,
    cutoff_label: str,
):
    """One line per client, a dashed cut-off line, and sessions at or below it ringed."""
    markers = ["o", "s", "^", "D"]
    colours = [PALETTE["blue"], PALETTE["orange"], PALETTE["green"], PALETTE["purple"]]
    styles = ["-", "--", "-.", ":"]
    with course_style():
        fig, ax = new_figure(figsize=(7.5, 4.0))
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
                    [s for s, _ in low],
                    [v for _, v in low],
                    s=170,
                    facecolors="none",
                    edgecolors=PALETTE["vermillion"],
                    linewidths=2,
                    zorder=3,
                    label="_nolegend_",
                )
        ax.axhline(cutoff, color=PALETTE["vermillion"], linestyle="--", linewidth=1.5)
        ax.annotate(
            cutoff_label,
            (1, cutoff),
            xytext=(2, -14),
            textcoords="offset points",
            color="#8a3300",
            fontsize=9,
        )
        ax.set_ylim(*scale)
        ax.set_xlabel("Session")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.legend(loc="lower right")
    return fig


def plot_subscale_profile(
    rows: Mapping[str, Mapping[str, float | None]], *, scale_max: float, title: str
):
    """Grouped bars: one group per subscale, one bar per session (missing shown as a gap)."""
    hatches = ["", "//", ".."]
    colours = [PALETTE["sky"], PALETTE["blue"], PALETTE["orange"]]
    with course_style():
        fig, ax = new_figure(figsize=(7.0, 3.6))
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
                    fontsize=8,
                    rotation=90 if v is None else 0,
                )
        ax.set_xticks(range(len(subscales)), [s.capitalize() for s in subscales])
        ax.set_ylim(0, scale_max + 1.5)
        ax.set_ylabel(f"Subscale score (max {scale_max:g})")
        ax.set_title(title)
        ax.legend(loc="upper left", ncols=len(sessions), fontsize=9)
    return fig


def _draw_events(ax, values: Sequence[float], events: Sequence[RuptureEvent]) -> None:
    for i, event in enumerate(events):
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
        label = f"repaired by s{event.repair_session}" if event.repaired else event.status
        ax.annotate(
            label,
            (event.low_session, event.low_score),
            xytext=(0, -18 - 12 * (i % 2)),  # stagger labels so neighbouring events stay legible
            textcoords="offset points",
            ha="center",
            fontsize=8.5,
        )


def plot_rupture_criteria(
    values: Sequence[float], *, window: int = 3, scale: tuple[float, float], ylabel: str, title: str
):
    """Two panels, the same series under the 1 SD and the 2 SD teaching rule."""
    sd = series_sd(values)
    with course_style():
        fig, axes = new_figure(1, 2, figsize=(10.0, 3.9), sharey=True)
        x = list(range(1, len(values) + 1))
        for ax, (name, k) in zip(axes, CRITERIA.items(), strict=True):
            events = detect_ruptures(values, k=k, window=window)
            ax.plot(x, values, marker="o", color=PALETTE["blue"], label="Alliance score")
            _draw_events(ax, values, events)
            repaired = sum(e.repaired for e in events)
            ax.set_title(
                f"{name} rule: drop of {k * sd:.1f}+ points\n"
                f"{len(events)} rupture(s), {repaired} repaired within {window} sessions",
                fontsize=10.5,
            )
            ax.set_xlabel("Session")
            ax.set_ylim(*scale)
        axes[0].set_ylabel(ylabel)
        fig.suptitle(title, fontweight="bold")
    return fig
