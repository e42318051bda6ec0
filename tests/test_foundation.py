"""The foundation's promises that need no browser: no widget manager, figure style, CLI wiring."""

from __future__ import annotations

import subprocess
import sys

import matplotlib
import yaml
from conftest import ROOT

from alliance.figures import PALETTE, course_style, new_figure
from alliance.figures.evidence import meta_analyses_2018, plot_meta_analytic_effects

matplotlib.use("Agg")  # tests only; chapters must not do this (design.md §1)


def test_book_config_loads_no_widget_manager() -> None:
    """The book renders widgets with its own host: myst-nb must add no widget-manager script."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["sphinx"]["config"]["nb_ipywidgets_js"] == {}
    assert not (ROOT / "_vendor" / "widgets").exists(), "no vendored widget manager is needed"


def test_built_book_serves_the_widget_host(built_book) -> None:
    widgets = built_book / "_static" / "widgets"
    assert (widgets / "host.js").is_file()
    assert len(list(widgets.glob("VignetteWidget-*.js"))) == 1
    assert len(list(widgets.glob("VignetteWidget-*.css"))) == 1
    for name in ("require.js", "embed-amd.js", "widgets-config.js"):
        assert not (widgets / name).exists(), name


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_course_style_paints_its_own_background_and_dark_ink() -> None:
    before = matplotlib.rcParams["axes.prop_cycle"]
    with course_style():
        fig, ax = new_figure()
        assert matplotlib.colors.to_hex(fig.get_facecolor()) == "#ffffff"
        ink = matplotlib.rcParams["text.color"]
        ratio = (1.05) / (_luminance(ink) + 0.05)
        assert ratio >= 7, f"text contrast {ratio:.1f}:1 on white"
    assert matplotlib.rcParams["axes.prop_cycle"] == before, "the style must not leak globally"


def test_palette_is_okabe_ito() -> None:
    assert set(PALETTE.values()) >= {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7"}


def test_meta_analysis_figure_draws_every_element_from_the_data_file() -> None:
    rows = meta_analyses_2018()
    assert [r["element"] for r in rows] == [
        "Alliance",
        "Empathy",
        "Positive regard",
        "Congruence",
        "Rupture repair",
    ]
    fig = plot_meta_analytic_effects(rows)
    ax_r, ax_d = fig.axes
    ticks = {
        t.get_text(): y for t, y in zip(ax_r.get_yticklabels(), ax_r.get_yticks(), strict=True)
    }
    assert set(ticks) == {r["element"] for r in rows}
    assert ticks["Alliance"] == max(ticks.values()), "the alliance row is drawn at the top"
    assert len(ax_d.patches) == len(rows)
    widths = sorted(p.get_width() for p in ax_d.patches)
    assert widths == sorted(r["d"] for r in rows)


def test_alliance_command_lists_its_groups() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "alliance.cli", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "vignette" in result.stdout
