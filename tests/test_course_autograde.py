"""``alliance course autograde`` end to end on one class of real, deliberately broken and hostile
work, graded as root (as CI and many course servers run it).

One temporary course is graded once per module (real kernels, real bubblewrap, real cgroups); the
tests then read the typed results, the gradebook, the files, the students' outputs and the host.
Besides broken work (issue 13: every problem named), the class holds the escapes and resource
attacks of issue 10 — unmount and remount, reading planted secrets and other students' work,
planting code in the course config, host sockets, the grader's environment, the next student's
kernel, fork bombs, memory spread over children, filling /tmp, /dev/shm and the working folder,
folders made uncleanable, every output type flooded — and honest students graded next to them,
who must keep their exact scores.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from course_helpers import (
    ASSIGNMENT,
    NBGRADER,
    cell,
    make_course,
    outputs_text,
    release_nb,
    results_line,
    run_alliance,
    scores_of,
    solved,
    submit,
    with_code,
)
from hostile import escapes

from alliance.grading.results import ClassRun
from alliance.grading.submission import tree_hashes

pytestmark = pytest.mark.slow
TAG = f"{os.getpid()}"
SECRET = f"planted-secret-{TAG}"
# Host places outside the course that the sandbox must not reach (not under /tmp: the sandbox has
# its own private /tmp, so a path there would prove nothing).
OUTSIDE = Path("/var/tmp") / f"alliance-test-{TAG}"
HOME_PROBE = Path.home() / f".alliance-sandbox-probe-{TAG}.txt"
HONEST = ["good", "blank", "partial"]
GOOD_TWINS = [f"zgood{i}" for i in range(4)]  # correct work graded after the hostile students


def build_class(root: Path) -> dict:
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
    ]
    submit(root, "deltest", nb)
    nb = copy.deepcopy(good)
    cell(nb, "test_tally")["source"] = "assert True"
    submit(root, "edittest", with_code(nb, "tally", "def tally(codes):\n    return None"))
    submit(root, "loop", with_code(good, "tally", tally_ok + "\nwhile True:\n    pass"))
    submit(root, "memhog", with_code(good, "tally", tally_ok + "\nx = bytearray(6 * 1024**3)"))
    flood = tally_ok + "\nfor i in range(10**6):\n    print('spam' * 50)"
    submit(root, "flood", with_code(good, "tally", flood))
    submit(root, "die", with_code(good, "tally", "import os\nos._exit(1)"))
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
    # issue 13: every student's problem named
    submit(root, "syntaxerr", with_code(good, "tally", "def tally(codes)\n    return {}"))
    submit(root, "exception", with_code(good, "tally", "1 / 0\n" + tally_ok))
    submit(root, "renamed", with_code(good, "tally", tally_ok.replace("def tally", "def tallies")))
    folder = submit(root, "symlinked", None)
    (folder / "notes.txt").unlink()
    (folder / f"{ASSIGNMENT}.ipynb").symlink_to(
        root.parent / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    )
    submit(root, "pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    folder = submit(root, "huge", None)
    (folder / "notes.txt").unlink()
    with open(folder / f"{ASSIGNMENT}.ipynb", "wb") as fh:  # a sparse 1 GiB "notebook"
        fh.truncate(1024**3)
    submit(root, "deepjson", "[" * 200_000)
    folder = submit(root, "linkdata", good)
    (folder / "data.csv").symlink_to(root / "gradebook.db")
    for name in (escapes.NAME_NEWLINE, escapes.NAME_ESCAPE, escapes.NAME_DASH):
        (root / "submitted" / name / ASSIGNMENT).mkdir(parents=True)
        (root / "submitted" / name / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").write_text(
            json.dumps(good)
        )
    # issue 10: escapes and resource attacks, each in the tally cell (which still defines tally)
    OUTSIDE.mkdir(parents=True, exist_ok=True)
    stray = OUTSIDE / "stray-course" / "exercises" / ASSIGNMENT
    stray.mkdir(parents=True, exist_ok=True)
    shutil.copy(root.parent / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", stray)
    root_only = root / "secret-root-only.txt"
    root_only.write_text(SECRET)
    os.chmod(root_only, 0o600)
    readable = OUTSIDE / "secret.txt"
    readable.write_text(SECRET)
    os.chmod(readable, 0o644)
    secrets = [
        str(root.parent / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"),
        str(root / "gradebook.db"),
        str(root / "submitted" / "good" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"),
        str(root_only),
        str(readable),
        str(stray / f"{ASSIGNMENT}.ipynb"),
        "/etc/shadow",
        str(Path.home() / ".bashrc"),
    ]
    attacks = {
        "mounts": escapes.mounts(),
        "reads": escapes.reads(secrets),
        "writes": escapes.writes(
            [str(root / "nbgrader_config.py"), str(OUTSIDE / "written.txt"), str(HOME_PROBE)]
        ),
        "hostsock": escapes.host_socket(str(OUTSIDE / "host.sock")),
        "environ": escapes.environment("ALLIANCE_TEST_SECRET"),
        "neighbours": escapes.other_kernels(),
        "forkbomb": escapes.fork_bomb(),
        "children": escapes.memory_children(each_mb=450, children=3),
        "filltmp": escapes.fill("/tmp", "tmp_mb"),
        "fillshm": escapes.fill("/dev/shm", "shm_mb"),
        "fillhome": escapes.fill(".", "home_mb"),
        "chmodtrap": escapes.chmod_trap(),
        "outflood": escapes.output_flood(),
    }
    for name, code in attacks.items():
        submit(root, name, with_code(good, "tally", code))
    for name in GOOD_TWINS:
        submit(root, name, good)
    return {"secrets": secrets, "attacks": list(attacks)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("autograde")
    groups_before = set(Path("/sys/fs/cgroup").glob("**/alliance-*-*"))
    root = make_course(tmp / "course")
    built = build_class(root)
    # An untouched copy of the honest and merely broken work, for plain nbgrader.
    plain = tmp / "plain"
    keep = HONEST + ["badjson", "nonb", "deltest", "edittest", "loop"]
    submitted = root / "submitted"

    def others(folder: str, names: list[str]) -> list[str]:
        return [n for n in names if Path(folder) == submitted and n not in keep]

    shutil.copytree(tmp / "course", plain, symlinks=True, ignore=others)
    config_before = (root / "nbgrader_config.py").read_bytes()
    before = {p.parent.name: tree_hashes(p) for p in (root / "submitted").glob(f"*/{ASSIGNMENT}")}
    runs = tmp / "runs"  # the grader's temporary folders, kept apart from other processes'
    runs.mkdir()
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(OUTSIDE / "host.sock"))
    server.listen(5)
    server.settimeout(0)
    try:
        done = run_alliance(
            "autograde",
            ASSIGNMENT,
            "--jobs",
            "2",
            "--timeout",
            "5",
            "--memory",
            "1024",
            "--pids",
            "64",
            "--max-output",
            "256",
            "--course-dir",
            str(root),
            check=False,
            env={"ALLIANCE_TEST_SECRET": SECRET, "TMPDIR": str(runs)},
        )
        try:
            server.accept()
            reached = True
        except OSError:
            reached = False
    finally:
        server.close()
    results = json.loads((root / "reports" / ASSIGNMENT / "autograde.json").read_text())
    host = {
        "socket_reached": reached,
        "config_changed": (root / "nbgrader_config.py").read_bytes() != config_before,
        "written": [p for p in (OUTSIDE / "written.txt", HOME_PROBE) if p.exists()],
        "runs_left": list(runs.iterdir()),
        # another grader on this machine (or one killed before this session) is not this run's
        "groups_left": set(Path("/sys/fs/cgroup").glob("**/alliance-*-*")) - groups_before,
    }
    for p in host["written"]:
        p.unlink()
    yield {
        "root": root,
        "plain": plain / "autograder",
        "done": done,
        "results": results,
        "before": before,
        "host": host,
        **built,
    }
    shutil.rmtree(OUTSIDE, ignore_errors=True)


def status(graded, student):
    return graded["results"]["students"][student]


def messages(graded, student) -> str:
    return "\n".join(i["message"] for i in status(graded, student)["issues"])


def printed(graded, student) -> str:
    return outputs_text(graded["root"], student, "tally")


# ------------------------------------------------------------------------------- the run itself
def test_exit_code_and_summary_table(graded):
    done = graded["done"]
    assert done.returncode == 1, "errors among the students make the command exit 1"
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["Student", "Status", "Score", "Manual", "Issues"]
    assert any(line.startswith("good ") and "4/6" in line for line in lines)
    total = len(graded["results"]["students"])
    assert f"{total} submission(s) graded in this run" in done.stdout
    assert f"{total}/{total} graded" in done.stderr, "progress bar on stderr"


def test_results_are_typed_and_record_the_limits_used(graded):
    run = ClassRun.load(graded["root"] / "reports" / ASSIGNMENT / "autograde.json")
    assert run.limits.timeout_s == 5 and run.limits.memory_mb == 1024
    assert run.limits.max_output_kb == 256 and run.limits.extra["pids"] == 64
    assert run.limits.extra["memory_scope"].startswith("per submission (cgroup")
    assert run.limits.extra["kernel_user"] == "uid 65534"
    assert set(run.regraded) == set(run.students) and run.kept == []
    assert run.students["good"].issues == [] and not run.students["good"].needs_review


def test_same_scores_as_plain_nbgrader(graded):
    plain = graded["plain"]
    subprocess.run([NBGRADER, "autograde", ASSIGNMENT], cwd=plain, capture_output=True, timeout=900)
    ours, theirs = scores_of(graded["root"]), scores_of(plain)
    for s in HONEST + ["badjson", "deltest", "edittest", "loop"]:
        assert ours[s] == theirs[s], s
    assert "nonb" not in ours and "nonb" not in theirs


def test_honest_students_next_to_hostile_ones_keep_their_scores(graded):
    assert status(graded, "good")["score"] == 4.0
    assert status(graded, "blank")["score"] == 0.0
    assert status(graded, "partial")["score"] == 3.0
    for name in GOOD_TWINS:
        r = status(graded, name)
        assert (r["status"], r["score"], r["issues"]) == ("graded", 4.0, []), name


# ------------------------------------------------------------------------------- broken work
def test_broken_submissions_are_reported_per_student(graded):
    bad = status(graded, "badjson")
    assert bad["status"] == "error" and "not valid notebook JSON" in messages(graded, "badjson")
    assert status(graded, "nonb")["status"] == "missing"
    assert "missing notebook demo.ipynb (the folder holds: notes.txt)" in messages(graded, "nonb")
    deleted = status(graded, "deltest")
    assert "test_ratio' was deleted (restored" in messages(graded, "deltest")
    assert deleted["score"] == 4.0, "the restored test ran and passed"
    edited = status(graded, "edittest")
    assert "test_tally' was edited (restored" in messages(graded, "edittest")
    assert edited["score"] == 3.0, "the original test ran (and failed) despite 'assert True'"
    loop = status(graded, "loop")
    assert loop["status"] == "graded" and "timed out after 5 s" in messages(graded, "loop")
    assert loop["score"] == 4.0, "the loop is interrupted; the tests after it still run"
    assert "ran out of memory (limit 1024 MB)" in messages(graded, "memhog")
    assert "flooded its output (cut at 256 KB)" in messages(graded, "flood")
    die = status(graded, "die")
    assert die["status"] == "error" and "kernel died" in messages(graded, "die")


def test_every_problem_in_student_code_is_named(graded):
    assert "SyntaxError in tally: 1 test could not run" in messages(graded, "syntaxerr")
    assert "ZeroDivisionError in tally (division by zero): 1 test could not run" in messages(
        graded, "exception"
    )
    assert "tally is not defined (NameError in test test_tally)" in messages(graded, "renamed")
    kinds = {i["kind"] for i in status(graded, "syntaxerr")["issues"]}
    assert kinds == {"syntax"}
    for s in ("syntaxerr", "exception", "renamed"):
        assert status(graded, s)["score"] == 3.0, s


def test_links_non_notebooks_and_sizes_are_named_and_never_reach_nbgrader(graded):
    link = status(graded, "symlinked")
    assert link["status"] == "error" and link["score"] == 0.0, "the linked source is not graded"
    assert "demo.ipynb is a symbolic link" in messages(graded, "symlinked")
    assert "not valid notebook JSON" in messages(graded, "pdf")
    assert "demo.ipynb is 1024 MB, over the 32 MB limit" in messages(graded, "huge")
    assert "too deeply nested" in messages(graded, "deepjson")
    for s in ("pdf", "huge", "deepjson"):
        assert status(graded, s)["status"] == "error", s
    data = status(graded, "linkdata")
    assert data["score"] == 4.0 and "skipped data.csv: a symbolic link" in messages(
        graded, "linkdata"
    )
    root = graded["root"]
    assert not (root / "autograded" / "linkdata" / ASSIGNMENT / "data.csv").exists()


def test_bad_folder_names_are_reported_and_the_rest_graded(graded):
    for name in (escapes.NAME_NEWLINE, escapes.NAME_ESCAPE, escapes.NAME_DASH):
        r = status(graded, name)
        assert r["status"] == "error" and "is not a valid student id" in messages(graded, name)
    out = graded["done"].stdout + graded["done"].stderr
    assert "\x1b" not in out, "no escape sequence reaches the terminal"
    assert "'\\x1b[2Jcleared'" in out or "\\x1b[2Jcleared" in out
    assert "new\\nline" in out
    assert "new\nline" not in out, "a newline in a folder name does not split a line"


def test_structure_repaired_in_memory_and_reported(graded):
    stripped = status(graded, "stripped")
    assert stripped["status"] == "graded" and stripped["score"] == 4.0
    assert "'ratio' had lost its nbgrader marking" in messages(graded, "stripped")
    assert "'reflection' was deleted" in messages(graded, "stripped")
    assert stripped["needs_manual_grade"], "the written answer goes to a person, not to 0"
    dup = status(graded, "dupid")
    assert dup["score"] == 4.0 and "appeared more than once" in messages(graded, "dupid")
    gone = status(graded, "delanswer")
    assert gone["status"] == "graded" and gone["score"] == 2.0
    assert "'ratio' was deleted (graded as unanswered)" in messages(graded, "delanswer")


# ------------------------------------------------------------------------------- the sandbox
def test_root_sandbox_cannot_unmount_or_remount(graded):
    text = printed(graded, "mounts")
    assert results_line(text, "umount_tmp") == "False"
    assert results_line(text, "remount_root") == "False"
    assert results_line(text, "remount_usr") == "False"
    assert results_line(text, "uid") == "65534"
    assert results_line(text, "capeff") == "0000000000000000"
    assert status(graded, "mounts")["score"] == 4.0


def test_course_files_secrets_and_stray_copies_are_out_of_reach(graded):
    text = printed(graded, "reads")
    assert results_line(text, "read") == "0", text
    visible = results_line(text, "visible")
    assert "'var'" not in visible and "'sys'" not in visible, visible


def test_nothing_outside_is_written_and_the_course_config_is_untouched(graded):
    assert results_line(printed(graded, "writes"), "wrote") == "0"
    assert not graded["host"]["config_changed"]
    assert graded["host"]["written"] == []


def test_host_sockets_and_the_graders_environment_are_out_of_reach(graded):
    assert results_line(printed(graded, "hostsock"), "socket") == "False"
    assert not graded["host"]["socket_reached"]
    text = printed(graded, "environ")
    assert results_line(text, "env_secret") == "False"
    assert int(results_line(text, "env_keys")) < 25, "an allow-list, not the grader's environment"


def test_other_kernels_are_invisible_and_the_connection_folder_is_closed(graded):
    text = printed(graded, "neighbours")
    assert results_line(text, "other_kernels") == "0"
    assert results_line(text, "conn_write") == "False"


def test_processes_memory_and_space_are_bounded_per_submission(graded):
    assert int(results_line(printed(graded, "forkbomb"), "forked")) < 64
    assert "memory limit (1024 MB for all its processes together) was reached" in messages(
        graded, "children"
    )
    assert int(results_line(printed(graded, "filltmp"), "tmp_mb")) <= 64
    assert int(results_line(printed(graded, "fillshm"), "shm_mb")) <= 16
    assert int(results_line(printed(graded, "fillhome"), "home_mb")) <= 64
    for s in ("forkbomb", "filltmp", "fillshm", "fillhome", "chmodtrap"):
        assert status(graded, s)["score"] == 4.0, s


def test_every_output_type_is_capped(graded):
    path = graded["root"] / "autograded" / "outflood" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert path.stat().st_size < 3_000_000, path.stat().st_size
    nb = json.loads(path.read_text())
    outs = cell(nb, "tally")["outputs"]
    assert any(o.get("output_type") == "error" for o in outs), "the failure itself is kept"
    assert "flooded its output" in messages(graded, "outflood")
    flood = graded["root"] / "autograded" / "flood" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert flood.stat().st_size < 2_000_000


def test_scratch_space_and_cgroups_are_removed(graded):
    assert graded["host"]["runs_left"] == [], "run folders removed even after chmod 000"
    assert graded["host"]["groups_left"] == set()


def test_submissions_unchanged(graded):
    root = graded["root"]
    after = {p.parent.name: tree_hashes(p) for p in (root / "submitted").glob(f"*/{ASSIGNMENT}")}
    assert after == graded["before"]
    assert all(
        i["kind"] != "changed" for r in graded["results"]["students"].values() for i in r["issues"]
    )


def test_gradebook_consistent(graded):
    root = graded["root"]
    scores = scores_of(root)
    assert "nonb" not in scores and escapes.NAME_DASH not in scores
    assert scores["badjson"] == 0.0 and scores["symlinked"] == 0.0
    for s in ("badjson", "die"):
        assert not (root / "autograded" / s / ASSIGNMENT).exists()
    done = subprocess.run([NBGRADER, "export"], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# ------------------------------------------------------------------------------- re-runs
def test_rerun_keeps_or_regrades_and_says_which(graded):
    root = graded["root"]
    first = graded["results"]["students"]
    done = run_alliance("autograde", ASSIGNMENT, "--student", "good", "--course-dir", str(root))
    again = ClassRun.load(root / "reports" / ASSIGNMENT / "autograde.json")
    assert again.kept == ["good"] and again.regraded == []
    assert "1 kept as graded before" in done.stdout and "0 submission(s) graded" in done.stdout
    assert again.students["good"].graded_in_run == first["good"]["graded_in_run"]
    done = run_alliance(
        "autograde",
        ASSIGNMENT,
        *("--student", "good", "--student", "partial", "--student", "loop"),
        *("--timeout", "5", "--memory", "1024", "--max-output", "256", "--force"),
        "--course-dir",
        str(root),
    )
    third = ClassRun.load(root / "reports" / ASSIGNMENT / "autograde.json")
    assert sorted(third.regraded) == ["good", "loop", "partial"] and third.kept == []
    for s in ("good", "partial", "loop"):
        r = third.students[s]
        assert (r.status, r.score, [i.message for i in r.issues]) == (
            first[s]["status"],
            first[s]["score"],
            [i["message"] for i in first[s]["issues"]],
        ), s
    assert third.students["blank"].graded_in_run == first["blank"]["graded_in_run"]


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
    cmd = [sys.executable, "-m", "alliance.cli", "course", "autograde", ASSIGNMENT]
    cmd += ["--student", "good", "--force", "--course-dir", str(graded["root"])]
    env = dict(os.environ, ALLIANCE_BWRAP="/nonexistent/bwrap")
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 2
    assert "no sandbox: bubblewrap (bwrap) is not installed" in done.stderr
    assert "--no-sandbox" in done.stderr
