"""What students wrote, what they were asked, and how it is judged — read from the notebooks.

Why a module: the gradebook stores scores but not the students' text. Written grading (the sheet
and the per-question view) and the class report (which submissions were left blank) both need
the answer cells of the graded notebooks, the released stubs, and the question and rubric that
precede each written answer in the source notebook. Reading them here once keeps the three in
agreement, e.g. on when an answer "changed" (:func:`answer_id`).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from alliance.course.config import Course
from alliance.grading.gradebook import CellInfo, cells_in_gradebook

RUBRIC_LINE = re.compile(r"rubric", re.IGNORECASE)
SOLUTION_MARKER = re.compile(r"^\s*#+\s*(BEGIN|END) SOLUTION\s*$", re.MULTILINE)
#: How many markdown cells above a written answer may hold its question and rubric.
PROMPT_CELLS = 3


@dataclass
class WrittenQuestion:
    """A graded answer cell a person scores (nbgrader: grade + solution), with its context."""

    notebook: str
    cell: str
    max_score: float
    prompt: str  # the markdown above the answer: question and rubric as students saw them
    rubric: str  # the rubric part of the prompt (from the line that names it), or ""
    model_answer: str  # the answer in the source notebook, solution markers removed

    @property
    def key(self) -> str:
        return f"{self.notebook}/{self.cell}"


def _text(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _meta(cell: dict) -> dict:
    meta = cell.get("metadata") or {}
    nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nbg if isinstance(nbg, dict) else {}


def read_notebook(path: Path) -> list[dict]:
    """The cells of a notebook file; [] when it is missing, not JSON, or not a notebook."""
    try:
        if path.is_symlink() or not path.is_file():
            return []
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return []
    cells = data.get("cells") if isinstance(data, dict) else None
    return [c for c in cells if isinstance(c, dict)] if isinstance(cells, list) else []


def cells_by_id(path: Path) -> dict[str, str]:
    """grade_id -> source text of every nbgrader cell in a notebook file (last one wins)."""
    out: dict[str, str] = {}
    for cell in read_notebook(path):
        gid = _meta(cell).get("grade_id")
        if isinstance(gid, str):
            out[gid] = _text(cell)
    return out


def normalise(text: str) -> str:
    """Text as compared: line endings unified, trailing spaces and blank edges dropped."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def answer_id(text: str) -> str:
    """A short fingerprint of an answer: the sheet carries it to notice answers that changed.

    Prefixed so a spreadsheet never reads it as a number or a date.
    """
    return "sha256:" + hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()[:16]


def student_answers(course: Course, assignment: str, student: str, notebooks) -> dict[str, str]:
    """``notebook/grade_id`` -> what the student wrote: the graded copy, else the submission."""
    out: dict[str, str] = {}
    for nb in notebooks:
        for folder in ("autograded", "submitted"):
            path = course.folder(folder) / student / assignment / f"{nb}.ipynb"
            found = cells_by_id(path)
            if found:
                out.update({f"{nb}/{gid}": text for gid, text in found.items()})
                break
    return out


def released_answers(course: Course, assignment: str, notebooks) -> dict[str, str]:
    """``notebook/grade_id`` -> the text students were given in each cell (the stubs)."""
    out: dict[str, str] = {}
    for nb in notebooks:
        found = cells_by_id(course.folder("release") / assignment / f"{nb}.ipynb")
        out.update({f"{nb}/{gid}": text for gid, text in found.items()})
    return out


def is_blank(answer: str | None, stub: str | None) -> bool:
    """An answer left as released (or empty)."""
    if answer is None or not normalise(answer):
        return True
    return stub is not None and normalise(answer) == normalise(stub)


def _rubric(prompt: str) -> str:
    lines = prompt.split("\n")
    for i, line in enumerate(lines):
        if RUBRIC_LINE.search(line):
            return "\n".join(lines[i:]).strip()
    return ""


def _context(cells: list[dict], index: int) -> str:
    """The markdown cells just above cell ``index``, up to the previous graded or code cell."""
    texts: list[str] = []
    j = index - 1
    while j >= 0 and len(texts) < PROMPT_CELLS:
        cell, meta = cells[j], _meta(cells[j])
        if cell.get("cell_type") != "markdown" or meta.get("grade") or meta.get("solution"):
            break
        texts.insert(0, _text(cell).strip())
        j -= 1
    return "\n\n".join(texts)


def written_questions(course: Course, assignment: str) -> list[WrittenQuestion]:
    """Every answer a person grades (grade + solution cells), in notebook order, with context.

    The rubric is taken from the cell's ``metadata.alliance.rubric`` when an author set one,
    else from the markdown above the answer, starting at the line that says "Rubric".
    """
    cells = cells_in_gradebook(course.db_url, course.coursedir.course_id, assignment)
    written = [c for c in cells if c.graded and c.solution]
    contexts: dict[str, tuple[str, str, str]] = {}
    for nb in {c.notebook for c in written}:
        source = read_notebook(course.folder("source") / assignment / f"{nb}.ipynb")
        for i, cell in enumerate(source):
            gid = _meta(cell).get("grade_id")
            if not isinstance(gid, str):
                continue
            prompt = _context(source, i)
            custom = (cell.get("metadata") or {}).get("alliance", {})
            rubric = custom.get("rubric") if isinstance(custom, dict) else None
            rubric = rubric if isinstance(rubric, str) else _rubric(prompt)
            # the gradebook keeps the released text of an answer cell; the model is in the source
            model = SOLUTION_MARKER.sub("", _text(cell)).strip()
            contexts[f"{nb}/{gid}"] = (prompt, rubric, model)
    return [_question(c, contexts) for c in written]


def _question(c: CellInfo, contexts: dict[str, tuple[str, str, str]]) -> WrittenQuestion:
    prompt, rubric, model = contexts.get(f"{c.notebook}/{c.name}", ("", "", ""))
    return WrittenQuestion(c.notebook, c.name, c.max_score, prompt, rubric, model)
