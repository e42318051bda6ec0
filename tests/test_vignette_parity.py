"""The widget's JavaScript engine and the Python engine agree on every path of every vignette.

Why: the static book scores in JavaScript, graded notebooks score in Python, and a learner must
see the same numbers in both. This imports ``widget.js`` itself into Chromium (no book needed)
and replays every path (every prefix too) in both languages; a vignette that loops is walked to
more choices than it has nodes, deeper than any path that does not repeat a node.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from alliance.vignettes import load_vignette, replay
from alliance.vignettes.loader import library_files
from alliance.vignettes.schema import vocabulary

pytestmark = pytest.mark.browser

WIDGET_JS = Path(__file__).resolve().parents[1] / "src" / "alliance" / "vignettes" / "widget.js"
FIXTURES = Path(__file__).parent / "fixtures" / "vignettes"
MAX_PATHS = 20000  # a guard against a runaway script, not a sample: the walk must finish
EXTRA_DEPTH = 2  # vignettes may loop back: walk each loop this far beyond a simple path


def paths_of(vignette) -> list[list[int]]:
    """Every path from the start (complete ones and their prefixes), depth-first."""
    max_depth = len(vignette.nodes) + EXTRA_DEPTH  # a path without a loop is shorter
    found: list[list[int]] = []
    stack: list[tuple[str, list[int]]] = [(vignette.start, [])]
    while stack and len(found) < MAX_PATHS:
        node_id, path = stack.pop()
        found.append(path)
        node = vignette.nodes[node_id]
        if node.is_ending or len(path) >= max_depth:
            continue
        for i, choice in enumerate(node.choices):
            stack.append((choice.next, [*path, i]))
    assert not stack, f"{vignette.id}: more than {MAX_PATHS} paths; the parity test must cover all"
    return found


@pytest.fixture(scope="module")
def js_engine(browser):
    page = browser.new_page()
    page.set_content("<!doctype html><title>engine</title>")
    page.evaluate(
        """async (source) => {
            const url = URL.createObjectURL(new Blob([source], {type: "text/javascript"}));
            window.engine = await import(url);
        }""",
        WIDGET_JS.read_text(encoding="utf-8"),
    )
    yield page
    page.close()


FILES = [*library_files(), *sorted(FIXTURES.glob("*.yaml"))]


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_js_and_python_score_every_path_alike(js_engine, path: Path) -> None:
    vignette = load_vignette(path)
    paths = paths_of(vignette)
    results = js_engine.evaluate(
        """([v, vocab, paths]) => paths.map((p) => {
            const s = engine.play(v, vocab, p);
            const sum = engine.summarise(s.tally, vocab);
            return {trajectory: s.trajectory, tally: s.tally, outcome: s.outcome,
                    ending: s.ending, code: engine.encodePath(v.id, s.path),
                    ratio: sum.ratio, share: sum.share, codes: sum.codes,
                    reasons: [sum.reasons.ratio || null, sum.reasons.share || null],
                    ratios: [sum.ratioRating, sum.shareRating],
                    errors: s.errors.map((e) => [e.step, e.nodeId, e.choice, e.repaired]),
                    notes: s.notes};
        })""",
        [vignette.to_data(), vocabulary(), paths],
    )
    assert len(results) == len(paths) > 0
    for choices, js in zip(paths, results, strict=True):
        py = replay(vignette, choices)
        where = f"{vignette.id} path {py.code}"
        assert js["trajectory"] == py.trajectory, where
        assert js["tally"] == dict(py.tally), where
        assert js["outcome"] == py.outcome and js["ending"] == py.ending, where
        assert js["code"] == py.code, where
        assert js["ratio"] == py.reflection_question_ratio, where  # exact: same IEEE division
        assert js["share"] == py.complex_reflection_share, where
        assert js["ratios"] == [
            py.ratings["reflection_question_ratio"],
            py.ratings["complex_reflection_share"],
        ], where
        assert js["codes"] == dict(py.miti), where
        assert js["reasons"] == [
            py.rating_reasons.get("reflection_question_ratio"),
            py.rating_reasons.get("complex_reflection_share"),
        ], where
        assert js["errors"] == [[e.step, e.node, e.choice, e.repaired] for e in py.errors], where
        assert js["notes"] == py.notes, where


def test_js_engine_stops_at_an_invalid_step(js_engine) -> None:
    vignette = load_vignette(FIXTURES / "fixture-basic.yaml")
    played = js_engine.evaluate(
        "([v, vocab]) => engine.play(v, vocab, [2, 7, 0]).path",
        [vignette.to_data(), vocabulary()],
    )
    assert played == [2]  # the widget shows the valid prefix; Python raises PathError instead
