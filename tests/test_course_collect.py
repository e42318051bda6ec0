"""``alliance course collect``: Canvas-style zips and per-student folders into submitted/."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from course_helpers import ASSIGNMENT, make_course, release_nb, run_alliance

from alliance.course.collect import read_bounded

ROSTER = """student_id,lms_id,first_name,last_name,email,section,sis_user_id,sis_login_id
ada,1001,Ada,Lovelace,ada@example.org,A,S1,ada
bo,1002,Bo,Chen,bo@example.org,A,S2,bo
cy,1003,Cy,Okafor,cy@example.org,B,S3,cy
di,1004,Di,Silva,di@example.org,B,S4,di
"""


def new_course(tmp_path_factory, name: str) -> tuple[Path, Path]:
    """A released demo course and the roster beside it."""
    tmp = tmp_path_factory.mktemp(name)
    root = make_course(tmp / "course")
    (tmp / "roster.csv").write_text(ROSTER)
    return root, tmp


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return new_course(tmp_path_factory, "collect")


def nb_text(marker: str, root: Path) -> str:
    nb = release_nb(root)
    nb["metadata"]["marker"] = marker
    return json.dumps(nb)


def test_canvas_zip(course):
    root, tmp = course
    z = tmp / "canvas.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("lovelaceada_1001_5001_demo.ipynb", nb_text("ada-old", root))
        zf.writestr("lovelaceada_1001_5009_demo-1.ipynb", nb_text("ada-new", root))
        zf.writestr("chenbo_late_1002_5002_demo.ipynb", nb_text("bo", root))
        zf.writestr("strangerx_9999_5003_demo.ipynb", nb_text("x", root))
        zf.writestr("okafor_1003_5004_notes.pdf", b"%PDF")
        zf.writestr("garbage.ipynb", nb_text("g", root))
    done = run_alliance(
        "collect",
        ASSIGNMENT,
        str(z),
        "--roster",
        str(tmp / "roster.csv"),
        "--course-dir",
        str(root),
        check=False,
    )
    out = done.stdout
    ada = root / "submitted" / "ada" / ASSIGNMENT / "demo.ipynb"
    assert json.loads(ada.read_text())["metadata"]["marker"] == "ada-new", "latest subid kept"
    bo = root / "submitted" / "bo" / ASSIGNMENT / "demo.ipynb"
    assert json.loads(bo.read_text())["metadata"]["marker"] == "bo", "late_ variant understood"
    assert "duplicates (kept the latest): 1" in out and "5001" in out
    assert "late: 1" in out and "bo" in out
    assert "UNKNOWN STUDENTS — not imported: 1" in out and "9999" in out
    assert "not notebooks — not imported: 1" in out and "notes.pdf" in out
    assert "unreadable — not imported: 1" in out and "garbage.ipynb" in out
    assert "on the roster but no submission: 2" in out and "cy" in out and "di" in out
    assert not (root / "submitted" / "strangerx").exists()
    assert done.returncode == 1, "an unreadable file name makes the command fail"


def test_never_overwrites_silently(course):
    root, tmp = course
    ada = root / "submitted" / "ada" / ASSIGNMENT / "demo.ipynb"
    before = ada.read_bytes()
    z = tmp / "again.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("lovelaceada_1001_6000_demo.ipynb", nb_text("ada-resubmitted", root))
    args = [
        "collect",
        ASSIGNMENT,
        str(z),
        "--roster",
        str(tmp / "roster.csv"),
        "--course-dir",
        str(root),
    ]
    done = run_alliance(*args)
    assert "KEPT EXISTING" in done.stdout and "--force" in done.stdout
    assert ada.read_bytes() == before
    done = run_alliance(*args, "--force")
    assert "replaced (--force): 1" in done.stdout
    assert json.loads(ada.read_text())["metadata"]["marker"] == "ada-resubmitted"
    backups = list((root / "collect-backups").glob(f"*/ada/{ASSIGNMENT}/demo.ipynb"))
    assert len(backups) == 1 and backups[0].read_bytes() == before
    done = run_alliance(*args)
    assert "unchanged (already collected): 1" in done.stdout


def test_folder_per_student(course):
    root, tmp = course
    src = tmp / "folders"
    (src / "cy").mkdir(parents=True)
    (src / "cy" / "demo (1).ipynb").write_text(nb_text("cy", root))
    (src / "1004").mkdir()  # named by LMS id
    (src / "1004" / "demo.ipynb").write_text(nb_text("di", root))
    (src / "1004" / "data.csv").write_text("a,b\n")
    (src / "nobody").mkdir()
    done = run_alliance(
        "collect",
        ASSIGNMENT,
        str(src),
        "--roster",
        str(tmp / "roster.csv"),
        "--course-dir",
        str(root),
    )
    assert (root / "submitted" / "cy" / ASSIGNMENT / "demo.ipynb").is_file()
    di = root / "submitted" / "di" / ASSIGNMENT / "demo.ipynb"
    assert json.loads(di.read_text())["metadata"]["marker"] == "di"
    assert "data.csv" in done.stdout and "nobody" in done.stdout


def test_roster_errors_name_file_and_line(course):
    root, tmp = course
    bad = tmp / "bad-roster.csv"
    bad.write_text("student_id,lms_id\nada,1001\nbo,1001\n,1005\n")
    done = run_alliance(
        "collect",
        ASSIGNMENT,
        str(tmp),
        "--roster",
        str(bad),
        "--course-dir",
        str(root),
        check=False,
    )
    assert done.returncode == 2
    assert f"{bad}:3: lms_id '1001' repeats line 2" in done.stderr
    assert f"{bad}:4: student_id and lms_id must both be filled in" in done.stderr
    bad.write_text("name,id\nx,1\n")
    done = run_alliance(
        "collect",
        ASSIGNMENT,
        str(tmp),
        "--roster",
        str(bad),
        "--course-dir",
        str(root),
        check=False,
    )
    assert f"{bad}:1: roster header lacks column(s) student_id, lms_id" in done.stderr


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """A second course (the tests below must not see the first one's submissions)."""
    return new_course(tmp_path_factory, "collect2")


def collect(root: Path, tmp: Path, source: Path, *extra: str):
    return run_alliance(
        "collect",
        ASSIGNMENT,
        str(source),
        "--roster",
        str(tmp / "roster.csv"),
        "--course-dir",
        str(root),
        *extra,
        check=False,
    )


def test_lateness_is_kept_in_timestamp_txt(fresh):
    from nbgrader.utils import parse_utc

    root, tmp = fresh
    run_alliance("release", ASSIGNMENT, "--due", "2026-03-06 17:00 UTC", "--course-dir", str(root))
    z = tmp / "timed.zip"
    with zipfile.ZipFile(z, "w") as zf:
        on_time = zipfile.ZipInfo("lovelaceada_1001_5001_demo.ipynb", (2026, 3, 6, 16, 59, 0))
        zf.writestr(on_time, nb_text("ada", root))
        late = zipfile.ZipInfo("chenbo_late_1002_5002_demo.ipynb", (2026, 3, 6, 18, 30, 0))
        zf.writestr(late, nb_text("bo", root))
        marked = zipfile.ZipInfo("okaforcy_late_1003_5003_demo.ipynb", (2026, 3, 6, 12, 0, 0))
        zf.writestr(marked, nb_text("cy", root))
    done = collect(root, tmp, z, "--timezone", "Europe/London")
    assert done.returncode == 0, done.stdout + done.stderr
    stamps = {
        s: (root / "submitted" / s / ASSIGNMENT / "timestamp.txt").read_text()
        for s in ("ada", "bo")
    }
    # nbgrader's exchange format, in UTC; London is UTC+0 in March, so the times are unchanged
    assert stamps["ada"] == "2026-03-06 16:59:00.000000 UTC\n"
    assert parse_utc(stamps["bo"].strip()) == datetime(2026, 3, 6, 18, 30)
    assert (
        "bo: submitted 2026-03-06 18:30 UTC, 1 h 30 min late; the LMS marks it late" in done.stdout
    )
    assert "cy: submitted 2026-03-06 12:00 UTC, before the due date; the LMS marks it late" in (
        done.stdout
    ), "the LMS and the due date disagree: both are shown"
    assert "ada: submitted" not in done.stdout
    # plain nbgrader reads the file the way autograde will
    from nbgrader.coursedir import CourseDirectory

    assert CourseDirectory().get_existing_timestamp(
        str(root / "submitted" / "bo" / ASSIGNMENT)
    ) == datetime(2026, 3, 6, 18, 30)


def test_a_zip_bomb_is_refused_for_that_student_with_memory_bounded(fresh):
    root, tmp = fresh
    z = tmp / "bomb.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("silvadi_1004_7001_demo.ipynb", "w", force_zip64=True) as fh:
            fh.write(b'{"cells": [], "metadata": {}, "pad": "')
            chunk = b" " * (1 << 20)
            for _ in range(1024):  # 1 GiB of padding
                fh.write(chunk)
            fh.write(b'"}')
        zf.writestr("okaforcy_1003_7002_demo.ipynb", nb_text("cy-honest", root))
    assert z.stat().st_size < 2 * 2**20, "a small zip"
    probe = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "print(done.stdout)\n"
    )
    args = [sys.executable, "-m", "alliance.cli", "course", "collect", ASSIGNMENT, str(z)]
    args += ["--roster", str(tmp / "roster.csv"), "--course-dir", str(root), "--force"]
    done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True)
    first, _, out = done.stdout.partition("\n")
    code, peak_kb = (int(x) for x in first.split())
    assert code == 1, out
    assert "TOO LARGE — not imported: 1" in out and "di: " in out and "1024 MB" in out
    assert not (root / "submitted" / "di").exists()
    cy = root / "submitted" / "cy" / ASSIGNMENT / "demo.ipynb"
    assert json.loads(cy.read_text())["metadata"]["marker"] == "cy-honest", "the rest is collected"
    assert peak_kb < 400 * 1024, f"collect used {peak_kb / 1024:.0f} MB for a 1 GiB entry"


def test_reading_stops_at_the_limit_even_when_the_size_lies():
    import io

    assert read_bounded(lambda: io.BytesIO(b"x" * 100), 100) == b"x" * 100
    assert read_bounded(lambda: io.BytesIO(b"x" * (3 << 20)), 2 << 20) is None


def test_control_characters_in_names_do_not_crash_or_reach_the_terminal(fresh):
    root, tmp = fresh
    z = tmp / "names.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("love\nlace_1001_8001_demo.ipynb", nb_text("ada-nl", root))
        zf.writestr("x\x1b[2J_1002_8002_demo.ipynb", nb_text("bo-esc", root))
        zf.writestr("bad\x07name.ipynb", nb_text("bell", root))
    done = collect(root, tmp, z, "--force")
    out = done.stdout
    assert "Traceback" not in done.stderr, done.stderr
    assert "\x1b" not in out and "\x07" not in out
    assert "bad\\x07name.ipynb: name is not" in out, "shown escaped"
    ada = json.loads((root / "submitted" / "ada" / ASSIGNMENT / "demo.ipynb").read_text())
    assert ada["metadata"]["marker"] == "ada-nl"
    bo = json.loads((root / "submitted" / "bo" / ASSIGNMENT / "demo.ipynb").read_text())
    assert bo["metadata"]["marker"] == "bo-esc"
    src = tmp / "folders-ctl"
    (src / "cy\nx").mkdir(parents=True)
    (src / "cy\nx" / "demo.ipynb").write_text(nb_text("cy", root))
    (src / "di").mkdir()
    (src / "di" / "demo\x1b.ipynb").write_text(nb_text("di-esc", root))
    (src / "1002").mkdir()
    (src / "1002" / "demo.ipynb").symlink_to("/etc/hostname")
    done = collect(root, tmp, src, "--force")
    assert "Traceback" not in done.stderr, done.stderr
    assert "\x1b" not in done.stdout and "cy\\x0ax" in done.stdout
    assert "symbolic link" in done.stdout
    di = json.loads((root / "submitted" / "di" / ASSIGNMENT / "demo.ipynb").read_text())
    assert di["metadata"]["marker"] == "di-esc"
    bo = (root / "submitted" / "bo" / ASSIGNMENT / "demo.ipynb").read_text()
    assert "bo-esc" in bo, "the symlink was not followed"
