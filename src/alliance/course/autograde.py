"""Autograde a whole class in parallel, each submission in its own sandboxed kernel.

How it works (and why):

* this process is the orchestrator: it checks every submission first (files, JSON, test cells,
  hashes), hands students one at a time to ``--jobs`` long-lived worker processes, watches a
  wall-clock deadline per student, and prints a progress bar and a summary table;
* each worker (:mod:`alliance.course.worker`) runs nbgrader's own ``Autograde`` converter for one
  student at a time, so scores are nbgrader's; only the kernel is different — sandboxed, limited
  and started ahead of time (:mod:`alliance.course.execute`, :mod:`alliance.course.sandbox`);
* nbgrader writes the gradebook from the workers; with SQLite two writers are safe (transactions
  are short) and a "database is locked" error is retried. A worker that hangs or dies is killed
  and replaced; its student is recorded as an error and that student's partial ``autograded/``
  folder is removed, as nbgrader itself does after a failure;
* the submitted files are hashed before and after: grading never changes a submission.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from alliance.course.config import Course, CourseError
from alliance.course.gradebook import assignment_cells, assignment_notebooks, class_scores
from alliance.course.integrity import check_submission, tree_hashes
from alliance.course.sandbox import default_hidden_paths, sandbox_available

NO_SANDBOX_BANNER = """\
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
!!  WARNING: GRADING WITHOUT A SANDBOX (--no-sandbox).                               !!
!!  Student code runs with YOUR rights: it can read the source notebooks and hidden   !!
!!  tests, the gradebook and other students' work, and write anywhere you can.        !!
!!  Install bubblewrap (apt-get install bubblewrap) and grade without --no-sandbox.   !!
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"""


@dataclass
class Options:
    jobs: int = 2
    timeout: int | None = None  # per cell, seconds; None = the course config's
    memory_mb: int = 2048
    max_output_kb: int = 1024
    sandbox: bool = True
    force: bool = False
    prestart: bool = True
    students: list[str] | None = None
    progress: bool = True


class Worker:
    """A worker process and the student it is grading."""

    def __init__(self, settings: dict, log_path: Path) -> None:
        self.log = open(log_path, "a", encoding="utf-8")  # noqa: SIM115 - lives with the worker
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "alliance.course.worker", json.dumps(settings)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            bufsize=1,
            start_new_session=True,  # its own process group: killing it takes its kernels too
        )
        self.ready = False
        self.student: str | None = None
        self.deadline = 0.0

    def send(self, student: str, seconds: float) -> None:
        self.student = student
        self.deadline = time.monotonic() + seconds
        assert self.proc.stdin is not None
        self.proc.stdin.write(student + "\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.log.close()

    def close(self) -> None:
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except (subprocess.TimeoutExpired, BrokenPipeError, OSError):
            self.kill()
        finally:
            if not self.log.closed:
                self.log.close()


def _course_timeout(course: Course) -> int:
    for section in ("Execute", "ExecutePreprocessor"):
        value = course.config.get(section, {}).get("timeout")
        if value is not None:
            return int(value)
    return 30


def _classify_failure(text: str) -> str:
    if "DeadKernelError" in text or "Kernel died" in text or "kernel died" in text:
        return "the kernel died (it crashed, exited, or was killed at the memory limit)"
    if "UnresponsiveKernelError" in text or "became unresponsive" in text:
        return "the kernel stopped responding (a loop that ignores interrupts?)"
    if "NotJSONError" in text or "JSONDecodeError" in text or "not valid JSON" in text:
        return "the notebook is not valid JSON"
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    errors = [ln for ln in lines if "Error" in ln or "Exception" in ln]
    return "nbgrader could not grade it: " + (errors[-1] if errors else lines[-1] if lines else "?")


def run_issues(nb_path: Path, hidden: list[str], timeout: int, opts: Options) -> list[str]:
    """What went wrong while the notebook ran, read from the autograded notebook."""
    if not nb_path.is_file():
        return []
    try:
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return []
    issues: list[str] = []
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        gid = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id") or f"#{index + 1}"
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                ename, evalue = out.get("ename", ""), str(out.get("evalue", ""))
                if ename == "CellTimeoutError":
                    issues.append(f"cell {gid} timed out after {timeout} s (interrupted)")
                elif ename == "MemoryError":
                    issues.append(f"cell {gid} ran out of memory (limit {opts.memory_mb} MB)")
                elif "Read-only file system" in evalue or ename == "PermissionError":
                    issues.append(f"cell {gid} tried to write outside its folder (blocked)")
                elif any(h in evalue for h in hidden):
                    issues.append(f"cell {gid} tried to read course files (blocked)")
            elif out.get("output_type") == "stream":
                text = out.get("text", "")
                text = "".join(text) if isinstance(text, list) else text
                if text.startswith("[grader] output truncated"):
                    issues.append(f"cell {gid} flooded its output (cut at {opts.max_output_kb} KB)")
    return list(dict.fromkeys(issues))


class Progress:
    """A one-line progress bar on a terminal; one line per student otherwise."""

    def __init__(self, total: int, stream: TextIO, enabled: bool) -> None:
        self.total, self.stream, self.enabled = total, stream, enabled
        self.done = self.errors = 0
        self.started = time.monotonic()
        self.tty = enabled and hasattr(stream, "isatty") and stream.isatty()

    def update(self, student: str, status: str) -> None:
        self.done += 1
        self.errors += status == "error"
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.started
        eta = elapsed / self.done * (self.total - self.done)
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        bar = "#" * filled + "." * (width - filled)
        line = (
            f"[{bar}] {self.done}/{self.total} graded, {self.errors} error(s), "
            f"{elapsed:.0f} s elapsed, ~{eta:.0f} s left"
        )
        if self.tty:
            self.stream.write("\r" + line + ("\n" if self.done == self.total else ""))
        else:
            self.stream.write(f"{line}  ({student}: {status})\n")
        self.stream.flush()


def _deadline(timeout: int, code_cells: int) -> float:
    return 60.0 + timeout * (code_cells + 1) * 1.5


def autograde(course: Course, assignment: str, opts: Options, out: TextIO = sys.stdout) -> dict:
    """Grade every submission of ``assignment``; returns (and saves) the per-student results."""
    err = sys.stderr
    if opts.sandbox:
        ok, why = sandbox_available()
        if not ok:
            raise CourseError(
                f"no sandbox: {why}. Refusing to run student code unprotected; install "
                "bubblewrap, or pass --no-sandbox to grade without one (not recommended)."
            )
    else:
        print(NO_SANDBOX_BANNER, file=err)

    notebooks = assignment_notebooks(course, assignment)
    cells = assignment_cells(course, assignment)
    code_cells = sum(1 for c in cells if c.cell_type == "code") or 1
    timeout = opts.timeout if opts.timeout is not None else _course_timeout(course)
    submitted = course.folder("submitted")
    autograded = course.folder("autograded")
    students = sorted(p.parent.name for p in submitted.glob(f"*/{assignment}") if p.is_dir())
    if opts.students:
        unknown = sorted(set(opts.students) - set(students))
        if unknown:
            raise CourseError(f"no submission of {assignment} for: {', '.join(unknown)}")
        students = [s for s in students if s in set(opts.students)]
    if not students:
        raise CourseError(f"no submissions in {submitted}/*/{assignment}: run collect first")

    run_dir = Path(tempfile.mkdtemp(prefix="alliance-grade-"))
    hidden = default_hidden_paths(course.root, course.folder("source"), course.db_url)
    hidden.append(str(run_dir))
    settings = {
        "course_dir": str(course.root),
        "assignment": assignment,
        "force": opts.force,
        "timeout": opts.timeout,
        "max_output_kb": opts.max_output_kb,
        "sandbox": opts.sandbox,
        "memory_mb": opts.memory_mb,
        "hide_paths": hidden,
        "run_dir": str(run_dir),
        "prestart": opts.prestart,
    }
    reports = course.reports_dir / assignment
    (reports / "logs").mkdir(parents=True, exist_ok=True)

    results: dict[str, dict] = {}
    before: dict[str, dict[str, str]] = {}
    queue: deque[str] = deque()
    for s in students:
        folder = submitted / s / assignment
        before[s] = tree_hashes(folder)
        check = check_submission(folder, notebooks, cells)
        results[s] = {"status": "pending", "issues": list(check["issues"])}
        if check["gradable"]:
            queue.append(s)
        else:
            results[s]["status"] = "missing" if not check["invalid"] else "error"

    progress = Progress(len(students), err, opts.progress)
    for s, r in results.items():
        if r["status"] != "pending":
            progress.update(s, r["status"])
    started = time.monotonic()
    jobs = max(1, min(opts.jobs, len(queue) or 1))
    sel = selectors.DefaultSelector()
    workers: list[Worker] = []

    def spawn(index: int) -> Worker:
        w = Worker(settings, reports / "logs" / f"worker-{index}.log")
        assert w.proc.stdout is not None
        sel.register(w.proc.stdout, selectors.EVENT_READ, w)
        return w

    def fail(w: Worker, reason: str) -> None:
        s = w.student
        if s is None:
            return
        results[s].update(status="error", seconds=None, kernel_wait_s=None)
        results[s]["issues"].append(reason)
        shutil.rmtree(autograded / s / assignment, ignore_errors=True)
        progress.update(s, "error")
        w.student = None

    restarts = [0]

    def replace(w: Worker) -> None:
        assert w.proc.stdout is not None
        sel.unregister(w.proc.stdout)
        w.kill()
        restarts[0] += 1
        if not w.ready and restarts[0] > 2 * jobs:
            log = reports / "logs" / f"worker-{workers.index(w)}.log"
            tail = log.read_text(errors="replace")[-2000:] if log.is_file() else ""
            raise CourseError(f"the grading processes keep failing to start; see {log}:\n{tail}")
        workers[workers.index(w)] = spawn(workers.index(w))

    try:
        for i in range(jobs if queue else 0):
            workers.append(spawn(i))
        while queue or any(w.student for w in workers):
            for w in workers:
                if w.ready and w.student is None and queue:
                    w.send(queue.popleft(), _deadline(timeout, code_cells))
            for key, _ in sel.select(timeout=0.5):
                w = key.data
                line = w.proc.stdout.readline()
                if not line:  # the worker died
                    fail(w, "the grading process died (see reports/…/logs)")
                    replace(w)
                    continue
                msg = json.loads(line)
                if msg.get("ready"):
                    w.ready = True
                    continue
                s = msg["student"]
                r = results[s]
                r["seconds"] = msg["seconds"]
                r["kernel_wait_s"] = msg["kernel_wait_s"]
                if msg["success"]:
                    r["status"] = "graded"
                else:
                    r["status"] = "error"
                    r["issues"].append(_classify_failure(msg["error"] + "\n" + msg["log"]))
                    (reports / "logs" / f"{s}.log").write_text(msg["log"] + "\n" + msg["error"])
                w.student = None
                progress.update(s, r["status"])
            now = time.monotonic()
            for w in list(workers):
                if w.student and now > w.deadline:
                    fail(
                        w,
                        f"grading took longer than {_deadline(timeout, code_cells):.0f} s "
                        "and was stopped",
                    )
                    replace(w)
    finally:
        for w in workers:
            try:
                sel.unregister(w.proc.stdout)
            except (KeyError, ValueError):
                pass
            w.close()
        shutil.rmtree(run_dir, ignore_errors=True)
    wall = time.monotonic() - started

    scores = class_scores(course, assignment)
    for s in students:
        r = results[s]
        after = tree_hashes(submitted / s / assignment)
        if after != before[s]:
            r["status"] = "error"
            r["issues"].append("THE SUBMITTED FILES CHANGED DURING GRADING")
        for nb_name in notebooks:
            nb_path = autograded / s / assignment / f"{nb_name}.ipynb"
            r["issues"].extend(
                i for i in run_issues(nb_path, hidden, timeout, opts) if i not in r["issues"]
            )
        sc = scores.get(s)
        r["score"] = sc.score if sc else None
        r["max_score"] = sc.max_score if sc else None
        r["needs_manual_grade"] = bool(sc and sc.needs_manual_grade)
        r["submission_sha256"] = before[s]

    graded = [r for r in results.values() if r.get("seconds")]
    summary = {
        "assignment": assignment,
        "sandbox": opts.sandbox,
        "jobs": jobs,
        "timeout_s": timeout,
        "memory_mb": opts.memory_mb,
        "max_output_kb": opts.max_output_kb,
        "students": {
            s: {k: v for k, v in results[s].items() if k not in ("seconds", "kernel_wait_s")}
            for s in students
        },
        "timing": {
            "wall_s": wall,
            "graded": len(graded),
            "per_submission_s": wall / max(len(graded), 1),
            "kernel_wait_share": (
                sum(r["kernel_wait_s"] for r in graded)
                / max(sum(r["seconds"] for r in graded), 1e-9)
            ),
            "students": {
                s: {
                    "seconds": results[s].get("seconds"),
                    "kernel_wait_s": results[s].get("kernel_wait_s"),
                }
                for s in students
            },
        },
    }
    print_summary(summary, out)
    # Keep the results of students not graded in this run (e.g. after --student).
    path = reports / "autograde.json"
    if path.is_file():
        try:
            previous = json.loads(path.read_text())
        except json.JSONDecodeError:
            previous = {}
        if previous.get("assignment") == assignment:
            kept = {s: r for s, r in previous.get("students", {}).items() if s not in results}
            summary["students"] = dict(sorted({**kept, **summary["students"]}.items()))
    path.write_text(json.dumps(summary, indent=2, sort_keys=True))
    summary["this_run"] = list(students)
    return summary


def print_summary(summary: dict, out: TextIO) -> None:
    rows = [("Student", "Status", "Score", "Manual", "Issues")]
    for s, r in summary["students"].items():
        score = "-" if r["score"] is None else f"{r['score']:g}/{r['max_score']:g}"
        issues = r["issues"]
        text = issues[0] if issues else ""
        if len(issues) > 1:
            text += f" (+{len(issues) - 1} more)"
        rows.append((s, r["status"], score, "needed" if r["needs_manual_grade"] else "", text))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for n, row in enumerate(rows):
        cells = [row[i].ljust(widths[i]) for i in range(4)] + [row[4]]
        print("  ".join(cells).rstrip(), file=out)
        if n == 0:
            print("  ".join("-" * w for w in widths) + "  ------", file=out)
    counts: dict[str, int] = {}
    for r in summary["students"].values():
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    t = summary["timing"]
    print(
        f"\n{len(summary['students'])} submissions: "
        + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
        + f"; {t['wall_s']:.1f} s with {summary['jobs']} job(s), "
        f"{t['per_submission_s']:.2f} s per graded submission, "
        f"{100 * t['kernel_wait_share']:.0f}% of it waiting for kernels to start.",
        file=out,
    )
    if not summary["sandbox"]:
        print("WARNING: graded WITHOUT a sandbox (--no-sandbox).", file=out)
    print("Details: reports/" + summary["assignment"] + "/autograde.json", file=out)
