"""Benchmark: plain ``nbgrader autograde`` versus ``alliance course autograde --jobs 2``.

Generates a class of synthetic submissions (correct, partial, wrong and broken mixed) of the
fixture assignment, grades identical copies of it in two temporary courses — once with plain
nbgrader, once with the parallel sandboxed grader — checks that every student's score is the
same, and prints both wall times, their ratio, and seconds per submission with the share spent
starting kernels. Not a test: run ``python benchmarks/autograde_class.py [--students N]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from course_helpers import NBGRADER, make_course, release_nb, solved, submit, with_code  # noqa: E402

from alliance.course.config import ensure_venv_on_path, load_course  # noqa: E402
from alliance.course.gradebook import class_scores  # noqa: E402

KINDS = ["correct", "partial", "wrong", "broken"]


def synthetic_class(root: Path, n: int) -> dict[str, str]:
    good = solved(root)
    variants = {
        "correct": good,
        "partial": with_code(good, "tally", "def tally(codes):\n    return {}"),
        "wrong": release_nb(root),
        "broken": with_code(good, "ratio", "def reflection_ratio(r, q)\n    return r / q"),
    }
    kinds = {}
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        student = f"s{i:04d}"
        submit(root, student, variants[kind])
        kinds[student] = kind
    return kinds


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    ensure_venv_on_path()
    tmp = Path(tempfile.mkdtemp(prefix="alliance-bench-"))
    try:
        plain_root = make_course(tmp / "plain")
        kinds = synthetic_class(plain_root, args.students)
        ours_root = make_course(tmp / "ours")
        synthetic_class(ours_root, args.students)
        print(
            f"{args.students} submissions: "
            + ", ".join(f"{sum(1 for k in kinds.values() if k == kind)} {kind}" for kind in KINDS)
        )

        t = time.perf_counter()
        subprocess.run(
            [NBGRADER, "autograde", "demo"],
            cwd=plain_root,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        plain = time.perf_counter() - t

        t = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "alliance.cli",
                "course",
                "autograde",
                "demo",
                "--jobs",
                str(args.jobs),
                "--quiet",
                "--course-dir",
                str(ours_root),
            ],
            check=False,
            stdout=subprocess.DEVNULL,
        )
        ours = time.perf_counter() - t

        a = {s: v.score for s, v in class_scores(load_course(plain_root), "demo").items()}
        b = {s: v.score for s, v in class_scores(load_course(ours_root), "demo").items()}
        same = a == b and len(a) == args.students
        import json

        timing = json.loads((ours_root / "reports" / "demo" / "autograde.json").read_text())
        share_ours = timing["timing"]["kernel_wait_share"]
        kstart = kernel_start_seconds()
        n = args.students
        print(f"scores identical for all {n} students: {same}")
        if not same:
            diff = sorted(s for s in set(a) | set(b) if a.get(s) != b.get(s))
            print("differences:", [(s, a.get(s), b.get(s)) for s in diff[:10]])
        print(
            f"plain nbgrader autograde : {plain:7.1f} s  ({plain / n:.3f} s per submission; "
            f"kernel start ~{kstart:.2f} s each = ~{100 * kstart * n / plain:.0f}% of it)"
        )
        print(
            f"alliance course autograde: {ours:7.1f} s  ({ours / n:.3f} s per submission; "
            f"{100 * share_ours:.0f}% of worker time waiting for kernels), --jobs {args.jobs}"
        )
        print(
            f"speed-up: {plain / ours:.2f}x (target >= 1.8x on 2 cores); cpu count {os.cpu_count()}"
        )
        return 0 if same else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
