"""``alliance course collect``: Canvas-style zips and per-student folders into submitted/."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from course_helpers import ASSIGNMENT, make_course, release_nb, run_alliance

ROSTER = """student_id,lms_id,first_name,last_name,email,section,sis_user_id,sis_login_id
ada,1001,Ada,Lovelace,ada@example.org,A,S1,ada
bo,1002,Bo,Chen,bo@example.org,A,S2,bo
cy,1003,Cy,Okafor,cy@example.org,B,S3,cy
di,1004,Di,Silva,di@example.org,B,S4,di
"""


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("collect")
    root = make_course(tmp / "course")
    (tmp / "roster.csv").write_text(ROSTER)
    return root, tmp


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
    assert "unreadable names — not imported: 1" in out and "garbage.ipynb" in out
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
