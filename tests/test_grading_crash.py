"""Killing ``alliance course autograde`` mid-run leaves nothing behind.

Why: a grading run starts workers, and workers start sandboxed kernels. If the instructor's
command dies (``kill -9``, a closed terminal, an out-of-memory kill), none of them may live on
holding memory; and the next run must clear the cgroups and temporary folders the dead one left.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest
from course_helpers import ASSIGNMENT, cell, make_course, run_alliance, solved, submit, with_code

pytestmark = pytest.mark.slow


def _alive(pids: set[int]) -> set[int]:
    out = set()
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                out.add(pid)
        except psutil.NoSuchProcess:
            pass
    return out


def _groups_of(pids: set[int]) -> list[Path]:
    found = []
    for pid in pids:
        found += list(Path("/sys/fs/cgroup").glob(f"*/**/alliance-{pid}-*"))
    return found


def test_killing_the_orchestrator_kills_workers_and_kernels(tmp_path):
    root = make_course(tmp_path / "course")
    good = solved(root)
    tally = "".join(cell(good, "tally")["source"])
    for i in range(4):
        submit(root, f"loop{i}", with_code(good, "tally", tally + "\nwhile True:\n    pass"))
    runs = Path(tempfile.mkdtemp(prefix="crash-", dir="/tmp"))  # short: socket paths
    env = dict(os.environ, TMPDIR=str(runs))
    cmd = [sys.executable, "-m", "alliance.cli", "course", "autograde", ASSIGNMENT]
    cmd += ["--timeout", "120", "--course-dir", str(root), "--quiet"]
    orchestrator = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    family: set[int] = set()
    deadline = time.monotonic() + 120
    kernels: list[int] = []
    while time.monotonic() < deadline and len(kernels) < 2:
        time.sleep(0.5)
        children = psutil.Process(orchestrator.pid).children(recursive=True)
        family |= {p.pid for p in children}
        kernels = []
        for p in children:
            try:
                if "ipykernel_launcher" in " ".join(p.cmdline()):
                    kernels.append(p.pid)
            except psutil.NoSuchProcess:
                pass
    assert len(kernels) >= 2, "two workers were grading when the orchestrator was killed"
    time.sleep(2)  # well into the students' endless loops
    family |= {p.pid for p in psutil.Process(orchestrator.pid).children(recursive=True)}
    os.kill(orchestrator.pid, signal.SIGKILL)
    orchestrator.wait()
    deadline = time.monotonic() + 20
    while _alive(family) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _alive(family) == set(), "every worker and kernel died with the orchestrator"
    left = _groups_of({orchestrator.pid} | family)
    assert left, "the killed run did leave its cgroups (nobody could remove them)"
    assert list(runs.iterdir()), "and its temporary folder"
    # the next run clears what the dead one left
    run_alliance(
        "autograde",
        ASSIGNMENT,
        "--student",
        "loop0",
        "--timeout",
        "2",
        "--course-dir",
        str(root),
        check=False,
        env={"TMPDIR": str(runs)},
    )
    assert _groups_of({orchestrator.pid} | family) == []
    assert list(runs.iterdir()) == []
    shutil.rmtree(runs)
