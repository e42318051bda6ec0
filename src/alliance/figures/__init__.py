"""The course's figures: one matplotlib style and the figure functions chapters call."""

from alliance.figures.style import PALETTE, course_style, new_figure

__all__ = ["PALETTE", "course_style", "new_figure"]
