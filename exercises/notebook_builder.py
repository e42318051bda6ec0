"""A tiny notebook builder that writes nbgrader (schema 3) source notebooks.

Why: hand-editing nbgrader JSON is error-prone (metadata, unique ids, points), and reviewing an
assignment in a diff of JSON is painful. Each assignment is written as readable Python calls —
``md``, ``code``, ``answer``, ``test``, ``written`` — and this module turns them into a notebook
with the right metadata, deterministic cell ids and no outputs.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

GRADE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _clean(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


class Notebook:
    """An nbgrader source notebook under construction."""

    def __init__(self, assignment: str, name: str) -> None:
        self.assignment = assignment
        self.name = name
        self.cells: list = []
        self._ids: set[str] = set()
        self._auto = 0

    # -- cell kinds -----------------------------------------------------------------------
    def md(self, text: str) -> None:
        """Instructions: a read-only markdown cell (restored from the source at grading)."""
        self._add(new_markdown_cell(_clean(text)), self._next_id("md"), locked=True)

    def code(self, src: str) -> None:
        """Provided code the student runs but does not edit (read-only)."""
        self._add(new_code_cell(_clean(src)), self._next_id("code"), locked=True)

    def scratch(self, src: str = "# Try things out here (not graded).") -> None:
        """A free code cell for experiments: no nbgrader metadata at all."""
        cell = new_code_cell(_clean(src))
        cell["id"] = self._next_id("scratch")
        self.cells.append(cell)

    def answer(self, grade_id: str, src: str) -> None:
        """An autograded answer: code with a ``### BEGIN/END SOLUTION`` region."""
        src = _clean(src)
        if "### BEGIN SOLUTION" not in src or "### END SOLUTION" not in src:
            raise ValueError(f"{self.name}: answer {grade_id} has no BEGIN/END SOLUTION region")
        self._add(new_code_cell(src), grade_id, solution=True)

    def test(self, grade_id: str, points: float, src: str, own: tuple[str, ...] = ()) -> None:
        """A test cell worth ``points``; its first line must say what it checks.

        ``own`` names student functions that must not delegate to the course's reference code
        (``alliance.measures``); the check goes right after the cell's leading comments.
        """
        src = _clean(src)
        if own:
            lines = src.split("\n")
            n = next(
                i
                for i, line in enumerate(lines)
                if not line.startswith("#") or line.startswith("### BEGIN")
            )
            checks = ["from alliance.exercises import check_own_code", ""]
            checks += [f'check_own_code({f}, "{f}")' for f in own]
            rest = lines[n:]
            if rest and rest[0].strip():
                checks.append("")
            src = "\n".join(lines[:n] + checks + rest)
        if not src.startswith("# "):
            raise ValueError(
                f"{self.name}: test {grade_id} must start with a comment saying what it checks"
            )
        if "### BEGIN HIDDEN TESTS" in src:
            visible = src.split("### BEGIN HIDDEN TESTS")[0]
            if "assert " in visible:
                raise ValueError(
                    f"{self.name}: test {grade_id} mixes visible asserts with hidden tests; "
                    "keep visible checks to alliance.exercises.check_* (their messages are safe)"
                )
        self._add(new_code_cell(src), grade_id, grade=True, locked=True, points=points)

    def written(self, grade_id: str, points: float, model_answer: str) -> None:
        """A manually graded markdown answer; the model answer is replaced on release."""
        self._add(
            new_markdown_cell(_clean(model_answer)),
            grade_id,
            grade=True,
            solution=True,
            points=points,
        )

    # -- plumbing -------------------------------------------------------------------------
    def _next_id(self, kind: str) -> str:
        self._auto += 1
        return f"{self.assignment}-{kind}-{self._auto:02d}"

    def _add(
        self,
        cell,
        grade_id: str,
        *,
        grade: bool = False,
        solution: bool = False,
        locked: bool = False,
        points: float | None = None,
    ) -> None:
        if cell.source[:1].isspace():
            raise ValueError(
                f"{self.name}: cell {grade_id} starts with indentation; an interpolated "
                "multi-line value probably broke the dedent"
            )
        if not GRADE_ID.match(grade_id):
            raise ValueError(f"{self.name}: bad grade_id {grade_id!r}")
        if grade_id in self._ids:
            raise ValueError(f"{self.name}: duplicate grade_id {grade_id!r}")
        self._ids.add(grade_id)
        meta = {
            "grade": grade,
            "grade_id": grade_id,
            "locked": locked,
            "schema_version": 3,
            "solution": solution,
            "task": False,
        }
        if points is not None:
            meta["points"] = points
        cell["id"] = grade_id
        cell["metadata"]["nbgrader"] = meta
        self.cells.append(cell)

    @property
    def points(self) -> float:
        return sum(
            c.metadata["nbgrader"].get("points", 0) for c in self.cells if "nbgrader" in c.metadata
        )

    def write(self, folder: Path) -> Path:
        nb = new_notebook(cells=self.cells)
        nb.metadata = {
            "kernelspec": {
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
                "name": "python3",
            },
            "language_info": {"name": "python"},
        }
        nbformat.validate(nb)
        path = folder / self.assignment / f"{self.name}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
        return path


HOW_TO_SUBMIT = """\
> **How to submit**
> 1. Write your answers where a cell says `YOUR CODE HERE` (delete the `raise NotImplementedError()`
>    line) or `YOUR ANSWER HERE`. Do not delete, copy or rename cells, and keep the notebook's name.
> 2. Save, then **Kernel → Restart Kernel and Run All Cells**: the notebook is graded from a fresh
>    start, so it must run top to bottom.
> 3. Click **Validate** (nbgrader toolbar). It runs the visible tests; hidden tests run only at
>    grading, so also test your code on cases of your own.
> 4. Save again and **Submit** from the *Assignments* tab (or upload the `.ipynb` the way your
>    instructor asks).
"""
