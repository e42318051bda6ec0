"""Shared fixtures: the book built for real, served on 127.0.0.1, and a real headless Chromium.

Why session-scoped: building the book executes every chapter, so it is done once per test run and
every browser test reads the same build. Set ``ALLIANCE_BOOK_OUT`` to a folder to keep the build
(and its execution cache) between runs while developing; by default it goes to a fresh temp dir.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from alliance.book.build import build_book

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("ALLIANCE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# nbgrader runs the `alembic` executable and tools call `nbgrader`: the venv's bin must be on PATH
# even when pytest is started as `.venv/bin/python -m pytest` (design.md §3).
os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# The live vignette player (the server-rendered view of the same vignette carries .av-static).
LIVE_VIGNETTE = ".alliance-vignette:not(.av-static)"
# Ways a reader's storage can fail, each an init script that runs before the page's own scripts.
BROKEN_STORAGE = {
    "corrupt": "try { localStorage.setItem('alliance-practice', '{\"version\": 1, \"vign'); }"
    " catch (e) {}",
    "disabled": "Object.defineProperty(window, 'localStorage', {configurable: true, get() {"
    " throw new DOMException('The operation is insecure.', 'SecurityError'); }});",
    "full": "Storage.prototype.setItem = function () {"
    " throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); };",
}
# The book's own scripts: an error whose stack names one of them is ours.
OUR_SCRIPTS = ("practice.js", "practice-page.js", "review.js", "alliance.js", "host.js", "Widget-")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


@pytest.fixture(scope="session")
def built_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole book, built for real; returns the folder of its HTML."""
    out = Path(os.environ.get("ALLIANCE_BOOK_OUT") or tmp_path_factory.mktemp("book"))
    result = build_book(ROOT, out)
    if result.returncode != 0:
        pytest.fail(
            f"the book failed to build (exit {result.returncode}):\n"
            + (result.stdout[-6000:] + "\n" + result.stderr[-6000:])
        )
    html = out / "_build" / "html"
    assert (html / "intro.html").is_file(), "build succeeded but produced no intro.html"
    return html


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass


def serve_folder(folder: Path) -> tuple[str, Callable[[], None]]:
    """Serve ``folder`` on 127.0.0.1 on a free port; returns the base URL and a stop function."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return f"http://127.0.0.1:{server.server_address[1]}/", stop


@pytest.fixture(scope="session")
def book_url(built_book: Path) -> Iterator[str]:
    url, stop = serve_folder(built_book)
    yield url
    stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `bash scripts/ensure-system-deps` (make test does)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _is_local(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in {"data", "blob", "about", "chrome-error"}:
        return True
    return parsed.hostname in LOCAL_HOSTS or f"[{parsed.hostname}]" in LOCAL_HOSTS


def _exception(event: dict) -> tuple[str, list[str]]:
    details = event["exceptionDetails"]
    frames = (details.get("stackTrace") or {}).get("callFrames", [])
    urls = [details.get("url", "")] + [frame.get("url", "") for frame in frames]
    text = (details.get("exception") or {}).get("description") or details.get("text", "")
    return text, [u for u in urls if u]


def our_exceptions(page) -> list[tuple[str, list[str]]]:
    """Uncaught exceptions thrown by the book's own scripts (not the theme's)."""
    return [e for e in page.exceptions if any(n in u for u in e[1] for n in OUR_SCRIPTS)]


def open_page(
    browser,
    color_scheme: str = "light",
    *,
    javascript: bool = True,
    init_script: str = "",
    viewport: dict | None = None,
):
    """A new page that records console errors, page errors, requests, failed and non-local ones.

    ``init_script`` runs before each document's own scripts (to break storage, measure shifts…).
    """
    context = browser.new_context(
        color_scheme=color_scheme,
        viewport=viewport or {"width": 1280, "height": 900},
        java_script_enabled=javascript,
    )
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    page.console_errors = []
    page.requests = []
    page.external_requests = []
    page.failed_requests = []
    page.exceptions = []  # (message, urls of the scripts on its stack), from the DevTools protocol
    page.on("request", lambda req: page.requests.append(req.url))
    if javascript:
        cdp = context.new_cdp_session(page)
        cdp.on("Runtime.exceptionThrown", lambda event: page.exceptions.append(_exception(event)))
        cdp.send("Runtime.enable")
    page.on(
        "console",
        lambda msg: (
            page.console_errors.append(f"{msg.text} @ {msg.location}")
            if msg.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda exc: page.console_errors.append(f"uncaught: {exc}"))
    page.on(
        "request",
        lambda req: None if _is_local(req.url) else page.external_requests.append(req.url),
    )
    page.on("requestfailed", lambda req: page.failed_requests.append(req.url))
    page.on(
        "response",
        lambda resp: (
            page.failed_requests.append(f"{resp.status} {resp.url}") if resp.status >= 400 else None
        ),
    )
    return page


@pytest.fixture
def page(browser) -> Iterator[object]:
    page = open_page(browser)
    yield page
    page.context.close()


def run_axe(page) -> list[dict]:
    """axe-core's WCAG 2 A/AA violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    return results.response["violations"]


@pytest.fixture
def axe_violations() -> Callable[[object], list[dict]]:
    return run_axe


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = [", ".join(node["target"]) for node in v["nodes"][:4]]
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} -> {targets}")
    return "\n".join(lines)


def copy_book_skeleton(dest: Path) -> None:
    """Copy what a minimal book needs (config, bibliography, favicon) into ``dest``."""
    for name in ("_config.yml", "references.bib"):
        shutil.copy(ROOT / name, dest / name)
    shutil.copytree(ROOT / "_vendor", dest / "_vendor")


WIDGET_MANAGER = re.compile(
    r"require(\.min)?\.js|embed-amd|html-manager|/widgets/[^?]*\.(woff2?|ttf|eot|svg)"
)


def widget_machinery_requests(urls: list[str]) -> list[str]:
    """Requests for a widget manager (RequireJS, the ipywidgets html-manager) or its fonts."""
    return [u for u in urls if WIDGET_MANAGER.search(u)]


def layout_shift(page) -> float:
    """The page's cumulative layout shift so far (needs CLS_OBSERVER as an init script)."""
    return page.evaluate("window.__cls")
