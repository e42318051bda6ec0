"""The README's student route: the package installed (not editable) outside the checkout works.

Why: the installed package used to ship a test harness that looked for the checkout's
``autograder/`` folder, so ``pip install .`` broke it. Here the package is built as a wheel and
installed into a fresh virtual environment in a temporary folder (exactly what ``pip install .``
does, in two steps); a student then validates ps1
from a folder that has nothing of the checkout in it. (The fresh environment takes its
dependencies — nbgrader, ipykernel… — from this one through a path file, with no network: what
is under test is this package, not PyPI.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader_harness import fill_answers, make_temp_course, solutions_of

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]


def _run(cmd: list[str], cwd: Path, **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{Path(cmd[0]).parent}{os.pathsep}/usr/bin:/bin"
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, **kw)


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("install")
    wheels = tmp / "wheels"
    source = tmp / "source"  # what a source distribution holds; a build leaves the checkout alone
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        source.mkdir(exist_ok=True)
        shutil.copy(REPO / name, source / name)
    shutil.copytree(
        REPO / "src", source / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__")
    )
    done = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(wheels), str(source)],
        cwd=tmp,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = wheels.glob("alliance-*.whl")
    env = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True, timeout=300)
    python = env / "bin" / "python"
    (site,) = env.glob("lib/python*/site-packages")
    deps = [p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    (site / "zz-course-dependencies.pth").write_text("\n".join(deps) + "\n")
    done = _run([str(python), "-m", "pip", "install", "--no-deps", str(wheel)], cwd=tmp)
    assert done.returncode == 0, done.stdout + done.stderr
    return python


def test_installed_package_comes_from_the_venv_not_the_checkout(venv, tmp_path):
    code = "import alliance, alliance.grading.autograde, alliance.exercises.checks; "
    code += "print(alliance.__file__)"
    done = _run([str(venv), "-c", code], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    where = Path(done.stdout.strip())
    assert str(venv.parent.parent) in str(where) and str(REPO) not in str(where)
    assert not (where.parent / "exercises" / "testing.py").exists(), "no harness shipped"


def test_student_validates_ps1_outside_the_checkout(venv, tmp_path):
    course = make_temp_course(tmp_path / "course", ["ps1"])
    course.generate_assignment("ps1")
    release = course.release_notebook("ps1")
    student = tmp_path / "student"
    student.mkdir()
    answered = student / release.name
    nbformat.write(fill_answers(release, solutions_of(course.source_notebook("ps1"))), answered)
    blank = student / "blank.ipynb"
    blank.write_bytes(release.read_bytes())
    done = _run([str(venv), "-m", "nbgrader", "validate", answered.name], cwd=student)
    assert "Success! Your notebook passes all the tests." in done.stdout, done.stdout + done.stderr
    done = _run([str(venv), "-m", "nbgrader", "validate", blank.name], cwd=student)
    assert "VALIDATION FAILED" in done.stdout, done.stdout + done.stderr
    assert "ModuleNotFoundError" not in done.stdout + done.stderr
