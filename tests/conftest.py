"""Shared fixtures: the book built for real, served on 127.0.0.1, and a real headless Chromium.

Why session-scoped: building the book executes every chapter, so it is done once per test run and
every browser test reads the same build. Set ``ALLIANCE_BOOK_OUT`` to a folder to keep the build
(and its execution cache) between runs while developing; by default it goes to a fresh temp dir.
"""

from __future__ import annotations

import functools
import http.server
import os
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


def open_page(browser, color_scheme: str = "light"):
    """A new page that records console errors, page errors, failed and non-local requests."""
    context = browser.new_context(
        color_scheme=color_scheme, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.console_errors = []
    page.external_requests = []
    page.failed_requests = []
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
    """Copy what a minimal book needs (config, bibliography, vendored widget JS) into ``dest``."""
    for name in ("_config.yml", "references.bib"):
        shutil.copy(ROOT / name, dest / name)
    shutil.copytree(ROOT / "_vendor", dest / "_vendor")
