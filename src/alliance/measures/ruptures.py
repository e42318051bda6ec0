"""Rupture-repair (V-shaped) sequences in a session-by-session alliance series.

Why "our teaching rule": the published session-by-session criteria (reviewed by Gumz et al. 2012)
flag a rupture when the alliance drops by 2 standard deviations (stricter) or by 1 standard
deviation (less strict); Stiles and colleagues called their criterion ad hoc, and Gumz et al.
recommend reporting both. The course could not verify the exact published formulas, so this
module states its own operationalisation explicitly and applies it under either threshold:

1. ``sd`` is the sample standard deviation (n - 1 denominator) of the client's whole series.
2. A **rupture** is a drop from one session to the next of at least ``k * sd``
   (``k = 1`` or ``k = 2``): ``score[t] - score[t + 1] >= k * sd``.
3. It is **repaired** if, within ``window`` sessions after the low session, a score returns to at
   least the pre-drop level ``score[t]``. The first such session is the repair session.
4. A rupture whose window runs past the end of the series with no return is **censored**: we
   cannot tell whether it would have been repaired.

A series with fewer than three sessions or with no variation (sd = 0) has no ruptures by this
rule. Missed sessions must be removed or imputed first: the rule compares consecutive scores.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from alliance.measures.monitoring import SeriesError, _check_series

CRITERIA: dict[str, float] = {"1 SD": 1.0, "2 SD": 2.0}


@dataclass(frozen=True)
class RuptureEvent:
    """One drop that meets the criterion. Sessions are 1-based, as clinicians count them."""

    k: float
    sd: float
    pre_session: int
    low_session: int
    pre_score: float
    low_score: float
    repair_session: int | None
    repair_score: float | None
    censored: bool

    @property
    def drop(self) -> float:
        return self.pre_score - self.low_score

    @property
    def threshold(self) -> float:
        return self.k * self.sd

    @property
    def repaired(self) -> bool:
        return self.repair_session is not None

    @property
    def status(self) -> str:
        if self.repaired:
            return "repaired"
        return "censored" if self.censored else "unrepaired"


def series_sd(scores: Sequence[float]) -> float:
    """Sample standard deviation of a complete series (0.0 for fewer than two sessions)."""
    values = _check_series(scores, allow_missing=False)
    return statistics.stdev(values) if len(values) >= 2 else 0.0


def detect_ruptures(scores: Sequence[float], k: float = 2.0, window: int = 3) -> list[RuptureEvent]:
    """Apply the course's teaching rule (see the module docstring) with threshold ``k`` SDs.

    Returns every qualifying drop in session order; a run of big consecutive drops yields one
    event per drop, because each is a separate session-to-session deterioration.
    """
    if k <= 0:
        raise SeriesError(f"k must be positive, got {k}")
    if window < 1:
        raise SeriesError(f"window must be at least 1 session, got {window}")
    values = _check_series(scores, allow_missing=False)
    if len(values) < 3:
        return []
    sd = statistics.stdev(values)
    if sd == 0:
        return []
    threshold = k * sd
    events: list[RuptureEvent] = []
    for t in range(len(values) - 1):
        pre, low = values[t], values[t + 1]
        if pre - low < threshold - 1e-12:
            continue
        repair = next(
            (j for j in range(t + 2, min(t + 2 + window, len(values))) if values[j] >= pre),
            None,
        )
        events.append(
            RuptureEvent(
                k=k,
                sd=sd,
                pre_session=t + 1,
                low_session=t + 2,
                pre_score=pre,
                low_score=low,
                repair_session=None if repair is None else repair + 1,
                repair_score=None if repair is None else values[repair],
                censored=repair is None and t + 1 + window >= len(values),
            )
        )
    return events


def compare_criteria(scores: Sequence[float], window: int = 3) -> dict[str, list[RuptureEvent]]:
    """Both published thresholds side by side, as Gumz et al. (2012) recommend reporting."""
    return {name: detect_ruptures(scores, k=k, window=window) for name, k in CRITERIA.items()}
