"""Support code for the course's graded exercises (nbgrader assignments in ``exercises/``).

Why it is in the package: test cells and the feedback step need a few shared pieces (friendly
input checks, the preprocessor that keeps hidden tests out of feedback, and helpers the test suite
and the instructor tools use to run nbgrader in a throw-away course). Nothing here knows an answer:
solutions and hidden tests live only in the instructor's source notebooks, never in code a student
can import.
"""

from alliance.exercises.checks import (
    StudentInputError,
    check_axes,
    check_keys,
    check_labels,
    check_number,
    check_own_code,
)

__all__ = [
    "StudentInputError",
    "check_axes",
    "check_keys",
    "check_labels",
    "check_number",
    "check_own_code",
]
