"""The course's figures: one matplotlib style and the figure functions chapters call."""

from alliance.figures.style import COLUMN_WIDTH_IN, PALETTE, course_style, new_figure

__all__ = ["COLUMN_WIDTH_IN", "PALETTE", "course_style", "new_figure"]
