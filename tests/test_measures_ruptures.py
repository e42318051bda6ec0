"""The course's teaching rule for rupture-repair (V-shaped) sequences under 1 SD and 2 SD."""

from __future__ import annotations

import statistics

import pytest

from alliance.measures.monitoring import SeriesError
from alliance.measures.ruptures import compare_criteria, detect_ruptures, series_sd


def test_clear_v_shape_is_a_repaired_rupture_under_both_criteria():
    s = [30, 31, 31, 32, 22, 28, 33, 33, 34]
    sd = statistics.stdev(s)
    assert 10 >= 2 * sd  # the drop clears even the strict rule
    for k in (1, 2):
        (event,) = detect_ruptures(s, k=k)
        assert (event.pre_session, event.low_session, event.repair_session) == (4, 5, 7)
        assert event.repaired and event.status == "repaired"
        assert event.drop == 10 and event.threshold == pytest.approx(k * sd)


def test_one_sd_and_two_sd_differ():
    s = [30, 32, 34, 31, 35, 33, 36, 33, 35, 34]
    sd = series_sd(s)
    drops = [a - b for a, b in zip(s, s[1:], strict=False)]
    assert max(drops) < 2 * sd  # nothing clears the strict rule ...
    both = compare_criteria(s)
    assert both["2 SD"] == []
    assert [e.pre_session for e in both["1 SD"]] == [3, 5, 7]  # ... the lenient rule does
    assert all(e.repaired for e in both["1 SD"][:2])


def test_constant_series_has_no_ruptures():
    assert detect_ruptures([35] * 12, k=1) == []
    assert series_sd([35] * 12) == 0


def test_too_short_series_has_no_ruptures():
    assert detect_ruptures([35, 20], k=1) == []
    assert detect_ruptures([], k=1) == []


def test_rupture_at_the_start():
    s = [36, 26, 36, 36, 36, 36]
    (event,) = detect_ruptures(s, k=1)
    assert (event.pre_session, event.low_session, event.repair_session) == (1, 2, 3)


def test_rupture_at_the_end_is_censored():
    s = [36, 36, 36, 36, 36, 26]
    (event,) = detect_ruptures(s, k=1)
    assert event.low_session == 6
    assert not event.repaired and event.censored and event.status == "censored"


def test_unrepaired_rupture_when_no_return_within_window():
    s = [36, 36, 26, 27, 28, 29, 30, 36]
    (event,) = detect_ruptures(s, k=1, window=3)
    assert event.status == "unrepaired"
    (late,) = detect_ruptures(s, k=1, window=5)
    assert late.repair_session == 8  # a longer window counts the late return


def test_return_must_reach_the_pre_drop_level():
    s = [30, 30, 40, 30, 39, 39, 39, 30, 30]
    events = detect_ruptures(s, k=1, window=3)
    first = events[0]
    assert first.pre_session == 3 and not first.repaired  # 39 never reaches 40


def test_bad_arguments():
    with pytest.raises(SeriesError, match="k must be positive"):
        detect_ruptures([1, 2, 3], k=0)
    with pytest.raises(SeriesError, match="window must be at least 1"):
        detect_ruptures([1, 2, 3], window=0)
    with pytest.raises(SeriesError, match="session 2: score is missing"):
        detect_ruptures([30, None, 30])
