"""Benchmark: plain ``nbgrader autograde`` versus ``alliance course autograde`` on real ps1.

For each class size (32 and 200 by default, in the same run), identical copies of a synthetic
class of ps1 submissions — model answers, blank, partly right, and broken (a syntax error) — are
graded twice in temporary courses: once by plain nbgrader, once by the parallel sandboxed grader.
Every student's score must be the same. Printed per class: both wall times and their ratio, the
cost per submission and where it goes in our workers (sandbox set-up, kernel start, waiting for
the kernel, running the cells, the rest), and how close the run comes to its limit: the students'
own code time (running the cells) spread over the cores.

Not a test (no timed assertions on a loaded machine): run
``python benchmarks/autograde_class.py [--students 32 200] [--jobs 2]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from course_helpers import NBGRADER, run_alliance  # noqa: E402
from nbgrader_harness import fill_answers, make_temp_course, solutions_of  # noqa: E402

from alliance.course.config import ensure_venv_on_path, load_course  # noqa: E402
from alliance.grading.gradebook import class_scores  # noqa: E402

PS = "ps1"
KINDS = ["model", "blank", "partial", "broken"]


def variants(course) -> dict:
    import nbformat

    release = course.release_notebook(PS)
    solutions = solutions_of(course.source_notebook(PS))
    partial = dict(solutions)
    partial["ps1-b-functions"] = solutions["ps1-b-functions"].replace(
        "return reflections / questions", "return reflections / (questions or 1)"
    )
    broken = dict(solutions)
    broken["ps1-a-labels"] = "response_types = {1: 'simple-reflection',"
    return {
        "model": fill_answers(release, solutions),
        "blank": nbformat.read(release, as_version=4),
        "partial": fill_answers(release, partial),
        "broken": fill_answers(release, broken),
    }


def make_class(root: Path, n: int) -> tuple:
    course = make_temp_course(root, [PS])
    course.generate_assignment(PS)
    nbs = variants(course)
    kinds = {}
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        course.submit(f"s{i:04d}", PS, nbs[kind])
        kinds[f"s{i:04d}"] = kind
    return course, kinds


def kernel_start_seconds(samples: int = 5) -> float:
    """Mean time to start a plain kernel and get its first reply (what nbgrader pays per nb)."""
    from jupyter_client.manager import start_new_kernel

    total = 0.0
    for _ in range(samples):
        t = time.perf_counter()
        km, kc = start_new_kernel(kernel_name="python3")
        total += time.perf_counter() - t
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return total / samples


def scores(root: Path) -> dict[str, float]:
    return {s: v.score for s, v in class_scores(load_course(root), PS).items()}


def one_size(n: int, jobs: int, tmp: Path) -> dict:
    plain, kinds = make_class(tmp / f"plain-{n}", n)
    ours, _ = make_class(tmp / f"ours-{n}", n)
    t = time.perf_counter()
    subprocess.run(
        [NBGRADER, "autograde", PS],
        cwd=plain.root,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    plain_s = time.perf_counter() - t
    t = time.perf_counter()
    run_alliance(
        "autograde",
        PS,
        "--jobs",
        str(jobs),
        "--quiet",
        "--course-dir",
        str(ours.root),
        check=False,
        timeout=7200,
    )
    ours_s = time.perf_counter() - t
    a, b = scores(plain.root), scores(ours.root)
    timing = json.loads((ours.root / "reports" / PS / "autograde.json").read_text())["timing"]
    return {
        "n": n,
        "kinds": {k: sum(1 for v in kinds.values() if v == k) for k in KINDS},
        "plain_s": plain_s,
        "ours_s": ours_s,
        "same": a == b and len(a) == n,
        "diff": sorted((s, a.get(s), b.get(s)) for s in set(a) | set(b) if a.get(s) != b.get(s)),
        "timing": timing,
    }


def report(r: dict, jobs: int, kstart: float) -> None:
    n, t = r["n"], r["timing"]
    mean = t["mean_s"]
    cores = os.cpu_count() or 1
    own = sum(s["execute_s"] for s in t["students"].values())
    limit = own / cores
    other = mean["total_s"] - mean["kernel_wait_s"] - mean["execute_s"]
    print(f"\n== {n} submissions of ps1 ({', '.join(f'{v} {k}' for k, v in r['kinds'].items())})")
    print(f"scores identical for all {n} students: {r['same']}")
    if not r["same"]:
        print("  differences (student, plain, ours):", r["diff"][:10])
    print(
        f"plain nbgrader autograde : {r['plain_s']:7.1f} s  ({r['plain_s'] / n:.3f} s per "
        f"submission; a kernel start alone is ~{kstart:.2f} s)"
    )
    print(
        f"alliance course autograde: {r['ours_s']:7.1f} s  ({r['ours_s'] / n:.3f} s per "
        f"submission, --jobs {jobs}, sandboxed)"
    )
    print(f"speed-up: {r['plain_s'] / r['ours_s']:.2f}x")
    print(
        "per submission in a worker (mean s): "
        f"total {mean['total_s']:.3f} = waiting for its kernel {mean['kernel_wait_s']:.3f} "
        f"+ running the cells {mean['execute_s']:.3f} + nbgrader's own work {other:.3f}; "
        f"sandbox set-up {mean['sandbox_setup_s']:.3f} and kernel start "
        f"{mean['kernel_start_s']:.3f} happen while the previous student runs"
    )
    print(
        f"limit: the students' own code took {own:.1f} s in all, {limit:.1f} s over {cores} "
        f"cores; this run took {r['ours_s'] / max(limit, 1e-9):.1f}x that"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="+", default=[32, 200])
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    ensure_venv_on_path()
    tmp = Path(tempfile.mkdtemp(prefix="alliance-bench-"))
    try:
        with open("/proc/loadavg") as fh:
            load = fh.read().split()[:3]
        print(
            f"machine: {os.cpu_count()} cores, load average {' '.join(load)} at the start "
            "(other work shares the machine: compare ratios measured in the same run)"
        )
        kstart = kernel_start_seconds()
        results = [one_size(n, args.jobs, tmp) for n in args.students]
        for r in results:
            report(r, args.jobs, kstart)
        return 0 if all(r["same"] for r in results) else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
