"""nbgrader preprocessors of the grading package, one per file (nbgrader's own layout).

Autograde (sanitize): :class:`RepairStructure`, :class:`ResetExecutionMetadata`.
Autograde (run): :class:`GuardedExecute`.
Feedback: :class:`HideHiddenTests` (also in ``autograder/nbgrader_config.py``).
"""

from alliance.grading.preprocessors.guarded_execute import GuardedExecute
from alliance.grading.preprocessors.hide_hidden_tests import HideHiddenTests
from alliance.grading.preprocessors.repair_structure import RepairStructure
from alliance.grading.preprocessors.reset_metadata import ResetExecutionMetadata

__all__ = ["GuardedExecute", "HideHiddenTests", "RepairStructure", "ResetExecutionMetadata"]
