"""Read vignette YAML files, validate every field, and report every problem with its line.

Why compose YAML nodes instead of ``yaml.safe_load``: plain loading forgets line numbers and
silently keeps the last of two duplicate keys, so an author who pastes a node twice would lose one
without a word. Composing keeps each node's ``start_mark`` and lets us see both copies.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from alliance.vignettes import schema as s
from alliance.vignettes.checks import GraphNode, check_graph, did_you_mean
from alliance.vignettes.errors import Problem, VignetteError

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~10x faster
_TAG = "tag:yaml.org,2002:"
_ID_RE = re.compile(s.ID_PATTERN)
_NODE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

LIBRARY = Path(__file__).parent / "library"


def library_dir() -> Path:
    """Where the shipped vignettes live: one ``<id>.yaml`` each."""
    return LIBRARY


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _label(path: Path) -> str:
    """The path as an author would type it: relative to the working folder when possible."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


_KINDS = {
    "str": "text",
    "int": "a whole number",
    "float": "a decimal number",
    "bool": "true/false",
    "null": "nothing",
}


def _kind(node: yaml.Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    tag = node.tag.removeprefix(_TAG)
    return _KINDS.get(tag, tag)


@dataclass
class _Reader:
    """Walks one file's YAML nodes, collecting problems instead of stopping at the first."""

    path: str
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._constructor = SafeConstructor()

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def mapping(
        self,
        node: yaml.Node,
        where: str,
        keys: dict[str, bool] | None,
        owner_line: int,
        what: str = "key",
    ) -> dict[str, tuple[int, yaml.Node]] | None:
        if not isinstance(node, MappingNode):
            self.add(_line(node), f"{where} must be a mapping (key: value), got {_kind(node)}")
            return None
        out: dict[str, tuple[int, yaml.Node]] = {}
        for key_node, value_node in node.value:
            kline = _line(key_node)
            if not isinstance(key_node, ScalarNode):
                self.add(kline, f"{where}: a key must be a plain name, got {_kind(key_node)}")
                continue
            key = str(key_node.value)
            if key in out:
                self.add(kline, f"{where}: duplicate {what} '{key}' (first at line {out[key][0]})")
                continue
            if keys is not None and key not in keys:
                self.add(kline, f"{where}: unknown key '{key}'{did_you_mean(key, list(keys))}")
                continue
            out[key] = (kline, value_node)
        for key, required in (keys or {}).items():
            if required and key not in out:
                self.add(owner_line, f"{where}: missing required key '{key}'")
        return out

    def text(self, node: yaml.Node, where: str) -> str | None:
        if isinstance(node, ScalarNode) and node.tag == _TAG + "str":
            if not node.value.strip():
                self.add(_line(node), f"{where} is empty")
                return None
            return str(node.value)
        hint = ""
        if isinstance(node, ScalarNode) and node.tag in (_TAG + "bool", _TAG + "null"):
            hint = " (YAML reads this word specially: put the text in quotes)"
        elif isinstance(node, MappingNode):
            hint = " (a ': ' inside unquoted text starts a mapping: put the text in quotes)"
        self.add(_line(node), f"{where} must be text, got {_kind(node)}{hint}")
        return None

    def integer(self, node: yaml.Node, where: str, lo: int, hi: int) -> int | None:
        if not (isinstance(node, ScalarNode) and node.tag == _TAG + "int"):
            self.add(
                _line(node), f"{where} must be a whole number from {lo} to {hi}, got {_kind(node)}"
            )
            return None
        value = int(self._constructor.construct_object(node))
        if not lo <= value <= hi:
            self.add(_line(node), f"{where} is {value}, outside the allowed range {lo} to {hi}")
            return None
        return value

    def one_of(self, node: yaml.Node, where: str, allowed: Any, what: str) -> str | None:
        value = self.text(node, where)
        if value is None:
            return None
        if value not in allowed:
            options = ", ".join(allowed)
            self.add(
                _line(node),
                f"{where}: unknown {what} '{value}'{did_you_mean(value, list(allowed))}; "
                f"allowed: {options}",
            )
            return None
        return value

    def boolean(self, node: yaml.Node, where: str) -> bool | None:
        if isinstance(node, ScalarNode) and node.tag == _TAG + "bool":
            return bool(self._constructor.construct_object(node))
        self.add(_line(node), f"{where} must be true or false, got {_kind(node)}")
        return None

    def text_list(self, node: yaml.Node, where: str) -> list[str] | None:
        if not isinstance(node, SequenceNode):
            self.add(_line(node), f"{where} must be a list, got {_kind(node)}")
            return None
        if not node.value:
            self.add(_line(node), f"{where} is an empty list")
            return None
        items = [self.text(item, f"{where} item {i}") for i, item in enumerate(node.value, 1)]
        return None if any(v is None for v in items) else items  # type: ignore[return-value]

    def dims(
        self, node: yaml.Node, where: str, owner_line: int, lo: int, hi: int, default: int
    ) -> dict[str, int] | None:
        fields = self.mapping(node, where, dict.fromkeys(s.DIMENSIONS, False), owner_line)
        if fields is None:
            return None
        out = dict.fromkeys(s.DIMENSIONS, default)
        ok = True
        for dim, (_, value_node) in fields.items():
            value = self.integer(value_node, f"{where}.{dim}", lo, hi)
            if value is None:
                ok = False
            else:
                out[dim] = value
        return out if ok else None


@dataclass
class Parsed:
    """The result of reading one file: the vignette when it is valid, and every problem."""

    path: Path
    vignette: s.Vignette | None
    problems: list[Problem]
    id: str | None = None
    id_line: int = 1


def _parse_choice(r: _Reader, node: yaml.Node, where: str, owner_line: int) -> dict | None:
    f = r.mapping(node, where, s.CHOICE_KEYS, owner_line)
    if f is None:
        return None
    out: dict[str, Any] = {"line": owner_line, "next_line": owner_line, "id": None}
    if "id" in f:
        cid = r.text(f["id"][1], f"{where}: id")
        if cid is not None and not _NODE_ID_RE.match(cid):
            r.add(
                f["id"][0], f"{where}: id '{cid}' must use lower-case letters, digits, '-' or '_'"
            )
        else:
            out["id"] = cid
            out["id_line"] = f["id"][0]
    out["repair"] = False
    if "repair" in f:
        out["repair"] = bool(r.boolean(f["repair"][1], f"{where}: repair"))
    if "therapist" in f:
        out["therapist"] = r.text(f["therapist"][1], f"{where}: therapist")
    if "type" in f:
        out["type"] = r.one_of(f["type"][1], f"{where}: type", s.RESPONSE_TYPES, "response type")
    out["effect"] = dict.fromkeys(s.DIMENSIONS, 0)
    if "effect" in f:
        out["effect"] = r.dims(
            f["effect"][1], f"{where}: effect", f["effect"][0], s.EFFECT_MIN, s.EFFECT_MAX, 0
        )
    if "feedback" in f:
        out["feedback"] = r.text(f["feedback"][1], f"{where}: feedback")
    if "next" in f:
        out["next"] = r.text(f["next"][1], f"{where}: next")
        out["next_line"] = _line(f["next"][1])
    return out


def _parse_notes(r: _Reader, node: yaml.Node, where: str) -> tuple[s.Note, ...]:
    """Path-aware debrief lines: each needs ``text`` and exactly one of ``chose``/``visited``."""
    if not isinstance(node, SequenceNode):
        r.add(_line(node), f"{where} must be a list, got {_kind(node)}")
        return ()
    notes = []
    for i, item in enumerate(node.value, 1):
        here = f"{where} item {i}"
        f = r.mapping(item, here, s.NOTE_KEYS, _line(item))
        if f is None:
            continue
        conditions = [k for k in s.NOTE_CONDITIONS if k in f]
        if len(conditions) != 1:
            r.add(
                _line(item),
                f"{here} needs exactly one of 'chose' (a choice id) or 'visited' (a node id)",
            )
            continue
        target = r.text(f[conditions[0]][1], f"{here}: {conditions[0]}")
        text = r.text(f["text"][1], f"{here}: text") if "text" in f else None
        if target is not None and text is not None:
            notes.append(s.Note(conditions[0], target, text, _line(f[conditions[0]][1])))
    return tuple(notes)


def _check_note_targets(r: _Reader, nodes: dict[str, dict | None]) -> None:
    """Choice ids are unique in a file, and every note names a choice id or a node that exists."""
    choice_ids: dict[str, int] = {}
    for n in nodes.values():
        for c in (n or {}).get("choices", []):
            if c and c.get("id"):
                if c["id"] in choice_ids:
                    r.add(
                        c["id_line"],
                        f"choice id '{c['id']}' is already used at line {choice_ids[c['id']]}",
                    )
                else:
                    choice_ids[c["id"]] = c["id_line"]
    for node_id, n in nodes.items():
        for note in ((n or {}).get("ending") or {}).get("notes", ()):
            known = list(choice_ids) if note.when == "chose" else list(nodes)
            what = "choice id" if note.when == "chose" else "node"
            if note.target not in known:
                r.add(
                    note.line,
                    f"node '{node_id}': note {note.when} '{note.target}' names no "
                    f"{what}{did_you_mean(note.target, known)}",
                )


def _parse_node(r: _Reader, node_id: str, kline: int, node: yaml.Node) -> dict | None:
    where = f"node '{node_id}'"
    f = r.mapping(node, where, s.NODE_KEYS, kline)
    if f is None:
        return None
    out: dict[str, Any] = {"id": node_id, "line": kline, "cue": None, "rupture": None}
    has_choices, has_ending = "choices" in f, "ending" in f
    if has_choices and has_ending:
        r.add(kline, f"{where} has both choices and an ending: give it one or the other")
    elif not has_choices and not has_ending:
        r.add(kline, f"{where} needs either choices (2 to 4) or an ending")
    if "client" in f:
        out["client"] = r.text(f["client"][1], f"{where}: client")
    elif not has_ending:
        r.add(kline, f"{where}: missing required key 'client' (what the client says)")
    if "cue" in f:
        out["cue"] = r.text(f["cue"][1], f"{where}: cue")
    if "rupture" in f:
        out["rupture"] = r.one_of(f["rupture"][1], f"{where}: rupture", s.RUPTURES, "rupture")
    out["choices"] = []
    if has_choices:
        cline, cnode = f["choices"]
        if not isinstance(cnode, SequenceNode):
            r.add(_line(cnode), f"{where}: choices must be a list, got {_kind(cnode)}")
        else:
            n = len(cnode.value)
            if not s.MIN_CHOICES <= n <= s.MAX_CHOICES:
                r.add(
                    cline,
                    f"{where} has {n} choice{'s' if n != 1 else ''}; a node offers "
                    f"{s.MIN_CHOICES} to {s.MAX_CHOICES}",
                )
            for i, item in enumerate(cnode.value, 1):
                out["choices"].append(_parse_choice(r, item, f"{where} choice {i}", _line(item)))
    out["ending"] = None
    if has_ending:
        eline, enode = f["ending"]
        ef = r.mapping(enode, f"{where}: ending", s.ENDING_KEYS, eline)
        if ef is not None:
            end: dict[str, Any] = {}
            if "outcome" in ef:
                end["outcome"] = r.one_of(
                    ef["outcome"][1], f"{where}: ending outcome", s.OUTCOMES, "outcome"
                )
            if "debrief" in ef:
                end["debrief"] = r.text(ef["debrief"][1], f"{where}: ending debrief")
            end["notes"] = ()
            if "notes" in ef:
                end["notes"] = _parse_notes(r, ef["notes"][1], f"{where}: ending notes")
            out["ending"] = end
        else:
            out["ending"] = {}
    return out


def parse_text(text: str, path: Path, expected_id: str | None = None) -> Parsed:
    """Validate one vignette's YAML text; never raises for bad content (see ``Parsed``)."""
    r = _Reader(_label(path))
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        detail = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        r.add(mark.line + 1 if mark else 1, f"YAML syntax error: {detail}")
        return Parsed(path, None, r.problems)
    except yaml.YAMLError as exc:
        r.add(1, f"YAML error: {exc}")
        return Parsed(path, None, r.problems)
    if root is None:
        r.add(1, "the file is empty")
        return Parsed(path, None, r.problems)

    top = r.mapping(root, "vignette", s.TOP_KEYS, 1)
    if top is None:
        return Parsed(path, None, r.problems)
    v: dict[str, Any] = {}
    parsed = Parsed(path, None, r.problems)
    if "id" in top:
        line, node = top["id"]
        parsed.id_line = line
        vid = r.text(node, "id")
        if vid is not None:
            if not _ID_RE.match(vid):
                r.add(line, f"id '{vid}' must be kebab-case: lower-case letters, digits and '-'")
            elif expected_id is not None and vid != expected_id:
                r.add(line, f"id '{vid}' must equal the file name ('{expected_id}.yaml')")
        v["id"] = parsed.id = vid
    if "title" in top:
        v["title"] = r.text(top["title"][1], "title")
    if "theme" in top:
        v["theme"] = r.one_of(top["theme"][1], "theme", s.THEMES, "theme")
    v["chapter"] = None
    if "chapter" in top:
        v["chapter"] = r.integer(top["chapter"][1], "chapter", 1, 99)
    if "client" in top:
        cline, cnode = top["client"]
        cf = r.mapping(cnode, "client", s.CLIENT_KEYS, cline)
        if cf is not None:
            name = r.text(cf["name"][1], "client name") if "name" in cf else None
            bg = r.text(cf["background"][1], "client background") if "background" in cf else None
            v["client"] = s.Client(name, bg) if name and bg else None  # type: ignore[arg-type]
    if "objectives" in top:
        objectives = r.text_list(top["objectives"][1], "objectives")
        v["objectives"] = tuple(objectives) if objectives else None
    v["baseline"] = dict.fromkeys(s.DIMENSIONS, s.DEFAULT_BASELINE)
    if "baseline" in top:
        bline, bnode = top["baseline"]
        v["baseline"] = r.dims(
            bnode, "baseline", bline, s.SCALE_MIN, s.SCALE_MAX, s.DEFAULT_BASELINE
        )
    start: tuple[str, int] | None = None
    if "start" in top:
        sid = r.text(top["start"][1], "start")
        if sid is not None:
            start = (sid, _line(top["start"][1]))
    nodes: dict[str, dict | None] = {}
    graph: dict[str, GraphNode] = {}
    nodes_line = 1
    if "nodes" in top:
        nodes_line, nnode = top["nodes"]
        nf = r.mapping(nnode, "nodes", None, nodes_line, what="node id")
        if nf is not None:
            if not nf:
                r.add(nodes_line, "nodes is empty")
            for node_id, (kline, node) in nf.items():
                if not _NODE_ID_RE.match(node_id):
                    r.add(
                        kline,
                        f"node id '{node_id}' must use lower-case letters, digits, '-' or '_'",
                    )
                parsed_node = _parse_node(r, node_id, kline, node)
                nodes[node_id] = parsed_node
                if parsed_node is None:
                    graph[node_id] = GraphNode(kline, parsed=False)
                    continue
                graph[node_id] = GraphNode(
                    kline,
                    nexts=[
                        (c["next"], c["next_line"])
                        for c in parsed_node["choices"]
                        if c and c.get("next")
                    ],
                    is_ending=parsed_node["ending"] is not None,
                )
            for line, message in check_graph(graph, start, nodes_line):
                r.add(line, message)
            _check_note_targets(r, nodes)

    if r.problems:
        return parsed
    built = {
        node_id: s.Node(
            id=node_id,
            client=n["client"] if "client" in n else None,
            cue=n["cue"],
            rupture=n["rupture"],
            choices=tuple(
                s.Choice(
                    therapist=c["therapist"],
                    type=c["type"],
                    effect=c["effect"],
                    feedback=c["feedback"],
                    next=c["next"],
                    line=c["line"],
                    id=c["id"],
                    repair=c["repair"],
                )
                for c in n["choices"]
            ),
            ending=s.Ending(**n["ending"]) if n["ending"] is not None else None,
            line=n["line"],
        )
        for node_id, n in nodes.items()
        if n is not None
    }
    parsed.vignette = s.Vignette(
        id=v["id"],
        title=v["title"],
        theme=v["theme"],
        client=v["client"],
        objectives=v["objectives"],
        start=start[0] if start else "",
        nodes=built,
        baseline=v["baseline"],
        chapter=v["chapter"],
        source=path,
    )
    return parsed


_CACHE: dict[tuple[Path, str, str], tuple[int, int, Parsed]] = {}


def parse_file(path: str | Path) -> Parsed:
    """Validate one file (cached by modification time: the book loads vignettes at build time)."""
    path = Path(path)
    try:
        stat = path.stat()
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return Parsed(path, None, [Problem(_label(path), 1, f"cannot read file: {exc.strerror}")])
    except UnicodeDecodeError as exc:
        return Parsed(path, None, [Problem(_label(path), 1, f"not UTF-8 text: {exc.reason}")])
    key = (path.resolve(), str(path), os.getcwd())  # messages name the path as given
    cached = _CACHE.get(key)
    if cached and cached[:2] == (stat.st_mtime_ns, stat.st_size):
        return cached[2]
    parsed = parse_text(text, path, expected_id=path.stem)
    _CACHE[key] = (stat.st_mtime_ns, stat.st_size, parsed)
    return parsed


def check_files(paths: list[Path], *, rules: bool = True) -> list[Parsed]:
    """Validate several files and also flag a vignette id used by more than one of them.

    With ``rules`` (the checker's default), a valid file is also held to the teaching rules of
    ``rules.py`` (ending label vs meters, repairs, notes); those problems are listed but the
    vignette stays loaded, since it can still be played.
    """
    from alliance.vignettes.rules import ending_problems

    results = [parse_file(p) for p in paths]
    seen: dict[str, Parsed] = {}
    for result in results:
        if result.id is None:
            continue
        first = seen.setdefault(result.id, result)
        if first is not result:
            result.problems = [
                *result.problems,
                Problem(
                    _label(result.path),
                    result.id_line,
                    f"vignette id '{result.id}' is already used by "
                    f"{_label(first.path)}:{first.id_line}",
                ),
            ]
            result.vignette = None
    if rules:
        results = [
            Parsed(
                r.path,
                r.vignette,
                [
                    *r.problems,
                    *(
                        Problem(_label(r.path), line, msg)
                        for line, msg in ending_problems(r.vignette)
                    ),
                ],
                r.id,
                r.id_line,
            )
            if r.vignette is not None
            else r
            for r in results
        ]
    return results


def library_files() -> list[Path]:
    """The shipped vignette files, sorted by name (zero or more)."""
    return sorted(LIBRARY.glob("*.yaml")) if LIBRARY.is_dir() else []


def _is_path(id_or_path: str | Path) -> bool:
    if isinstance(id_or_path, Path):
        return True
    return id_or_path.endswith((".yaml", ".yml")) or "/" in id_or_path or os.sep in id_or_path


def known_ids() -> list[str]:
    return [p.stem for p in library_files()]


def load_vignette(id_or_path: str | Path) -> s.Vignette:
    """Load a shipped vignette by id, or any vignette file by path; raise on any problem.

    Raises ``LookupError`` for an unknown id and ``VignetteError`` (listing every problem with
    file and line) for an invalid file.
    """
    if _is_path(id_or_path):
        path = Path(id_or_path)
    else:
        path = LIBRARY / f"{id_or_path}.yaml"
        if not path.is_file():
            known = ", ".join(known_ids()) or "none yet"
            raise LookupError(f"unknown vignette id '{id_or_path}' (shipped vignettes: {known})")
    parsed = parse_file(path)
    if parsed.problems or parsed.vignette is None:
        raise VignetteError(parsed.problems)
    return parsed.vignette


def load_all_vignettes() -> list[s.Vignette]:
    """Every shipped vignette, validated together (duplicate ids across files included)."""
    results = check_files(library_files(), rules=False)
    problems = [p for r in results for p in r.problems]
    if problems:
        raise VignetteError(problems)
    return [r.vignette for r in results if r.vignette is not None]
