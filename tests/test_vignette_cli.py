"""``alliance vignette check`` and ``show`` (exit codes, output); the widget's Python side."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from alliance.cli import main
from alliance.vignettes import PathError, VignetteWidget, encode_path, load_vignette, loader, replay
from alliance.vignettes.schema import RESPONSE_TYPES

FIXTURES = Path(__file__).parent / "fixtures" / "vignettes"
BASIC = FIXTURES / "fixture-basic.yaml"
BAD = """\
id: broken
title: "Broken"
theme: empathie
client: {name: "X", background: "Y"}
objectives: ["Z"]
start: a
nodes:
  a:
    client: "Hi"
    choices:
      - {therapist: "A", type: advice, feedback: "f", next: b}
      - {therapist: "B", type: advise, feedback: "f", next: end}
  end:
    ending: {outcome: repaired, debrief: "d"}
"""


def test_check_valid_files_exits_0_with_a_summary_per_file(capsys) -> None:
    files = sorted(str(p) for p in FIXTURES.glob("*.yaml"))
    assert main(["vignette", "check", *files]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(files)
    assert out[0].endswith(
        "fixture-basic.yaml: ok: 'fixture-basic', 8 nodes, 4 endings "
        "(dropout-risk, repaired, strengthened, unresolved), shortest path 2 choices"
    )


def test_check_invalid_file_exits_1_and_prints_every_problem(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text(BAD, encoding="utf-8")
    assert main(["vignette", "check", str(BASIC), str(bad)]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert "fixture-basic.yaml: ok" in lines[0]
    assert lines[1:] == [
        f"{bad}:3: theme: unknown theme 'empathie' (did you mean 'empathy'?); allowed: "
        "empathy, rapport, goals-and-tasks, feedback, withdrawal-rupture, "
        "confrontation-rupture, repair",
        f"{bad}:11: node 'a': next 'b' names no node",
        f"{bad}:12: node 'a' choice 2: type: unknown response type 'advise' "
        "(did you mean 'advice'?); allowed: " + ", ".join(RESPONSE_TYPES),
    ]
    assert "3 problems in 1 of 2 file(s)" in captured.err


def test_check_with_no_files_checks_the_library(monkeypatch, tmp_path: Path, capsys) -> None:
    monkeypatch.setattr(loader, "LIBRARY", tmp_path)
    assert main(["vignette", "check"]) == 0
    assert "no vignette files in" in capsys.readouterr().out
    (tmp_path / "broken.yaml").write_text(BAD, encoding="utf-8")
    assert main(["vignette", "check"]) == 1
    assert "broken.yaml:3: theme" in capsys.readouterr().out


def test_check_a_folder_checks_its_yaml_files(capsys) -> None:
    assert main(["vignette", "check", str(FIXTURES)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split(": ok:")[0].rsplit("/", 1)[-1] for line in out] == [
        "fixture-basic.yaml",
        "fixture-payload.yaml",
    ]


def test_check_missing_file(tmp_path: Path, capsys) -> None:
    assert main(["vignette", "check", str(tmp_path / "nope.yaml")]) == 1
    assert "nope.yaml:1: cannot read file" in capsys.readouterr().out


def test_console_script_runs() -> None:
    exe = Path(sys.executable).parent / "alliance"
    result = subprocess.run(
        [str(exe), "vignette", "check", str(BASIC)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "ok: 'fixture-basic'" in result.stdout


def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    """`alliance vignette stats | head -1`: the command stops quietly when its reader leaves."""
    exe = Path(sys.executable).parent / "alliance"
    proc = subprocess.Popen(
        [str(exe), "vignette", "stats"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith(b"Library:")
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipe" not in err, err


def test_show_prints_an_outline(capsys) -> None:
    assert main(["vignette", "show", str(BASIC)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("A quiet week  [fixture-basic]")
    assert "[named]" in out and "-> end-repaired" in out and "ENDING: Rupture repaired" in out
    assert "; id homework-first)" in out and "; repair)" in out
    assert "note (if chose advice-sister): He told you about his sister" in out


def test_show_unknown_id(capsys) -> None:
    assert main(["vignette", "show", "no-such-vignette"]) == 1
    assert "unknown vignette id" in capsys.readouterr().err


def test_widget_python_side_replays_the_synced_path() -> None:
    w = VignetteWidget(BASIC, graded=True)
    assert w.vignette["id"] == "fixture-basic" and w.graded and w.path == []
    assert set(w.vocabulary["responseTypes"]) >= {"simple-reflection", "metacommunication"}
    w.path = [2, 0]  # what the JavaScript sends back in JupyterLab
    assert w.code == "fixture-basic:3-1" == encode_path(w.vignette_id, [2, 0])
    assert w.transcript() == replay(load_vignette(BASIC), [2, 0]).transcript
    assert w.playthrough().outcome == "repaired"
    assert w.transcript()[-1] == ("client", "Okay. Maybe we can slow down a bit.")


def test_widget_rejects_a_bad_starting_path() -> None:
    with pytest.raises(PathError, match="step 1: node 'opening' has 3 choices"):
        VignetteWidget(BASIC, path=[7])


def test_widget_state_carries_the_js_and_css() -> None:
    w = VignetteWidget(BASIC)
    state = w.get_state()
    assert "export default" in state["_esm"] and ".alliance-vignette" in state["_css"]
    assert state["vignette"]["nodes"]["opening"]["choices"][2]["type"] == "metacommunication"
