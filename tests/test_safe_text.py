"""CSV cells and terminal text built from student- or roster-chosen strings are inert."""

import csv
import io

import pytest

from alliance.safe_text import csv_cell, terminal


@pytest.mark.parametrize(
    "hostile",
    ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"],
)
def test_formula_starts_are_neutralised(hostile: str) -> None:
    cell = csv_cell(hostile)
    assert cell.startswith("'") and cell[1:] == hostile
    row = next(csv.reader(io.StringIO(_row(cell))))
    assert row[0] == cell


@pytest.mark.parametrize("plain", ["-1.5", "+4", "12", "Ana", "", "O'Neil", "1e-3"])
def test_plain_values_pass_unchanged(plain: str) -> None:
    assert csv_cell(plain) == plain


def test_none_is_empty() -> None:
    assert csv_cell(None) == ""


def test_terminal_escapes_control_characters_but_keeps_newlines() -> None:
    text = terminal("a\x1b[2J\x07b\rc\nd\x9b")
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text and "\x9b" not in text
    assert text == "a\\x1b[2J\\x07b\\x0dc\nd\\x9b"


def _row(cell: str) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow([cell, "x"])
    return buf.getvalue()
