"""Cheats on a real assignment (ps1), graded as root: caught or neutralised, honest work unaffected.

Issue 10 measured seven cheats that earned full marks on blank or wrong work with plain nbgrader.
Each is added here, as one extra cell, to a submission whose score without the cheat is known (the
blank release, or a "wrong" notebook); graded by ``alliance course autograde`` it must score
exactly that, and carry an ``Issue(kind="tamper", review=True)``. Plain nbgrader grades the same
notebooks first, to prove each cheat really works (a cheat that fooled nobody would make these
tests pass for nothing). Readers of the tests' text (trace functions, audit hooks, background
threads and processes) cannot earn marks by themselves; they must be flagged too.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess

import nbformat
import pytest
from course_helpers import NBGRADER, run_alliance
from hostile import cheats
from nbgrader_harness import fill_answers, make_temp_course, solutions_of

from alliance.grading.gradebook import class_scores
from alliance.grading.results import ClassRun

pytestmark = pytest.mark.slow
PS = "ps1"

# The session's numbers wrong, its bands right: only the session test fails (2 points).
WRONG_SESSION = """
codes = [code for code, _ in SESSION]
session_ratio = 99.0
session_share = 0.99
ratio_band = miti_band(reflection_question_ratio(codes), 1.0, 2.0)
share_band = miti_band(complex_reflection_share(codes), 0.40, 0.50)
"""

# Every answer an object equal to anything (a str / float that says yes to every ==).
ALWAYS_EQUAL = {
    "ps1-a-labels": """
class _Yes(str):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = str.__hash__
response_types = {i: _Yes("simple-reflection") for i in range(1, 9)}
""",
    "ps1-b-functions": """
class _Num(float):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    def __sub__(self, other):
        return 0.0
    def __lt__(self, other):
        return True
    __hash__ = float.__hash__
def reflection_question_ratio(codes):
    return _Num(1.0)
def complex_reflection_share(codes):
    return _Num(0.5)
def miti_band(value, fair, good):
    return _Yes("fair")
""",
    "ps1-b-session": """
session_ratio, session_share = _Num(1.0), _Num(0.5)
ratio_band, share_band = _Yes("fair"), _Yes("fair")
""",
}

# Reads the tests from inside: the student's own functions, called by the tests, look at the
# caller's frame (the test cell's code and source). No shell hook is involved, so nothing can
# undo it; what the grader guarantees is that nothing it reads reaches the student's feedback.
FRAME_READER = """
import base64, linecache, sys
_CAUGHT = []
def _wrap(f):
    def inner(*a, **k):
        frame = sys._getframe(1)
        _CAUGHT.extend(str(c) for c in frame.f_code.co_consts)
        _CAUGHT.append("".join(linecache.getlines(frame.f_code.co_filename)))
        return f(*a, **k)
    return inner
reflection_question_ratio = _wrap(reflection_question_ratio)
complex_reflection_share = _wrap(complex_reflection_share)
miti_band = _wrap(miti_band)
"""
FRAME_LEAK = 'print("LEAK-B64", base64.b64encode("\\n".join(_CAUGHT).encode()).decode())'

#: cheat name -> (the submission it is added to, whether it earns marks on plain nbgrader)
CHEATS = {
    "input_transformer": ("blank", True),
    "ast_transformer": ("blank", True),
    "custom_exc": ("blank", True),
    "fake_result": ("blank", True),
    "fake_result_direct": ("blank", True),
    "peek_and_fill": ("blank", True),
    "patch_builtins": ("wrong", True),
    "patch_course_module": ("wrong", True),
    "trace_reader": ("blank", False),
    "audit_reader": ("blank", False),
    "background_thread": ("blank", False),
    "background_process": ("blank", False),
}


def _with_cell(nb, code: str):
    nb = copy.deepcopy(nb)
    nb.cells.insert(1, nbformat.v4.new_code_cell(code))
    return nb


def _tagged(nb):
    nb = copy.deepcopy(nb)
    for c in nb.cells:
        meta = c.metadata.get("nbgrader", {})
        if c.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            c.metadata["tags"] = ["skip-execution"]
    return nb


def _frame_reader(model):
    """The model answers wrapped by FRAME_READER, and a leak cell after every test."""
    nb = copy.deepcopy(model)
    cells = []
    for c in nb.cells:
        cells.append(c)
        meta = c.metadata.get("nbgrader", {})
        if meta.get("grade_id") == "ps1-b-functions":
            cells.append(nbformat.v4.new_code_cell(FRAME_READER))
        elif c.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            if any(
                x.metadata.get("nbgrader", {}).get("grade_id") == "ps1-b-functions" for x in cells
            ):
                cells.append(nbformat.v4.new_code_cell(FRAME_LEAK))
    nb.cells = cells
    return nb


def _auto(course, students=None) -> dict[str, float]:
    """Each student's autograded points (written answers excluded)."""
    from alliance.course.config import load_course

    out = {}
    for s, sc in class_scores(load_course(course), PS).items():
        if students is None or s in students:
            out[s] = sum(c["score"] for c in sc.cells.values() if c["auto_score"] is not None)
    return out


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cheats")
    course = make_temp_course(tmp / "ours", [PS])
    run_alliance("release", PS, "--course-dir", str(course.root))
    source, release = course.source_notebook(PS), course.release_notebook(PS)
    solutions = solutions_of(source)
    blank = nbformat.read(release, as_version=4)
    base = {
        "model": fill_answers(release, solutions),
        "blank": blank,
        "wrong": fill_answers(release, {**solutions, "ps1-b-session": WRONG_SESSION}),
    }
    for name, nb in base.items():
        course.submit(name, PS, nb)
    for name, (on, _) in CHEATS.items():
        course.submit(
            name.replace("_", "-"), PS, _with_cell(base[on], getattr(cheats, name.upper()))
        )
    course.submit("skip-tag", PS, _tagged(blank))
    course.submit("always-equal", PS, fill_answers(release, ALWAYS_EQUAL))
    course.submit("model-after", PS, base["model"])
    course.submit("frame-reader", PS, _frame_reader(base["model"]))
    # plain nbgrader on the notebooks whose cheat earns marks: proof the cheats are real
    plain = make_temp_course(tmp / "plain", [PS])
    plain.generate_assignment(PS)
    scoring = ["blank", "wrong", "skip-tag"] + [
        n.replace("_", "-") for n, (_, earns) in CHEATS.items() if earns
    ]
    for name in scoring:
        shutil.copytree(course.root / "submitted" / name, plain.root / "submitted" / name)
    subprocess.run([NBGRADER, "autograde", PS], cwd=plain.root, capture_output=True, timeout=1800)
    done = run_alliance("autograde", PS, "--timeout", "20", "--course-dir", str(course.root))
    run = ClassRun.load(course.root / "reports" / PS / "autograde.json")
    from alliance.course.config import load_course

    model = class_scores(load_course(course.root), PS)["model"]
    return {
        "auto_max": sum(
            c["max_score"] for c in model.cells.values() if c["auto_score"] is not None
        ),
        "ours": _auto(course.root),
        "plain": _auto(plain.root),
        "run": run,
        "done": done,
        "course": course,
    }


def _tamper(run: ClassRun, student: str) -> list[str]:
    return [i.message for i in run.students[student].issues if i.kind == "tamper" and i.review]


def test_honest_work_scores_in_full_with_no_issue(graded):
    run = graded["run"]
    for s in ("model", "model-after"):
        assert run.students[s].issues == [], s
        assert graded["ours"][s] == graded["auto_max"], s
    assert graded["ours"]["blank"] == 0.0
    assert graded["ours"]["wrong"] == graded["auto_max"] - 2, "only the session test fails"


def test_each_cheat_fools_plain_nbgrader(graded):
    plain = graded["plain"]
    for name, (on, earns) in CHEATS.items():
        if earns:
            cheat = name.replace("_", "-")
            assert plain[cheat] > plain[on], f"{name} should earn marks on plain nbgrader"
    assert plain["skip-tag"] > plain["blank"]


@pytest.mark.parametrize("name", sorted(CHEATS))
def test_cheat_scores_what_the_work_deserves_and_is_flagged(graded, name):
    on, _ = CHEATS[name]
    student = name.replace("_", "-")
    assert graded["ours"][student] == graded["ours"][on], name
    flags = _tamper(graded["run"], student)
    assert flags, f"{name}: no tamper issue"
    assert graded["run"].students[student].needs_review


def test_skip_execution_tag_is_reset_and_flagged(graded):
    assert graded["ours"]["skip-tag"] == graded["ours"]["blank"]
    assert any("skip-execution" in m for m in _tamper(graded["run"], "skip-tag"))


def test_flags_say_what_was_found(graded):
    run = graded["run"]
    assert any("input transformer" in m for m in _tamper(run, "input-transformer"))
    assert any("AST transformer" in m for m in _tamper(run, "ast-transformer"))
    assert any("custom exception handler" in m for m in _tamper(run, "custom-exc"))
    assert any("built-in __import__" in m for m in _tamper(run, "patch-builtins"))
    assert any("alliance.exercises" in m for m in _tamper(run, "patch-course-module"))
    assert any("audit hook" in m for m in _tamper(run, "audit-reader"))
    assert any("trace function" in m for m in _tamper(run, "trace-reader"))
    assert any("background thread" in m for m in _tamper(run, "background-thread"))
    assert any("process(es)" in m for m in _tamper(run, "background-process"))
    assert "REVIEW BY HAND" in graded["done"].stdout


def test_always_equal_answers_earn_nothing(graded):
    """Needs the assignments' type and identity checks (H-assess, issue 10.2)."""
    assert graded["ours"]["always-equal"] == graded["ours"]["blank"], json.dumps(graded["ours"])


def test_what_student_code_reads_during_a_test_never_reaches_feedback(graded):
    """The one channel the shell guard cannot close, closed at the feedback end."""
    from alliance.course.config import load_course
    from alliance.grading.feedback import secrets

    course = graded["course"]
    hidden = secrets(load_course(course.root), PS)
    graded_nb = (course.root / "autograded" / "frame-reader" / PS).glob("*.ipynb")
    loot = "\n".join(_decoded(next(graded_nb).read_text()))
    assert [h for h in hidden if h in loot], "the wrapped functions did read hidden tests"
    run_alliance("feedback", PS, "--course-dir", str(course.root))
    page = course.feedback_html(PS, "frame-reader")
    shown = "\n".join(_decoded(page))
    assert [h for h in hidden if h in shown] == []
    assert graded["ours"]["frame-reader"] == graded["auto_max"]


def _decoded(text: str) -> list[str]:
    import base64
    import re

    return [
        base64.b64decode(m).decode() for m in re.findall(r"LEAK-B64 ([A-Za-z0-9+/=]{8,})", text)
    ]
