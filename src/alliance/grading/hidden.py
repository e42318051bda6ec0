"""Reading nbgrader's BEGIN/END HIDDEN TESTS markers, in one place.

Why one reader: what feedback strips, what the leak check searches for, and what the integrity
check compares against the release must all agree on which lines are hidden. This module imports
nothing heavy, so the pre-grading checks can use it without loading nbgrader.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Iterator


def lines_marked_hidden(source: str) -> Iterator[tuple[bool, str]]:
    """Each line of ``source`` but the BEGIN/END HIDDEN TESTS markers, with whether it is hidden."""
    inside = False
    for line in source.splitlines():
        upper = line.upper()
        if "BEGIN HIDDEN TESTS" in upper:
            inside = True
        elif "END HIDDEN TESTS" in upper:
            inside = False
        else:
            yield inside, line


def has_hidden_tests(source: str) -> bool:
    """Whether a cell's source holds a BEGIN HIDDEN TESTS block."""
    return "BEGIN HIDDEN TESTS" in source.upper()


def hidden_lines(source: str) -> list[str]:
    """The non-blank lines between BEGIN and END HIDDEN TESTS, stripped."""
    return [line.strip() for hidden, line in lines_marked_hidden(source) if hidden and line.strip()]


def strip_hidden(source: str) -> str:
    """``source`` without its hidden-test blocks (markers included)."""
    return "\n".join(line for hidden, line in lines_marked_hidden(source) if not hidden).rstrip()


def string_values(source: str) -> Iterator[str]:
    """The values of the string literals in a piece of Python, in order. Tokenizing is lazy: a
    source that stops tokenizing raises ``tokenize.TokenError`` (or a ``SyntaxError``) there."""
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type != tokenize.STRING:
            continue
        try:
            value = ast.literal_eval(tok.string)
        except (ValueError, SyntaxError):
            continue
        if isinstance(value, str):
            yield value
