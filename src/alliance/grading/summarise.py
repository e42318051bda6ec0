"""Orchestrator step 3: every student's result, with every problem named, saved and printed.

Why read the graded notebooks: nbgrader records a score per test, not *why* work failed. An
instructor needs "SyntaxError in ps1-a-labels: 4 tests could not run", not an empty issues
column (issue 13). So the autograded notebook is read back: errors in answer cells (syntax
errors, exceptions, answers not written yet), names the tests could not find, time-outs,
memory, output cut at the limit, blocked attempts to reach course files. Together with the
problems found before grading and the tampering found during it, they become typed issues on
the student's :class:`~alliance.grading.results.StudentResult`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from alliance.grading.protocol import TRUNCATED_MARK, Reply
from alliance.grading.results import ClassRun, Issue
from alliance.safe_text import terminal_line

SYNTAX = {"SyntaxError", "IndentationError", "TabError"}
NAME_ERROR = re.compile(r"name '([^']+)' is not defined")


@dataclass
class Context:
    """What the notebook reader needs to word its issues."""

    timeout_s: int
    memory_mb: int
    max_output_kb: int
    hidden_paths: list[str]


def _gid(cell: dict, index: int) -> str:
    meta = (cell.get("metadata") or {}).get("nbgrader") or {}
    return meta.get("grade_id") or f"cell {index + 1}"


def _is_test(cell: dict) -> bool:
    meta = (cell.get("metadata") or {}).get("nbgrader") or {}
    return bool(meta.get("grade")) and not meta.get("solution") and cell["cell_type"] == "code"


def _text(out: dict) -> str:
    text = out.get("text", "")
    return "".join(text) if isinstance(text, list) else str(text)


def _tests(n: int) -> str:
    return f"{n} test{'s' if n != 1 else ''}"


def notebook_issues(path: Path, ctx: Context) -> list[Issue]:
    """The problems a graded notebook shows, in the words of issue 13."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    cells = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    issues: list[Issue] = []
    unanswered: list[str] = []
    blocks: list[dict] = []  # answer cells that failed, with the failing tests after them
    missing: dict[str, str] = {}
    block = None
    for index, cell in enumerate(cells):
        gid = _gid(cell, index)
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and _text(out).startswith(TRUNCATED_MARK):
                limit = (
                    f"cut at {ctx.max_output_kb} KB"
                    if "this cell" in _text(out)
                    else "the notebook's output limit was reached"
                )
                issues.append(Issue("output", f"cell {gid} flooded its output ({limit})", gid))
        if _is_test(cell):
            if errors and block is not None:
                block["failed"] += 1
            for err in errors:
                match = NAME_ERROR.search(str(err.get("evalue", "")))
                if err.get("ename") == "NameError" and match and block is None:
                    missing.setdefault(match.group(1), gid)
            continue
        block = None
        names = [str(e.get("ename", "")) for e in errors]
        for special in ("CellTimeoutError", "MemoryError"):  # the cause, not KeyboardInterrupt
            if special in names:
                errors = [errors[names.index(special)]]
        for err in errors[:1]:
            ename, evalue = str(err.get("ename", "")), str(err.get("evalue", ""))
            if ename == "CellTimeoutError":
                issues.append(
                    Issue(
                        "timeout",
                        f"cell {gid} timed out after {ctx.timeout_s} s (interrupted)",
                        gid,
                    )
                )
            elif ename == "MemoryError":
                issues.append(
                    Issue("memory", f"cell {gid} ran out of memory (limit {ctx.memory_mb} MB)", gid)
                )
            elif any(p in evalue for p in ctx.hidden_paths):
                issues.append(
                    Issue("sandbox", f"cell {gid} tried to reach course files (blocked)", gid)
                )
            elif ename == "PermissionError" or "Read-only file system" in evalue:
                issues.append(
                    Issue("sandbox", f"cell {gid} tried to write outside its folder (blocked)", gid)
                )
            elif ename == "NotImplementedError":
                unanswered.append(gid)
                block = {"kind": "unanswered", "failed": 0, "gid": gid}
                blocks.append(block)
            else:
                kind = "syntax" if ename in SYNTAX else "exception"
                detail = "" if kind == "syntax" else f" ({evalue[:120]})" if evalue else ""
                block = {"kind": kind, "failed": 0, "gid": gid, "ename": ename, "detail": detail}
                blocks.append(block)
    for b in blocks:
        if b["kind"] == "unanswered":
            continue
        tail = f": {_tests(b['failed'])} could not run" if b["failed"] else ""
        issues.append(Issue(b["kind"], f"{b['ename']} in {b['gid']}{b['detail']}{tail}", b["gid"]))
    if unanswered:
        failed = sum(b["failed"] for b in blocks if b["kind"] == "unanswered")
        tail = f"; {_tests(failed)} could not run" if failed else ""
        shown = ", ".join(unanswered[:4]) + (" …" if len(unanswered) > 4 else "")
        issues.append(Issue("exception", f"not answered (NotImplementedError): {shown}{tail}"))
    for name, gid in missing.items():
        issues.append(
            Issue(
                "exception",
                f"{name} is not defined (NameError in test {gid}): renamed or deleted?",
                gid,
            )
        )
    return list({(i.kind, i.message): i for i in issues}.values())


def classify_failure(reply: Reply, memory_mb: int) -> Issue:
    """Why nbgrader could not finish grading a student, in plain words."""
    text = f"{reply.error}\n{reply.log}"
    if any(i.kind == "memory" for i in reply.issues):
        return Issue("memory", f"the kernel was stopped at the memory limit ({memory_mb} MB)")
    if "DeadKernelError" in text or "Kernel died" in text or "kernel died" in text:
        return Issue(
            "exception", "the kernel died (it crashed, exited, or was killed at the memory limit)"
        )
    if "UnresponsiveKernelError" in text or "became unresponsive" in text:
        return Issue("timeout", "the kernel stopped responding (a loop that ignores interrupts?)")
    if any(i.kind == "grader" for i in reply.issues):
        return next(i for i in reply.issues if i.kind == "grader")
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    errors = [ln for ln in lines if "Error" in ln or "Exception" in ln]
    last = errors[-1] if errors else lines[-1] if lines else "?"
    return Issue("grader", "nbgrader could not grade it: " + last[:300])


def print_summary(run: ClassRun, out: TextIO, *, shown: list[str] | None = None) -> None:
    """The class table (every student of the run, or ``shown``) and one line of totals."""
    rows = [("Student", "Status", "Score", "Manual", "Issues")]
    for s in shown if shown is not None else sorted(run.students):
        r = run.students[s]
        score = "-" if r.score is None else f"{r.score:g}/{r.max_score or 0:g}"
        text = terminal_line(r.issues[0].message) if r.issues else ""
        if len(r.issues) > 1:
            text += f" (+{len(r.issues) - 1} more)"
        if r.needs_review:
            text = "REVIEW: " + text
        status = r.status + (" (kept)" if s in run.kept else "")
        rows.append(
            (terminal_line(s), status, score, "needed" if r.needs_manual_grade else "", text)
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for n, row in enumerate(rows):
        cells = [row[i].ljust(widths[i]) for i in range(4)] + [row[4]]
        print("  ".join(cells).rstrip(), file=out)
        if n == 0:
            print("  ".join("-" * w for w in widths) + "  ------", file=out)
    counts: dict[str, int] = {}
    for s in run.regraded:
        counts[run.students[s].status] = counts.get(run.students[s].status, 0) + 1
    t = run.timing
    line = f"\n{len(run.regraded)} submission(s) graded in this run: " + (
        ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or "none"
    )
    if run.kept:
        line += f"; {len(run.kept)} kept as graded before (unchanged; --force re-grades them)"
    print(line + ".", file=out)
    if t.get("graded"):
        print(
            f"{t['wall_s']:.1f} s with {run.jobs} job(s), {t['per_submission_s']:.2f} s per "
            f"graded submission; in the workers {100 * t['kernel_wait_share']:.0f}% of the time "
            "went waiting for kernels.",
            file=out,
        )
    review = [s for s in run.regraded if run.students[s].needs_review]
    if review:
        print(
            f"REVIEW BY HAND ({len(review)}): "
            + ", ".join(terminal_line(s) for s in review)
            + " — see the issues marked REVIEW.",
            file=out,
        )
    lim = run.limits
    print(
        f"Limits used: {lim.timeout_s} s per cell, {lim.memory_mb} MB memory, "
        f"{lim.max_output_kb} KB output per cell"
        + "".join(f", {k}={v}" for k, v in sorted(lim.extra.items()) if k != "warnings"),
        file=out,
    )
    if not run.sandbox:
        print("WARNING: graded WITHOUT a sandbox (--no-sandbox).", file=out)
    print(f"Details: reports/{terminal_line(run.assignment)}/autograde.json", file=out)
