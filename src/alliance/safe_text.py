"""Text that leaves the course tools safely: CSV cells a spreadsheet will not run, terminal lines
a student cannot paint.

Why here, once: student ids, names from a roster and grade ids inside a submitted notebook are
chosen by people outside the instructor's control, and they reach CSV exports (where a cell
starting with ``=`` is a formula in Excel, LibreOffice and Google Sheets) and the instructor's
terminal (where escape sequences can rewrite what was printed). Every writer calls these.
"""

from __future__ import annotations

import re

#: A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def csv_cell(value: object) -> str:
    """``value`` as a CSV cell no spreadsheet evaluates; plain numbers (``-1.5``) stay numbers."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not _NUMBER.match(text):
        return "'" + text
    return text


def terminal(text: object) -> str:
    """``text`` with control characters (escape sequences, bells, CR) shown as ``\\xNN``.

    Newlines are kept: callers that need one line pass each line separately.
    """
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def terminal_line(text: object) -> str:
    """``text`` for one line of a listing: like :func:`terminal`, with newlines escaped too."""
    return terminal(str(text).replace("\n", "\\x0a"))
