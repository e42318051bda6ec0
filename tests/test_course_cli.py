"""``alliance course`` command line: help on every subcommand, release, clear errors."""

from __future__ import annotations

import shutil

import pytest
from course_helpers import FIXTURE, NBGRADER, run_alliance

SUBCOMMANDS = [
    "release",
    "collect",
    "autograde",
    "feedback",
    "export",
    "report",
    "written export",
    "written import",
    "written view",
]


@pytest.mark.parametrize("sub", SUBCOMMANDS)
def test_help(sub):
    done = run_alliance(*sub.split(), "--help")
    assert done.stdout.startswith("usage: alliance course " + sub)
    assert "--course-dir" in done.stdout


def test_written_needs_an_action():
    done = run_alliance("written", check=False)
    assert done.returncode == 2 and "ACTION" in done.stderr


def test_due_date_errors_are_one_line(tmp_path):
    shutil.copytree(FIXTURE, tmp_path, dirs_exist_ok=True)
    root = tmp_path / "autograder"
    done = run_alliance(
        "release", "demo", "--due", "next friday-ish", "--course-dir", str(root), check=False
    )
    assert done.returncode == 2 and "--due: 'next friday-ish' is not a date" in done.stderr
    assert "Traceback" not in done.stderr
    done = run_alliance(
        "release", "--all", "--due", "2026-03-06 17:00 UTC", "--course-dir", str(root), check=False
    )
    assert done.returncode == 2 and "--due applies to one assignment" in done.stderr


def test_release_all_and_leak_check(tmp_path):
    shutil.copytree(FIXTURE, tmp_path, dirs_exist_ok=True)
    root = tmp_path / "autograder"
    done = run_alliance("release", "--all", "--course-dir", str(root))
    assert "released demo: 1 notebook(s)" in done.stdout
    text = (root / "release" / "demo" / "demo.ipynb").read_text()
    assert "SECRET-HIDDEN-ASSERT" not in text and "BEGIN SOLUTION" not in text
    assert (root / "gradebook.db").is_file()
    # plain nbgrader sees the same course from the course root
    import subprocess

    listed = subprocess.run(
        [NBGRADER, "db", "assignment", "list"], cwd=root, capture_output=True, text=True
    )
    assert "demo" in listed.stdout + listed.stderr


def test_errors_are_one_line(tmp_path):
    done = run_alliance("release", "nope", "--course-dir", str(tmp_path), check=False)
    assert done.returncode == 2
    assert f"{tmp_path}: no nbgrader_config.py here" in done.stderr
    assert "Traceback" not in done.stderr
    shutil.copytree(FIXTURE, tmp_path / "c")
    done = run_alliance(
        "release", "ps9", "--course-dir", str(tmp_path / "c" / "autograder"), check=False
    )
    assert done.returncode == 2 and "ps9: no such assignment (available: demo)" in done.stderr
    done = run_alliance(
        "autograde", "demo", "--course-dir", str(tmp_path / "c" / "autograder"), check=False
    )
    assert done.returncode == 2 and "release demo" in done.stderr
