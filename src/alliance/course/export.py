"""Export grades as CSV: nbgrader's columns plus lateness and a status, or a Canvas import.

Why a status column: nbgrader's own export silently leaves out students without a submission
(design.md §3) and scores a crashed grading as 0.0; an instructor pasting that into an LMS
cannot tell "did not submit" from "scored zero". Every student — on the roster, in the gradebook,
in the autograde results, or with a folder under ``submitted/`` — gets a row with a status, and
a missing submission counts as zero only when the instructor asks for it (``--missing-as-zero``).

Scores are nbgrader's: the raw score minus the late penalty, never below zero (as ``nbgrader
export`` computes them). Every cell built from people's data goes through ``csv_cell`` and every
line printed through ``terminal_line``.
"""

from __future__ import annotations

import csv
import io
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from alliance.course.classbook import (
    AssignmentBook,
    gradebook_assignments,
    gradebook_people,
    read_assignment,
)
from alliance.course.config import Course, CourseError, shown
from alliance.course.lateness import describe_late, refresh_penalties
from alliance.course.roster import Student, load_roster
from alliance.grading.results import ClassRun, StudentResult, load_class_run
from alliance.safe_text import csv_cell, terminal_line

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
    "hours_late",
    "status",
]
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MISSING = ("no submission", "no notebook in the submission")


@dataclass
class Standing:
    """One student's result on one assignment, ready for any export format."""

    status: str
    score: float | None  # None: leave the cell blank
    raw_score: float | None = None
    penalty: float | None = None
    timestamp: str = ""
    seconds_late: float = 0.0


def student_status(
    book: AssignmentBook, student: str, result: StudentResult | None, submitted: bool
) -> str:
    """What an instructor must know about a student before trusting (or importing) the score."""
    if result and result.status == "error":
        issues = result.issues or []
        return f"autograde error: {issues[-1].message if issues else 'unknown problem'}"
    if result and result.status == "missing":
        return "no notebook in the submission"
    sub = book.submissions.get(student)
    if sub is None:
        return "submitted, not graded yet" if submitted else "no submission"
    return "needs manual grading" if sub.needs_manual_grade else "graded"


def standing(
    book: AssignmentBook,
    student: str,
    result: StudentResult | None,
    submitted: bool,
    missing_as_zero: bool = False,
) -> Standing:
    status = student_status(book, student, result, submitted)
    sub = book.submissions.get(student)
    if status in MISSING:
        if missing_as_zero:
            return Standing(f"{status} (counted as 0)", 0.0, 0.0, 0.0)
        return Standing(status, None)
    if sub is None or status.startswith("autograde error"):
        return Standing(status, None)
    return Standing(
        status,
        sub.score,
        sub.raw_score,
        sub.penalty,
        sub.timestamp.isoformat(sep=" ") if sub.timestamp else "",
        sub.seconds_late,
    )


def resolve_assignments(course: Course, names: list[str], every: bool) -> list[str]:
    """``--all``: every assignment in the gradebook; otherwise the names, checked against it."""
    known = gradebook_assignments(course)
    if every:
        if not known:
            raise CourseError("the gradebook has no assignments yet: release one first")
        return known
    if not names:
        raise CourseError("name one or more ASSIGNMENTs or pass --all")
    unknown = [n for n in names if n not in known]
    if unknown:
        raise CourseError(
            f"not in the gradebook: {', '.join(unknown)} "
            f"(released: {', '.join(known) or 'none'}; run 'alliance course release' first)"
        )
    return list(dict.fromkeys(names))


def _people(
    course: Course, roster: list[Student] | None, runs: dict[str, ClassRun | None], folders
) -> list[Student]:
    people = {s.student_id: s for s in roster or []}
    known = gradebook_people(course)
    extra = set(known)
    for run in runs.values():
        extra |= set(run.students) if run else set()
    for names in folders.values():
        extra |= names
    for sid in extra - set(people):
        info = known.get(sid, {})
        people[sid] = Student(
            sid, "", info.get("first_name", ""), info.get("last_name", ""), info.get("email", "")
        )
    return sorted(people.values(), key=lambda s: s.student_id)


def _num(value: float | None) -> str:
    return "" if value is None else f"{round(value, 4):g}"


def export(
    course: Course,
    assignments: list[str],
    fmt: str,
    output: str | None = None,
    roster_path: str | None = None,
    canvas_ids: dict[str, str] | None = None,
    err: TextIO = sys.stderr,
    missing_as_zero: bool = False,
) -> str:
    """Write the CSV (to ``output`` or stdout) and return its text."""
    roster = load_roster(roster_path) if roster_path else None
    if fmt == "canvas" and roster is None:
        raise CourseError("--format canvas needs --roster (Canvas matches rows by its user ID)")
    refreshed = [f"{a} {x}" for a in assignments for x in refresh_penalties(course, a)]
    books = {a: read_assignment(course, a) for a in assignments}
    runs = {a: load_class_run(course.reports_dir, a) for a in assignments}
    submitted = course.folder("submitted")
    folders = {
        a: {p.parent.name for p in submitted.glob(f"*/{a}") if p.is_dir()} for a in assignments
    }
    people = _people(course, roster, runs, folders)

    def stand(a: str, sid: str) -> Standing:
        result = runs[a].students.get(sid) if runs[a] else None
        return standing(books[a], sid, result, sid in folders[a], missing_as_zero)

    standings = {(a, s.student_id): stand(a, s.student_id) for a in assignments for s in people}

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    warnings = [
        f"{a} {sid}: {st.status}"
        for (a, sid), st in standings.items()
        if not st.status.startswith("graded")
    ]
    late = [_late_line(a, sid, st) for (a, sid), st in standings.items() if st.seconds_late > 0]
    notices: list[str] = []
    if fmt == "nbgrader":
        writer.writerow(NBGRADER_COLUMNS)
        for a in assignments:
            due = books[a].duedate
            for s in people:
                st = standings[a, s.student_id]
                cells = [a, due.isoformat(sep=" ") if due else "", st.timestamp, s.student_id]
                cells += [s.last_name, s.first_name, s.email]
                cells += [_num(st.raw_score), _num(st.penalty), _num(st.score)]
                cells += [_num(books[a].max_score)]
                cells += [f"{st.seconds_late / 3600:.2f}" if st.seconds_late > 0 else ""]
                cells += [st.status]
                writer.writerow([csv_cell(c) for c in cells])
    else:
        ids = canvas_ids or {}
        for a in assignments:
            if a not in ids:
                notices.append(
                    f"{a}: no --canvas-id, so Canvas will create a NEW column '{a}' instead of "
                    f"filling the existing assignment (pass --canvas-id {a}=ID; the ID is the "
                    "number at the end of the assignment's Canvas address)"
                )
        headers = [f"{a} ({ids[a]})" if a in ids else a for a in assignments]
        writer.writerow(CANVAS_COLUMNS + headers)
        points = [_num(books[a].max_score) for a in assignments]
        writer.writerow(["    Points Possible", "", "", "", "", *points])
        for s in people:
            if not s.lms_id:
                notices.append(f"{s.student_id}: in the gradebook but not on the roster (left out)")
                continue
            cells = [_num(standings[a, s.student_id].score) for a in assignments]
            row = [s.sortable_name, s.lms_id, s.sis_user_id, s.sis_login_id, s.section] + cells
            writer.writerow([csv_cell(c) for c in row])
    text = buf.getvalue()
    if output:
        Path(output).write_text(text, encoding="utf-8")
        print(f"wrote {shown(output)}", file=err)
    else:
        sys.stdout.write(text)
    if refreshed:
        print(
            "late penalties recomputed from the current scores: " + ", ".join(refreshed), file=err
        )
    _print_notices(notices + warnings, late, err)
    return text


def _late_line(a: str, sid: str, st: Standing) -> str:
    penalty = f", penalty {_num(st.penalty)} point(s)" if st.penalty else ", no penalty"
    return f"{a} {sid}: {describe_late(st.seconds_late)} late{penalty}"


def _print_notices(notices: list[str], late: list[str], err: TextIO) -> None:
    if late:
        print("late submissions:", file=err)
        for line in late:
            print(f"  {terminal_line(line)}", file=err)
    if notices:
        print("check before importing:", file=err)
        for line in notices:
            print(f"  {terminal_line(line)}", file=err)
