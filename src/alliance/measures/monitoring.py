"""Session-by-session alliance series: flag low sessions, and simulate illustrative series.

Why simulate: the course shows what monitoring data look like without using any real client's
scores. The simulator produces plausible shapes (a gentle rise over the first sessions, session
noise, scores that bunch near the top of the scale, optional dips that recover), seeded so that
a chapter's figure is the same on every build. The shapes are illustrative, not fitted to data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


class SeriesError(ValueError):
    """A series or a simulation request cannot be used; the message says why."""


@dataclass(frozen=True)
class Dip:
    """A planned dip in a simulated series.

    ``session`` is the 1-based session where the score drops by ``depth`` scale points; over the
    next ``recovery`` sessions the dip fades linearly (``recovery=0``: it never recovers).
    """

    session: int
    depth: float
    recovery: int = 2


def _check_series(scores: Sequence[float | None], *, allow_missing: bool) -> list[float | None]:
    values: list[float | None] = []
    for n, value in enumerate(scores, start=1):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            if not allow_missing:
                raise SeriesError(f"session {n}: score is missing (None/NaN)")
            values.append(None)
            continue
        if isinstance(value, bool) or not isinstance(value, int | float | np.number):
            raise SeriesError(f"session {n}: score {value!r} is not a number")
        values.append(float(value))
    return values


def flag_below(
    scores: Sequence[float | None], cutoff: float, *, inclusive: bool = True
) -> list[int]:
    """Return the 1-based session numbers whose score is at (``inclusive``) or below ``cutoff``.

    Missed sessions (``None``) are never flagged: a missing score is a different signal (ask
    about it), not a low one. ``inclusive=True`` suits rules stated as "X or below".
    """
    values = _check_series(scores, allow_missing=True)
    return [
        n
        for n, value in enumerate(values, start=1)
        if value is not None and (value <= cutoff if inclusive else value < cutoff)
    ]


def simulate_series(
    n_sessions: int,
    *,
    seed: int,
    start: float,
    plateau: float,
    scale: tuple[float, float],
    noise_sd: float = 1.0,
    rise_sessions: float = 3.0,
    dips: Sequence[Dip] = (),
    decimals: int = 0,
) -> list[float]:
    """Simulate one client's illustrative alliance series.

    The expected score rises from ``start`` towards ``plateau`` (exponential approach with time
    constant ``rise_sessions``), Gaussian session noise with ``noise_sd`` is added, each ``Dip``
    subtracts its depth and fades over its recovery sessions, and scores are clipped to ``scale``
    and rounded to ``decimals`` (0 = whole numbers, as most questionnaires give).
    """
    if n_sessions < 1:
        raise SeriesError(f"n_sessions must be at least 1, got {n_sessions}")
    lo, hi = scale
    if not lo < hi:
        raise SeriesError(f"scale must be (low, high) with low < high, got {scale}")
    if noise_sd < 0:
        raise SeriesError(f"noise_sd must not be negative, got {noise_sd}")
    for dip in dips:
        if not 1 <= dip.session <= n_sessions:
            raise SeriesError(f"dip at session {dip.session} is outside 1..{n_sessions}")
        if dip.recovery < 0:
            raise SeriesError(f"dip at session {dip.session}: recovery must not be negative")
    rng = np.random.default_rng(seed)
    sessions = np.arange(n_sessions)
    expected = plateau - (plateau - start) * np.exp(-sessions / max(rise_sessions, 1e-9))
    series = expected + rng.normal(0.0, noise_sd, n_sessions)
    for dip in dips:
        i = dip.session - 1
        series[i] -= dip.depth
        for step in range(1, dip.recovery + 1):
            if i + step < n_sessions:
                series[i + step] -= dip.depth * (1 - step / (dip.recovery + 1))
        if dip.recovery == 0:
            series[i + 1 :] -= dip.depth
    series = np.clip(np.round(series, decimals), lo, hi)
    return [float(x) for x in series]
