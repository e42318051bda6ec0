"""Benchmark: cold build vs no-change rebuild of the whole book.

Prints wall times and their ratio. Cold means a fresh output folder, so every chapter is executed
and every page written; the rebuild runs the same command again on the unchanged sources, using the
execution cache (``execute_notebooks: cache``) and Sphinx's incremental build.

    .venv/bin/python benchmarks/book_build.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from alliance.book.build import build_book

ROOT = Path(__file__).resolve().parents[1]


def build(out: Path) -> float:
    start = time.perf_counter()
    result = build_book(ROOT, out)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="cold/rebuild pairs to time")
    args = parser.parse_args()
    cold, warm = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            cold.append(build(Path(tmp)))
            warm.append(build(Path(tmp)))
    pages = len(list((ROOT / "chapters").glob("*.md")))
    print(f"book build benchmark ({args.runs} run(s), {pages} chapters, {os.cpu_count()} cores)")
    print(f"  cold build          {statistics.median(cold):7.1f} s")
    print(f"  no-change rebuild   {statistics.median(warm):7.1f} s")
    print(f"  rebuild / cold      {statistics.median(warm) / statistics.median(cold):7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
