"""The class roster: who is enrolled, and how LMS ids map to nbgrader student ids.

A CSV with a header row. Required columns: ``student_id`` (the nbgrader id, used for folder
names) and ``lms_id`` (the LMS's numeric user id, as in Canvas download file names). Optional:
``first_name``, ``last_name``, ``email``, ``section``, ``sis_user_id``, ``sis_login_id``.
Errors name the file and line, because a roster is typed or exported by hand.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from alliance.course.config import CourseError

REQUIRED = ("student_id", "lms_id")
OPTIONAL = ("first_name", "last_name", "email", "section", "sis_user_id", "sis_login_id")
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class Student:
    student_id: str
    lms_id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    section: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""

    @property
    def sortable_name(self) -> str:
        """Canvas's "Last, First" form."""
        if self.last_name or self.first_name:
            return f"{self.last_name}, {self.first_name}".strip(", ")
        return self.student_id


def load_roster(path: str | Path) -> list[Student]:
    path = Path(path)
    if not path.is_file():
        raise CourseError(f"{path}: roster file not found")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise CourseError(f"{path}:1: roster header lacks column(s) {', '.join(missing)}")
        students: list[Student] = []
        seen_ids: dict[str, int] = {}
        seen_lms: dict[str, int] = {}
        problems: list[str] = []
        for row in reader:
            line = reader.line_num
            row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
            sid, lms = row.get("student_id", ""), row.get("lms_id", "")
            if not sid or not lms:
                problems.append(f"{path}:{line}: student_id and lms_id must both be filled in")
                continue
            if not SAFE_ID.match(sid):
                problems.append(
                    f"{path}:{line}: student_id {sid!r} must be letters, digits, '.', '_', '-'"
                )
                continue
            for value, seen, what in ((sid, seen_ids, "student_id"), (lms, seen_lms, "lms_id")):
                if value in seen:
                    problems.append(f"{path}:{line}: {what} {value!r} repeats line {seen[value]}")
                seen[value] = line
            students.append(Student(sid, lms, *(row.get(c, "") for c in OPTIONAL)))
        if problems:
            raise CourseError("\n".join(problems))
        return students
