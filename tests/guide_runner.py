"""Run the worked example of ``backmatter/for-instructors.md`` and compare it with the guide.

The guide's ``console`` blocks that start with an ``alliance`` command are the worked example:
they run in document order, in a fresh copy of the course (``exercises/`` and ``autograder/``)
with the practice class's downloads (:mod:`instructor_class`), and what each command prints is
compared with the output pasted under it: run times, spacing and the temporary folder may
differ; every line, word and score must match. A ``python`` block that sets the late-penalty rule is
appended to the course config where it appears, and the ``text`` block showing the roster must
be the practice roster's first lines.

Run ``python tests/guide_runner.py --update`` to paste a fresh run's outputs into the guide
(after a change to what the commands print); the guide test then checks they stay true.
"""

from __future__ import annotations

import atexit
import csv
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import instructor_class as ic  # noqa: E402

GUIDE = ic.REPO / "backmatter" / "for-instructors.md"
BIN = Path(sys.executable).parent
FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
PROGRESS = re.compile(r"^\s*\[[#.]+\] ")


@dataclass
class Command:
    line: str  # without the "$ "
    expected: list[str]
    actual: list[str] = field(default_factory=list)
    returncode: int = 0


@dataclass
class Block:
    lang: str
    start: int  # offsets of the block's body in the guide text
    end: int
    body: str
    commands: list[Command] = field(default_factory=list)

    @property
    def worked(self) -> bool:
        return (
            self.lang == "console"
            and bool(self.commands)
            and self.commands[0].line.startswith("alliance ")
        )


def parse(text: str) -> list[Block]:
    blocks = []
    for m in FENCE.finditer(text):
        block = Block(m.group(1), m.start(2), m.end(2), m.group(2))
        if block.lang == "console":
            for line in block.body.splitlines():
                if line.startswith("$ "):
                    block.commands.append(Command(line[2:].strip(), []))
                elif block.commands:
                    block.commands[-1].expected.append(line)
        blocks.append(block)
    return blocks


def all_commands(text: str) -> list[str]:
    return [c.line for b in parse(text) if b.lang == "console" for c in b.commands]


#: What differs from run to run of the same class: durations and the share spent waiting.
VOLATILE = re.compile(r"\b\d+(\.\d+)? s\b|\b\d+% of (it|the time)")


def shape(line: str, workdir: Path | None = None) -> str:
    """A line as compared: the run's folder, run times and spacing do not matter; scores do."""
    if workdir is not None:
        line = line.replace(f"{workdir}/", "").replace(str(workdir), ".")
    line = VOLATILE.sub("T", line)
    return re.sub(r"\s+", " ", line).strip()


def _clean(lines: list[str]) -> list[str]:
    """What a terminal would show: the last state of a progress bar only, no blank edges."""
    out = [ln for ln in lines if not PROGRESS.match(ln)]
    bars = [ln for ln in lines if PROGRESS.match(ln)]
    if bars:
        out.insert(0, re.sub(r"\s+\(\w[^)]*\)$", "", bars[-1]))
    while out and not out[-1].strip():
        out.pop()
    return out


class Hooks:
    """What the instructor does between the guide's commands (downloads, filling a sheet)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.root = workdir / "autograder"
        self.filled: dict = {}

    def before(self, line: str) -> None:
        if re.match(r"alliance course collect ps1 ps1-submissions\.zip", line):
            ic.build_zip(self.root, "ps1", self.workdir / "ps1-submissions.zip")
        elif re.match(r"alliance course written import ps1 \S*written-ps1\.csv", line):
            self.filled = ic.fill_sheet(self.root / "reports" / "ps1" / "written-ps1.csv")
        elif re.match(r"alliance course written import ps1 ta-marks\.csv", line):
            make_ta_sheet(self.root / "reports" / "ps1" / "written-ps1.csv", self.workdir)
        elif (
            re.match(r"alliance course export ", line) and not (self.root / "release/ps3").exists()
        ):
            self.grade_ps3()

    def grade_ps3(self) -> None:
        """ps3 goes through the same steps as ps1 (the guide shows ps1 only)."""
        due = ic.DUE["ps3"].strftime("%Y-%m-%d %H:%M UTC")
        run(f"alliance course release ps3 --due '{due}'", self.workdir, check=True)
        ic.build_zip(self.root, "ps3", self.workdir / "ps3-submissions.zip")
        run("alliance course collect ps3 ps3-submissions.zip --roster roster.csv", self.workdir)
        run("alliance course autograde ps3 --quiet", self.workdir)
        run("alliance course written export ps3", self.workdir, check=True)
        ic.fill_sheet(self.root / "reports" / "ps3" / "written-ps3.csv", leave_blank=0)
        sheet = "autograder/reports/ps3/written-ps3.csv"
        run(f"alliance course written import ps3 {sheet}", self.workdir, check=True)
        run("alliance course feedback ps3", self.workdir)


def make_ta_sheet(sheet: Path, workdir: Path) -> Path:
    """A teaching assistant's copy of the sheet with three typical slips (and one sound change)."""
    text = sheet.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    rows[0]["student"] = "s1"  # a typo in the id
    rows[1]["score"] = str(int(float(rows[1]["max_points"])) + 1)  # over the maximum
    rows[2]["score"] = "four"  # a word, not a number
    rows[3]["score"] = "0"  # a sound row: must not be applied while others are wrong
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path = workdir / "ta-marks.csv"
    path.write_text(out.getvalue(), encoding="utf-8-sig", newline="")
    return path


def run(line: str, workdir: Path, check: bool = False) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    env["PYTHONUNBUFFERED"] = "1"  # stdout and stderr interleave as on a terminal
    env["COLUMNS"] = "100"
    done = subprocess.run(
        ["bash", "-c", line],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=1800,
    )
    if check and done.returncode != 0:
        raise AssertionError(f"{line} failed:\n{done.stdout}")
    return done


@dataclass
class WorkedExample:
    workdir: Path
    blocks: list[Block]
    text: str
    hooks: Hooks

    @property
    def commands(self) -> list[Command]:
        return [c for b in self.blocks if b.worked for c in b.commands]


def run_guide(workdir: Path, guide: Path = GUIDE) -> WorkedExample:
    """Run every worked-example command of the guide in ``workdir``; returns what happened."""
    text = guide.read_text(encoding="utf-8")
    ic.copy_course(workdir)
    ic.write_roster(workdir / "roster.csv")
    hooks = Hooks(workdir)
    blocks = parse(text)
    for block in blocks:
        if block.lang == "python" and "c.AssignLatePenalties" in block.body:
            with (hooks.root / "nbgrader_config.py").open("a", encoding="utf-8") as fh:
                fh.write("\n# From the instructor guide\n" + block.body)
        if not block.worked:
            continue
        for cmd in block.commands:
            hooks.before(cmd.line)
            done = run(cmd.line, workdir)
            cmd.returncode = done.returncode
            cmd.actual = _clean(done.stdout.splitlines())
    return WorkedExample(workdir, blocks, text, hooks)


def differences(example: WorkedExample) -> list[str]:
    """Every command whose output does not have the shape the guide shows."""
    problems = []
    for cmd in example.commands:
        want = [shape(x) for x in cmd.expected if x.strip()]
        got = [shape(x, example.workdir) for x in cmd.actual if x.strip()]
        if want != got:
            problems.append(
                f"$ {cmd.line}\n--- the guide shows:\n"
                + "\n".join(cmd.expected)
                + "\n--- the run printed:\n"
                + "\n".join(cmd.actual)
            )
    return problems


def update(example: WorkedExample, guide: Path = GUIDE) -> None:
    """Paste the run's outputs under the guide's commands (where their shape changed)."""
    text = example.text
    for block in sorted((b for b in example.blocks if b.worked), key=lambda b: -b.start):
        lines = []
        for cmd in block.commands:
            lines.append(f"$ {cmd.line}")
            want = [shape(x) for x in cmd.expected if x.strip()]
            if want == [shape(x, example.workdir) for x in cmd.actual if x.strip()]:
                lines.extend(cmd.expected)  # same shape: keep the text (no churn in timings)
                continue
            for out in cmd.actual:
                out = out.replace(f"{example.workdir}/", "").replace(str(example.workdir), ".")
                lines.append(out.rstrip())
        text = text[: block.start] + "\n".join(lines) + "\n" + text[block.end :]
    guide.write_text(text, encoding="utf-8")


def help_command(line: str) -> list[str] | None:
    """The ``--help`` call that proves a guide command exists, or None for shell built-ins."""
    words = shlex.split(line)
    if words[0] == "alliance":
        depth = 4 if len(words) > 3 and words[2] == "written" else 3
        return words[:depth] + ["--help"]
    if words[0] in ("nbgrader", "jupyter"):
        return words[:2] + ["--help"]
    return None


_SHARED: list[WorkedExample] = []


def shared_example() -> WorkedExample:
    """The guide's worked example, run once per test process and shared by the tests using it."""
    if not _SHARED:
        workdir = Path(tempfile.mkdtemp(prefix="alliance-guide-"))
        atexit.register(shutil.rmtree, workdir, ignore_errors=True)
        _SHARED.append(run_guide(workdir))
    return _SHARED[0]


if __name__ == "__main__":
    if "--update" not in sys.argv[1:]:
        sys.exit("usage: python tests/guide_runner.py --update")
    with tempfile.TemporaryDirectory(prefix="guide-") as tmp:
        example = run_guide(Path(tmp))
        update(example)
        for cmd in example.commands:
            print(f"$ {cmd.line}  -> exit {cmd.returncode}")
    print(f"updated {GUIDE}")
