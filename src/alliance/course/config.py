"""Find the course root and load its ``nbgrader_config.py`` into a traitlets ``Config``.

Why this module exists: nbgrader's Python API ignores ``nbgrader_config.py`` (design.md §3), so
every ``alliance course`` command loads the file explicitly, exactly as plain ``nbgrader`` does
when it runs from the course root. Plain ``nbgrader`` therefore keeps working in ``autograder/``
and both tools see the same course.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

CONFIG_NAME = "nbgrader_config.py"


class CourseError(Exception):
    """A problem with the course set-up that the instructor must fix (message says what)."""


def ensure_venv_on_path() -> None:
    """nbgrader runs the ``alembic`` executable for a new gradebook: it must be on ``PATH``."""
    bindir = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if bindir not in parts:
        os.environ["PATH"] = os.pathsep.join([bindir, *parts])


def find_course_dir(course_dir: str | os.PathLike[str] | None = None) -> Path:
    """The course root: ``--course-dir``, else ``./autograder``, else the current folder."""
    if course_dir is not None:
        root = Path(course_dir).resolve()
        if not (root / CONFIG_NAME).is_file():
            raise CourseError(f"{root}: no {CONFIG_NAME} here; --course-dir must be a course root")
        return root
    for candidate in (Path.cwd() / "autograder", Path.cwd()):
        if (candidate / CONFIG_NAME).is_file():
            return candidate.resolve()
    raise CourseError(
        f"no course found: neither ./autograder/{CONFIG_NAME} nor ./{CONFIG_NAME} exists "
        "(run from the repository root or pass --course-dir)"
    )


@dataclass
class Course:
    """A loaded course: its root, its config and the folders nbgrader uses."""

    root: Path
    config: Config

    @property
    def coursedir(self):  # -> nbgrader.coursedir.CourseDirectory (imported lazily: slow)
        from nbgrader.coursedir import CourseDirectory

        return CourseDirectory(config=self.config)

    def folder(self, name: str) -> Path:
        """``source``, ``release``, ``submitted``, ``autograded`` or ``feedback``."""
        value = getattr(self.coursedir, f"{name}_directory")
        path = Path(value)
        return path if path.is_absolute() else self.root / path

    @property
    def db_url(self) -> str:
        return self.coursedir.db_url

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    def api(self):  # -> nbgrader.apps.NbGraderAPI
        from nbgrader.apps import NbGraderAPI

        return NbGraderAPI(coursedir=self.coursedir, config=self.config)

    def assignments_in_source(self) -> list[str]:
        source = self.folder("source")
        if not source.is_dir():
            return []
        return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def shown(path: str | os.PathLike[str]) -> str:
    """``path`` as printed for the instructor: relative to the current folder when inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_course(course_dir: str | os.PathLike[str] | None = None) -> Course:
    """Load ``nbgrader_config.py`` of the course into a ``Config`` (errors name the file)."""
    ensure_venv_on_path()
    root = find_course_dir(course_dir)
    loader = PyFileConfigLoader(CONFIG_NAME, path=str(root))
    try:
        config = loader.load_config()
    except Exception as exc:  # a syntax or runtime error in the instructor's config file
        raise CourseError(f"{root / CONFIG_NAME}: could not be loaded: {exc}") from exc
    if "root" not in config.CourseDirectory:
        config.CourseDirectory.root = str(root)
    root = Path(config.CourseDirectory.root).resolve()
    return Course(root=root, config=config)
