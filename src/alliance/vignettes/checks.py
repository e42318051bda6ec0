"""Graph checks: every ``next`` names a node, every node is reachable, every node can end.

Why separate from the field checks: these need the whole file read first, and they are the
checks an author cannot do by eye in a long branching script.
"""

from __future__ import annotations

import difflib
from collections import deque
from dataclasses import dataclass, field


@dataclass
class GraphNode:
    """What the graph checks need to know about one node."""

    line: int
    nexts: list[tuple[str, int]] = field(default_factory=list)  # (target id, line of `next`)
    is_ending: bool = False
    parsed: bool = True  # False when the node itself was malformed: skip cascading reports


def did_you_mean(word: str, options: list[str] | tuple[str, ...]) -> str:
    """A ' (did you mean 'x'?)' suffix, or '' when nothing is close."""
    match = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def check_graph(
    graph: dict[str, GraphNode], start: tuple[str, int] | None, nodes_line: int
) -> list[tuple[int, str]]:
    """Return (line, message) for every graph problem in one vignette."""
    problems: list[tuple[int, str]] = []
    ids = list(graph)
    if start is not None and start[0] not in graph:
        problems.append(
            (start[1], f"start '{start[0]}' names no node{did_you_mean(start[0], ids)}")
        )
    for node_id, node in graph.items():
        for target, line in node.nexts:
            if target not in graph:
                problems.append(
                    (
                        line,
                        f"node '{node_id}': next '{target}' names no node"
                        f"{did_you_mean(target, ids)}",
                    )
                )
    if graph and not any(n.is_ending for n in graph.values()):
        problems.append((nodes_line, "the vignette has no ending node (a node with `ending:`)"))

    if start is not None and start[0] in graph:
        reached = {start[0]}
        queue = deque([start[0]])
        while queue:
            for target, _ in graph[queue.popleft()].nexts:
                if target in graph and target not in reached:
                    reached.add(target)
                    queue.append(target)
        problems.extend(_unreachable(graph, reached, start[0]))

    # Backwards from the endings (and from malformed nodes, to avoid cascades).
    # A node with a dangling `next` is already reported: do not blame it twice.
    can_end = {
        nid
        for nid, n in graph.items()
        if n.is_ending or not n.parsed or any(t not in graph for t, _ in n.nexts)
    }
    changed = True
    while changed:
        changed = False
        for node_id, node in graph.items():
            if node_id not in can_end and any(t in can_end for t, _ in node.nexts):
                can_end.add(node_id)
                changed = True
    if any(n.is_ending for n in graph.values()):
        for node_id, node in graph.items():
            if node_id not in can_end:
                problems.append(
                    (
                        node.line,
                        f"no ending can be reached from node '{node_id}' "
                        "(every path from it loops or stops)",
                    )
                )
    return problems


def _unreachable(
    graph: dict[str, GraphNode], reached: set[str], start: str
) -> list[tuple[int, str]]:
    """One problem per unreachable 'root', listing the nodes only it leads to (no cascade)."""
    lost = [nid for nid in graph if nid not in reached]
    has_lost_parent = {t for nid in lost for t, _ in graph[nid].nexts if t in graph}
    covered: set[str] = set()
    problems: list[tuple[int, str]] = []
    roots = [nid for nid in lost if nid not in has_lost_parent]
    # Unreachable cycles have no root: take their first node in file order.
    for candidate in [*roots, *lost]:
        if candidate in covered:
            continue
        below: list[str] = []
        stack = [candidate]
        covered.add(candidate)
        while stack:
            for target, _ in graph[stack.pop()].nexts:
                if target in graph and target not in reached and target not in covered:
                    covered.add(target)
                    below.append(target)
                    stack.append(target)
        extra = f" (nor can {', '.join(repr(b) for b in below)}, reached only through it)"
        problems.append(
            (
                graph[candidate].line,
                f"node '{candidate}' cannot be reached from start '{start}'"
                + (extra if below else ""),
            )
        )
    return problems
