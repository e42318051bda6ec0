"""The teaching rules: an ending's label, meters, ratings and debrief agree (``rules.py``).

Why fixtures with markers: each file under ``fixtures/vignettes/broken/`` breaks one rule, and
marks the line the checker must name with ``# expect: <words of the message>``. The test runs
the real ``alliance vignette check`` and requires exactly those problems at exactly those lines,
so a rule that stops firing, or fires at the wrong place, fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from vignette_helpers import complete_paths

from alliance.cli import main
from alliance.vignettes import load_vignette, replay
from alliance.vignettes.loader import check_files, library_files
from alliance.vignettes.rules import ending_problems
from alliance.vignettes.schema import POSITIVE_OUTCOMES

FIXTURES = Path(__file__).parent / "fixtures" / "vignettes"
BROKEN = sorted((FIXTURES / "broken").glob("*.yaml"))
EXPECT = re.compile(r"#\s*expect:\s*(.+?)\s*$")


def expected(path: Path) -> list[tuple[int, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [(n, m[1]) for n, line in enumerate(lines, 1) if (m := EXPECT.search(line))]


def test_there_is_a_broken_fixture_for_every_rule() -> None:
    names = {p.stem for p in BROKEN}
    assert names >= {
        "meter-below-baseline",
        "unrepaired-error",
        "repaired-without-rupture",
        "best-path-below-fair",
        "dead-note",
        "note-targets",
    }


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_checker_names_file_line_and_rule(path: Path, capsys) -> None:
    marks = expected(path)
    assert marks, f"{path.name} marks no expected problem"
    assert main(["vignette", "check", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    found = []
    for line in out:
        match = re.match(r"^(.+?):(\d+): (.*)$", line)
        assert match, f"not a file:line: message line: {line!r}"
        assert Path(match[1]).resolve() == path.resolve()
        found.append((int(match[2]), match[3]))
    assert len(found) == len(marks), "\n".join(out)
    for (line, fragment), (got_line, message) in zip(marks, sorted(found), strict=True):
        assert got_line == line, f"expected line {line} for {fragment!r}, got {got_line}: {message}"
        assert fragment in message, f"line {line}: {message!r} lacks {fragment!r}"


def test_rules_leave_a_broken_vignette_playable() -> None:
    # The book still loads it (one author's draft must not stop the build); the checker fails it.
    path = FIXTURES / "broken" / "unrepaired-error.yaml"
    v = load_vignette(path)
    assert replay(v, [0, 0]).outcome == "strengthened"
    (result,) = check_files([path])
    assert result.vignette is not None and len(result.problems) == 1
    (result,) = check_files([path], rules=False)
    assert result.problems == []


def test_the_fixtures_the_docs_show_keep_every_rule() -> None:
    for path in sorted(FIXTURES.glob("*.yaml")):
        assert ending_problems(load_vignette(path)) == [], path.name


# ---- The shipped library -------------------------------------------------------------------


LIBRARY = library_files()


@pytest.mark.parametrize("path", LIBRARY, ids=[p.stem for p in LIBRARY])
def test_shipped_vignette_keeps_every_rule(path: Path) -> None:
    (result,) = check_files([path])
    assert [str(p) for p in result.problems] == []


@pytest.mark.parametrize("path", LIBRARY, ids=[p.stem for p in LIBRARY])
def test_no_path_reaches_a_positive_ending_below_baseline_or_unrepaired(path: Path) -> None:
    """The same rules, checked the slow way: replay every path (loops cut at 16 choices)."""
    v = load_vignette(path)
    for choices in complete_paths(v, 16, loops_allowed=True):
        p = replay(v, choices)
        if p.outcome in POSITIVE_OUTCOMES:
            low = [d for d, vals in p.trajectory.items() if vals[-1] < vals[0]]
            assert not low, f"{p.code}: {p.outcome} with {low} below baseline"
            assert all(e.repaired for e in p.errors), f"{p.code}: unrepaired {p.errors}"
