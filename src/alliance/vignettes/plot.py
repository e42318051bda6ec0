"""A playthrough's alliance trajectory as a course-style matplotlib figure.

Why line style and marker per dimension: the three lines must stay distinguishable in greyscale
and for readers with a colour-vision deficiency, not by colour alone.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt

from alliance.figures import PALETTE, course_style
from alliance.vignettes.engine import Playthrough
from alliance.vignettes.schema import DIMENSIONS, OUTCOMES, SCALE_MAX, SCALE_MIN

STYLES: dict[str, dict[str, Any]] = {
    "bond": {"color": PALETTE["blue"], "linestyle": "-", "marker": "o"},
    "goals": {"color": PALETTE["orange"], "linestyle": "--", "marker": "s"},
    "tasks": {"color": PALETTE["green"], "linestyle": ":", "marker": "^"},
}


def trajectory_alt_text(playthrough: Playthrough) -> str:
    """A text description of the figure, for the figure's alt text."""
    parts = [
        f"{dim} from {values[0]} to {values[-1]}" for dim, values in playthrough.trajectory.items()
    ]
    n = len(playthrough.choices)
    end = OUTCOMES.get(playthrough.outcome or "", "no ending yet")
    return (
        f"Line chart of the alliance over {n} choice{'s' if n != 1 else ''} "
        f"(0 to 10 scale): {', '.join(parts)}. Outcome: {end}."
    )


def plot_trajectory(playthrough: Playthrough, ax: plt.Axes | None = None) -> plt.Figure:
    """Draw bond, goals and tasks after each choice of a playthrough; return the figure."""
    with course_style():
        if ax is None:
            fig, ax = plt.subplots(figsize=(6.5, 3.6))
        else:
            fig = ax.figure
        steps = range(len(playthrough.choices) + 1)
        for dim in DIMENSIONS:
            ax.plot(steps, playthrough.trajectory[dim], label=dim.capitalize(), **STYLES[dim])
        ax.set_ylim(SCALE_MIN - 0.4, SCALE_MAX + 0.4)
        ax.set_yticks(range(SCALE_MIN, SCALE_MAX + 1, 2))
        ax.set_xticks(list(steps))
        ax.set_xlabel("Choice number (0 = start of the conversation)")
        ax.set_ylabel("Alliance rating (0–10)")
        outcome = OUTCOMES.get(playthrough.outcome or "", "no ending reached")
        ax.set_title(f"{playthrough.title or playthrough.vignette_id}: {outcome}")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=True)
    return fig
