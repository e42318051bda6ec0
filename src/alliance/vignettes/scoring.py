"""Scoring a playthrough: alliance meters, response-type tally, and MITI 4 comparisons.

Why these rules are written out so plainly: the widget's JavaScript applies the very same rules in
the static book (there is no kernel there), and the tests compare the two. Change one, change both
(``widget.js``: ``play``, ``mitiTally``, ``summarise``, ``rate``).

The tally is counted twice: once by the course's response types (what the learner chose), and
once through ``miti4_codes.yaml`` as MITI 4 behaviour codes, which is what the reflection-to-
question ratio and the share of complex reflections are computed from.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from alliance.vignettes.schema import DIMENSIONS, RESPONSE_TYPES, SCALE_MAX, SCALE_MIN

HERE = Path(__file__).parent
RATIO, SHARE = "reflection_question_ratio", "complex_reflection_share"


def _load_thresholds() -> dict[str, Any]:
    data = yaml.safe_load((HERE / "miti4.yaml").read_text(encoding="utf-8"))
    for measure in (RATIO, SHARE):
        fair, good = data[measure]["fair"], data[measure]["good"]
        if not (isinstance(fair, int | float) and isinstance(good, int | float) and fair <= good):
            raise ValueError(f"miti4.yaml: {measure}: need numbers with fair <= good")
        if not isinstance(data[measure].get("absent"), str):
            raise ValueError(f"miti4.yaml: {measure}: `absent` must say why it can go unrated")
    return data


#: MITI 4 fair/good thresholds (data in ``miti4.yaml``).
MITI4: dict[str, Any] = _load_thresholds()


@dataclass(frozen=True)
class MitiCodes:
    """The course's response types as MITI 4 behaviour codes (``miti4_codes.yaml``)."""

    labels: dict[str, str]  # MITI code -> its name in the manual
    by_type: dict[str, str | None]  # course response type -> MITI code (None: not coded)
    reflections: tuple[str, ...]
    complex: str
    questions: tuple[str, ...]
    citation: str

    def to_data(self) -> dict[str, Any]:
        return {
            "labels": dict(self.labels),
            "byType": dict(self.by_type),
            "reflections": list(self.reflections),
            "complex": self.complex,
            "questions": list(self.questions),
        }


def load_miti_codes(path: Path = HERE / "miti4_codes.yaml") -> MitiCodes:
    """Read and check the map: every course type exactly once, every code one MITI 4 knows."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    labels = data["codes"]
    types = data["types"]
    problems = []
    missing = [t for t in RESPONSE_TYPES if t not in types]
    extra = [t for t in types if t not in RESPONSE_TYPES]
    if missing:
        problems.append(f"no MITI 4 code given for {', '.join(missing)}")
    if extra:
        problems.append(f"unknown response types {', '.join(extra)}")
    for name, entry in types.items():
        if entry.get("code") is not None and entry["code"] not in labels:
            problems.append(f"{name}: unknown MITI 4 code {entry['code']!r}")
        if entry.get("reading") not in ("manual", "course") or not entry.get("basis"):
            problems.append(f"{name}: needs `reading` (manual or course) and a `basis`")
    for group in ("reflections", "questions"):
        problems += [f"{group}: unknown code {c!r}" for c in data[group] if c not in labels]
    if data["complex"] not in data["reflections"]:
        problems.append("complex: must be one of the reflection codes")
    if problems:
        raise ValueError(f"{path.name}: " + "; ".join(problems))
    return MitiCodes(
        labels=dict(labels),
        by_type={t: types[t]["code"] for t in RESPONSE_TYPES},
        reflections=tuple(data["reflections"]),
        complex=data["complex"],
        questions=tuple(data["questions"]),
        citation=data["citation"],
    )


#: The course's response types as MITI 4 codes.
MITI4_CODES: MitiCodes = load_miti_codes()

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


def miti_tally(tally: Counter) -> Counter:
    """The response-type tally counted as MITI 4 codes (types with no code are left out)."""
    out: Counter = Counter()
    for response_type, n in tally.items():
        code = MITI4_CODES.by_type[response_type]
        if code is not None:
            out[code] += n
    return out


def _counts(tally: Counter) -> tuple[int, int, int]:
    codes = miti_tally(tally)
    reflections = sum(codes[c] for c in MITI4_CODES.reflections)
    questions = sum(codes[c] for c in MITI4_CODES.questions)
    return reflections, questions, codes[MITI4_CODES.complex]


def reflection_question_ratio(tally: Counter) -> float | None:
    """MITI 4 reflections per question; None when no question was asked (nothing to divide by)."""
    reflections, questions, _ = _counts(tally)
    return reflections / questions if questions else None


def complex_reflection_share(tally: Counter) -> float | None:
    """Complex reflections as a share of all MITI 4 reflections; None with no reflections."""
    reflections, _, complex_ = _counts(tally)
    return complex_ / reflections if reflections else None


def rate(measure: str, value: float | None) -> str | None:
    """'below fair', 'fair' or 'good' against the MITI 4 thresholds; None when not computable."""
    if value is None:
        return None
    thresholds = MITI4[measure]
    if value >= thresholds["good"]:
        return GOOD
    if value >= thresholds["fair"]:
        return FAIR
    return BELOW_FAIR


def miti_ratings(tally: Counter) -> dict[str, str | None]:
    """Both MITI 4 ratings for a tally; None where the measure cannot be computed."""
    return {
        RATIO: rate(RATIO, reflection_question_ratio(tally)),
        SHARE: rate(SHARE, complex_reflection_share(tally)),
    }


def rating_reasons(tally: Counter) -> dict[str, str]:
    """Why a rating is absent, in words the ending shows instead of a rating."""
    reflections, questions, _ = _counts(tally)
    out = {}
    if not questions:
        out[RATIO] = MITI4[RATIO]["absent"]
    if not reflections:
        out[SHARE] = MITI4[SHARE]["absent"]
    return out
