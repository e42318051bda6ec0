"""Read-only views of nbgrader's gradebook that export, report and autograde share.

Why: nbgrader's gradebook is the single source of truth for scores (SQLite by default; any
SQLAlchemy ``db_url`` is passed through unchanged). These helpers turn it into plain dicts so
the rest of the code never holds a database session for long.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from alliance.course.config import Course, CourseError


@dataclass
class CellInfo:
    """One graded cell of the source assignment."""

    notebook: str
    name: str
    cell_type: str  # code | markdown
    max_score: float
    autograded: bool  # a test cell (code, not a solution) scored by running it
    locked: bool
    source: str
    is_task: bool = False
    solution: bool = False  # an answer cell the student writes in
    graded: bool = False  # carries points


@dataclass
class StudentScores:
    """One student's scores for one assignment, as the gradebook has them."""

    student: str
    score: float
    max_score: float
    needs_manual_grade: bool
    cells: dict[str, dict] = field(default_factory=dict)  # "nb/cell" -> grade details
    timestamp: str | None = None  # submission time (ISO 8601), from timestamp.txt
    late_seconds: float = 0.0


def assignment_cells(course: Course, assignment: str) -> list[CellInfo]:
    """The graded and locked cells of an assignment; error if it was never released."""
    return cells_in_gradebook(course.db_url, course.coursedir.course_id, assignment)


def cells_in_gradebook(db_url: str, course_id: str, assignment: str) -> list[CellInfo]:
    """Every source cell nbgrader recorded at release, in notebook order."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url, course_id) as gb:
        try:
            a = gb.find_assignment(assignment)
        except MissingEntry:
            raise CourseError(
                f"assignment '{assignment}' is not in the gradebook {db_url}: "
                f"run 'alliance course release {assignment}' first"
            ) from None
        cells: list[CellInfo] = []
        for nb in a.notebooks:
            graded = {c.name: c for c in nb.grade_cells}
            tasks = {c.name for c in nb.task_cells}
            solutions = {c.name for c in nb.solution_cells}
            for sc in nb.source_cells:
                g = graded.get(sc.name)
                cells.append(
                    CellInfo(
                        notebook=nb.name,
                        name=sc.name,
                        cell_type=sc.cell_type,
                        max_score=float(g.max_score) if g is not None else 0.0,
                        autograded=g is not None
                        and sc.cell_type == "code"
                        and sc.name not in solutions,
                        locked=bool(sc.locked),
                        source=sc.source or "",
                        is_task=sc.name in tasks,
                        solution=sc.name in solutions,
                        graded=g is not None,
                    )
                )
        return cells


def assignment_notebooks(course: Course, assignment: str) -> list[str]:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        try:
            return sorted(nb.name for nb in gb.find_assignment(assignment).notebooks)
        except MissingEntry:
            raise CourseError(
                f"assignment '{assignment}' is not in the gradebook {course.db_url}: "
                f"run 'alliance course release {assignment}' first"
            ) from None


def class_scores(course: Course, assignment: str) -> dict[str, StudentScores]:
    """Every submission of an assignment in the gradebook, keyed by student id."""
    from nbgrader.api import Gradebook, MissingEntry

    out: dict[str, StudentScores] = {}
    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        try:
            a = gb.find_assignment(assignment)
        except MissingEntry:
            return out
        for sub in a.submissions:
            s = StudentScores(
                student=sub.student.id,
                score=float(sub.score or 0.0),
                max_score=float(sub.max_score or 0.0),
                needs_manual_grade=bool(sub.needs_manual_grade),
                timestamp=sub.timestamp.isoformat() if sub.timestamp else None,
                late_seconds=float(sub.total_seconds_late or 0.0),
            )
            for nb in sub.notebooks:
                for g in nb.grades:
                    s.cells[f"{nb.name}/{g.name}"] = {
                        "auto_score": g.auto_score,
                        "manual_score": g.manual_score,
                        "score": float(g.score or 0.0),
                        "max_score": float(g.max_score or 0.0),
                        "needs_manual_grade": bool(g.needs_manual_grade),
                        "cell_type": g.cell_type,
                    }
            out[s.student] = s
    return out
