"""Path codes mean the same in both languages: widget.js's decodePath/pathProblem vs engine.py.

Why: a reader replays a conversation by pasting its code into the player (or opening the page at
``#<id>:1-3-2``), and a student pastes the same code into a graded notebook, where Python replays
it. Both must accept the same codes, decode them to the same choices and reject the same ones,
naming the same step. This loads ``widget.js`` itself into Chromium and compares, for every
vignette, valid codes (every path, also quoted or padded as people paste them), malformed codes
and codes that go past an ending or name a choice that does not exist.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_vignette_parity import js_engine  # noqa: F401 - the page with widget.js, shared

from alliance.vignettes import PathError, decode_path, encode_path, load_vignette, replay
from alliance.vignettes.loader import library_files

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).parent / "fixtures" / "vignettes"
FILES = [*library_files(), *sorted(FIXTURES.glob("*.yaml"))]
MAX_DEPTH = 8
MALFORMED = [
    "",
    "   ",
    "no-colon-here",
    ":1-2",
    "Upper-Case:1",
    "bad_id:1",
    "{id}:0",
    "{id}:1-0",
    "{id}:1-x",
    "{id}:1--2",
    "{id}:-1",
    "{id}:1-2-",
    "{id}: 1",
    "{id}:1 2",
    "{id}:1.5",
    "{id}:+1",
    "{id}:\u00b2",
    "{id}:\u0663",
    "{id}:\uff11",
    "{id}:1\n2",
    "{id}:1\r2",
    "{id} :1",
]


def paths_of(vignette) -> list[list[int]]:
    """Every path from the start up to MAX_DEPTH choices (prefixes included)."""
    found, stack = [], [(vignette.start, [])]
    while stack:
        node_id, path = stack.pop()
        found.append(path)
        node = vignette.nodes[node_id]
        if node.is_ending or len(path) >= MAX_DEPTH:
            continue
        stack += [(choice.next, [*path, i]) for i, choice in enumerate(node.choices)]
    return found


def broken_codes(vignette) -> list[str]:
    """Well-formed codes the engine must refuse: past an ending, or a choice that is not there."""
    codes = []
    for path in paths_of(vignette):
        played = replay(vignette, path)
        if played.finished:
            codes.append(encode_path(vignette, [*path, 0]))  # one choice past the ending
        else:
            n = len(vignette.nodes[played.current].choices)
            codes.append(encode_path(vignette, [*path, n]))  # choice n + 1 of n
    return codes


def python_verdict(vignette, code: str) -> dict:
    """What Python makes of a code: its id and choices, or the step its error names."""
    try:
        vid, choices = decode_path(code)
        if vid == vignette.id:
            replay(vignette, choices)
    except PathError as error:
        step = re.search(r"\bstep (\d+)", str(error))
        return {"ok": False, "step": int(step[1]) if step else None}
    return {"ok": True, "id": vid, "choices": choices}


JS_VERDICT = """([vignette, codes]) => codes.map((code) => {
    try {
        const {id, choices} = engine.decodePath(code);
        const problem = id === vignette.id ? engine.pathProblem(vignette, choices) : null;
        if (problem) return {ok: false, step: problem.step, message: problem.message};
        return {ok: true, id, choices};
    } catch (error) {
        if (!(error instanceof engine.PathCodeError)) throw error;
        return {ok: false, step: error.step, message: error.message};
    }
})"""


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_both_languages_agree_on_every_code(js_engine, path: Path) -> None:  # noqa: F811
    vignette = load_vignette(path)
    valid = [encode_path(vignette, p) for p in paths_of(vignette)]
    pasted = [f"  '{valid[-1]}'\n", f"`{valid[-1]}`", f'"{valid[0]}" ', f"\t{valid[-1]}\u00a0"]
    malformed = [code.replace("{id}", vignette.id) for code in MALFORMED]
    other = [f"some-other-vignette:{'-'.join(['1'] * 3)}"]
    codes = valid + pasted + malformed + broken_codes(vignette) + other
    verdicts = js_engine.evaluate(JS_VERDICT, [vignette.to_data(), codes])
    assert len(verdicts) == len(codes)
    for code, got in zip(codes, verdicts, strict=True):
        expected = python_verdict(vignette, code)
        assert got["ok"] == expected["ok"], f"{code!r}: JS {got}, Python {expected}"
        if expected["ok"]:
            assert (got["id"], got["choices"]) == (expected["id"], expected["choices"]), code
        else:
            assert got["step"] == expected["step"], f"{code!r}: JS {got}, Python {expected}"
            assert got["message"], code
            if got["step"] is not None:
                assert f"Step {got['step']}" in got["message"], got["message"]
    assert sum(v["ok"] for v in verdicts) >= len(valid) + len(pasted)


def test_the_messages_say_what_is_wrong(js_engine) -> None:  # noqa: F811
    """Spot checks of the reader-facing wording (the parity test checks the step numbers)."""
    vignette = load_vignette(FIXTURES / "fixture-basic.yaml")
    codes = ["fixture-basic:3-7", "fixture-basic:1-1-1", "fixture-basic:2-x", "nonsense"]
    messages = [v["message"] for v in js_engine.evaluate(JS_VERDICT, [vignette.to_data(), codes])]
    assert "Step 2 asks for choice 7" in messages[0] and "only 2 choices" in messages[0]
    assert messages[1].startswith("Step 3 goes past the end")
    assert "Step 2 of that code is \u201cx\u201d" in messages[2]
    assert messages[3].startswith("That is not a path code")
