"""Errors that name the file, the line and the problem.

Why collect problems instead of raising at the first one: a vignette author fixing a 300-line
file should see every mistake in one run, as a compiler would show them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a vignette file, at a 1-based line."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class VignetteError(ValueError):
    """A vignette file (or several) failed validation; ``problems`` lists every problem."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = sorted(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in vignette file(s):"
        return "\n".join([head, *(str(p) for p in self.problems)])


class PathError(ValueError):
    """A path of choices (or a path code) that cannot be played; the message names the step."""
