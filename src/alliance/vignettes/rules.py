"""Teaching rules: an ending's label, its meters, its ratings and its debrief must agree.

Why a module of its own: these rules look at every path through a vignette, not at one field, and
they are about what a vignette teaches rather than whether it can be played. ``alliance vignette
check`` and the test suite enforce them; loading a vignette for the book does not, so one
author's draft cannot stop the book from building.

Terms (stated in the "How to write a vignette" page too):

- An **error** is a choice that lowers at least one meter (``Choice.is_error``).
- A **repair** is a choice typed ``metacommunication`` or marked ``repair: true``; it repairs every
  error before it on the path (``Choice.is_repair``).
- A **positive ending** has outcome ``strengthened`` or ``repaired``.

Rules:

1. No path reaches a positive ending with any meter below its baseline.
2. No path reaches a positive ending with an error that no later choice repaired.
3. No path reaches a ``repaired`` ending without a rupture to repair: a rupture marker in a client
   line on the path, or an error.
4. Every path that takes a best option at each step (``stats.best_paths``) and reaches a positive
   ending rates no MITI 4 measure "below fair": the model answer may not fail the benchmark the
   ending shows.
5. Every ending note can show: its choice or node lies on some path to that ending.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from alliance.vignettes import scoring
from alliance.vignettes.engine import replay
from alliance.vignettes.schema import DIMENSIONS, POSITIVE_OUTCOMES, Vignette
from alliance.vignettes.stats import best_paths, reachable_nodes


@dataclass(frozen=True)
class _State:
    node: str
    meters: tuple[int, ...]
    unrepaired: bool  # an error on the path that no later choice repaired
    ruptured: bool  # a rupture marker or an error on the path


def _step(v: Vignette, state: _State, index: int) -> _State:
    choice = v.nodes[state.node].choices[index]
    meters = tuple(
        scoring.clamp(m + choice.effect.get(d, 0))
        for m, d in zip(state.meters, DIMENSIONS, strict=True)
    )
    unrepaired = choice.is_error or (state.unrepaired and not choice.is_repair)
    target = v.nodes[choice.next]
    ruptured = state.ruptured or choice.is_error or target.rupture is not None
    return _State(choice.next, meters, unrepaired, ruptured)


def _explore(v: Vignette) -> dict[_State, tuple[_State, int] | None]:
    """Every reachable state, breadth first (so the first found is the shortest), with parents.

    The state space is finite (meters live on 0-10), so loops in a vignette end the search.
    """
    start_node = v.nodes[v.start]
    first = _State(
        v.start,
        tuple(scoring.clamp(v.baseline[d]) for d in DIMENSIONS),
        False,
        start_node.rupture is not None,
    )
    parent: dict[_State, tuple[_State, int] | None] = {first: None}
    queue = deque([first])
    while queue:
        state = queue.popleft()
        for i in range(len(v.nodes[state.node].choices)):
            nxt = _step(v, state, i)
            if nxt not in parent:
                parent[nxt] = (state, i)
                queue.append(nxt)
    return parent


def _path_to(parent: dict[_State, tuple[_State, int] | None], state: _State) -> list[int]:
    path: list[int] = []
    link = parent[state]
    while link is not None:
        state, index = link
        path.append(index)
        link = parent[state]
    return path[::-1]


def _code(path: list[int]) -> str:
    return "-".join(str(i + 1) for i in path) or "(start)"


def _last_unrepaired(v: Vignette, path: list[int]) -> str:
    """Words naming the error that is still unrepaired at the end of ``path``."""
    unrepaired = [m for m in replay(v, path).errors if not m.repaired]
    if not unrepaired:
        return ""
    m = unrepaired[-1]
    choice = v.nodes[m.node].choices[m.choice]
    lowered = [d for d in DIMENSIONS if choice.effect.get(d, 0) < 0]
    return (
        f"choice {m.choice + 1} at node '{m.node}' (step {m.step}, line {choice.line}) "
        f"lowers {' and '.join(lowered)}"
    )


def _meters_text(v: Vignette, meters: tuple[int, ...]) -> str:
    low = [
        f"{d} {m} < {v.baseline[d]}"
        for d, m in zip(DIMENSIONS, meters, strict=True)
        if m < v.baseline[d]
    ]
    return ", ".join(low)


def ending_problems(v: Vignette) -> list[tuple[int, str]]:
    """(line, message) for every broken rule; the line is the ending's (or the note's)."""
    parent = _explore(v)
    problems: list[tuple[int, str]] = []
    reported: set[tuple[str, int]] = set()

    def report(node_id: str, rule: int, message: str) -> None:
        if (node_id, rule) not in reported:
            reported.add((node_id, rule))
            problems.append((v.nodes[node_id].line, message))

    for state in parent:  # insertion order is breadth-first order: shortest witnesses first
        node = v.nodes[state.node]
        if node.ending is None or node.ending.outcome not in POSITIVE_OUTCOMES:
            continue
        outcome = node.ending.outcome
        where = f"ending '{state.node}' ({outcome})"
        low = _meters_text(v, state.meters)
        if low:
            report(
                state.node,
                1,
                f"{where} is reachable with a meter below its baseline ({low}), e.g. path "
                f"{_code(_path_to(parent, state))}: a positive ending needs every meter at or "
                "above where it started",
            )
        if state.unrepaired:
            path = _path_to(parent, state)
            report(
                state.node,
                2,
                f"{where} is reachable with an unrepaired error, e.g. path {_code(path)}: "
                f"{_last_unrepaired(v, path)}, and no later choice repairs it "
                "(metacommunication, or a choice marked `repair: true`)",
            )
        if outcome == "repaired" and not state.ruptured:
            report(
                state.node,
                3,
                f"{where} is reachable with nothing to repair (no rupture marker and no error), "
                f"e.g. path {_code(_path_to(parent, state))}: call that ending 'strengthened'",
            )
    problems.extend(_best_path_ratings(v))
    problems.extend(_dead_notes(v))
    return problems


def _best_path_ratings(v: Vignette) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    seen: set[str] = set()
    for path, ending in best_paths(v):
        if ending is None or ending in seen:
            continue
        node = v.nodes[ending]
        if node.ending is None or node.ending.outcome not in POSITIVE_OUTCOMES:
            continue
        low = [
            scoring.MITI4[m]["label"].lower()
            for m, rating in replay(v, path).ratings.items()
            if rating == scoring.BELOW_FAIR
        ]
        if low:
            seen.add(ending)
            out.append(
                (
                    node.line,
                    f"ending '{ending}' ({node.ending.outcome}) is the end of the best path "
                    f"{_code(path)}, which rates below fair on {' and '.join(low)}: the model "
                    "answer should not fail the benchmark its ending shows",
                )
            )
    return out


def _reaches(v: Vignette, target: str) -> set[str]:
    """Node ids from which ``target`` can be reached (itself included)."""
    into: dict[str, set[str]] = {nid: set() for nid in v.nodes}
    for nid, node in v.nodes.items():
        for c in node.choices:
            into[c.next].add(nid)
    found, stack = {target}, [target]
    while stack:
        for source in into[stack.pop()]:
            if source not in found:
                found.add(source)
                stack.append(source)
    return found


def _dead_notes(v: Vignette) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    reachable = reachable_nodes(v)
    for ending_id, node in v.nodes.items():
        if node.ending is None or not node.ending.notes:
            continue
        leads = _reaches(v, ending_id) & reachable
        chosen = {c.id for nid in leads for c in v.nodes[nid].choices if c.id and c.next in leads}
        for note in node.ending.notes:
            if not note.applies(chosen, leads):
                out.append(
                    (
                        note.line,
                        f"ending '{ending_id}': the note for {note.when} '{note.target}' can "
                        "never show: no path to this ending "
                        + ("takes that choice" if note.when == "chose" else "passes that node"),
                    )
                )
    return out
