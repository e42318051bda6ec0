"""Export grades as CSV: nbgrader's columns plus a status, or a Canvas gradebook import.

Why a status column: nbgrader's own export silently leaves out students without a submission
(design.md §3) and scores a crashed grading as 0.0; an instructor pasting that into an LMS
cannot tell "did not submit" from "scored zero". Every enrolled student gets a row here.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import TextIO

from alliance.course.config import Course, CourseError
from alliance.course.gradebook import assignment_max_score, class_scores, gradebook_students
from alliance.course.roster import Student, load_roster

NBGRADER_COLUMNS = [
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
    "status",
]
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def autograde_results(course: Course, assignment: str) -> dict[str, dict]:
    path = course.reports_dir / assignment / "autograde.json"
    if not path.is_file():
        return {}
    students = json.loads(path.read_text()).get("students", {})
    for result in students.values():  # typed issues (alliance.grading.results) read as text
        result["issues"] = [
            i["message"] if isinstance(i, dict) else str(i) for i in result.get("issues", [])
        ]
    return students


def student_status(scores, result: dict | None, submitted: bool) -> str:
    if result and result.get("status") == "error":
        first = (result.get("issues") or ["unknown problem"])[-1]
        return f"autograde error: {first}"
    if result and result.get("status") == "missing":
        return "no notebook in the submission"
    if scores is None:
        return "submitted, not graded yet" if submitted else "no submission"
    if scores.needs_manual_grade:
        return "needs manual grading"
    return "graded"


def _submission_rows(course: Course, assignment: str) -> list[dict]:
    from nbgrader.api import Gradebook

    rows = {}
    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        try:
            a = gb.find_assignment(assignment)
        except Exception:
            raise CourseError(f"assignment '{assignment}' is not in the gradebook") from None
        for sub in a.submissions:
            rows[sub.student.id] = {
                "duedate": a.duedate.isoformat() if a.duedate else "",
                "timestamp": sub.timestamp.isoformat() if sub.timestamp else "",
                "raw_score": float(sub.score or 0.0),
                "late_submission_penalty": float(sub.late_submission_penalty or 0.0),
            }
    return rows


def _people(course: Course, roster: list[Student] | None) -> list[Student]:
    people = {s.student_id: s for s in roster or []}
    for sid, info in gradebook_students(course).items():
        if sid not in people:
            people[sid] = Student(
                sid,
                "",
                info.get("first_name") or "",
                info.get("last_name") or "",
                info.get("email") or "",
            )
    return sorted(people.values(), key=lambda s: s.student_id)


def export(
    course: Course,
    assignments: list[str],
    fmt: str,
    output: str | None = None,
    roster_path: str | None = None,
    canvas_ids: dict[str, str] | None = None,
    err: TextIO = sys.stderr,
) -> str:
    """Write the CSV (to ``output`` or stdout) and return its text."""
    roster = load_roster(roster_path) if roster_path else None
    if fmt == "canvas" and roster is None:
        raise CourseError("--format canvas needs --roster (Canvas matches rows by its user ID)")
    people = _people(course, roster)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    per: dict[str, dict] = {}
    for a in assignments:
        submitted_dir = course.folder("submitted")
        per[a] = {
            "scores": class_scores(course, a),
            "rows": _submission_rows(course, a),
            "results": autograde_results(course, a),
            "max": assignment_max_score(course, a),
            "submitted": {p.parent.name for p in submitted_dir.glob(f"*/{a}") if p.is_dir()},
        }
    missing_report: list[str] = []
    if fmt == "nbgrader":
        writer.writerow(NBGRADER_COLUMNS)
        for a in assignments:
            d = per[a]
            for s in people:
                sc = d["scores"].get(s.student_id)
                row = d["rows"].get(s.student_id, {})
                status = student_status(
                    sc, d["results"].get(s.student_id), s.student_id in d["submitted"]
                )
                if status != "graded":
                    missing_report.append(f"{a} {s.student_id}: {status}")
                writer.writerow(
                    [
                        a,
                        row.get("duedate", ""),
                        row.get("timestamp", ""),
                        s.student_id,
                        s.last_name,
                        s.first_name,
                        s.email,
                        "" if sc is None else f"{row.get('raw_score', sc.score):g}",
                        "" if sc is None else f"{row.get('late_submission_penalty', 0.0):g}",
                        "" if sc is None else f"{sc.score:g}",
                        f"{d['max']:g}",
                        status,
                    ]
                )
    else:
        ids = canvas_ids or {}
        headers = [f"{a} ({ids[a]})" if a in ids else a for a in assignments]
        writer.writerow(CANVAS_COLUMNS + headers)
        writer.writerow(
            ["    Points Possible", "", "", "", ""] + [f"{per[a]['max']:g}" for a in assignments]
        )
        for s in people:
            if not s.lms_id:
                missing_report.append(f"{s.student_id}: in the gradebook but not on the roster")
                continue
            cells = []
            for a in assignments:
                sc = per[a]["scores"].get(s.student_id)
                status = student_status(
                    sc, per[a]["results"].get(s.student_id), s.student_id in per[a]["submitted"]
                )
                if status != "graded":
                    missing_report.append(f"{a} {s.student_id}: {status}")
                cells.append("" if sc is None else f"{sc.score:g}")
            writer.writerow(
                [s.sortable_name, s.lms_id, s.sis_user_id, s.sis_login_id, s.section] + cells
            )
    text = buf.getvalue()
    if output:
        Path(output).write_text(text, encoding="utf-8")
        print(f"wrote {output}", file=err)
    else:
        sys.stdout.write(text)
    if missing_report:
        print("not (fully) graded — check before importing:", file=err)
        for line in missing_report:
            print(f"  {line}", file=err)
    return text
