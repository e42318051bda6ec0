"""A graded vignette's best path is the only way to full marks (issue 9).

Why: ps2 and ps4 grade a pasted path code by replaying it. Full marks need the assignment's best
ending with no meter below its baseline. If any other path also earned them (an unrepaired
promise on the way, say), the grade would reward a mistake. Every path is replayed here; the
graded vignettes and their best endings are read from the assignment sources themselves.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from vignette_helpers import complete_paths

from alliance.vignettes import load_vignette, replay
from alliance.vignettes.stats import best_indices, best_paths

EXERCISES = Path(__file__).resolve().parents[1] / "exercise_sources"
MAX_STEPS = 16


def graded_vignettes() -> list[tuple[str, str]]:
    """(vignette id, best ending) for every assignment that grades a vignette."""
    found = []
    for source in sorted(EXERCISES.glob("source_ps*.py")):
        text = source.read_text(encoding="utf-8")
        if "add_vignette_part(" not in text:
            continue
        vid = re.search(r'^VIGNETTE = "([a-z0-9-]+)"', text, re.M)
        best = re.search(r'add_vignette_part\((?:[^()]|\([^()]*\))*?best="([a-z-]+)"', text, re.S)
        assert vid and best, f"{source.name}: cannot read the graded vignette and its best ending"
        found.append((vid[1], best[1]))
    return found


GRADED = graded_vignettes()


def test_the_graded_vignettes_are_found() -> None:
    assert dict(GRADED) == {
        "goals-different-agendas": "strengthened",
        "confrontation-homework": "repaired",
    }


@pytest.mark.parametrize(("vid", "best"), GRADED, ids=[g[0] for g in GRADED])
def test_best_path_is_the_only_way_to_full_marks(vid: str, best: str) -> None:
    v = load_vignette(vid)
    model = best_paths(v)
    assert len(model) == 1, f"{vid}: the best path must be unique (no tie for best): {model}"
    ((model_path, model_end),) = model
    assert v.nodes[model_end].ending.outcome == best
    full_marks = []
    for path in complete_paths(v, MAX_STEPS):
        p = replay(v, path)
        if p.outcome == best and all(vals[-1] >= vals[0] for vals in p.trajectory.values()):
            full_marks.append(path)
    assert full_marks == [model_path], f"{vid}: these paths also earn full marks: " + ", ".join(
        replay(v, p).code for p in full_marks if p != model_path
    )


@pytest.mark.parametrize(("vid", "best"), GRADED, ids=[g[0] for g in GRADED])
def test_every_step_of_the_best_path_has_one_best_option(vid: str, best: str) -> None:
    v = load_vignette(vid)
    ((path, _),) = best_paths(v)
    node_id = v.start
    for index in path:
        assert best_indices(v, node_id) == (index,), node_id
        node_id = v.nodes[node_id].choices[index].next
