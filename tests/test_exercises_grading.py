"""Every nbgrader assignment, graded for real: by plain nbgrader and by ``alliance course``.

Two temporary courses serve the whole module (grading is the slow part). For every assignment
folder in ``exercises/`` the same submissions — the solution, the blank release, a prepared partly
correct notebook, and an always-equal cheat — are autograded once with the plain ``nbgrader``
command line and the course's own ``autograder/nbgrader_config.py`` (course A, which also makes
feedback), and once with ``alliance course autograde`` in its sandbox (course B). The tests read
the gradebooks, the release copies, the feedback and what nbgrader's Validate shows. Expected
partial scores are declared cell by cell next to the partial answers that earn them; for the
graded vignettes they are derived from the engine's replay of the chosen path at test time.
"""

from __future__ import annotations

import ast
import html
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from alliance.exercises.feedback import HideHiddenTestOutput
from alliance.exercises.testing import (
    Course,
    fill_answers,
    make_temp_course,
    solutions_of,
    validate,
)
from alliance.vignettes import replay_code

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "exercise_sources"))
from vignette_grading import vignette_paths  # noqa: E402  (the generator's own path enumerator)

pytestmark = pytest.mark.slow

ASSIGNMENTS = sorted(p.name for p in (ROOT / "exercises").iterdir() if p.is_dir())
VIGNETTES = {
    "ps2": ("ps2", "goals-different-agendas", ["strengthened", "repaired"], "strengthened"),
    "ps4": ("ps4-c", "confrontation-homework", ["repaired", "partially-repaired"], "repaired"),
}
STUDENTS = ["solution", "blank", "partial", "alwaysequal"]

# --------------------------------------------------------------------------- partial answers
PS1_LABELS = """
response_types = {
    1: "closed-question",
    2: "minimising",
    3: "simple-reflection",
    4: "advice",
    5: "open-question",
    6: "complex-reflection",
    7: "affirmation",
    8: "reassurance",
}
"""
PS1_FUNCS = """
def reflection_question_ratio(codes):
    reflections = sum(c in ("simple-reflection", "complex-reflection") for c in codes)
    questions = sum(c in ("open-question", "closed-question") for c in codes)
    return reflections / questions if questions else 0.0   # should be None


def complex_reflection_share(codes):
    refl = [c for c in codes if c in ("simple-reflection", "complex-reflection")]
    return refl.count("complex-reflection") / len(refl) if refl else None


def miti_band(value, fair, good):
    if value is None:
        return "not computable"
    if value > good:            # should be >=
        return "good"
    if value > fair:
        return "fair"
    return "below fair"
"""
PS1_LEVELS = 'validation_levels = {"A": 4, "B": 2, "C": 6, "D": 5, "E": 3, "F": 1}\n'
PS3_FUNCS = """
def key_item(item_id, answer):
    if ITEMS[item_id]["reverse"]:
        return SCALE_MIN + SCALE_MAX - answer
    return answer


def score_session(responses):
    # forgets the missing-item rule (no prorating) and the data checks
    scores = {}
    for sub in SUBSCALES:
        ids = [i for i, item in ITEMS.items() if item["subscale"] == sub]
        if any(responses.get(i) is None for i in ids):
            scores[sub] = None
        else:
            scores[sub] = sum(key_item(i, responses[i]) for i in ids)
    parts = [scores[s] for s in SUBSCALES]
    scores["total"] = None if None in parts else sum(parts)
    return scores
"""
PS4_MARKERS = """
marker_types = {1: "withdrawal", 2: "confrontation", 3: "withdrawal", 4: "confrontation",
                5: "confrontation", 6: "confrontation"}
"""
PS4_DELEGATE = """
from alliance.measures import detect_ruptures as _rule


def find_ruptures(scores, k, window=3):
    return [(e.pre_session, e.low_session, e.status) for e in _rule(scores, k, window)]


RESULTS = {n: {"1 SD": find_ruptures(s, 1), "2 SD": find_ruptures(s, 2)} for n, s in SERIES.items()}
"""
PS4_DELEGATE_INSIDE = """
def find_ruptures(scores, k, window=3):
    from alliance.measures.ruptures import detect_ruptures

    return [(e.pre_session, e.low_session, e.status) for e in detect_ruptures(scores, k, window)]


RESULTS = {n: {"1 SD": find_ruptures(s, 1), "2 SD": find_ruptures(s, 2)} for n, s in SERIES.items()}
"""
PS5_CHOICES = """
repair_choice = {"A": "give-rationale", "B": "metacommunication",
                 "C": "clarify-misunderstanding", "D": "change-task-or-goal"}
"""
PS5_RESOLUTION = 'resolution = {"withdrawal": [5, 1, 3], "confrontation": [6, 2, 4]}\n'
PS6_ANSWERS = {
    # b and d swapped: the groups (a, d) and (b, g) fail, (c, e, f) passes
    "ps6-a1-answers": "evidence_for = {'a': 1, 'b': 4, 'c': 3, 'd': 2, 'e': 5, 'f': 1, 'g': 3}",
    # 2 and 3 swapped: the group 1-4 fails, 5-8 passes
    "ps6-b1-answers": (
        "rogers = {1: 'therapist-condition', 2: 'not-rogers', 3: 'other-condition', "
        "4: 'therapist-condition', 5: 'other-condition', 6: 'not-rogers', "
        "7: 'therapist-condition', 8: 'other-condition'}"
    ),
    # 7 (claimed understanding) taken for congruence: the group (7, 8) fails
    "ps6-b2-answers": (
        "qualities = {1: 'congruence', 2: 'positive-regard', 3: 'warmth', 4: 'none', "
        "5: 'congruence', 6: 'positive-regard', 7: 'congruence', 8: 'warmth'}"
    ),
    # the two short forms swapped: the group (1, 3, 5) fails
    "ps6-c1-answers": "measures = {1: 'WAI', 2: 'SRS', 3: 'WAI-S', 4: 'ORS', 5: 'WAI-SR'}",
}

# Points each test cell should give the partial submission (vignette cells are added at runtime).
PARTIAL_EXPECTED = {
    "ps1": {
        "ps1-a-test-1": 1,
        "ps1-a-test-2": 0,
        "ps1-a-test-3": 1,
        "ps1-a-test-4": 1,
        "ps1-b-ratio-visible": 1,
        "ps1-b-ratio-hidden": 0,
        "ps1-b-share-visible": 1,
        "ps1-b-share-hidden": 1,
        "ps1-b-band-visible": 1,
        "ps1-b-band-hidden": 0,
        "ps1-b-session-test": 2,
        "ps1-d-test-1": 1,
        "ps1-d-test-2": 0,
        "ps1-d-test-3": 1,
    },
    "ps2": {},
    "ps3": {
        "ps3-a-key-visible": 1,
        "ps3-a-key-hidden": 1,
        "ps3-a-score-visible": 1,
        "ps3-a-score-reverse-hidden": 2,
        "ps3-a-score-missing-hidden": 0,
        "ps3-a-score-too-many-missing-hidden": 1,
        "ps3-a-score-invalid-hidden": 0,
        "ps3-b-caseload-visible": 1,
        "ps3-b-caseload-hidden": 0,
        "ps3-b-flag-caseload-hidden": 0,
        "ps3-b-flag-edge-hidden": 1,
        "ps3-c-plot-visible": 0,
        "ps3-c-plot-hidden": 0,
    },
    "ps4": {
        "ps4-a-example-visible": 1,
        "ps4-a-edge-visible": 1,
        "ps4-a-status-hidden": 0,
        "ps4-a-window-hidden": 1,
        "ps4-a-results-rosa": 1,
        "ps4-a-results-dev": 1,
        "ps4-a-results-hana": 0,
        "ps4-b-test-1": 1,
        "ps4-b-test-2": 1,
        "ps4-b-test-3": 0,
    },
    "ps5": {
        "ps5-a-test-1": 1,
        "ps5-a-test-2": 0,
        "ps5-a-test-3": 1,
        "ps5-a-test-4": 0,
        "ps5-d-test-1": 1,
        "ps5-d-test-2": 0,
        "ps5-e-test-1": 1,
    },
    "ps6": {
        "ps6-a1-test-1": 0,
        "ps6-a1-test-2": 0,
        "ps6-a1-test-3": 1,
        "ps6-a2-test-1": 1,
        "ps6-a2-test-2": 1,
        "ps6-b1-test-1": 0,
        "ps6-b1-test-2": 1,
        "ps6-b2-test-1": 1,
        "ps6-b2-test-2": 1,
        "ps6-b2-test-3": 1,
        "ps6-b2-test-4": 0,
        "ps6-b3-test-1": 1,
        "ps6-c1-test-1": 1,
        "ps6-c1-test-2": 0,
        "ps6-d1-test-1": 1,
        "ps6-d1-test-2": 1,
    },
}

# What the partial submission's feedback must show: each failing check's key hint (the first line
# of its message) or, for hidden tests, the neutral message.
PARTIAL_MESSAGES = {
    "ps1": [
        "A hidden check in this cell did not pass",
        "1 and 5: could it be answered with one word or fact?",
        "D and A: does it rest on his history, or on the moment?",
    ],
    "ps3": ["The figure needs a title (ax.set_title)."],
    "ps4": ["A hidden check in this cell did not pass", "5 and 6: Is the client moving away"],
    "ps5": [
        "B: Ingrid knows the exercise and tried it: what does that say?",
        "Confrontation: anger, then hurt, then the wish to be cared for.",
    ],
    "ps6": [
        "a and d: the alliance and outcome, or what strains it?",
        "1, 3 and 5: count the items and the scale points.",
    ],
}
assert set(PARTIAL_EXPECTED) == set(ASSIGNMENTS), "declare the partial scores of every assignment"


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, f"partial answer: {old!r} not found in the solution"
    return text.replace(old, new)


def _pick_path(vignette_id: str, outcome: str):
    """A finished path to ``outcome`` whose trajectory ends at or above baseline, if any."""
    paths = [p for p in vignette_paths(vignette_id) if p.outcome == outcome]
    assert paths, f"{vignette_id}: no path reaches {outcome!r}"
    ok = [p for p in paths if all(v[-1] >= v[0] for v in p.trajectory.values())]
    return (ok or paths)[0]


def vignette_points(code: str, vignette_id: str, good: list[str], best: str) -> dict[str, int]:
    """What the five replay tests award ``code``, by the rules the notebook states."""
    try:
        play = replay_code(code)
    except Exception:
        return {"valid": 0, "ending": 0, "good-ending": 0, "best-ending": 0, "trajectory": 0}
    valid = int(play.vignette_id == vignette_id)
    ended = int(valid and play.outcome is not None)
    return {
        "valid": valid,
        "ending": ended,
        "good-ending": int(ended and play.outcome in good),
        "best-ending": int(ended and play.outcome == best),
        "trajectory": int(ended and all(v[-1] >= v[0] for v in play.trajectory.values())),
    }


def partial_answers(ps: str, solutions: dict[str, str]) -> tuple[dict[str, str], dict]:
    """The partly correct answers for ``ps`` and the points each test cell should give them."""
    answers = dict(solutions)
    expected = dict(PARTIAL_EXPECTED[ps])
    if ps == "ps1":
        answers["ps1-a-labels"] = PS1_LABELS
        answers["ps1-b-functions"] = PS1_FUNCS
        answers["ps1-d-levels"] = PS1_LEVELS
    elif ps == "ps3":
        answers["ps3-a-functions"] = PS3_FUNCS
        answers["ps3-c-plot"] = _replace(
            solutions["ps3-c-plot"],
            '    ax.set_title(f"Client {client}: Illustrative Alliance Check by session")\n',
            "",
        )
    elif ps == "ps4":
        answers["ps4-a-functions"] = _replace(
            solutions["ps4-a-functions"],
            '        elif t + 1 + window >= len(scores):\n            status = "censored"\n',
            "",
        )
        answers["ps4-b-markers"] = PS4_MARKERS
    elif ps == "ps5":
        answers["ps5-a-choices"] = PS5_CHOICES
        answers["ps5-d-resolution"] = PS5_RESOLUTION
    elif ps == "ps6":
        answers.update(PS6_ANSWERS)
    if ps in VIGNETTES:
        prefix, vid, good, best = VIGNETTES[ps]
        other = "unresolved" if ps == "ps2" else "partially-repaired"
        code = _pick_path(vid, other).code
        answers[f"{prefix}-path-code"] = f'PATH_CODE = "{code}"\n'
        for test, pts in vignette_points(code, vid, good, best).items():
            expected[f"{prefix}-test-{test}"] = pts
    return answers, expected


ALWAYS_EQUAL = '''
class _Yes(str):
    """Equal to everything, smaller and larger than everything (the cheat of issue 10)."""

    __hash__ = str.__hash__

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __lt__ = __le__ = __gt__ = __ge__ = __contains__ = __eq__

    def startswith(self, *args):
        return True

    def __sub__(self, other):
        return 0.0

    __rsub__ = __sub__

    def __abs__(self):
        return 0.0

'''


def always_equal(code: str) -> str:
    """The answer ``code`` rewritten so every name it defines is an always-equal object.

    Functions return one; variables become one (a dict of them when the answer is a dict, so the
    label checks see the right keys with cheating values). Imports are kept.
    """
    out = [ALWAYS_EQUAL]
    for node in ast.parse(code).body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            out.append(ast.unparse(node))
        elif isinstance(node, ast.FunctionDef):
            out.append(f"def {node.name}(*args, **kwargs):\n    return _Yes('x')\n")
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(node.value, ast.Dict):
                    keys = ", ".join(f"{ast.unparse(k)}: _Yes('x')" for k in node.value.keys)
                    out.append(f"{ast.unparse(target)} = {{{keys}}}")
                else:
                    out.append(f"{ast.unparse(target)} = _Yes('x')")
    return "\n".join(out) + "\n"


def submissions(ps: str, course: Course) -> tuple[dict[str, object], dict[str, int]]:
    """Every student's notebook for ``ps`` (from ``course``'s release) and the partial's points."""
    source, release = course.source_notebook(ps), course.release_notebook(ps)
    solutions = solutions_of(source)
    answers, expected = partial_answers(ps, solutions)
    code_cells = {
        _gid(c)
        for c in nbformat.read(source, as_version=4).cells
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
    }
    code = {gid: always_equal(text) for gid, text in solutions.items() if gid in code_cells}
    notebooks: dict[str, object] = {
        "solution": source,
        "blank": release,
        "partial": fill_answers(release, answers),
        "alwaysequal": fill_answers(release, code),
    }
    if ps in VIGNETTES:
        # a path that stops before any ending
        prefix, vid, *_ = VIGNETTES[ps]
        first = vignette_paths(vid)[0]
        unfinished = first.code.rsplit("-", 1)[0] if "-" in first.code.split(":")[1] else first.code
        notebooks["unfinished"] = fill_answers(
            release, {**solutions, f"{prefix}-path-code": f'PATH_CODE = "{unfinished}"'}
        )
    if ps == "ps4":
        # hands the work to the course's reference implementation, at the top or inside
        for name, delegate in (("delegator", PS4_DELEGATE), ("inside", PS4_DELEGATE_INSIDE)):
            notebooks[name] = fill_answers(release, {**solutions, "ps4-a-functions": delegate})
    if ps == "ps1":
        # correct answers, but the student deleted a hidden-test cell
        nb = fill_answers(release, solutions)
        nb.cells = [
            c
            for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade_id") != "ps1-b-ratio-hidden"
        ]
        notebooks["deleter"] = nb
    return notebooks, expected


# --------------------------------------------------------------------------- the graded courses
class Graded:
    def __init__(self, plain: Course, ours: Course) -> None:
        self.course = plain  # graded by plain nbgrader, with feedback
        self.ours = ours  # graded by `alliance course autograde`
        self.expected: dict[str, dict[str, int]] = {}
        self.notebooks: dict[str, dict[str, object]] = {}

    def unfinished_code(self, ps: str) -> str:
        nb = self.notebooks[ps]["unfinished"]
        prefix = VIGNETTES[ps][0]
        cell = next(c for c in nb.cells if _gid(c) == f"{prefix}-path-code")
        return cell.source.split('"')[1]


def _gid(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _alliance(*args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "alliance.cli", "course", *args],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, f"alliance course {' '.join(args)}:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Graded:
    plain = make_temp_course(tmp_path_factory.mktemp("plain"))
    ours = make_temp_course(tmp_path_factory.mktemp("ours"))
    g = Graded(plain, ours)
    for ps in ASSIGNMENTS:
        plain.generate_assignment(ps)
        _alliance("release", ps, "--course-dir", str(ours.root))
        g.notebooks[ps], g.expected[ps] = submissions(ps, plain)
        for student, nb in g.notebooks[ps].items():
            plain.submit(student, ps, nb)
            ours.submit(student, ps, nb)
        plain.autograde(ps)
        plain.generate_feedback(ps)
        _alliance("autograde", ps, "--course-dir", str(ours.root))
    return g


def _auto(scores: dict) -> dict:
    return {k: v for k, v in scores.items() if not v.needs_manual_grade}


def _manual_ids(ps: str, course: Course) -> set[str]:
    nb = nbformat.read(course.source_notebook(ps), as_version=4)
    return {
        _gid(c)
        for c in nb.cells
        if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade")
    }


# --------------------------------------------------------------------------- release copies
def _regions(source: Path) -> tuple[set[str], set[str]]:
    """Distinctive lines of solutions / hidden tests / model answers, and all other lines."""
    nb = nbformat.read(source, as_version=4)
    secret, public = set(), set()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "markdown":
            secret.update(line.strip() for line in cell.source.splitlines())
            continue
        inside = False
        for line in cell.source.splitlines():
            if "BEGIN SOLUTION" in line or "BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "END SOLUTION" in line or "END HIDDEN TESTS" in line:
                inside = False
            else:
                (secret if inside else public).add(line.strip())
    distinctive = {s for s in secret - public if len(s) >= 12}
    return distinctive, public


@pytest.mark.parametrize("ps", ASSIGNMENTS)
def test_release_has_no_solutions_or_hidden_tests(graded, ps):
    for course in (graded.course, graded.ours):
        release = course.release_notebook(ps)
        text = "\n".join(c.source for c in nbformat.read(release, as_version=4).cells)
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            assert marker not in text, f"{ps} release contains {marker!r}"
        distinctive, _ = _regions(course.source_notebook(ps))
        assert len(distinctive) >= 5, "the leak check needs distinctive lines to look for"
        release_lines = {line.strip() for line in text.splitlines()}
        leaked = [line for line in distinctive if line in release_lines]
        assert not leaked, f"{ps} release leaks: {leaked[:5]}"
        # the written answers' model text must not survive even inside a longer line
        assert not [line for line in distinctive if len(line) >= 40 and line in text]
        assert "YOUR CODE HERE" in text or "YOUR ANSWER HERE" in text


# --------------------------------------------------------------------------- autograding
def _both(graded: Graded, ps: str, student: str) -> list[dict]:
    return [course.scores(ps, student) for course in (graded.course, graded.ours)]


@pytest.mark.parametrize("ps", ASSIGNMENTS)
def test_solution_gets_full_marks(graded, ps):
    for scores in _both(graded, ps, "solution"):
        scores = _auto(scores)
        assert set(scores) >= set(graded.expected[ps])
        short = {k: (v.score, v.max_score) for k, v in scores.items() if v.score != v.max_score}
        assert not short, f"{ps}: the solution loses points on {short}"


@pytest.mark.parametrize("ps", ASSIGNMENTS)
def test_blank_gets_zero(graded, ps):
    for scores in _both(graded, ps, "blank"):
        earned = {k: v.score for k, v in scores.items() if v.score}
        assert not earned, f"{ps}: the blank notebook earns {earned}"


@pytest.mark.parametrize("ps", ASSIGNMENTS)
def test_always_equal_objects_earn_nothing(graded, ps):
    """Issue 10.2: answers that are objects equal to everything fail every test cell."""
    for scores in _both(graded, ps, "alwaysequal"):
        auto = _auto(scores)
        assert auto
        earned = {k: v.score for k, v in auto.items() if v.score}
        assert not earned, f"{ps}: always-equal objects earn {earned}"


@pytest.mark.parametrize("ps", ASSIGNMENTS)
def test_partial_submission_gets_expected_points(graded, ps):
    expected = graded.expected[ps]
    for scores in _both(graded, ps, "partial"):
        scores = _auto(scores)
        assert set(scores) == set(expected), f"{ps}: declare every autograded cell"
        got = {k: v.score for k, v in scores.items()}
        assert got == expected
        total = sum(expected.values())
        assert 0 < total < sum(v.max_score for v in scores.values()), "partial means partial"
    # the partial answers fail for the intended reasons, not by crashing
    page = _visible_text(graded.course.feedback_html(ps, "partial"))
    assert "SyntaxError" not in page and "IndentationError" not in page
    for message in PARTIAL_MESSAGES.get(ps, []):
        assert message in page, f"{ps}: expected the feedback to say {message!r}"


@pytest.mark.parametrize("ps", ASSIGNMENTS)
def test_alliance_autograde_equals_plain_nbgrader(graded, ps):
    """Every student, every cell: the sandboxed grader gives what plain nbgrader gives."""
    for student in graded.notebooks[ps]:
        plain, ours = _both(graded, ps, student)
        assert {k: v.score for k, v in ours.items()} == {k: v.score for k, v in plain.items()}, (
            f"{ps}/{student}"
        )
        manual = {k for k, v in plain.items() if v.needs_manual_grade}
        assert manual == {k for k, v in ours.items() if v.needs_manual_grade}
    assert _manual_ids(ps, graded.course) <= set(graded.course.scores(ps, "solution"))


@pytest.mark.parametrize("ps", sorted(VIGNETTES))
def test_unfinished_vignette_path_gets_only_the_validity_point(graded, ps):
    prefix, vid, good, best = VIGNETTES[ps]
    code = graded.unfinished_code(ps)
    assert replay_code(code).outcome is None
    for scores in _both(graded, ps, "unfinished"):
        got = {k: v.score for k, v in scores.items() if k.startswith(f"{prefix}-test-")}
        assert got == {
            f"{prefix}-test-{k}": v for k, v in vignette_points(code, vid, good, best).items()
        }
        assert sum(got.values()) == 1


@pytest.mark.parametrize("student", ["delegator", "inside"])
def test_delegating_to_the_course_implementation_earns_nothing(graded, student):
    """Calling alliance.measures' rupture rule instead of writing it scores 0 in part A, whether
    it is imported at the top of the cell or inside the function."""
    for scores in _both(graded, "ps4", student):
        scores = _auto(scores)
        part_a = {k: v.score for k, v in scores.items() if k.startswith("ps4-a-")}
        assert len(part_a) == 7 and not any(part_a.values()), part_a
        rest = {k: (v.score, v.max_score) for k, v in scores.items() if not k.startswith("ps4-a-")}
        assert all(score == top for score, top in rest.values()), rest
    page = _visible_text(graded.course.feedback_html("ps4", student))
    assert "the course's own implementation" in page


def test_deleted_hidden_test_cell_is_restored_and_graded(graded):
    for scores in _both(graded, "ps1", "deleter"):
        cell = scores["ps1-b-ratio-hidden"]
        assert not cell.needs_manual_grade and cell.score == cell.max_score == 2
        assert sum(v.score for v in _auto(scores).values()) == 16


# --------------------------------------------------------------------------- feedback
def _visible_text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def _hidden_lines(ps: str, course: Course) -> set[str]:
    nb = nbformat.read(course.source_notebook(ps), as_version=4)
    release_text = "\n".join(
        c.source for c in nbformat.read(course.release_notebook(ps), as_version=4).cells
    )
    lines = set()
    for cell in nb.cells:
        if "BEGIN HIDDEN TESTS" not in cell.source:
            continue
        region = cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
        lines.update(s.strip() for s in region.splitlines() if len(s.strip()) >= 8)
    return {line for line in lines if line not in release_text}


HIDDEN = [
    ps
    for ps in ASSIGNMENTS
    if "BEGIN HIDDEN TESTS" in next((ROOT / "exercises" / ps).glob("*.ipynb")).read_text()
]


@pytest.mark.parametrize("ps", HIDDEN)
@pytest.mark.parametrize("student", ["partial", "blank", "alwaysequal"])
def test_feedback_has_no_hidden_tests(graded, ps, student):
    page = _visible_text(graded.course.feedback_html(ps, student))
    assert "HIDDEN TESTS" not in page
    hidden = _hidden_lines(ps, graded.course)
    assert len(hidden) >= 3
    leaked = [line for line in hidden if line in page]
    assert not leaked, f"{ps} feedback for {student} shows hidden test text: {leaked[:3]}"
    # and the student still learns that a hidden check failed, and what the cell covers
    if student == "partial":
        assert "A hidden check in this cell did not pass" in page
    assert "# Checks" in page


@pytest.mark.parametrize("ps", ASSIGNMENTS)
def test_feedback_never_shows_solutions(graded, ps):
    """No line of a solution, hidden test or model answer reaches the feedback of students who
    never wrote it (the visible label checks hold fingerprints, not answers)."""
    release = nbformat.read(graded.course.release_notebook(ps), as_version=4)
    public = "\n".join(c.source for c in release.cells)
    secret, _ = _regions(graded.course.source_notebook(ps))
    secret = {line for line in secret if len(line) >= 25 and line not in public}
    assert len(secret) >= 5
    for student in ("blank", "alwaysequal"):
        page = _visible_text(graded.course.feedback_html(ps, student))
        leaked = [line for line in secret if line in page]
        assert not leaked, f"{ps}: {student}'s feedback shows {leaked[:3]}"


def test_feedback_of_deleted_cell_has_no_hidden_tests(graded):
    page = _visible_text(graded.course.feedback_html("ps1", "deleter"))
    leaked = [line for line in _hidden_lines("ps1", graded.course) if line in page]
    assert not leaked


def test_without_the_scrubber_the_hidden_assert_would_leak(graded):
    """Why HideHiddenTestOutput exists: nbgrader's ClearHiddenTests alone leaks the assert."""
    from nbgrader.preprocessors import ClearHiddenTests

    path = graded.course.root / "autograded" / "partial" / "ps1" / "ps1-empathic-responding.ipynb"
    hidden = _hidden_lines("ps1", graded.course)

    def leaked_after(preprocessors) -> list[str]:
        nb = nbformat.read(path, as_version=4)
        for pp in preprocessors:
            nb, _ = pp.preprocess(nb, {})
        outputs = _visible_text(nbformat.writes(nb))
        sources = "\n".join(c.source for c in nb.cells)
        assert "BEGIN HIDDEN" not in sources
        return [line for line in hidden if line in outputs]

    assert leaked_after([ClearHiddenTests()]), "expected nbgrader alone to leak the assert"
    assert not leaked_after([HideHiddenTestOutput(), ClearHiddenTests()])


# --------------------------------------------------------------------------- validation
def _validated(graded: Graded, ps: str, student: str) -> dict:
    """What nbgrader's Validate says about one of the test students' notebooks."""
    nb = graded.notebooks[ps][student]
    if isinstance(nb, Path):
        return validate(nb)
    path = graded.course.root / "release" / ps / f"validate-{student}.ipynb"
    nbformat.write(nb, path)
    try:
        return validate(path)
    finally:
        path.unlink()


@pytest.mark.parametrize("ps", ASSIGNMENTS)
def test_validation_passes_on_solution_and_fails_on_blank(graded, ps):
    course = graded.course
    assert validate(course.source_notebook(ps)) == {}
    blank = validate(course.release_notebook(ps))
    assert blank.get("failed"), f"{ps}: validating the blank notebook should fail"
    # what a student who answered everything correctly sees when they press Validate
    filled = fill_answers(course.release_notebook(ps), solutions_of(course.source_notebook(ps)))
    path = course.root / "release" / ps / "filled-by-test.ipynb"
    nbformat.write(filled, path)
    try:
        assert validate(path) == {}
    finally:
        path.unlink()


ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: nbgrader's Validator prints each error line indented by 4 and cuts it at width - 3 = 87
VALIDATE_LINE = 87 - 4
EXCEPTION_LINE = re.compile(r"^[A-Za-z_.]*(Error|Exception)(: |$)")


@pytest.mark.parametrize("ps", ASSIGNMENTS)
def test_validate_flags_wrong_labels_and_shows_the_hint_whole(graded, ps):
    """Issue 12.3: Validate does not say "Success" when labels are wrong, and each failure's
    message (the hint first) fits the line width nbgrader's validate prints."""
    partial = _validated(graded, ps, "partial")
    failed = partial.get("failed", [])
    source = nbformat.read(graded.course.source_notebook(ps), as_version=4)
    label_cells = {_gid(c): c.source for c in source.cells if "check_fingerprint(" in c.source}
    wrong = [gid for gid, pts in graded.expected[ps].items() if gid in label_cells and pts == 0]
    flagged = {f["source"] for f in failed}
    for gid in wrong:
        first = label_cells[gid].splitlines()[0]
        assert any(first in s for s in flagged), f"{ps}: Validate passes wrong labels in {gid}"
    if label_cells:
        assert wrong, f"{ps}: the partial submission should get some labels wrong"
    for student in ("blank", "partial", "alwaysequal"):
        for failure in _validated(graded, ps, student).get("failed", []):
            lines = ANSI.sub("", failure["raw_error"]).splitlines()
            starts = [i for i, line in enumerate(lines) if EXCEPTION_LINE.match(line)]
            # nbgrader's own one-liners (an unanswered written cell) have no exception line
            message = lines[starts[-1] :] if starts else lines
            assert starts or lines == ["You did not provide a response."], lines
            too_long = [line for line in message if len(line) > VALIDATE_LINE]
            assert not too_long, f"{ps}/{student}: Validate would cut {too_long}"


# --------------------------------------------------------------------------- fresh kernel
@pytest.mark.parametrize("ps", ASSIGNMENTS)
def test_solution_runs_top_to_bottom_in_a_fresh_kernel(graded, ps):
    source = graded.course.source_notebook(ps)
    nb = nbformat.read(source, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(source.parent)}}
    ).execute()
    elapsed = time.perf_counter() - start
    errors = [
        out
        for c in nb.cells
        if c.cell_type == "code"
        for out in c.outputs
        if out.output_type == "error"
    ]
    assert not errors
    print(f"{ps}: {elapsed:.1f} s")  # speed is benchmarked in benchmarks/exercises_runtime.py
