"""Checks on a submission before grading: files present, valid JSON, test cells untouched.

Why separate from grading: these problems must be reported per student in plain words even
when nbgrader itself only logs a traceback (invalid JSON) or says nothing (a missing notebook,
an edited test cell that it silently restores). Nothing here modifies a submission.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

from alliance.course.gradebook import CellInfo
from alliance.course.hidden import lines_marked_hidden
from alliance.course.repair import repair_cells


def tree_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` (relative path -> digest)."""
    out: dict[str, str] = {}
    if not folder.is_dir():
        return out
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            out[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _norm(source: str) -> str:
    """The source as the student received it: hidden-test blocks dropped, blank lines ignored."""
    return "\n".join(
        line.rstrip() for hidden, line in lines_marked_hidden(source) if not hidden and line.strip()
    )


def check_submission(folder: Path, notebooks: list[str], cells: list[CellInfo]) -> dict:
    """Problems with one student's submitted folder (no side effects).

    Returns ``{"missing": [...], "invalid": {nb: message}, "issues": [...], "gradable": bool}``.
    """
    missing: list[str] = []
    invalid: dict[str, str] = {}
    issues: list[str] = []
    for nb_name in notebooks:
        path = folder / f"{nb_name}.ipynb"
        if not path.is_file():
            missing.append(nb_name)
            issues.append(f"missing notebook {nb_name}.ipynb")
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            submitted_cells = data["cells"]
            if not isinstance(submitted_cells, list):
                raise ValueError("'cells' is not a list")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            invalid[nb_name] = f"{path.name}: not valid notebook JSON ({exc})"
            issues.append(invalid[nb_name])
            continue
        except (KeyError, TypeError, ValueError) as exc:
            invalid[nb_name] = f"{path.name}: not a notebook (no cell list: {exc})"
            issues.append(invalid[nb_name])
            continue
        submitted_cells = copy.deepcopy(submitted_cells)
        issues.extend(
            f"{nb_name}: {line}"
            for line in repair_cells(
                submitted_cells, [c for c in cells if c.notebook == nb_name], make=dict
            )
        )
        by_id: dict[str, str] = {}
        for cell in submitted_cells:
            meta = (cell.get("metadata") or {}).get("nbgrader") or {}
            if "grade_id" in meta:
                src = cell.get("source", "")
                by_id[meta["grade_id"]] = "".join(src) if isinstance(src, list) else str(src)
        for info in cells:
            if info.notebook != nb_name or not info.locked:
                continue
            kind = "test cell" if info.autograded else "locked cell"
            if info.name not in by_id:
                issues.append(f"{nb_name}: {kind} '{info.name}' was deleted (restored for grading)")
            elif _norm(by_id[info.name]) != _norm(info.source):
                issues.append(f"{nb_name}: {kind} '{info.name}' was edited (restored for grading)")
    # nbgrader is still run on invalid JSON so its gradebook row (0 points) matches plain nbgrader.
    gradable = len(missing) < len(notebooks)
    return {"missing": missing, "invalid": invalid, "issues": issues, "gradable": gradable}
