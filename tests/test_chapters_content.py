"""The structure and counts the course promises, checked on the built book and the vignette library.

Why on the built HTML: a chapter's source can look right and still lose a figure, a widget or a
question on the way to the page (a failing cell, a missing tag). These tests read what a learner
gets. The library-wide counts (vignettes per theme, decision points, endings) are checked with
the vignette engine itself, by enumerating every path through each script.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from conftest import ROOT

from alliance.vignettes import Vignette, load_all_vignettes, replay
from alliance.vignettes.schema import DIMENSIONS

CHAPTERS = sorted(p.stem for p in (ROOT / "chapters").glob("0[1-8]-*.md"))
TEMPLATE_SECTIONS = [
    "Overview",
    "Prerequisites",
    "Role-play",
    "Review questions",
    "Summary",
    "What's next",
    "Key terms",
]
MIN_REVIEW_QUESTIONS = 3
STUDY_GUIDE_QUESTIONS = {
    "How does empathy help build the alliance?": "02-empathy",
    "How does rapport make sessions more effective?": "03-rapport-and-bond",
    "What does a poor alliance do to outcomes": None,  # any chapter (chapter 1 and/or 8)
}
RUPTURE_THEMES = ("withdrawal-rupture", "confrontation-rupture", "repair")
MIN_VIGNETTES = 12
MIN_BEST_PATH_DECISIONS = 4
MIN_DISTINCT_ENDINGS = 2


def test_all_eight_chapters_exist() -> None:
    assert len(CHAPTERS) == 8, CHAPTERS


# ------------------------------------------------------------------------------------------------
# Reading the built pages
# ------------------------------------------------------------------------------------------------


@cache
def _page(html_path: str) -> BeautifulSoup:
    return BeautifulSoup(Path(html_path).read_text(), "html.parser")


def chapter_page(built_book: Path, stem: str) -> BeautifulSoup:
    return _page(str(built_book / "chapters" / f"{stem}.html"))


def _heading_text(heading: Tag) -> str:
    text = heading.get_text(" ", strip=True).replace("#", "").replace("’", "'")
    return re.sub(r"^[\d.]+\s*", "", text).strip()  # drop "1.3." section numbers


def sections(page: BeautifulSoup) -> dict[str, Tag]:
    """The chapter's ``##`` sections by title (their <section> elements)."""
    article = page.select_one("article.bd-article")
    assert article is not None, "no article element in the page"
    found: dict[str, Tag] = {}
    for heading in article.find_all("h2"):
        section = heading.find_parent("section")
        if section is not None:
            found[_heading_text(heading)] = section
    return found


def vignette_ids(page: BeautifulSoup) -> list[str]:
    """Ids of the vignettes whose widgets are displayed in the page (from the embedded state)."""
    state_tag = page.find("script", type="application/vnd.jupyter.widget-state+json")
    if state_tag is None:
        return []
    state = json.loads(state_tag.string)["state"]
    ids = []
    for view in page.find_all("script", type="application/vnd.jupyter.widget-view+json"):
        model = state.get(json.loads(view.string)["model_id"], {}).get("state", {})
        if str(model.get("_anywidget_id", "")).endswith("VignetteWidget"):
            ids.append(model["vignette"]["id"])
    return ids


@pytest.mark.slow
@pytest.mark.parametrize("stem", CHAPTERS)
def test_chapter_follows_the_template(built_book: Path, stem: str) -> None:
    found = sections(chapter_page(built_book, stem))
    missing = [name for name in TEMPLATE_SECTIONS if name not in found]
    assert not missing, f"{stem}: missing sections {missing}; found {list(found)}"
    order = [name for name in found if name in TEMPLATE_SECTIONS]
    assert order == TEMPLATE_SECTIONS, f"{stem}: template sections out of order: {order}"
    content = [name for name in found if name not in TEMPLATE_SECTIONS + ["Learning objectives"]]
    assert content, f"{stem}: no content sections between the template's sections"
    objectives = found.get("Learning objectives") or found["Overview"]
    assert objectives.find("li"), f"{stem}: the overview lists no learning objectives"
    key_terms = found["Key terms"].select('a[href*="glossary.html#term-"]')
    assert key_terms, f"{stem}: Key terms links no glossary term"


@pytest.mark.slow
@pytest.mark.parametrize("stem", CHAPTERS)
def test_chapter_has_a_captioned_figure_with_alt_text(built_book: Path, stem: str) -> None:
    article = chapter_page(built_book, stem).select_one("article.bd-article")
    figures = article.find_all("figure")
    good = [
        f
        for f in figures
        if (img := f.find("img")) is not None
        and img.get("alt", "").strip()
        and f.find("figcaption") is not None
        and f.find("figcaption").get_text(strip=True)
    ]
    assert good, f"{stem}: no <figure> with an <img> that has alt text and a caption"
    for img in article.find_all("img"):
        assert img.get("alt", "").strip(), f"{stem}: an image has no alt text: {img}"


@pytest.mark.slow
@pytest.mark.parametrize("stem", CHAPTERS)
def test_chapter_shows_a_vignette_in_its_role_play(built_book: Path, stem: str) -> None:
    page = chapter_page(built_book, stem)
    ids = vignette_ids(page)
    assert ids, f"{stem}: no vignette widget output in the page"
    shipped = {v.id for v in library()}
    assert set(ids) <= shipped, f"{stem}: shows unknown vignettes {set(ids) - shipped}"
    role_play = sections(page)["Role-play"]
    assert role_play.select("script[type='application/vnd.jupyter.widget-view+json']"), (
        f"{stem}: the vignette is not inside the Role-play section"
    )


@pytest.mark.slow
@pytest.mark.parametrize("stem", CHAPTERS)
def test_chapter_has_review_questions(built_book: Path, stem: str) -> None:
    section = sections(chapter_page(built_book, stem))["Review questions"]
    questions = section.select("div.alliance-rq")
    assert len(questions) >= MIN_REVIEW_QUESTIONS, f"{stem}: {len(questions)} review questions"
    kinds = Counter(q["data-kind"] for q in questions)
    assert kinds["choice"] >= 1, f"{stem}: no multiple-choice review question"
    for q in questions:
        if q["data-kind"] == "choice":
            assert q.select("fieldset legend"), f"{stem}: choice question without a legend"
            assert q.select("[aria-live='polite']"), f"{stem}: no live feedback region"
        else:
            assert q.select("textarea") and q.select("details summary")


@pytest.mark.slow
def test_study_guide_questions_are_asked(built_book: Path) -> None:
    prompts: dict[str, list[str]] = {}
    for stem in CHAPTERS:
        page = chapter_page(built_book, stem)
        prompts[stem] = [p.get_text(" ", strip=True) for p in page.select(".alliance-rq-prompt")]
    for question, where in STUDY_GUIDE_QUESTIONS.items():
        chapters = [s for s, ps in prompts.items() if any(question in p for p in ps)]
        assert chapters, f"no review question asks: {question!r}"
        if where is not None:
            assert where in chapters, f"{question!r} should be asked in {where}, found {chapters}"


@pytest.mark.slow
def test_every_chapter_vignette_is_displayed_somewhere(built_book: Path) -> None:
    shown = {vid for stem in CHAPTERS for vid in vignette_ids(chapter_page(built_book, stem))}
    for vignette in library():
        if vignette.chapter is not None:
            assert vignette.id in shown, f"{vignette.id} (chapter {vignette.chapter}) is not shown"
            stem = CHAPTERS[vignette.chapter - 1]
            assert vignette.id in vignette_ids(chapter_page(built_book, stem)), (
                f"{vignette.id} says chapter {vignette.chapter} but {stem} does not show it"
            )


# ------------------------------------------------------------------------------------------------
# The vignette library
# ------------------------------------------------------------------------------------------------


@cache
def library() -> tuple[Vignette, ...]:
    return tuple(load_all_vignettes())


def all_paths(vignette: Vignette) -> list[list[int]]:
    """Every simple path (0-based choice indices) from the start to an ending node."""
    paths: list[list[int]] = []

    def walk(node_id: str, choices: list[int], seen: frozenset[str]) -> None:
        node = vignette.nodes[node_id]
        if node.is_ending:
            paths.append(choices)
            return
        for index, choice in enumerate(node.choices):
            if choice.next not in seen:
                walk(choice.next, [*choices, index], seen | {choice.next})

    walk(vignette.start, [], frozenset({vignette.start}))
    return paths


def best_path_decisions(vignette: Vignette) -> tuple[str, int]:
    """The best ending (highest final bond+goals+tasks) and the longest path that reaches it."""
    plays = [replay(vignette, path) for path in all_paths(vignette)]
    assert plays, f"{vignette.id}: no path reaches an ending"
    total = {id(p): sum(p.final[d] for d in DIMENSIONS) for p in plays}
    best = max(total.values())
    best_endings = {p.ending for p in plays if total[id(p)] == best}
    longest = max(len(p.choices) for p in plays if p.ending in best_endings)
    return ", ".join(sorted(best_endings)), longest


def test_enough_vignettes_are_shipped() -> None:
    assert len(library()) >= MIN_VIGNETTES, [v.id for v in library()]


def test_every_chapter_has_a_vignette() -> None:
    chapters = Counter(v.chapter for v in library())
    missing = [n for n in range(1, 9) if chapters[n] == 0]
    assert not missing, f"chapters without a vignette: {missing}"


@pytest.mark.parametrize("theme", RUPTURE_THEMES)
def test_two_vignettes_per_rupture_theme(theme: str) -> None:
    ids = [v.id for v in library() if v.theme == theme]
    assert len(ids) >= 2, f"theme {theme}: only {ids}"


def test_every_vignette_has_a_long_enough_best_path_and_several_endings() -> None:
    problems = []
    for vignette in library():
        ending, decisions = best_path_decisions(vignette)
        if decisions < MIN_BEST_PATH_DECISIONS:
            problems.append(f"{vignette.id}: best ending {ending} reached in {decisions} choices")
        outcomes = {n.ending.outcome for n in vignette.nodes.values() if n.is_ending}
        if len(outcomes) < MIN_DISTINCT_ENDINGS:
            problems.append(f"{vignette.id}: only these ending outcomes: {sorted(outcomes)}")
        for node in vignette.nodes.values():
            if not node.is_ending and not 2 <= len(node.choices) <= 4:
                problems.append(f"{vignette.id}: node {node.id} has {len(node.choices)} choices")
    assert not problems, "\n".join(problems)


def test_best_path_counting_sees_a_short_script() -> None:
    """The path counter must be able to fail: a two-choice script has a best path of 2."""
    vignette = next(v for v in library() if v.id == "goals-different-agendas")
    plays = {tuple(p): replay(vignette, p) for p in all_paths(vignette)}
    assert (1, 2) in plays and plays[(1, 2)].outcome == "dropout-risk"
    assert min(len(p) for p in plays) == 2
    assert best_path_decisions(vignette)[1] >= MIN_BEST_PATH_DECISIONS


def test_graded_vignette_ps2_has_good_and_bad_endings() -> None:
    vignette = next(v for v in library() if v.id == "goals-different-agendas")
    outcomes = {n.ending.outcome for n in vignette.nodes.values() if n.is_ending}
    assert outcomes & {"strengthened", "repaired"}, outcomes
    assert outcomes & {"unresolved", "dropout-risk"}, outcomes


def test_every_vignette_passes_the_checker() -> None:
    files = sorted((ROOT / "src/alliance/vignettes/library").glob("*.yaml"))
    assert files
    result = subprocess.run(
        [str(Path(sys.executable).parent / "alliance"), "vignette", "check", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# ------------------------------------------------------------------------------------------------
# Glossary and citations, from the sources
# ------------------------------------------------------------------------------------------------

TERM_ROLE = re.compile(r"\{term\}`([^`]+)`")
CITE_ROLE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
SOURCES = sorted(
    [*(ROOT / "chapters").glob("*.md"), *(ROOT / "backmatter").glob("*.md"), ROOT / "intro.md"]
)


def glossary_terms() -> set[str]:
    text = (ROOT / "backmatter/glossary.md").read_text()
    terms: set[str] = set()
    for block in re.findall(r"```\{glossary\}\n(.*?)```", text, re.S):
        for line in block.splitlines():
            if line.strip() and not line[0].isspace() and not line.startswith(":"):
                terms.add(line.strip().casefold())
    return terms


def test_glossary_defines_every_term_used() -> None:
    defined = glossary_terms()
    assert defined, "the glossary defines no terms"
    missing = []
    for source in SOURCES:
        for match in TERM_ROLE.finditer(source.read_text()):
            target = match.group(1)
            target = re.search(r"<([^>]+)>\s*$", target).group(1) if "<" in target else target
            if target.strip().casefold() not in defined:
                missing.append(f"{source.relative_to(ROOT)}: {target}")
    assert not missing, "\n".join(missing)


def test_my_glossary_block_is_alphabetical() -> None:
    text = (ROOT / "backmatter/glossary.md").read_text()
    first = re.search(r"```\{glossary\}\n(.*?)```", text, re.S).group(1)
    terms = [ln.strip() for ln in first.splitlines() if ln.strip() and not ln[0].isspace()]
    assert terms == sorted(terms, key=str.casefold), terms


def test_every_cited_key_is_in_the_bibliography() -> None:
    bib = (ROOT / "references.bib").read_text()
    keys = Counter(re.findall(r"^@\w+\{([^,\s]+),", bib, re.M))
    assert not [k for k, n in keys.items() if n > 1], "duplicate keys in references.bib"
    missing = []
    vignette_text = "\n".join(p.read_text() for p in (ROOT / "src/alliance").rglob("*.yaml"))
    for source in SOURCES:
        for match in CITE_ROLE.finditer(source.read_text()):
            for key in match.group(1).split(","):
                if key.strip() not in keys:
                    missing.append(f"{source.relative_to(ROOT)}: {key.strip()}")
    for key in re.findall(r"^citation:\s*(\S+)", vignette_text, re.M):
        if key not in keys:
            missing.append(f"a package data file cites {key}")
    assert not missing, "\n".join(missing)
