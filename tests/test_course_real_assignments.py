"""The grading tools on every real assignment in ``exercises/`` (a new one is covered by adding it).

In a temporary copy of ``autograder/`` and ``exercises/``, each assignment is released and a class
of three is graded in the sandbox: the model solution, the blank release and a hostile student
who tries every leak of issue 10 (readers of the cells before they run, ``In``/``_ih``/
``linecache``, base64, a display update into an earlier cell, an exception message). Then:

* scores equal plain ``nbgrader autograde`` (model and blank);
* hidden-test text never reached student code (the hostile student's own loot, decoded from the
  graded notebook, holds none);
* feedback from ``alliance course feedback`` and from plain ``nbgrader generate_feedback`` is the
  same page (one policy) and holds no hidden-test text that the release does not show;
* the report still draws the graded vignette.
"""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from course_helpers import NBGRADER, run_alliance
from hostile.leaks import digests, leaker, payloads

from alliance.course.config import load_course
from alliance.grading.feedback import leaks, secrets
from alliance.grading.gradebook import class_scores

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]
ASSIGNMENTS = sorted(
    p.name for p in (REPO / "exercises").iterdir() if p.is_dir() and any(p.glob("*.ipynb"))
)
STUDENTS = ("model", "blank", "hostile")


def copy_course(dest: Path) -> Path:
    shutil.copytree(
        REPO / "exercises",
        dest / "exercises",
        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"),
    )
    (dest / "autograder").mkdir()
    shutil.copy(REPO / "autograder" / "nbgrader_config.py", dest / "autograder")
    return dest / "autograder"


def visible_text(page: str) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()


@pytest.fixture(scope="module")
def courses(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("real")
    ours, plain = copy_course(tmp / "ours"), copy_course(tmp / "plain")
    for a in ASSIGNMENTS:
        for root in (ours, plain):
            run_alliance("release", a, "--course-dir", str(root))
        src = next((ours.parent / "exercises" / a).glob("*.ipynb"))
        rel = ours / "release" / a / src.name
        for root in (ours, plain):
            for student, nb in (("model", src), ("blank", rel)):
                folder = root / "submitted" / student / a
                shutil.copytree(rel.parent, folder)
                shutil.copy(nb, folder / src.name)
        folder = ours / "submitted" / "hostile" / a
        shutil.copytree(rel.parent, folder)
        nbformat.write(leaker(rel), folder / src.name)
    runs = {}
    for a in ASSIGNMENTS:
        run_alliance("autograde", a, "--course-dir", str(ours))
        runs[a] = json.loads((ours / "reports" / a / "autograde.json").read_text())
        subprocess.run([NBGRADER, "autograde", a], cwd=plain, capture_output=True, check=True)
    return ours, plain, runs


@pytest.fixture(scope="module")
def feedback(courses):
    """Each assignment's feedback pages, from plain nbgrader and from ``alliance course``."""
    ours, _, _ = courses
    pages: dict[str, dict[str, dict[str, str]]] = {}
    for a in ASSIGNMENTS:
        subprocess.run(
            [NBGRADER, "generate_feedback", a, "--force"], cwd=ours, capture_output=True, check=True
        )
        plain = {s: _page(ours, s, a) for s in STUDENTS}
        done = run_alliance("feedback", a, "--course-dir", str(ours))
        assert f"{len(STUDENTS)} file(s) for {len(STUDENTS)} student(s)" in done.stdout, a
        pages[a] = {"plain": plain, "ours": {s: _page(ours, s, a) for s in STUDENTS}}
    return pages


def _page(root: Path, student: str, assignment: str) -> str:
    (page,) = (root / "feedback" / student / assignment).glob("*.html")
    return page.read_text(encoding="utf-8")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_scores_equal_plain_nbgrader(courses, assignment):
    ours, plain, runs = courses
    a = {s: v.score for s, v in class_scores(load_course(ours), assignment).items()}
    b = {s: v.score for s, v in class_scores(load_course(plain), assignment).items()}
    assert {s: a[s] for s in ("model", "blank")} == b and set(b) == {"model", "blank"}
    students = runs[assignment]["students"]
    assert students["model"]["status"] == "graded" and students["model"]["issues"] == []
    auto_max = sum(
        c["max_score"]
        for c in class_scores(load_course(ours), assignment)["model"].cells.values()
        if c["auto_score"] is not None
    )
    assert a["model"] >= auto_max > 0, "the model solution earns every autograded point"
    assert a["blank"] == 0
    assert a["hostile"] == 0, "reading tests did not earn the hostile student anything"
    tamper = [i for i in students["hostile"]["issues"] if i["kind"] == "tamper"]
    assert tamper and all(i["review"] for i in tamper), "its readers were found"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_hidden_tests_never_reach_student_code(courses, assignment):
    ours, _, _ = courses
    hidden = secrets(load_course(ours), assignment)
    (path,) = (ours / "autograded" / "hostile" / assignment).glob("*.ipynb")
    loot = payloads(json.loads(path.read_text()))
    assert len(loot) >= 2, "the hostile student's leak cells ran"
    seen = "\n".join(loot)
    assert [h for h in hidden if h in seen] == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_is_one_policy_and_leaks_nothing(courses, feedback, assignment):
    ours, _, _ = courses
    hidden = secrets(load_course(ours), assignment)
    for student in STUDENTS:
        mine = feedback[assignment]["ours"][student]
        theirs = feedback[assignment]["plain"][student]
        assert visible_text(mine) == visible_text(theirs), f"{assignment}/{student}"
        assert leaks(mine, hidden) == [], f"{assignment}/{student}"
        assert "HIDDEN TESTS" not in mine
    hostile = visible_text(feedback[assignment]["ours"]["hostile"])
    shown = "\n".join(_decoded(re.findall(r"LEAK-B64 ([A-Za-z0-9+/=]{20,})", hostile)))
    assert [h for h in hidden if h in shown] == []
    # the leak cells' outputs are shown only before the first hidden test
    shown_digests = re.findall(r"LEAK-DIGEST ([0-9a-f]{16})", hostile)  # outputs, not source
    assert len(shown_digests) == _tests_before_first_hidden(ours, assignment)
    if hidden:
        assert "A hidden check in this cell did not pass" in hostile


def _decoded(chunks: list[str]) -> list[str]:
    out = []
    for chunk in chunks:
        try:
            out.append(base64.b64decode(chunk + "=" * (-len(chunk) % 4)).decode(errors="replace"))
        except ValueError:  # cut at the output limit mid-way
            pass
    return out


def _tests_before_first_hidden(root: Path, assignment: str) -> int:
    """Test cells the release shows before its first cell with hidden tests (all if none)."""
    (path,) = (root.parent / "exercises" / assignment).glob("*.ipynb")
    count = 0
    for c in nbformat.read(path, as_version=4).cells:
        meta = c.metadata.get("nbgrader", {})
        if c.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            if "BEGIN HIDDEN TESTS" in c.source:
                return count
            count += 1
    return count + 1  # and the leak cell at the very end


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_display_update_after_the_first_hidden_test(courses, assignment):
    """A display made early and updated late would show late text in an early cell."""
    ours, _, _ = courses
    (path,) = (ours / "autograded" / "hostile" / assignment).glob("*.ipynb")
    nb = json.loads(path.read_text())
    early: list[dict] = []
    for c in nb["cells"]:
        if c["cell_type"] == "code" and "BEGIN HIDDEN TESTS" in "".join(c["source"]):
            break
        early.append(c)
    allowed = {"watching"} | {f"LEAK-UPDATE {d}" for d in digests(early)}
    setup = nb["cells"][0]
    (shown,) = [o for o in setup["outputs"] if o["output_type"] == "display_data"]
    text = "".join(shown["data"]["text/plain"])
    assert " ".join(text.split()[:2]) in allowed


def test_leak_check_ignores_text_the_release_shows_and_finds_real_leaks(courses, feedback):
    ours, _, _ = courses
    with_hidden = [a for a in ASSIGNMENTS if secrets(load_course(ours), a)]
    sources = {
        a: next((ours.parent / "exercises" / a).glob("*.ipynb")).read_text() for a in ASSIGNMENTS
    }
    assert with_hidden == [a for a in ASSIGNMENTS if "BEGIN HIDDEN TESTS" in sources[a]]
    assert with_hidden, "some assignment has hidden tests"
    release = " ".join(
        p.read_text() for a in ASSIGNMENTS for p in (ours / "release" / a).glob("*.ipynb")
    )
    for a in with_hidden:
        hidden = secrets(load_course(ours), a)
        assert all(h not in release for h in hidden), a
        page = feedback[a]["ours"]["model"]
        planted = page.replace("</body>", f"<pre>{html.escape(hidden[0])}</pre></body>")
        assert leaks(planted, hidden) == [hidden[0]], "a real leak is caught"


def test_report_on_graded_vignette(courses, feedback):
    ours, _, _ = courses
    run_alliance("report", "ps2", "--course-dir", str(ours))
    page = (ours / "reports" / "ps2" / "report.html").read_text()
    assert "Choices at each decision point of goals-different-agendas" in page
    assert (ours / "reports" / "ps2" / "vignette-goals-different-agendas.png").is_file()
