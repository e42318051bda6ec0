"""The instructor tools on the course's real assignments (ps2: graded vignette; ps3: a data
file and a plot), in a temporary copy of ``autograder/`` and ``exercises/``: release, autograde
in the sandbox, compare with plain ``nbgrader autograde``, feedback and report."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from course_helpers import NBGRADER, run_alliance

from alliance.course.config import load_course
from alliance.course.gradebook import class_scores

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]
ASSIGNMENTS = ["ps2", "ps3"]


def copy_course(dest: Path) -> Path:
    shutil.copytree(
        REPO / "exercises",
        dest / "exercises",
        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"),
    )
    (dest / "autograder").mkdir()
    shutil.copy(REPO / "autograder" / "nbgrader_config.py", dest / "autograder")
    return dest / "autograder"


@pytest.fixture(scope="module")
def courses(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("real")
    ours, plain = copy_course(tmp / "ours"), copy_course(tmp / "plain")
    for root in (ours, plain):
        for a in ASSIGNMENTS:
            run_alliance("release", a, "--course-dir", str(root))
            src = next((root.parent / "exercises" / a).glob("*.ipynb"))
            rel = root / "release" / a / src.name
            for student, nb in (("model", src), ("blank", rel)):
                folder = root / "submitted" / student / a
                shutil.copytree(rel.parent, folder)
                shutil.copy(nb, folder / src.name)
    results = {}
    for a in ASSIGNMENTS:
        run_alliance("autograde", a, "--course-dir", str(ours))
        results[a] = json.loads((ours / "reports" / a / "autograde.json").read_text())
        subprocess.run([NBGRADER, "autograde", a], cwd=plain, capture_output=True, check=True)
    return ours, plain, results


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_scores_equal_plain_nbgrader(courses, assignment):
    ours, plain, results = courses
    a = {s: v.score for s, v in class_scores(load_course(ours), assignment).items()}
    b = {s: v.score for s, v in class_scores(load_course(plain), assignment).items()}
    assert a == b and set(a) == {"model", "blank"}
    students = results[assignment]["students"]
    assert students["model"]["status"] == "graded" and students["model"]["issues"] == []
    auto_max = sum(
        c["max_score"]
        for c in class_scores(load_course(ours), assignment)["model"].cells.values()
        if c["auto_score"] is not None
    )
    assert a["model"] >= auto_max > 0, "the model solution earns every autograded point"
    assert a["blank"] == 0


def test_feedback_and_report_on_graded_vignette(courses):
    ours, _, _ = courses
    run_alliance("feedback", "ps2", "--course-dir", str(ours))
    run_alliance("report", "ps2", "--course-dir", str(ours))
    html = (ours / "reports" / "ps2" / "report.html").read_text()
    assert "Choices at each decision point of goals-different-agendas" in html
    assert (ours / "reports" / "ps2" / "vignette-goals-different-agendas.png").is_file()
