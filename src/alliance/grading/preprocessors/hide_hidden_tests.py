"""The one feedback policy: what a student sees of hidden tests, and of everything after them.

Why one preprocessor, used everywhere: nbgrader's feedback shows hidden-test source, and even with
``ClearHiddenTests`` a failing hidden ``assert`` is printed in the traceback (design.md §3;
nbgrader #917, #1363). Two scrubbers with two policies gave the same student different feedback
from ``alliance course feedback`` and plain ``nbgrader generate_feedback``, and neither stopped
student code that *read* a hidden test while it ran from printing it later (base64 got all 42
lines of one assignment through; a ``NameError`` raised by student code carried a whole block).
This class is in ``autograder/nbgrader_config.py`` for plain nbgrader and is what
``alliance course feedback`` runs, so both give the same page:

* cells before the first hidden test are shown as graded (no hidden text was in the kernel yet);
* a cell with hidden tests keeps its visible source (the comment says what it checks); its
  outputs become one neutral message if it failed, nothing if it passed — never its own error;
* every code cell *from the first hidden test on* loses its outputs, because any of them could
  carry hidden text that student code read: a test shows only whether it passed, any other cell
  a note (the student can re-run the notebook to see them);
* the one exception is a failed check's message made only of text the student already has:
  a line the released notebook shows word for word (``check_fingerprint(..., '3 and 6: does it
  add meaning…')``), or one of the course's check messages (``alliance.exercises.checks``) whose
  every filled-in part is such text ("The figure needs a title (ax.set_title)."). A student's
  own values cannot be filled in, so nothing hidden can travel that way;
* widget state is dropped (widgets updated late could carry text too).
"""

from __future__ import annotations

import ast
import re
import tokenize
from functools import lru_cache
from pathlib import Path
from typing import Any

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from traitlets import Unicode

from alliance.grading.hidden import has_hidden_tests, string_values, strip_hidden

#: exception names a failed check may show with its hint (a name chosen by student code could
#: carry text; these cannot)
KNOWN_ERRORS = {"AssertionError", "StudentInputError", "NameError", "NotImplementedError"}


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


def shown_lines(sources: list[str]) -> frozenset[str]:
    """Every line a notebook shows, and every line of every string literal in its code."""
    lines: set[str] = set()
    for source in sources:
        lines.update(line.strip() for line in source.splitlines() if line.strip())
        try:
            values = list(string_values(source))  # all or nothing, as before
        except (tokenize.TokenError, SyntaxError, IndentationError):
            continue
        for value in values:
            lines.update(line.strip() for line in value.splitlines() if line.strip())
    return frozenset(lines)


@lru_cache(maxsize=16)
def _released(path: str, mtime: float) -> frozenset[str]:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    sources = [c.source for c in nb.cells]
    words = {w for src in sources for w in src.split()}
    return shown_lines(sources) | frozenset(w.strip("`'\",.:;()") for w in words) | words


@lru_cache(maxsize=1)
def _check_messages() -> tuple[frozenset[str], tuple[re.Pattern, ...]]:
    """The fixed lines, and the shapes of the f-strings, of the course's check messages."""
    import alliance.exercises.checks as checks

    tree = ast.parse(Path(checks.__file__).read_text(encoding="utf-8"))
    fixed: set[str] = set()
    shapes: list[re.Pattern] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            fixed.update(line.strip() for line in node.value.splitlines() if line.strip())
        elif isinstance(node, ast.JoinedStr):
            parts = [
                re.escape(str(v.value)) if isinstance(v, ast.Constant) else "(.+?)"
                for v in node.values
            ]
            shapes.append(re.compile("".join(parts).strip()))
    return frozenset(fixed), tuple(shapes)


def known_line(line: str, shown: frozenset[str]) -> bool:
    """Whether ``line`` is made only of text the student already has (see the module doc)."""
    fixed, shapes = _check_messages()
    if line in shown or line in fixed:
        return True
    for shape in shapes:
        match = shape.fullmatch(line)
        if match and all(part in shown or part in fixed for part in match.groups()):
            return True
    return False


class HideHiddenTests(Preprocessor):
    """Hidden tests reduced to a neutral message; nothing after the first one but known hints."""

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
        shown = self._release_lines(resources)
        for cell in cells[first:]:
            if cell.cell_type != "code":
                continue
            hidden = has_hidden_tests(cell.source)
            if not _is_test(cell) and not hidden:
                if cell.get("outputs"):
                    note = NotebookNode(
                        output_type="stream", name="stdout", text=self.not_shown + "\n"
                    )
                    cell.outputs = [note]
                continue
            if hidden:
                cell.source = strip_hidden(cell.source)
            cell.outputs = [self._verdict(cell, hidden, shown)] if _failed(cell) else []
        return nb, resources

    def _verdict(self, cell: NotebookNode, hidden: bool, shown: frozenset[str]) -> NotebookNode:
        """What a failed test cell shows: a hint the release shows, else a neutral message."""
        for out in cell.get("outputs", []):
            if out.get("output_type") != "error":
                continue
            lines = [ln.strip() for ln in str(out.get("evalue", "")).splitlines() if ln.strip()]
            known = [ln for ln in lines if known_line(ln, shown)]
            if known:
                ename = out.get("ename") if out.get("ename") in KNOWN_ERRORS else "TestFailed"
                return _error(ename, "\n".join(known))
            break
        return _error(
            "HiddenTestFailed" if hidden else "TestFailed",
            self.message if hidden else self.visible_failed,
        )

    def _release_lines(self, resources: dict[str, Any]) -> frozenset[str]:
        """The lines of the released notebook this feedback is for (empty if not found)."""
        info = resources.get("nbgrader") or {}
        if not info.get("assignment") or not info.get("notebook"):
            return frozenset()
        from nbgrader.coursedir import CourseDirectory

        coursedir = CourseDirectory(config=self.config)
        path = (
            Path(coursedir.format_path(coursedir.release_directory, ".", info["assignment"]))
            / f"{info['notebook']}.ipynb"
        )
        return _released(str(path), path.stat().st_mtime) if path.is_file() else frozenset()
