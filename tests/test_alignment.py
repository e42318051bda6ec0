"""The alignment map (issue 12.1): every objective practised or assessed, every reference real.

The map is ``src/alliance/data/alignment.yaml``. These tests check it against the course as it
is — the vignette library, every graded cell of every problem set in ``exercises/``, and each
chapter's Overview list — and check that the checks themselves fail on broken maps.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from alliance.data.alignment import (
    AlignmentError,
    chapter_objectives,
    check_references,
    load_alignment,
    plain_text,
)
from alliance.data.alignment_html import detail_table, summary_table

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "src" / "alliance" / "vignettes" / "library"


def vignette_ids() -> set[str]:
    return {p.stem for p in LIBRARY.glob("*.yaml")}


def graded_items() -> set[str]:
    """The grade id of every graded cell (tests and written answers) of every problem set."""
    items = set()
    for path in sorted((ROOT / "exercises").glob("*/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade"):
                items.add(meta["grade_id"])
    return items


def chapter_texts() -> dict[str, str]:
    return {
        str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
        for p in sorted((ROOT / "chapters").glob("*.md"))
    }


@pytest.fixture(scope="module")
def alignment():
    return load_alignment()


def test_every_objective_is_practised_or_assessed_and_every_reference_exists(alignment):
    problems = check_references(alignment, vignette_ids(), graded_items(), chapter_texts())
    assert not problems, "\n".join(problems)


def test_every_chapter_is_mapped(alignment):
    files = [c.file for c in alignment.chapters]
    assert files == sorted(chapter_texts()), "one entry per chapter, in order"
    for chapter in alignment.chapters:
        assert chapter.objectives, chapter.file


def test_every_problem_set_assesses_something(alignment):
    sets = {i.split("-")[0] for o in alignment.objectives for i in o.assessed}
    folders = {p.name for p in (ROOT / "exercises").iterdir() if p.is_dir()}
    assert sets == folders


def test_the_overview_lists_are_read_as_a_reader_sees_them():
    text = (ROOT / "chapters" / "03-rapport-and-bond.md").read_text(encoding="utf-8")
    items = chapter_objectives(text)
    assert len(items) >= 3
    assert not [i for i in items if "{" in i or "`" in i or "<" in i]
    assert plain_text("{term}`open questions <open question>`, about .28 {cite:p}`x2018`.") == (
        "open questions, about .28."
    )
    assert plain_text("the client's *perception* of it") == "the client's perception of it"


# --------------------------------------------------------------------------- the checks can fail
def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "alignment.yaml"
    path.write_text(body, encoding="utf-8")
    return path


GOOD = """\
chapters:
  - number: 1
    file: chapters/01-therapeutic-alliance.md
    objectives:
      - id: ch1-one
        text: "Do one thing."
        practised: [alliance-first-meeting]
        assessed: [ps6-a1-test-1]
      - id: ch1-two
        text: "Do another."
        practised: []
        assessed: []
"""


def test_an_objective_neither_practised_nor_assessed_is_reported(tmp_path):
    alignment = load_alignment(_write(tmp_path, GOOD))
    problems = check_references(alignment, vignette_ids(), {"ps6-a1-test-1"})
    assert problems == [
        f"{alignment.path}:9: ch1-two: neither practised in a vignette nor assessed"
    ]


def test_unknown_vignettes_and_items_and_unmapped_items_are_reported(tmp_path):
    body = GOOD.replace("alliance-first-meeting", "no-such-vignette")
    body = body.replace("ps6-a1-test-1", "ps9-nothing")
    alignment = load_alignment(_write(tmp_path, body))
    problems = "\n".join(check_references(alignment, vignette_ids(), {"ps1-lonely"}))
    assert "no vignette 'no-such-vignette'" in problems
    assert "no problem-set item 'ps9-nothing'" in problems
    assert "item 'ps1-lonely' assesses no objective" in problems


def test_wording_that_differs_from_the_chapter_is_reported(alignment):
    texts = chapter_texts()
    first = alignment.chapters[0]
    texts[first.file] = texts[first.file].replace(first.objectives[0].text.split()[0], "Recite", 1)
    problems = check_references(alignment, vignette_ids(), graded_items(), texts)
    assert len(problems) == 1 and "differ from the Overview" in problems[0]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("id: ch1-two", "id: ch1-one"), ":9: objective id 'ch1-one' repeats line 5"),
        (("id: ch1-two", "id: ch2-two"), ":9: objective id 'ch2-two' is in chapter 1"),
        (("        assessed: []\n", ""), ":9: missing 'assessed' (write [] for none)"),
        (("practised: []", "practised: [Not An Id]"), ":11: 'practised' holds 'Not An Id'"),
        (
            ('text: "Do another."', 'text: "Do another."\n        extra: 1'),
            ":9: unknown key 'extra'",
        ),
        (("number: 1", "number: one"), ":2: 'number' should be a whole number"),
    ],
)
def test_a_broken_map_names_file_line_and_problem(tmp_path, edit, message):
    path = _write(tmp_path, GOOD.replace(*edit))
    with pytest.raises(AlignmentError) as info:
        load_alignment(path)
    assert any(p.startswith(str(path)) and message in p for p in info.value.problems), str(
        info.value
    )


# --------------------------------------------------------------------------- the tables
def test_the_tables_name_every_objective_vignette_and_item(alignment):
    page = detail_table(alignment, lambda v: f"Title of {v}") + summary_table(alignment)
    for o in alignment.objectives:
        assert f"<code>{o.id}</code>" in page
        for item in o.assessed:
            assert f"<code>{item}</code>" in page
        for v in o.practised:
            assert f"Title of {v} (<code>{v}</code>)" in page
    assert page.count("<caption>") == 2 and 'scope="col"' in page and 'scope="row"' in page


@pytest.mark.slow
def test_the_book_shows_the_matrix(built_book):
    """The page is in the built book, with both tables drawn from the data (no Markdown pipes)."""
    html = (built_book / "backmatter" / "alignment.html").read_text(encoding="utf-8")
    alignment = load_alignment()
    assert html.count("<table") >= 2
    for o in alignment.objectives:
        assert o.id in html
    assert not re.search(r"\|\s*---", html)
    instructors = (built_book / "backmatter" / "for-instructors.html").read_text(encoding="utf-8")
    assert "alignment.html" in instructors, "the instructors' guide links to the matrix"
