"""The one feedback policy, cell by cell, on a small graded notebook (no kernel needed).

The end-to-end tests (every assignment, a hostile student, both feedback routes) are in
``test_course_real_assignments.py``; here each rule of
:class:`~alliance.grading.preprocessors.HideHiddenTests` is pinned down on its own, including
what it must refuse: a student's own text after the first hidden test, whatever exception or
message shape carries it.
"""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from traitlets.config import Config

from alliance.grading.preprocessors import HideHiddenTests

HINT = "3 and 6: does it add meaning, or say back what she said?"
STOLEN = "assert same(session_ratio, 1.1428571428571428)"
TITLE = "The figure needs a title (ax.set_title)."


def _test(source: str, gid: str, *outputs) -> nbformat.NotebookNode:
    cell = new_code_cell(source, outputs=list(outputs))
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": gid, "points": 1}
    return cell


def _error(ename: str, evalue: str):
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _stream(text: str):
    return new_output("stream", name="stdout", text=text)


def _notebook() -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata["widgets"] = {"state": {"x": STOLEN}}
    nb.cells = [
        new_markdown_cell("# ps"),
        new_code_cell("print('early')", outputs=[_stream("early\n")]),
        _test("assert x == 1, 'visible message'", "t-visible", _error("AssertionError", "visible")),
        _test(
            f"check(a, 'h', '{HINT}')\n### BEGIN HIDDEN TESTS\n{STOLEN}\n### END HIDDEN TESTS",
            "t-hidden-assert",
            _error("AssertionError", ""),
        ),
        _test(
            f"check(a, 'h', '{HINT}')\n### BEGIN HIDDEN TESTS\nassert b\n### END HIDDEN TESTS",
            "t-hidden-hint",
            _error("StudentInputError", HINT + "\nYour answer: 'something else'"),
        ),
        _test(
            "### BEGIN HIDDEN TESTS\nassert c\n### END HIDDEN TESTS",
            "t-hidden-nameerror",
            _error("NameError", STOLEN),
        ),
        new_code_cell("print(secret)", outputs=[_stream(STOLEN + "\n")]),
        _test(
            "check_axes(ax)",
            "t-axes",
            _error("StudentInputError", "The figure needs a title (ax.set_title)."),
        ),
        _test(
            "check_axes(ax)", "t-forged", _error("StudentInputError", f"The figure needs {STOLEN}.")
        ),
        _test("assert ok", "t-passed", _stream("fine\n")),
    ]
    return nb


def _feedback(tmp_path) -> nbformat.NotebookNode:
    release = tmp_path / "release" / "ps" / "ps.ipynb"
    release.parent.mkdir(parents=True)
    shown = _notebook()
    for cell in shown.cells:
        cell.source = cell.source.split("### BEGIN HIDDEN TESTS")[0]
    nbformat.write(shown, release)
    cfg = Config()
    cfg.CourseDirectory.root = str(tmp_path)
    resources = {"nbgrader": {"assignment": "ps", "notebook": "ps", "student": "s"}}
    nb, _ = HideHiddenTests(config=cfg).preprocess(_notebook(), resources)
    return nb


def _cell(nb, gid):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == gid)


def _text(cell) -> str:
    return "\n".join(
        str(o.get("evalue", "")) + str(o.get("text", "")) + "".join(o.get("traceback", []))
        for o in cell.outputs
    )


def test_before_the_first_hidden_test_everything_is_shown(tmp_path):
    nb = _feedback(tmp_path)
    assert nb.cells[1].outputs[0].text == "early\n"
    assert _text(_cell(nb, "t-visible")) == "visible" + "AssertionError: visible"


def test_a_hidden_test_shows_its_visible_source_and_a_neutral_message(tmp_path):
    nb = _feedback(tmp_path)
    cell = _cell(nb, "t-hidden-assert")
    assert STOLEN not in cell.source and "HIDDEN" not in cell.source and HINT in cell.source
    assert "A hidden check in this cell did not pass" in _text(cell)


def test_a_hint_the_release_shows_is_kept_but_not_the_students_value(tmp_path):
    text = _text(_cell(_feedback(tmp_path), "t-hidden-hint"))
    assert HINT in text and "something else" not in text


def test_text_student_code_put_in_an_exception_or_print_is_not_shown(tmp_path):
    nb = _feedback(tmp_path)
    assert STOLEN not in _text(_cell(nb, "t-hidden-nameerror"))
    assert "A hidden check in this cell did not pass" in _text(_cell(nb, "t-hidden-nameerror"))
    assert nb.cells[6].outputs[0].text.startswith("(Output not shown in feedback")
    assert "widgets" not in nb.metadata


def test_a_check_message_is_shown_only_when_every_filled_part_is_known(tmp_path):
    nb = _feedback(tmp_path)
    assert TITLE in _text(_cell(nb, "t-axes"))
    forged = _text(_cell(nb, "t-forged"))
    assert STOLEN not in forged and "This test did not pass" in forged


def test_a_passing_test_after_the_first_hidden_one_shows_nothing(tmp_path):
    assert _cell(_feedback(tmp_path), "t-passed").outputs == []
