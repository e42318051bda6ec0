"""The book builds for real, offline, with warnings as errors, and every page is clean to read."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from conftest import (
    BROKEN_STORAGE,
    LIVE_VIGNETTE,
    ROOT,
    copy_book_skeleton,
    describe_violations,
    layout_shift,
    open_page,
    our_exceptions,
    run_axe,
    widget_machinery_requests,
)
from vignette_helpers import check_ending, tab_until

from alliance.book.build import build_book
from alliance.book.pagemetrics import CLS_OBSERVER
from alliance.vignettes import load_vignette
from alliance.vignettes.loader import library_files
from alliance.vignettes.schema import OUTCOMES

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
    "backmatter/your-practice.html": "Your practice",
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
        assert widget_machinery_requests(page.requests) == []
        assert not [u for u in page.requests if "fontawesome.js" in u]  # icons come from CSS
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


def test_a_widget_the_host_cannot_render_fails_the_build(tmp_path: Path) -> None:
    """A plain ipywidget would be blank in the static book: the build says so and fails."""
    src = _minimal_book(tmp_path / "slider", "import ipywidgets\nipywidgets.IntSlider(3)")
    result = build_book(src, tmp_path / "slider-out")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "cannot be shown by the book's static host" in output
    assert "IntSliderModel" in output


# ------------------------------------------------------------------------------------------------
# Vignettes in every page, practice kept in the browser, term previews
# ------------------------------------------------------------------------------------------------

FIXTURES = ROOT / "tests" / "fixtures" / "vignettes"
CODE_CELL = re.compile(r"```\{code-cell\}[^\n]*\n(.*?)```", re.S)


def _shows_a_vignette(page: str) -> bool:
    source = ROOT / page.replace(".html", ".md")
    cells = CODE_CELL.findall(source.read_text(encoding="utf-8")) if source.is_file() else []
    return any("VignetteWidget(" in cell for cell in cells)


VIGNETTE_PAGES = [p for p in PAGES if _shows_a_vignette(p)]


def vignette_by_id(vid: str):
    for path in [*library_files(), *sorted(FIXTURES.glob("*.yaml"))]:
        vignette = load_vignette(path)
        if vignette.id == vid:
            return vignette
    raise LookupError(vid)


def shortest_paths(vignette) -> dict[str, list[int]]:
    """The shortest path to each ending (breadth first), keyed by the ending's node id."""
    paths: dict[str, list[int]] = {}
    seen, queue = {vignette.start}, [(vignette.start, [])]
    while queue:
        node_id, path = queue.pop(0)
        node = vignette.nodes[node_id]
        if node.is_ending:
            paths.setdefault(node_id, path)
        for i, choice in enumerate(node.choices):
            if choice.next not in seen:
                seen.add(choice.next)
                queue.append((choice.next, [*path, i]))
    return paths


def _endings(vignette) -> int:
    return sum(node.is_ending for node in vignette.nodes.values())


def _live(page):
    page.wait_for_selector(f"{LIVE_VIGNETTE} .av-choice", timeout=30_000)
    return page.locator(LIVE_VIGNETTE)


def _ids(widgets) -> list[str]:
    codes = widgets.locator(".av-code-input").evaluate_all("els => els.map(e => e.value)")
    return [code.split(":")[0] for code in codes]


def test_the_book_shows_vignettes() -> None:
    assert len(VIGNETTE_PAGES) >= 8, VIGNETTE_PAGES


@pytest.mark.browser
@pytest.mark.parametrize("page_path", VIGNETTE_PAGES)
def test_every_vignette_plays_to_an_ending_by_mouse_and_by_keyboard(
    built_book, book_url, browser, page_path
) -> None:
    """Each vignette: one ending by mouse, another by keyboard alone, as the engine says."""
    views = (built_book / page_path).read_text().count("data-anywidget-view ")
    page = open_page(browser)
    try:
        page.goto(book_url + page_path)
        widgets = _live(page)
        ids = _ids(widgets)
        assert len(ids) == views > 0
        for i, vid in enumerate(ids):
            vignette = vignette_by_id(vid)
            paths = shortest_paths(vignette)
            endings = sorted(paths)
            widget = widgets.nth(i)
            for choice in paths[endings[0]]:
                widget.locator(".av-choice").nth(choice).click()
            check_ending(widget, vignette, paths[endings[0]])
            widget.locator(".av-restart").click()  # focus goes to the client's line
            by_keyboard = paths[endings[-1]]
            for choice in by_keyboard:
                tab_until(
                    page,
                    f"(() => {{ const w = document.querySelectorAll('{LIVE_VIGNETTE}')[{i}];"
                    " return w.contains(document.activeElement)"
                    f" && document.activeElement.dataset.choice === '{choice}'; }})()",
                )
                page.keyboard.press("Enter")
            check_ending(widget, vignette, by_keyboard)
            found = len({endings[0], endings[-1]})
            progress = widget.locator(".av-progress").inner_text()
            assert progress == f"{found} of {_endings(vignette)} endings found", progress
        assert page.console_errors == [] and page.exceptions == []
        assert page.external_requests == [] and widget_machinery_requests(page.requests) == []
    finally:
        page.context.close()


@pytest.mark.browser
@pytest.mark.parametrize("page_path", VIGNETTE_PAGES)
def test_without_javascript_each_vignette_shows_its_placeholder(
    built_book, book_url, browser, page_path
) -> None:
    page = open_page(browser, javascript=False)
    try:
        page.goto(book_url + page_path)
        views = page.locator("[data-anywidget-view]")
        assert views.count() > 0
        for i in range(views.count()):
            view = views.nth(i)
            vignette = vignette_by_id(view.get_attribute("id").removeprefix("vignette-"))
            text = " ".join(view.inner_text().split())
            assert vignette.title in text
            assert " ".join(vignette.client.background.split()) in text
            assert vignette.nodes[vignette.start].client in text
            assert "This role-play needs JavaScript" in text
            assert view.locator("button:visible, input:visible, details:visible").count() == 0
    finally:
        page.context.close()


@pytest.mark.browser
@pytest.mark.parametrize("page_path", VIGNETTE_PAGES)
def test_no_layout_shift_when_a_reader_lands_on_a_vignette(
    built_book, book_url, browser, page_path
):
    """Opened at each vignette (worst case: it is in view as it arrives), nothing jumps."""
    anchors = re.findall(
        r'class="anywidget-view" id="([^"]+)"', (built_book / page_path).read_text()
    )
    assert anchors
    for anchor in anchors:
        page = open_page(browser, init_script=CLS_OBSERVER)
        try:
            page.goto(f"{book_url}{page_path}#{anchor}")
            _live(page)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(500)
            assert layout_shift(page) <= 0.1, (anchor, layout_shift(page))
        finally:
            page.context.close()


@pytest.mark.browser
@pytest.mark.parametrize("kind", sorted(BROKEN_STORAGE))
def test_broken_storage_keeps_every_page_working(book_url, browser, kind) -> None:
    """Corrupt, disabled or full storage: every page works, and says once it won't save."""
    page = open_page(browser, init_script=BROKEN_STORAGE[kind])
    try:
        for page_path in PAGES:
            page.goto(book_url + page_path, wait_until="networkidle")
            views = page.locator("[data-anywidget-view]").count()
            if views:
                widget = _live(page).first
                assert page.locator('[data-anywidget-view="rendered"]').count() == views
                widget.locator(".av-choice").first.click()
                assert widget.locator(".av-feedback-text").inner_text()
            questions = page.locator(".alliance-rq-choice")
            if questions.count():
                questions.first.locator(".alliance-rq-option label").first.click()
                questions.first.get_by_role("button", name="Check answer").click()
                assert questions.first.locator(".alliance-rq-feedback").inner_text()
            keeps = views or page.locator(".alliance-rq, [data-practice-record]").count()
            notices = page.locator(".alliance-practice-notice").count()
            assert notices == (1 if keeps else 0), (page_path, notices)
            assert our_exceptions(page) == [], (page_path, page.exceptions)
            assert page.failed_requests == [], page.failed_requests
        if kind == "corrupt":
            assert page.console_errors == [] and page.exceptions == []
    finally:
        page.context.close()


def _status(page, kind: str, item: str) -> str:
    row = page.locator(f'tr[data-kind="{kind}"][data-id="{item}"]')
    return row.locator(".alliance-practice-state").inner_text()


@pytest.mark.browser
def test_practice_survives_a_reload_and_the_practice_page_shows_it(built_book, book_url, browser):
    chapter = "chapters/02-empathy.html"
    page = open_page(browser)
    try:
        page.goto(book_url + chapter)
        widget = _live(page).first
        vid = _ids(_live(page))[0]
        vignette = vignette_by_id(vid)
        paths = shortest_paths(vignette)
        ending = sorted(paths)[0]
        for choice in paths[ending]:
            widget.locator(".av-choice").nth(choice).click()
        widget.locator(".av-restart").click()
        widget.locator(".av-choice").first.click()  # and a conversation in progress
        choice_q = page.locator(".alliance-rq-choice").first
        qid = choice_q.get_attribute("data-qid")
        right = choice_q.locator(".alliance-rq-answer").evaluate_all(
            "items => items.findIndex(li => li.dataset.correct === 'true')"
        )
        choice_q.locator(".alliance-rq-option label").nth(right).click()
        choice_q.get_by_role("button", name="Check answer").click()
        open_q = page.locator(".alliance-rq-open").first
        open_qid = open_q.get_attribute("data-qid")
        open_q.locator("textarea").fill("The bond grows when she feels understood.")

        page.reload()
        widget = _live(page).first
        assert widget.locator(".av-code-input").input_value() == f"{vid}:1"
        assert widget.locator(".av-progress").inner_text().startswith("1 of ")
        choice_q = page.locator(f"#rq-{qid}")
        assert choice_q.locator("input[type=radio]").nth(right).is_checked()
        assert "Correct." in choice_q.locator(".alliance-rq-feedback").inner_text()
        notes = page.locator(f"#rq-{open_qid} textarea")
        assert notes.input_value() == "The bond grows when she feels understood."

        page.goto(book_url + "backmatter/your-practice.html")
        page.wait_for_selector(".alliance-practice-reset")
        every_view = sum(
            (built_book / p).read_text().count("data-anywidget-view ") for p in VIGNETTE_PAGES
        )
        every_question = sum((built_book / p).read_text().count(" data-qid=") for p in PAGES)
        assert page.locator('tr[data-kind="vignettes"]').count() == every_view
        assert page.locator('tr[data-kind="questions"]').count() == every_question
        status = _status(page, "vignettes", vid)
        assert status.startswith(f"1 of {_endings(vignette)} endings found (")
        assert OUTCOMES[vignette.nodes[ending].ending.outcome] in status, status
        assert "at 1 choice" in status, status
        assert _status(page, "questions", qid) == f"Answered correctly (option {right + 1})."
        assert _status(page, "questions", open_qid) == "Notes written (7 words)."
        others = [r for r in _ids_on_practice_page(page) if r != vid]
        assert all(_status(page, "vignettes", o) == "Not started" for o in others)

        with page.expect_download() as download:
            page.get_by_role("button", name="Download your record (JSON)").click()
        data = json.loads(Path(download.value.path()).read_text())
        assert data["record"]["vignettes"][vid]["path"] == [0]
        assert data["record"]["vignettes"][vid]["endings"] == [ending]
        item = next(i for i in data["items"] if i["id"] == vid)
        assert item["path_code"] == f"{vid}:1" and item["status"] == status
        assert data["record"]["questions"][open_qid]["notes"].startswith("The bond grows")

        page.get_by_role("button", name=f"Reset: {vignette.title}").click()
        assert _status(page, "vignettes", vid) == "Not started"
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Reset everything").click()
        assert _status(page, "questions", qid) == "Not answered."
        assert _status(page, "questions", open_qid) == "No notes yet."
        page.goto(book_url + chapter)
        assert _live(page).first.locator(".av-code-input").input_value() == f"{vid}:"
        assert page.locator(f"#rq-{open_qid} textarea").input_value() == ""
        assert page.console_errors == [] and page.exceptions == []
        assert page.external_requests == []
    finally:
        page.context.close()


def _ids_on_practice_page(page) -> list[str]:
    return page.locator('tr[data-kind="vignettes"]').evaluate_all(
        "rows => rows.map(r => r.dataset.id)"
    )


def _glossary(built_book: Path) -> dict[str, str]:
    html = (built_book / "backmatter/glossary.html").read_text()
    entries = re.findall(r'<dt id="(term-[^"]+)">.*?</dt><dd>(.*?)</dd>', html, re.S)
    return {key: " ".join(re.sub(r"<[^>]+>", "", dd).split()) for key, dd in entries}


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_term_shows_its_definition_in_place(built_book, book_url, browser, scheme) -> None:
    """On hover and on keyboard focus; hoverable, dismissible with Esc, persistent (1.4.13)."""
    glossary = _glossary(built_book)
    page = open_page(browser, color_scheme=scheme)
    try:
        page.goto(book_url + "chapters/02-empathy.html", wait_until="networkidle")
        page.evaluate(f"document.documentElement.dataset.theme = '{scheme}'")
        links = page.locator("a.alliance-term-link")
        html = (built_book / "chapters/02-empathy.html").read_text()
        assert links.count() == html.count('<span class="xref std std-term">') > 0
        link = links.first
        key = link.evaluate("a => decodeURIComponent(a.hash.slice(1))")
        tip = page.locator(f'[id="alliance-tip-{key}"]')
        assert tip.get_attribute("role") == "tooltip" and tip.is_hidden()
        assert tip.get_attribute("id") in link.get_attribute("aria-describedby")
        before = [u for u in page.requests if u.endswith(".html")]

        link.hover()
        tip.wait_for(state="visible")
        shown = " ".join(tip.inner_text().split())
        assert glossary[key][:80] in shown, (glossary[key], shown)
        box = tip.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(600)
        assert tip.is_visible(), "the preview must stay while the pointer is over it"
        page.keyboard.press("Escape")
        assert tip.is_hidden(), "Escape dismisses the preview"
        page.mouse.move(5, 5)

        page.locator("h1").first.focus()
        tab_until(page, "document.activeElement.classList.contains('alliance-term-link')")
        focused = page.evaluate("decodeURIComponent(document.activeElement.hash.slice(1))")
        focused_tip = page.locator(f'[id="alliance-tip-{focused}"]')
        assert focused_tip.is_visible()
        page.keyboard.press("Escape")
        assert focused_tip.is_hidden()
        assert page.evaluate("document.activeElement.classList.contains('alliance-term-link')")
        assert [u for u in page.requests if u.endswith(".html")] == before  # nothing fetched
        assert page.console_errors == [] and page.exceptions == []
        link.hover()  # last, as axe-core itself requests a stylesheet the page does not have
        tip.wait_for(state="visible")
        violations = run_axe(page)
        assert not violations, describe_violations(violations)
    finally:
        page.context.close()


@pytest.mark.browser
def test_without_javascript_the_practice_page_says_it_needs_it(book_url, browser) -> None:
    page = open_page(browser, javascript=False)
    try:
        page.goto(book_url + "backmatter/your-practice.html")
        text = page.locator("[data-practice-actions]").inner_text()
        assert "needs JavaScript" in text
        links = page.locator("[data-practice-record] tbody a")
        assert links.count() > 20  # every vignette and question is still one link away
        assert page.locator("[data-practice-record] button").count() == 0
    finally:
        page.context.close()
