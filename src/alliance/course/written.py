"""Grading written answers without friction: a sheet out, scores back in, one question at a time.

Why: written answers are the evening's work (ps5 alone has 20 rubric points), nbgrader's only
route is the Formgrader in a browser, one student at a time, and its Python API leaves
``needs_manual_grade`` set unless you clear it yourself. So:

* :func:`export_sheet` writes every answer that needs a person to a CSV any spreadsheet opens
  (UTF-8 with a byte-order mark for Excel; cells that could run as formulas neutralised):
  student, question, the answer, the rubric, max points, score, comment — plus the assignment,
  the notebook and an ``answer_id`` fingerprint of the answer as exported;
* :func:`import_sheet` reads it back. Every row is checked first (unknown student or question,
  a score that is not a number or out of range, an answer that changed since the export, a row
  given twice) and every problem is reported with the file and the spreadsheet row; if there is
  any, nothing is changed. Otherwise each filled-in row sets nbgrader's manual score and comment
  through its Gradebook API and clears ``needs_manual_grade``, in one transaction. A row with
  neither score nor comment is left alone, and importing the same sheet twice changes nothing;
* :func:`view_question` writes one HTML page per question with the rubric and every student's
  answer, because grading one question across the class is faster and fairer than grading one
  student at a time (``--anonymous`` shows the answer ids instead of the students).
"""

from __future__ import annotations

import csv
import html
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from alliance.course.answers import (
    WrittenQuestion,
    answer_id,
    is_blank,
    released_answers,
    student_answers,
    written_questions,
)
from alliance.course.classbook import AssignmentBook, read_assignment
from alliance.course.config import Course, CourseError, shown
from alliance.course.lateness import refresh_penalties
from alliance.safe_text import csv_cell, terminal_line

SHEET_COLUMNS = [
    "student",
    "question",
    "answer",
    "rubric",
    "max_points",
    "score",
    "comment",
    "assignment",
    "notebook",
    "answer_id",
]
REQUIRED = ("student", "question", "score", "comment", "notebook", "answer_id")
#: Excel keeps at most 32,767 characters in a cell; longer answers are cut in the sheet only.
CELL_LIMIT = 32_000


def _questions(course: Course, assignment: str) -> list[WrittenQuestion]:
    qs = written_questions(course, assignment)
    if not qs:
        raise CourseError(f"{assignment} has no written answers to grade (no grade+solution cells)")
    return qs


def _cut(text: str) -> str:
    if len(text) <= CELL_LIMIT:
        return text
    return text[:CELL_LIMIT] + f"\n[… cut here: {len(text)} characters in all; see the view]"


def default_sheet(course: Course, assignment: str) -> Path:
    return course.reports_dir / assignment / f"written-{assignment}.csv"


def export_sheet(
    course: Course,
    assignment: str,
    output: str | Path | None = None,
    include_graded: bool = False,
    out: TextIO = sys.stdout,
) -> Path:
    """Write the grading sheet; returns its path."""
    questions = _questions(course, assignment)
    book = read_assignment(course, assignment)
    notebooks = sorted({c.notebook for c in book.cells})
    path = Path(output) if output else default_sheet(course, assignment)
    rows: list[list[str]] = []
    waiting = 0
    for student in sorted(book.submissions):
        sub = book.submissions[student]
        answers = student_answers(course, assignment, student, notebooks)
        for q in questions:
            g = sub.grades.get(q.key)
            if g is None or not (g.needs_manual_grade or include_graded):
                continue
            waiting += g.needs_manual_grade
            text = answers.get(q.key, "")
            done = not g.needs_manual_grade and g.manual_score is not None
            score = f"{g.manual_score:g}" if done else ""
            row = [student, q.cell, _cut(text), q.rubric, f"{q.max_score:g}", score]
            row += [g.comment if done else "", assignment, q.notebook, answer_id(text)]
            rows.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(SHEET_COLUMNS)
    writer.writerows([csv_cell(c) for c in row] for row in rows)
    path.write_text(buf.getvalue(), encoding="utf-8-sig", newline="")
    print(
        f"written export {assignment}: {len(rows)} answer(s) to grade"
        + (f" ({waiting} still need a grade)" if include_graded else "")
        + f" in {shown(path)}",
        file=out,
    )
    return path


@dataclass
class SheetRow:
    row: int  # the spreadsheet's row number (the header is row 1)
    student: str
    question: str
    notebook: str
    score: float | None
    comment: str | None
    answer_id: str


@dataclass
class ImportResult:
    set_grades: list[str] = field(default_factory=list)
    set_comments: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    blank_rows: int = 0
    still_needed: int = 0


def _decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:  # Excel's "CSV (Comma delimited)" on Windows saves cp1252
        return data.decode("cp1252", errors="replace")


def _read_sheet(path: Path) -> tuple[list[dict[str, str]], list[str]]:
    if not path.is_file():
        raise CourseError(f"{path}: no such sheet")
    text = _decode(path)
    first = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first.count)  # Excel in some locales saves ';'
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [(h or "").strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise CourseError(
            f"{path}: row 1: the header lacks {', '.join(missing)} "
            f"(export a fresh sheet with 'alliance course written export')"
        )
    reader.fieldnames = header
    rows = [{k: (v or "") for k, v in r.items() if k} for r in reader]
    return rows, header


def _plain(value: str) -> str:
    """A cell as typed: csv_cell's protective apostrophe and surrounding spaces removed."""
    value = value.strip()
    return value[1:] if value.startswith("'") and len(value) > 1 else value


def _score(text: str) -> float:
    text = text.strip().replace(",", ".")  # '1,5' from a spreadsheet in a comma-decimal locale
    if text.endswith("½"):
        text = (text[:-1] or "0") + ".5"
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(text)
    return value


def _parse_rows(
    path: Path,
    rows: list[dict[str, str]],
    assignment: str,
    book: AssignmentBook,
    questions: dict[str, WrittenQuestion],
) -> tuple[list[SheetRow], int, list[str]]:
    """Check every row; returns the filled-in rows, the number left blank, and the problems."""
    parsed: list[SheetRow] = []
    problems: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    blank = 0
    for index, r in enumerate(rows):
        n = index + 2
        where = f"{path}: row {n}"
        score_text, comment = r.get("score", "").strip(), r.get("comment", "")
        if not score_text and not comment.strip():
            blank += 1
            continue
        student, question = _plain(r.get("student", "")), _plain(r.get("question", ""))
        notebook = _plain(r.get("notebook", ""))
        given = _plain(r.get("assignment", "")) or assignment
        if given != assignment:
            problems.append(f"{where}: assignment {given!r}, but this import is for {assignment!r}")
            continue
        student = _known_student(student, book)
        if student not in book.submissions:
            problems.append(
                f"{where}: unknown student {student!r} (no graded {assignment} for them)"
            )
            continue
        key = f"{notebook}/{question}"
        if key not in questions:
            names = ", ".join(q.cell for q in questions.values())
            problems.append(
                f"{where}: unknown question {question!r} in notebook {notebook!r} "
                f"(written questions of {assignment}: {names})"
            )
            continue
        if (student, key) in seen:
            problems.append(f"{where}: {student} / {question} repeats row {seen[(student, key)]}")
            continue
        seen[(student, key)] = n
        score = None
        if score_text:
            try:
                score = _score(score_text)
            except ValueError:
                problems.append(f"{where}: score {score_text!r} is not a number")
                continue
            top = questions[key].max_score
            if not 0 <= score <= top:
                problems.append(
                    f"{where}: score {score:g} is out of range 0–{top:g} for {question}"
                )
                continue
        parsed.append(
            SheetRow(n, student, question, notebook, score, comment or None, _plain(r["answer_id"]))
        )
    return parsed, blank, problems


def _known_student(student: str, book: AssignmentBook) -> str:
    """The gradebook id for ``student``; a spreadsheet may have dropped leading zeros (0042)."""
    if student in book.submissions or not student.isdigit():
        return student
    matches = [s for s in book.submissions if s.isdigit() and int(s) == int(student)]
    return matches[0] if len(matches) == 1 else student


def _check_answers(
    course: Course, assignment: str, path: Path, parsed: list[SheetRow], notebooks
) -> list[str]:
    problems: list[str] = []
    cache: dict[str, dict[str, str]] = {}
    for r in parsed:
        if r.student not in cache:
            cache[r.student] = student_answers(course, assignment, r.student, notebooks)
        now = answer_id(cache[r.student].get(f"{r.notebook}/{r.question}", ""))
        if not r.answer_id:
            problems.append(f"{path}: row {r.row}: answer_id is empty (it must stay as exported)")
        elif r.answer_id != now:
            problems.append(
                f"{path}: row {r.row}: {r.student}'s answer to {r.question} changed since this "
                "sheet was exported (re-collected or re-graded?): export a new sheet and grade "
                "the new answer"
            )
    return problems


def import_sheet(
    course: Course, assignment: str, sheet: str | Path, out: TextIO = sys.stdout
) -> ImportResult:
    """Check the whole sheet, then set every filled-in grade and comment in one transaction."""
    from nbgrader.api import Gradebook

    path = Path(sheet)
    questions = {q.key: q for q in _questions(course, assignment)}
    book = read_assignment(course, assignment)
    notebooks = sorted({c.notebook for c in book.cells})
    rows, _ = _read_sheet(path)
    parsed, blank, problems = _parse_rows(path, rows, assignment, book, questions)
    problems += _check_answers(course, assignment, path, parsed, notebooks)
    if problems:
        raise CourseError(
            f"{len(problems)} problem(s) in the sheet; nothing was changed:\n  "
            + "\n  ".join(terminal_line(p) for p in problems)
        )
    result = ImportResult(blank_rows=blank)
    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        for r in parsed:
            label = f"{r.student}/{r.question}"
            changed = False
            if r.score is not None:
                grade = gb.find_grade(r.question, r.notebook, assignment, r.student)
                if grade.manual_score != r.score or grade.needs_manual_grade:
                    grade.manual_score = r.score
                    grade.needs_manual_grade = False
                    result.set_grades.append(label)
                    changed = True
            if r.comment is not None:
                comment = gb.find_comment(r.question, r.notebook, assignment, r.student)
                if (comment.manual_comment or "") != r.comment:
                    comment.manual_comment = r.comment
                    result.set_comments.append(label)
                    changed = True
            if not changed:
                result.unchanged.append(label)
        gb.db.commit()
    repriced = refresh_penalties(course, assignment)
    after = read_assignment(course, assignment)
    result.still_needed = sum(
        g.needs_manual_grade
        for sub in after.submissions.values()
        for key, g in sub.grades.items()
        if key in questions
    )
    print(
        f"written import {assignment}: {len(result.set_grades)} grade(s) and "
        f"{len(result.set_comments)} comment(s) set, {len(result.unchanged)} row(s) unchanged, "
        f"{blank} row(s) left blank; {result.still_needed} written answer(s) still need a grade",
        file=out,
    )
    if repriced:
        names = terminal_line(", ".join(repriced))
        print(f"  late penalties recomputed for the new scores: {names}", file=out)
    return result


CSS = """
body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;
color:#1a1a1a;background:#fff;line-height:1.5}
.rubric,.model{border-left:4px solid #0072B2;padding:.2rem 1rem;background:#f4f8fb}
.answer{border:1px solid #767676;border-radius:4px;padding:.5rem 1rem;margin:1rem 0}
.answer pre{white-space:pre-wrap;font-family:inherit;margin:.3rem 0}
.status{color:#333;font-size:.95em}a{color:#0b5394}
a:focus,a:hover,summary:focus{outline:3px solid #0072B2;outline-offset:2px}
"""


def _pick(questions: list[WrittenQuestion], question: str | None) -> list[WrittenQuestion]:
    if question is None:
        return questions
    if question.isdigit() and 1 <= int(question) <= len(questions):
        return [questions[int(question) - 1]]
    chosen = [q for q in questions if question in (q.cell, q.key)]
    if not chosen:
        names = ", ".join(f"{i}. {q.cell}" for i, q in enumerate(questions, 1))
        raise CourseError(f"no written question {question!r} (there are: {names})")
    return chosen


def view_question(
    course: Course,
    assignment: str,
    question: str | None = None,
    output: str | Path | None = None,
    anonymous: bool = False,
    out: TextIO = sys.stdout,
) -> list[Path]:
    """One HTML page per written question (or just ``question``: its grade id or number)."""
    questions = _questions(course, assignment)
    chosen = _pick(questions, question)
    book = read_assignment(course, assignment)
    notebooks = sorted({c.notebook for c in book.cells})
    stubs = released_answers(course, assignment, notebooks)
    answers = {s: student_answers(course, assignment, s, notebooks) for s in book.submissions}
    folder = Path(output) if output else course.reports_dir / assignment / "written"
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for q in chosen:
        page = _page(assignment, q, book, answers, stubs.get(q.key), anonymous)
        path = folder / f"{q.cell}.html"
        path.write_text(page, encoding="utf-8")
        written.append(path)
        print(f"written view {assignment} {q.cell}: {shown(path)}", file=out)
    return written


def _page(assignment, q: WrittenQuestion, book, answers, stub, anonymous: bool) -> str:
    entries = []
    for student in sorted(book.submissions):
        g = book.submissions[student].grades.get(q.key)
        if g is None:
            continue
        text = answers[student].get(q.key, "")
        entries.append((answer_id(text) if anonymous else student, student, g, text))
    entries.sort()
    todo = sum(g.needs_manual_grade for _, _, g, _ in entries)
    parts = [
        f"<h1>{html.escape(assignment)} · {html.escape(q.cell)} ({q.max_score:g} points)</h1>",
        f"<p>{len(entries)} answers; {todo} still need a grade. Grade them in the sheet "
        f"(<code>alliance course written export {html.escape(assignment)}</code>) or in the "
        "Formgrader.</p>",
        "<h2>Question and rubric</h2>",
        f'<div class="rubric"><pre>{html.escape(q.prompt or "(no text above the answer)")}</pre>'
        "</div>",
        '<details class="model"><summary>Model answer</summary>'
        f"<pre>{html.escape(q.model_answer)}</pre></details>",
        "<h2>Answers</h2>",
    ]
    for name, _, g, text in entries:
        if g.needs_manual_grade:
            state = "needs a grade"
        else:
            state = f"scored {g.score:g} of {g.max_score:g}"
            if g.comment:
                state += f" — comment: {g.comment}"
        if is_blank(text, stub):
            state += " (left blank)"
        who = f"Answer {name}" if anonymous else f"Student {name}"
        parts.append(
            f'<section class="answer" aria-label="{html.escape(who)}">'
            f"<h3>{html.escape(who)}</h3>"
            f'<p class="status">{html.escape(state)}</p>'
            f"<pre>{html.escape(text)}</pre></section>"
        )
    title = f"{assignment} {q.cell}: all answers"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head>"
        f"<body><main>{''.join(parts)}</main></body></html>"
    )
