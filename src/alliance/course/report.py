"""An HTML class report for one assignment that teaches the teacher, with its data beside it.

What an instructor needs after grading, on one page: how scores are spread (one bar per whole
point), what each test checks and how many passed it, which items are too hard or do not
separate stronger from weaker work (difficulty and discrimination, with a plain-language note on
which to review), every student's score per question with a link to their feedback, who was
late, who is at risk across the assignments so far, the choices students made in a graded
vignette, who still needs a manual grade, and what went wrong while autograding. Options leave
blank submissions out (``--no-blanks``) and view the class by roster section (``--by-section``).

Every figure has alt text and a table with the same numbers; ``report.json`` holds the data
each figure drew (and the tick labels it rendered), so tests check the figures' numbers.
Scores come from nbgrader's gradebook (:mod:`alliance.course.classbook`); autograding problems
from the typed results (:func:`alliance.grading.results.load_class_run`).
"""

from __future__ import annotations

import html
import json
import os
import re
import statistics
import sys
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import TextIO

from alliance.course.answers import is_blank, released_answers, student_answers
from alliance.course.classbook import (
    AssignmentBook,
    gradebook_assignments,
    read_assignment,
)
from alliance.course.config import Course, CourseError, shown
from alliance.course.items import EASY, HARD, WEAK, ItemStats, describe_test, item_stats
from alliance.course.lateness import course_rule, describe_late, refresh_penalties
from alliance.course.report_figures import scores_figure, tests_figure, vignette_figure
from alliance.course.roster import Student, load_roster
from alliance.grading.results import load_class_run

PATH_CODE = re.compile(r"""["']([a-z0-9]+(?:-[a-z0-9]+)*:\d+(?:-\d+)*)["']""")
DEFAULT_AT_RISK = 50.0


def find_path_codes(nb_path: Path) -> list[str]:
    """Path codes pasted into the code cells of a notebook (string literals only)."""
    try:
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return []
    codes: list[str] = []
    for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if meta.get("grade") and not meta.get("solution"):
            continue  # test cells hold examples, not the student's answer
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else str(src)
        codes.extend(PATH_CODE.findall(src))
    return codes


def vignette_choices(codes_by_student: dict[str, list[str]]) -> dict[str, dict]:
    """Per vignette: per decision point, how many students took each choice; plus outcomes."""
    try:
        from alliance.vignettes import load_vignette, replay_code
    except ImportError:  # pragma: no cover - the vignette package ships with the course
        return {}
    out: dict[str, dict] = {}
    for student, codes in sorted(codes_by_student.items()):
        for code in codes[-1:]:  # the last code in the notebook is the answer
            try:
                play = replay_code(code)
                vig = load_vignette(play.vignette_id)
            except Exception as exc:  # an invalid code is the student's problem, reported
                entry = out.setdefault("(invalid codes)", {"invalid": []})
                entry["invalid"].append(f"{student}: {code} ({exc})")
                continue
            v = out.setdefault(
                vig.id,
                {"title": vig.title, "nodes": {}, "order": [], "outcomes": Counter(), "n": 0},
            )
            v["n"] += 1
            v["outcomes"][play.outcome or "unfinished"] += 1
            for node_id, choice in play.steps:
                node = vig.nodes[node_id]
                if node_id not in v["nodes"]:
                    v["order"].append(node_id)
                    v["nodes"][node_id] = {
                        "client": node.client or "",
                        "choices": [(c.therapist, c.type) for c in node.choices],
                        "counts": Counter(),
                    }
                v["nodes"][node_id]["counts"][choice] += 1
    return out


def _e(value: object) -> str:
    return html.escape(str(value))


def _table(head: list[str], rows: list[list[object]], caption: str, raw: bool = False) -> str:
    """An accessible table; cells are escaped unless ``raw`` (then they are trusted HTML)."""
    th = "".join(f'<th scope="col">{_e(h)}</th>' for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{c if raw else _e(c)}</td>" for c in r) + "</tr>" for r in rows
    )
    return (
        f"<table><caption>{_e(caption)}</caption><thead><tr>{th}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _scroll(inner: str, label: str) -> str:
    """A wide table in a keyboard-scrollable region (WCAG: scrollable regions are focusable)."""
    return f'<div class="wide" role="region" aria-label="{_e(label)}" tabindex="0">{inner}</div>'


def _figure(png: str, alt: str, caption: str = "") -> str:
    cap = f"<figcaption>{_e(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="{_e(png)}" alt="{_e(alt)}">{cap}</figure>'


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def _r(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


CSS = """
body{font-family:system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;
color:#1a1a1a;background:#fff;line-height:1.5}
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #767676;padding:.3rem .6rem;
text-align:left;vertical-align:top}caption{font-weight:bold;text-align:left;padding:.3rem 0}
img{max-width:100%;height:auto;border:1px solid #d9d9d9}a{color:#0b5394}
a:focus,a:hover,.wide:focus{outline:3px solid #0072B2;outline-offset:2px}
.wide{overflow-x:auto}.review{font-weight:bold}.marks th,.marks td{white-space:nowrap}
"""


class ReportData:
    """Everything the page shows, computed once (and saved as report.json)."""

    def __init__(
        self,
        course: Course,
        assignment: str,
        roster: list[Student] | None,
        no_blanks: bool,
        at_risk: float,
    ) -> None:
        self.course, self.assignment = course, assignment
        self.book: AssignmentBook = read_assignment(course, assignment)
        if not self.book.submissions:
            raise CourseError(f"no graded submissions of {assignment}: run autograde first")
        self.run = load_class_run(course.reports_dir, assignment)
        self.roster = {s.student_id: s for s in roster or []}
        self.notebooks = sorted({c.notebook for c in self.book.cells})
        self.blank = self._blank_students()
        self.no_blanks = no_blanks
        self.students = sorted(
            s for s in self.book.submissions if not (no_blanks and s in self.blank)
        )
        self.at_risk_percent = at_risk
        self.items = self._items()

    def _blank_students(self) -> set[str]:
        stubs = released_answers(self.course, self.assignment, self.notebooks)
        keys = [self.book.key(c) for c in self.book.cells if c.solution]
        blank = set()
        for s in self.book.submissions:
            answers = student_answers(self.course, self.assignment, s, self.notebooks)
            if keys and all(is_blank(answers.get(k), stubs.get(k)) for k in keys):
                blank.add(s)
        return blank

    def total(self, student: str) -> float:
        return sum(g.score for g in self.book.submissions[student].grades.values())

    def _items(self) -> list[ItemStats]:
        out: list[ItemStats] = []
        for c in self.book.graded_cells:
            key = self.book.key(c)
            kind = "written" if c.solution else "test" if c.autograded else "task"
            pairs = []
            for s in self.students:
                g = self.book.submissions[s].grades.get(key)
                if g is not None and not g.needs_manual_grade:
                    pairs.append((g.score, self.total(s)))
            desc = describe_test(c.source, self.book.label(c)) if kind == "test" else ""
            out.append(item_stats(key, self.book.label(c), desc, kind, c.max_score, pairs))
        return out


def report(
    course: Course,
    assignment: str,
    output: str | None = None,
    out: TextIO = sys.stdout,
    roster_path: str | None = None,
    by_section: bool = False,
    no_blanks: bool = False,
    at_risk: float = DEFAULT_AT_RISK,
) -> Path:
    """Write ``report.html``, its PNG figures and ``report.json``; returns the HTML path."""
    roster = load_roster(roster_path) if roster_path else None
    if by_section and not roster:
        raise CourseError("--by-section needs --roster (the roster's 'section' column)")
    for name in gradebook_assignments(course):  # manual grades since autograding change them
        refresh_penalties(course, name)
    d = ReportData(course, assignment, roster, no_blanks, at_risk)
    folder = Path(output) if output else course.reports_dir / assignment
    folder.mkdir(parents=True, exist_ok=True)
    data: dict = {"assignment": assignment, "students": d.students, "blank": sorted(d.blank)}
    sections = [
        _summary(d),
        _scores_section(d, folder, data),
        _tests_section(d, folder, data),
        _items_section(d, data),
        _students_section(d, folder, data),
        _late_section(d, data),
    ]
    if by_section:
        sections.append(_by_section(d, data))
    sections += [
        _across_section(d, data),
        _vignette_section(d, folder),
        _manual_section(d),
        _problems_section(d),
    ]
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>Class report: {_e(assignment)}</title><style>{CSS}</style></head>"
        f"<body><main><h1>Class report: {_e(assignment)}</h1>"
        + "".join(s for s in sections if s)
        + "</main></body></html>"
    )
    target = folder / "report.html"
    target.write_text(page, encoding="utf-8")
    (folder / "report.json").write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
    print(f"report {assignment}: {shown(target)}", file=out)
    return target


def _summary(d: ReportData) -> str:
    scores = [d.book.submissions[s].score for s in d.students]
    late = sum(d.book.submissions[s].late for s in d.students)
    blanks = (
        f" {len(d.blank)} blank submission(s) (nothing written in any answer) are "
        + ("left out of every figure and table below." if d.no_blanks else "included.")
        if d.blank
        else ""
    )
    roster = f" of {len(d.roster)} on the roster" if d.roster else ""
    return (
        f"<p>{len(d.students)} graded submission(s){roster}; maximum score "
        f"{d.book.max_score:g}; median {statistics.median(scores):g}, mean "
        f"{statistics.fmean(scores):.1f}. {late} submitted late (late rule: "
        f"{_e(course_rule(d.course.config))}).{_e(blanks)} Scores include the manual grades "
        "entered so far and the late penalties.</p>"
    )


def _scores_section(d: ReportData, folder: Path, data: dict) -> str:
    scores = [d.book.submissions[s].score for s in d.students]
    alt, fig = scores_figure(scores, d.book.max_score, folder / "scores.png")
    data["scores"] = {"values": {s: d.book.submissions[s].score for s in d.students}, **fig}
    rows = [[k, n] for k, n in fig["counts"].items() if n]
    return (
        "<h2>Score distribution</h2>"
        + _figure("scores.png", alt, alt)
        + _table(["Score (nearest whole point)", "Students"], rows, "Students per score")
    )


def _tests_section(d: ReportData, folder: Path, data: dict) -> str:
    tests = [i for i in d.items if i.kind == "test" and i.passing is not None]
    if not tests:
        return ""
    alt, fig = tests_figure(
        [(i.description, i.passing or 0.0) for i in tests], folder / "tests.png"
    )
    data["tests"] = fig
    rows = [[i.description, i.label, f"{i.points:g}", _pct(i.passing), i.n] for i in tests]
    return (
        "<h2>What each test checks, and how many passed it</h2>"
        + _figure("tests.png", alt)
        + _table(
            ["What the test checks", "Test cell", "Points", "Students passing", "Students"],
            rows,
            "Pass rate per autograded test (full points)",
        )
    )


def _items_section(d: ReportData, data: dict) -> str:
    data["items"] = [asdict(i) for i in d.items if i.kind in ("test", "written")]
    rows = []
    for i in d.items:
        if i.kind not in ("test", "written"):
            continue
        what = i.description if i.kind == "test" else "written answer (rubric)"
        note = f'<span class="review">Review. </span>{_e(i.note)}' if i.review else _e(i.note)
        rows.append(
            [
                _e(i.label),
                _e(what),
                f"{i.points:g}",
                i.n,
                _pct(i.difficulty),
                _r(i.discrimination),
                note,
            ]
        )
    review = [i for i in d.items if i.review]
    listing = (
        "<p>Review first:</p><ul>"
        + "".join(f"<li><strong>{_e(i.label)}</strong>: {_e(i.note)}</li>" for i in review)
        + "</ul>"
        if review
        else "<p>No item stands out: nothing is very hard or fails to separate the class.</p>"
    )
    intro = (
        "<p><strong>Difficulty</strong> is the share of an item's points the class earned "
        "(higher is easier). <strong>Discrimination</strong> is the correlation between the item "
        "and the rest of the score (the total without this item): about .3 or more means students "
        "who did well overall also did well here; near zero or negative means the item does not "
        f"separate them. Rules of thumb used here: hard below {100 * HARD:.0f}%, easy above "
        f"{100 * EASY:.0f}%, weak discrimination below {WEAK:.2f}. With a small class these "
        "numbers are rough: read them as prompts to look, not verdicts. Written answers not yet "
        "graded are left out of their item and count as 0 in the totals.</p>"
    )
    return (
        "<h2>Item analysis: which items to review</h2>"
        + intro
        + listing
        + _scroll(
            _table(
                [
                    "Item",
                    "What it checks",
                    "Points",
                    "Students",
                    "Difficulty",
                    "Discrimination",
                    "Note",
                ],
                rows,
                "Difficulty and discrimination of every autograded test and rubric item",
                raw=True,
            ),
            "Item analysis table",
        )
    )


def _feedback_links(d: ReportData, folder: Path, student: str) -> str:
    links = []
    for nb in d.notebooks:
        path = d.course.folder("feedback") / student / d.assignment / f"{nb}.html"
        if path.is_file():
            rel = os.path.relpath(path, folder)
            label = "feedback" if len(d.notebooks) == 1 else f"feedback ({nb})"
            links.append(f'<a href="{_e(Path(rel).as_posix())}">{_e(label)}</a>')
    return " ".join(links) or "no feedback yet"


def _students_section(d: ReportData, folder: Path, data: dict) -> str:
    cells = [c for c in d.book.graded_cells]
    head = ["Student", "Feedback", "Score", "Late"] + [d.book.label(c) for c in cells]
    rows, table = [], {}
    for s in d.students:
        sub = d.book.submissions[s]
        marks = []
        for c in cells:
            g = sub.grades.get(d.book.key(c))
            marks.append(
                "—" if g is None else "to grade" if g.needs_manual_grade else f"{g.score:g}"
            )
        table[s] = dict(zip([d.book.label(c) for c in cells], marks, strict=True))
        name = s + (" (blank)" if s in d.blank else "")
        late = describe_late(sub.seconds_late) if sub.late else ""
        rows.append(
            [_e(name), _feedback_links(d, folder, s), f"{sub.score:g}", _e(late)]
            + [_e(m) for m in marks]
        )
    data["student_table"] = table
    return (
        "<h2>Every student, question by question</h2>"
        '<p>Points per graded cell ("to grade": a written answer still waiting for you). The '
        "feedback links open what the student will receive.</p>"
        + _scroll(
            _table(head, rows, "Scores per student and graded cell", raw=True),
            "Scores per student and question",
        ).replace("<table>", '<table class="marks">', 1)
    )


def _late_section(d: ReportData, data: dict) -> str:
    rows = []
    for s in d.students:
        sub = d.book.submissions[s]
        if sub.late:
            rows.append(
                [
                    s,
                    f"{sub.timestamp:%Y-%m-%d %H:%M} UTC",
                    describe_late(sub.seconds_late),
                    f"{sub.penalty:g}",
                    f"{sub.score:g}",
                ]
            )
    data["late"] = {r[0]: {"late_by": r[2], "penalty": r[3]} for r in rows}
    due = d.book.duedate
    if due is None:
        return (
            "<h2>Lateness</h2><p>No due date is set for this assignment, so nobody is late. Set "
            f"one with <code>alliance course release {_e(d.assignment)} --due "
            '"YYYY-MM-DD HH:MM ZONE"</code> and autograde again with <code>--force</code>.</p>'
        )
    body = (
        _table(
            ["Student", "Submitted", "Late by", "Penalty (points)", "Score after penalty"],
            rows,
            f"{len(rows)} late submission(s)",
        )
        if rows
        else "<p>Nobody submitted late.</p>"
    )
    return (
        f"<h2>Lateness</h2><p>Due {due:%Y-%m-%d %H:%M} UTC; late rule: "
        f"{_e(course_rule(d.course.config))}.</p>" + body
    )


def _by_section(d: ReportData, data: dict) -> str:
    groups: dict[str, list[str]] = {}
    for s in d.students:
        section = d.roster[s].section if s in d.roster else ""
        groups.setdefault(section or "(no section)", []).append(s)
    rows, per = [], {}
    for name, members in sorted(groups.items()):
        scores = [d.book.submissions[s].score for s in members]
        enrolled = sum(1 for st in d.roster.values() if (st.section or "(no section)") == name)
        late = sum(d.book.submissions[s].late for s in members)
        per[name] = {"n": len(members), "mean": statistics.fmean(scores)}
        rows.append(
            [
                name,
                enrolled,
                len(members),
                f"{statistics.fmean(scores):.1f}",
                f"{statistics.median(scores):g}",
                late,
            ]
        )
    items = [i for i in d.items if i.kind in ("test", "written")]
    diff_rows = []
    for i in items:
        row = [i.label]
        for members in (groups[k] for k in sorted(groups)):
            vals = [
                d.book.submissions[s].grades[i.key].score
                for s in members
                if i.key in d.book.submissions[s].grades
                and not d.book.submissions[s].grades[i.key].needs_manual_grade
            ]
            row.append(_pct(sum(vals) / (len(vals) * i.points) if vals and i.points else None))
        diff_rows.append(row)
    data["sections"] = per
    return (
        "<h2>By section</h2>"
        + _table(
            ["Section", "On the roster", "Graded", "Mean score", "Median", "Late"],
            rows,
            "Scores per roster section",
        )
        + _scroll(
            _table(
                ["Item"] + sorted(groups),
                diff_rows,
                "Difficulty (share of points earned) per item and section",
            ),
            "Difficulty per section",
        )
    )


def _across_section(d: ReportData, data: dict) -> str:
    """Class means per assignment so far, and students below the threshold on two or more."""
    books = {}
    for name in gradebook_assignments(d.course):
        book = d.book if name == d.assignment else read_assignment(d.course, name)
        if book.submissions:
            books[name] = book
    people = set(d.roster) | {s for b in books.values() for s in b.submissions}
    trend_rows, below = [], {}
    threshold = d.at_risk_percent / 100
    for name, book in books.items():
        shares = [sub.score / book.max_score for sub in book.submissions.values() if book.max_score]
        trend_rows.append(
            [
                name,
                len(book.submissions),
                f"{100 * statistics.fmean(shares):.0f}%",
                f"{100 * statistics.median(shares):.0f}%",
                sum(sub.late for sub in book.submissions.values()),
            ]
        )
        for s in people:
            sub = book.submissions.get(s)
            share = sub.score / book.max_score if sub and book.max_score else 0.0
            if share < threshold:
                below.setdefault(s, []).append(
                    f"{name} {100 * share:.0f}%" if sub else f"{name} no submission"
                )
    risk = {s: v for s, v in sorted(below.items()) if len(v) >= 2}
    data["at_risk"] = risk
    data["trend"] = trend_rows
    risk_html = (
        _table(
            ["Student", "Below the threshold on"],
            [[s, "; ".join(v)] for s, v in risk.items()],
            f"{len(risk)} student(s) below {d.at_risk_percent:g}% on two or more assignments",
        )
        if risk
        else f"<p>Nobody is below {d.at_risk_percent:g}% on two or more assignments.</p>"
    )
    return (
        "<h2>Across assignments</h2>"
        + _table(
            ["Assignment", "Graded", "Mean score", "Median score", "Late"],
            trend_rows,
            "Every assignment graded so far (scores as a share of the maximum)",
        )
        + "<h3>Students at risk</h3>"
        + "<p>A missing submission counts as below the threshold. Reach out early: a short, "
        "non-judgemental message asking how the course is going often helps more than a "
        "reminder of the rules.</p>" + risk_html
    )


def _vignette_section(d: ReportData, folder: Path) -> str:
    codes: dict[str, list[str]] = {}
    for s in d.students:
        graded = d.course.folder("autograded") / s / d.assignment
        submitted = d.course.folder("submitted") / s / d.assignment
        for nb in sorted(graded.glob("*.ipynb")) or sorted(submitted.glob("*.ipynb")):
            codes.setdefault(s, []).extend(find_path_codes(nb))
    vig = vignette_choices({s: c for s, c in codes.items() if c})
    parts = ["<h2>Vignette choices</h2>"] if vig else []
    for vid, v in vig.items():
        if "invalid" in v:
            parts.append(
                "<h3>Path codes that could not be replayed</h3><ul>"
                + "".join(f"<li>{_e(x)}</li>" for x in v["invalid"])
                + "</ul>"
            )
            continue
        png = f"vignette-{vid}.png"
        alt = vignette_figure(vid, v, folder / png)
        rows = []
        for node_id in v["order"]:
            node = v["nodes"][node_id]
            for k, (text, kind) in enumerate(node["choices"]):
                rows.append([node_id, f"{k + 1}", kind, text[:90], node["counts"].get(k, 0)])
        outcomes = ", ".join(f"{k}: {n}" for k, n in sorted(v["outcomes"].items()))
        parts.append(
            f"<h3>{_e(v['title'])} ({_e(vid)})</h3>"
            f"<p>{v['n']} students pasted a path code. Endings reached — {_e(outcomes)}.</p>"
            + _figure(png, alt)
            + _table(
                ["Decision point", "Choice", "Response type", "Therapist says", "Students"],
                rows,
                f"Choices at each decision point of {vid}",
            )
        )
    return "".join(parts)


def _manual_section(d: ReportData) -> str:
    rows = []
    for s in d.students:
        todo = [g.cell for g in d.book.submissions[s].grades.values() if g.needs_manual_grade]
        if todo:
            rows.append([s, ", ".join(todo)])
    if not rows:
        return "<h2>Still needs a manual grade</h2><p>Nobody: every cell has a grade.</p>"
    return (
        "<h2>Still needs a manual grade</h2>"
        + _table(["Student", "Cells"], rows, f"{len(rows)} student(s)")
        + "<p>Grade them in a spreadsheet (<code>alliance course written export "
        f"{_e(d.assignment)}</code>, then <code>alliance course written import</code>), question "
        f"by question (<code>alliance course written view {_e(d.assignment)}</code>), or in the "
        "Formgrader (JupyterLab: Nbgrader → Formgrader).</p>"
    )


def _problems_section(d: ReportData) -> str:
    if d.run is None:
        return ""
    rows = []
    for s, r in sorted(d.run.students.items()):
        if d.no_blanks and s in d.blank:
            continue
        for issue in r.issues:
            rows.append([s, r.status, issue.kind, "yes" if issue.review else "", issue.message])
        if not r.issues and r.status != "graded":
            rows.append([s, r.status, "", "", ""])
    if not rows:
        return ""
    kinds = Counter(row[2] for row in rows if row[2])
    summary = ", ".join(f"{k}: {n}" for k, n in sorted(kinds.items()))
    return f"<h2>Autograding problems</h2><p>By kind — {_e(summary or 'none')}.</p>" + _table(
        ["Student", "Status", "Kind", "Review by hand", "Issue"],
        rows,
        "From the autograde results",
    )
