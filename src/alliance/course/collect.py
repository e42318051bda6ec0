"""Import an LMS download into nbgrader's ``submitted/<student>/<assignment>/`` layout.

Two shapes of download are understood:

* a Canvas-style zip of files named ``<name>_<lmsid>_<subid>_<file>.ipynb`` (Canvas inserts
  ``late_`` after the name for late work, and appends ``-1``, ``-2`` to re-uploaded file names);
* a folder with one sub-folder per student, named by student id or LMS id.

Why so careful: collecting is where work gets lost. Every file is accounted for (imported,
unchanged, duplicate, unknown student, not a notebook, too large); of duplicates the latest
(highest submission id, else newest file) is kept; an existing submission is never overwritten
silently — without ``--force`` it is kept and the new file is left alone; with ``--force`` the old
one is first copied to ``collect-backups/<time>/``.

Lateness is kept the way nbgrader keeps it: each imported submission gets a ``timestamp.txt``
(:mod:`alliance.course.lateness`) with the time the download gives its file, so the due date in
the gradebook and the course's late-penalty rule apply when it is autograded.

Sizes are bounded: a zip entry's declared size is checked before anything is read, and reading
stops at the limit even if the declaration lied, so a small zip that expands to gigabytes is
refused for that student while memory stays bounded (one notebook at a time is held).
"""

from __future__ import annotations

import contextlib
import re
import shutil
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from alliance.course.config import Course, CourseError
from alliance.course.lateness import TIMESTAMP_FILE, describe_late, timestamp_text
from alliance.course.roster import Student, load_roster
from alliance.safe_text import terminal_line

CANVAS = re.compile(
    r"^(?P<name>[^_]+)_(?P<late>late_)?(?P<lms>\d+)_(?P<sub>\d+)_(?P<file>.+)$", re.IGNORECASE
)
COPY_SUFFIX = re.compile(r"(-\d+| ?\(\d+\))$")
#: A notebook larger than this is refused (``--max-size``); real answers are far smaller.
DEFAULT_MAX_MB = 50
CHUNK = 1 << 20


@dataclass
class Candidate:
    """One notebook file in the download, not read yet."""

    student: str
    notebook: str
    size: int  # declared (zip) or on-disk size in bytes
    order: tuple  # larger = later
    origin: str
    opener: Callable[[], BinaryIO]
    submitted_at: datetime  # aware
    lms_late: bool = False


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
    too_large: list[str] = field(default_factory=list)
    late: list[str] = field(default_factory=list)
    no_submission: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
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


def _zone(name: str):
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CourseError(f"--timezone {name!r}: not a time zone (e.g. Europe/London)") from None


def _from_zip(
    zf: zipfile.ZipFile, path: Path, roster: dict[str, Student], expected, rep, zone
) -> list[Candidate]:
    out: list[Candidate] = []
    for info in zf.infolist():
        if info.is_dir():
            continue
        base = Path(info.filename).name
        where = f"{path.name}:{info.filename}"
        if not base.lower().endswith(".ipynb"):
            rep.not_notebooks.append(where)
            continue
        m = CANVAS.match(base)
        if m is None:
            rep.errors.append(f"{where}: name is not <name>_<lmsid>_<subid>_<file>")
            continue
        student = roster.get(m["lms"])
        if student is None:
            rep.unknown.append(f"{info.filename} (LMS id {m['lms']} is not on the roster)")
            continue
        nb = _target(m["file"], expected)
        if nb is None:
            rep.unmatched.append(f"{info.filename}: expected one of {expected}")
            continue
        try:
            when = datetime(*info.date_time, tzinfo=zone)
        except ValueError:  # a zip with an impossible date: fall back to the zip file's time
            when = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        out.append(
            Candidate(
                student.student_id,
                nb,
                info.file_size,
                (int(m["sub"]), info.date_time),
                where,
                opener=lambda info=info: zf.open(info),
                submitted_at=when,
                lms_late=bool(m["late"]),
            )
        )
    return out


def _from_folder(path: Path, roster: dict[str, Student], expected, rep) -> list[Candidate]:
    by_id = {s.student_id: s for s in roster.values()}
    out: list[Candidate] = []
    for sub in sorted(path.iterdir()):
        if sub.is_symlink() or not sub.is_dir():
            rep.not_notebooks.append(str(sub))
            continue
        student = by_id.get(sub.name) or roster.get(sub.name)
        if student is None:
            rep.unknown.append(f"{sub} (neither a student_id nor an lms_id on the roster)")
            continue
        for f in sorted(sub.rglob("*")):
            if f.is_symlink():
                rep.not_notebooks.append(f"{f} (a symbolic link, not a file)")
                continue
            if not f.is_file():
                continue
            if f.suffix.lower() != ".ipynb":
                rep.not_notebooks.append(str(f))
                continue
            nb = _target(f.name, expected)
            if nb is None:
                rep.unmatched.append(f"{f}: expected one of {expected}")
                continue
            st = f.stat()
            out.append(
                Candidate(
                    student.student_id,
                    nb,
                    st.st_size,
                    (st.st_mtime,),
                    str(f),
                    opener=lambda f=f: f.open("rb"),
                    submitted_at=datetime.fromtimestamp(st.st_mtime, UTC),
                )
            )
    return out


def read_bounded(opener: Callable[[], BinaryIO], limit: int) -> bytes | None:
    """The file's bytes, or None as soon as it proves larger than ``limit`` (memory bounded)."""
    chunks: list[bytes] = []
    total = 0
    with opener() as fh:
        while chunk := fh.read(CHUNK):
            total += len(chunk)
            if total > limit:
                return None
            chunks.append(chunk)
    return b"".join(chunks)


def _due(course: Course, assignment: str) -> datetime | None:
    """The assignment's due date in the gradebook (naive UTC), if it was released with one."""
    from nbgrader.api import Gradebook, MissingEntry

    url = course.db_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        return None  # nothing released yet: do not create a gradebook just to look
    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        try:
            return gb.find_assignment(assignment).duedate
        except MissingEntry:
            return None


def collect(
    course: Course,
    assignment: str,
    source: str | Path,
    roster_path: str | Path,
    force: bool = False,
    out: TextIO = sys.stdout,
    max_mb: float = DEFAULT_MAX_MB,
    timezone: str = "UTC",
) -> CollectReport:
    """Import ``source`` (zip or folder) for ``assignment``; prints and returns what happened."""
    source = Path(source)
    roster_list = load_roster(roster_path)
    roster = {s.lms_id: s for s in roster_list}
    expected = _expected_notebooks(course, assignment)
    zone = _zone(timezone)
    limit = int(max_mb * 1024 * 1024)
    rep = CollectReport()
    with contextlib.ExitStack() as stack:
        if source.is_file() and source.suffix.lower() == ".zip":
            try:
                zf = stack.enter_context(zipfile.ZipFile(source))
            except (zipfile.BadZipFile, OSError) as exc:
                raise CourseError(f"{source}: not a readable zip file ({exc})") from None
            cands = _from_zip(zf, source, roster, expected, rep, zone)
        elif source.is_dir():
            cands = _from_folder(source, roster, expected, rep)
        else:
            raise CourseError(f"{source}: expected a .zip file or a folder")
        have = _store(course, assignment, cands, rep, force, limit)
    due = _due(course, assignment)
    _lateness(rep, cands, have, due)
    submitted = course.folder("submitted")
    present = set(have) | {p.parent.name for p in submitted.glob(f"*/{assignment}") if p.is_dir()}
    rep.no_submission = sorted(s.student_id for s in roster_list if s.student_id not in present)
    _print(rep, assignment, out)
    return rep


def _store(course, assignment, cands, rep, force: bool, limit: int) -> dict[str, datetime]:
    """Write the latest candidate of each student and notebook; returns their submission times.

    ``timestamp.txt`` is (re)written when a notebook of the student was written in this run, or
    when it is missing beside an unchanged one (collected before lateness was kept).
    """
    groups: dict[tuple[str, str], list[Candidate]] = {}
    for c in cands:
        groups.setdefault((c.student, c.notebook), []).append(c)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    submitted = course.folder("submitted")
    times: dict[str, datetime] = {}
    written: set[str] = set()
    refused: set[str] = set()
    for (student, nb), group in sorted(groups.items()):
        group.sort(key=lambda c: c.order)
        keep = group[-1]
        if len(group) > 1:
            dropped = ", ".join(c.origin for c in group[:-1])
            rep.duplicates.append(f"{student}/{nb}: kept {keep.origin}; ignored {dropped}")
        data = _read_candidate(keep, limit, rep)
        if data is None:
            refused.add(student)
            continue
        dest = submitted / student / assignment / f"{nb}.ipynb"
        label = f"{student}/{assignment}/{nb}.ipynb"
        if dest.exists() and dest.read_bytes() == data:
            rep.unchanged.append(label)
        elif dest.exists() and not force:
            rep.kept_existing.append(label)
            continue
        else:
            if dest.exists():
                backup = course.root / "collect-backups" / stamp / student / assignment
                shutil.copytree(dest.parent, backup, dirs_exist_ok=True)
                rep.replaced.append(f"{label} (old copy in {backup})")
            else:
                rep.imported.append(label)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
            written.add(student)
        times[student] = max(times.get(student, keep.submitted_at), keep.submitted_at)
    for student, when in times.items():
        ts = submitted / student / assignment / TIMESTAMP_FILE
        if student in written or not ts.exists():
            ts.write_text(timestamp_text(when) + "\n", encoding="utf-8")
    return {s: t for s, t in times.items() if s not in refused}


def _read_candidate(keep: Candidate, limit: int, rep: CollectReport) -> bytes | None:
    """The kept file's bytes, or None (reported) when it is too large or cannot be read."""
    data = None
    if keep.size <= limit:
        try:
            data = read_bounded(keep.opener, limit)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            rep.errors.append(f"{keep.origin}: could not be read ({exc})")
            return None
    if data is None:
        size = max(keep.size, limit + 1)
        rep.too_large.append(
            f"{keep.student}: {keep.origin} is {size / 2**20:.0f} MB or more "
            f"(limit {limit / 2**20:g} MB; raise it with --max-size if it is genuine)"
        )
    return data


def _lateness(rep: CollectReport, cands, have: dict[str, datetime], due: datetime | None) -> None:
    lms_late = {c.student for c in cands if c.lms_late}
    for student in sorted(have):
        when = have[student].astimezone(UTC).replace(tzinfo=None)
        by_due = (when - due).total_seconds() if due else 0.0
        if by_due > 0 or student in lms_late:
            text = f"{student}: submitted {when:%Y-%m-%d %H:%M} UTC"
            if due:
                text += f", {describe_late(by_due)} late" if by_due > 0 else ", before the due date"
            if student in lms_late:
                text += "; the LMS marks it late"
            rep.late.append(text)
    if due is None and rep.late:
        rep.notes.append(
            "no due date in the gradebook for this assignment, so lateness cannot reach grades: "
            "set one with 'alliance course release ASSIGNMENT --due \"YYYY-MM-DD HH:MM ZONE\"'"
        )


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
        ("TOO LARGE — not imported", rep.too_large),
        ("UNKNOWN STUDENTS — not imported", rep.unknown),
        ("not notebooks — not imported", rep.not_notebooks),
        ("unexpected notebook names — not imported", rep.unmatched),
        ("unreadable — not imported", rep.errors),
        ("on the roster but no submission", rep.no_submission),
    ]
    print(f"collect {terminal_line(assignment)}:", file=out)
    for title, items in sections:
        if items:
            print(f"  {title}: {len(items)}", file=out)
            for item in items:
                print(f"    {terminal_line(item)}", file=out)
    for note in rep.notes:
        print(f"  note: {terminal_line(note)}", file=out)
