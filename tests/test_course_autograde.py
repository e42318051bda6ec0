"""``alliance course autograde`` end to end on a small class of real, deliberately broken work.

One temporary course is graded once per module (real kernels, real bubblewrap); the tests then
read the results, the gradebook, the files and the student's outputs.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from alliance.grading.submission import tree_hashes
from course_helpers import (
    ASSIGNMENT,
    NBGRADER,
    cell,
    make_course,
    release_nb,
    run_alliance,
    scores_of,
    solved,
    submit,
    with_code,
)

pytestmark = pytest.mark.slow
# A file the sandbox must not be able to create: in the grader's home, which exists inside the
# sandbox (masked read-only) wherever the checkout lives. Not in the checkout itself: when the
# checkout sits under /tmp (as in a CI clone), its path exists inside the sandbox only as a folder
# of the sandbox's private, throw-away /tmp, so a write there lands nowhere real.
PROBE = Path.home() / f".alliance-sandbox-probe-{os.getpid()}.txt"


def _snoop_code(root: Path) -> str:
    targets = [
        root.parent / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
        root / "gradebook.db",
        root / "submitted" / "good" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
    ]
    return f"""
def tally(codes):
    counts = {{}}
    for code in codes:
        counts[code] = counts.get(code, 0) + 1
    return counts
stolen = []
for p in {[str(t) for t in targets]!r}:
    try:
        stolen.append(open(p, "rb").read(40))
    except OSError as e:
        print("BLOCKED-READ", type(e).__name__)
for p in [{str(root / "hacked.txt")!r}, {str(PROBE)!r}]:
    try:
        open(p, "w").write("x")
    except OSError as e:
        print("BLOCKED-WRITE", type(e).__name__)
print("STOLEN", len(stolen))
"""


def build_class(root: Path) -> None:
    good = solved(root)
    tally_ok = "".join(cell(good, "tally")["source"])
    submit(root, "good", good)
    submit(root, "blank", release_nb(root))
    submit(root, "partial", with_code(good, "tally", "def tally(codes):\n    return {}"))
    submit(root, "badjson", '{"cells": [ this is not json')
    submit(root, "nonb", None)
    nb = copy.deepcopy(good)
    nb["cells"] = [
        c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") != "test_ratio"
    ]  # noqa: E501
    submit(root, "deltest", nb)
    nb = copy.deepcopy(good)
    cell(nb, "test_tally")["source"] = "assert True"
    submit(root, "edittest", with_code(nb, "tally", "def tally(codes):\n    return None"))
    submit(root, "loop", with_code(good, "tally", tally_ok + "\nwhile True:\n    pass"))
    submit(root, "memhog", with_code(good, "tally", tally_ok + "\nx = bytearray(6 * 1024**3)"))
    flood = tally_ok + "\nfor i in range(10**6):\n    print('spam' * 50)"
    submit(root, "flood", with_code(good, "tally", flood))
    submit(root, "die", with_code(good, "tally", "import os\nos._exit(1)"))
    submit(root, "snoop", with_code(good, "tally", _snoop_code(root)))
    # structure problems that make plain nbgrader crash (KeyError)
    stripped = copy.deepcopy(good)
    for c in stripped["cells"]:
        c["metadata"].pop("nbgrader", None)
    submit(root, "stripped", stripped)
    dup = copy.deepcopy(good)
    dup["cells"].append(copy.deepcopy(cell(good, "ratio")))
    submit(root, "dupid", dup)
    gone = copy.deepcopy(good)
    drop = ("ratio", "test_ratio")
    gone["cells"] = [
        c for c in gone["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") not in drop
    ]
    submit(root, "delanswer", gone)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("autograde")
    root = make_course(tmp / "course")
    build_class(root)
    # An untouched copy of the same class for plain nbgrader.
    plain = tmp / "plain"
    shutil.copytree(tmp / "course", plain)
    before = {p.parent.name: tree_hashes(p) for p in (root / "submitted").glob(f"*/{ASSIGNMENT}")}
    done = run_alliance(
        "autograde",
        ASSIGNMENT,
        "--jobs",
        "2",
        "--timeout",
        "5",
        "--memory",
        "1024",
        "--max-output",
        "256",
        "--course-dir",
        str(root),
        check=False,
    )
    results = json.loads((root / "reports" / ASSIGNMENT / "autograde.json").read_text())
    # Checked now: plain nbgrader (no sandbox) later runs the same snoop code and *can* write.
    escaped = [p for p in (root / "hacked.txt", PROBE) if p.exists()]
    for p in escaped:
        p.unlink()
    return {
        "escaped": escaped,
        "root": root,
        "plain": plain / "autograder",
        "done": done,
        "results": results,
        "before": before,
    }


def status(graded, student):
    return graded["results"]["students"][student]


def test_exit_code_and_summary_table(graded):
    done = graded["done"]
    assert done.returncode == 1, "errors among the students make the command exit 1"
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["Student", "Status", "Score", "Manual", "Issues"]
    assert any(line.startswith("good ") and "4/6" in line for line in lines)
    assert "15 submissions" in done.stdout
    assert "graded" in done.stderr and "15/15" in done.stderr, "progress bar on stderr"


def test_good_and_partial_scores(graded):
    assert status(graded, "good")["status"] == "graded"
    assert status(graded, "good")["score"] == 4.0  # 2 manual points still open
    assert status(graded, "good")["needs_manual_grade"] is True
    assert status(graded, "blank")["score"] == 0.0
    assert status(graded, "partial")["score"] == 3.0


def test_same_scores_as_plain_nbgrader(graded):
    plain = graded["plain"]
    # Unsandboxed, these would really read and write the course's files (snoop), allocate
    # gigabytes (memhog) or flood memory (flood): plain nbgrader does not get them.
    for s in ("snoop", "memhog", "flood", "die"):
        shutil.rmtree(plain / "submitted" / s)
    subprocess.run([NBGRADER, "autograde", ASSIGNMENT], cwd=plain, capture_output=True, timeout=600)
    ours, theirs = scores_of(graded["root"]), scores_of(plain)
    # memhog/flood/die/snoop behave differently without limits and sandbox, by design.
    for s in ("good", "blank", "partial", "badjson", "deltest", "edittest", "loop"):
        assert ours[s] == theirs[s], s
    assert "nonb" not in ours and "nonb" not in theirs


def test_broken_submissions_are_reported_per_student(graded):
    bad = status(graded, "badjson")
    assert bad["status"] == "error" and "not valid notebook JSON" in bad["issues"][0]
    assert status(graded, "nonb")["status"] == "missing"
    assert "missing notebook demo.ipynb" in status(graded, "nonb")["issues"]
    deleted = status(graded, "deltest")
    assert any("test_ratio' was deleted (restored" in i for i in deleted["issues"])
    assert deleted["score"] == 4.0, "the restored test ran and passed"
    edited = status(graded, "edittest")
    assert any("test_tally' was edited (restored" in i for i in edited["issues"])
    assert edited["score"] == 3.0, "the original test ran (and failed) despite 'assert True'"
    loop = status(graded, "loop")
    assert loop["status"] == "graded" and any("timed out after 5 s" in i for i in loop["issues"])
    assert loop["score"] == 4.0, "the loop is interrupted; the tests after it still run"
    hog = status(graded, "memhog")
    assert any("ran out of memory (limit 1024 MB)" in i for i in hog["issues"])
    flood = status(graded, "flood")
    assert any("flooded its output (cut at 256 KB)" in i for i in flood["issues"])
    die = status(graded, "die")
    assert die["status"] == "error" and any("kernel died" in i for i in die["issues"])


def test_structure_repaired_in_memory_and_reported(graded):
    stripped = status(graded, "stripped")
    assert stripped["status"] == "graded" and stripped["score"] == 4.0
    assert any("'ratio' had lost its nbgrader marking" in i for i in stripped["issues"])
    assert any("'reflection' was deleted" in i for i in stripped["issues"])
    assert stripped["needs_manual_grade"], "the written answer goes to a person, not to 0"
    dup = status(graded, "dupid")
    assert dup["score"] == 4.0 and any("appeared more than once" in i for i in dup["issues"])
    gone = status(graded, "delanswer")
    assert gone["status"] == "graded" and gone["score"] == 2.0
    assert any("'ratio' was deleted (graded as unanswered)" in i for i in gone["issues"])


def test_flood_output_is_capped_in_the_notebook(graded):
    path = graded["root"] / "autograded" / "flood" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert path.stat().st_size < 2_000_000
    assert "[grader] output truncated" in path.read_text()


def test_submissions_unchanged(graded):
    root = graded["root"]
    after = {p.parent.name: tree_hashes(p) for p in (root / "submitted").glob(f"*/{ASSIGNMENT}")}
    assert after == graded["before"]
    assert all(
        "SUBMITTED FILES CHANGED" not in " ".join(r["issues"])
        for r in graded["results"]["students"].values()
    )


def test_sandbox_blocks_reading_course_files_and_writing_outside(graded):
    root = graded["root"]
    nb = json.loads(
        (root / "autograded" / "snoop" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text()
    )
    text = "".join("".join(o.get("text", "")) for o in cell(nb, "tally")["outputs"] if "text" in o)
    assert text.count("BLOCKED-READ") == 3, text
    assert text.count("BLOCKED-WRITE") == 2, text
    assert "STOLEN 0" in text
    assert graded["escaped"] == []
    assert status(graded, "snoop")["score"] == 4.0, "its own answers still graded"
    assert status(graded, "good")["score"] == 4.0, "other students unaffected"


def test_gradebook_consistent(graded):
    root = graded["root"]
    scores = scores_of(root)
    expected = {
        "good",
        "blank",
        "partial",
        "badjson",
        "deltest",
        "edittest",
        "loop",
        "memhog",
        "flood",
        "die",
        "snoop",
        "stripped",
        "dupid",
        "delanswer",
    }
    assert set(scores) == expected
    # failed students leave no half-written autograded folder behind
    for s in ("badjson", "die"):
        assert not (root / "autograded" / s / ASSIGNMENT).exists()
    done = subprocess.run([NBGRADER, "export"], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_rerun_gives_identical_results(graded):
    root = graded["root"]
    first = graded["results"]["students"]
    run_alliance(
        "autograde",
        ASSIGNMENT,
        "--timeout",
        "5",
        "--memory",
        "1024",
        "--max-output",
        "256",
        "--force",
        "--course-dir",
        str(root),
        check=False,
    )
    again = json.loads((root / "reports" / ASSIGNMENT / "autograde.json").read_text())
    assert again["students"] == first
    run_alliance("autograde", ASSIGNMENT, "--student", "good", "--course-dir", str(root))
    third = json.loads((root / "reports" / ASSIGNMENT / "autograde.json").read_text())
    assert third["students"] == first, "without --force the graded work is kept as it was"


def test_no_sandbox_is_loud(graded):
    root = graded["root"]
    done = run_alliance(
        "autograde",
        ASSIGNMENT,
        "--student",
        "good",
        "--no-sandbox",
        "--force",
        "--course-dir",
        str(root),
    )
    assert "WARNING: GRADING WITHOUT A SANDBOX" in done.stderr
    assert "graded WITHOUT a sandbox" in done.stdout
    assert scores_of(root)["good"] == 4.0


def test_refuses_without_bubblewrap(graded):
    import sys

    env = dict(os.environ, ALLIANCE_BWRAP="/nonexistent/bwrap")
    cmd = [
        sys.executable,
        "-m",
        "alliance.cli",
        "course",
        "autograde",
        ASSIGNMENT,
        "--student",
        "good",
        "--force",
        "--course-dir",
        str(graded["root"]),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 2
    assert "no sandbox: bubblewrap (bwrap) is not installed" in done.stderr
    assert "--no-sandbox" in done.stderr
