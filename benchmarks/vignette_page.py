"""Benchmark: how heavy a vignette page is, and how soon a reader can make the first choice.

Builds a one-page book (the course's real config and vendored widget JavaScript) that shows the
fixture vignette, serves it on 127.0.0.1, and loads it in headless Chromium with a cold cache
several times. Prints the page's transfer size (sum of response bodies) and the median time from
navigation start until the first choice button is visible, enabled and stable (Playwright's
actionability check). ``--url`` measures an already served page instead (e.g. a chapter).

    python benchmarks/vignette_page.py [--runs 5] [--url http://127.0.0.1:8000/chapters/...html]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FIXTURE = ROOT / "tests" / "fixtures" / "vignettes" / "fixture-basic.yaml"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PAGE = f"""\
---
jupytext:
  text_representation: {{extension: .md, format_name: myst, format_version: 0.13}}
kernelspec: {{display_name: Python 3, language: python, name: python3}}
---

# Vignette benchmark

```{{code-cell}} ipython3
from alliance.vignettes import VignetteWidget
VignetteWidget({str(FIXTURE)!r})
```
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def build(tmp: Path) -> Path:
    src, out = tmp / "src", tmp / "out"
    src.mkdir()
    for name in ("_config.yml", "references.bib"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "_vendor", src / "_vendor")
    (src / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n  - file: play\n")
    (src / "index.md").write_text("# Benchmark\n")
    (src / "play.md").write_text(PAGE)
    subprocess.run(
        [str(BIN / "jupyter-book"), "build", str(src), "--path-output", str(out), "-W", "-n"],
        check=True,
        capture_output=True,
    )
    return out / "_build" / "html"


def measure(url: str, runs: int, top: int = 0) -> tuple[int, list[float], int]:
    from playwright.sync_api import sync_playwright

    times: list[float] = []
    sizes: list[int] = []
    requests: list[int] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for _ in range(runs):
            context = browser.new_context()  # fresh context: cold cache every run
            page = context.new_page()
            finished: list = []
            page.on("requestfinished", lambda request, sink=finished: sink.append(request))
            page.goto(url)
            page.locator(".alliance-vignette .av-choice").first.click(trial=True, timeout=60_000)
            times.append(page.evaluate("performance.now()"))
            page.wait_for_load_state("networkidle")
            by_url = {r.url: r.sizes()["responseBodySize"] for r in finished}
            sizes.append(sum(by_url.values()))
            if top and len(sizes) == 1:
                for u, n in sorted(by_url.items(), key=lambda kv: -kv[1])[:top]:
                    print(f"  {n / 1024:8.0f} KiB  {u.split('/', 3)[-1]}")
            requests.append(len(finished))
            context.close()
        browser.close()
    return max(sizes), times, max(requests)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--url", help="measure this page instead of building the test page")
    parser.add_argument("--top", type=int, default=0, help="list the N largest responses")
    args = parser.parse_args()
    if args.url:
        size, times, count = measure(args.url, args.runs, args.top)
    else:
        with tempfile.TemporaryDirectory(prefix="vignette-bench-") as tmp:
            html = build(Path(tmp))
            handler = functools.partial(_Quiet, directory=str(html))
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            try:
                url = f"http://127.0.0.1:{server.server_address[1]}/play.html"
                size, times, count = measure(url, args.runs, args.top)
            finally:
                server.shutdown()
                server.server_close()
    print(f"vignette page transfer size: {size / 1024:.0f} KiB in {count} responses")
    print(
        f"navigation -> first choice clickable: median {statistics.median(times):.0f} ms "
        f"over {len(times)} cold loads (min {min(times):.0f}, max {max(times):.0f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
