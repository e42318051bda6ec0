"""The class report's figures, drawn to be read: whole numbers where the data are whole.

Why each choice: students and points are counted in whole numbers, so the histogram has one bar
per whole point (whatever the maximum: ps1, ps3 and ps5 are out of more than 15) and both axes
carry integer ticks only; the per-test chart is labelled with what each test checks, not its
grade id. Every function returns the figure's alt text and the data it drew (bins, counts, the
tick labels matplotlib actually rendered), which the report stores beside the page so tests can
check the figures' numbers.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # a command-line tool with no display; never imported by chapters

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from alliance.figures import PALETTE, course_style, new_figure  # noqa: E402

LABEL_WIDTH = 48  # characters per line of a test's description on the chart
LABEL_LINES = 3


def _ticks(ax, axis) -> list[str]:
    """The tick labels drawn inside the axes (matplotlib also keeps some just outside)."""
    ax.figure.canvas.draw()
    if axis == "x":
        labels, (low, high) = ax.get_xticklabels(), ax.get_xlim()
    else:
        labels, (low, high) = ax.get_yticklabels(), ax.get_ylim()
    pos = (lambda t: t.get_position()[0]) if axis == "x" else (lambda t: t.get_position()[1])
    return [t.get_text() for t in labels if t.get_text() and low <= pos(t) <= high]


def histogram_counts(scores: list[float], max_score: float) -> dict[int, int]:
    """Students per whole point (a score is counted at its nearest whole point, halves up)."""
    counts = {k: 0 for k in range(int(math.ceil(max_score)) + 1)}
    for s in scores:
        k = min(max(int(math.floor(s + 0.5)), 0), max(counts))
        counts[k] += 1
    return counts


def scores_figure(scores: list[float], max_score: float, path: Path) -> tuple[str, dict]:
    counts = histogram_counts(scores, max_score)
    fig, ax = new_figure(figsize=(7, 3.6))
    with course_style():
        ax.bar(list(counts), list(counts.values()), width=0.9, color=PALETTE["blue"])
        ax.set_xlim(-0.7, max(counts) + 0.7)
        bins = min(max(counts) + 2, 26)  # a label on every point up to 24 points
        ax.xaxis.set_major_locator(MaxNLocator(nbins=bins, integer=True, steps=[1, 2, 5, 10]))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(0, max(max(counts.values(), default=0), 1) + 0.5)
        ax.grid(axis="x", visible=False)
        ax.set_axisbelow(True)
        ax.set_xlabel(f"Score (whole points, out of {max_score:g})")
        ax.set_ylabel("Students")
        ax.set_title("Score distribution")
        data = {"counts": counts, "xticks": _ticks(ax, "x"), "yticks": _ticks(ax, "y")}
        fig.savefig(path)
    plt.close(fig)
    n = len(scores)
    ordered = sorted(scores)
    median = (ordered[(n - 1) // 2] + ordered[n // 2]) / 2 if n else 0
    mode = max(counts, key=lambda k: (counts[k], -k)) if n else 0
    alt = (
        f"Histogram of {n} students' scores out of {max_score:g}, one bar per whole point: "
        f"lowest {min(scores, default=0):g}, median {median:g}, "
        f"mean {sum(scores) / n if n else 0:.1f}, highest {max(scores, default=0):g}; "
        f"the most common score is {mode} ({counts.get(mode, 0)} students)."
    )
    return alt, data


def _wrap(text: str) -> str:
    lines = textwrap.wrap(text, LABEL_WIDTH)
    if len(lines) > LABEL_LINES:
        lines = lines[:LABEL_LINES]
        lines[-1] = lines[-1][: LABEL_WIDTH - 1] + "…"
    return "\n".join(lines)


def tests_figure(rows: list[tuple[str, float]], path: Path) -> tuple[str, dict]:
    """One bar per autograded test: the share of students with full points, in notebook order."""
    labels = [_wrap(d) for d, _ in rows]
    height = 0.28 * sum(label.count("\n") + 1 for label in labels) + 0.35 * len(rows) + 1.4
    fig, ax = new_figure(figsize=(8.5, height))
    with course_style():
        values = [100 * v for _, v in rows]
        y = list(range(len(rows)))[::-1]
        ax.barh(y, values, color=PALETTE["green"])
        for yy, v in zip(y, values, strict=True):
            ax.text(min(v + 1, 88), yy, f"{v:.0f}%", va="center")
        ax.set_yticks(y, labels, fontsize=9)
        ax.grid(axis="y", visible=False)
        ax.set_axisbelow(True)
        ax.set_xlim(0, 100)
        ax.set_xlabel("Students passing (full points), %")
        ax.set_title("What each test checks, and how many passed it")
        data = {"rows": [[d, v] for d, v in rows], "xticks": _ticks(ax, "x")}
        fig.savefig(path)
    plt.close(fig)
    alt = "Share of students passing each autograded test: " + "; ".join(
        f"{d}: {100 * v:.0f}%" for d, v in rows
    )
    return alt + ".", data


def vignette_figure(vid: str, v: dict, path: Path) -> str:
    nodes = v["order"]
    fig, ax = new_figure(figsize=(7, 0.5 * len(nodes) + 1.6))
    colours = [PALETTE[c] for c in ("blue", "orange", "green", "vermillion")]
    hatches = ["", "//", "..", "xx"]
    with course_style():
        for y, node_id in enumerate(nodes[::-1]):
            counts = v["nodes"][node_id]["counts"]
            total = sum(counts.values())
            left = 0.0
            for k in range(len(v["nodes"][node_id]["choices"])):
                share = 100 * counts.get(k, 0) / total if total else 0
                ax.barh(
                    y,
                    share,
                    left=left,
                    color=colours[k % 4],
                    hatch=hatches[k % 4],
                    edgecolor="white",
                    label=f"choice {k + 1}" if y == 0 else None,
                )
                if share >= 8:
                    ax.text(
                        left + share / 2,
                        y,
                        str(k + 1),
                        ha="center",
                        va="center",
                        color="black",
                        fontweight="bold",
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
                    )
                left += share
        ax.set_yticks(range(len(nodes)), nodes[::-1])
        ax.set_xlim(0, 100)
        ax.set_xlabel("Share of students who reached this point (%)")
        ax.set_title(f"Choices in '{v['title']}'")
        handles, labels = ax.get_legend_handles_labels()
        if handles:
            ax.legend(handles, labels, loc="lower right", fontsize=9)
        fig.savefig(path)
    plt.close(fig)
    parts = []
    for node_id in nodes:
        counts = v["nodes"][node_id]["counts"]
        parts.append(
            f"{node_id}: " + ", ".join(f"choice {k + 1} by {counts[k]}" for k in sorted(counts))
        )
    return f"Choices {v['n']} students made in vignette {vid}, per decision point. " + "; ".join(
        parts
    )
