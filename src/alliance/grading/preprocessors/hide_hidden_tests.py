"""The one feedback policy: what a student sees of hidden tests, and of everything after them.

Why one preprocessor, used everywhere: nbgrader's feedback shows hidden-test source, and even with
``ClearHiddenTests`` a failing hidden ``assert`` is printed in the traceback (design.md §3;
nbgrader #917, #1363). Two scrubbers with two policies gave the same student different feedback
from ``alliance course feedback`` and plain ``nbgrader generate_feedback``, and neither stopped
student code that *read* a hidden test while it ran from printing it later (base64 got all 42
lines of one assignment through; a ``NameError`` raised by student code carried a whole block).
This class is in ``autograder/nbgrader_config.py`` for plain nbgrader and is what
``alliance course feedback`` runs, so both give the same page:

* a cell with hidden tests keeps its visible source (the comment says what it checks); its
  outputs become one neutral message if it failed, nothing if it passed — never its own error;
* every code cell *after the first hidden test* loses its outputs: a test cell shows only
  whether it passed, any other cell a note. Those outputs were produced once hidden test text
  had been in the kernel, so any of them could carry it out (the student can re-run their
  notebook to see them);
* widget state is dropped (widgets updated late could carry text too).

Cells before the first hidden test are shown as graded.
"""

from __future__ import annotations

from typing import Any

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from traitlets import Unicode

from alliance.grading.hidden import has_hidden_tests, strip_hidden


def _failed(cell: NotebookNode) -> bool:
    return any(
        o.get("output_type") == "error"
        or (o.get("output_type") == "stream" and o.get("name") == "stderr")
        for o in cell.get("outputs", [])
    )


def _is_test(cell: NotebookNode) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader") or {}
    return bool(meta.get("grade")) and not meta.get("solution")


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(
        output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"]
    )


class HideHiddenTests(Preprocessor):
    """Hidden tests reduced to a neutral message; nothing after the first one shown."""

    message = Unicode(
        "A hidden check in this cell did not pass. Hidden checks test cases you cannot see "
        "(the comment at the top of the cell says what they cover): re-read the rules stated "
        "in the question and test your function on cases of your own, including unusual ones.",
        help="What a student sees when a hidden test fails.",
    ).tag(config=True)
    visible_failed = Unicode(
        "This test did not pass. Run this cell in your own notebook to see its message.",
        help="What a student sees of a failed visible test after the first hidden test.",
    ).tag(config=True)
    not_shown = Unicode(
        "(Output not shown in feedback: it was produced after hidden tests had run. "
        "Run your notebook to see it.)",
        help="The note that replaces other outputs after the first hidden test.",
    ).tag(config=True)

    enabled = True

    def preprocess(
        self, nb: NotebookNode, resources: dict[str, Any]
    ) -> tuple[NotebookNode, dict[str, Any]]:
        nb.metadata.pop("widgets", None)
        cells = nb.cells
        first = next(
            (
                i
                for i, c in enumerate(cells)
                if c.cell_type == "code" and has_hidden_tests(c.source)
            ),
            None,
        )
        if first is None:
            return nb, resources
        for cell in cells[first:]:
            if cell.cell_type != "code":
                continue
            failed = _failed(cell)
            if has_hidden_tests(cell.source):
                cell.source = strip_hidden(cell.source)
                cell.outputs = [_error("HiddenTestFailed", self.message)] if failed else []
            elif _is_test(cell):
                cell.outputs = [_error("TestFailed", self.visible_failed)] if failed else []
            elif cell.get("outputs"):
                cell.outputs = [
                    NotebookNode(output_type="stream", name="stdout", text=self.not_shown + "\n")
                ]
        return nb, resources
