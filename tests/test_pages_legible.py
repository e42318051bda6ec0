"""Legible pages: tables are tables, figures are drawn at the size the reader sees them, with
readable type and nothing on top of the data; captions are not faint; the footer and the
instructors' part of the navigation are there.

Why in the browser: a figure's legibility depends on the width the page gives it, and only the
page knows that. Why re-draw the figures: a PNG does not record its font sizes, so each chapter's
figures are drawn again from the notebook the book executed (tests/figure_probe.py) and matched
to the images on the page by their exact pixel size.
"""

from __future__ import annotations

import json
import re
import struct
import subprocess
import sys
from functools import cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402
from bs4 import BeautifulSoup  # noqa: E402
from conftest import ROOT, open_page  # noqa: E402

from alliance.figures import COLUMN_WIDTH_IN, course_style, new_figure  # noqa: E402
from alliance.figures.legibility import layout_problems, report  # noqa: E402
from alliance.figures.style import DPI, MIN_FONT_PT  # noqa: E402
from alliance.measures import load_questionnaire  # noqa: E402

CHAPTERS = sorted(p.stem for p in (ROOT / "chapters").glob("0[1-8]-*.md"))
CSS_PX_PER_INCH = 96
MAX_SHRINK = 0.95  # a figure may be shown at no less than 95% of the width it was drawn at
PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$", re.M)
PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$", re.M)


# ------------------------------------------------------------------------------------------------
# The checker itself can fail (figures built to break each rule)
# ------------------------------------------------------------------------------------------------


def _close(fig) -> None:
    plt.close(fig)


def test_checker_passes_a_clean_course_figure() -> None:
    with course_style():
        fig, ax = new_figure(figsize=(COLUMN_WIDTH_IN, 3.5))
        ax.plot([1, 2, 3], [1, 3, 2], marker="o", label="series")
        ax.set_ylim(0, 4)
        fig.legend(loc="outside lower center")
    try:
        result = report(fig)
        assert result.problems == []
        assert result.smallest_text_pt >= MIN_FONT_PT
        assert (result.width_in, result.dpi) == (COLUMN_WIDTH_IN, DPI)
    finally:
        _close(fig)


def test_checker_finds_a_label_crossed_by_a_line_and_small_text() -> None:
    with course_style():
        fig, ax = new_figure()
        ax.plot([0, 10], [0, 10])
        ax.annotate("a label on the line", (5, 5), ha="center", va="center", fontsize=6)
    try:
        result = report(fig)
        assert any("'a label on the line' is crossed by a data line" in p for p in result.problems)
        assert result.smallest_text_pt == 6 and result.smallest_text == "a label on the line"
    finally:
        _close(fig)


def test_checker_finds_a_label_crossed_by_a_reference_line() -> None:
    with course_style():
        fig, ax = new_figure()
        ax.bar([1], [1])
        ax.axvline(0.5, linestyle="--")
        ax.annotate("across the zero line", (0.5, 0.5), ha="center")
    try:
        assert any("crossed by a data line" in p for p in layout_problems(fig))
    finally:
        _close(fig)


def test_checker_finds_a_legend_over_bars() -> None:
    with course_style():
        fig, ax = new_figure()
        ax.bar([0, 1, 2], [10, 10, 10], width=0.9, label="bars")
        ax.set_ylim(0, 10.5)
        ax.legend(loc="upper left")
    try:
        assert any("legend (bars) covers a bar" in p for p in layout_problems(fig))
    finally:
        _close(fig)


def test_checker_finds_a_marker_cut_by_the_axes_edge() -> None:
    with course_style():
        fig, ax = new_figure()
        ax.plot([1, 2, 3], [38, 40, 39], marker="o", label="client")
        ax.set_ylim(30, 40)
    try:
        assert any("marker of 'client' is cut by the axes edge" in p for p in layout_problems(fig))
    finally:
        _close(fig)


def test_checker_finds_overlapping_labels() -> None:
    with course_style():
        fig, ax = new_figure()
        ax.annotate("first label", (0.5, 0.5), xycoords="axes fraction")
        ax.annotate("second label", (0.52, 0.5), xycoords="axes fraction")
    try:
        assert any("'first label' overlaps text 'second label'" in p for p in layout_problems(fig))
    finally:
        _close(fig)


# ------------------------------------------------------------------------------------------------
# Tables
# ------------------------------------------------------------------------------------------------


def pipe_paragraphs(article: BeautifulSoup) -> list[str]:
    """Text outside any table that looks like a Markdown table (rows or rule of pipes)."""
    found = []
    for block in article.find_all(["p", "pre", "div"]):
        if block.find_parent("table") or block.find(["p", "div", "pre", "table"]):
            continue
        text = block.get_text("\n")
        if PIPE_RULE.search(text) or len(PIPE_ROW.findall(text)) >= 2:
            found.append(text.strip()[:120])
    return found


def test_pipe_detector_sees_a_paragraph_of_pipes() -> None:
    html = "<article><p>| Item | Text |\n| --- | --- |\n| b1 | On my side |</p></article>"
    assert pipe_paragraphs(BeautifulSoup(html, "html.parser"))
    clean = "<article><p>Use the | operator.</p><table><tr><td>|</td></tr></table></article>"
    assert not pipe_paragraphs(BeautifulSoup(clean, "html.parser"))


def _outside_fences(markdown: str) -> str:
    return re.sub(r"^(`{3,}|~{3,}).*?^\1\s*$", "", markdown, flags=re.S | re.M)


def expected_tables(notebook: nbformat.NotebookNode) -> int:
    """Tables the chapter asks for: Markdown pipe tables, list-tables and table outputs."""
    count = 0
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            count += len(PIPE_RULE.findall(_outside_fences(cell.source)))
            count += len(re.findall(r"^```\{list-table\}", cell.source, re.M))
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "<table" in str(data.get("text/html", "")):
                count += 1
            elif PIPE_RULE.search(str(data.get("text/markdown", ""))):
                count += 1
    return count


def executed_notebook(built_book: Path, stem: str) -> Path:
    path = built_book.parent / "jupyter_execute" / "chapters" / f"{stem}.ipynb"
    assert path.is_file(), f"the build left no executed notebook at {path}"
    return path


def article_of(built_book: Path, stem: str) -> BeautifulSoup:
    page = BeautifulSoup((built_book / f"chapters/{stem}.html").read_text(), "html.parser")
    article = page.select_one("article.bd-article")
    assert article is not None
    return article


@pytest.mark.parametrize("stem", CHAPTERS)
def test_every_chapter_table_renders_as_an_html_table(built_book: Path, stem: str) -> None:
    notebook = nbformat.read(executed_notebook(built_book, stem), as_version=4)
    article = article_of(built_book, stem)
    wanted = expected_tables(notebook)
    tables = article.find_all("table")
    assert len(tables) >= wanted, (
        f"{stem}: {wanted} tables in the source, {len(tables)} on the page"
    )
    assert not pipe_paragraphs(article), (
        f"{stem}: table text outside a table: {pipe_paragraphs(article)}"
    )
    for table in tables:
        assert table.find("th"), f"{stem}: a table without header cells: {str(table)[:200]}"


def test_the_practice_questionnaire_is_a_table_of_every_item(built_book: Path) -> None:
    article = article_of(built_book, "05-measuring-the-alliance")
    questionnaire = load_questionnaire()
    table = next(
        (t for t in article.find_all("table") if "Illustrative Alliance Check" in t.get_text()),
        None,
    )
    assert table is not None, "chapter 5 shows no table of the Illustrative Alliance Check"
    rows = {r.find("th").get_text(strip=True): r for r in table.select("tbody tr")}
    assert list(rows) == questionnaire.item_ids
    for item in questionnaire.items:
        assert item.text in rows[item.id].get_text(" ", strip=True)


# ------------------------------------------------------------------------------------------------
# Figures
# ------------------------------------------------------------------------------------------------


@cache
def probe(notebook: Path) -> tuple[dict, ...]:
    """Every figure the executed chapter draws, measured (see tests/figure_probe.py)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests/figure_probe.py"), str(notebook)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return tuple(json.loads(result.stdout))


def png_info(path: Path) -> tuple[int, int, float]:
    """Pixel width, height and dpi (from the pHYs chunk) of a PNG file."""
    data = path.read_bytes()
    width, height = struct.unpack(">II", data[16:24])
    offset = 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        if kind == b"pHYs":
            per_unit, _, unit = struct.unpack(">IIB", data[offset + 8 : offset + 17])
            assert unit == 1, f"{path.name}: pHYs unit is not the metre"
            return width, height, per_unit * 0.0254
        offset += 12 + length
    raise AssertionError(f"{path.name} records no dpi (no pHYs chunk)")


@pytest.mark.parametrize("stem", CHAPTERS)
def test_chapter_figures_have_nothing_on_their_data(built_book: Path, stem: str) -> None:
    figures = probe(executed_notebook(built_book, stem))
    assert figures, f"{stem} draws no figure"
    problems = [f"cell {f['cell']}: {p}" for f in figures for p in f["problems"]]
    assert not problems, f"{stem}:\n" + "\n".join(problems)


@pytest.mark.browser
@pytest.mark.parametrize("stem", CHAPTERS)
def test_chapter_figures_are_drawn_at_the_width_shown_with_readable_text(
    built_book: Path, book_url: str, browser, stem: str
) -> None:
    figures = probe(executed_notebook(built_book, stem))
    page = open_page(browser)
    try:
        page.goto(f"{book_url}chapters/{stem}.html", wait_until="load")
        shown = page.evaluate(
            """() => [...document.querySelectorAll('article .cell_output img')].map(img => ({
                 src: img.getAttribute('src'), width: img.getBoundingClientRect().width,
                 natural: img.naturalWidth }))"""
        )
        small_print = page.evaluate(
            """() => { const probe = document.createElement('span');
                 probe.style.fontSize = 'var(--pst-font-size-milli)';
                 document.querySelector('article').appendChild(probe);
                 const px = parseFloat(getComputedStyle(probe).fontSize); probe.remove();
                 return px; }"""
        )
    finally:
        page.context.close()
    assert 10 <= small_print <= 16, f"the theme's small print measured {small_print}px"
    assert len(shown) == len(figures), f"{stem}: {len(figures)} figures drawn, {len(shown)} shown"
    for image, figure in zip(shown, figures, strict=True):
        png = (built_book / "chapters" / image["src"]).resolve()
        width_px, height_px, dpi = png_info(png)
        name = f"{stem} figure from cell {figure['cell']} ({png.name[:8]})"
        scale = str(round(dpi / figure["dpi"]))  # 2 when saved "retina", at twice the dpi
        assert [width_px, height_px] == figure["png"].get(scale), (
            f"{name}: not the figure the chapter draws ({figure['png']}, {dpi:.0f} dpi)"
        )
        drawn_css = width_px / dpi * CSS_PX_PER_INCH
        assert image["width"] >= MAX_SHRINK * drawn_css, (
            f"{name}: drawn {drawn_css:.0f}px wide ({width_px}px at {dpi:.0f} dpi) but shown at "
            f"{image['width']:.0f}px: draw it at most {COLUMN_WIDTH_IN} in wide"
        )
        shown_scale = image["width"] / width_px  # CSS px per PNG pixel as shown
        smallest_css = figure["smallest_text_pt"] * dpi / 72 * shown_scale
        assert smallest_css >= small_print - 0.05, (
            f"{name}: its smallest text ({figure['smallest_text']!r}, "
            f"{figure['smallest_text_pt']}pt) is shown at {smallest_css:.1f}px, below the "
            f"page's small print ({small_print}px)"
        )


# ------------------------------------------------------------------------------------------------
# Captions, footer, navigation
# ------------------------------------------------------------------------------------------------


def _luminance(rgb: tuple[float, float, float]) -> float:
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _rgb(css: str) -> tuple[float, float, float]:
    parts = [float(v) for v in re.findall(r"[\d.]+", css)[:3]]
    return tuple(v / 255 for v in parts)  # type: ignore[return-value]


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_captions_are_not_faint(book_url: str, browser, scheme: str) -> None:
    page = open_page(browser, color_scheme=scheme)
    try:
        page.goto(f"{book_url}chapters/05-measuring-the-alliance.html", wait_until="load")
        page.evaluate(f"document.documentElement.dataset.theme = '{scheme}'")
        page.wait_for_timeout(200)
        styles = page.evaluate(
            """() => [...document.querySelectorAll('article figcaption, article table caption')]
                 .map(el => { const cs = getComputedStyle(el);
                   return {color: cs.color, weight: cs.fontWeight, opacity: cs.opacity,
                           background: getComputedStyle(document.body).backgroundColor}; })"""
        )
    finally:
        page.context.close()
    assert len(styles) >= 3, styles
    for style in styles:
        fg, bg = _luminance(_rgb(style["color"])), _luminance(_rgb(style["background"]))
        ratio = (max(fg, bg) + 0.05) / (min(fg, bg) + 0.05)
        assert ratio >= 7, f"{scheme}: caption contrast {ratio:.1f}:1 ({style})"
        assert int(style["weight"]) >= 400, f"{scheme}: caption in a light weight ({style})"
        assert float(style["opacity"]) == 1.0


def test_every_page_shows_the_licence_footer(built_book: Path) -> None:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    footer = config["sphinx"]["config"]["html_theme_options"]["extra_footer"]
    assert "CC BY 4.0" in footer and "MIT" in footer
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
    pages = [built_book / f"{name}.html" for name in [*files, "genindex"]]
    assert len(pages) >= 13
    for path in pages:
        page = BeautifulSoup(path.read_text(), "html.parser")
        shown = [el.get_text(" ", strip=True) for el in page.select("footer .extra_footer")]
        assert footer in shown, f"{path.relative_to(built_book)}: no licence footer ({shown})"


def test_instructor_pages_sit_in_their_own_part_of_the_navigation(built_book: Path) -> None:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    instructor_files = {
        "backmatter/for-instructors",
        "backmatter/alignment",
        "backmatter/writing-vignettes",
    }
    parts = {part["caption"]: {c["file"] for c in part["chapters"]} for part in toc["parts"]}
    owners = [caption for caption, files in parts.items() if files & instructor_files]
    assert owners == ["For instructors"], f"instructor pages are listed under {owners}"
    assert parts["For instructors"] == instructor_files

    page = BeautifulSoup((built_book / "intro.html").read_text(), "html.parser")
    nav = page.select_one("nav.bd-docs-nav")
    assert nav is not None
    sections = {}
    for caption in nav.select("p.caption"):
        links = caption.find_next_sibling("ul").select("a")
        sections[caption.get_text(strip=True)] = [a["href"] for a in links]
    assert "For instructors" in sections, f"navigation parts: {list(sections)}"
    assert sorted(h.split("#")[0] for h in sections["For instructors"]) == sorted(
        f"{f}.html" for f in instructor_files
    )
    for caption, hrefs in sections.items():
        if caption != "For instructors":
            assert not [h for h in hrefs if "for-instructors" in h or "writing-vignettes" in h]


def test_the_sidebar_leads_back_to_the_home_page(built_book: Path) -> None:
    """The config asks for the home page in the navigation; explicit theme options can drop it."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    chapter = toc["parts"][0]["chapters"][0]["file"]
    page = BeautifulSoup((built_book / f"{chapter}.html").read_text(), "html.parser")
    nav = page.select_one("nav.bd-docs-nav")
    assert nav is not None
    hrefs = [a["href"].split("#")[0] for a in nav.select("a")]
    home = f"{toc['root']}.html"
    assert any(h.endswith(home) for h in hrefs), f"{chapter}: no link to {home} in {hrefs[:5]}"
