"""A tiny notebook builder that writes nbgrader (schema 3) source notebooks.

Why: hand-editing nbgrader JSON is error-prone (metadata, unique ids, points), and reviewing an
assignment in a diff of JSON is painful. Each assignment is written as readable Python calls —
``md``, ``code``, ``answer``, ``test``, ``written`` — and this module turns them into a notebook
with the right metadata, deterministic cell ids and no outputs.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Iterable
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from alliance.exercises.checks import FIRST_LINE, fingerprint

GRADE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
#: comparisons that ask the student's object for the answer (an always-equal object says yes)
UNSAFE_COMPARE = (ast.Eq, ast.NotEq, ast.In, ast.NotIn)
#: where each check_* helper takes the hint that becomes the first line of its message
HINT_ARG = {"check_value": 2, "check_fingerprint": 4, "fail": 0}
#: names a test cell must import itself: a student's cell could rebind them in the shared kernel
TRUSTED = {
    "alliance.exercises": set(__import__("alliance.exercises").exercises.__all__),
    "alliance.vignettes": {"replay_code", "PathError"},
}


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
        (``alliance.measures``); the check goes right after the cell's leading comments. The
        cell imports every ``alliance.exercises`` helper it uses itself, in one line after the
        comments (see ``_with_imports``).
        """
        src = _with_imports(_clean(src), own)
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
        _check_test_code(f"{self.name}: test {grade_id}", src)
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

    def label_tests(
        self,
        prefix: str,
        var: str,
        key: dict,
        allowed_src: str,
        allowed: Iterable[str | int],
        groups: list[tuple[tuple, str, str]],
        points: float = 1,
    ) -> list[str]:
        """One test cell per group of items, checking the labels by fingerprint (see checks.py).

        ``key`` maps each item to its right label; ``groups`` lists ``(items, what, hint)``:
        ``what`` names the group in the cell's comment (never its answers), ``hint`` (one short
        line) is what the student reads first when the group is not right yet. Returns the test
        cells' grade ids.
        """
        allowed = list(allowed)
        if any(label not in allowed for label in key.values()):
            raise ValueError(f"{self.name}: {prefix} key uses a label not in {allowed}")
        if sorted(i for items, _, _ in groups for i in items) != sorted(key):
            raise ValueError(f"{self.name}: {prefix} groups must cover every item once")
        ids = []
        for n, (items, what, hint) in enumerate(groups, start=1):
            gid = f"{prefix}-test-{n}"
            digest = fingerprint(gid, {i: key[i] for i in items})
            rule = {1: "", 2: ", both must be right"}.get(len(items), ", all must be right")
            self.test(
                gid,
                points,
                f"""
                # Checks your answers for {what}: {_points(points)}{rule}.
                # It compares a fingerprint (hash) of your answers with the right ones, so it can
                # tell you whether they are right without showing them.
                from alliance.exercises import check_fingerprint, check_labels

                check_labels({var}, "{var}", {list(key)!r}, {allowed_src})
                check_fingerprint(
                    {var}, {list(items)!r}, "{gid}", "{digest}",
                    {hint!r},
                )
                """,
            )
            ids.append(gid)
        return ids

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


def _points(points: float) -> str:
    return f"{points:g} point" + ("" if points == 1 else "s")


def _with_imports(src: str, own: tuple[str, ...]) -> str:
    """``src`` with one import of the ``alliance.exercises`` helpers it uses, and the own-code
    checks, placed after its leading comments.

    Why every cell imports its helpers: student code runs in the same kernel, and a student cell
    that rebinds ``same`` or ``check_labels`` would otherwise change the tests that follow.
    """
    helpers = TRUSTED["alliance.exercises"]
    lines = [
        line for line in src.split("\n") if not line.startswith("from alliance.exercises import ")
    ]
    n = next(
        i for i, line in enumerate(lines) if not line.startswith("#") or line.startswith("### ")
    )
    body = "\n".join(line for line in lines if not line.lstrip().startswith("### "))
    used = {
        node.id
        for node in ast.walk(ast.parse(body))
        if isinstance(node, ast.Name) and node.id in helpers
    }
    if own:
        used.add("check_own_code")
    rest = lines[n:]
    imports = []
    while rest and (not rest[0].strip() or rest[0].startswith(("from ", "import "))):
        if rest[0].strip():
            imports.append(rest[0])
        rest = rest[1:]
    if used:
        imports.insert(0, f"from alliance.exercises import {', '.join(sorted(used))}")
    blocks = [imports, [f'check_own_code({f}, "{f}")' for f in own]]
    out = lines[:n]
    for block in blocks:
        if block:
            out += ([""] if out[n:] else []) + block
    if rest:
        out += [""] + rest if out[n:] else rest
    return "\n".join(out)


def _hint_length(node: ast.expr) -> int | None:
    """Characters of a hint literal (a formatted value counts 8), or None if not a literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return len(node.value)
    if isinstance(node, ast.JoinedStr):
        return sum(len(v.value) if isinstance(v, ast.Constant) else 8 for v in node.values)
    return None


def _check_test_code(where: str, src: str) -> None:
    """Refuse comparisons an always-equal object passes, and hints too long for Validate.

    Why: ``x == y`` and ``x in ys`` ask the student's object for the answer (issue: an object
    whose ``__eq__`` always says yes got marks); test cells compare through
    ``alliance.exercises.same`` (or ``is`` for None). nbgrader's Validate cuts error lines at
    about 90 characters, so the hint that starts a message must fit in ``FIRST_LINE``.
    """
    code = "\n".join(line for line in src.split("\n") if not line.lstrip().startswith("### "))
    tree = ast.parse(code)
    imported = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module in TRUSTED
        for alias in node.names
    }
    trusted = set().union(*TRUSTED.values())
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in trusted}
    if used - imported:
        raise ValueError(
            f"{where}: import {sorted(used - imported)} in the cell itself (a student's cell "
            "could have rebound the name)"
        )
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(isinstance(op, UNSAFE_COMPARE) for op in node.ops):
            raise ValueError(
                f"{where} line {node.lineno}: compare with same() or is, not ==/!=/in "
                "(an object whose __eq__ always says yes would pass)"
            )
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in HINT_ARG:
            index = HINT_ARG[node.func.id]
            if len(node.args) > index:
                n = _hint_length(node.args[index])
                if n is not None and n > FIRST_LINE:
                    raise ValueError(
                        f"{where} line {node.lineno}: hint is {n} characters; Validate shows "
                        f"{FIRST_LINE} after the error's name: put the key words first, "
                        "details after"
                    )


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
