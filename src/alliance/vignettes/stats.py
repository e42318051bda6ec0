"""Surface cues in the practice: is the best answer given away by its length or its place?

Why: a learner who always picks the longest reply, or always the second one, should not win. The
statistics here compare each cue with what chance alone would give, so an author can see a tell
before learners find it, and a test can keep the whole library (and the chapters' review
questions) free of one.

Definitions (the ``alliance vignette stats`` output and the test use exactly these):

- A **decision point** is a node with choices, or a multiple-choice review question.
- Its **best option** is the choice with the largest *total* meter effect (bond + goals + tasks),
  or the review option marked correct. When several choices share the largest total, the node
  has no single best option: it is counted as a tie and left out of the cue statistics.
- An option's **length** is the number of characters a reader sees (therapist text; review
  options with MyST markup reduced to the words shown).
- The best option **is the longest** when no other option is longer (a tie for longest counts
  against the author). Chance: the mean over decision points of 1/k, k options at that point.
  The same for the shortest.
- **Position** p (counting from 1): the share of decision points whose best option is the p-th.
  Chance for p: the mean over decision points of [p <= k]/k.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from alliance.vignettes.schema import Vignette

_LIMITS = yaml.safe_load((Path(__file__).parent / "cue_limits.yaml").read_text(encoding="utf-8"))
LENGTH_MARGIN: float = float(_LIMITS["length_margin"])
POSITION_MARGIN: float = float(_LIMITS["position_margin"])
MAX_BEST_PATH = 40  # a best path that loops is cut here (and reported as not ending)


@dataclass(frozen=True)
class Decision:
    """One decision point: the lengths of its options and which of them are best."""

    source: str  # the vignette id, or the chapter file of a review question
    where: str  # the node id, or the review question's id
    line: int
    lengths: tuple[int, ...]
    best: tuple[int, ...]  # 0-based indices of the best options (one unless tied)

    @property
    def single(self) -> bool:
        return len(self.best) == 1


def total_effect(effect: dict[str, int]) -> int:
    return sum(effect.values())


def best_indices(v: Vignette, node_id: str) -> tuple[int, ...]:
    """The 0-based indices of the choices with the largest total effect at a node."""
    totals = [total_effect(c.effect) for c in v.nodes[node_id].choices]
    top = max(totals)
    return tuple(i for i, t in enumerate(totals) if t == top)


def vignette_decisions(v: Vignette) -> list[Decision]:
    return [
        Decision(
            v.id,
            node.id,
            node.line,
            tuple(len(c.therapist.strip()) for c in node.choices),
            best_indices(v, node.id),
        )
        for node in v.nodes.values()
        if node.choices
    ]


@dataclass
class CueStats:
    """The cue statistics of a set of decision points."""

    decisions: int = 0
    single: int = 0
    longest: int = 0
    shortest: int = 0
    longest_chance: float = 0.0
    positions: Counter = field(default_factory=Counter)
    position_chance: dict[int, float] = field(default_factory=dict)
    best_length: float = 0.0
    other_length: float = 0.0

    def share(self, count: int) -> float:
        return count / self.single if self.single else 0.0

    @property
    def longest_limit(self) -> float:
        return self.longest_chance + LENGTH_MARGIN

    def position_limit(self, p: int) -> float:
        return self.position_chance.get(p, 0.0) + POSITION_MARGIN

    def problems(self) -> list[str]:
        """Each cue that exceeds chance by more than its margin, in words."""
        out = []
        for name, count in (("longest", self.longest), ("shortest", self.shortest)):
            if self.share(count) > self.longest_limit:
                out.append(
                    f"the best option is the {name} in {count} of {self.single} "
                    f"({self.share(count):.0%}); chance {self.longest_chance:.0%}, "
                    f"limit {self.longest_limit:.0%}"
                )
        for p in sorted(self.position_chance):
            count = self.positions[p]
            if self.share(count) > self.position_limit(p):
                out.append(
                    f"the best option is in position {p} in {count} of {self.single} "
                    f"({self.share(count):.0%}); chance {self.position_chance[p]:.0%}, "
                    f"limit {self.position_limit(p):.0%}"
                )
        return out


def cue_stats(decisions: Iterable[Decision]) -> CueStats:
    decisions = list(decisions)
    out = CueStats(decisions=len(decisions))
    singles = [d for d in decisions if d.single]
    out.single = len(singles)
    if not singles:
        return out
    best_lengths: list[int] = []
    other_lengths: list[int] = []
    chance_long = 0.0
    chance_pos: Counter = Counter()
    for d in singles:
        (b,) = d.best
        k = len(d.lengths)
        others = [n for i, n in enumerate(d.lengths) if i != b]
        out.longest += d.lengths[b] >= max(others)
        out.shortest += d.lengths[b] <= min(others)
        out.positions[b + 1] += 1
        chance_long += 1 / k
        for p in range(1, k + 1):
            chance_pos[p] += 1 / k
        best_lengths.append(d.lengths[b])
        other_lengths.extend(others)
    out.longest_chance = chance_long / len(singles)
    out.position_chance = {p: c / len(singles) for p, c in sorted(chance_pos.items())}
    out.best_length = sum(best_lengths) / len(best_lengths)
    out.other_length = sum(other_lengths) / len(other_lengths)
    return out


# ---- Paths: endings and the best path -------------------------------------------------------


def best_paths(v: Vignette) -> list[tuple[list[int], str | None]]:
    """Every path that takes a best option at each step: (0-based choices, ending or None).

    None marks a best path that loops (cut after ``MAX_BEST_PATH`` steps).
    """
    found: list[tuple[list[int], str | None]] = []
    stack: list[tuple[str, list[int]]] = [(v.start, [])]
    while stack:
        node_id, path = stack.pop()
        node = v.nodes[node_id]
        if node.is_ending:
            found.append((path, node_id))
            continue
        if len(path) >= MAX_BEST_PATH:
            found.append((path, None))
            continue
        for i in reversed(best_indices(v, node_id)):
            stack.append((node.choices[i].next, [*path, i]))
    return found


def reachable_nodes(v: Vignette) -> set[str]:
    """Node ids some path from the start reaches (the start included)."""
    seen = {v.start}
    stack = [v.start]
    while stack:
        for c in v.nodes[stack.pop()].choices:
            if c.next not in seen:
                seen.add(c.next)
                stack.append(c.next)
    return seen


def reachable_endings(v: Vignette) -> list[str]:
    """Ending node ids reachable from the start, in file order."""
    seen = reachable_nodes(v)
    return [nid for nid, n in v.nodes.items() if n.is_ending and nid in seen]


@dataclass
class VignetteStats:
    vignette: Vignette
    decisions: list[Decision]
    cues: CueStats
    endings: list[str]
    best: list[tuple[list[int], str | None]]


def vignette_stats(v: Vignette) -> VignetteStats:
    decisions = vignette_decisions(v)
    return VignetteStats(v, decisions, cue_stats(decisions), reachable_endings(v), best_paths(v))


# ---- Review questions -----------------------------------------------------------------------

_FENCE = re.compile(
    r"^(?P<fence>`{3,}|~{3,})\{review-question\}[^\n]*\n(?P<body>.*?)^(?P=fence)\s*$", re.M | re.S
)
_OPTION_LINE = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")
_ROLE = re.compile(r"\{(?P<role>[\w:-]+)\}`(?P<text>[^`]*)`")
_CITE_SHOWN = "(Author et al., 2018)"  # what a parenthetical citation roughly shows


def visible_text(markup: str) -> str:
    """What a reader sees of a MyST inline text: roles reduced to their shown words."""

    def role(match: re.Match[str]) -> str:
        name, text = match["role"], match["text"]
        if name.startswith("cite"):
            return _CITE_SHOWN
        shown = re.sub(r"\s*<[^>]*>$", "", text)  # {term}`shown <target>`
        return shown

    text = _ROLE.sub(role, markup)
    text = re.sub(r"(\*\*|__|\*|`)", "", text)
    return " ".join(text.split())


def review_decisions(paths: Iterable[Path]) -> list[Decision]:
    """Every multiple-choice review question in the given chapter files, as a decision point."""
    from alliance.book.review import parse_review_body

    out: list[Decision] = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        for match in _FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            body_lines = match["body"].splitlines()
            qid = f"line {line}"
            while body_lines and (opt := _OPTION_LINE.match(body_lines[0])):
                if opt["key"] == "id":
                    qid = opt["value"].strip()
                body_lines.pop(0)
            question = parse_review_body("\n".join(body_lines))
            if question.kind != "choice":
                continue
            out.append(
                Decision(
                    path.name,
                    qid,
                    line,
                    tuple(len(visible_text(o.text)) for o in question.options),
                    tuple(i for i, o in enumerate(question.options) if o.correct),
                )
            )
    return out


def chapter_files(root: Path | None = None) -> list[Path]:
    """The book's chapter sources (``chapters/*.md`` in the checkout)."""
    if root is None:
        root = Path(__file__).resolve().parents[3]
    return sorted((root / "chapters").glob("*.md"))


# ---- Printing -------------------------------------------------------------------------------


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def format_cues(c: CueStats, indent: str = "  ") -> list[str]:
    if not c.single:
        return [f"{indent}no decision point with one best option"]
    pos = "  ".join(
        f"{p}: {c.positions[p]} ({c.share(c.positions[p]):.0%}, chance {ch:.0%})"
        for p, ch in c.position_chance.items()
    )
    ratio = c.best_length / c.other_length if c.other_length else float("nan")
    return [
        f"{indent}best option is the longest:  {c.longest} of {c.single} "
        f"({c.share(c.longest):.0%}; chance {c.longest_chance:.0%}, limit {c.longest_limit:.0%})",
        f"{indent}best option is the shortest: {c.shortest} of {c.single} "
        f"({c.share(c.shortest):.0%}; chance {c.longest_chance:.0%}, limit {c.longest_limit:.0%})",
        f"{indent}position of the best option: {pos}",
        f"{indent}reading length: best options {c.best_length:.0f} characters on average, "
        f"other options {c.other_length:.0f} (ratio {ratio:.2f})",
    ]


def format_vignette(s: VignetteStats, label: str) -> list[str]:
    v, c = s.vignette, s.cues
    ties = c.decisions - c.single
    outcomes = Counter(v.nodes[e].ending.outcome for e in s.endings if v.nodes[e].ending)
    ends = ", ".join(f"{o} x{n}" if n > 1 else o for o, n in sorted(outcomes.items()))
    lines = [
        f"{label}: {c.decisions} decision points ({c.single} with one best option, {ties} tied)",
        *format_cues(c),
        f"  endings reachable: {len(s.endings)} ({ends})",
    ]
    for path, ending in s.best:
        code = "-".join(str(i + 1) for i in path)
        if ending is None:
            lines.append(f"  best path: {code}... does not end (loops)")
        else:
            outcome = v.nodes[ending].ending.outcome  # type: ignore[union-attr]
            lines.append(f"  best path: {_n(len(path), 'choice')} ({code}) -> {ending} ({outcome})")
    return lines


def format_library(stats: list[VignetteStats], heading: str = "Library") -> list[str]:
    c = cue_stats(d for s in stats for d in s.decisions)
    lengths = [len(p) for s in stats for p, end in s.best if end is not None]
    endings = sum(len(s.endings) for s in stats)
    mean = sum(lengths) / len(lengths) if lengths else 0.0
    return [
        f"{heading}: {_n(len(stats), 'vignette')}, "
        f"{_n(c.decisions, 'decision point')} ({c.single} with one "
        f"best option, {c.decisions - c.single} tied)",
        *format_cues(c),
        f"  endings reachable: {endings}",
        f"  best path: {mean:.1f} choices on average ({_n(len(lengths), 'best path')})",
    ]


def format_review(decisions: list[Decision]) -> list[str]:
    c = cue_stats(decisions)
    return [
        f"Review questions: {_n(c.decisions, 'multiple-choice question')} "
        f"({c.decisions - c.single} without exactly one correct option)",
        *format_cues(c),
    ]
