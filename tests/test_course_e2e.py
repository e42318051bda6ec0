"""The whole course run as an instructor lives it, on a class of 12 across ps1 and ps3.

The run is the instructor guide's worked example (:mod:`guide_runner`): release with due dates
and a late-penalty rule, collect Canvas downloads with late, duplicate, stray and unknown files,
autograde in the sandbox, grade written answers through a sheet (with a teaching assistant's
sheet full of slips), feedback, export in both formats and several assignments, and the report.
Every number below is recomputed here from nbgrader's gradebook, not copied from the tools.
Steps that change the course (a re-submission, a student with no notebook) run on a copy.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import shutil
import subprocess
import zipfile
from datetime import timedelta
from pathlib import Path

import guide_runner
import instructor_class as ic
import numpy as np
import pytest
from course_helpers import NBGRADER

from alliance.course.answers import answer_id
from alliance.course.classbook import read_assignment
from alliance.course.config import load_course
from alliance.course.items import describe_test
from alliance.course.written import SHEET_COLUMNS
from alliance.grading.results import load_class_run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ex() -> guide_runner.WorkedExample:
    return guide_runner.shared_example()


@pytest.fixture(scope="module")
def course(ex):
    return load_course(ex.workdir / "autograder")


def output_of(ex, prefix: str) -> guide_runner.Command:
    return next(c for c in ex.commands if c.line.startswith(prefix))


def run(line: str, cwd: Path):
    return guide_runner.run(line, cwd)


# --- collect ------------------------------------------------------------------------------


def test_collect_keeps_the_latest_file_and_its_time(ex, course):
    from nbgrader.utils import parse_utc

    sub = course.folder("submitted")
    # s12 submitted nothing for ps1 and only a script for ps3: no folder at all
    assert {p.name for p in sub.iterdir()} == {m.student_id for m in ic.CLASS} - {"s12"}
    for m in ic.CLASS:
        for a in ic.ASSIGNMENTS:
            folder = sub / m.student_id / a
            stamp = folder / "timestamp.txt"
            has_notebook = any(folder.glob("*.ipynb"))
            assert stamp.is_file() == has_notebook, (m.student_id, a)
            if has_notebook:  # nbgrader's own reader understands it, and it is UTC
                assert stamp.read_text().strip().endswith(" UTC")
                assert parse_utc(stamp.read_text().strip()) is not None
    late = parse_utc((sub / "s06" / "ps1" / "timestamp.txt").read_text().strip())
    assert late == ic.DUE["ps1"] + ic.LATE["ps1"]["s06"]
    # s04 uploaded a blank notebook, then the real one: the real one was kept
    name, _ = ic.released(course.root, "ps1")
    kept = json.loads((sub / "s04" / "ps1" / name).read_text())
    member = next(m for m in ic.CLASS if m.student_id == "s04")
    assert kept == ic.student_notebook(course.root, "ps1", member)
    out = "\n".join(output_of(ex, "alliance course collect ps1").actual)
    assert "duplicates (kept the latest): 1" in out and "70003" in out
    assert "s06: submitted 2026-02-07 09:30 UTC, 16 h 30 min late; the LMS marks it late" in out
    assert "(LMS id 9999 is not on the roster)" in out and "notes.pdf" in out
    assert not (sub / "s12" / "ps1").exists() and "on the roster but no submission: 1" in out


def test_lateness_reaches_the_gradebook_and_the_penalty_follows_the_final_score(course):
    for a, student in (("ps1", "s06"), ("ps3", "s03")):
        book = read_assignment(course, a)
        sub = book.submissions[student]
        late = ic.LATE[a][student]
        assert sub.seconds_late == late.total_seconds()
        periods = math.ceil((late - timedelta(minutes=15)) / timedelta(days=1))
        share = min(10 * periods, 50) / 100
        assert sub.penalty == pytest.approx(share * sub.raw_score, abs=1e-3), (a, student)
        assert sub.score == pytest.approx(sub.raw_score - sub.penalty)
        for other, s in book.submissions.items():
            if other != student:
                assert s.seconds_late == 0 and s.penalty == 0, (a, other)


def test_plain_nbgrader_export_agrees(ex, course, tmp_path):
    """nbgrader's own export reads the same gradebook: same scores, penalties included."""
    dest = tmp_path / "plain.csv"
    subprocess.run(
        [NBGRADER, "export", "--to", str(dest)], cwd=course.root, check=True, capture_output=True
    )
    plain = {(r["assignment"], r["student_id"]): r for r in csv.DictReader(dest.open())}
    ours = list(csv.DictReader((ex.workdir / "grades.csv").open(encoding="utf-8")))
    for r in ours:
        if r["score"]:
            p = plain[(r["assignment"], r["student_id"])]
            assert float(p["score"]) == pytest.approx(float(r["score"]), abs=1e-3)
            assert float(p["late_submission_penalty"]) == pytest.approx(
                float(r["late_submission_penalty"]), abs=1e-3
            )


# --- written answers ------------------------------------------------------------------------


def sheet_rows(path: Path) -> list[dict]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, so Excel reads accents right"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_written_sheet_import_sets_grades_and_leaves_blank_rows(ex, course):
    sheet = course.reports_dir / "ps1" / "written-ps1.csv"
    rows = sheet_rows(sheet)
    assert list(rows[0]) == SHEET_COLUMNS
    assert len(rows) >= 5 and {r["question"] for r in rows} == {"ps1-c-reflections"}
    book = read_assignment(course, "ps1")
    top = next(c.max_score for c in book.cells if c.name == "ps1-c-reflections")
    assert all("Rubric" in r["rubric"] and r["max_points"] == f"{top:g}" for r in rows)
    filled = ex.hooks.filled
    for r in rows:
        g = book.submissions[r["student"]].grades["ps1-empathic-responding/ps1-c-reflections"]
        key = (r["student"], r["question"])
        if key in filled:
            assert g.manual_score == filled[key] and not g.needs_manual_grade, key
            assert g.comment == "Clear and specific."
        else:  # the row left blank: untouched
            assert g.manual_score is None and g.needs_manual_grade and g.comment == "", key
        text = (course.folder("autograded") / r["student"] / "ps1").glob("*.ipynb")
        assert r["answer_id"] == answer_id(_answer(next(text), "ps1-c-reflections"))
    assert len(filled) == len(rows) - 1
    out = output_of(ex, "alliance course written import ps1 autograder").actual
    assert out[0].startswith(f"written import ps1: {len(rows) - 1} grade(s)")


def _answer(nb_path: Path, gid: str) -> str:
    for cell in json.loads(nb_path.read_text())["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == gid:
            src = cell["source"]
            return "".join(src) if isinstance(src, list) else src
    raise KeyError(gid)


def test_a_sheet_with_slips_changes_nothing_and_names_each_row(ex, course):
    cmd = output_of(ex, "alliance course written import ps1 ta-marks.csv")
    assert cmd.returncode == 2
    out = "\n".join(cmd.actual)
    assert "3 problem(s) in the sheet; nothing was changed" in out
    assert "ta-marks.csv: row 2: unknown student 's1'" in out
    top = next(c.max_score for c in read_assignment(course, "ps1").cells if c.solution and c.graded)
    assert f"ta-marks.csv: row 3: score {top + 1:g} is out of range 0–{top:g}" in out
    assert "ta-marks.csv: row 4: score 'four' is not a number" in out
    ta = list(csv.DictReader(io.StringIO((ex.workdir / "ta-marks.csv").read_text("utf-8-sig"))))
    sound = ta[3]  # a valid row of the same sheet set 0: it must not have been applied
    g = (
        read_assignment(course, "ps1")
        .submissions[sound["student"]]
        .grades["ps1-empathic-responding/ps1-c-reflections"]
    )
    assert g.manual_score == ex.hooks.filled[(sound["student"], sound["question"])] != 0


def test_grading_view_shows_every_answer_with_the_rubric(course):
    page = (course.reports_dir / "ps1" / "written" / "ps1-c-reflections.html").read_text()
    book = read_assignment(course, "ps1")
    assert page.count('<section class="answer"') == len(book.submissions)
    rubric = page.split('<div class="rubric"><pre>', 1)[1].split("</pre>", 1)[0]
    assert "Rubric" in rubric, "the question and rubric as students saw them"
    import html

    model = ic.model_answers(course.root, "ps1")["ps1-c-reflections"][1].strip()
    assert f"<summary>Model answer</summary><pre>{html.escape(model)}</pre>" in page
    for s in book.submissions:
        assert f"<h3>Student {s}</h3>" in page
    assert page.count("(left blank)") == 1, "s11 handed in the notebook as released"


@pytest.fixture(scope="module")
def copy(ex, tmp_path_factory) -> Path:
    """A copy of the graded course for the steps that change it."""
    dest = tmp_path_factory.mktemp("e2e-copy") / "course"
    shutil.copytree(ex.workdir, dest, symlinks=True)
    return dest


def test_import_is_idempotent_and_refuses_a_changed_answer(copy):
    root = copy / "autograder"
    sheet = "autograder/reports/ps1/written-ps1.csv"
    before = _grades(root)
    done = run(f"alliance course written import ps1 {sheet}", copy)
    assert done.returncode == 0, done.stdout
    assert "0 grade(s) and 0 comment(s) set" in done.stdout
    assert _grades(root) == before
    # s01 re-submits with a different written answer; it is collected and graded again
    rows = sheet_rows(root / "reports" / "ps1" / "written-ps1.csv")
    student = rows[0]["student"]
    member = next(m for m in ic.CLASS if m.student_id == student)
    name, _ = ic.released(root, "ps1")
    nb = ic.student_notebook(root, "ps1", member)
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "ps1-c-reflections":
            cell["source"] = "A different answer, written after the deadline."
    with zipfile.ZipFile(copy / "again.zip", "w") as zf:
        zf.writestr(f"x_{member.lms_id}_99999_{name}", json.dumps(nb))
    done = run("alliance course collect ps1 again.zip --roster roster.csv --force", copy)
    assert "replaced (--force): 1" in done.stdout
    run(f"alliance course autograde ps1 --student {student} --force --quiet", copy)
    done = run(f"alliance course written import ps1 {sheet}", copy)
    assert done.returncode == 2
    assert f"written-ps1.csv: row 2: {student}'s answer to ps1-c-reflections changed" in done.stdout


def _grades(root: Path) -> dict:
    book = read_assignment(load_course(root), "ps1")
    return {
        (s, k): (g.manual_score, g.needs_manual_grade, g.comment)
        for s, sub in book.submissions.items()
        for k, g in sub.grades.items()
    }


def test_export_lists_a_student_without_a_notebook_with_or_without_a_roster(copy):
    root = copy / "autograder"
    (root / "submitted" / "s05" / "ps3").mkdir(parents=True)
    (root / "submitted" / "s05" / "ps3" / "notes.txt").write_text("forgot the notebook")
    run("alliance course autograde ps3 --student s05 --quiet", copy)
    assert load_class_run(root / "reports", "ps3").students["s05"].status == "missing"
    for roster in ("", " --roster roster.csv"):
        done = run(f"alliance course export ps3{roster}", copy)
        rows = {r["student_id"]: r for r in csv.DictReader(io.StringIO(_csv_part(done.stdout)))}
        assert rows["s05"]["status"] == "no notebook in the submission", roster
        assert rows["s05"]["score"] == ""
    done = run("alliance course export ps3 --missing-as-zero", copy)
    rows = {r["student_id"]: r for r in csv.DictReader(io.StringIO(_csv_part(done.stdout)))}
    assert rows["s05"]["score"] == "0" and "(counted as 0)" in rows["s05"]["status"]


def _csv_part(stdout: str) -> str:
    """The CSV written to stdout (the terminal notes come after it)."""
    lines = stdout.splitlines()
    end = next((i for i, ln in enumerate(lines) if not ln.count(",")), len(lines))
    return "\n".join(lines[:end])


def test_hostile_roster_names_stay_text_in_every_csv(copy):
    rows = list(csv.DictReader((copy / "roster.csv").open(encoding="utf-8")))
    rows[0]["last_name"] = '=HYPERLINK("http://x","y")'
    rows[1]["first_name"] = "@SUM(A1)"
    with (copy / "hostile.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    for fmt in ("nbgrader", "canvas"):
        done = run(f"alliance course export ps1 --format {fmt} --roster hostile.csv -o h.csv", copy)
        assert done.returncode == 0, done.stdout
        cells = [c for row in csv.reader((copy / "h.csv").open()) for c in row]
        assert any("HYPERLINK" in c for c in cells)
        assert all(not c.startswith(("=", "+", "@")) for c in cells), fmt


# --- export -----------------------------------------------------------------------------


def test_export_nbgrader_several_assignments(ex, course):
    rows = list(csv.DictReader((ex.workdir / "grades.csv").open(encoding="utf-8")))
    assert {r["assignment"] for r in rows} == set(ic.ASSIGNMENTS)
    assert len(rows) == len(ic.CLASS) * 2, "every student of the roster, each assignment"
    for a in ic.ASSIGNMENTS:
        book = read_assignment(course, a)
        for r in (r for r in rows if r["assignment"] == a):
            sub = book.submissions.get(r["student_id"])
            if r["student_id"] in ic.ABSENT[a] or (a == "ps3" and r["student_id"] == "s12"):
                assert sub is None and r["status"] == "no submission" and r["score"] == ""
                continue
            assert float(r["raw_score"]) == pytest.approx(sub.raw_score)
            assert float(r["score"]) == pytest.approx(max(0, sub.raw_score - sub.penalty), 1e-3)
            assert r["max_score"] == f"{book.max_score:g}"
            assert r["status"] == ("needs manual grading" if sub.needs_manual_grade else "graded")
            late = ic.LATE[a].get(r["student_id"])
            assert r["hours_late"] == (f"{late.total_seconds() / 3600:.2f}" if late else "")
    s01 = next(r for r in rows if r["student_id"] == "s01")
    assert (s01["first_name"], s01["last_name"]) == ("Amara", "Okafor"), "names from the roster"


def test_export_canvas_and_the_missing_canvas_id_warning(ex, course):
    rows = list(csv.reader((ex.workdir / "canvas.csv").open(encoding="utf-8")))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"] + [
        "ps1 (123456)",
        "ps3",
    ]
    books = {a: read_assignment(course, a) for a in ic.ASSIGNMENTS}
    assert rows[1][0].strip() == "Points Possible"
    assert rows[1][5:] == [f"{books[a].max_score:g}" for a in ic.ASSIGNMENTS]
    body = {r[1]: r for r in rows[2:]}
    assert set(body) == {m.lms_id for m in ic.CLASS}
    for m in ic.CLASS:
        row = body[m.lms_id]
        assert row[0] == f"{m.last}, {m.first}" and row[4] == m.section
        for a, cell in zip(ic.ASSIGNMENTS, row[5:], strict=True):
            sub = books[a].submissions.get(m.student_id)
            assert cell == ("" if sub is None else f"{round(sub.score, 4):g}"), (m, a)
    out = "\n".join(output_of(ex, "alliance course export --all --format canvas").actual)
    assert "ps3: no --canvas-id, so Canvas will create a NEW column 'ps3'" in out
    assert "ps1: no --canvas-id" not in out


def test_export_all_means_every_assignment_in_the_gradebook(ex):
    done = run("alliance course export --all", ex.workdir)
    assert done.returncode == 0, done.stdout
    got = {r["assignment"] for r in csv.DictReader(io.StringIO(_csv_part(done.stdout)))}
    assert got == set(ic.ASSIGNMENTS), "released ones only, not every folder in exercises/"
    done = run("alliance course export ps2", ex.workdir)
    assert done.returncode == 2 and "not in the gradebook: ps2 (released: ps1, ps3" in done.stdout


# --- report -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report(ex, course):
    folder = course.reports_dir / "ps1"
    data = json.loads((folder / "report.json").read_text())
    return folder, (folder / "report.html").read_text(), data


def test_report_histogram_is_on_whole_points(report, course):
    _, html, data = report
    book = read_assignment(course, "ps1")
    assert book.max_score > 15
    scores = [book.submissions[s].score for s in data["students"]]
    counts = {str(k): 0 for k in range(int(book.max_score) + 1)}
    for s in scores:
        counts[str(int(math.floor(s + 0.5)))] += 1
    assert data["scores"]["counts"] == counts
    xticks, yticks = data["scores"]["xticks"], data["scores"]["yticks"]
    assert all(re.fullmatch(r"\d+", t) for t in xticks + yticks), (xticks, yticks)
    assert int(xticks[-1]) >= book.max_score - 5 and "0" in xticks
    for k, n in counts.items():
        if n:
            assert f"<tr><td>{k}</td><td>{n}</td></tr>" in html


def test_report_one_chart_per_test_titled_with_what_it_checks(report, course):
    folder, html, data = report
    book = read_assignment(course, "ps1")
    tests = [c for c in book.graded_cells if c.autograded]
    assert [row[0] for row in data["tests"]["rows"]] == [
        describe_test(c.source, c.name) for c in tests
    ]
    for (desc, rate), c in zip(data["tests"]["rows"], tests, strict=True):
        assert desc.startswith("Checks") and c.name not in desc
        key = book.key(c)
        got = [book.submissions[s].grades[key].score for s in data["students"]]
        assert rate == pytest.approx(sum(x >= c.max_score for x in got) / len(got))
    assert not (folder / "questions.png").exists(), "one per-test chart, not two near-copies"
    assert html.count('src="tests.png"') == 1


def test_report_item_difficulty_and_discrimination(report, course):
    _, html, data = report
    book = read_assignment(course, "ps1")
    items = {i["key"]: i for i in data["items"]}
    cells = [c for c in book.graded_cells if c.autograded or c.solution]
    assert set(items) == {book.key(c) for c in cells}
    for c in cells:
        key = book.key(c)
        pairs = [
            (sub.grades[key].score, sum(g.score for g in sub.grades.values()))
            for s, sub in book.submissions.items()
            if s in data["students"] and not sub.grades[key].needs_manual_grade
        ]
        x = np.array([p[0] for p in pairs])
        rest = np.array([t - i for i, t in pairs])
        item = items[key]
        assert item["n"] == len(pairs)
        assert item["difficulty"] == pytest.approx(x.mean() / c.max_score)
        if x.std() > 0 and rest.std() > 0:
            assert item["discrimination"] == pytest.approx(np.corrcoef(x, rest)[0, 1])
        else:
            assert item["discrimination"] is None
        assert item["note"]
    assert "which items to review" in html


def test_report_student_table_links_feedback_and_lists_lateness(report, course):
    folder, html, data = report
    book = read_assignment(course, "ps1")
    for s, marks in data["student_table"].items():
        sub = book.submissions[s]
        for c in book.graded_cells:
            g = sub.grades[book.key(c)]
            want = "to grade" if g.needs_manual_grade else f"{g.score:g}"
            assert marks[book.label(c)] == want, (s, c.name)
    for href in re.findall(r'<a href="([^"]+)">feedback', html):
        assert (folder / href).resolve().is_file(), href
    assert list(data["late"]) == ["s06"] and data["late"]["s06"]["late_by"] == "16 h 30 min"
    assert float(data["late"]["s06"]["penalty"]) == pytest.approx(book.submissions["s06"].penalty)
    assert "Due 2026-02-06 17:00 UTC" in html


def test_report_at_risk_across_assignments_and_sections(report, course):
    _, html, data = report
    books = {a: read_assignment(course, a) for a in ic.ASSIGNMENTS}
    expected = {}
    for m in ic.CLASS:
        low = [
            a
            for a, b in books.items()
            if m.student_id not in b.submissions
            or b.submissions[m.student_id].score / b.max_score < 0.5
        ]
        if len(low) >= 2:
            expected[m.student_id] = low
    assert {s: [x.split()[0] for x in v] for s, v in data["at_risk"].items()} == expected
    assert "s11" in expected and "s12" in expected, "blank twice; absent, then only a script"
    assert set(data["sections"]) == {"A", "B"}
    assert sum(v["n"] for v in data["sections"].values()) == len(data["students"])
    imgs = re.findall(r"<img [^>]*>", html)
    assert len(imgs) >= 2 and all(re.search(r'alt="[^"]{40,}"', i) for i in imgs)


def test_report_can_leave_blanks_out(ex, course, tmp_path):
    done = run(f"alliance course report ps1 --no-blanks -o {tmp_path}", ex.workdir)
    assert done.returncode == 0, done.stdout
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["blank"] == ["s11"] and "s11" not in data["students"]
    graded = len(read_assignment(course, "ps1").submissions)
    assert sum(data["scores"]["counts"].values()) == graded - 1


def test_feedback_for_every_graded_student(ex, course):
    cmd = output_of(ex, "alliance course feedback ps1")
    assert cmd.returncode == 0, "\n".join(cmd.actual)
    for s in read_assignment(course, "ps1").submissions:
        assert list((course.folder("feedback") / s / "ps1").glob("*.html")), s


@pytest.mark.browser
def test_report_and_question_view_pass_axe(course, browser):
    from conftest import describe_violations, open_page, run_axe, serve_folder

    url, stop = serve_folder(course.reports_dir / "ps1")
    page = open_page(browser)
    try:
        for path in ("report.html", "written/ps1-c-reflections.html"):
            page.goto(url + path)
            images = page.locator("img")
            for i in range(images.count()):  # every figure loads and has its description
                assert images.nth(i).evaluate("img => img.naturalWidth > 0")
                assert len(images.nth(i).get_attribute("alt") or "") > 40
            violations = run_axe(page)
            assert not violations, f"{path}:\n" + describe_violations(violations)
        assert not page.console_errors and not page.failed_requests
        assert not page.external_requests
    finally:
        page.context.close()
        stop()
