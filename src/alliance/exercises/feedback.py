"""Keep hidden tests out of the feedback students receive.

Why: nbgrader's ``ClearHiddenTests`` removes the hidden lines from a test cell's source, but the
cell's outputs were produced by the full cell, so a failing hidden ``assert`` still shows up in
the traceback, with its source line and its message (design.md §3; nbgrader issues #917, #1363).
This preprocessor runs before ``ClearHiddenTests`` in ``GenerateFeedback.preprocessors`` and
replaces all outputs of every cell that holds hidden tests:

* a passing cell keeps no output;
* a failing cell gets one error output with a generic message, except for errors that describe
  only the student's own answer: :class:`~alliance.exercises.checks.StudentInputError` (raised by
  the visible format checks), ``NameError`` (a variable or function the student has not defined)
  and ``NotImplementedError`` (an answer not yet written). Those keep their one-line message,
  never their traceback (IPython's traceback prints neighbouring source lines).
"""

from __future__ import annotations

from typing import Any

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from traitlets import List, Unicode

BEGIN_HIDDEN = "BEGIN HIDDEN TESTS"


class HideHiddenTestOutput(Preprocessor):
    """Replace the outputs of cells containing hidden tests with a message that reveals nothing."""

    message = Unicode(
        "A hidden check in this cell did not pass. Hidden checks test cases you cannot see "
        "(the comment at the top of the cell says what they cover): re-read the rules stated "
        "in the question and test your function on cases of your own, including unusual ones.",
        help="What a student sees when a hidden test fails.",
    ).tag(config=True)

    kept_errors = List(
        Unicode(),
        default_value=["StudentInputError", "NameError", "NotImplementedError"],
        help="Exceptions whose one-line message may be shown from a cell with hidden tests.",
    ).tag(config=True)

    enabled = True

    def preprocess_cell(
        self, cell: NotebookNode, resources: dict[str, Any], index: int
    ) -> tuple[NotebookNode, dict[str, Any]]:
        if cell.cell_type != "code" or BEGIN_HIDDEN not in cell.source:
            return cell, resources
        errors = [out for out in cell.get("outputs", []) if out.get("output_type") == "error"]
        outputs = []
        if errors:
            err = errors[0]
            if err.get("ename") in self.kept_errors:
                ename, evalue = err["ename"], err.get("evalue", "")
                if ename == "NotImplementedError" and not evalue:
                    evalue = "an answer this cell uses is not written yet"
            else:
                ename, evalue = "HiddenTestFailed", self.message
            outputs.append(
                NotebookNode(
                    output_type="error",
                    ename=ename,
                    evalue=evalue,
                    traceback=[f"{ename}: {evalue}"],
                )
            )
        cell.outputs = outputs
        return cell, resources
