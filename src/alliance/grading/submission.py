"""One student's submitted folder, checked and copied before grading; nothing else reaches nbgrader.

Why a checked copy: nbgrader reads ``submitted/`` directly and trusts what it finds. A notebook
that is a symbolic link was graded as whatever it pointed to (the source notebook, with its
answers); a linked data file was copied, with the grader's rights, into the kernel's folder; a
1 MB zip became a 1 GiB notebook that nbgrader loaded whole; invalid JSON crashed it. Here every
expected notebook must be a regular file within the size limit that parses as a notebook; other
regular files are copied within a total size limit; links and special files are skipped and
named. nbgrader then reads only this copy (``CourseDirectory.submitted_directory`` points at it).
The submission itself is never written: it is hashed before and after grading, without following
links or opening special files.

The problems found are typed :class:`~alliance.grading.results.Issue` objects in plain words:
structure damage (deleted or edited test cells, lost markings — repaired in memory by nbgrader's
run), invalid notebooks, links, sizes.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from alliance.grading.gradebook import CellInfo
from alliance.grading.hidden import lines_marked_hidden
from alliance.grading.results import Issue
from alliance.grading.structure import _gid, _src, repair_cells

MB = 1024 * 1024


@dataclass(frozen=True)
class SubmissionLimits:
    max_notebook_mb: int = 32
    max_folder_mb: int = 64


@dataclass
class Checked:
    """What the check found, and whether nbgrader gets to grade the staged copy."""

    student: str
    status: Literal["gradable", "missing", "error"]
    issues: list[Issue] = field(default_factory=list)
    hashes: dict[str, str] = field(default_factory=dict)


def tree_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every entry under ``folder`` (relative path -> digest), following no links.

    A link hashes as its target's name and a special file (FIFO, device) as its type, so a
    submission can neither make hashing hang nor make it read something outside the folder.
    """
    out: dict[str, str] = {}
    if folder.is_symlink() or not folder.is_dir():
        return out
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames + [d for d in dirnames if Path(dirpath, d).is_symlink()]):
            path = Path(dirpath) / name
            rel = str(path.relative_to(folder))
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                out[rel] = "link:" + os.readlink(path)
            elif stat.S_ISREG(mode):
                digest = hashlib.sha256()
                with path.open("rb") as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        digest.update(chunk)
                out[rel] = digest.hexdigest()
            else:
                out[rel] = f"special:{stat.S_IFMT(mode):o}"
    return out


def _norm(source: str) -> str:
    """The source as the student received it: hidden-test blocks dropped, blank lines ignored."""
    return "\n".join(
        line.rstrip() for hidden, line in lines_marked_hidden(source) if not hidden and line.strip()
    )


def _load_notebook(path: Path, limits: SubmissionLimits) -> tuple[dict | None, Issue | None]:
    """The parsed notebook, or why it cannot be graded (never reads more than the limit)."""
    name = path.name
    mode = path.lstat().st_mode
    if stat.S_ISLNK(mode):
        target = os.readlink(path)
        return None, Issue(
            "invalid",
            f"{name} is a symbolic link (to {target!r}), not a notebook file: not graded",
        )
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "a special file"
        return None, Issue("invalid", f"{name} is {kind}, not a notebook file: not graded")
    size = path.stat().st_size
    if size > limits.max_notebook_mb * MB:
        return None, Issue(
            "invalid",
            f"{name} is {size / MB:.0f} MB, over the {limits.max_notebook_mb} MB limit for a "
            "notebook: not graded",
        )
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        reason = "too deeply nested" if isinstance(exc, RecursionError) else str(exc)[:200]
        return None, Issue("invalid", f"{name}: not valid notebook JSON ({reason})")
    problem = _not_a_notebook(data)
    if problem:
        return None, Issue("invalid", f"{name}: not a notebook ({problem})")
    return data, None


def _not_a_notebook(data) -> str:
    if not isinstance(data, dict):
        return "the file is not a JSON object"
    cells = data.get("cells")
    if not isinstance(cells, list):
        return "no cell list"
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            return f"cell {number} is not a notebook cell"
        source = cell.get("source", "")
        if not isinstance(source, str) and not (
            isinstance(source, list) and all(isinstance(s, str) for s in source)
        ):
            return f"cell {number} has no text source"
        if not isinstance(cell.get("metadata", {}), dict):
            return f"cell {number} has invalid metadata"
    if not isinstance(data.get("metadata", {}), dict):
        return "invalid notebook metadata"
    return ""


def structure_issues(nb_name: str, cells: list, infos: list[CellInfo]) -> list[Issue]:
    """Damage to the nbgrader structure (repaired in memory when grading), in plain words."""
    cells = copy.deepcopy(cells)
    issues = [
        Issue("structure", f"{nb_name}: {line}")
        for line in repair_cells(cells, [c for c in infos if c.notebook == nb_name], make=dict)
    ]
    by_id = {gid: _src(cell) for cell in cells if (gid := _gid(cell)) is not None}
    for info in infos:
        if info.notebook != nb_name or not info.locked:
            continue
        kind = "test cell" if info.autograded else "locked cell"
        if info.name not in by_id:
            change = "deleted"
        elif _norm(by_id[info.name]) != _norm(info.source):
            change = "edited"
        else:
            continue
        message = f"{nb_name}: {kind} '{info.name}' was {change} (restored for grading)"
        issues.append(Issue("structure", message))
    return issues


def check_and_stage(
    student: str,
    folder: Path,
    dest: Path,
    notebooks: list[str],
    infos: list[CellInfo],
    limits: SubmissionLimits,
) -> Checked:
    """Check ``folder`` and copy what may be graded to ``dest`` (never modifies ``folder``)."""
    if folder.is_symlink():
        return Checked(
            student, "error", [Issue("invalid", "the submission folder is a symbolic link")]
        )
    checked = Checked(student, "missing", hashes=tree_hashes(folder))
    dest.mkdir(parents=True, exist_ok=True)
    staged = invalid = 0
    for nb_name in notebooks:
        path = folder / f"{nb_name}.ipynb"
        if not os.path.lexists(path):
            others = sorted(p.name for p in folder.iterdir() if p.name != "timestamp.txt")
            held = f" (the folder holds: {', '.join(others[:5])})" if others else ""
            checked.issues.append(Issue("other", f"missing notebook {nb_name}.ipynb{held}"))
            continue
        data, problem = _load_notebook(path, limits)
        if problem is not None:
            invalid += 1
            checked.issues.append(problem)
            continue
        checked.issues.extend(structure_issues(nb_name, data["cells"], infos))
        shutil.copyfile(path, dest / path.name)
        staged += 1
    budget = limits.max_folder_mb * MB
    expected = {f"{n}.ipynb" for n in notebooks}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not Path(dirpath, d).is_symlink())
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(folder)
            if str(rel) in expected:
                continue
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                checked.issues.append(Issue("invalid", f"skipped {rel}: a symbolic link"))
            elif not stat.S_ISREG(mode):
                checked.issues.append(Issue("invalid", f"skipped {rel}: not a regular file"))
            elif path.suffix == ".ipynb":
                checked.issues.append(
                    Issue("other", f"ignored {rel}: not a notebook of this assignment")
                )
            elif path.stat().st_size > budget:
                checked.issues.append(
                    Issue("invalid", f"skipped {rel}: the folder's files pass the size limit")
                )
            else:
                budget -= path.stat().st_size
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, dest / rel)
    if staged:
        checked.status = "gradable"
    elif invalid:
        checked.status = "error"
    return checked
