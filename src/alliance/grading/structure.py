"""Put a submission's nbgrader structure back together, in memory, before nbgrader sees it.

Why: nbgrader crashes (``KeyError``) on two things students do — deleting an answer cell
together with its test, or duplicating a cell with its grade id — and on notebooks whose
nbgrader metadata was stripped by another editor (design.md §3). Plain nbgrader then grades
nothing for that student. Here, on the in-memory copy only (the submitted file is never
touched):

* of cells sharing a grade id only the last keeps it, as nbgrader's ``DeduplicateIds`` does,
  but the others lose their nbgrader metadata completely so nothing downstream trips on them;
* an answer cell whose metadata is gone is recognised by its first line (the released stub's
  first line, e.g. ``def tally(codes):``) and marked again;
* an answer cell that is truly gone is added back as the released stub, so its tests score 0
  and the rest of the notebook is graded normally. Deleted *test* cells are restored by
  nbgrader itself (``OverwriteCells.add_missing_cells``).

Every repair is described in plain words; the autograde summary shows them per student. The
nbgrader step that applies it is :class:`~alliance.grading.preprocessors.RepairStructure`.
"""

from __future__ import annotations

from nbformat import from_dict

from alliance.grading.gradebook import CellInfo


def _src(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def _gid(cell) -> str | None:
    meta = (cell.get("metadata") or {}).get("nbgrader")
    return meta.get("grade_id") if isinstance(meta, dict) else None


def repair_cells(cells: list, infos: list[CellInfo], make=from_dict) -> list[str]:
    """Repair ``cells`` (a notebook's cell list) in place; returns what was done."""
    issues: list[str] = []
    # 1. duplicated grade ids: the last occurrence keeps the id (nbgrader's choice)
    seen: set[str] = set()
    for cell in reversed(cells):
        gid = _gid(cell)
        if gid is None:
            continue
        if gid in seen:
            cell["metadata"].pop("nbgrader", None)
            issues.append(f"cell '{gid}' appeared more than once; graded the last copy")
        seen.add(gid)
    present = {_gid(c) for c in cells} - {None}
    order = [i.name for i in infos]
    # 2. answer cells whose marking is missing or that were deleted
    for info in infos:
        if not info.solution or info.name in present:
            continue
        stub_line = _first_line(info.source)
        match = None
        if stub_line:
            for cell in cells:
                if (
                    _gid(cell) is None
                    and cell.get("cell_type") == info.cell_type
                    and _first_line(_src(cell)) == stub_line
                ):
                    match = cell
                    break
        meta = {
            "schema_version": 3,
            "grade": info.graded,
            "solution": True,
            "locked": False,
            "grade_id": info.name,
        }
        if info.graded:
            meta["points"] = info.max_score
        if match is not None:
            match.setdefault("metadata", {})["nbgrader"] = meta
            issues.append(
                f"answer cell '{info.name}' had lost its nbgrader marking "
                "(recognised by its first line)"
            )
        else:
            source = info.source
            if info.graded:  # a manually graded answer: make sure a person looks at it
                note = "grader: this answer cell was missing and has been added back; look for "
                note += "the student's answer elsewhere in the notebook"
                source += f"\n\n*({note}.)*" if info.cell_type == "markdown" else f"\n# ({note})"
            new = {
                "cell_type": info.cell_type,
                "metadata": {"nbgrader": meta},
                "source": source,
            }
            if info.cell_type == "code":
                new.update(outputs=[], execution_count=None)
            index = _insert_at(cells, order, info.name)
            cells.insert(index, make(new))
            issues.append(f"answer cell '{info.name}' was deleted (graded as unanswered)")
        present.add(info.name)
    return issues


def _insert_at(cells: list, order: list[str], name: str) -> int:
    """After the nearest earlier marked cell (source order), else before the nearest later."""
    pos = order.index(name)
    where = {_gid(c): i for i, c in enumerate(cells) if _gid(c) is not None}
    for earlier in reversed(order[:pos]):
        if earlier in where:
            return where[earlier] + 1
    for later in order[pos + 1 :]:
        if later in where:
            return where[later]
    return len(cells)
