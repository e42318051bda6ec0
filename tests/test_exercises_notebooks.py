"""The committed exercise notebooks: no outputs, in sync with their generator, sound metadata.

These tests read files only (no kernels), so they are fast; ``test_exercises_grading.py`` runs
nbgrader itself. Every test runs over every assignment folder in ``exercises/``, so a new problem
set is covered as soon as it exists.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
SOURCES = ROOT / "exercise_sources"
ASSIGNMENTS = sorted(p.name for p in EXERCISES.iterdir() if p.is_dir() and p.name[0] != ".")


def _notebook(ps: str) -> Path:
    found = sorted((EXERCISES / ps).glob("*.ipynb"))
    assert len(found) == 1, f"expected one notebook in exercises/{ps}, found {found}"
    return found[0]


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _generator(name: str):
    """A module of the generator in ``exercise_sources/`` (imported as the generator does)."""
    if str(SOURCES) not in sys.path:
        sys.path.insert(0, str(SOURCES))
    return __import__(name)


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory) -> Path:
    """The generator's output in a temporary folder."""
    out = tmp_path_factory.mktemp("exercises-rebuilt")
    _generator("build").build(out=out)
    return out


def test_generator_builds_every_assignment_folder():
    """The generator's list and the assignment folders agree (a new folder needs a source)."""
    assert _generator("build").ASSIGNMENTS == ASSIGNMENTS
    assert len(ASSIGNMENTS) >= 6


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
    assert fresh.is_file(), f"the generator writes no {committed.name}"
    assert json.loads(fresh.read_text()) == json.loads(committed.read_text()), (
        f"{committed.relative_to(ROOT)} differs from what exercise_sources/build.py writes: "
        "run `make exercises` and commit the result"
    )
    for data in (rebuilt / ps).iterdir():
        if data.suffix != ".ipynb":
            assert (EXERCISES / ps / data.name).read_bytes() == data.read_bytes(), data.name
    written = {p.name for p in (rebuilt / ps).iterdir()}
    assert {p.name for p in (EXERCISES / ps).iterdir()} == written, "stray files in the folder"


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
        assert meta["grade_id"].startswith(f"{ps}-"), meta["grade_id"]
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
def test_test_cells_compare_strictly_and_import_their_helpers(ps):
    """Issue 10.2: no test cell asks the student's object whether it is equal (==, in), each
    imports the helpers it uses, and each hint fits the line nbgrader's Validate shows."""
    builder = _generator("notebook_builder")
    nb = nbformat.read(_notebook(ps), as_version=4)
    for cell in nb.cells:
        if _meta(cell).get("grade") and cell.cell_type == "code":
            builder._check_test_code(_meta(cell)["grade_id"], cell.source)


def test_the_strictness_rule_can_fail():
    builder = _generator("notebook_builder")
    for bad in (
        "# Checks x.\nfrom alliance.exercises import same\nassert x == 1",
        "# Checks x.\nassert same(x, 1)",  # `same` not imported in the cell
        "# Checks x.\nfrom alliance.exercises import fail\nfail('" + "x" * 70 + "')",
        "# Checks x.\nassert x in ['a', 'b']",
    ):
        with pytest.raises(ValueError):
            builder._check_test_code("probe", bad)


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
    # each part's heading states its points, and they add up to the total
    parts = [
        int(m[1])
        for c in nb.cells
        for m in re.finditer(r"^## Part .*?\((\d+) point", c.source, re.M)
    ]
    assert sum(parts) == total, f"{ps}: parts state {parts}, the header {total}"


def test_ps3_expected_values_agree_with_course_scorer():
    """ps3's hidden expectations come from the generator's scorer; the course's must agree."""
    from alliance.measures import score_responses

    ps3 = _generator("source_ps3")
    for client, session, values in ps3.CASELOAD:
        responses = dict(zip(ps3.ITEM_IDS, values, strict=True))
        mine = ps3.reference_score(responses)
        theirs = score_responses(responses)
        assert mine["total"] == theirs.total, (client, session)
        for sub in ("bond", "goals", "tasks"):
            assert mine[sub] == theirs.subscales[sub], (client, session, sub)


def test_exercises_folder_holds_only_assignments():
    """nbgrader's formgrader lists every (non-hidden) folder in exercises/ as an assignment, so
    the generators live in exercise_sources/ and nothing but assignment folders lives here."""
    entries = sorted(p.name for p in EXERCISES.iterdir() if p.name[0] != ".")
    assert entries == ASSIGNMENTS
    assert all(re.fullmatch(r"ps\d+", name) for name in entries)
    assert not list(EXERCISES.rglob("__pycache__"))


def _course_text() -> dict[Path, str]:
    folders = [ROOT / "chapters", ROOT / "src" / "alliance" / "vignettes" / "library"]
    return {p: p.read_text(encoding="utf-8") for f in folders for p in sorted(f.iterdir())}


@pytest.mark.parametrize("ps", ASSIGNMENTS)
def test_exercise_people_are_nobody_else(ps):
    """Issue 9: each name is one person. The people a problem set invents (its PEOPLE list)
    appear in no chapter and no vignette, and in no other problem set."""
    people = _generator(f"source_{ps}").PEOPLE
    text = _course_text()
    for other in ASSIGNMENTS:
        if other != ps:
            text[_notebook(other)] = _notebook(other).read_text(encoding="utf-8")
    mine = _notebook(ps).read_text(encoding="utf-8")
    for name in people:
        pattern = re.compile(rf"\b{re.escape(name)}\b")
        assert pattern.search(mine), f"{ps}: PEOPLE lists {name}, who is not in the notebook"
        clash = [str(p.relative_to(ROOT)) for p, t in text.items() if pattern.search(t)]
        assert not clash, f"{ps}: {name} is also someone else in {clash}"


def test_people_check_can_fail():
    """The name check finds the people the course already has: every vignette's client."""
    import yaml

    text = "\n".join(_course_text().values())
    library = ROOT / "src" / "alliance" / "vignettes" / "library"
    names = [yaml.safe_load(f.read_text())["client"]["name"] for f in library.glob("*.yaml")]
    assert names
    for name in names:
        assert re.search(rf"\b{re.escape(name.split()[-1])}\b", text), name
