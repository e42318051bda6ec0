"""Run nbgrader on a throw-away copy of the course: for the test suite and the instructor tools.

Why: tests must never touch the real ``autograder/`` state (gradebook, submissions). A temporary
course copies ``autograder/nbgrader_config.py`` and the assignment sources side by side, so the
config's ``../exercises`` path resolves inside the copy, and then drives the *plain* ``nbgrader``
command line from that folder, exactly as an instructor would. Scores are read back from the
gradebook through nbgrader's own API.

Typical use::

    course = make_temp_course(tmp_path, ["ps1"])
    course.generate_assignment("ps1")
    course.submit("alice", "ps1", course.source_notebook("ps1"))
    course.autograde("ps1")
    course.scores("ps1", "alice")  # {"ps1-q1-test": CellScore(2.0, 2.0, False), ...}
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

SOLUTION_BEGIN = "### BEGIN SOLUTION"
SOLUTION_END = "### END SOLUTION"


def repo_root() -> Path:
    """The checkout this (editable) package lives in: the folder holding ``autograder/``."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "autograder" / "nbgrader_config.py").is_file():
            return parent
    raise FileNotFoundError(
        "autograder/nbgrader_config.py not found above "
        f"{Path(__file__).resolve()}: the course tools need an editable install of the repository"
    )


def nbgrader_env() -> dict[str, str]:
    """The environment for nbgrader: this interpreter's ``bin/`` first on PATH.

    A new gradebook runs the ``alembic`` executable; without the venv's ``bin/`` on PATH that
    fails and leaves a broken gradebook (design.md §3).
    """
    env = dict(os.environ)
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    return env


@dataclass(frozen=True)
class CellScore:
    """One graded cell's result as stored in the gradebook."""

    score: float | None
    max_score: float
    needs_manual_grade: bool


@dataclass
class Course:
    """A temporary nbgrader course: ``root`` is its autograder folder, ``source`` its exercises."""

    root: Path
    source: Path

    # -- running nbgrader -------------------------------------------------------------------
    def nbgrader(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``nbgrader ARGS`` in the course root; raise with its log when it fails."""
        exe = Path(sys.executable).parent / "nbgrader"
        proc = subprocess.run(
            [str(exe), *args],
            cwd=self.root,
            env=nbgrader_env(),
            capture_output=True,
            text=True,
            timeout=900,
        )
        if check and proc.returncode != 0:
            raise RuntimeError(
                f"nbgrader {' '.join(args)} exited {proc.returncode}\n"
                f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
            )
        return proc

    def generate_assignment(self, assignment: str) -> Path:
        """Generate the student version; return its folder ``release/<assignment>``."""
        self.nbgrader("generate_assignment", assignment, "--force")
        return self.root / "release" / assignment

    def autograde(self, assignment: str, student: str | None = None) -> str:
        """Autograde every submission of ``assignment`` (or one student's); return the log."""
        return self._per_student_step("autograde", assignment, student)

    def generate_feedback(self, assignment: str, student: str | None = None) -> str:
        return self._per_student_step("generate_feedback", assignment, student)

    def _per_student_step(self, step: str, assignment: str, student: str | None) -> str:
        """Run ``nbgrader STEP ASSIGNMENT --force`` for all (or one student); return the log."""
        args = [step, assignment, "--force"]
        if student:
            args.append(f"--student={student}")
        proc = self.nbgrader(*args)
        return proc.stdout + proc.stderr

    # -- files ------------------------------------------------------------------------------
    def source_notebook(self, assignment: str, notebook: str | None = None) -> Path:
        return _one_notebook(self.source / assignment, notebook)

    def release_notebook(self, assignment: str, notebook: str | None = None) -> Path:
        return _one_notebook(self.root / "release" / assignment, notebook)

    def submit(
        self,
        student: str,
        assignment: str,
        notebook: Path | NotebookNode,
        name: str | None = None,
    ) -> Path:
        """Place a notebook (file or in-memory) as ``submitted/<student>/<assignment>/<name>``."""
        if name is None:
            if isinstance(notebook, NotebookNode):
                name = self.source_notebook(assignment).name
            else:
                name = Path(notebook).name
        dest = self.root / "submitted" / student / assignment / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(notebook, NotebookNode):
            nbformat.write(notebook, dest)
        else:
            shutil.copyfile(notebook, dest)
        # copy the assignment's data files, as a student's submission folder would hold them
        for extra in (self.root / "release" / assignment).glob("*"):
            if extra.is_file() and extra.suffix != ".ipynb":
                shutil.copyfile(extra, dest.parent / extra.name)
        return dest

    def feedback_html(self, assignment: str, student: str, notebook: str | None = None) -> str:
        folder = self.root / "feedback" / student / assignment
        stem = notebook or self.source_notebook(assignment).stem
        return (folder / f"{stem}.html").read_text(encoding="utf-8")

    # -- gradebook --------------------------------------------------------------------------
    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.root / 'gradebook.db'}"

    def scores(
        self, assignment: str, student: str, notebook: str | None = None
    ) -> dict[str, CellScore]:
        """Per graded cell (by ``grade_id``) of one student's autograded notebook."""
        from nbgrader.api import Gradebook

        stem = notebook or self.source_notebook(assignment).stem
        with Gradebook(self.db_url) as gb:
            sub = gb.find_submission_notebook(stem, assignment, student)
            return {
                g.name: CellScore(g.score, g.max_score, bool(g.needs_manual_grade))
                for g in sub.grades
            }


def _one_notebook(folder: Path, notebook: str | None) -> Path:
    if notebook:
        return folder / (notebook if notebook.endswith(".ipynb") else f"{notebook}.ipynb")
    found = sorted(folder.glob("*.ipynb"))
    if len(found) != 1:
        raise FileNotFoundError(f"expected one notebook in {folder}, found {len(found)}")
    return found[0]


def make_temp_course(tmp_path: Path, assignments: list[str] | None = None) -> Course:
    """Copy the course config and the assignment sources into ``tmp_path``; return the course."""
    root = repo_root()
    course_root = Path(tmp_path) / "autograder"
    source = Path(tmp_path) / "exercises"
    course_root.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(root / "autograder" / "nbgrader_config.py", course_root / "nbgrader_config.py")
    source.mkdir(parents=True, exist_ok=True)
    for folder in sorted((root / "exercises").iterdir()):
        if not folder.is_dir() or folder.name.startswith((".", "_")):
            continue
        if assignments is not None and folder.name not in assignments:
            continue
        shutil.copytree(
            folder,
            source / folder.name,
            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
        )
    return Course(root=course_root, source=source)


def validate(notebook: Path) -> dict:
    """Validate a notebook as a student's Validate button would; ``{}`` means it passed.

    ``nbgrader validate`` exits 0 even on failure, so callers must look at this dict
    (keys ``failed``, ``changed`` or ``type_changed`` when something is wrong).
    """
    from nbgrader.validator import Validator
    from traitlets.config import Config

    validator = Validator(config=Config())
    env = nbgrader_env()
    old = os.environ.get("PATH")
    os.environ["PATH"] = env["PATH"]
    try:
        return validator.validate(str(notebook))
    finally:
        if old is not None:
            os.environ["PATH"] = old


def solution_code(source_cell: NotebookNode) -> str:
    """A solution cell's source with the ``### BEGIN/END SOLUTION`` marker lines removed."""
    return "\n".join(
        line
        for line in source_cell.source.split("\n")
        if SOLUTION_BEGIN not in line and SOLUTION_END not in line
    )


def fill_answers(release: Path, answers: dict[str, str]) -> NotebookNode:
    """The released notebook with some answer cells (by ``grade_id``) replaced by ``answers``.

    This is how a test builds a partly correct submission: what a student would type.
    """
    nb = nbformat.read(release, as_version=4)
    ids = set()
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
            ids.add(gid)
    unknown = set(answers) - ids
    if unknown:
        raise KeyError(f"no cells with grade_id {sorted(unknown)} in {release}")
    return nb


def solutions_of(source: Path) -> dict[str, str]:
    """Every solution cell's answer in the instructor's source notebook, by ``grade_id``."""
    nb = nbformat.read(source, as_version=4)
    out = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            out[meta["grade_id"]] = solution_code(cell)
    return out
