"""The graded-vignette part shared by ps2 and ps4: widget, path-code answer, replay tests.

Why shared: both assignments grade a pasted path code the same way (replay it with the engine,
then award points for reaching an ending, for the kind of ending and for the trajectory), so the
test cells and their messages are written once. The solution's path code is chosen here by
replaying every path with the engine, never typed in by hand.
"""

from __future__ import annotations


def vignette_paths(vignette_id: str, max_steps: int = 12) -> list:
    """Every path (0-based choices) from the start to an ending, up to ``max_steps`` choices.

    Why: graded-vignette tests must not hard-code a path's result; the generator and the tests
    enumerate paths and replay them with the engine. Vignettes may loop, hence the step bound.
    Returns the :class:`~alliance.vignettes.Playthrough` of each finished path, shortest first.
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


def best_path(vignette_id: str, outcome: str) -> str:
    """The code of the path to ``outcome`` with no meter below baseline and the highest meters."""
    candidates = [
        p
        for p in vignette_paths(vignette_id)
        if p.outcome == outcome
        and all(p.final[d] >= p.trajectory[d][0] for d in ("bond", "goals", "tasks"))
    ]
    if not candidates:
        raise ValueError(f"{vignette_id}: no path reaches {outcome!r} without losing ground")
    best = max(candidates, key=lambda p: (sum(p.final.values()), -len(p.choices)))
    return best.code


def add_vignette_part(
    nb, prefix: str, vignette_id: str, good: list[str], best: str, heading: str, intro: str
) -> None:
    """Add the widget, the answer cell and five 1-point test cells to ``nb``."""
    solution = best_path(vignette_id, best)
    good_text = " or ".join(f"`{o}`" for o in good)
    nb.md(
        f"""
        {heading}

        {intro}

        Run the cell below to play the vignette `{vignette_id}`. Its path code appears as you
        play (for example `{vignette_id}:2-1-…`); when you reach an ending, copy the code into
        the answer cell. You can restart and play as often as you like: only the code you
        paste is graded. (If the widget does not display, play the same vignette in the book
        and copy the code from there.)

        The code is replayed at grading, 1 point each, for: (1) a valid code for this vignette;
        (2) a path that reaches an ending; (3) an ending where the alliance held or was mended
        ({good_text}); (4) the best ending, `{best}`; (5) a path that reaches an ending with none of
        bond, goals and tasks below where it started.
        """
    )
    nb.code(
        f"""
        from alliance.vignettes import VignetteWidget

        VignetteWidget("{vignette_id}", graded=True)
        """
    )
    nb.answer(
        f"{prefix}-path-code",
        f"""
        # Set PATH_CODE to the path code the widget shows, as a string:
        # PATH_CODE = "{vignette_id}:..."
        ### BEGIN SOLUTION
        PATH_CODE = "{solution}"
        ### END SOLUTION
        """,
    )
    nb.code(
        """
        # Replays your code and shows what happened (not graded; the tests below are).
        from alliance.vignettes import replay_code

        try:
            _play = replay_code(PATH_CODE)
        except Exception as exc:  # a malformed code: the first test explains
            print("Could not replay your code:", exc)
        else:
            print("Ending:", _play.outcome or "(no ending reached yet)")
            for dim, values in _play.trajectory.items():
                print(f"{dim:>5}: " + " -> ".join(map(str, values)))
        """
    )
    nb.test(
        f"{prefix}-test-valid",
        1,
        f"""
        # Checks that PATH_CODE is a path code for "{vignette_id}" that the engine can replay.
        from alliance.exercises import check_text, fail, same
        from alliance.vignettes import PathError, replay_code

        check_text(PATH_CODE, "PATH_CODE")
        if not PATH_CODE.strip().strip("'\\"`").startswith("{vignette_id}:"):
            fail("Paste this vignette's code: {vignette_id}:...")
        try:
            play = replay_code(PATH_CODE)
        except PathError as exc:
            fail("Copy the code again from the widget, unchanged.", str(exc))
        """,
    )
    nb.test(
        f"{prefix}-test-ending",
        1,
        """
        # Checks that your path reaches one of the vignette's endings.
        from alliance.exercises import check_text, fail, same
        from alliance.vignettes import replay_code

        check_text(PATH_CODE, "PATH_CODE")
        play = replay_code(PATH_CODE)
        if play.outcome is None:
            fail(
                "Play on to an ending: your path stops before one.",
                "Keep playing until the debrief appears, then copy the code.",
            )
        """,
    )
    nb.test(
        f"{prefix}-test-good-ending",
        1,
        f"""
        # Checks that your path ends where the alliance held or was mended ({", ".join(good)}).
        from alliance.exercises import check_text, fail, same
        from alliance.vignettes import replay_code

        check_text(PATH_CODE, "PATH_CODE")
        play = replay_code(PATH_CODE)
        if not any(same(play.outcome, ending) for ending in {good!r}):
            fail(
                "Go back to where the meters fell most; meet the client first.",
                f"Your path ends '{{play.outcome}}'. Read that ending's debrief, then try "
                "another response at the choice where the meters fell most.",
            )
        """,
    )
    nb.test(
        f"{prefix}-test-best-ending",
        1,
        f"""
        # Checks that your path reaches the best ending, '{best}'.
        from alliance.exercises import check_text, fail, same
        from alliance.vignettes import replay_code

        check_text(PATH_CODE, "PATH_CODE")
        play = replay_code(PATH_CODE)
        if not same(play.outcome, {best!r}):
            fail(
                "Which choice helped one part of the alliance at another's cost?",
                f"Your path ends '{{play.outcome}}', not '{best}'. Look at the feedback on "
                "each of your choices.",
            )
        """,
    )
    nb.test(
        f"{prefix}-test-trajectory",
        1,
        """
        # Checks the alliance trajectory: bond, goals and tasks each end at or above where they
        # started.
        from alliance.exercises import check_text, fail, same
        from alliance.vignettes import replay_code

        check_text(PATH_CODE, "PATH_CODE")
        play = replay_code(PATH_CODE)
        if play.outcome is None:
            fail("Reach an ending first: the trajectory is judged there.")
        below = [dim for dim, values in play.trajectory.items() if values[-1] < values[0]]
        if below:
            fail(
                f"Find the choice that cost {', '.join(below)}.",
                "By the end of your path it ended below its starting level: an ending can be "
                "reached at a cost.",
            )
        """,
    )
