"""The book builds for real, offline, with warnings as errors, and every page is clean to read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, copy_book_skeleton, describe_violations, open_page, run_axe

from alliance.book.build import build_book

TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())


def toc_pages() -> list[str]:
    """Every page the table of contents lists, as HTML paths relative to the book root."""
    pages = [TOC["root"]]
    for part in TOC["parts"]:
        pages += [chapter["file"] for chapter in part["chapters"]]
    return [f"{p}.html" for p in pages]


PAGES = toc_pages()
EXPECTED_TITLES = {
    "chapters/01-therapeutic-alliance.html": "The therapeutic alliance",
    "chapters/02-empathy.html": "Empathy",
    "chapters/03-rapport-and-bond.html": "Rapport and the bond",
    "chapters/04-goals-and-tasks.html": "Agreeing on goals and tasks",
    "chapters/05-measuring-the-alliance.html": "Measuring the alliance",
    "chapters/06-feedback-informed-practice.html": "Feedback-informed practice",
    "chapters/07-recognising-ruptures.html": "Recognising ruptures",
    "chapters/08-repairing-ruptures.html": "Repairing ruptures",
    "backmatter/glossary.html": "Glossary",
    "backmatter/references.html": "References",
    "backmatter/for-instructors.html": "For instructors",
    "backmatter/writing-vignettes.html": "How to write a vignette",
}


def test_every_planned_page_is_built_with_its_title(built_book: Path) -> None:
    for page, title in EXPECTED_TITLES.items():
        assert page in PAGES, f"{page} is missing from _toc.yml"
        html = (built_book / page).read_text()
        h1 = re.search(r"<h1>(.*?)<a class=\"headerlink\"", html, re.S)
        assert h1, f"{page} has no <h1>"
        assert title in re.sub(r"<[^>]+>", "", h1.group(1)), f"{page}: h1 is {h1.group(1)!r}"


def test_chapter_one_has_the_meta_analysis_figure_with_alt_text(built_book: Path) -> None:
    html = (built_book / "chapters/01-therapeutic-alliance.html").read_text()
    imgs = re.findall(r"<img [^>]*>", html)
    alts = [re.search(r'alt="([^"]*)"', img) for img in imgs]
    assert any(a and "meta-analyses" in a.group(1) for a in alts), imgs
    assert all(a and a.group(1).strip() for a in alts), "every image needs non-empty alt text"


def test_references_page_lists_cited_works(built_book: Path) -> None:
    html = (built_book / "backmatter/references.html").read_text()
    for author in ("Bordin", "Flückiger", "Elliott", "Eubanks"):
        assert author in html


def test_built_pages_reference_no_other_host(built_book: Path) -> None:
    """No script, stylesheet, font or image is loaded from a CDN or any third-party host."""
    pattern = re.compile(r"""(?:src|href)=["'](https?:)?//(?!127\.0\.0\.1|localhost)[^"']+""")
    for page in PAGES:
        html = (built_book / page).read_text()
        loaded = [
            m.group(0)
            for m in pattern.finditer(html)
            if not re.search(r"<a\s[^>]*" + re.escape(m.group(0)), html)
        ]
        # plain hyperlinks (<a href>) are fine: they are not fetched
        resources = [
            tag
            for tag in re.findall(r"<(?:script|link|img|iframe|source)\b[^>]*>", html)
            if re.search(r"""(?:src|href)=["'](?:https?:)?//""", tag)
        ]
        assert not resources, f"{page} loads from another host: {resources[:3]} {loaded[:1]}"


def _minimal_book(tmp_path: Path, cell: str) -> Path:
    """A one-chapter book using the real config, with ``cell`` as its only code cell."""
    src = tmp_path / "src"
    src.mkdir(parents=True)
    copy_book_skeleton(src)
    (src / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: chapter\n")
    (src / "intro.md").write_text("# Intro\n\nA minimal book.\n")
    front = (ROOT / "chapters/01-therapeutic-alliance.md").read_text().split("---\n")[1]
    (src / "chapter.md").write_text(
        f"---\n{front}---\n\n# A chapter\n\n```{{code-cell}} ipython3\n{cell}\n```\n"
    )
    return src


def test_a_failing_cell_fails_the_build(tmp_path: Path) -> None:
    """The build check can fail: the same book builds with a good cell and fails with a bad one."""
    good = _minimal_book(tmp_path / "good", "print(1 + 1)")
    ok = build_book(good, tmp_path / "good-out")
    assert ok.returncode == 0, ok.stdout[-3000:] + ok.stderr[-3000:]

    bad = _minimal_book(tmp_path / "bad", "raise RuntimeError('deliberately broken cell')")
    failed = build_book(bad, tmp_path / "bad-out")
    assert failed.returncode != 0, "a chapter whose cell raises must fail the build"
    assert "deliberately broken cell" in failed.stdout + failed.stderr


def test_a_warning_fails_the_build(tmp_path: Path) -> None:
    src = _minimal_book(tmp_path / "warn", "print('fine')")
    (src / "intro.md").write_text("# Intro\n\nA broken cross-reference: {ref}`no-such-label`.\n")
    result = build_book(src, tmp_path / "warn-out")
    assert result.returncode != 0
    assert "no-such-label" in result.stdout + result.stderr


@pytest.mark.browser
@pytest.mark.parametrize("page_path", PAGES)
def test_page_loads_with_no_console_error_and_no_other_host(book_url, browser, page_path) -> None:
    page = open_page(browser)
    try:
        page.goto(book_url + page_path, wait_until="networkidle")
        page.wait_for_timeout(300)
        assert page.title(), "page has no title"
        assert not page.console_errors, page.console_errors
        assert not page.external_requests, page.external_requests
        assert not page.failed_requests, page.failed_requests
    finally:
        page.context.close()


@pytest.mark.browser
@pytest.mark.parametrize("page_path", PAGES)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_wcag_violation(book_url, browser, page_path, scheme) -> None:
    page = open_page(browser, color_scheme=scheme)
    try:
        page.goto(book_url + page_path, wait_until="networkidle")
        page.evaluate(f"document.documentElement.dataset.theme = '{scheme}'")
        page.evaluate(f"document.documentElement.dataset.mode = '{scheme}'")
        page.wait_for_timeout(300)

        violations = run_axe(page)
        assert not violations, f"{page_path} ({scheme}):\n" + describe_violations(violations)
    finally:
        page.context.close()


def _pages_with_widgets(built_book: Path) -> list[str]:
    return [
        p
        for p in PAGES
        if "application/vnd.jupyter.widget-view+json" in (built_book / p).read_text()
    ]


@pytest.mark.browser
def test_a_widget_renders_and_responds_to_a_click_without_a_kernel(built_book, book_url, browser):
    pages = _pages_with_widgets(built_book)
    assert pages, "no page of the book embeds a widget"
    page = open_page(browser)
    try:
        page.goto(book_url + pages[0], wait_until="networkidle")
        widget = page.locator(".widget-subarea").first
        widget.wait_for(state="visible", timeout=15000)
        button = widget.locator("button:visible").first
        button.wait_for(timeout=15000)
        before = widget.inner_text()
        button.click()
        page.wait_for_timeout(300)
        assert widget.inner_text() != before, "the widget did not respond to a click"
        assert not page.console_errors, page.console_errors
        assert not page.external_requests, page.external_requests
    finally:
        page.context.close()


@pytest.mark.parametrize("chapter", sorted((ROOT / "chapters").glob("*.md")), ids=lambda p: p.stem)
def test_every_figure_a_chapter_draws_is_on_its_page(built_book: Path, chapter: Path) -> None:
    """Each figure cell (one that declares alt text) yields an image with that alt text.

    Guards against figures silently dropped from the page, e.g. by a backend switched inside an
    ``rc_context`` or by ``matplotlib.use("Agg")`` in a chapter.
    """
    source = chapter.read_text()
    declared = re.findall(r"^\s+alt:\s*[\"']?(.{20})", source, re.M)
    html = (built_book / f"chapters/{chapter.stem}.html").read_text()
    alts = [
        a.replace("&quot;", '"').replace("&#8217;", "'")
        for a in re.findall(r'<img [^>]*alt="([^"]*)"', html)
    ]
    for start in declared:
        start = start.replace("'", "").replace('"', "")[:12]
        assert any(start in alt.replace("'", "").replace('"', "") for alt in alts), (
            f"{chapter.name}: the figure whose alt text starts {start!r} is missing from the page"
        )
