"""Replay a path of choices through a vignette; encode and decode the path codes learners paste.

Why replay rather than record: a graded notebook re-runs in a fresh kernel, so clicks are gone at
grading time. The learner's path is kept as a short code (``<id>:2-1-3``) and this module turns it
back into the full conversation, scores and ending, deterministically.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from alliance.vignettes import scoring
from alliance.vignettes.errors import PathError
from alliance.vignettes.loader import load_vignette
from alliance.vignettes.schema import DIMENSIONS, ID_PATTERN, Vignette

_CODE_RE = re.compile(r"^(?P<id>[^:\s]+):(?P<steps>.*)$")


@dataclass(frozen=True)
class Misstep:
    """A choice on the path that cost the alliance (an error), and whether it was repaired."""

    step: int  # 1-based
    node: str
    choice: int  # 0-based
    repaired: bool


@dataclass(frozen=True)
class Playthrough:
    """Everything one path through a vignette produces (see the vignette contract)."""

    vignette_id: str
    choices: list[int]
    steps: list[tuple[str, int]]
    transcript: list[tuple[str, str]]
    trajectory: dict[str, list[int]]
    tally: Counter
    ending: str | None
    outcome: str | None
    code: str
    title: str = ""
    feedback: list[str] = field(default_factory=list)
    current: str = ""
    errors: list[Misstep] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def final(self) -> dict[str, int]:
        return {dim: values[-1] for dim, values in self.trajectory.items()}

    @property
    def miti(self) -> Counter:
        """The tally as MITI 4 behaviour codes (``miti4_codes.yaml``); uncoded types left out."""
        return scoring.miti_tally(self.tally)

    @property
    def reflection_question_ratio(self) -> float | None:
        return scoring.reflection_question_ratio(self.tally)

    @property
    def complex_reflection_share(self) -> float | None:
        return scoring.complex_reflection_share(self.tally)

    @property
    def ratings(self) -> dict[str, str | None]:
        """MITI 4 rating ('below fair' / 'fair' / 'good' / None) for the ratio and the %CR."""
        return scoring.miti_ratings(self.tally)

    @property
    def rating_reasons(self) -> dict[str, str]:
        """For each rating that is None, why it cannot be given (shown instead of a badge)."""
        return scoring.rating_reasons(self.tally)

    @property
    def finished(self) -> bool:
        return self.ending is not None


def _resolve(vignette: Vignette | str) -> Vignette:
    if isinstance(vignette, Vignette):
        return vignette
    try:
        return load_vignette(vignette)
    except LookupError as exc:
        raise PathError(str(exc)) from None


def replay(vignette: Vignette | str, choices: list[int]) -> Playthrough:
    """Play 0-based ``choices`` from the start node; raise ``PathError`` naming a bad step."""
    v = _resolve(vignette)
    node = v.nodes[v.start]
    steps: list[tuple[str, int]] = []
    transcript: list[tuple[str, str]] = []
    feedback: list[str] = []
    effects: list[dict[str, int]] = []
    tally: Counter = Counter()
    if node.client:
        transcript.append(("client", node.client))
    for step, choice in enumerate(choices, 1):
        if isinstance(choice, bool) or not isinstance(choice, int):
            raise PathError(f"step {step}: a choice must be a whole number, got {choice!r}")
        if node.is_ending:
            extra = len(choices) - step + 1
            raise PathError(
                f"step {step}: node '{node.id}' is an ending, but the path has {extra} more "
                f"choice{'s' if extra != 1 else ''}"
            )
        n = len(node.choices)
        if not 0 <= choice < n:
            raise PathError(
                f"step {step}: node '{node.id}' has {n} choices (1-{n}), "
                f"got choice {choice + 1} (index {choice})"
            )
        picked = node.choices[choice]
        steps.append((node.id, choice))
        transcript.append(("therapist", picked.therapist))
        feedback.append(picked.feedback)
        effects.append(picked.effect)
        tally[picked.type] += 1
        node = v.nodes[picked.next]
        if node.client:
            transcript.append(("client", node.client))
    return Playthrough(
        vignette_id=v.id,
        title=v.title,
        choices=list(choices),
        steps=steps,
        transcript=transcript,
        trajectory=scoring.trajectory(v.baseline, effects),
        tally=tally,
        ending=node.id if node.is_ending else None,
        outcome=node.ending.outcome if node.ending else None,
        code=encode_path(v, choices),
        feedback=feedback,
        current=node.id,
        errors=missteps(v, steps),
        notes=ending_notes(v, steps, node.id),
    )


def missteps(v: Vignette, steps: list[tuple[str, int]]) -> list[Misstep]:
    """The errors on a path (choices that lower a meter); repaired when a repair follows."""
    found: list[Misstep] = []
    for step, (node_id, index) in enumerate(steps, 1):
        choice = v.nodes[node_id].choices[index]
        if choice.is_repair:
            found = [Misstep(m.step, m.node, m.choice, True) for m in found]
        if choice.is_error:
            found.append(Misstep(step, node_id, index, False))
    return found


def ending_notes(v: Vignette, steps: list[tuple[str, int]], current: str) -> list[str]:
    """The ending's notes whose condition the path meets, in the order the file gives them."""
    node = v.nodes[current]
    if node.ending is None:
        return []
    chosen = {v.nodes[n].choices[i].id for n, i in steps} - {None}
    visited = {n for n, _ in steps} | {current}
    return [note.text for note in node.ending.notes if note.applies(chosen, visited)]


def encode_path(vignette: Vignette | str, choices: list[int]) -> str:
    """``<vignette-id>:<1-based choice numbers joined by '-'>``, e.g. ``goals-x:2-1-3``."""
    vid = vignette.id if isinstance(vignette, Vignette) else str(vignette)
    return f"{vid}:" + "-".join(str(int(c) + 1) for c in choices)


def decode_path(code: str) -> tuple[str, list[int]]:
    """Split a path code into (vignette id, 0-based choices); raise ``PathError`` if malformed."""
    if not isinstance(code, str):
        raise PathError(f"a path code must be text like 'vignette-id:2-1-3', got {code!r}")
    text = code.strip().strip("'\"`").strip()
    match = _CODE_RE.match(text)
    if not match:
        raise PathError(
            f"malformed path code {code!r}: expected '<vignette-id>:<choices>', e.g. "
            "'goals-different-agendas:2-3'"
        )
    vid, steps = match["id"], match["steps"]
    if not re.match(ID_PATTERN, vid):
        raise PathError(f"malformed path code {code!r}: '{vid}' is not a vignette id")
    if steps == "":
        return vid, []
    parts = steps.split("-")
    choices: list[int] = []
    for step, part in enumerate(parts, 1):
        if not (part.isascii() and part.isdigit()) or int(part) < 1:
            raise PathError(
                f"malformed path code {code!r}: step {step} is {part!r}, "
                "expected a choice number from 1"
            )
        choices.append(int(part) - 1)
    return vid, choices


def replay_code(code: str) -> Playthrough:
    """Replay a pasted path code (unknown id, malformed code or bad step: ``PathError``)."""
    vid, choices = decode_path(code)
    return replay(vid, choices)


__all__ = [
    "DIMENSIONS",
    "Misstep",
    "Playthrough",
    "decode_path",
    "encode_path",
    "replay",
    "replay_code",
]
