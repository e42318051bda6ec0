"""Item analysis for a graded assignment: what each test checks, how hard it was, whether it
separates students who did well from those who did not — and which items deserve a second look.

Why classical item statistics: they need nothing but the scores nbgrader already has, they are
what teachers meet in assessment handbooks, and they answer the practical question after a
class is graded ("is this test broken, or was this point badly taught?"):

* **difficulty** — the share of the item's points the class earned (1.0: everyone got it);
* **discrimination** — the corrected item–total correlation: Pearson's r between the item's
  score and the rest of the score (the total without this item), so an item is not correlated
  with itself.

The thresholds below are common rules of thumb, stated once here and shown in the report.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

HARD = 0.30  # difficulty below this: most of the class missed it
EASY = 0.90  # difficulty above this: nearly everyone got it
WEAK = 0.20  # discrimination below this: the item hardly separates stronger from weaker work
MIN_STUDENTS = 5  # fewer scores than this: no statistics

_COMMENT = re.compile(r"^\s*#+\s?(.*)$")
_SKIP = re.compile(r"^(\d+(\.\d+)?\s+points?\b|if it fails\b)", re.IGNORECASE)
# "…: 1 point, both must be right" and "… (2 points, all-or-nothing)": the chart shows points
_POINTS = re.compile(r"(:\s*\d+(\.\d+)?\s+points?\b[^:]*|\s*\(\d+(\.\d+)?\s+points?\b[^()]*\))$")


def describe_test(source: str, fallback: str) -> str:
    """What a test cell checks, from its own opening comment or docstring (not its grade id).

    The course's test cells open with ``# Checks …`` comments; the description is their first
    sentence. Lines about points or hints ("If it fails, …") are not part of it, nor is a
    closing note of the points ("…: 1 point, both must be right").
    """
    lines: list[str] = []
    text = source.strip()
    doc = re.match(r'^(?:"""|\'\'\')(.+?)(?:"""|\'\'\')', text, re.DOTALL)
    if doc:
        lines = [doc.group(1).strip()]
    else:
        for line in text.splitlines():
            m = _COMMENT.match(line)
            if not m or "BEGIN HIDDEN TESTS" in line or "BEGIN SOLUTION" in line:
                break
            body = m.group(1).strip()
            if not body or _SKIP.match(body):
                if lines:
                    break
                continue
            lines.append(body)
    joined = " ".join(" ".join(lines).split())
    if not joined:
        return fallback
    sentence = re.split(r"(?<=[.!?])\s", joined, maxsplit=1)[0].rstrip(".")
    return _POINTS.sub("", sentence) or fallback


@dataclass
class ItemStats:
    key: str
    label: str  # grade id (with notebook when there are several)
    description: str
    kind: str  # "test" (autograded) or "written" (rubric-graded by a person)
    points: float
    n: int  # students with a score for this item
    difficulty: float | None
    discrimination: float | None
    passing: float | None = None  # tests: share with full points
    note: str = ""
    review: bool = False


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's r, or None when either list has no spread (the correlation is undefined)."""
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return sxy / math.sqrt(sxx * syy)


def item_stats(
    key: str,
    label: str,
    description: str,
    kind: str,
    points: float,
    pairs: list[tuple[float, float]],
) -> ItemStats:
    """Statistics of one item from (item score, student's total) pairs of the students scored."""
    n = len(pairs)
    stats = ItemStats(key, label, description, kind, points, n, None, None)
    if n == 0 or points <= 0:
        stats.note = "No scores yet."
        return stats
    stats.difficulty = sum(x for x, _ in pairs) / (n * points)
    if kind == "test":
        stats.passing = sum(x >= points for x, _ in pairs) / n
    stats.discrimination = pearson([x for x, _ in pairs], [t - x for x, t in pairs])
    stats.note, stats.review = advice(stats)
    return stats


def advice(s: ItemStats) -> tuple[str, bool]:
    """A plain-language note on the item, and whether it should be reviewed."""
    if s.n < MIN_STUDENTS:
        return f"Only {s.n} score(s): too few to judge.", False
    notes: list[str] = []
    review = False
    r, p = s.discrimination, s.difficulty or 0.0
    if r is not None and r < 0:
        notes.append(
            "Students who did better overall did WORSE here: check the test or the rubric for a "
            "mistake first, then the wording."
        )
        review = True
    elif r is not None and r < WEAK:
        notes.append(
            "Doing well here hardly goes with doing well overall: the item may be ambiguous, "
            "test something the rest does not, or be marked inconsistently."
        )
        review = True
    if p < HARD:
        notes.append(
            f"Hard: the class earned {100 * p:.0f}% of its points. Revisit how this was taught, "
            "or whether the task says clearly what is wanted."
        )
        review = True
    elif p > EASY:
        notes.append("Easy: nearly everyone earned it (fine for a core skill).")
    if r is None and p <= EASY:
        notes.append("Everyone scored the same, so it separates no one.")
    if not notes:
        notes.append("No concern.")
    return " ".join(notes), review
