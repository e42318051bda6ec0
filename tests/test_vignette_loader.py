"""The vignette loader and checks: each check reports the right line, and all problems at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from alliance.vignettes import VignetteError, load_all_vignettes, load_vignette
from alliance.vignettes.loader import check_files, library_files, parse_file

FIXTURES = Path(__file__).parent / "fixtures" / "vignettes"

# Line numbers of VALID, used by the assertions below:
#  1 id   2 title   3 theme   4 client   5 name   6 background   7 objectives   8 start   9 nodes
# 10 a:  11 client  12 choices  13 - therapist  14 type  15 effect  16 feedback  17 next
# 18 - therapist  19 type  20 feedback  21 next  22 end:  23 ending  24 outcome  25 debrief
VALID = """\
id: tiny
title: "Tiny"
theme: empathy
client:
  name: "Ms Chen"
  background: "A fictional client for the tests."
objectives: ["Reflect a feeling."]
start: a
nodes:
  a:
    client: "I've been so tired lately."
    choices:
      - therapist: "You sound worn out."
        type: simple-reflection
        effect: {bond: 1}
        feedback: "A simple reflection."
        next: end
      - therapist: "Are you sleeping?"
        type: closed-question
        feedback: "A closed question."
        next: end
  end:
    ending:
      outcome: strengthened
      debrief: "Done."
"""


def problems(text: str, tmp_path: Path, name: str = "tiny") -> list[tuple[int, str]]:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return [(p.line, p.message) for p in parse_file(path).problems]


def only(text: str, tmp_path: Path, name: str = "tiny") -> tuple[int, str]:
    found = problems(text, tmp_path, name)
    assert len(found) == 1, found
    return found[0]


def test_valid_file_loads_with_default_baseline(tmp_path: Path) -> None:
    assert problems(VALID, tmp_path) == []
    v = load_vignette(tmp_path / "tiny.yaml")
    assert v.id == "tiny" and v.start == "a" and list(v.nodes) == ["a", "end"]
    assert v.baseline == {"bond": 5, "goals": 5, "tasks": 5}
    assert v.nodes["a"].choices[0].effect == {"bond": 1, "goals": 0, "tasks": 0}
    assert v.nodes["end"].ending.outcome == "strengthened"


def test_unknown_key_suggests_the_near_miss(tmp_path: Path) -> None:
    line, msg = only(VALID.replace("effect: {bond: 1}", "efect: {bond: 1}"), tmp_path)
    assert line == 15
    assert "unknown key 'efect'" in msg and "did you mean 'effect'" in msg


def test_unknown_top_level_key(tmp_path: Path) -> None:
    line, msg = only(VALID.replace("start: a\n", "start: a\nstrat: a\n"), tmp_path)
    assert line == 9 and "unknown key 'strat'" in msg


def test_missing_field_is_reported_at_its_owner(tmp_path: Path) -> None:
    line, msg = only(VALID.replace('        feedback: "A simple reflection."\n', ""), tmp_path)
    assert line == 13 and "missing required key 'feedback'" in msg and "choice 1" in msg


def test_missing_top_level_field(tmp_path: Path) -> None:
    line, msg = only(VALID.replace('title: "Tiny"\n', ""), tmp_path)
    assert line == 1 and "missing required key 'title'" in msg


def test_wrong_type(tmp_path: Path) -> None:
    line, msg = only(VALID.replace('title: "Tiny"', "title: 5"), tmp_path)
    assert line == 2 and "title must be text, got a whole number" in msg


def test_yes_needs_quotes(tmp_path: Path) -> None:
    line, msg = only(VALID.replace('"I\'ve been so tired lately."', "yes"), tmp_path)
    assert line == 11 and "true/false" in msg and "quotes" in msg


def test_effect_out_of_range(tmp_path: Path) -> None:
    line, msg = only(VALID.replace("effect: {bond: 1}", "effect: {bond: 3}"), tmp_path)
    assert line == 15 and "effect.bond is 3" in msg and "-2 to 2" in msg


def test_effect_unknown_dimension(tmp_path: Path) -> None:
    line, msg = only(VALID.replace("effect: {bond: 1}", "effect: {bnod: 1}"), tmp_path)
    assert line == 15 and "unknown key 'bnod'" in msg and "did you mean 'bond'" in msg


def test_baseline_out_of_range(tmp_path: Path) -> None:
    text = VALID.replace("start: a\n", "baseline: {bond: 11}\nstart: a\n")
    line, msg = only(text, tmp_path)
    assert line == 8 and "baseline.bond is 11" in msg and "0 to 10" in msg


def test_unknown_response_type(tmp_path: Path) -> None:
    line, msg = only(VALID.replace("type: simple-reflection", "type: simple-reflexion"), tmp_path)
    assert line == 14 and "unknown response type 'simple-reflexion'" in msg
    assert "did you mean 'simple-reflection'" in msg


def test_unknown_theme_and_outcome_both_reported(tmp_path: Path) -> None:
    text = VALID.replace("theme: empathy", "theme: empathie").replace(
        "outcome: strengthened", "outcome: mended"
    )
    found = problems(text, tmp_path)
    assert (3, found[0][1]) == found[0] and "unknown theme 'empathie'" in found[0][1]
    assert found[1][0] == 24 and "unknown outcome 'mended'" in found[1][1]


def test_unknown_rupture(tmp_path: Path) -> None:
    text = VALID.replace("    client: \"I've", "    rupture: withdrawl\n    client: \"I've")
    line, msg = only(text, tmp_path)
    assert line == 11 and "unknown rupture 'withdrawl'" in msg


def test_too_few_choices(tmp_path: Path) -> None:
    lines = VALID.splitlines(keepends=True)
    text = "".join(lines[:17] + lines[21:])  # drop the second choice
    line, msg = only(text, tmp_path)
    assert line == 12 and "has 1 choice" in msg and "2 to 4" in msg


def test_too_many_choices(tmp_path: Path) -> None:
    lines = VALID.splitlines(keepends=True)
    extra = "".join(lines[17:21])
    text = "".join(lines[:21]) + extra * 3 + "".join(lines[21:])
    line, msg = only(text, tmp_path)
    assert line == 12 and "has 5 choices" in msg


def test_next_names_no_node(tmp_path: Path) -> None:
    line, msg = only(VALID.replace("next: end\n", "next: edn\n", 1), tmp_path)
    assert line == 17 and "next 'edn' names no node" in msg and "did you mean 'end'" in msg


def test_start_names_no_node(tmp_path: Path) -> None:
    found = problems(VALID.replace("start: a", "start: b"), tmp_path)
    assert found[0][0] == 8 and "start 'b' names no node" in found[0][1]


def test_unreachable_node(tmp_path: Path) -> None:
    text = VALID + '  orphan:\n    ending:\n      outcome: unresolved\n      debrief: "x"\n'
    line, msg = only(text, tmp_path)
    assert line == 26 and "node 'orphan' cannot be reached from start 'a'" in msg


def test_unreachable_branch_is_reported_once_at_its_root(tmp_path: Path) -> None:
    text = VALID + (
        "  orphan:\n"
        '    client: "Nobody leads here."\n'
        "    choices:\n"
        '      - {therapist: "A", type: advice, feedback: "f", next: orphan-end}\n'
        '      - {therapist: "B", type: advice, feedback: "f", next: end}\n'
        "  orphan-end:\n"
        "    ending: {outcome: unresolved, debrief: d}\n"
    )
    line, msg = only(text, tmp_path)
    assert line == 26
    assert msg == (
        "node 'orphan' cannot be reached from start 'a' "
        "(nor can 'orphan-end', reached only through it)"
    )


def test_dangling_next_is_not_also_blamed_for_no_ending(tmp_path: Path) -> None:
    text = VALID.replace("next: end\n", "next: nowhere\n")  # both choices of 'a'
    found = problems(text, tmp_path)
    assert [line for line, _ in found] == [17, 21, 22]
    assert "names no node" in found[0][1] and "names no node" in found[1][1]
    assert "node 'end' cannot be reached" in found[2][1]


def test_node_from_which_no_ending_can_be_reached(tmp_path: Path) -> None:
    text = VALID.replace("next: end\n", "next: loop\n", 1) + (
        "  loop:\n"
        '    client: "Round and round."\n'
        "    choices:\n"
        '      - {therapist: "Again?", type: open-question, feedback: "f", next: loop}\n'
        '      - {therapist: "Again!", type: advice, feedback: "f", next: loop}\n'
    )
    line, msg = only(text, tmp_path)
    assert line == 26 and "no ending can be reached from node 'loop'" in msg


def test_no_ending_at_all(tmp_path: Path) -> None:
    text = VALID.replace("next: end", "next: a").split("  end:\n")[0]
    found = problems(text, tmp_path)
    assert (9, "the vignette has no ending node (a node with `ending:`)") in found


def test_duplicate_node_id(tmp_path: Path) -> None:
    text = VALID + '  a:\n    client: "Again."\n'
    line, msg = only(text, tmp_path)
    assert line == 26 and "duplicate node id 'a' (first at line 10)" in msg


def test_duplicate_key(tmp_path: Path) -> None:
    line, msg = only(VALID.replace('title: "Tiny"\n', 'title: "Tiny"\ntitle: "Again"\n'), tmp_path)
    assert line == 3 and "duplicate key 'title' (first at line 2)" in msg


def test_id_must_equal_file_name(tmp_path: Path) -> None:
    line, msg = only(VALID, tmp_path, name="other-name")
    assert line == 1 and "must equal the file name ('other-name.yaml')" in msg


def test_id_must_be_kebab_case(tmp_path: Path) -> None:
    line, msg = only(VALID.replace("id: tiny", "id: Tiny_One"), tmp_path, name="Tiny_One")
    assert line == 1 and "kebab-case" in msg


def test_node_with_both_choices_and_ending(tmp_path: Path) -> None:
    text = VALID.replace(
        "    choices:\n", "    ending: {outcome: repaired, debrief: d}\n    choices:\n"
    )
    found = problems(text, tmp_path)
    assert (10, "node 'a' has both choices and an ending: give it one or the other") in found


def test_node_with_neither_choices_nor_ending(tmp_path: Path) -> None:
    text = VALID + '  stub:\n    client: "Hm."\n'
    found = problems(text, tmp_path)
    assert (26, "node 'stub' needs either choices (2 to 4) or an ending") in found


def test_yaml_syntax_error_names_its_line(tmp_path: Path) -> None:
    line, msg = only(VALID.replace('title: "Tiny"', 'title: "Tiny'), tmp_path)
    assert line >= 2 and msg.startswith("YAML syntax error")


def test_empty_file(tmp_path: Path) -> None:
    assert only("", tmp_path) == (1, "the file is empty")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = (
        VALID.replace("theme: empathy", "theme: nope")
        .replace("type: closed-question", "type: question")
        .replace("next: end\n", "next: nowhere\n", 1)
    )
    path = tmp_path / "tiny.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(VignetteError) as info:
        load_vignette(path)
    assert [p.line for p in info.value.problems] == [3, 17, 19]
    message = str(info.value)
    assert message.startswith("3 problems")
    for line in (3, 17, 19):
        assert f"tiny.yaml:{line}: " in message


def test_duplicate_vignette_ids_across_files(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    for folder in ("one", "two"):
        (tmp_path / folder / "tiny.yaml").write_text(VALID, encoding="utf-8")
    paths = [tmp_path / "one" / "tiny.yaml", tmp_path / "two" / "tiny.yaml"]
    first, second = check_files(paths, rules=False)
    assert first.problems == []
    assert len(second.problems) == 1
    assert second.problems[0].line == 1
    assert "vignette id 'tiny' is already used by" in second.problems[0].message
    assert second.vignette is None


def test_unknown_id_is_a_lookup_error() -> None:
    with pytest.raises(LookupError, match="unknown vignette id 'no-such-vignette'"):
        load_vignette("no-such-vignette")


def test_fixtures_are_valid() -> None:
    for path in sorted(FIXTURES.glob("*.yaml")):
        assert parse_file(path).problems == [], path


def test_shipped_vignettes_are_valid() -> None:
    """Whatever the library holds (zero or more files) loads without a problem."""
    vignettes = load_all_vignettes()
    assert [v.id for v in vignettes] == [p.stem for p in library_files()]


def test_choice_ids_repairs_and_ending_notes_load() -> None:
    v = load_vignette(FIXTURES / "fixture-basic.yaml")
    opening = v.nodes["opening"].choices
    assert [c.id for c in opening] == [None, "homework-first", None]
    assert opening[1].is_error and not opening[1].is_repair
    assert opening[2].is_repair  # metacommunication repairs by its type
    pressed = v.nodes["pressed"].choices[1]
    assert pressed.repair and pressed.is_repair  # marked `repair: true`
    notes = v.nodes["end-unresolved"].ending.notes
    assert [(n.when, n.target) for n in notes] == [
        ("chose", "homework-first"),
        ("chose", "advice-sister"),
    ]
    assert all(n.line > v.nodes["end-unresolved"].line for n in notes)
    data = v.to_data()["nodes"]
    assert data["pressed"]["choices"][1]["repair"] is True
    assert data["opening"]["choices"][2]["repair"] is True
    assert data["end-unresolved"]["ending"]["notes"][0]["target"] == "homework-first"


def test_old_files_without_the_new_fields_still_load(tmp_path: Path) -> None:
    assert problems(VALID, tmp_path) == []  # no ids, no repair, no notes: as before issue 9
    v = load_vignette(tmp_path / "tiny.yaml")
    assert v.nodes["end"].ending.notes == () and v.nodes["a"].choices[0].id is None
