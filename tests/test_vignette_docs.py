"""The back-matter page "How to write a vignette" documents the whole vignette vocabulary."""

from __future__ import annotations

import re
from pathlib import Path

from alliance.vignettes import schema, scoring

PAGE = Path(__file__).resolve().parents[1] / "backmatter" / "writing-vignettes.md"


def test_page_lists_every_field_type_theme_and_outcome() -> None:
    text = PAGE.read_text(encoding="utf-8")
    table_keys = set(re.findall(r"^\| `([a-z-]+)` \|", text, flags=re.M))
    for group in (
        schema.TOP_KEYS,
        schema.NODE_KEYS,
        schema.CHOICE_KEYS,
        schema.RESPONSE_TYPES,
        schema.OUTCOMES,
    ):
        missing = set(group) - table_keys
        assert not missing, f"not documented in {PAGE.name}: {sorted(missing)}"
    for label in schema.OUTCOMES.values():
        assert f"| {label} |" in text
    for theme in schema.THEMES:
        assert f"`{theme}`" in text
    for key in (
        *schema.ENDING_KEYS,
        *schema.NOTE_KEYS,
        *schema.CLIENT_KEYS,
        *schema.DIMENSIONS,
        *schema.RUPTURES,
    ):
        assert f"`{key}`" in text


def test_page_states_each_types_miti4_code_as_the_data_file_does() -> None:
    text = PAGE.read_text(encoding="utf-8")
    section = text[text.index("### Response types") : text.index("### Outcomes")]
    rows = re.findall(r"^\| `([a-z-]+)` \| ([^|]+?) \|", section, flags=re.M)
    codes = scoring.MITI4_CODES
    assert [t for t, _ in rows] == list(schema.RESPONSE_TYPES)
    for kind, shown in rows:
        code = codes.by_type[kind]
        assert shown == (codes.labels[code] if code else "none"), kind


def test_page_gives_a_worked_example_for_every_type() -> None:
    text = PAGE.read_text(encoding="utf-8")
    section = text[text.index("## Labelling rules") : text.index("## Ending rules")]
    examples = re.findall(r'^\| `([a-z-]+)` \| "', section, flags=re.M)
    assert examples == list(schema.RESPONSE_TYPES)


def test_page_example_is_a_valid_vignette() -> None:
    text = PAGE.read_text(encoding="utf-8")
    included = re.search(r"```\{literalinclude\} (\S+)", text)
    assert included, "the page should include the example file"
    from alliance.vignettes.loader import parse_file

    assert parse_file(PAGE.parent / included.group(1)).problems == []
