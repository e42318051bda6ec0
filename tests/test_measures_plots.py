"""The chapters' monitoring and rupture figures: they draw what the data say."""

from __future__ import annotations

from alliance.measures.plots import (
    plot_rupture_criteria,
    plot_series_with_cutoff,
    plot_subscale_profile,
)


def test_rupture_panels_report_each_criterion():
    series = [30, 32, 34, 31, 35, 33, 36, 33, 35, 34]
    fig = plot_rupture_criteria(series, window=3, scale=(25, 40), ylabel="score", title="t")
    top, bottom = fig.axes
    assert top.get_title().startswith("1 SD rule") and "3 ruptures" in top.get_title()
    assert bottom.get_title().startswith("2 SD rule") and "0 ruptures" in bottom.get_title()
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)  # white card survives dark mode


def test_cutoff_figure_rings_only_low_sessions():
    fig = plot_series_with_cutoff(
        {"A": [38, 35, 39], "B": [40, 40, 40]},
        36,
        scale=(30, 40),
        ylabel="y",
        title="t",
        cutoff_label="36 or below",
    )
    (ax,) = fig.axes
    rings = [c for c in ax.collections if len(c.get_offsets())]
    assert len(rings) == 1 and rings[0].get_offsets().tolist() == [[2.0, 35.0]]


def test_profile_marks_missing_subscale():
    fig = plot_subscale_profile(
        {"S1": {"bond": 12.0, "goals": None, "tasks": 9.0}}, scale_max=15, title="t"
    )
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "missing" in texts and "12" in texts
