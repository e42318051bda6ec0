"""The vignette format as data: allowed vocabularies, field rules and the loaded objects.

Why a module of its own: the loader, the engine, the CLI and the widget's JavaScript all need the
same vocabulary (response types, outcomes, dimensions). Keeping it in one place, and sending it to
the JavaScript with the vignette, means the two languages cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DIMENSIONS: tuple[str, ...] = ("bond", "goals", "tasks")
SCALE_MIN, SCALE_MAX = 0, 10
EFFECT_MIN, EFFECT_MAX = -2, 2
DEFAULT_BASELINE = 5
MIN_CHOICES, MAX_CHOICES = 2, 4

THEMES: tuple[str, ...] = (
    "empathy",
    "rapport",
    "goals-and-tasks",
    "feedback",
    "withdrawal-rupture",
    "confrontation-rupture",
    "repair",
)

RUPTURES: tuple[str, ...] = ("withdrawal", "confrontation")

#: Response types with the label the widget shows. Order is the order of the tally table. How
#: each counts as a MITI 4 behaviour code is data beside this module (``miti4_codes.yaml``).
RESPONSE_TYPES: dict[str, str] = {
    "simple-reflection": "Simple reflection",
    "complex-reflection": "Complex reflection",
    "summary": "Summary",
    "open-question": "Open question",
    "closed-question": "Closed question",
    "affirmation": "Affirmation",
    "praise": "Praise",
    "validation": "Validation",
    "seeking-collaboration": "Seeking collaboration",
    "giving-information": "Giving information",
    "advice": "Advice",
    "reassurance": "Reassurance",
    "minimising": "Minimising",
    "self-disclosure": "Self-disclosure",
    "metacommunication": "Metacommunication",
    "defensive-response": "Defensive response",
    "premature-task-focus": "Premature task focus",
    "rationale": "Rationale",
    "referral": "Referral",
}
#: A choice of one of these types repairs the errors before it on the path (Safran & Muran's
#: exploratory repair). Any other choice can be marked ``repair: true`` (an immediate repair:
#: a rationale, a changed task or goal, a misunderstanding cleared up).
REPAIR_TYPES: tuple[str, ...] = ("metacommunication",)

OUTCOMES: dict[str, str] = {
    "strengthened": "Alliance strengthened",
    "repaired": "Rupture repaired",
    "partially-repaired": "Rupture partly repaired",
    "unresolved": "Rupture unresolved",
    "dropout-risk": "Risk of dropout",
    "referred": "Referred on",
}
#: Endings that say the alliance is in good shape: the checker makes sure no path reaches one
#: with a meter below its baseline or with an error that was never repaired.
POSITIVE_OUTCOMES: tuple[str, ...] = ("strengthened", "repaired")

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

# Field rules: key -> required?  (types and ranges are checked by the loader)
TOP_KEYS: dict[str, bool] = {
    "id": True,
    "title": True,
    "theme": True,
    "chapter": False,
    "client": True,
    "objectives": True,
    "baseline": False,
    "start": True,
    "nodes": True,
}
CLIENT_KEYS: dict[str, bool] = {"name": True, "background": True}
NODE_KEYS: dict[str, bool] = {
    "client": False,  # required on a node with choices, optional on an ending
    "cue": False,
    "rupture": False,
    "choices": False,
    "ending": False,
}
CHOICE_KEYS: dict[str, bool] = {
    "id": False,  # a name an ending's notes can refer to
    "therapist": True,
    "type": True,
    "effect": False,
    "feedback": True,
    "next": True,
    "repair": False,  # true: this choice repairs the errors before it
}
ENDING_KEYS: dict[str, bool] = {"outcome": True, "debrief": True, "notes": False}
#: A note shows under the debrief only when the path took a choice (``chose``: a choice id) or
#: passed through a node (``visited``: a node id). Exactly one of the two, and ``text``.
NOTE_KEYS: dict[str, bool] = {"chose": False, "visited": False, "text": True}
NOTE_CONDITIONS: tuple[str, ...] = ("chose", "visited")


@dataclass(frozen=True)
class Choice:
    therapist: str
    type: str
    effect: dict[str, int]
    feedback: str
    next: str
    line: int = 0
    id: str | None = None
    repair: bool = False

    @property
    def is_error(self) -> bool:
        """An error costs the alliance: the choice lowers at least one meter."""
        return any(v < 0 for v in self.effect.values())

    @property
    def is_repair(self) -> bool:
        return self.repair or self.type in REPAIR_TYPES


@dataclass(frozen=True)
class Note:
    """A line of the debrief that applies only to some paths (see ``NOTE_KEYS``)."""

    when: str  # "chose" or "visited"
    target: str  # a choice id or a node id
    text: str
    line: int = 0

    def applies(self, chosen: set, visited: set) -> bool:
        """Whether a path that took the choice ids ``chosen`` through the nodes ``visited`` shows
        this note (the one condition both the player's engine and the checker's rule 5 use)."""
        return self.target in (chosen if self.when == "chose" else visited)


@dataclass(frozen=True)
class Ending:
    outcome: str
    debrief: str
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True)
class Node:
    id: str
    client: str | None
    cue: str | None = None
    rupture: str | None = None
    choices: tuple[Choice, ...] = ()
    ending: Ending | None = None
    line: int = 0

    @property
    def is_ending(self) -> bool:
        return self.ending is not None


@dataclass(frozen=True)
class Client:
    name: str
    background: str


@dataclass(frozen=True)
class Vignette:
    id: str
    title: str
    theme: str
    client: Client
    objectives: tuple[str, ...]
    start: str
    nodes: dict[str, Node]
    baseline: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DIMENSIONS, 5))
    chapter: int | None = None
    source: Path | None = None

    def to_data(self) -> dict[str, Any]:
        """Plain JSON-ready data: what the widget's JavaScript plays from."""
        return {
            "id": self.id,
            "title": self.title,
            "theme": self.theme,
            "chapter": self.chapter,
            "client": {"name": self.client.name, "background": self.client.background},
            "objectives": list(self.objectives),
            "baseline": dict(self.baseline),
            "start": self.start,
            "nodes": {
                node_id: {
                    "client": node.client,
                    "cue": node.cue,
                    "rupture": node.rupture,
                    "choices": [
                        {
                            "id": c.id,
                            "therapist": c.therapist,
                            "type": c.type,
                            "effect": dict(c.effect),
                            "feedback": c.feedback,
                            "next": c.next,
                            "repair": c.is_repair,
                        }
                        for c in node.choices
                    ],
                    "ending": (
                        {
                            "outcome": node.ending.outcome,
                            "debrief": node.ending.debrief,
                            "notes": [
                                {"when": n.when, "target": n.target, "text": n.text}
                                for n in node.ending.notes
                            ],
                        }
                        if node.ending
                        else None
                    ),
                }
                for node_id, node in self.nodes.items()
            },
        }


def vocabulary() -> dict[str, Any]:
    """The shared vocabulary the JavaScript needs to score exactly as Python does."""
    from alliance.vignettes.scoring import MITI4, MITI4_CODES

    return {
        "dimensions": list(DIMENSIONS),
        "scale": [SCALE_MIN, SCALE_MAX],
        "responseTypes": dict(RESPONSE_TYPES),
        "outcomes": dict(OUTCOMES),
        "miti4": MITI4,
        "mitiCodes": MITI4_CODES.to_data(),
    }
