"""Import an LMS download into nbgrader's ``submitted/<student>/<assignment>/`` layout.

Two shapes of download are understood:

* a Canvas-style zip of files named ``<name>_<lmsid>_<subid>_<file>.ipynb`` (Canvas inserts
  ``late_`` after the name for late work, and appends ``-1``, ``-2`` to re-uploaded file names);
* a folder with one sub-folder per student, named by student id or LMS id.

Why so careful: collecting is where work gets lost. Every file is accounted for (imported,
unchanged, duplicate, unknown student, not a notebook); of duplicates the latest (highest
submission id, else newest file) is kept; an existing submission is never overwritten silently —
without ``--force`` it is kept and the new file is left alone; with ``--force`` the old one is
first copied to ``collect-backups/<time>/``.
"""

from __future__ import annotations

import re
import shutil
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from alliance.course.config import Course, CourseError
from alliance.course.roster import Student, load_roster

CANVAS = re.compile(
    r"^(?P<name>[^_]+)_(?P<late>late_)?(?P<lms>\d+)_(?P<sub>\d+)_(?P<file>.+)$", re.IGNORECASE
)
COPY_SUFFIX = re.compile(r"(-\d+| ?\(\d+\))$")


@dataclass
class Candidate:
    student: str
    notebook: str
    data: bytes
    order: tuple  # larger = later
    origin: str
    late: bool = False


@dataclass
class CollectReport:
    imported: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_existing: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    not_notebooks: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    late: list[str] = field(default_factory=list)
    no_submission: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _expected_notebooks(course: Course, assignment: str) -> list[str]:
    for folder in (course.folder("release") / assignment, course.folder("source") / assignment):
        names = sorted(p.stem for p in folder.glob("*.ipynb"))
        if names:
            return names
    raise CourseError(
        f"{course.folder('source') / assignment}: no notebooks for assignment '{assignment}'"
    )


def _target(filename: str, expected: list[str]) -> str | None:
    stem = Path(filename).stem
    if len(expected) == 1:
        return expected[0]
    base = COPY_SUFFIX.sub("", stem).lower()
    for name in expected:
        if name.lower() == base or name.lower() == stem.lower():
            return name
    return None


def _from_zip(path: Path, roster: dict[str, Student], expected, rep) -> list[Candidate]:
    out: list[Candidate] = []
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise CourseError(f"{path}: not a readable zip file ({exc})") from None
    with zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            base = Path(info.filename).name
            m = CANVAS.match(base)
            if not base.lower().endswith(".ipynb"):
                rep.not_notebooks.append(f"{path.name}:{info.filename}")
                continue
            if m is None:
                rep.errors.append(
                    f"{path.name}:{info.filename}: name is not <name>_<lmsid>_<subid>_<file>"
                )
                continue
            student = roster.get(m["lms"])
            if student is None:
                rep.unknown.append(f"{info.filename} (LMS id {m['lms']} is not on the roster)")
                continue
            nb = _target(m["file"], expected)
            if nb is None:
                rep.unmatched.append(f"{info.filename}: expected one of {expected}")
                continue
            out.append(
                Candidate(
                    student.student_id,
                    nb,
                    zf.read(info),
                    (int(m["sub"]), info.date_time),
                    f"{path.name}:{info.filename}",
                    late=bool(m["late"]),
                )
            )
    return out


def _from_folder(path: Path, roster: dict[str, Student], expected, rep) -> list[Candidate]:
    by_id = {s.student_id: s for s in roster.values()}
    out: list[Candidate] = []
    for sub in sorted(p for p in path.iterdir()):
        if not sub.is_dir():
            rep.not_notebooks.append(str(sub))
            continue
        student = by_id.get(sub.name) or roster.get(sub.name)
        if student is None:
            rep.unknown.append(f"{sub} (neither a student_id nor an lms_id on the roster)")
            continue
        for f in sorted(sub.rglob("*")):
            if not f.is_file():
                continue
            if f.suffix.lower() != ".ipynb":
                rep.not_notebooks.append(str(f))
                continue
            nb = _target(f.name, expected)
            if nb is None:
                rep.unmatched.append(f"{f}: expected one of {expected}")
                continue
            out.append(
                Candidate(student.student_id, nb, f.read_bytes(), (f.stat().st_mtime,), str(f))
            )
    return out


def collect(
    course: Course,
    assignment: str,
    source: str | Path,
    roster_path: str | Path,
    force: bool = False,
    out: TextIO = sys.stdout,
) -> CollectReport:
    """Import ``source`` (zip or folder) for ``assignment``; prints and returns what happened."""
    source = Path(source)
    roster_list = load_roster(roster_path)
    roster = {s.lms_id: s for s in roster_list}
    expected = _expected_notebooks(course, assignment)
    rep = CollectReport()
    if source.is_file() and source.suffix.lower() == ".zip":
        cands = _from_zip(source, roster, expected, rep)
    elif source.is_dir():
        cands = _from_folder(source, roster, expected, rep)
    else:
        raise CourseError(f"{source}: expected a .zip file or a folder")

    groups: dict[tuple[str, str], list[Candidate]] = {}
    for c in cands:
        groups.setdefault((c.student, c.notebook), []).append(c)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    submitted = course.folder("submitted")
    for (student, nb), group in sorted(groups.items()):
        group.sort(key=lambda c: c.order)
        keep = group[-1]
        if len(group) > 1:
            dropped = ", ".join(c.origin for c in group[:-1])
            rep.duplicates.append(f"{student}/{nb}: kept {keep.origin}; ignored {dropped}")
        if keep.late:
            rep.late.append(f"{student} ({keep.origin})")
        dest = submitted / student / assignment / f"{nb}.ipynb"
        label = f"{student}/{assignment}/{nb}.ipynb"
        if dest.exists():
            if dest.read_bytes() == keep.data:
                rep.unchanged.append(label)
                continue
            if not force:
                rep.kept_existing.append(label)
                continue
            backup = course.root / "collect-backups" / stamp / student / assignment
            shutil.copytree(dest.parent, backup, dirs_exist_ok=True)
            rep.replaced.append(f"{label} (old copy in {backup})")
        else:
            rep.imported.append(label)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(keep.data)
    have = {s for s, _ in groups} | {
        p.parent.name for p in submitted.glob(f"*/{assignment}") if p.is_dir()
    }
    rep.no_submission = sorted(s.student_id for s in roster_list if s.student_id not in have)
    _print(rep, assignment, out)
    return rep


def _print(rep: CollectReport, assignment: str, out: TextIO) -> None:
    sections = [
        ("imported", rep.imported),
        ("replaced (--force)", rep.replaced),
        ("unchanged (already collected)", rep.unchanged),
        (
            "KEPT EXISTING — differs from the download; re-run with --force to replace it "
            "(the old copy is backed up first)",
            rep.kept_existing,
        ),
        ("duplicates (kept the latest)", rep.duplicates),
        ("late", rep.late),
        ("UNKNOWN STUDENTS — not imported", rep.unknown),
        ("not notebooks — not imported", rep.not_notebooks),
        ("unexpected notebook names — not imported", rep.unmatched),
        ("unreadable names — not imported", rep.errors),
        ("on the roster but no submission", rep.no_submission),
    ]
    print(f"collect {assignment}:", file=out)
    for title, items in sections:
        if items:
            print(f"  {title}: {len(items)}", file=out)
            for item in items:
                print(f"    {item}", file=out)
