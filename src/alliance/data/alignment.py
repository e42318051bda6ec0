"""The course's alignment map: each chapter objective, what practises it and what assesses it.

Why data: a reviewer (and an instructor) asks of every objective "where do students practise it,
and where is it graded?". Stating the answer once, in ``alignment.yaml``, lets the book show the
matrix and lets the tests fail when an objective is left neither practised nor assessed, or when
the map names a vignette or a problem-set item that does not exist.

The loader checks the file's own structure and reports every problem with its line; it needs no
checkout. Cross-references (vignette ids, nbgrader grade ids, chapter wording) are checked by
:func:`check_references` against sets the caller supplies, because the problem sets live in the
repository's ``exercises/`` folder, not in the installed package.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

_ID = re.compile(r"^ch(\d+)-[a-z0-9][a-z0-9-]*$")
_REF = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_OBJECTIVE_KEYS = {"id", "text", "practised", "assessed", "note"}
_CHAPTER_KEYS = {"number", "file", "objectives"}


@dataclass(frozen=True)
class Objective:
    """One learning objective, as its chapter's Overview states it."""

    id: str
    chapter: int
    text: str
    practised: tuple[str, ...]  # vignette ids
    assessed: tuple[str, ...]  # nbgrader grade ids of problem-set items
    note: str | None
    line: int


@dataclass(frozen=True)
class Chapter:
    number: int
    file: str  # the chapter's path in the repository, e.g. chapters/01-therapeutic-alliance.md
    objectives: tuple[Objective, ...]


@dataclass(frozen=True)
class Alignment:
    path: str
    chapters: tuple[Chapter, ...]

    @property
    def objectives(self) -> list[Objective]:
        return [o for c in self.chapters for o in c.objectives]


class AlignmentError(ValueError):
    """The alignment file is malformed; the message lists every problem as ``file:line: ...``."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def default_path() -> Path:
    return Path(str(resources.files("alliance.data").joinpath("alignment.yaml")))


def load_alignment(path: Path | str | None = None) -> Alignment:
    """Read and validate the map (the shipped one by default); raise AlignmentError on problems."""
    path = Path(path) if path is not None else default_path()
    label = str(path)
    problems: list[str] = []

    def bad(node: yaml.Node, message: str) -> None:
        problems.append(f"{label}:{node.start_mark.line + 1}: {message}")

    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise AlignmentError([f"{label}:{line}: not valid YAML: {exc}"]) from None
    if not isinstance(root, MappingNode) or _get(root, "chapters") is None:
        raise AlignmentError([f"{label}:1: expected a mapping with a 'chapters' list"])

    chapters: list[Chapter] = []
    seen: dict[str, int] = {}
    chapter_nodes = _get(root, "chapters")
    if not isinstance(chapter_nodes, SequenceNode):
        bad(chapter_nodes, "'chapters' should be a list")
        raise AlignmentError(problems)
    for node in chapter_nodes.value:
        if not isinstance(node, MappingNode):
            bad(node, "each chapter should be a mapping with number, file and objectives")
            continue
        _unknown_keys(node, _CHAPTER_KEYS, bad)
        number = _int(_get(node, "number"), node, "number", bad)
        file = _text(_get(node, "file"), node, "file", bad)
        objectives: list[Objective] = []
        obj_nodes = _get(node, "objectives")
        if not isinstance(obj_nodes, SequenceNode) or not obj_nodes.value:
            bad(obj_nodes or node, "'objectives' should be a non-empty list")
            obj_nodes = SequenceNode("tag:yaml.org,2002:seq", [])
        for obj in obj_nodes.value:
            objective = _objective(obj, number, bad, seen)
            if objective is not None:
                objectives.append(objective)
        chapters.append(Chapter(number or 0, file or "", tuple(objectives)))
    numbers = [c.number for c in chapters]
    if numbers != sorted(set(numbers)):
        problems.append(f"{label}:1: chapters should be listed once each, in order: {numbers}")
    if problems:
        raise AlignmentError(problems)
    return Alignment(label, tuple(chapters))


def _objective(node, chapter, bad, seen: dict[str, int]) -> Objective | None:
    if not isinstance(node, MappingNode):
        bad(node, "each objective should be a mapping with id, text, practised and assessed")
        return None
    _unknown_keys(node, _OBJECTIVE_KEYS, bad)
    oid = _text(_get(node, "id"), node, "id", bad)
    line = node.start_mark.line + 1
    if oid is not None:
        match = _ID.match(oid)
        if not match:
            bad(node, f"objective id {oid!r} should look like 'ch1-some-words'")
        elif chapter is not None and int(match[1]) != chapter:
            bad(node, f"objective id {oid!r} is in chapter {chapter}")
        if oid in seen:
            bad(node, f"objective id {oid!r} repeats line {seen[oid]}")
        seen.setdefault(oid, line)
    text = _text(_get(node, "text"), node, "text", bad)
    practised = _refs(_get(node, "practised"), node, "practised", bad)
    assessed = _refs(_get(node, "assessed"), node, "assessed", bad)
    note_node = _get(node, "note")
    note = _text(note_node, node, "note", bad) if note_node is not None else None
    if oid is None or text is None or practised is None or assessed is None:
        return None
    return Objective(oid, chapter or 0, text, practised, assessed, note, line)


def _get(node: MappingNode, key: str):
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value == key:
            return v
    return None


def _unknown_keys(node: MappingNode, allowed: set[str], bad) -> None:
    keys = [k.value for k, _ in node.value if isinstance(k, ScalarNode)]
    for key in keys:
        if key not in allowed:
            bad(node, f"unknown key {key!r} (expected {', '.join(sorted(allowed))})")
    for key in {k for k in keys if keys.count(k) > 1}:
        bad(node, f"key {key!r} appears twice")


def _scalar(value, parent, key: str, tag: str, kind: str, bad) -> str | None:
    """The text of a scalar of YAML type ``tag`` (``str``, ``int``), or None after a problem."""
    if value is None:
        bad(parent, f"missing '{key}'")
        return None
    if not isinstance(value, ScalarNode) or value.tag != f"tag:yaml.org,2002:{tag}":
        bad(value, f"'{key}' should be {kind}")
        return None
    if not value.value.strip():
        bad(value, f"'{key}' is empty")
        return None
    return value.value


def _text(value, parent, key: str, bad) -> str | None:
    return _scalar(value, parent, key, "str", "text", bad)


def _int(value, parent, key: str, bad) -> int | None:
    found = _scalar(value, parent, key, "int", "a whole number", bad)
    return None if found is None else int(found)


def _refs(value, parent, key: str, bad) -> tuple[str, ...] | None:
    if value is None:
        bad(parent, f"missing '{key}' (write [] for none)")
        return None
    if not isinstance(value, SequenceNode):
        bad(value, f"'{key}' should be a list of ids")
        return None
    refs = []
    for item in value.value:
        if not isinstance(item, ScalarNode) or not _REF.match(item.value):
            bad(item, f"'{key}' holds {getattr(item, 'value', item)!r}: not an id")
            continue
        if item.value in refs:
            bad(item, f"'{key}' names {item.value!r} twice")
        refs.append(item.value)
    return tuple(refs)


# --------------------------------------------------------------------------- cross-references
_ROLE = re.compile(r"\{(?P<role>[\w:-]+)\}`(?P<body>[^`]*)`")


def plain_text(myst: str) -> str:
    """A line of MyST as a reader sees it: roles replaced by their text, citations and emphasis
    marks left out."""

    def replace(match: re.Match) -> str:
        role, body = match["role"], match["body"]
        if role.startswith("cite"):
            return ""
        return re.sub(r"\s*<[^>]*>\s*$", "", body)

    text = _ROLE.sub(replace, myst)
    text = re.sub(r"\*{1,2}([^*]+)\*{1,2}", r"\1", text)  # emphasis
    text = " ".join(text.split())
    return re.sub(r"\s+([.,;:])(?=\s|$)", r"\1", text)


def chapter_objectives(markdown: str) -> list[str]:
    """The items of a chapter's "By the end of this chapter you will be able to:" list."""
    lines = markdown.split("\n")
    try:
        start = next(i for i, line in enumerate(lines) if "you will be able to" in line)
    except StopIteration:
        return []
    items: list[str] = []
    for line in lines[start + 1 :]:
        if line.startswith("- "):
            items.append(line[2:])
        elif line.startswith("  ") and items:
            items[-1] += " " + line.strip()
        elif line.strip() or items:
            if items:
                break
    return [plain_text(item) for item in items]


def check_references(
    alignment: Alignment,
    vignettes: Iterable[str],
    items: Iterable[str],
    chapter_text: dict[str, str] | None = None,
) -> list[str]:
    """Every problem with the map against the course as it is, one line each.

    ``vignettes``: the ids in the vignette library; ``items``: every graded cell's grade id in
    every problem set; ``chapter_text``: chapter file path -> its Markdown (to compare wording).
    """
    vignettes, items = set(vignettes), set(items)
    problems = []
    for o in alignment.objectives:
        where = f"{alignment.path}:{o.line}: {o.id}"
        if not o.practised and not o.assessed:
            problems.append(f"{where}: neither practised in a vignette nor assessed")
        problems += [f"{where}: no vignette {v!r}" for v in o.practised if v not in vignettes]
        problems += [f"{where}: no problem-set item {i!r}" for i in o.assessed if i not in items]
    mapped = {i for o in alignment.objectives for i in o.assessed}
    problems += [
        f"{alignment.path}: item {i!r} assesses no objective: add it to one"
        for i in sorted(items - mapped)
    ]
    for chapter in alignment.chapters:
        if chapter_text is None:
            break
        if chapter.file not in chapter_text:
            problems.append(f"{alignment.path}: chapter {chapter.number}: no file {chapter.file}")
            continue
        theirs = chapter_objectives(chapter_text[chapter.file])
        ours = [o.text for o in chapter.objectives]
        if theirs != ours:
            problems.append(
                f"{alignment.path}: chapter {chapter.number}'s objectives differ from the "
                f"Overview of {chapter.file}:\n  chapter: {theirs}\n  map:     {ours}"
            )
    return problems
