"""Benchmark: how heavy a vignette page is, and how soon a reader can make the first choice.

Builds the book twice in one run: as it is now, and as it was before the book had its own widget
host (``--baseline``, default the last commit that loaded the ipywidgets html-manager through
RequireJS), each with one extra page that shows the fixture vignette at the top. Serves each on
127.0.0.1 and loads pages in headless Chromium, cold (a fresh browser context, cache disabled):

- transfer: the sum of response bodies, and the widget machinery among them (everything under
  ``_static/widgets/``, plus ``practice.js``): the host, the widget's module and stylesheet today;
  RequireJS, the html-manager and its fonts before;
- first choice clickable: navigation start until the first choice button of the live player is
  visible, enabled and stable (seen from inside the page, frame by frame, then confirmed with
  Playwright's actionability check), median of ``--runs`` loads on
  localhost, and of ``--throttled-runs`` loads under Chromium's network throttling (CDP
  ``Network.emulateNetworkConditions``: 1.6 Mbps down and up, 150 ms latency);
- layout shift: Chromium's cumulative layout shift (largest session window of ``layout-shift``
  entries without recent input) once the page has settled, worst of the localhost loads.

The machine is shared, so both builds are measured in the same run and the ratio is printed; the
load average is printed with the figures. Targets (issue 11) are checked on the new build.

    python benchmarks/vignette_page.py [--runs 5] [--throttled-runs 5] [--baseline REV]
                                       [--pages bench/play.html chapters/02-empathy.html ...]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import io
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from alliance.book.build import build_book
from alliance.book.pagemetrics import CLS_OBSERVER, clickable_probe

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "8c6e5e4cadf15c79337f197ebfe0398564fdba0f"  # html-manager + RequireJS, fontawesome.js
FIXTURE = "tests/fixtures/vignettes/fixture-basic.yaml"
PAGES = ["bench/play.html", "chapters/02-empathy.html", "chapters/08-repairing-ruptures.html"]
THROTTLED_PAGES = ["bench/play.html", "chapters/02-empathy.html"]
CHOICE = ".alliance-vignette:not(.av-static) .av-choice"  # the live player, in either build
THROTTLE = {
    "offline": False,
    "latency": 150,  # ms
    "downloadThroughput": 200_000,  # bytes/s: 1.6 Mbps
    "uploadThroughput": 200_000,
}
TARGETS = {
    "machinery": 60_000,
    "transfer": 1_500_000,
    "clickable": 400,
    "throttled": 4_000,
    "cls": 0.1,
}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PLAY = f"""\
---
jupytext:
  text_representation: {{extension: .md, format_name: myst, format_version: 0.13}}
kernelspec: {{display_name: Python 3, language: python, name: python3}}
---

# Vignette benchmark

```{{code-cell}} ipython3
from alliance.vignettes import VignetteWidget
VignetteWidget("../{FIXTURE}")
```

Text after the vignette, so that a late player would push it down.
"""


@dataclass
class Figures:
    transfer: list[int] = field(default_factory=list)
    machinery: list[int] = field(default_factory=list)
    requests: list[int] = field(default_factory=list)
    clickable: list[float] = field(default_factory=list)
    throttled: list[float] = field(default_factory=list)
    cls: list[float] = field(default_factory=list)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


# --------------------------------------------------------------------------------------------
# The two books
# --------------------------------------------------------------------------------------------


def _copy_worktree(dest: Path) -> None:
    """The working tree as it is (committed or not), without ignored files."""
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    for name in filter(None, (f.decode() for f in files)):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


def _export_revision(rev: str, dest: Path) -> None:
    archive = subprocess.run(
        ["git", "archive", "--format=tar", rev], cwd=ROOT, check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")


def _add_play_page(tree: Path) -> None:
    (tree / "bench").mkdir(exist_ok=True)
    (tree / "bench" / "play.md").write_text(PLAY, encoding="utf-8")
    toc = yaml.safe_load((tree / "_toc.yml").read_text(encoding="utf-8"))
    toc["parts"].append({"caption": "Benchmark", "chapters": [{"file": "bench/play"}]})
    (tree / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")


def build(tree: Path, out: Path) -> Path:
    """Build ``tree`` with its own ``alliance`` package (PYTHONPATH), as ``make book`` does."""
    _add_play_page(tree)
    result = build_book(tree, out, env={"PYTHONPATH": str(tree / "src")})
    if result.returncode != 0:
        sys.exit(f"building {tree} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return out / "_build" / "html"


def serve(folder: Path) -> tuple[str, http.server.ThreadingHTTPServer]:
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server


# --------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------


def _is_machinery(url: str) -> bool:
    path = url.split("?", 1)[0]
    return "/_static/widgets/" in path or path.endswith("/_static/practice.js")


def load_once(browser, url: str, throttled: bool) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(CLS_OBSERVER + clickable_probe(CHOICE))
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    if throttled:
        cdp.send("Network.emulateNetworkConditions", THROTTLE)
    finished: list = []
    page.on("requestfinished", lambda request: finished.append(request))
    try:
        page.goto(url, wait_until="commit", timeout=180_000)
        page.locator(CHOICE).first.click(trial=True, timeout=180_000)  # it really is clickable
        page.wait_for_function("window.__clickable !== null", timeout=10_000)
        clickable = page.evaluate("window.__clickable")
        page.wait_for_load_state("networkidle", timeout=180_000)
        page.wait_for_timeout(500)
        cls = page.evaluate("window.__cls")
        sizes = {r.url: r.sizes()["responseBodySize"] for r in finished}
    finally:
        context.close()
    return {
        "clickable": clickable,
        "cls": cls,
        "transfer": sum(sizes.values()),
        "machinery": sum(n for u, n in sizes.items() if _is_machinery(u)),
        "requests": len(sizes),
    }


def measure(browser, url: str, runs: int, throttled_runs: int) -> Figures:
    figures = Figures()
    for _ in range(runs):
        one = load_once(browser, url, throttled=False)
        figures.clickable.append(one["clickable"])
        figures.cls.append(one["cls"])
        figures.transfer.append(one["transfer"])
        figures.machinery.append(one["machinery"])
        figures.requests.append(one["requests"])
    for _ in range(throttled_runs):
        figures.throttled.append(load_once(browser, url, throttled=True)["clickable"])
    return figures


# --------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _summary(f: Figures) -> dict[str, float | None]:
    return {
        "transfer": max(f.transfer),
        "requests": max(f.requests),
        "machinery": max(f.machinery),
        "clickable": _median(f.clickable),
        "throttled": _median(f.throttled),
        "cls": max(f.cls),
    }


def _fmt(key: str, value: float | None) -> str:
    if value is None:
        return "-"
    if key in ("transfer", "machinery"):
        return f"{value / 1000:,.0f} kB"
    if key == "clickable":
        return f"{value:,.0f} ms"
    if key == "throttled":
        return f"{value / 1000:,.1f} s"
    if key == "cls":
        return f"{value:.3f}"
    return f"{value:.0f}"


def report(page: str, before: Figures, after: Figures) -> list[str]:
    b, a = _summary(before), _summary(after)
    failures = []
    print(f"\n{page}")
    print(f"  {'':12} {'before':>12} {'after':>12} {'after/before':>13}  target")
    for key, label in (
        ("transfer", "transfer"),
        ("requests", "requests"),
        ("machinery", "machinery"),
        ("clickable", "clickable"),
        ("throttled", "throttled"),
        ("cls", "layout shift"),
    ):
        ratio = f"{a[key] / b[key]:.2f}x" if a[key] is not None and b[key] else "-"
        target = TARGETS.get(key)
        verdict = ""
        if target is not None and a[key] is not None:
            ok = a[key] <= target
            verdict = f"<= {_fmt(key, target)} {'met' if ok else 'MISSED'}"
            if not ok:
                failures.append(f"{page}: {label} {_fmt(key, a[key])} > {_fmt(key, target)}")
        row = f"{_fmt(key, b[key]):>12} {_fmt(key, a[key]):>12} {ratio:>13}"
        print(f"  {label:12} {row}  {verdict}")
    spread = (
        f"  clickable, every load (ms): before {[round(x) for x in before.clickable]}, "
        f"after {[round(x) for x in after.clickable]}"
    )
    print(spread)
    if after.throttled:
        print(
            f"  throttled, every load (s): before {[round(x / 1000, 1) for x in before.throttled]},"
            f" after {[round(x / 1000, 1) for x in after.throttled]}"
        )
    return failures


def conditions() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"load average {load} on {os.cpu_count()} CPUs"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="cold loads per page on localhost")
    parser.add_argument("--throttled-runs", type=int, default=5, help="cold loads, throttled")
    parser.add_argument("--baseline", default=BASELINE, help="git revision to compare with")
    parser.add_argument("--pages", nargs="+", default=PAGES)
    parser.add_argument("--throttled-pages", nargs="+", default=THROTTLED_PAGES)
    parser.add_argument(
        "--workdir", type=Path, help="build here and reuse the builds found there (development)"
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"before: {args.baseline[:12]} (git archive); after: the working tree")
    print(f"conditions at start: {conditions()}")
    started = time.monotonic()
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="vignette-bench-") as tmp:
        tmp_path = args.workdir or Path(tmp)
        html = {}
        for name, fill in (
            ("before", functools.partial(_export_revision, args.baseline)),
            ("after", _copy_worktree),
        ):
            tree, out = tmp_path / name, tmp_path / f"{name}-out"
            if (out / "_build" / "html" / "bench" / "play.html").is_file():
                html[name] = out / "_build" / "html"
                continue
            shutil.rmtree(tree, ignore_errors=True)
            tree.mkdir(parents=True)
            fill(tree)
            html[name] = build(tree, out)
        print(f"built both books in {time.monotonic() - started:.0f} s")
        servers = {name: serve(folder) for name, folder in html.items()}
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
                )
                for page in args.pages:
                    throttled = args.throttled_runs if page in args.throttled_pages else 0
                    figures = {
                        name: measure(browser, servers[name][0] + page, args.runs, throttled)
                        for name in ("before", "after")
                    }
                    failures += report(page, figures["before"], figures["after"])
                browser.close()
        finally:
            for _, server in servers.values():
                server.shutdown()
                server.server_close()
    print(f"\nconditions at end: {conditions()}; {time.monotonic() - started:.0f} s in all")
    if failures:
        print("targets missed:\n  " + "\n  ".join(failures))
    else:
        print("every target met on the new build")
    return 0


if __name__ == "__main__":
    sys.exit(main())
