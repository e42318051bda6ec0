"""Every path through a vignette, replayed by the engine: for graded-vignette solutions and tests.

Why in the installed package: the assignment generators choose a solution's path code by replaying
every path (never typed by hand), and the tests enumerate the same paths; neither needs a
checkout, so this does not live with the test harness.
"""

from __future__ import annotations


def vignette_paths(vignette_id: str, max_steps: int = 12) -> list:
    """Every path (0-based choices) from the start to an ending, up to ``max_steps`` choices.

    Why: graded-vignette tests must not hard-code a path's result; they enumerate paths and
    replay them with the engine at test time. Vignettes may loop, hence the step bound.
    Returns the :class:`~alliance.vignettes.Playthrough` of each finished path.
    """
    from alliance.vignettes import load_vignette, replay

    vignette = load_vignette(vignette_id)
    found = []
    stack: list[tuple[str, tuple[int, ...]]] = [(vignette.start, ())]
    while stack:
        node_id, prefix = stack.pop()
        node = vignette.nodes[node_id]
        if node.ending is not None:
            found.append(replay(vignette, list(prefix)))
            continue
        if len(prefix) >= max_steps:
            continue
        for index, choice in enumerate(node.choices):
            stack.append((choice.next, (*prefix, index)))
    found.sort(key=lambda p: (len(p.choices), p.choices))
    return found
