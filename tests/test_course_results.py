"""feedback, export and report end to end on a small graded class (real kernels, real files)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from course_helpers import (
    ASSIGNMENT,
    make_course,
    release_nb,
    run_alliance,
    solved,
    submit,
    valid_codes,
    with_code,
)

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]

ROSTER = """student_id,lms_id,first_name,last_name,email,section,sis_user_id,sis_login_id
good,2001,Grace,Mensah,g@example.org,A,S1,grace
partial,2002,Pat,Nguyen,p@example.org,A,S2,pat
blank,2003,Bea,Kowalski,b@example.org,B,S3,bea
absent,2004,Al,Haddad,a@example.org,B,S4,al
"""


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("results")
    root = make_course(tmp / "course")
    code_a, code_b = valid_codes()
    good = solved(root)
    submit(root, "good", with_code(good, "vignette_path", f'PATH_CODE = "{code_a}"'))
    partial = with_code(good, "tally", "def tally(codes):\n    return {}")
    submit(root, "partial", with_code(partial, "vignette_path", f'PATH_CODE = "{code_b}"'))
    submit(root, "blank", release_nb(root))
    (tmp / "roster.csv").write_text(ROSTER)
    run_alliance("autograde", ASSIGNMENT, "--course-dir", str(root))
    return root, tmp, (code_a, code_b)


def test_feedback_has_no_hidden_tests(course):
    root, _, _ = course
    done = run_alliance("feedback", ASSIGNMENT, "--course-dir", str(root))
    assert "3 file(s) for 3 student(s)" in done.stdout
    for student in ("good", "partial", "blank"):
        html = (root / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
        assert "SECRET-HIDDEN-ASSERT" not in html
        assert "reflection_ratio(3, 0)" not in html
        assert "HIDDEN TESTS" not in html
        assert "4 reflections and 2 questions give a ratio of 2" in html, "visible test kept"
    blank = (root / "feedback" / "blank" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "NotImplementedError" in blank, "ordinary errors still shown to the student"


def test_export_nbgrader_lists_everyone(course):
    root, tmp, _ = course
    done = run_alliance(
        "export", ASSIGNMENT, "--roster", str(tmp / "roster.csv"), "--course-dir", str(root)
    )
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert list(rows[0]) == [
        "assignment",
        "duedate",
        "timestamp",
        "student_id",
        "last_name",
        "first_name",
        "email",
        "raw_score",
        "late_submission_penalty",
        "score",
        "max_score",
        "hours_late",
        "status",
    ]
    by = {r["student_id"]: r for r in rows}
    assert set(by) == {"good", "partial", "blank", "absent"}
    assert by["good"]["score"] == "4" and by["good"]["status"] == "needs manual grading"
    assert by["partial"]["score"] == "3" and by["blank"]["score"] == "0"
    assert by["absent"]["score"] == "" and by["absent"]["status"] == "no submission"
    assert all(r["max_score"] == "6" for r in rows)
    assert "absent: no submission" in done.stderr
    zero = run_alliance(
        "export",
        ASSIGNMENT,
        "--roster",
        str(tmp / "roster.csv"),
        "--missing-as-zero",
        "--course-dir",
        str(root),
    )
    by = {r["student_id"]: r for r in csv.DictReader(io.StringIO(zero.stdout))}
    assert by["absent"]["score"] == "0" and by["absent"]["status"] == "no submission (counted as 0)"
    assert by["good"]["score"] == "4", "only missing work changes"


def test_export_canvas_format(course):
    root, tmp, _ = course
    out = tmp / "canvas.csv"
    run_alliance(
        "export",
        ASSIGNMENT,
        "--format",
        "canvas",
        "--roster",
        str(tmp / "roster.csv"),
        "--canvas-id",
        "demo=98765",
        "-o",
        str(out),
        "--course-dir",
        str(root),
    )
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "demo (98765)"]
    assert rows[1][0].strip() == "Points Possible" and rows[1][-1] == "6"
    body = {r[1]: r for r in rows[2:]}
    assert body["2001"] == ["Mensah, Grace", "2001", "S1", "grace", "A", "4"]
    assert body["2004"][-1] == "", "no submission: left blank, not zero"
    done = run_alliance(
        "export", ASSIGNMENT, "--format", "canvas", "--course-dir", str(root), check=False
    )
    assert done.returncode == 2 and "needs --roster" in done.stderr


def test_report(course):
    root, _, (code_a, code_b) = course
    run_alliance("report", ASSIGNMENT, "--course-dir", str(root))
    folder = root / "reports" / ASSIGNMENT
    html = (folder / "report.html").read_text()
    for png in ("scores.png", "tests.png", "vignette-goals-different-agendas.png"):
        assert (folder / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png
        assert f'src="{png}"' in html
    imgs = re.findall(r"<img [^>]*>", html)
    assert imgs and all(re.search(r'alt="[^"]{20,}"', i) for i in imgs), "every image has alt"
    assert not (folder / "questions.png").exists(), "one per-test chart"
    # per-test pass rates: 2 of 3 pass test_ratio (good, partial), 1 of 3 test_tally (good),
    # each labelled with what the test checks (the first line of its comment)
    ratio = "Checks that the ratio divides reflections by questions"
    assert f"<td>{ratio}</td><td>test_ratio</td><td>2</td><td>67%</td><td>3</td>" in html
    tally = "Checks the counts of a short coded transcript"
    assert f"<td>{tally}</td><td>test_tally</td><td>1</td><td>33%</td><td>3</td>" in html
    # vignette choices: both students at the first decision point, by their first choice
    assert "2 students pasted a path code" in html
    assert "Choices at each decision point of goals-different-agendas" in html
    from collections import Counter

    from alliance.vignettes import replay_code

    expected = Counter()
    for code in (code_a, code_b):
        for node, choice in replay_code(code).steps:
            expected[(node, choice + 1)] += 1
    for (node, number), count in expected.items():
        row = rf"<tr><td>{node}</td><td>{number}</td><td>[^<]*</td><td>[^<]*</td><td>{count}</td>"
        assert re.search(row, html), (node, number, count)
    # manual grading still needed for the written answers (nbgrader scores an untouched
    # answer cell 0 without asking, so "blank" is not listed)
    section = html.split("Still needs a manual grade")[1].split("<h2>")[0]
    for s in ("good", "partial"):
        assert f"<td>{s}</td><td>reflection</td>" in section
    assert "<td>blank</td>" not in section


def test_export_all_assignments(course):
    root, tmp, _ = course
    done = run_alliance("export", "--all", "--course-dir", str(root))
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert {r["assignment"] for r in rows} == {ASSIGNMENT}
    assert {r["student_id"] for r in rows} == {"good", "partial", "blank"}


@pytest.mark.parametrize("assignment", sorted(p.name for p in (REPO / "exercises").glob("ps*")))
def test_every_real_test_cell_says_what_it_checks(assignment):
    """The report labels tests by their own description: every test of every assignment has one."""
    import json

    from alliance.course.items import describe_test

    nb = json.loads(next((REPO / "exercises" / assignment).glob("*.ipynb")).read_text())
    tests = [
        c
        for c in nb["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade")
        and not c["metadata"]["nbgrader"].get("solution")
    ]
    assert tests
    for c in tests:
        gid = c["metadata"]["nbgrader"]["grade_id"]
        text = describe_test("".join(c["source"]), gid)
        assert text != gid and text.startswith("Checks"), (gid, text)
        assert not re.search(r"\b\d+ points?\b", text) and "HIDDEN" not in text, (gid, text)
