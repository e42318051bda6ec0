"""Scoring the Illustrative Alliance Check, an invented nine-item alliance questionnaire.

Why an invented questionnaire: published alliance measures (the Working Alliance Inventory family,
the Session Rating Scale) are copyrighted and their items must not be reproduced in the course.
Trainees still need to practise the mechanics every real measure shares: reverse keying,
subscale scores, and what to do when a client skips an item. The items, the scale and the
missing-item rule live in ``illustrative_alliance_check.yaml``; this module validates that file
(with errors that name the file and line) and scores responses (with errors that name the item).

The scoring rule, stated once so that chapters, exercises and tests agree:

* Reverse-keyed items are re-keyed as ``min + max - response`` (on 1-5: 1<->5, 2<->4, 3 stays).
* A subscale score is the sum of its keyed items (3-15 for three items on 1-5).
* If at most ``max_missing_per_subscale`` of a subscale's items are unanswered, the subscale is
  prorated: the mean of the answered keyed items times the number of items in the subscale.
* If more are unanswered, the subscale is missing (``None``), and so is the total.
* The total is the sum of the subscale scores (9-45).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

DATA_FILE = "illustrative_alliance_check.yaml"


class QuestionnaireFileError(ValueError):
    """The questionnaire's data file is malformed; the message names file, line and problem."""


class ResponseError(ValueError):
    """A set of responses cannot be scored; the message names the item and the problem."""


@dataclass(frozen=True)
class Item:
    id: str
    subscale: str
    text: str
    reverse: bool


@dataclass(frozen=True)
class Questionnaire:
    """The parsed and validated questionnaire."""

    name: str
    short_name: str
    notice: str
    scale_min: int
    scale_max: int
    scale_labels: dict[int, str]
    subscales: dict[str, str]  # id -> label, in order
    items: tuple[Item, ...]
    max_missing_per_subscale: int

    def items_of(self, subscale: str) -> list[Item]:
        return [item for item in self.items if item.subscale == subscale]

    @property
    def item_ids(self) -> list[str]:
        return [item.id for item in self.items]

    def subscale_range(self, subscale: str) -> tuple[int, int]:
        n = len(self.items_of(subscale))
        return n * self.scale_min, n * self.scale_max

    @property
    def total_range(self) -> tuple[int, int]:
        n = len(self.items)
        return n * self.scale_min, n * self.scale_max

    def to_html(self) -> str:
        """The items as an HTML table, with the response scale as its caption.

        Why HTML: the book renders a notebook's HTML output as it is, whereas Markdown output
        reached the page as a paragraph of pipes. Every cell is escaped.
        """
        scale = ", ".join(f"{k} = {escape(v)}" for k, v in self.scale_labels.items())
        rows = "".join(
            "<tr>"
            f'<th scope="row">{escape(item.id)}</th>'
            f"<td>{escape(self.subscales[item.subscale])}</td>"
            f"<td>{escape(item.text)}</td>"
            f"<td>{'<strong>reverse</strong>' if item.reverse else 'forward'}</td>"
            "</tr>"
            for item in self.items
        )
        head = "".join(f'<th scope="col">{h}</th>' for h in ("Item", "Subscale", "Text", "Keyed"))
        return (
            f'<table class="table alliance-items">'
            f"<caption>{escape(self.name)} ({escape(self.short_name)}). "
            f"Response scale: {scale}.</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
        )


@dataclass(frozen=True)
class Scores:
    """Scores for one questionnaire; ``None`` means missing under the missing-item rule."""

    subscales: dict[str, float | None]
    total: float | None
    keyed: dict[str, int | None]  # item id -> response after reverse keying
    missing: dict[str, list[str]]  # subscale -> unanswered item ids
    prorated: list[str]  # subscales scored by proration

    def as_row(self) -> dict[str, float | None]:
        """Flat dict (subscales then total), handy for a table."""
        return {**self.subscales, "total": self.total}


# --- loading -------------------------------------------------------------------------------------


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line of every mapping, for error messages."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _fail(path: str, line: int | str, problem: str) -> QuestionnaireFileError:
    return QuestionnaireFileError(f"{path}, line {line}: {problem}")


def parse_questionnaire(text: str, path: str = DATA_FILE) -> Questionnaire:
    """Parse and validate questionnaire YAML; every problem names ``path`` and a line."""
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else "?"
        raise _fail(path, line, f"not valid YAML ({getattr(exc, 'problem', exc)})") from exc
    if not isinstance(data, dict):
        raise _fail(path, 1, "the file must be a mapping with name, scale, subscales and items")
    top = data["__line__"]
    for key in ("name", "short_name", "notice", "scale", "subscales", "items", "missing_rule"):
        if key not in data:
            raise _fail(path, top, f"missing required key '{key}'")

    scale = data["scale"]
    if not isinstance(scale, dict):
        raise _fail(path, top, "'scale' must be a mapping with min, max and labels")
    lo, hi = scale.get("min"), scale.get("max")
    if not (isinstance(lo, int) and isinstance(hi, int) and lo < hi):
        raise _fail(path, scale["__line__"], "scale 'min' and 'max' must be integers, min < max")
    labels = {k: v for k, v in (scale.get("labels") or {}).items() if k != "__line__"}
    if sorted(labels) != list(range(lo, hi + 1)):
        raise _fail(path, scale["__line__"], f"scale 'labels' must label every point {lo}..{hi}")

    subscales: dict[str, str] = {}
    if not isinstance(data["subscales"], list) or not data["subscales"]:
        raise _fail(path, top, "'subscales' must be a non-empty list")
    for entry in data["subscales"]:
        if not isinstance(entry, dict) or not {"id", "label"} <= entry.keys():
            raise _fail(path, _line(entry, top), "each subscale needs an 'id' and a 'label'")
        if entry["id"] in subscales:
            raise _fail(path, entry["__line__"], f"duplicate subscale id '{entry['id']}'")
        subscales[entry["id"]] = entry["label"]

    items: list[Item] = []
    seen: set[str] = set()
    if not isinstance(data["items"], list) or not data["items"]:
        raise _fail(path, top, "'items' must be a non-empty list")
    for entry in data["items"]:
        line = _line(entry, top)
        if not isinstance(entry, dict):
            raise _fail(path, line, "each item must be a mapping")
        for key in ("id", "subscale", "text", "reverse"):
            if key not in entry:
                raise _fail(path, line, f"item is missing '{key}'")
        if entry["id"] in seen:
            raise _fail(path, line, f"duplicate item id '{entry['id']}'")
        if entry["subscale"] not in subscales:
            raise _fail(
                path, line, f"item '{entry['id']}' names unknown subscale '{entry['subscale']}'"
            )
        if not isinstance(entry["reverse"], bool):
            raise _fail(path, line, f"item '{entry['id']}': 'reverse' must be true or false")
        if not isinstance(entry["text"], str) or not entry["text"].strip():
            raise _fail(path, line, f"item '{entry['id']}': 'text' must be a non-empty string")
        seen.add(entry["id"])
        items.append(Item(entry["id"], entry["subscale"], entry["text"].strip(), entry["reverse"]))
    for sub in subscales:
        if not any(item.subscale == sub for item in items):
            raise _fail(path, top, f"subscale '{sub}' has no items")

    rule = data["missing_rule"]
    max_missing = rule.get("max_missing_per_subscale") if isinstance(rule, dict) else None
    if not isinstance(max_missing, int) or max_missing < 0:
        raise _fail(
            path, _line(rule, top), "'max_missing_per_subscale' must be a non-negative integer"
        )
    for sub in subscales:
        if max_missing >= len([i for i in items if i.subscale == sub]):
            raise _fail(
                path, rule["__line__"], f"subscale '{sub}' could be scored with no items answered"
            )

    return Questionnaire(
        name=str(data["name"]),
        short_name=str(data["short_name"]),
        notice=str(data["notice"]).strip(),
        scale_min=lo,
        scale_max=hi,
        scale_labels=labels,
        subscales=subscales,
        items=tuple(items),
        max_missing_per_subscale=max_missing,
    )


def _line(entry: Any, default: int) -> int:
    return entry.get("__line__", default) if isinstance(entry, dict) else default


def load_questionnaire(path: str | Path | None = None) -> Questionnaire:
    """Load the course's questionnaire (or another file with the same layout)."""
    if path is None:
        return _packaged()
    path = Path(path)
    return parse_questionnaire(path.read_text(encoding="utf-8"), str(path))


@cache
def _packaged() -> Questionnaire:
    text = resources.files("alliance.measures").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return parse_questionnaire(text, DATA_FILE)


# --- scoring -------------------------------------------------------------------------------------


def _check_value(q: Questionnaire, item_id: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN, as pandas writes a blank
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ResponseError(
            f"item '{item_id}': response {value!r} is not a number "
            f"(expected a whole number {q.scale_min}-{q.scale_max}, or None if unanswered)"
        )
    if value != int(value):
        raise ResponseError(
            f"item '{item_id}': response {value!r} is not a whole number "
            f"(the scale has points {q.scale_min}-{q.scale_max})"
        )
    if not q.scale_min <= value <= q.scale_max:
        raise ResponseError(
            f"item '{item_id}': response {value!r} is outside the scale {q.scale_min}-{q.scale_max}"
        )
    return int(value)


def _as_mapping(q: Questionnaire, responses: Mapping[str, Any] | Sequence[Any]) -> dict[str, Any]:
    if isinstance(responses, Mapping):
        unknown = [key for key in responses if key not in q.item_ids]
        if unknown:
            raise ResponseError(
                f"unknown item id(s) {', '.join(map(repr, unknown))}; "
                f"the items are {', '.join(q.item_ids)}"
            )
        return {item_id: responses.get(item_id) for item_id in q.item_ids}
    if isinstance(responses, str | bytes):
        raise ResponseError("responses must be a mapping of item id to value, or a list")
    values = list(responses)
    if len(values) != len(q.items):
        raise ResponseError(
            f"got {len(values)} responses in a list, expected {len(q.items)} "
            f"(one per item, in the order {', '.join(q.item_ids)}; use None for a skipped item)"
        )
    return dict(zip(q.item_ids, values, strict=True))


def key_response(q: Questionnaire, item: Item, value: int) -> int:
    """Reverse-key a response if the item is reverse-keyed, so higher always means stronger."""
    return q.scale_min + q.scale_max - value if item.reverse else value


def score_responses(
    responses: Mapping[str, Any] | Sequence[Any], questionnaire: Questionnaire | None = None
) -> Scores:
    """Score one completed questionnaire.

    ``responses`` is a mapping of item id to a whole number on the scale (``None`` or an absent
    key = unanswered), or a list in item order. Invalid values raise :class:`ResponseError`.
    """
    q = questionnaire or load_questionnaire()
    raw = _as_mapping(q, responses)
    keyed: dict[str, int | None] = {}
    for item in q.items:
        value = _check_value(q, item.id, raw[item.id])
        keyed[item.id] = None if value is None else key_response(q, item, value)

    subscales: dict[str, float | None] = {}
    missing: dict[str, list[str]] = {}
    prorated: list[str] = []
    for sub in q.subscales:
        sub_items = q.items_of(sub)
        answered = [keyed[i.id] for i in sub_items if keyed[i.id] is not None]
        missing[sub] = [i.id for i in sub_items if keyed[i.id] is None]
        if len(missing[sub]) > q.max_missing_per_subscale:
            subscales[sub] = None
            continue
        if missing[sub]:
            prorated.append(sub)
            subscales[sub] = round(sum(answered) / len(answered) * len(sub_items), 2)
        else:
            subscales[sub] = float(sum(answered))
    values = list(subscales.values())
    total = None if any(v is None for v in values) else round(sum(values), 2)
    return Scores(subscales=subscales, total=total, keyed=keyed, missing=missing, prorated=prorated)
