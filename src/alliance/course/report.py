"""An HTML class report for one assignment, with PNG figures in the course style.

What an instructor needs after grading, on one page: how scores are spread, which questions and
which tests the class struggled with (pass rates), what students chose at each decision point of
a graded vignette (read from the path codes they pasted, replayed with
:func:`alliance.vignettes.replay_code`), who still needs a manual grade, and which submissions
had problems during autograding. Every figure has alt text and a table with the same numbers.
"""

from __future__ import annotations

import html
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import TextIO

import matplotlib

matplotlib.use("Agg")  # a command-line tool with no display; never imported by chapters

from alliance.course.config import Course, CourseError  # noqa: E402
from alliance.course.export import autograde_results  # noqa: E402
from alliance.course.gradebook import assignment_cells, class_scores  # noqa: E402
from alliance.figures import PALETTE, course_style, new_figure  # noqa: E402

PATH_CODE = re.compile(r"""["']([a-z0-9]+(?:-[a-z0-9]+)*:\d+(?:-\d+)*)["']""")


def find_path_codes(nb_path: Path) -> list[str]:
    """Path codes pasted into the code cells of a notebook (string literals only)."""
    try:
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return []
    codes: list[str] = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            continue  # test cells hold examples, not the student's answer
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else src
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


def _fig_scores(scores: list[float], max_score: float, path: Path) -> str:
    fig, ax = new_figure(figsize=(7, 3.6))
    with course_style():
        if max_score <= 30 and all(float(x).is_integer() for x in scores):
            # one bar per whole point, centred on it
            bins = [b - 0.5 for b in range(int(max_score) + 2)]
            ax.set_xticks(range(int(max_score) + 1) if max_score <= 15 else ax.get_xticks())
        else:
            bins = 20
        ax.hist(scores, bins=bins, color=PALETTE["blue"], edgecolor="white")
        ax.set_xlim(-0.5, max_score + 0.5)
        ax.set_xlabel(f"Score (out of {max_score:g})")
        ax.set_ylabel("Students")
        ax.set_title("Score distribution")
        fig.savefig(path)
    matplotlib.pyplot.close(fig)
    mean = sum(scores) / len(scores) if scores else 0
    return (
        f"Histogram of {len(scores)} students' scores out of {max_score:g}: "
        f"lowest {min(scores, default=0):g}, mean {mean:.1f}, highest {max(scores, default=0):g}."
    )


def _fig_rates(rates: list[tuple[str, float]], title: str, xlabel: str, path: Path) -> str:
    fig, ax = new_figure(figsize=(7, 0.45 * len(rates) + 1.4))
    with course_style():
        names = [n for n, _ in rates][::-1]
        values = [100 * v for _, v in rates][::-1]
        ax.barh(names, values, color=PALETTE["green"])
        for y, v in enumerate(values):
            ax.text(min(v + 1, 92), y, f"{v:.0f}%", va="center")
        ax.set_xlim(0, 100)
        ax.set_xlabel(xlabel)
        ax.set_title(title)
        fig.savefig(path)
    matplotlib.pyplot.close(fig)
    return f"{title}: " + "; ".join(f"{n} {100 * v:.0f}%" for n, v in rates) + "."


def _fig_vignette(vid: str, v: dict, path: Path) -> str:
    nodes = v["order"]
    fig, ax = new_figure(figsize=(7, 0.5 * len(nodes) + 1.6))
    colours = [PALETTE[c] for c in ("blue", "orange", "green", "vermillion")]
    hatches = ["", "//", "..", "xx"]
    with course_style():
        for y, node_id in enumerate(nodes[::-1]):
            counts = v["nodes"][node_id]["counts"]
            total = sum(counts.values())
            left = 0.0
            for k in range(len(v["nodes"][node_id]["choices"])):
                share = 100 * counts.get(k, 0) / total if total else 0
                ax.barh(
                    y,
                    share,
                    left=left,
                    color=colours[k % 4],
                    hatch=hatches[k % 4],
                    edgecolor="white",
                    label=f"choice {k + 1}" if y == 0 else None,
                )
                if share >= 8:
                    ax.text(
                        left + share / 2,
                        y,
                        str(k + 1),
                        ha="center",
                        va="center",
                        color="black",
                        fontweight="bold",
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
                    )
                left += share
        ax.set_yticks(range(len(nodes)), nodes[::-1])
        ax.set_xlim(0, 100)
        ax.set_xlabel("Share of students who reached this point (%)")
        ax.set_title(f"Choices in '{v['title']}'")
        handles, labels = ax.get_legend_handles_labels()
        if handles:
            ax.legend(handles, labels, loc="lower right", fontsize=9)
        fig.savefig(path)
    matplotlib.pyplot.close(fig)
    parts = []
    for node_id in nodes:
        counts = v["nodes"][node_id]["counts"]
        parts.append(
            f"{node_id}: " + ", ".join(f"choice {k + 1} by {counts[k]}" for k in sorted(counts))
        )
    return f"Choices {v['n']} students made in vignette {vid}, per decision point. " + "; ".join(
        parts
    )


def _table(head: list[str], rows: list[list[str]], caption: str) -> str:
    th = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows
    )
    return (
        f"<table><caption>{html.escape(caption)}</caption><thead><tr>{th}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


CSS = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#1a1a1a;background:#fff;line-height:1.5}
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #767676;padding:.3rem .6rem;
text-align:left;vertical-align:top}caption{font-weight:bold;text-align:left;padding:.3rem 0}
img{max-width:100%;height:auto;border:1px solid #d9d9d9}a{color:#0b5394}
a:focus,a:hover{outline:3px solid #0072B2;outline-offset:2px}
"""


def report(
    course: Course, assignment: str, output: str | None = None, out: TextIO = sys.stdout
) -> Path:
    """Write ``report.html`` and its PNG figures; returns the HTML path."""
    cells = assignment_cells(course, assignment)
    scores = class_scores(course, assignment)
    results = autograde_results(course, assignment)
    if not scores:
        raise CourseError(f"no graded submissions of {assignment}: run autograde first")
    folder = Path(output) if output else course.reports_dir / assignment
    folder.mkdir(parents=True, exist_ok=True)
    graded = [c for c in cells if c.max_score > 0]
    max_score = sum(c.max_score for c in graded)
    sections: list[str] = []

    alt = _fig_scores([s.score for s in scores.values()], max_score, folder / "scores.png")
    sections.append(
        "<h2>Score distribution</h2>"
        f'<figure><img src="scores.png" alt="{html.escape(alt)}">'
        f"<figcaption>{html.escape(alt)} Scores include manual grades entered so far."
        "</figcaption></figure>"
    )

    def rate(cell, full_only: bool) -> float:
        key = f"{cell.notebook}/{cell.name}"
        vals = [s.cells[key] for s in scores.values() if key in s.cells]
        if not vals:
            return 0.0
        if full_only:
            return sum(v["score"] >= v["max_score"] > 0 for v in vals) / len(vals)
        return sum(v["score"] / v["max_score"] for v in vals if v["max_score"]) / len(vals)

    q_rates = [(c.name, rate(c, False)) for c in graded]
    t_rates = [(c.name, rate(c, True)) for c in graded if c.autograded]
    alt = _fig_rates(
        q_rates, "Mean score per question", "Mean share of points (%)", folder / "questions.png"
    )
    sections.append(
        "<h2>Per question</h2>"
        f'<figure><img src="questions.png" alt="{html.escape(alt)}"></figure>'
        + _table(
            ["Question (grade id)", "Points", "Mean share of points"],
            [
                [c.name, f"{c.max_score:g}", f"{100 * r:.0f}%"]
                for c, (_, r) in zip(graded, q_rates, strict=True)
            ],
            "Mean share of points per graded cell",
        )
    )
    if t_rates:
        alt = _fig_rates(
            t_rates, "Pass rate per test", "Students passing (%)", folder / "tests.png"
        )
        sections.append(
            "<h2>Per test</h2>"
            f'<figure><img src="tests.png" alt="{html.escape(alt)}"></figure>'
            + _table(
                ["Test cell", "Students passing (full points)"],
                [[n, f"{100 * r:.0f}%"] for n, r in t_rates],
                "Pass rate per autograded test cell",
            )
        )

    codes: dict[str, list[str]] = {}
    for s in scores:
        for nb in sorted((course.folder("autograded") / s / assignment).glob("*.ipynb")) or sorted(
            (course.folder("submitted") / s / assignment).glob("*.ipynb")
        ):
            codes.setdefault(s, []).extend(find_path_codes(nb))
    vig = vignette_choices({s: c for s, c in codes.items() if c})
    if vig:
        sections.append("<h2>Vignette choices</h2>")
    for vid, v in vig.items():
        if "invalid" in v:
            sections.append(
                "<h3>Path codes that could not be replayed</h3><ul>"
                + "".join(f"<li>{html.escape(x)}</li>" for x in v["invalid"])
                + "</ul>"
            )
            continue
        png = f"vignette-{vid}.png"
        alt = _fig_vignette(vid, v, folder / png)
        rows = []
        for node_id in v["order"]:
            node = v["nodes"][node_id]
            for k, (text, kind) in enumerate(node["choices"]):
                rows.append([node_id, f"{k + 1}", kind, text[:90], node["counts"].get(k, 0)])
        outcomes = ", ".join(f"{k}: {n}" for k, n in sorted(v["outcomes"].items()))
        sections.append(
            f"<h3>{html.escape(v['title'])} ({html.escape(vid)})</h3>"
            f"<p>{v['n']} students pasted a path code. Endings reached — "
            f"{html.escape(outcomes)}.</p>"
            f'<figure><img src="{png}" alt="{html.escape(alt)}"></figure>'
            + _table(
                ["Decision point", "Choice", "Response type", "Therapist says", "Students"],
                rows,
                f"Choices at each decision point of {vid}",
            )
        )

    manual_rows = []
    for s, sc in sorted(scores.items()):
        todo = [k.split("/", 1)[1] for k, v in sc.cells.items() if v["needs_manual_grade"]]
        if todo:
            manual_rows.append([s, ", ".join(todo)])
    sections.append(
        "<h2>Still needs a manual grade</h2>"
        + (
            _table(["Student", "Cells"], manual_rows, f"{len(manual_rows)} student(s)")
            + "<p>Grade them in <code>nbgrader formgrader</code> (Jupyter's Formgrader tab).</p>"
            if manual_rows
            else "<p>Nobody: every cell has a grade.</p>"
        )
    )
    problem_rows = [
        [s, r.get("status", ""), "; ".join(r.get("issues", []))]
        for s, r in sorted(results.items())
        if r.get("issues") or r.get("status") != "graded"
    ]
    if problem_rows:
        sections.append(
            "<h2>Autograding problems</h2>"
            + _table(["Student", "Status", "Issues"], problem_rows, "From autograde.json")
        )
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Class report: {html.escape(assignment)}</title><style>{CSS}</style></head>"
        f"<body><main><h1>Class report: {html.escape(assignment)}</h1>"
        f"<p>{len(scores)} graded submission(s); maximum score {max_score:g}.</p>"
        + "".join(sections)
        + "</main></body></html>"
    )
    target = folder / "report.html"
    target.write_text(page, encoding="utf-8")
    print(f"report {assignment}: {target}", file=out)
    return target
