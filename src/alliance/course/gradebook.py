"""Kept for the course apps: the gradebook views live in :mod:`alliance.grading.gradebook`."""

from alliance.grading.gradebook import (  # noqa: F401 - re-exported
    CellInfo,
    StudentScores,
    assignment_cells,
    assignment_max_score,
    assignment_notebooks,
    cells_in_gradebook,
    class_scores,
    gradebook_students,
)
