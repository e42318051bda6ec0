"""The committed exercise notebooks: no outputs, in sync with their generator, sound metadata.

These tests read files only (no kernels), so they are fast; ``test_exercises_grading.py`` runs
nbgrader itself.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
ASSIGNMENTS = ["ps1", "ps2", "ps3", "ps4", "ps5"]


def _notebook(ps: str) -> Path:
    found = sorted((EXERCISES / ps).glob("*.ipynb"))
    assert len(found) == 1, f"expected one notebook in exercises/{ps}, found {found}"
    return found[0]


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory) -> Path:
    """The generator's output in a temporary folder."""
    out = tmp_path_factory.mktemp("exercises-rebuilt")
    _load("build").build(out=out)
    return out


def _load(name: str):
    """Import a module of the exercises generator without leaving __pycache__ in exercises/."""
    old_flag, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    sys.path.insert(0, str(EXERCISES))
    try:
        spec = importlib.util.spec_from_file_location(f"exercises_{name}", EXERCISES / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(EXERCISES))
        sys.dont_write_bytecode = old_flag


@pytest.mark.parametrize("ps", ASSIGNMENTS)
def test_committed_without_outputs(ps):
    nb = nbformat.read(_notebook(ps), as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{ps} cell {i} has outputs: clear them before committing"
            assert cell.execution_count is None, f"{ps} cell {i} has an execution count"


@pytest.mark.parametrize("ps", ASSIGNMENTS)
def test_notebooks_match_generator(ps, rebuilt):
    """Rebuilding gives the committed files (so hidden tests' expected values are current)."""
    committed = _notebook(ps)
    fresh = rebuilt / ps / committed.name
    assert json.loads(fresh.read_text()) == json.loads(committed.read_text()), (
        f"{committed.relative_to(ROOT)} differs from what exercises/build.py writes: "
        "run `python exercises/build.py` and commit the result"
    )
    for data in (rebuilt / ps).iterdir():
        if data.suffix != ".ipynb":
            assert (EXERCISES / ps / data.name).read_bytes() == data.read_bytes(), data.name


@pytest.mark.parametrize("ps", ASSIGNMENTS)
def test_nbgrader_metadata(ps):
    nb = nbformat.read(_notebook(ps), as_version=4)
    ids = [_meta(c)["grade_id"] for c in nb.cells if _meta(c)]
    assert len(ids) == len(set(ids)), f"{ps}: duplicate grade ids"
    tests = [c for c in nb.cells if _meta(c).get("grade") and c.cell_type == "code"]
    assert tests, f"{ps} has no autograded test cells"
    for cell in nb.cells:
        meta = _meta(cell)
        if not meta:
            continue
        assert meta["schema_version"] == 3
        if meta["grade"]:
            assert meta["points"] > 0, meta["grade_id"]
        if meta["grade"] and cell.cell_type == "code":
            assert meta["locked"] and not meta["solution"], meta["grade_id"]
            first = cell.source.splitlines()[0]
            assert first.startswith("# Checks"), f"{meta['grade_id']}: says what it checks first"
        if "BEGIN HIDDEN TESTS" in cell.source:
            assert meta["grade"], f"{meta['grade_id']}: hidden tests outside a grade cell"
            visible = cell.source.split("### BEGIN HIDDEN TESTS")[0]
            assert "assert " not in visible, (
                f"{meta['grade_id']}: a visible assert in a cell with hidden tests would be "
                "hidden from feedback along with them"
            )
        if meta["solution"] and cell.cell_type == "code":
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source


@pytest.mark.parametrize("ps", ASSIGNMENTS)
def test_header_points_and_how_to_submit(ps):
    """The header's point counts match the cells, and 'How to submit' is at the top."""
    nb = nbformat.read(_notebook(ps), as_version=4)
    head = nb.cells[0].source
    assert head.startswith("# Problem set")
    how = nb.cells[1].source
    assert how.startswith("> **How to submit**") and "Validate" in how
    graded = [(_meta(c), c.cell_type) for c in nb.cells if _meta(c).get("grade")]
    total = sum(m["points"] for m, _ in graded)
    auto = sum(m["points"] for m, kind in graded if kind == "code")
    match = re.search(
        r"(\d+) points(?:, all graded automatically|: (\d+) graded automatically)", head
    )
    assert match, f"{ps}: header should state the points"
    assert int(match[1]) == total
    assert int(match[2] or match[1]) == auto


def test_ps3_expected_values_agree_with_course_scorer():
    """ps3's hidden expectations come from the generator's scorer; the course's must agree."""
    from alliance.measures import score_responses

    ps3 = _load("source_ps3")
    for client, session, values in ps3.CASELOAD:
        responses = dict(zip(ps3.ITEM_IDS, values, strict=True))
        mine = ps3.reference_score(responses)
        theirs = score_responses(responses)
        assert mine["total"] == theirs.total, (client, session)
        for sub in ("bond", "goals", "tasks"):
            assert mine[sub] == theirs.subscales[sub], (client, session, sub)


def test_exercises_folder_holds_only_assignments():
    """nbgrader's formgrader lists every (non-hidden) folder in exercises/ as an assignment."""
    folders = sorted(p.name for p in EXERCISES.iterdir() if p.is_dir() and p.name[0] != ".")
    assert folders == ASSIGNMENTS
