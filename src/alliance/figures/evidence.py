"""Figures of the published evidence."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

from alliance.figures.style import COLUMN_WIDTH_IN, MARKERS, PALETTE, course_style, new_figure


def meta_analyses_2018() -> list[dict[str, Any]]:
    """The 2018 meta-analytic effects, read from the package's data file (one source of truth)."""
    text = resources.files("alliance.data").joinpath("meta_analyses_2018.yaml").read_text()
    return yaml.safe_load(text)


def plot_meta_analytic_effects(rows: list[dict[str, Any]] | None = None):
    """Two panels: r with its 95% CI where the abstract gives one, and the standardised effect.

    Why two panels: the five meta-analyses did not all publish the same metric (positive regard
    reports g only), and putting g on an r axis would mislead. An open marker is an r whose
    interval the chapter abstract does not give.
    """
    rows = rows if rows is not None else meta_analyses_2018()
    with course_style():
        fig, (ax_r, ax_d) = new_figure(1, 2, figsize=(COLUMN_WIDTH_IN, 3.9), sharey=True)
        labels = [row["element"] for row in rows]
        ys = list(range(len(rows)))[::-1]
        for y, row, marker in zip(ys, rows, MARKERS, strict=False):
            if row["r"] is not None:
                if row["ci"]:
                    lo, hi = row["ci"]
                    ax_r.errorbar(
                        row["r"],
                        y,
                        xerr=[[row["r"] - lo], [hi - row["r"]]],
                        fmt=marker,
                        color=PALETTE["blue"],
                        capsize=4,
                        markersize=7,
                    )
                else:
                    ax_r.plot(
                        row["r"],
                        y,
                        marker,
                        color=PALETTE["blue"],
                        markersize=7,
                        markerfacecolor="white",
                    )
                ax_r.annotate(
                    f"r = {_decimal(row['r'])}",
                    (row["r"], y),
                    xytext=(0, 8),
                    textcoords="offset points",
                    ha="center",
                )
            else:
                ax_r.annotate("no r in abstract", (0.02, y), va="center", style="italic")
            ax_d.barh(y, row["d"], color=PALETTE["orange"], edgecolor="#1a1a1a", height=0.55)
            ax_d.annotate(
                f"{row['d_label']} = {_decimal(row['d'])}",
                (row["d"], y),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
            )
        ax_r.set_yticks(ys, labels)
        ax_r.set_ylim(-0.6, len(rows) - 0.3)
        ax_r.set_xlim(0, 0.55)
        ax_r.set_xticks([0, 0.2, 0.4])
        ax_r.set_xlabel("r, with 95% CI")
        ax_r.set_title("Correlation (r)")
        ax_d.set_xlim(0, 0.95)
        ax_d.set_xticks([0, 0.4, 0.8])
        ax_d.set_xlabel("d (g for positive regard)")
        ax_d.set_title("Standardised effect")
    return fig


def _decimal(value: float) -> str:
    """APA style for values that cannot exceed 1: no leading zero (.278)."""
    return f"{value:g}".replace("0.", ".", 1)
