"""One read of nbgrader's gradebook with everything export, report and written grading need.

Why: scores, late penalties, submission times, per-cell grades and comments all live in the
gradebook (the single source of truth, SQLite or any SQLAlchemy ``db_url``). Reading them once
into plain dataclasses keeps database sessions short and lets every consumer agree on, for
example, what "the score" is: nbgrader's ``raw score - late penalty``, never below zero, exactly
as ``nbgrader export`` computes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from alliance.course.config import Course, CourseError
from alliance.grading.gradebook import CellInfo, cells_in_gradebook


@dataclass
class CellGrade:
    """One graded cell of one student's submission."""

    notebook: str
    cell: str
    score: float
    max_score: float
    auto_score: float | None
    manual_score: float | None
    needs_manual_grade: bool
    comment: str = ""

    @property
    def key(self) -> str:
        return f"{self.notebook}/{self.cell}"


@dataclass
class Submission:
    """One student's graded submission of one assignment, as the gradebook holds it."""

    student: str
    raw_score: float
    max_score: float
    penalty: float
    needs_manual_grade: bool
    timestamp: datetime | None  # naive UTC, nbgrader's convention
    seconds_late: float
    grades: dict[str, CellGrade] = field(default_factory=dict)  # key "notebook/cell"

    @property
    def score(self) -> float:
        """What the student gets: the raw score minus the late penalty (as nbgrader exports)."""
        return max(0.0, self.raw_score - self.penalty)

    @property
    def late(self) -> bool:
        return self.seconds_late > 0


@dataclass
class AssignmentBook:
    """An assignment, its graded cells, and every submission the gradebook has for it."""

    name: str
    duedate: datetime | None
    max_score: float
    cells: list[CellInfo]
    submissions: dict[str, Submission] = field(default_factory=dict)

    @property
    def graded_cells(self) -> list[CellInfo]:
        return [c for c in self.cells if c.graded]

    def key(self, cell: CellInfo) -> str:
        return f"{cell.notebook}/{cell.name}"

    def label(self, cell: CellInfo) -> str:
        """A cell's name for people: the grade id, with its notebook when there are several."""
        notebooks = {c.notebook for c in self.cells}
        return cell.name if len(notebooks) == 1 else f"{cell.notebook}/{cell.name}"


def gradebook_assignments(course: Course) -> list[str]:
    """Every assignment recorded in the gradebook (released), in due-date then name order."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        items = [(a.duedate or datetime.max, a.name) for a in gb.assignments]
    return [name for _, name in sorted(items)]


def read_assignment(course: Course, name: str) -> AssignmentBook:
    """The gradebook's view of assignment ``name`` (error when it was never released)."""
    from nbgrader.api import Gradebook, MissingEntry

    cells = cells_in_gradebook(course.db_url, course.coursedir.course_id, name)
    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        try:
            a = gb.find_assignment(name)
        except MissingEntry:  # pragma: no cover - cells_in_gradebook raised first
            raise CourseError(f"assignment '{name}' is not in the gradebook") from None
        book = AssignmentBook(
            name=name, duedate=a.duedate, max_score=float(a.max_score or 0.0), cells=cells
        )
        for sub in a.submissions:
            s = Submission(
                student=sub.student.id,
                raw_score=float(sub.score or 0.0),
                max_score=float(sub.max_score or 0.0),
                penalty=float(sub.late_submission_penalty or 0.0),
                needs_manual_grade=bool(sub.needs_manual_grade),
                timestamp=sub.timestamp,
                seconds_late=float(sub.total_seconds_late or 0.0),
            )
            for nb in sub.notebooks:
                comments = {c.name: (c.manual_comment or "") for c in nb.comments}
                for g in nb.grades:
                    s.grades[f"{nb.name}/{g.name}"] = CellGrade(
                        notebook=nb.name,
                        cell=g.name,
                        score=float(g.score or 0.0),
                        max_score=float(g.max_score or 0.0),
                        auto_score=g.auto_score,
                        manual_score=g.manual_score,
                        needs_manual_grade=bool(g.needs_manual_grade),
                        comment=comments.get(g.name, ""),
                    )
            book.submissions[s.student] = s
    return book


def gradebook_people(course: Course) -> dict[str, dict[str, str]]:
    """Every student the gradebook knows, with the names nbgrader holds (may be blank)."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        return {
            s.id: {
                "first_name": s.first_name or "",
                "last_name": s.last_name or "",
                "email": s.email or "",
            }
            for s in gb.students
        }
