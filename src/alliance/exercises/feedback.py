"""Kept so course configs that name ``alliance.exercises.feedback.HideHiddenTestOutput`` still work.

The feedback policy lives in :mod:`alliance.grading.preprocessors.hide_hidden_tests`; this is the
same class under its old name, not a second policy.
"""

from alliance.grading.preprocessors.hide_hidden_tests import HideHiddenTests

HideHiddenTestOutput = HideHiddenTests

__all__ = ["HideHiddenTestOutput", "HideHiddenTests"]
