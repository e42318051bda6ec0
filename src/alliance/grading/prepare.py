"""Orchestrator step 1: decide who is graded, and give nbgrader only checked copies.

For every folder under ``submitted/`` holding the assignment: its name must follow the roster's
student-id rule (a name with a newline or an escape sequence is reported for that folder and the
rest of the class is graded); a student graded by an earlier run whose files are unchanged is
*kept* unless ``--force``; everyone else is checked and staged
(:func:`alliance.grading.submission.check_and_stage`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from alliance.course.config import Course, CourseError
from alliance.course.roster import SAFE_ID
from alliance.grading.gradebook import CellInfo
from alliance.grading.protocol import Job
from alliance.grading.results import ClassRun, Issue
from alliance.grading.submission import Checked, SubmissionLimits, check_and_stage, tree_hashes


@dataclass
class Prepared:
    checked: dict[str, Checked] = field(default_factory=dict)  # everyone considered this run
    jobs: list[Job] = field(default_factory=list)  # to grade now
    kept: list[str] = field(default_factory=list)  # graded before, unchanged, left as they were


def submission_folders(submitted: Path, assignment: str) -> list[str]:
    """Every folder name under ``submitted/`` that holds this assignment (valid names or not)."""
    if not submitted.is_dir():
        return []
    return sorted(
        entry.name
        for entry in os.scandir(submitted)
        if entry.is_dir(follow_symlinks=False) and os.path.lexists(Path(entry.path, assignment))
    )


def bad_name(name: str) -> Issue | None:
    if SAFE_ID.match(name):
        return None
    return Issue(
        "invalid",
        f"the folder name {name!r} is not a valid student id (letters, digits, '.', '_', '-'; "
        "starting with a letter or digit): not graded — rename the folder",
    )


def prepare(
    course: Course,
    assignment: str,
    notebooks: list[str],
    cells: list[CellInfo],
    staging: Path,
    *,
    only: list[str] | None,
    force: bool,
    previous: ClassRun | None,
    limits: SubmissionLimits,
) -> Prepared:
    submitted = course.folder("submitted")
    names = submission_folders(submitted, assignment)
    if only:
        unknown = sorted(set(only) - set(names))
        if unknown:
            raise CourseError(f"no submission of {assignment} for: {', '.join(unknown)}")
        names = [n for n in names if n in set(only)]
    if not names:
        raise CourseError(f"no submissions in {submitted}/*/{assignment}: run collect first")
    out = Prepared()
    autograded = course.folder("autograded")
    for name in names:
        problem = bad_name(name)
        if problem is not None:
            out.checked[name] = Checked(name, "error", [problem])
            continue
        folder = submitted / name / assignment
        old = previous.students.get(name) if previous is not None else None
        if (
            not force
            and old is not None
            and old.status == "graded"
            and old.submission_sha256 == tree_hashes(folder)
            and (autograded / name / assignment).is_dir()
        ):
            out.kept.append(name)
            continue
        checked = check_and_stage(
            name, folder, staging / name / assignment, notebooks, cells, limits
        )
        if old is not None and old.submission_sha256 and old.submission_sha256 != checked.hashes:
            checked.issues.insert(0, Issue("other", "re-graded: the submission changed"))
        out.checked[name] = checked
        if checked.status == "gradable":
            out.jobs.append(Job(student=name, force=True))
    return out


def record_ungradable(course: Course, assignment: str, student: str, folder: Path) -> None:
    """A gradebook row with no points, as plain nbgrader leaves for a notebook it cannot read."""
    import warnings

    from nbgrader.api import Gradebook

    timestamp = course.coursedir.get_existing_timestamp(str(folder))
    with warnings.catch_warnings(), Gradebook(course.db_url, course.coursedir.course_id) as gb:
        warnings.simplefilter("ignore")  # SQLAlchemy's autoflush notes on nbgrader's own calls
        gb.update_or_create_student(student)
        if timestamp:
            gb.update_or_create_submission(assignment, student, timestamp=timestamp)
        else:
            gb.update_or_create_submission(assignment, student)
