"""The graded-vignette part shared by ps2 and ps4: widget, path-code answer, replay tests.

Why shared: both assignments grade a pasted path code the same way (replay it with the engine,
then award points for reaching an ending, for the kind of ending and for the trajectory), so the
test cells and their messages are written once. The solution's path code is chosen here by
replaying every path with the engine, never typed in by hand.
"""

from __future__ import annotations


def best_path(vignette_id: str, outcome: str) -> str:
    """The code of the path to ``outcome`` with no meter below baseline and the highest meters."""
    from alliance.exercises.paths import vignette_paths

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
        from alliance.vignettes import PathError, replay_code

        assert isinstance(PATH_CODE, str) and PATH_CODE.strip(), (
            "PATH_CODE should be the text the widget shows, e.g. '{vignette_id}:2-1-3'."
        )
        assert PATH_CODE.strip().strip("'\\"`").startswith("{vignette_id}:"), (
            "This code is for another vignette: play '{vignette_id}' and paste its code."
        )
        try:
            play = replay_code(PATH_CODE)
        except PathError as exc:
            raise AssertionError(f"The engine cannot replay this code: {{exc}}. Copy it again "
                                 "from the widget, without changing it.") from None
        """,
    )
    nb.test(
        f"{prefix}-test-ending",
        1,
        """
        # Checks that your path reaches one of the vignette's endings.
        play = replay_code(PATH_CODE)
        assert play.outcome is not None, (
            "Your path stops before an ending: keep playing until the debrief appears, then "
            "copy the code."
        )
        """,
    )
    nb.test(
        f"{prefix}-test-good-ending",
        1,
        f"""
        # Checks that your path ends where the alliance held or was mended ({", ".join(good)}).
        play = replay_code(PATH_CODE)
        assert play.outcome in {good!r}, (
            f"Your path ends '{{play.outcome}}'. Read that ending's debrief, go back to the "
            "choice where the meters fell most, and try a response that meets the client first."
        )
        """,
    )
    nb.test(
        f"{prefix}-test-best-ending",
        1,
        f"""
        # Checks that your path reaches the best ending, '{best}'.
        play = replay_code(PATH_CODE)
        assert play.outcome == {best!r}, (
            f"Your path ends '{{play.outcome}}', not '{best}'. Look at the feedback on each of "
            "your choices: which one helped one dimension of the alliance at another's cost?"
        )
        """,
    )
    nb.test(
        f"{prefix}-test-trajectory",
        1,
        """
        # Checks the alliance trajectory: bond, goals and tasks each end at or above where they
        # started.
        play = replay_code(PATH_CODE)
        assert play.outcome is not None, "Reach an ending first: the trajectory is judged there."
        below = [dim for dim, values in play.trajectory.items() if values[-1] < values[0]]
        assert not below, (
            f"By the end of your path {', '.join(below)} ended below its starting level. An "
            "ending can be reached at a cost: find the choice that cost it."
        )
        """,
    )
