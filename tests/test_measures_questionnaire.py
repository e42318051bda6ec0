"""The Illustrative Alliance Check: file validation, reverse keying, missing items, bad input."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alliance.measures.questionnaire import (
    QuestionnaireFileError,
    ResponseError,
    load_questionnaire,
    parse_questionnaire,
    score_responses,
)

ALL_FOURS = {i: 4 for i in ("b1", "b2", "b3", "g1", "g2", "g3", "t1", "t2", "t3")}


def test_structure_is_nine_items_three_subscales_and_labelled_invented():
    q = load_questionnaire()
    assert len(q.items) == 9
    assert list(q.subscales) == ["bond", "goals", "tasks"]
    assert all(len(q.items_of(s)) == 3 for s in q.subscales)
    assert (q.scale_min, q.scale_max) == (1, 5)
    assert any(item.reverse for item in q.items)
    assert "invented" in q.notice.lower() and "not a validated" in q.notice.lower()
    assert q.total_range == (9, 45)


def test_reverse_keyed_items_are_flipped():
    q = load_questionnaire()
    reverse = [item.id for item in q.items if item.reverse]
    responses = {item.id: 5 for item in q.items}
    for item_id in reverse:
        responses[item_id] = 1  # strongly disagreeing with a negative item = strong alliance
    scores = score_responses(responses)
    assert scores.total == 45
    assert all(scores.keyed[i] == 5 for i in reverse)
    # Answering 5 everywhere ("yes to everything") is not a perfect score.
    assert score_responses({item.id: 5 for item in q.items}).total == 45 - 4 * len(reverse)


def test_middle_point_is_unchanged_by_reverse_keying():
    scores = score_responses([3] * 9)
    assert scores.total == 27
    assert scores.subscales == {"bond": 9.0, "goals": 9.0, "tasks": 9.0}


def test_list_and_mapping_agree():
    values = [5, 4, 2, 4, 3, 1, 4, 5, 2]
    mapping = dict(zip(load_questionnaire().item_ids, values, strict=True))
    assert score_responses(values) == score_responses(mapping)


def test_one_missing_item_is_prorated():
    responses = dict(ALL_FOURS, g2=None, g1=5)
    scores = score_responses(responses)
    # goals: g1=5, g3=4 reversed -> 2; mean 3.5 x 3 items = 10.5
    assert scores.subscales["goals"] == 10.5
    assert scores.prorated == ["goals"]
    assert scores.missing["goals"] == ["g2"]
    assert scores.total == pytest.approx(
        scores.subscales["bond"] + 10.5 + scores.subscales["tasks"]
    )


def test_absent_key_counts_as_missing():
    responses = dict(ALL_FOURS)
    del responses["t3"]
    assert score_responses(responses).prorated == ["tasks"]


def test_two_missing_items_make_subscale_and_total_missing():
    scores = score_responses(dict(ALL_FOURS, b1=None, b2=None))
    assert scores.subscales["bond"] is None
    assert scores.total is None
    assert scores.subscales["goals"] is not None


def test_one_missing_in_each_subscale_still_scores():
    scores = score_responses(dict(ALL_FOURS, b1=None, g1=None, t1=None))
    assert scores.total is not None
    assert sorted(scores.prorated) == ["bond", "goals", "tasks"]


def test_nan_counts_as_missing():
    assert score_responses(dict(ALL_FOURS, b2=float("nan"))).prorated == ["bond"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (6, "outside the scale 1-5"),
        (0, "outside the scale 1-5"),
        (3.5, "not a whole number"),
        ("4", "not a number"),
        (True, "not a number"),
    ],
)
def test_invalid_response_names_item_and_problem(value, message):
    with pytest.raises(ResponseError, match=re.escape(message)) as info:
        score_responses(dict(ALL_FOURS, g3=value))
    assert "'g3'" in str(info.value)


def test_unknown_item_and_wrong_length_are_rejected():
    with pytest.raises(ResponseError, match="unknown item id.*'x9'"):
        score_responses(dict(ALL_FOURS, x9=3))
    with pytest.raises(ResponseError, match="got 8 responses"):
        score_responses([3] * 8)


def test_whole_number_floats_are_accepted():
    assert score_responses([3.0] * 9).total == 27


def _packaged_text() -> str:
    import alliance.measures as pkg

    return (Path(pkg.__file__).parent / "illustrative_alliance_check.yaml").read_text()


def test_bad_file_errors_name_file_and_line(tmp_path):
    text, replaced = re.subn(r"(id: t1\n\s+subscale: )tasks\b", r"\1task", _packaged_text())
    assert replaced == 1, "fixture: item t1 should declare its subscale right after its id"
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    with pytest.raises(QuestionnaireFileError) as info:
        load_questionnaire(bad)
    message = str(info.value)
    assert str(bad) in message and "unknown subscale 'task'" in message
    line = int(re.search(r"line (\d+)", message).group(1))
    assert "id: t1" in text.splitlines()[line - 1]


def test_bad_yaml_and_bad_rule_are_reported():
    with pytest.raises(QuestionnaireFileError, match=r"x.yaml, line \d+: not valid YAML"):
        parse_questionnaire("name: [unclosed\n", "x.yaml")
    text = _packaged_text().replace("max_missing_per_subscale: 1", "max_missing_per_subscale: 3")
    with pytest.raises(QuestionnaireFileError, match="could be scored with no items answered"):
        parse_questionnaire(text, "x.yaml")
    text = _packaged_text().replace("reverse: true", "reverse: maybe", 1)
    with pytest.raises(QuestionnaireFileError, match="'reverse' must be true or false"):
        parse_questionnaire(text, "x.yaml")


def test_html_table_lists_every_item_and_escapes_its_text():
    from html.parser import HTMLParser

    text = _packaged_text().replace(
        '"Today I felt that my therapist was on my side."', '"Me & my <therapist> agreed."', 1
    )
    questionnaire = parse_questionnaire(text, "x.yaml")
    html = questionnaire.to_html()
    assert "Me &amp; my &lt;therapist&gt; agreed." in html and "<therapist>" not in html
    cells: list[str] = []

    class Cells(HTMLParser):
        def handle_data(self, data: str) -> None:
            cells.append(data)

    Cells().feed(html)
    assert [c for c in cells if c in questionnaire.item_ids] == questionnaire.item_ids
    assert html.count("<strong>reverse</strong>") == 3
    assert html.startswith("<table") and "<caption>" in html and "<thead>" in html
