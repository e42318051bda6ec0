"""The nbgrader assignments, graded for real in a temporary copy of the course.

One temporary course serves the whole module (nbgrader runs are the slow part): every assignment
is generated once, then a solution, a blank and a prepared partly correct submission per
assignment are autograded with the plain ``nbgrader`` command line and the course's own
``autograder/nbgrader_config.py``, and feedback is generated. The tests then read the gradebook,
the release copies and the feedback HTML. Expected partial scores are declared cell by cell next
to the partial answers that earn them; for the graded vignettes they are derived from the engine's
replay of the chosen path at test time.
"""

from __future__ import annotations

import html
import re
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbgrader_harness import Course, fill_answers, make_temp_course, solutions_of, validate

from alliance.exercises.feedback import HideHiddenTestOutput
from alliance.exercises.paths import vignette_paths
from alliance.vignettes import replay_code

pytestmark = pytest.mark.slow

ASSIGNMENTS = ["ps1", "ps2", "ps3", "ps4", "ps5"]
HIDDEN = ["ps1", "ps3", "ps4", "ps5"]  # assignments with hidden tests
VIGNETTES = {
    "ps2": ("ps2", "goals-different-agendas", ["strengthened", "repaired"], "strengthened"),
    "ps4": ("ps4-c", "confrontation-homework", ["repaired", "partially-repaired"], "repaired"),
}

# --------------------------------------------------------------------------- partial answers
PS1_LABELS = """
response_types = {
    1: "simple-reflection",
    2: "complex-reflection",
    3: "closed-question",
    4: "open-question",
    5: "affirmation",
    6: "advice",
    7: "reassurance",
    8: "minimising",
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
PS5_CHOICES = """
repair_choice = {"A": "give-rationale", "B": "metacommunication",
                 "C": "clarify-misunderstanding", "D": "change-task-or-goal"}
"""

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
        "ps4-a-results-mei": 0,
        "ps4-b-test-1": 1,
        "ps4-b-test-2": 1,
        "ps4-b-test-3": 0,
    },
    "ps5": {"ps5-a-test-a": 1, "ps5-a-test-b": 0, "ps5-a-test-c": 1, "ps5-a-test-d": 0},
}


# Messages the partial submission's feedback must show (visible tests' own words).
PARTIAL_MESSAGES = {
    "ps1": ["A hidden check in this cell did not pass"],
    "ps3": ["The figure needs a title (ax.set_title)"],
    "ps4": ["A hidden check in this cell did not pass"],
    "ps5": ["A hidden check in this cell did not pass"],
}


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
    elif ps == "ps3":
        funcs = PS3_FUNCS
        answers["ps3-a-functions"] = funcs
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
    if ps in VIGNETTES:
        prefix, vid, good, best = VIGNETTES[ps]
        other = "unresolved" if ps == "ps2" else "partially-repaired"
        code = _pick_path(vid, other).code
        answers[f"{prefix}-path-code"] = f'PATH_CODE = "{code}"\n'
        for test, pts in vignette_points(code, vid, good, best).items():
            expected[f"{prefix}-test-{test}"] = pts
    return answers, expected


# --------------------------------------------------------------------------- the graded course
class Graded:
    def __init__(self, course: Course) -> None:
        self.course = course
        self.expected: dict[str, dict[str, int]] = {}
        self.unfinished_code: dict[str, str] = {}


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Graded:
    course = make_temp_course(tmp_path_factory.mktemp("course"))
    g = Graded(course)
    for ps in ASSIGNMENTS:
        course.generate_assignment(ps)
        source = course.source_notebook(ps)
        release = course.release_notebook(ps)
        solutions = solutions_of(source)
        course.submit("solution", ps, source)
        course.submit("blank", ps, release)
        answers, g.expected[ps] = partial_answers(ps, solutions)
        course.submit("partial", ps, fill_answers(release, answers))
        if ps in VIGNETTES:
            # a path that stops before any ending
            prefix, vid, *_ = VIGNETTES[ps]
            first = vignette_paths(vid)[0]
            code = first.code.rsplit("-", 1)[0] if "-" in first.code.split(":")[1] else first.code
            g.unfinished_code[ps] = code
            course.submit(
                "unfinished",
                ps,
                fill_answers(
                    release, {**solutions, f"{prefix}-path-code": f'PATH_CODE = "{code}"'}
                ),
            )
        if ps == "ps4":
            # hands the work to the course's reference implementation
            course.submit(
                "delegator",
                ps,
                fill_answers(release, {**solutions, "ps4-a-functions": PS4_DELEGATE}),
            )
        if ps == "ps1":
            # correct answers, but the student deleted a hidden-test cell
            nb = fill_answers(release, solutions)
            nb.cells = [
                c
                for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") != "ps1-b-ratio-hidden"
            ]
            course.submit("deleter", ps, nb)
        course.autograde(ps)
        course.generate_feedback(ps)
    return g


def _auto(scores: dict) -> dict:
    return {k: v for k, v in scores.items() if not _is_manual(k, v)}


def _is_manual(grade_id: str, score) -> bool:
    return score.needs_manual_grade or grade_id.endswith(
        (
            "-reflections",
            "-interpretation",
            "-reasons",
            "-metacommunication",
            "-empathy",
            "-rapport",
            "-poor-alliance",
            "-b-reflection",
        )
    )


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
    release = graded.course.release_notebook(ps)
    text = "\n".join(c.source for c in nbformat.read(release, as_version=4).cells)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text, f"{ps} release contains {marker!r}"
    distinctive, _ = _regions(graded.course.source_notebook(ps))
    assert len(distinctive) >= 5, "the leak check needs distinctive lines to look for"
    release_lines = {line.strip() for line in text.splitlines()}
    leaked = [line for line in distinctive if line in release_lines]
    assert not leaked, f"{ps} release leaks: {leaked[:5]}"
    # the written answers' model text must not survive even inside a longer line
    assert not [line for line in distinctive if len(line) >= 40 and line in text]
    assert "YOUR CODE HERE" in text or "YOUR ANSWER HERE" in text


# --------------------------------------------------------------------------- autograding
@pytest.mark.parametrize("ps", ASSIGNMENTS)
def test_solution_gets_full_marks(graded, ps):
    scores = _auto(graded.course.scores(ps, "solution"))
    assert scores
    short = {k: (v.score, v.max_score) for k, v in scores.items() if v.score != v.max_score}
    assert not short, f"{ps}: the solution loses points on {short}"


@pytest.mark.parametrize("ps", ASSIGNMENTS)
def test_blank_gets_zero(graded, ps):
    scores = graded.course.scores(ps, "blank")
    earned = {k: v.score for k, v in scores.items() if v.score}
    assert not earned, f"{ps}: the blank notebook earns {earned}"


@pytest.mark.parametrize("ps", ASSIGNMENTS)
def test_partial_submission_gets_expected_points(graded, ps):
    scores = _auto(graded.course.scores(ps, "partial"))
    expected = graded.expected[ps]
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


@pytest.mark.parametrize("ps", sorted(VIGNETTES))
def test_unfinished_vignette_path_gets_only_the_validity_point(graded, ps):
    prefix, vid, good, best = VIGNETTES[ps]
    code = graded.unfinished_code[ps]
    assert replay_code(code).outcome is None
    scores = graded.course.scores(ps, "unfinished")
    got = {k: v.score for k, v in scores.items() if k.startswith(f"{prefix}-test-")}
    assert got == {
        f"{prefix}-test-{k}": v for k, v in vignette_points(code, vid, good, best).items()
    }
    assert sum(got.values()) == 1


def test_delegating_to_the_course_implementation_earns_nothing(graded):
    """Calling alliance.measures.detect_ruptures instead of writing the rule scores 0 in part A."""
    scores = _auto(graded.course.scores("ps4", "delegator"))
    part_a = {k: v.score for k, v in scores.items() if k.startswith("ps4-a-")}
    assert len(part_a) == 7 and not any(part_a.values()), part_a
    rest = {k: (v.score, v.max_score) for k, v in scores.items() if not k.startswith("ps4-a-")}
    assert all(score == top for score, top in rest.values()), rest
    page = _visible_text(graded.course.feedback_html("ps4", "delegator"))
    assert "the course's own implementation" in page


def test_deleted_hidden_test_cell_is_restored_and_graded(graded):
    scores = graded.course.scores("ps1", "deleter")
    cell = scores["ps1-b-ratio-hidden"]
    assert not cell.needs_manual_grade and cell.score == cell.max_score == 2
    assert sum(v.score for v in _auto(scores).values()) == 13


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


@pytest.mark.parametrize("ps", HIDDEN)
@pytest.mark.parametrize("student", ["partial", "blank"])
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
    assert elapsed < 30, f"{ps} took {elapsed:.1f} s"
