"""Replay, scoring, MITI 4 ratings, path codes and the trajectory figure."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import matplotlib
import pytest

from alliance.vignettes import (
    PathError,
    decode_path,
    encode_path,
    load_vignette,
    loader,
    plot_trajectory,
    replay,
    replay_code,
    scoring,
)
from alliance.vignettes.schema import RESPONSE_TYPES

FIXTURES = Path(__file__).parent / "fixtures" / "vignettes"
BASIC = FIXTURES / "fixture-basic.yaml"


@pytest.fixture(scope="module")
def basic():
    return load_vignette(BASIC)


def test_replay_to_an_ending(basic) -> None:
    p = replay(basic, [2, 0])  # metacommunication, then validation
    assert p.vignette_id == "fixture-basic"
    assert p.steps == [("opening", 2), ("named", 0)]
    assert p.ending == "end-repaired" and p.outcome == "repaired" and p.finished
    # baseline bond 8: +2 -> 10, +2 clamps at 10; tasks 1 -> 1 -> 2
    assert p.trajectory == {"bond": [8, 10, 10], "goals": [5, 5, 5], "tasks": [1, 1, 2]}
    assert p.final == {"bond": 10, "goals": 5, "tasks": 2}
    assert p.tally == Counter({"metacommunication": 1, "validation": 1})
    assert p.code == "fixture-basic:3-1"
    assert p.transcript == [
        ("client", "I don't know. It's been an okay week, I guess."),
        ("therapist", basic.nodes["opening"].choices[2].therapist),
        ("client", "Honestly? Last week it felt like you were rushing me to fix things."),
        ("therapist", basic.nodes["named"].choices[0].therapist),
        ("client", "Okay. Maybe we can slow down a bit."),
    ]


def test_meters_clamp_at_zero(basic) -> None:
    p = replay(basic, [1, 0])  # closed question (tasks -1 from 1), reassurance
    assert p.trajectory["tasks"] == [1, 0, 0]
    assert p.outcome == "unresolved"


def test_meters_clamp_at_ten_after_each_step(basic) -> None:
    p = replay(basic, [2, 0])  # bond 8, +2, +2
    assert p.trajectory["bond"] == [8, 10, 10]  # not 12
    p = replay(basic, [2, 1])  # bond 8, +2, -2
    assert p.trajectory["bond"] == [8, 10, 8]


def test_partial_path_has_no_ending(basic) -> None:
    p = replay(basic, [0])
    assert p.ending is None and p.outcome is None and not p.finished
    assert p.current == "heard"
    assert p.transcript[-1] == (
        "client",
        "It's my sister. She hasn't spoken to me since the funeral.",
    )


def test_empty_path(basic) -> None:
    p = replay(basic, [])
    assert p.code == "fixture-basic:" and p.steps == [] and p.final == basic.baseline
    assert p.reflection_question_ratio is None and p.complex_reflection_share is None
    assert p.ratings == {"reflection_question_ratio": None, "complex_reflection_share": None}
    assert set(p.rating_reasons) == {"reflection_question_ratio", "complex_reflection_share"}


def test_ratio_and_share(basic) -> None:
    p = replay(basic, [1, 1, 0])  # closed q, open q, simple reflection
    assert p.reflection_question_ratio == 0.5
    assert p.complex_reflection_share == 0.0
    assert p.ratings == {
        "reflection_question_ratio": "below fair",
        "complex_reflection_share": "below fair",
    }
    p = replay(basic, [0, 0])  # complex + simple reflection, no question
    assert p.reflection_question_ratio is None  # undefined with no questions: not rated
    assert p.complex_reflection_share == 0.5
    assert p.ratings == {"reflection_question_ratio": None, "complex_reflection_share": "good"}
    assert p.rating_reasons == {
        "reflection_question_ratio": scoring.MITI4["reflection_question_ratio"]["absent"]
    }
    assert "no questions" in p.rating_reasons["reflection_question_ratio"].lower()


def test_miti4_thresholds_are_the_briefs() -> None:
    assert scoring.MITI4["reflection_question_ratio"]["fair"] == 1.0
    assert scoring.MITI4["reflection_question_ratio"]["good"] == 2.0
    assert scoring.MITI4["complex_reflection_share"]["fair"] == 0.40
    assert scoring.MITI4["complex_reflection_share"]["good"] == 0.50


@pytest.mark.parametrize(
    ("measure", "value", "expected"),
    [
        ("reflection_question_ratio", 0.99, "below fair"),
        ("reflection_question_ratio", 1.0, "fair"),
        ("reflection_question_ratio", 1.99, "fair"),
        ("reflection_question_ratio", 2.0, "good"),
        ("reflection_question_ratio", float("inf"), "good"),
        ("complex_reflection_share", 0.39, "below fair"),
        ("complex_reflection_share", 2 / 5, "fair"),
        ("complex_reflection_share", 0.5, "good"),
        ("complex_reflection_share", None, None),
    ],
)
def test_rate(measure: str, value: float | None, expected: str | None) -> None:
    assert scoring.rate(measure, value) == expected


def test_choice_out_of_range_names_the_step(basic) -> None:
    with pytest.raises(
        PathError, match=r"^step 2: node 'named' has 2 choices \(1-2\), got choice 4"
    ):
        replay(basic, [2, 3])


def test_negative_choice(basic) -> None:
    with pytest.raises(PathError, match="step 1: node 'opening' has 3 choices"):
        replay(basic, [-1])


def test_path_past_an_ending(basic) -> None:
    with pytest.raises(PathError, match="step 3: node 'end-repaired' is an ending"):
        replay(basic, [2, 0, 0])


def test_non_integer_choice(basic) -> None:
    with pytest.raises(PathError, match="step 1: a choice must be a whole number"):
        replay(basic, ["1"])  # type: ignore[list-item]


def test_encode_decode_round_trip(basic) -> None:
    assert encode_path(basic, [1, 1, 0]) == "fixture-basic:2-2-1"
    assert decode_path("fixture-basic:2-2-1") == ("fixture-basic", [1, 1, 0])
    assert decode_path("  'fixture-basic:2-2-1'\n") == ("fixture-basic", [1, 1, 0])
    assert decode_path("fixture-basic:") == ("fixture-basic", [])
    assert decode_path("x:10-12") == ("x", [9, 11])


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("fixture-basic", "malformed path code"),
        ("fixture-basic:1-x", "step 2 is 'x'"),
        ("fixture-basic:0", "step 1 is '0'"),
        ("fixture-basic:1--2", "step 2 is ''"),
        ("Fixture Basic:1", "malformed path code"),
        ("", "malformed path code"),
        ("fixture-basic:\u00b2", "step 1 is"),  # superscript two: isdigit() but not a number
        ("fixture-basic:\u0663", "step 1 is"),  # Arabic-Indic three: int() would accept it
    ],
)
def test_malformed_codes(code: str, message: str) -> None:
    with pytest.raises(PathError, match=message):
        decode_path(code)


def test_replay_code_unknown_vignette() -> None:
    with pytest.raises(PathError, match="unknown vignette id 'no-such-vignette'"):
        replay_code("no-such-vignette:1-2")


def test_replay_code_from_the_library(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "LIBRARY", FIXTURES)  # the fixtures stand in for the library
    p = replay_code("fixture-basic:3-1")
    assert p.outcome == "repaired" and p.code == "fixture-basic:3-1"
    with pytest.raises(PathError, match="step 2: node 'named' has 2 choices"):
        replay_code("fixture-basic:3-3")


def test_plot_trajectory(basic) -> None:
    matplotlib.use("Agg")
    fig = plot_trajectory(replay(basic, [1, 1, 0]))
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["Bond", "Goals", "Tasks"]
    assert len({line.get_linestyle() for line in lines}) == 3
    assert len({line.get_marker() for line in lines}) == 3
    assert list(lines[0].get_ydata()) == [8, 7, 8, 9]
    assert ax.get_title() == "A quiet week: Alliance strengthened"
    assert ax.get_xlabel() and ax.get_ylabel() == "Alliance rating (0–10)"
    assert fig.get_facecolor()[:3] == (1.0, 1.0, 1.0)


# ---- MITI 4 codes (miti4_codes.yaml, checked against the MITI 4.2.1 manual) -----------------


def test_every_response_type_has_a_miti4_entry_with_its_basis() -> None:
    codes = scoring.MITI4_CODES
    assert set(codes.by_type) == set(RESPONSE_TYPES)
    assert set(codes.reflections) == {"SR", "CR"} and codes.questions == ("Q",)
    assert codes.citation == "moyers2014manual"


def test_summary_counts_as_a_reflection_as_the_manual_says() -> None:
    # MITI 4.2.1 E.4.e.1: a summary that adds no point or direction is a simple reflection.
    assert scoring.MITI4_CODES.by_type["summary"] == "SR"
    tally = Counter({"summary": 1, "open-question": 1})
    assert scoring.miti_tally(tally) == Counter({"SR": 1, "Q": 1})
    assert scoring.reflection_question_ratio(tally) == 1.0  # not 0 : 1, as before issue 9
    assert scoring.miti_ratings(tally)["reflection_question_ratio"] == "fair"
    assert scoring.complex_reflection_share(tally) == 0.0


def test_miti4_has_one_question_code() -> None:
    # MITI 4.2.1 E.4.d: open and closed questions are not differentiated.
    by_type = scoring.MITI4_CODES.by_type
    assert by_type["open-question"] == by_type["closed-question"] == "Q"
    tally = Counter({"open-question": 1, "closed-question": 2, "simple-reflection": 3})
    assert scoring.reflection_question_ratio(tally) == 1.0


@pytest.mark.parametrize("kind", ["praise", "validation", "reassurance", "self-disclosure"])
def test_types_with_no_miti4_code_count_as_neither(kind: str) -> None:
    # E.4.f.2: non-specific praise and statements of support are not coded.
    assert scoring.MITI4_CODES.by_type[kind] is None
    tally = Counter({kind: 2, "complex-reflection": 1, "open-question": 1})
    assert scoring.miti_tally(tally) == Counter({"CR": 1, "Q": 1})
    assert scoring.reflection_question_ratio(tally) == 1.0


def test_affirmation_and_praise_are_different_codes() -> None:
    assert scoring.MITI4_CODES.by_type["affirmation"] == "AF"
    assert scoring.MITI4_CODES.by_type["praise"] is None


def test_miti4_codes_file_is_checked(tmp_path: Path) -> None:
    source = (Path(scoring.__file__).parent / "miti4_codes.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "codes.yaml"
    bad.write_text(source.replace("  praise:\n    code: null", "  praize:\n    code: null"))
    with pytest.raises(
        ValueError, match="no MITI 4 code given for praise.*unknown response types praize"
    ):
        scoring.load_miti_codes(bad)
    bad.write_text(source.replace("code: Persuade\n", "code: Lecture\n", 1))
    with pytest.raises(ValueError, match="unknown MITI 4 code 'Lecture'"):
        scoring.load_miti_codes(bad)


# ---- Errors on the path, repairs and path-aware notes ------------------------------------------


def test_errors_on_the_path_and_their_repair(basic) -> None:
    p = replay(basic, [1, 1, 0])  # closed question (error), repair, simple reflection
    assert [(e.step, e.node, e.choice, e.repaired) for e in p.errors] == [(1, "opening", 1, True)]
    p = replay(basic, [1, 0])  # closed question (error), reassurance: never repaired
    assert [(e.step, e.repaired) for e in p.errors] == [(1, False)]
    assert replay(basic, [2, 0]).errors == []


def test_notes_speak_to_the_path_taken(basic) -> None:
    via_homework = replay(basic, [1, 0])
    via_advice = replay(basic, [0, 1])
    assert via_homework.ending == via_advice.ending == "end-unresolved"
    notes = basic.nodes["end-unresolved"].ending.notes
    assert via_homework.notes == [notes[0].text] and "homework" in notes[0].text
    assert via_advice.notes == [notes[1].text] and "sister" in notes[1].text
    assert replay(basic, [2, 0]).notes == []  # an ending without notes
    assert replay(basic, [1]).notes == []  # no ending yet
