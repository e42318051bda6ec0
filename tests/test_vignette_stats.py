"""No surface cue gives the best answer away: length and position against chance (``stats.py``).

Why: in issue 9 the best option was the longest in 87 of 88 decision points and sat second in
53; the review questions had the same tell. These tests keep the shipped library (as a whole and
file by file) and the chapters' review questions within chance + 10 points for length and chance +
15 points for any position (``cue_limits.yaml``), and check the arithmetic the limits rest on.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alliance.cli import main
from alliance.vignettes import load_all_vignettes, load_vignette, replay
from alliance.vignettes import stats as st
from alliance.vignettes.loader import library_files
from alliance.vignettes.stats import Decision, cue_stats

FIXTURES = Path(__file__).parent / "fixtures" / "vignettes"
ROOT = Path(__file__).resolve().parents[1]


def test_chance_is_the_mean_of_one_over_k() -> None:
    decisions = [
        Decision("x", "a", 1, (10, 20), (1,)),  # best is longest, position 2
        Decision("x", "b", 2, (30, 20, 10, 5), (0,)),  # best is longest, position 1
        Decision("x", "c", 3, (10, 50, 20), (2,)),  # neither, position 3
        Decision("x", "d", 4, (10, 10), (0, 1)),  # tied: left out
    ]
    c = cue_stats(decisions)
    assert (c.decisions, c.single) == (4, 3)
    assert c.longest == 2 and c.shortest == 0
    assert c.longest_chance == pytest.approx((1 / 2 + 1 / 4 + 1 / 3) / 3)
    assert c.positions == {2: 1, 1: 1, 3: 1}
    assert c.position_chance[1] == pytest.approx((1 / 2 + 1 / 4 + 1 / 3) / 3)
    assert c.position_chance[3] == pytest.approx((0 + 1 / 4 + 1 / 3) / 3)
    assert c.position_chance[4] == pytest.approx((1 / 4) / 3)
    assert sum(c.position_chance.values()) == pytest.approx(1.0)
    assert c.best_length == pytest.approx((20 + 30 + 20) / 3)


def test_a_tie_for_longest_counts_against_the_author() -> None:
    c = cue_stats([Decision("x", "a", 1, (12, 12), (0,))])
    assert c.longest == 1 and c.shortest == 1


def test_the_limits_flag_a_tell() -> None:
    tell = [Decision("x", str(i), i, (10, 99), (1,)) for i in range(10)]
    problems = cue_stats(tell).problems()
    assert any("longest in 10 of 10" in p for p in problems)
    assert any("position 2 in 10 of 10" in p for p in problems)
    fair = [Decision("x", str(i), i, (10, 99) if i % 2 else (99, 10), (i % 2,)) for i in range(10)]
    assert cue_stats(fair).problems() == [
        "the best option is the longest in 10 of 10 (100%); chance 50%, limit 60%"
    ]


def test_best_option_is_the_largest_total_effect() -> None:
    v = load_vignette(FIXTURES / "fixture-basic.yaml")
    assert st.best_indices(v, "opening") == (2,)  # metacommunication, bond +2
    assert st.best_paths(v) == [([2, 0], "end-repaired")]
    assert replay(v, [2, 0]).outcome == "repaired"


def test_visible_text_reduces_myst_roles() -> None:
    assert st.visible_text("A {term}`complex reflection <Complex reflection>` here") == (
        "A complex reflection here"
    )
    assert st.visible_text("r = .28 {cite:p}`fluckiger2018`") == "r = .28 (Author et al., 2018)"
    assert st.visible_text("**Bold** and *em*") == "Bold and em"


def test_review_questions_are_all_read() -> None:
    decisions = st.review_decisions(st.chapter_files(ROOT))
    fenced = sum(
        len(re.findall(r"kind: choice", p.read_text(encoding="utf-8")))
        for p in st.chapter_files(ROOT)
    )
    assert len(decisions) == fenced > 0
    assert all(d.single for d in decisions)  # exactly one correct option each


def test_stats_command_for_one_file(capsys) -> None:
    status = main(["vignette", "stats", str(FIXTURES / "fixture-basic.yaml")])
    out = capsys.readouterr().out
    assert "These files together" not in out  # one file: its own figures only
    assert "fixture-basic.yaml: 4 decision points (4 with one best option, 0 tied)" in out
    assert "best option is the longest:  3 of 4 (75%; chance 46%, limit 56%)" in out
    assert "best path: 2 choices (3-1) -> end-repaired (repaired)" in out
    assert "OVER THE LIMIT: the best option is the longest in 3 of 4" in out
    assert "Review questions" not in out
    assert status == 1
    assert main(["vignette", "stats", str(FIXTURES)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("These files together: 2 vignettes, 5 decision points")


def test_stats_command_reads_review_questions(tmp_path: Path, capsys) -> None:
    chapter = tmp_path / "01-x.md"
    chapter.write_text(
        '# X\n\n```{review-question}\n:id: q1\nkind: choice\nprompt: "P?"\noptions:\n'
        '  - {text: "Short", correct: true, explanation: "Yes."}\n'
        '  - {text: "A much longer wrong answer", correct: false, explanation: "No."}\n'
        "```\n",
        encoding="utf-8",
    )
    status = main(
        ["vignette", "stats", str(FIXTURES / "fixture-payload.yaml"), "--review", str(chapter)]
    )
    out = capsys.readouterr().out
    assert "Review questions: 1 multiple-choice question (0 without exactly one correct" in out
    assert "best option is the shortest: 1 of 1 (100%; chance 50%, limit 60%)" in out
    assert status == 1


def test_stats_command_reports_a_broken_file(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "x.yaml"
    bad.write_text("id: x\n", encoding="utf-8")
    assert main(["vignette", "stats", str(bad)]) == 1
    assert "missing required key" in capsys.readouterr().err


# ---- The course itself ---------------------------------------------------------------------


def test_library_gives_nothing_away() -> None:
    c = cue_stats(d for v in load_all_vignettes() for d in st.vignette_decisions(v))
    assert c.single >= 80
    assert c.problems() == []


@pytest.mark.parametrize("path", library_files(), ids=lambda p: p.stem)
def test_each_vignette_gives_nothing_away(path: Path) -> None:
    """A learner who plays one vignette must not learn a tell from it either: its own best options
    are the longest, the shortest and in any one place no more often than its own chance allows."""
    v = load_vignette(path)
    c = cue_stats(st.vignette_decisions(v))
    assert c.single >= 5, f"{path.name}: too few decision points to judge"
    assert c.problems() == [], f"{path.name}: {c.problems()}"


def test_every_shipped_vignette_is_checked_per_file() -> None:
    assert len(library_files()) >= 13


def test_review_questions_give_nothing_away() -> None:
    c = cue_stats(st.review_decisions(st.chapter_files(ROOT)))
    assert c.single >= 30
    assert c.problems() == []
