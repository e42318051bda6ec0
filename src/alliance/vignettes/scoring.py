"""Scoring a playthrough: alliance meters, response-type tally, and MITI 4 comparisons.

Why these rules are written out so plainly: the widget's JavaScript applies the very same rules in
the static book (there is no kernel there), and the tests compare the two. Change one, change both
(``widget.js``: ``meters``, ``tallyOf``, ``rate``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from alliance.vignettes.schema import DIMENSIONS, QUESTIONS, REFLECTIONS, SCALE_MAX, SCALE_MIN


def _load_thresholds() -> dict[str, Any]:
    data = yaml.safe_load((Path(__file__).parent / "miti4.yaml").read_text(encoding="utf-8"))
    for measure in ("reflection_question_ratio", "complex_reflection_share"):
        fair, good = data[measure]["fair"], data[measure]["good"]
        if not (isinstance(fair, int | float) and isinstance(good, int | float) and fair <= good):
            raise ValueError(f"miti4.yaml: {measure}: need numbers with fair <= good")
    return data


#: MITI 4 fair/good thresholds (data in ``miti4.yaml``).
MITI4: dict[str, Any] = _load_thresholds()

BELOW_FAIR, FAIR, GOOD = "below fair", "fair", "good"


def clamp(value: int) -> int:
    """Meters live on the 0–10 scale; an effect never pushes them past either end."""
    return max(SCALE_MIN, min(SCALE_MAX, value))


def trajectory(baseline: dict[str, int], effects: Iterable[dict[str, int]]) -> dict[str, list[int]]:
    """Meter values at the start and after each choice, clamped at every step."""
    out = {dim: [clamp(baseline[dim])] for dim in DIMENSIONS}
    for effect in effects:
        for dim in DIMENSIONS:
            out[dim].append(clamp(out[dim][-1] + effect.get(dim, 0)))
    return out


def reflection_question_ratio(tally: Counter) -> float | None:
    """Reflections (simple + complex) per question (open + closed); None with no questions."""
    reflections = sum(tally[t] for t in REFLECTIONS)
    questions = sum(tally[t] for t in QUESTIONS)
    return reflections / questions if questions else None


def complex_reflection_share(tally: Counter) -> float | None:
    """Complex reflections as a share of all reflections; None with no reflections."""
    reflections = sum(tally[t] for t in REFLECTIONS)
    return tally["complex-reflection"] / reflections if reflections else None


def rate(measure: str, value: float | None) -> str | None:
    """'below fair', 'fair' or 'good' against the MITI 4 thresholds; None when not computable.

    For the ratio, pass ``math.inf`` when there were reflections but no questions.
    """
    if value is None:
        return None
    thresholds = MITI4[measure]
    if value >= thresholds["good"]:
        return GOOD
    if value >= thresholds["fair"]:
        return FAIR
    return BELOW_FAIR


def miti_ratings(tally: Counter) -> dict[str, str | None]:
    """Both MITI 4 ratings for a tally (reflections with no questions rate 'good' on the ratio)."""
    ratio = reflection_question_ratio(tally)
    if ratio is None and sum(tally[t] for t in REFLECTIONS):
        ratio = math.inf
    return {
        "reflection_question_ratio": rate("reflection_question_ratio", ratio),
        "complex_reflection_share": rate(
            "complex_reflection_share", complex_reflection_share(tally)
        ),
    }
