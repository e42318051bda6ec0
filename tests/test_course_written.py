"""``alliance course written``: the grading sheet out and back in, and the per-question view.

A small real class (the demo assignment, graded in real kernels) is graded once per module; each
test works on its own sheet and reads nbgrader's gradebook to see what changed.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from course_helpers import (
    ASSIGNMENT,
    make_course,
    release_nb,
    run_alliance,
    solved,
    submit,
    with_code,
)

from alliance.course.classbook import read_assignment
from alliance.course.config import CourseError, load_course
from alliance.course.written import SHEET_COLUMNS, export_sheet, import_sheet

pytestmark = pytest.mark.slow
KEY = f"{ASSIGNMENT}/reflection"
ANSWERS = {
    "good": "I would reflect before asking.",
    "partial": "- I'd ask <b>fewer</b> questions.\n- And reflect more.",  # starts like a formula
    "0042": "Wait longer before offering advice.",
}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("written")
    root = make_course(tmp / "course")
    good = solved(root)
    for student, text in ANSWERS.items():
        submit(root, student, with_code(good, "reflection", text))
    submit(root, "blank", release_nb(root))
    run_alliance("autograde", ASSIGNMENT, "--course-dir", str(root))
    return load_course(root), tmp


def fresh_sheet(course, tmp: Path, name: str) -> tuple[Path, list[dict]]:
    c, _ = course
    path = export_sheet(c, ASSIGNMENT, tmp / name, include_graded=True, out=io.StringIO())
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    return path, rows


def write(path: Path, rows: list[dict], delimiter: str = ",", encoding: str = "utf-8-sig"):
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=delimiter, lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(out.getvalue(), encoding=encoding, newline="")
    return path


def grade(c, student: str):
    return read_assignment(c, ASSIGNMENT).submissions[student].grades[KEY]


def test_the_sheet_opens_cleanly_and_holds_what_a_grader_needs(course):
    c, tmp = course
    path = export_sheet(c, ASSIGNMENT, tmp / "plain.csv", out=io.StringIO())
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert list(rows[0]) == SHEET_COLUMNS
    # the untouched notebook is scored 0 by nbgrader itself, so it needs no grade
    assert {r["student"] for r in rows} == set(ANSWERS)
    by = {r["student"]: r for r in rows}
    assert by["good"]["answer"] == ANSWERS["good"] and by["good"]["max_points"] == "2"
    assert by["partial"]["answer"] == "'" + ANSWERS["partial"], "a cell that starts with '-'"
    assert all(r["answer_id"].startswith("sha256:") and not r["score"] for r in rows)
    assert all(r["assignment"] == ASSIGNMENT and r["notebook"] == ASSIGNMENT for r in rows)


def test_every_bad_row_is_named_and_nothing_changes(course):
    c, tmp = course
    path, rows = fresh_sheet(course, tmp, "bad.csv")
    by = {r["student"]: r for r in rows}
    sheet = [
        {**by["0042"], "score": "3"},  # row 2: the maximum is 2
        {**by["good"], "score": "1"},  # row 3: sound, but not applied while others are wrong
        {**by["partial"], "score": "lots"},  # row 4
        {**by["good"], "student": "nobody", "score": "1"},  # row 5
        {**by["good"], "question": "reflektion", "score": "1"},  # row 6
        {**by["blank"], "score": "1", "answer_id": "sha256:0000000000000000"},  # row 7
        {**by["good"], "score": "1", "assignment": "ps9"},  # row 8
        {**by["good"], "score": "2"},  # row 9: the same answer twice
    ]
    write(path, sheet)
    before = grade(c, "good")
    with pytest.raises(CourseError) as err:
        import_sheet(c, ASSIGNMENT, path, out=io.StringIO())
    text = str(err.value)
    assert "7 problem(s) in the sheet; nothing was changed" in text
    assert f"{path}: row 2: score 3 is out of range 0–2 for reflection" in text
    assert f"{path}: row 4: score 'lots' is not a number" in text
    assert f"{path}: row 5: unknown student 'nobody'" in text
    assert f"{path}: row 6: unknown question 'reflektion' in notebook '{ASSIGNMENT}'" in text
    assert f"{path}: row 7: blank's answer to reflection changed since" in text
    assert f"{path}: row 8: assignment 'ps9', but this import is for '{ASSIGNMENT}'" in text
    assert f"{path}: row 9: good / reflection repeats row 3" in text
    assert grade(c, "good") == before


def test_a_missing_column_is_reported_on_row_1(course):
    c, tmp = course
    path = tmp / "nocol.csv"
    path.write_text("student,question,score\ngood,reflection,1\n", encoding="utf-8")
    with pytest.raises(CourseError, match=r"nocol\.csv: row 1: the header lacks comment"):
        import_sheet(c, ASSIGNMENT, path, out=io.StringIO())


def test_import_sets_grades_clears_the_flag_and_skips_blank_rows(course):
    c, tmp = course
    path, rows = fresh_sheet(course, tmp, "marked.csv")
    by = {r["student"]: r for r in rows}
    by["good"].update(score="2", comment="Clear and tentative.")
    by["partial"].update(score="", comment="Say more about why.")  # a comment only
    by["0042"].update(score="", comment="")  # left blank
    del by["blank"]  # scored 0 by nbgrader (untouched answer): not in a plain export
    assert grade(c, "good").needs_manual_grade
    out = io.StringIO()
    result = import_sheet(c, ASSIGNMENT, write(path, list(by.values())), out=out)
    assert result.set_grades == ["good/reflection"] and result.blank_rows == 1
    g = grade(c, "good")
    assert (g.manual_score, g.needs_manual_grade, g.comment) == (2.0, False, "Clear and tentative.")
    p = grade(c, "partial")
    assert p.manual_score is None and p.needs_manual_grade and p.comment == "Say more about why."
    untouched = grade(c, "0042")
    assert untouched.manual_score is None and untouched.needs_manual_grade
    assert "2 written answer(s) still need a grade" in out.getvalue()
    assert read_assignment(c, ASSIGNMENT).submissions["good"].raw_score == 6, "4 auto + 2 manual"
    again = import_sheet(c, ASSIGNMENT, path, out=io.StringIO())
    assert again.set_grades == [] and again.set_comments == [] and len(again.unchanged) == 2


def test_a_sheet_saved_by_a_european_spreadsheet_imports(course):
    """Excel in many locales saves ';'-separated cp1252 with decimal commas and drops 0042's 0s."""
    c, tmp = course
    path, rows = fresh_sheet(course, tmp, "excel.csv")
    by = {r["student"]: r for r in rows}
    by["0042"].update(student="42", score="1,5", comment="Gut beobachtet – weiter so")
    by["0042"]["answer"] = by["0042"]["answer"].lstrip("'")
    rows = [by["0042"]]
    import_sheet(c, ASSIGNMENT, write(path, rows, ";", "cp1252"), out=io.StringIO())
    g = grade(c, "0042")
    assert g.manual_score == 1.5 and not g.needs_manual_grade
    assert g.comment == "Gut beobachtet – weiter so"


def test_the_command_line_exits_2_with_the_problems(course):
    c, tmp = course
    path, rows = fresh_sheet(course, tmp, "cli.csv")
    rows[0]["score"] = "-1"
    write(path, rows)
    done = run_alliance(
        "written", "import", ASSIGNMENT, str(path), "--course-dir", str(c.root), check=False
    )
    assert done.returncode == 2 and "row 2: score -1 is out of range" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_question_view_shows_every_answer_and_can_hide_names(course):
    c, tmp = course
    done = run_alliance(
        "written",
        "view",
        ASSIGNMENT,
        "1",
        "--anonymous",
        "-o",
        str(tmp / "view"),
        "--course-dir",
        str(c.root),
    )
    assert "written view demo reflection:" in done.stdout
    page = (tmp / "view" / "reflection.html").read_text()
    assert page.count('<section class="answer"') == 4, "every graded student, blank included"
    for student in ANSWERS:
        assert f"Student {student}" not in page
    _, rows = fresh_sheet(course, tmp, "ids.csv")
    for r in rows:
        assert f"<h3>Answer {r['answer_id']}</h3>" in page, "the sheet's id, to match rows"
    assert "I would reflect before asking." in page and "(left blank)" in page
    assert "&lt;b&gt;fewer&lt;/b&gt;" in page and "<b>fewer" not in page, "answers are text"
    done = run_alliance(
        "written", "view", ASSIGNMENT, "9", "--course-dir", str(c.root), check=False
    )
    assert (
        done.returncode == 2 and "no written question '9' (there are: 1. reflection)" in done.stderr
    )
