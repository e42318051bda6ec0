"""The vignette player's server-rendered view: what a page shows before and without JavaScript.

Why: in the static book the player is drawn by ``widget.js`` only once its module has loaded. Until
then (and for good, with JavaScript off, or on paper) the page shows this view instead:

- with JavaScript off, and in print: the vignette's title, the client's background and opening
  line, and a note that the role-play needs JavaScript (no buttons that do nothing);
- with JavaScript on, before the module runs: the same skeleton as the player's first screen
  (same elements, same classes, made ``inert``), so the space is reserved and nothing below the
  player jumps when it arrives. It mirrors ``draw()`` in ``widget.js`` for an empty path: change
  one with the other (the book's layout-shift test measures the difference).
"""

from __future__ import annotations

from html import escape
from typing import Any

from alliance.book.widgets import StaticView

NEEDS_JS = (
    "This role-play needs JavaScript: play it in the online book, with JavaScript on, to choose "
    "what to say to {name}, get feedback on each choice and see the alliance change."
)


def _meter(baseline: dict[str, int], vocab: dict[str, Any]) -> str:
    lo, hi = vocab["scale"]
    rows = []
    for dim in vocab["dimensions"]:
        value = max(lo, min(hi, baseline[dim]))
        pct = (value - lo) / (hi - lo) * 100
        rows.append(
            f'<li class="av-meter-row" data-dim="{escape(dim)}" data-value="{value}">'
            f'<span class="av-meter-label">{escape(dim.capitalize())}</span>'
            f'<span class="av-bar" aria-hidden="true"><span class="av-fill av-dim-{escape(dim)}" '
            f'style="width: {pct:g}%"></span></span>'
            f'<span class="av-meter-num">{value} of {hi}</span></li>'
        )
    return f'<ul class="av-meter" aria-label="Alliance now ({lo} to {hi})">{"".join(rows)}</ul>'


def _skeleton_rest(vignette: dict[str, Any], graded: bool) -> str:
    """Prompt, choices, controls and path code as the player first draws them (inert)."""
    start = vignette["nodes"][vignette["start"]]
    choices = "".join(
        f'<button type="button" class="av-choice" data-choice="{i}">'
        f'<span class="av-choice-num">{i + 1}.</span> {escape(choice["therapist"])}</button>'
        for i, choice in enumerate(start["choices"])
    )
    label = "Your answer code" if graded else "Path code (replays this conversation)"
    help_text = (
        '<p class="av-code-help">Play to an ending, then paste this code into the answer cell '
        "below. Your clicks are not saved when the notebook is graded; the code is.</p>"
        if graded
        else ""
    )
    code_class = "av-code av-code-graded" if graded else "av-code"
    return (
        '<div class="anywidget-js-only" inert>'
        '<p class="av-label">How do you respond?</p>'
        f'<div class="av-choices">{choices}</div>'
        '<div class="av-controls">'
        '<button type="button" class="av-button av-back" disabled>Step back</button>'
        '<button type="button" class="av-button av-restart" disabled>Restart</button></div>'
        f'<div class="{code_class}"><label class="av-label">{label}</label>{help_text}'
        '<div class="av-code-row">'
        f'<input type="text" class="av-code-input" readonly value="{escape(vignette["id"])}:" '
        f'aria-label="{label}">'
        '<button type="button" class="av-button av-copy">Copy code</button>'
        '<span class="av-copy-status"></span></div></div></div>'
    )


def static_view(state: dict[str, Any]) -> StaticView:
    """The server-rendered view of a ``VignetteWidget`` from its saved widget state."""
    vignette, vocab = state["vignette"], state["vocabulary"]
    graded = bool(state.get("graded"))
    anchor = f"vignette-{vignette['id']}"
    name = escape(vignette["client"]["name"])
    start = vignette["nodes"][vignette["start"]]
    endings = {
        node_id: vocab["outcomes"].get(node["ending"]["outcome"], node["ending"]["outcome"])
        for node_id, node in vignette["nodes"].items()
        if node.get("ending")
    }
    cue = (
        f'<p class="av-cue"><span class="av-cue-label">Cue: </span>{escape(start["cue"])}</p>'
        if start.get("cue")
        else ""
    )
    client = (
        f'<p class="av-client-line"><span class="av-speaker">{name}: </span>'
        f"{escape(start['client'])}</p>"
        if start.get("client")
        else ""
    )
    html = (
        f'<section class="alliance-vignette av-static" aria-labelledby="{anchor}-static-title">'
        '<div class="av-body"><div class="av-header"><p class="av-kicker">Role-play</p>'
        f'<p class="av-title" id="{anchor}-static-title">{escape(vignette["title"])}</p>'
        '<p class="av-progress anywidget-js-only" inert>&#8203;</p></div>'
        '<details class="av-details av-about anywidget-js-only" inert>'
        f"<summary>About {name} and what to practise</summary></details>"
        '<p class="av-static-background anywidget-nojs-only">'
        f"{escape(vignette['client']['background'])}</p>"
        '<div class="av-panel av-start-meter anywidget-js-only" inert>'
        f'<p class="av-label">Alliance at the start</p>{_meter(vignette["baseline"], vocab)}</div>'
        f'<div class="av-current">{client}{cue}</div>'
        f'<p class="av-needs-js anywidget-nojs-only">{NEEDS_JS.format(name=name)}</p>'
        f"{_skeleton_rest(vignette, graded)}</div>"
        '<details class="av-details av-replay anywidget-js-only" inert>'
        "<summary>Replay a path code</summary></details></section>"
    )
    record = {
        "kind": "vignette",
        "id": vignette["id"],
        "title": vignette["title"],
        "endings": endings,
    }
    return StaticView(html, anchor, record)
