"""Generate the student versions of assignments (``nbgrader generate_assignment``).

Why wrap it: the Python API ignores ``nbgrader_config.py`` and never raises; this loads the
course config, stops on the first failure with nbgrader's own log, and checks the release for
leaks (solution or hidden-test text) before anyone distributes it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from alliance.course.config import Course, CourseError

LEAK_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


def release(course: Course, assignments: list[str], out: TextIO = sys.stdout) -> list[Path]:
    """Release each assignment; returns the release folders."""
    api = course.api()
    available = course.assignments_in_source()
    folders: list[Path] = []
    for name in assignments:
        if name not in available:
            raise CourseError(
                f"{course.folder('source') / name}: no such assignment "
                f"(available: {', '.join(available) or 'none'})"
            )
        result = api.generate_assignment(name, force=True, create=True)
        if not result.get("success"):
            raise CourseError(
                f"releasing {name} failed:\n{result.get('log', '')}\n{result.get('error', '')}"
            )
        folder = course.folder("release") / name
        for nb in sorted(folder.glob("*.ipynb")):
            text = nb.read_text(encoding="utf-8").upper()
            leaks = [m for m in LEAK_MARKERS if m in text]
            if leaks:
                raise CourseError(f"{nb}: the release still contains {', '.join(leaks)}")
        n = len(list(folder.glob("*.ipynb")))
        print(f"released {name}: {n} notebook(s) in {folder}", file=out)
        folders.append(folder)
    return folders
