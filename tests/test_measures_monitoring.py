"""Session monitoring helpers: flagging low sessions and simulating illustrative series."""

from __future__ import annotations

import pytest

from alliance.measures.monitoring import Dip, SeriesError, flag_below, simulate_series


def test_flag_below_inclusive_and_strict():
    scores = [38, 36, 35, 39, 36.5]
    assert flag_below(scores, 36) == [2, 3]
    assert flag_below(scores, 36, inclusive=False) == [3]


def test_missed_sessions_are_not_flagged():
    assert flag_below([30, None, float("nan"), 20], 25) == [4]


def test_flag_below_rejects_text():
    with pytest.raises(SeriesError, match="session 2: score 'low' is not a number"):
        flag_below([30, "low"], 25)


def test_simulation_is_seeded_and_in_range():
    kwargs = dict(seed=7, start=28, plateau=38, scale=(9, 45), noise_sd=2.0)
    a = simulate_series(20, **kwargs)
    assert a == simulate_series(20, **kwargs)
    assert a != simulate_series(20, **dict(kwargs, seed=8))
    assert len(a) == 20 and all(9 <= x <= 45 and x == int(x) for x in a)


def test_simulation_rises_towards_plateau():
    s = simulate_series(30, seed=1, start=20, plateau=40, scale=(0, 45), noise_sd=0.0)
    assert s[0] == 20 and s[-1] == 40 and s == sorted(s)


def test_dip_lowers_and_recovers():
    flat = simulate_series(10, seed=0, start=35, plateau=35, scale=(0, 40), noise_sd=0.0)
    dipped = simulate_series(
        10, seed=0, start=35, plateau=35, scale=(0, 40), noise_sd=0.0, dips=[Dip(4, 8, 1)]
    )
    assert dipped[3] == 27 and dipped[4] == 31 and dipped[5:] == flat[5:]


def test_clipping_at_the_ceiling():
    s = simulate_series(5, seed=0, start=50, plateau=50, scale=(0, 40), noise_sd=0.0)
    assert s == [40.0] * 5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(n_sessions=0), "n_sessions must be at least 1"),
        (dict(scale=(5, 5)), "low < high"),
        (dict(noise_sd=-1), "noise_sd must not be negative"),
        (dict(dips=[Dip(12, 3)]), "outside 1..10"),
    ],
)
def test_bad_simulation_requests(kwargs, message):
    base = dict(n_sessions=10, seed=0, start=30, plateau=35, scale=(0, 40))
    with pytest.raises(SeriesError, match=message):
        simulate_series(**dict(base, **kwargs))
