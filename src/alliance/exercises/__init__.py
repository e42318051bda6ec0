"""Support code for the course's graded exercises (nbgrader assignments in ``exercises/``).

Why it is in the package: test cells and the feedback step need a few shared pieces (friendly,
strict checks and the preprocessor that keeps hidden tests out of feedback). Nothing here knows an
answer: solutions and hidden tests live only in the instructor's source notebooks, and the
visible label checks hold fingerprints (hashes) of the right answers, never the answers.
"""

from alliance.exercises.checks import (
    StudentInputError,
    check_axes,
    check_fingerprint,
    check_keys,
    check_labels,
    check_number,
    check_own_code,
    check_sequence,
    check_text,
    check_value,
    fail,
    fingerprint,
    mentions,
    same,
)

__all__ = [
    "StudentInputError",
    "check_axes",
    "check_fingerprint",
    "check_keys",
    "check_labels",
    "check_number",
    "check_own_code",
    "check_sequence",
    "check_text",
    "check_value",
    "fail",
    "fingerprint",
    "mentions",
    "same",
]
