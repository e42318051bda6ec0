"""Shared helpers for the vignette tests: every path through a vignette, and what the browser
player shows vs the engine."""

from __future__ import annotations

from alliance.vignettes import encode_path, replay
from alliance.vignettes.schema import OUTCOMES, RESPONSE_TYPES


def complete_paths(v, max_steps: int, *, loops_allowed: bool = False) -> list[list[int]]:
    """Every path from the start to an ending, as 0-based choices. A path longer than
    ``max_steps`` fails the test, or, with ``loops_allowed``, is cut there and left out."""
    out: list[list[int]] = []
    stack: list[tuple[str, list[int]]] = [(v.start, [])]
    while stack:
        node_id, path = stack.pop()
        node = v.nodes[node_id]
        if node.is_ending:
            out.append(path)
        elif len(path) < max_steps:
            stack.extend((c.next, [*path, i]) for i, c in enumerate(node.choices))
        else:
            assert loops_allowed, f"{v.id}: a path runs past {max_steps} steps (a loop?)"
    return out


def meters(widget) -> dict[str, int]:
    rows = widget.locator(".av-meter-row")
    return {
        rows.nth(i).get_attribute("data-dim"): int(rows.nth(i).get_attribute("data-value"))
        for i in range(rows.count())
    }


def shown_value(locator) -> float | None:
    """The exact number the JavaScript computed (its String() form is the shortest round-trip)."""
    text = locator.get_attribute("data-value")
    return None if text == "" else float(text)


def check_ending(widget, vignette, path: list[int]) -> None:
    """Everything the ending shows equals what the Python engine computes for the same path."""
    p = replay(vignette, path)
    assert widget.locator(".av-outcome").text_content() == OUTCOMES[p.outcome]
    assert widget.locator(".av-debrief").text_content() == vignette.nodes[p.ending].ending.debrief
    tally = {
        row.get_attribute("data-type"): int(row.locator("td").text_content())
        for row in widget.locator(".av-tally tbody tr").all()
    }
    assert tally == dict(p.tally)
    labels = widget.locator(".av-tally tbody th").all_text_contents()
    assert labels == [RESPONSE_TYPES[t] for t in RESPONSE_TYPES if t in p.tally]
    ratio = widget.locator('[data-av="ratio"]')
    share = widget.locator('[data-av="share"]')
    assert shown_value(ratio) == p.reflection_question_ratio  # exact float equality
    assert shown_value(share) == p.complex_reflection_share
    assert ratio.get_attribute("data-rating") == (p.ratings["reflection_question_ratio"] or "")
    assert share.get_attribute("data-rating") == (p.ratings["complex_reflection_share"] or "")
    if p.reflection_question_ratio is not None:
        assert f"{p.reflection_question_ratio:.2f} : 1" in ratio.text_content()
    if p.complex_reflection_share is not None:
        assert f"{p.complex_reflection_share * 100:.0f}%" in share.text_content()
    assert meters(widget) == p.final
    rows = widget.locator(".av-traj-table tbody tr").all()
    table = [[int(td) for td in row.locator("td").all_text_contents()] for row in rows]
    assert table == [
        [p.trajectory[d][i] for d in ("bond", "goals", "tasks")] for i in range(len(path) + 1)
    ]
    assert widget.locator("svg.av-trajectory polyline").count() == 3
    assert widget.locator(".av-code-input").input_value() == encode_path(vignette, path) == p.code
    assert widget.locator(".av-choice").count() == 0


def tab_until(page, predicate_js: str, limit: int = 400, key: str = "Tab") -> None:
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate(predicate_js):
            return
    raise AssertionError(f"never reached focus state: {predicate_js}")
