"""Shared helpers for the instructor-tool tests: a temporary course and crafted submissions.

Each helper writes real files; nothing here fakes nbgrader, kernels or the sandbox.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

FIXTURE = Path(__file__).parent / "fixtures" / "course"
ASSIGNMENT = "demo"
#: plain nbgrader from the same environment, whatever PATH says
NBGRADER = str(Path(sys.executable).parent / "nbgrader")


def make_course(tmp: Path) -> Path:
    """Copy the fixture course to ``tmp`` and release it; returns the course root."""
    shutil.copytree(FIXTURE, tmp, dirs_exist_ok=True)
    root = tmp / "autograder"
    run_alliance("release", ASSIGNMENT, "--course-dir", str(root))
    return root


def run_alliance(*args: str, check: bool = True, timeout: int = 600, env: dict | None = None):
    done = subprocess.run(
        [sys.executable, "-m", "alliance.cli", "course", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=None if env is None else {**os.environ, **env},
    )
    if check and done.returncode != 0:
        raise AssertionError(
            f"alliance course {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        )
    return done


def source_nb(root: Path) -> dict:
    return json.loads((root.parent / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())


def release_nb(root: Path) -> dict:
    return json.loads((root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())


def cell(nb: dict, grade_id: str) -> dict:
    for c in nb["cells"]:
        if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id:
            return c
    raise KeyError(grade_id)


def solved(root: Path) -> dict:
    """The release notebook with the model answers pasted in (what a strong student submits)."""
    nb = release_nb(root)
    src = source_nb(root)
    for gid in ("ratio", "tally", "vignette_path"):
        text = "".join(cell(src, gid)["source"])
        text = text.replace("    ### BEGIN SOLUTION\n", "").replace("    ### END SOLUTION", "")
        text = text.replace("### BEGIN SOLUTION\n", "").replace("\n### END SOLUTION", "")
        cell(nb, gid)["source"] = text
    cell(nb, "reflection")["source"] = "I would reflect before asking."
    return nb


def with_code(nb: dict, grade_id: str, code: str) -> dict:
    nb = copy.deepcopy(nb)
    cell(nb, grade_id)["source"] = code
    return nb


def submit(root: Path, student: str, nb: dict | str | bytes | None) -> Path:
    """Write a submission: a notebook dict, raw text or bytes, or None (no notebook)."""
    folder = root / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    if nb is None:
        (folder / "notes.txt").write_text("forgot the notebook")
        return folder
    path = folder / f"{ASSIGNMENT}.ipynb"
    if isinstance(nb, bytes):
        path.write_bytes(nb)
    else:
        path.write_text(nb if isinstance(nb, str) else json.dumps(nb, indent=1))
    return folder


def with_cell(nb: dict, code: str, at: int = 1, tags: list[str] | None = None) -> dict:
    """``nb`` with a new (ungraded) code cell inserted at position ``at``."""
    nb = copy.deepcopy(nb)
    meta = {"tags": tags} if tags else {}
    new = {"cell_type": "code", "metadata": meta, "source": code, "outputs": []}
    nb["cells"].insert(at, {**new, "execution_count": None})
    return nb


def outputs_text(root: Path, student: str, grade_id: str) -> str:
    """Everything a cell printed in the student's autograded notebook."""
    path = root / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nb = json.loads(path.read_text())
    parts = []
    for out in cell(nb, grade_id)["outputs"]:
        text = out.get("text", "")
        parts.append("".join(text) if isinstance(text, list) else str(text))
    return "".join(parts)


def results_line(text: str, name: str) -> str:
    """The value of a ``RESULT <name> <value>`` line a hostile cell printed."""
    for line in text.splitlines():
        if line.startswith(f"RESULT {name} "):
            return line.split(" ", 2)[2]
    raise AssertionError(f"no RESULT {name} in output:\n{text[-2000:]}")


def valid_codes(vignette_id: str = "goals-different-agendas") -> list[str]:
    """Two different complete paths through a vignette, computed from the current library."""
    from alliance.vignettes import load_vignette, replay

    v = load_vignette(vignette_id)
    codes = []
    for pick in (lambda n: 0, lambda n: n % 2):
        choices: list[int] = []
        play = replay(v, choices)
        while not play.finished:
            trial = choices + [pick(len(choices))]
            try:
                play = replay(v, trial)
            except ValueError:
                trial = choices + [0]
                play = replay(v, trial)
            choices = trial
        codes.append(play.code)
    return codes


def scores_of(root: Path) -> dict[str, float]:
    from alliance.course.config import load_course
    from alliance.grading.gradebook import class_scores

    return {s: v.score for s, v in class_scores(load_course(root), ASSIGNMENT).items()}
