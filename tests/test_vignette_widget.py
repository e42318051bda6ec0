"""The vignette widget in a real static book (no kernel), driven in headless Chromium.

Why a book of its own: these tests must not depend on the chapters others are writing, so the
fixture builds a two-page book with the course's real config and extension, whose page shows the
fixture vignettes (one carries HTML/script payloads in every text field). The book's own host
(alliance/book/widgets.py, static/widgets/host.js) renders them: no widget manager is loaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import (
    BROKEN_STORAGE,
    LIVE_VIGNETTE,
    copy_book_skeleton,
    describe_violations,
    layout_shift,
    open_page,
    our_exceptions,
    serve_folder,
    widget_machinery_requests,
)
from vignette_helpers import check_ending, meters, tab_until

from alliance.book.build import build_book
from alliance.book.pagemetrics import CLS_OBSERVER
from alliance.vignettes import load_vignette, replay

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIXTURES = Path(__file__).parent / "fixtures" / "vignettes"
BASIC = FIXTURES / "fixture-basic.yaml"
PAYLOAD = FIXTURES / "fixture-payload.yaml"

PAGE = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# Vignette test page

```{{code-cell}} ipython3
from alliance.vignettes import VignetteWidget
VignetteWidget({basic!r})
```

```{{code-cell}} ipython3
VignetteWidget({payload!r}, graded=True)
```
"""


def make_vignette_book(dest: Path) -> None:
    """A tiny book (config and vendored JS copied from the course) with one widget page."""
    copy_book_skeleton(dest)
    (dest / "_toc.yml").write_text(
        "format: jb-book\nroot: index\nchapters:\n  - file: play\n", encoding="utf-8"
    )
    (dest / "index.md").write_text("# Vignette widget tests\n\nA test book.\n", encoding="utf-8")
    (dest / "play.md").write_text(
        PAGE.format(basic=str(BASIC), payload=str(PAYLOAD)), encoding="utf-8"
    )


@pytest.fixture(scope="module")
def vignette_page_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    source = tmp_path_factory.mktemp("vignette-book-src")
    out = tmp_path_factory.mktemp("vignette-book-out")
    make_vignette_book(source)
    result = build_book(source, out)
    if result.returncode != 0:
        pytest.fail(f"test book failed to build:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    url, stop = serve_folder(out / "_build" / "html")
    yield url + "play.html"
    stop()


@pytest.fixture(scope="module")
def basic():
    return load_vignette(BASIC)


def complete_paths(vignette) -> list[list[int]]:
    """Every path from the start to an ending (the fixture has no cycles)."""
    paths: list[list[int]] = []

    def walk(node_id: str, path: list[int]) -> None:
        node = vignette.nodes[node_id]
        if node.is_ending:
            paths.append(path)
            return
        for i, choice in enumerate(node.choices):
            walk(choice.next, [*path, i])

    walk(vignette.start, [])
    return paths


def load(page, url: str):
    page.goto(url)
    page.wait_for_selector(f"{LIVE_VIGNETTE} .av-choice", timeout=30_000)
    return page.locator(LIVE_VIGNETTE)


def test_every_path_by_mouse_matches_the_engine(page, vignette_page_url: str, basic) -> None:
    widget = load(page, vignette_page_url).first
    paths = complete_paths(basic)
    assert len(paths) == 7
    for path in paths:
        if widget.locator(".av-restart").is_enabled():
            widget.locator(".av-restart").click()
        assert widget.locator(".av-code-input").input_value() == "fixture-basic:"
        for step, choice in enumerate(path, 1):
            node_id = replay(basic, path[: step - 1]).current
            widget.locator(".av-choice").nth(choice).click()
            p = replay(basic, path[:step])
            feedback = widget.locator(".av-feedback")
            text = basic.nodes[node_id].choices[choice].feedback
            assert feedback.locator(".av-feedback-text").text_content() == text
            assert meters(feedback) == p.final
            assert page.evaluate("document.activeElement.classList.contains('av-feedback')")
            assert widget.locator(".av-code-input").input_value() == p.code
        check_ending(widget, basic, path)
    assert page.console_errors == []


def test_live_region_announces_feedback_and_the_next_line(page, vignette_page_url, basic) -> None:
    widget = load(page, vignette_page_url).first
    widget.locator(".av-choice").nth(0).click()
    live = widget.locator("[aria-live='polite'].av-sr-only")
    choice = basic.nodes["opening"].choices[0]
    expected = f"Feedback: {choice.feedback} Mr Haddad says: {basic.nodes['heard'].client}"
    page.wait_for_function(
        "([el, t]) => el.textContent === t", arg=[live.element_handle(), expected]
    )


def test_step_back_and_restart(page, vignette_page_url: str, basic) -> None:
    widget = load(page, vignette_page_url).first
    assert widget.locator(".av-back").is_disabled()
    widget.locator(".av-choice").nth(1).click()
    widget.locator(".av-choice").nth(1).click()
    widget.locator(".av-choice").nth(0).click()
    assert widget.locator(".av-ending").count() == 1
    widget.locator(".av-back").click()
    assert widget.locator(".av-ending").count() == 0
    assert widget.locator(".av-code-input").input_value() == "fixture-basic:2-2"
    assert widget.locator(".av-client-line").text_content().endswith(basic.nodes["heard"].client)
    assert meters(widget.locator(".av-feedback")) == replay(basic, [1, 1]).final
    assert page.evaluate("document.activeElement.classList.contains('av-current')")
    widget.locator(".av-restart").click()
    assert widget.locator(".av-code-input").input_value() == "fixture-basic:"
    assert widget.locator(".av-log").count() == 0
    assert meters(widget) == basic.baseline
    assert widget.locator(".av-choice").count() == 3


FIRST = f"document.querySelector('{LIVE_VIGNETTE}')"
ON_CHOICE = f"(n) => {FIRST}.contains(document.activeElement) && document.activeElement.dataset.choice === String(n)"  # noqa: E501


def _focus_choice(page, n: int) -> None:
    tab_until(page, f"({ON_CHOICE})({n})")
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert outline[0] != "none" and outline[1] >= 2, f"no visible focus: {outline}"


def test_play_by_keyboard_alone(page, vignette_page_url: str, basic) -> None:
    widget = load(page, vignette_page_url).first
    path = [1, 1, 0]  # closed question, open question, simple reflection
    for step, choice in enumerate(path):
        _focus_choice(page, choice)
        page.keyboard.press("Enter" if step % 2 == 0 else "Space")
        assert page.evaluate("document.activeElement.classList.contains('av-feedback')")
    check_ending(widget, basic, path)
    assert widget.locator('[data-av="ratio"]').get_attribute("data-rating") == "below fair"
    tab_until(page, "document.activeElement.classList.contains('av-back')")
    page.keyboard.press("Enter")
    assert widget.locator(".av-code-input").input_value() == "fixture-basic:2-2"
    assert page.evaluate("document.activeElement.classList.contains('av-current')")
    tab_until(page, "document.activeElement.classList.contains('av-restart')")
    page.keyboard.press("Enter")
    assert widget.locator(".av-code-input").input_value() == "fixture-basic:"


def test_payload_is_shown_as_text_and_never_runs(page, vignette_page_url: str) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    widget = load(page, vignette_page_url).nth(1)
    v = load_vignette(PAYLOAD)
    assert widget.locator(".av-title").text_content() == v.title
    line = widget.locator(".av-client-line").text_content()
    assert line == f"{v.client.name}: {v.nodes['opening'].client}"
    assert widget.locator(".av-cue").text_content() == f"Cue: {v.nodes['opening'].cue}"
    labels = widget.locator(".av-choice").all_text_contents()
    assert labels == [f"{i}. {c.therapist}" for i, c in enumerate(v.nodes["opening"].choices, 1)]
    widget.locator(".av-choice").nth(0).click()
    assert (
        widget.locator(".av-feedback-text").text_content() == v.nodes["opening"].choices[0].feedback
    )
    assert widget.locator(".av-debrief").text_content() == v.nodes["end"].ending.debrief
    widget.locator("summary").first.click()
    page.wait_for_timeout(500)  # give any injected onerror/onload a chance to fire
    injected = widget.locator("img, script, iframe, style, a, b, svg[onload], button[onclick]")
    assert injected.count() == 0
    assert dialogs == []
    assert page.evaluate("getComputedStyle(document.body).display") != "none"


def test_graded_mode_puts_the_code_first(page, vignette_page_url: str) -> None:
    widgets = load(page, vignette_page_url)
    graded = widgets.nth(1).locator(".av-code-graded")
    assert graded.count() == 1 and widgets.nth(0).locator(".av-code-graded").count() == 0
    assert "paste this code into the answer cell" in graded.text_content()
    code = graded.locator("input")
    assert code.get_attribute("readonly") is not None
    help_id = graded.locator(".av-code-help").get_attribute("id")
    assert code.get_attribute("aria-describedby") == help_id
    assert graded.locator("label").get_attribute("for") == code.get_attribute("id")


def test_no_console_errors_no_failed_or_external_requests(page, vignette_page_url: str) -> None:
    widgets = load(page, vignette_page_url)
    widgets.first.locator(".av-choice").nth(2).click()
    widgets.first.locator(".av-choice").nth(0).click()
    widgets.first.locator(".av-copy").click()
    page.wait_for_timeout(300)
    assert page.console_errors == []
    assert page.external_requests == []
    assert page.failed_requests == []


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_no_violation(browser, vignette_page_url: str, axe_violations, theme) -> None:
    # Unreadable storage, so the "won't be saved" notice is on the page and checked too.
    page = open_page(browser, color_scheme=theme, init_script=BROKEN_STORAGE["corrupt"])
    try:
        widgets = load(page, vignette_page_url)
        page.evaluate(
            "(t) => { document.documentElement.dataset.theme = t;"
            " document.documentElement.dataset.mode = t; }",
            theme,
        )
        basic = widgets.first
        basic.locator(".av-choice").nth(0).click()
        basic.locator(".av-choice").nth(0).click()  # ending: tally, ratings, trajectory
        widgets.nth(1).locator(".av-choice").nth(1).click()
        for summary in page.locator(f"{LIVE_VIGNETTE} summary").all():
            summary.click()  # open every <details> so its content is checked too
        box = widgets.nth(1).locator(".av-replay")
        box.locator("input").fill("fixture-payload:9")
        box.get_by_role("button", name="Replay").click()  # the error message, checked too
        assert box.locator(".av-replay-message").inner_text()
        assert page.locator(".alliance-practice-notice").is_visible()
        background = basic.evaluate("el => getComputedStyle(el).backgroundColor")
        assert background == ("rgb(255, 255, 255)" if theme == "light" else "rgb(27, 30, 35)")
        violations = axe_violations(page)
        assert violations == [], describe_violations(violations)
    finally:
        page.context.close()


def test_choice_buttons_are_real_buttons(page, vignette_page_url: str) -> None:
    widget = load(page, vignette_page_url).first
    tags = widget.locator(".av-choice").evaluate_all("els => els.map(e => e.tagName + e.type)")
    assert tags == ["BUTTONbutton"] * 3
    group = widget.locator(".av-choices")
    assert group.get_attribute("role") == "group"
    assert re.fullmatch(r"av-\d+-\w+-prompt", group.get_attribute("aria-labelledby"))


# ------------------------------------------------------------------------------------------------
# The static host, the server-rendered view, practice kept in the browser, replaying a code
# ------------------------------------------------------------------------------------------------


def test_the_host_loads_no_widget_manager(page, vignette_page_url: str) -> None:
    load(page, vignette_page_url)
    page.wait_for_load_state("networkidle")
    assert widget_machinery_requests(page.requests) == []
    assert any("/_static/widgets/host.js" in u for u in page.requests)
    modules = [u for u in page.requests if re.search(r"/widgets/VignetteWidget-\w+\.js", u)]
    assert len(modules) == 1, page.requests  # one module file for both widgets
    state = page.evaluate(
        "JSON.parse(document.querySelector("
        "'script[type=\"application/vnd.jupyter.widget-state+json\"]').textContent).state"
    )
    anywidgets = [m["state"] for m in state.values() if m["model_name"] == "AnyModel"]
    assert len(anywidgets) == 2
    assert all("_esm" not in m and m["_esm_file"] for m in anywidgets)  # source in one file
    assert page.console_errors == [] and page.external_requests == []


def test_the_host_model_has_anywidgets_api(page, vignette_page_url: str) -> None:
    """get/set/on/off/save_changes/send as anywidget promises them, with no kernel behind."""
    load(page, vignette_page_url)
    messages: list[str] = []
    page.on("console", lambda msg: messages.append(f"{msg.type}: {msg.text}"))
    result = page.evaluate(
        """async () => {
            const host = [...document.scripts].find((s) => s.src.includes("widgets/host.js"));
            const { Model } = await import(host.src);
            const model = new Model({ count: 1, tags: ["a"] });
            const seen = [];
            const onCount = (m, value) => seen.push(["count", value, m === model]);
            const onAny = () => seen.push(["change"]);
            model.on("change:count", onCount);
            model.on("change", onAny);
            model.set("count", 2);
            model.set("count", 2);          // unchanged: no event
            model.set("tags", ["a"]);       // equal value: no event
            model.off("change:count", onCount);
            model.set("count", 3);
            model.off();                    // every listener
            model.set("count", 4);
            model.save_changes();
            const sent = model.send({ hello: "kernel" }, {}, []);
            return { seen, count: model.get("count"), sent: sent === undefined };
        }"""
    )
    assert result["seen"] == [["count", 2, True], ["change"], ["change"]]
    assert result["count"] == 4 and result["sent"]
    assert messages == [] and page.console_errors == []


def test_without_javascript_the_page_shows_the_placeholder(browser, vignette_page_url) -> None:
    page = open_page(browser, javascript=False)
    try:
        page.goto(vignette_page_url)
        views = page.locator("[data-anywidget-view]")
        assert views.count() == 2
        for i, path in enumerate((BASIC, PAYLOAD)):
            v = load_vignette(path)
            view = views.nth(i)
            text = view.inner_text()
            assert view.locator(".av-title").inner_text() == v.title
            assert " ".join(v.client.background.split()) in " ".join(text.split())
            assert view.locator(".av-client-line").inner_text() == (
                f"{v.client.name}: {v.nodes[v.start].client}"
            )
            assert "This role-play needs JavaScript" in text
            assert view.locator("button:visible, details:visible, input:visible").count() == 0
    finally:
        page.context.close()


def test_print_shows_the_placeholder_not_dead_buttons(page, vignette_page_url: str) -> None:
    widgets = load(page, vignette_page_url)
    widgets.first.locator(".av-choice").first.click()
    page.emulate_media(media="print")
    views = page.locator("[data-anywidget-view]")
    for i in range(views.count()):
        view = views.nth(i)
        assert view.locator(".anywidget-live").is_hidden()
        assert view.locator(".av-static .av-title").is_visible()
        assert view.locator(".av-static-background").is_visible()
        assert "This role-play needs JavaScript" in view.inner_text()
        assert view.locator("button:visible, input:visible").count() == 0
    page.emulate_media(media="screen")
    assert widgets.first.locator(".av-choice").first.is_visible()


def _play(widget, path: list[int]) -> None:
    if widget.locator(".av-restart").is_enabled():
        widget.locator(".av-restart").click()
    for choice in path:
        widget.locator(".av-choice").nth(choice).click()


def test_reload_resumes_the_path_and_keeps_endings_found(page, vignette_page_url, basic) -> None:
    widgets = load(page, vignette_page_url)
    basic_widget, graded = widgets.nth(0), widgets.nth(1)
    endings = sum(node.is_ending for node in basic.nodes.values())
    assert basic_widget.locator(".av-progress").inner_text() == f"0 of {endings} endings found"
    _play(basic_widget, [2, 0])
    assert basic_widget.locator(".av-progress").inner_text() == f"1 of {endings} endings found"
    _play(basic_widget, [1, 1, 0])  # a second ending, then part of a third path
    _play(basic_widget, [0])
    graded.locator(".av-choice").first.click()
    page.reload()
    widgets = load(page, vignette_page_url)
    assert widgets.nth(0).locator(".av-code-input").first.input_value() == "fixture-basic:1"
    assert widgets.nth(0).locator(".av-progress").inner_text() == f"2 of {endings} endings found"
    assert meters(widgets.nth(0).locator(".av-feedback")) == replay(basic, [0]).final
    # A graded vignette never resumes from the browser: the answer is what the student plays.
    assert widgets.nth(1).locator(".av-code-input").input_value() == "fixture-payload:"
    record = page.evaluate("JSON.parse(localStorage.getItem('alliance-practice'))")
    assert record["vignettes"]["fixture-basic"]["path"] == [0]
    assert sorted(record["vignettes"]["fixture-basic"]["endings"]) == sorted(
        {replay(basic, [2, 0]).ending, replay(basic, [1, 1, 0]).ending}
    )
    assert "fixture-payload" not in record["vignettes"]
    assert page.console_errors == []


def _replay_box(widget):
    box = widget.locator(".av-replay")
    if not box.evaluate("d => d.open"):
        box.locator("summary").click()
    return box


def test_a_pasted_code_replays_the_conversation(page, vignette_page_url, basic) -> None:
    widget = load(page, vignette_page_url).first
    box = _replay_box(widget)
    box.locator("input").fill("  'fixture-basic:2-2-1' ")
    box.get_by_role("button", name="Replay").click()
    check_ending(widget, basic, [1, 1, 0])
    assert "Replayed fixture-basic:2-2-1" in box.locator(".av-replay-message").inner_text()
    box.locator("input").fill("fixture-basic:3")
    box.locator("input").press("Enter")  # Enter replays too
    assert widget.locator(".av-code-input").first.input_value() == "fixture-basic:3"
    assert page.console_errors == []


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("fixture-basic:2-7", "Step 2 asks for choice 7"),
        ("fixture-basic:3-1-1", "Step 3 goes past the end"),
        ("fixture-basic:1-x", "Step 2 of that code is \u201cx\u201d"),
        ("goals-different-agendas:1", "for the vignette \u201cgoals-different-agendas\u201d"),
        ("hello", "That is not a path code"),
    ],
)
def test_a_bad_code_says_what_is_wrong_and_changes_nothing(
    page, vignette_page_url, code: str, says: str
) -> None:
    widget = load(page, vignette_page_url).first
    widget.locator(".av-choice").first.click()
    box = _replay_box(widget)
    box.locator("input").fill(code)
    box.get_by_role("button", name="Replay").click()
    message = box.locator(".av-replay-message")
    assert says in message.inner_text()
    assert message.get_attribute("role") == "status"
    assert widget.locator(".av-code-input").first.input_value() == "fixture-basic:1"


def test_a_code_in_the_page_address_replays(page, vignette_page_url, basic) -> None:
    page.goto(vignette_page_url + "#fixture-basic:3-1")
    widget = page.locator(LIVE_VIGNETTE).first
    widget.locator(".av-ending").wait_for(timeout=30_000)
    check_ending(widget, basic, [2, 0])
    assert page.evaluate(f"document.querySelector('{LIVE_VIGNETTE}').getBoundingClientRect().top")
    assert widget.is_visible() and widget.locator(".av-replay").evaluate("d => d.open")
    page.evaluate("location.hash = 'fixture-basic:9'")  # a new address replays again
    message = widget.locator(".av-replay-message")
    handle = message.element_handle()
    page.wait_for_function("(el) => el.textContent.includes('Step 1')", arg=handle)
    assert "Step 1 asks for choice 9" in message.inner_text()
    assert widget.locator(".av-code-input").first.input_value() == "fixture-basic:3-1"
    assert page.console_errors == []


@pytest.mark.parametrize("kind", sorted(BROKEN_STORAGE))
def test_broken_storage_never_breaks_the_player(browser, vignette_page_url, basic, kind) -> None:
    """Corrupt, disabled or full storage: the player works as before and says so once."""
    page = open_page(browser, init_script=BROKEN_STORAGE[kind])
    try:
        widgets = load(page, vignette_page_url)
        notices = page.locator(".alliance-practice-notice")
        assert notices.count() == 1, kind
        assert "won\u2019t be saved" in notices.inner_text()
        _play(widgets.first, [1, 1, 0])
        check_ending(widgets.first, basic, [1, 1, 0])
        widgets.nth(1).locator(".av-choice").first.click()
        assert notices.count() == 1  # said once, not at every choice
        assert our_exceptions(page) == []
        uncaught = [e for e in page.console_errors if e.startswith("uncaught: ")]
        assert len(page.exceptions) == len(uncaught)  # every one was attributed
        if kind == "corrupt":  # disabled or full storage: the theme's own scripts throw
            assert page.console_errors == []
        if kind == "corrupt":  # an unreadable record is left as it was, not overwritten
            kept = page.evaluate("localStorage.getItem('alliance-practice')")
            assert kept == '{"version": 1, "vign'
    finally:
        page.context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_no_layout_shift_when_the_player_arrives(browser, vignette_page_url, width) -> None:
    """The server-rendered view reserves the player's space: content below does not jump."""
    page = open_page(browser, init_script=CLS_OBSERVER, viewport={"width": width, "height": 800})
    try:
        load(page, vignette_page_url)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)
        heights = page.evaluate(
            "[...document.querySelectorAll('[data-anywidget-view]')].map((v) =>"
            " [v.querySelector('.anywidget-live').offsetHeight,"
            "  v.querySelector('.anywidget-static').scrollHeight])"
        )
        assert all(live > 200 for live, _ in heights)
        assert layout_shift(page) <= 0.1, layout_shift(page)
    finally:
        page.context.close()


def test_the_static_view_is_as_tall_as_the_player(browser, vignette_page_url) -> None:
    """Measured directly: the server view (host blocked) and the player, for each vignette."""
    heights = {}
    for name, block in (("static", True), ("live", False)):
        page = open_page(browser)
        try:
            if block:
                page.route("**/host.js*", lambda route: route.abort())
            page.goto(vignette_page_url)
            if not block:
                page.wait_for_selector(f"{LIVE_VIGNETTE} .av-choice")
            heights[name] = page.evaluate(
                "[...document.querySelectorAll('[data-anywidget-view]')]"
                ".map((v) => v.getBoundingClientRect().height)"
            )
        finally:
            page.context.close()
    assert len(heights["live"]) == 2
    for static, live in zip(heights["static"], heights["live"], strict=True):
        assert abs(static - live) <= 2, heights


def test_the_server_view_shows_payloads_as_text(vignette_page_url) -> None:
    import urllib.request

    html = urllib.request.urlopen(vignette_page_url).read().decode()
    static = re.findall(r'<div class="anywidget-static">(.*?)</section></div>', html, re.S)
    assert len(static) == 2
    v = load_vignette(PAYLOAD)
    assert "<script" not in static[1] and "<img" not in static[1]
    assert "&lt;" in static[1]  # the payload's angle brackets, escaped
    assert v.id in static[1]
