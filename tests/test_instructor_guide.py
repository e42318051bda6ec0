"""The instructor guide is true to the tool: every command it shows exists (with every option it
uses), and its worked example, re-run on a practice class, prints what the guide shows.

After a change to what a command prints, paste a fresh run into the guide with
``python tests/guide_runner.py --update`` and review the diff.
"""

from __future__ import annotations

import csv
import subprocess

import guide_runner
import instructor_class as ic
import pytest

TEXT = guide_runner.GUIDE.read_text(encoding="utf-8")
COMMANDS = sorted(set(guide_runner.all_commands(TEXT)))
CHECKED = [c for c in COMMANDS if guide_runner.help_command(c)]


def test_the_guide_shows_commands():
    assert any(c.startswith("alliance course written import") for c in COMMANDS)
    assert any(c.startswith("jupyter lab") for c in COMMANDS)
    assert not any(c.startswith("nbgrader formgrader") for c in COMMANDS), "no such command"


@pytest.mark.parametrize("line", CHECKED)
def test_every_command_exists_with_its_options(line):
    call = guide_runner.help_command(line)
    done = subprocess.run(
        [str(guide_runner.BIN / call[0]), *call[1:]], capture_output=True, text=True, timeout=120
    )
    text = done.stdout + done.stderr
    assert done.returncode == 0, f"{' '.join(call)}:\n{text}"
    assert "no longer a standalone command" not in text and "Unrecognized" not in text
    if call[0] == "alliance":
        assert done.stdout.startswith("usage: " + " ".join(call[:-1])), done.stdout[:200]
    for word in line.split():
        option = word.split("=", 1)[0]
        if option.startswith("--"):
            assert option in text, f"{option} is not an option of {' '.join(call[:-1])}"


@pytest.fixture(scope="module")
def example() -> guide_runner.WorkedExample:
    return guide_runner.shared_example()


@pytest.mark.slow
def test_the_worked_example_prints_what_the_guide_shows(example):
    assert len(example.commands) >= 10
    problems = guide_runner.differences(example)
    assert not problems, "\n\n".join(problems) + (
        "\n\nIf the change is intended: python tests/guide_runner.py --update"
    )


@pytest.mark.slow
def test_commands_succeed_unless_the_guide_shows_an_error(example):
    for cmd in example.commands:
        shows_error = any("error:" in line for line in cmd.expected)
        assert (cmd.returncode != 0) == shows_error, f"$ {cmd.line} exited {cmd.returncode}"


@pytest.mark.slow
def test_the_roster_sample_is_the_practice_roster(example):
    block = next(b for b in guide_runner.parse(TEXT) if b.body.startswith("student_id,lms_id"))
    roster = (example.workdir / "roster.csv").read_text(encoding="utf-8").splitlines()
    shown = block.body.strip().splitlines()
    assert shown == roster[: len(shown)]
    assert list(csv.DictReader(roster))[0]["student_id"] == ic.CLASS[0].student_id


@pytest.mark.slow
def test_the_late_rule_shown_is_the_one_applied(example):
    config = (example.workdir / "autograder" / "nbgrader_config.py").read_text()
    block = next(b for b in guide_runner.parse(TEXT) if "c.AssignLatePenalties" in b.body)
    assert block.body in config
    from alliance.course.classbook import read_assignment
    from alliance.course.config import load_course

    sub = read_assignment(load_course(example.workdir / "autograder"), "ps1").submissions["s06"]
    assert sub.late and sub.penalty == pytest.approx(0.10 * sub.raw_score, abs=1e-3)
