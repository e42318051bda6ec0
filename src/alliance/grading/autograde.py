"""Autograde a whole class in parallel, each submission in its own sandbox: the orchestrator.

How it works (otter-grader's split between the orchestrator and what runs by the sandbox):

1. **check the sandbox** — a real probe must fail to unmount, remount, read a planted secret or
   reach a host socket (:func:`alliance.grading.sandbox.probe`), or nothing is graded; limits this
   machine cannot enforce are announced once;
2. **prepare** (:mod:`alliance.grading.prepare`) — folder names, kept vs re-graded, each
   submission checked and staged; nbgrader reads only the staged copies;
3. **pool** (:mod:`alliance.grading.pool`) — ``--jobs`` long-lived workers
   (:mod:`alliance.grading.worker`) run nbgrader's own ``Autograde`` with the hardened
   preprocessors, one student at a time, so scores are nbgrader's;
4. **summarise** (:mod:`alliance.grading.summarise`) — every problem named per student, the
   typed :class:`~alliance.grading.results.ClassRun` saved as ``autograde.json``, a table printed.

Submissions are hashed before and after: grading never changes one.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from alliance.course.config import Course, CourseError
from alliance.grading import cgroup, sandbox
from alliance.grading.gradebook import assignment_cells, assignment_notebooks, class_scores
from alliance.grading.pool import WorkerPool
from alliance.grading.prepare import prepare, record_ungradable
from alliance.grading.protocol import Reply, WorkerSettings
from alliance.grading.results import ClassRun, Issue, Limits, StudentResult, load_class_run
from alliance.grading.submission import SubmissionLimits, tree_hashes
from alliance.grading.summarise import Context, classify_failure, notebook_issues, print_summary
from alliance.safe_text import terminal_line

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
    timeout: int | None = None  # per cell, seconds; None = the course config's (else 30)
    memory_mb: int = 2048
    pids: int = 256
    max_output_kb: int = 1024
    max_notebook_output_mb: int = 16
    max_notebook_mb: int = 32
    sandbox: bool = True
    force: bool = False
    prestart: bool = True
    students: list[str] | None = None
    progress: bool = True


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
        filled = int(30 * self.done / max(self.total, 1))
        line = (
            f"[{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total} graded, "
            f"{self.errors} error(s), {elapsed:.0f} s elapsed, ~{eta:.0f} s left"
        )
        if self.tty:
            self.stream.write("\r" + line + ("\n" if self.done == self.total else ""))
        else:
            self.stream.write(f"{line}  ({terminal_line(student)}: {status})\n")
        self.stream.flush()


def course_timeout(course: Course) -> int:
    for section in ("Execute", "ExecutePreprocessor"):
        value = course.config.get(section, {}).get("timeout")
        if value is not None:
            return int(value)
    return 30


def require_tools() -> None:
    missing = sandbox.tools_missing()
    if missing:
        raise CourseError(
            f"no sandbox: {missing}. Refusing to run student code unprotected; install "
            "bubblewrap, or pass --no-sandbox to grade without one (not recommended)."
        )


def check_isolation(opts: Options, settings: WorkerSettings, groups) -> list[str]:
    """Refuse to grade unless the sandbox provably holds; say once what cannot be had here."""
    result = sandbox.probe(
        run_dir=Path(settings.run_dir),
        expose=sandbox.python_paths(),
        hidden=settings.mask,
        limits=settings.limits,
        cgroup_support=groups,
    )
    if not result.ok:
        raise CourseError(
            "the sandbox does not hold on this machine, so no student code was run:\n  - "
            + "\n  - ".join(result.problems)
        )
    warnings = []
    if not groups.available:
        warnings.append(
            f"memory ({opts.memory_mb} MB) and processes ({opts.pids}) are limited per process, "
            f"not per submission: {groups.reason}"
        )
    if not sandbox.running_as_root():
        warnings.append(
            "kernels run as your own user (in a user namespace), not as an unprivileged one"
        )
    return warnings


def autograde(course: Course, assignment: str, opts: Options, out: TextIO = sys.stdout) -> ClassRun:
    """Grade every submission of ``assignment``; returns (and saves) the typed results."""
    if opts.sandbox:
        require_tools()
    reports = course.reports_dir / assignment
    (reports / "logs").mkdir(parents=True, exist_ok=True)
    # The workers start first: they import nbgrader (a second or more) while this process
    # reads the course, checks the sandbox and the submissions. They run no student code
    # before the probe below has passed.
    groups = cgroup.Support(0, reason="--no-sandbox")
    if opts.sandbox:
        cgroup.sweep_stale()
        sandbox.sweep_stale_runs()
        groups = cgroup.support()
    pool = WorkerPool(opts.jobs, reports / "logs", groups)
    try:
        return _run(course, assignment, opts, out, pool, groups)
    finally:
        pool.close()


def _run(course: Course, assignment: str, opts: Options, out: TextIO, pool, groups) -> ClassRun:
    err = sys.stderr
    notebooks = assignment_notebooks(course, assignment)  # fails early if never released
    run_dir = sandbox.new_run_dir()
    settings = WorkerSettings(
        course_dir=str(course.root),
        assignment=assignment,
        submitted_dir=str(run_dir / "submitted"),
        run_dir=str(run_dir),
        sandbox=opts.sandbox,
        limits=sandbox.SandboxLimits(memory_mb=opts.memory_mb, pids=opts.pids),
        timeout=opts.timeout if opts.timeout is not None else course_timeout(course),
        max_output_kb=opts.max_output_kb,
        max_notebook_output_mb=opts.max_notebook_output_mb,
        mask=sandbox.course_paths(course.root, course.folder("source"), course.db_url),
        cgroup=groups.to_json() if groups.available else {},
        prestart=opts.prestart,
        kernel_name=_kernel_name(course, assignment),
    )
    pool.configure(settings)  # each starts a kernel now, while the sandbox is probed
    try:
        warnings: list[str] = []
        if opts.sandbox:
            warnings = check_isolation(opts, settings, groups)
            for w in warnings:
                print(f"WARNING: {w}.", file=err)
        else:
            print(NO_SANDBOX_BANNER, file=err)
        return _grade(course, assignment, notebooks, opts, out, pool, settings, groups, warnings)
    finally:
        pool.close()  # before the run folder goes (the kernels' folders are in it)
        sandbox.remove_tree(run_dir)


def _kernel_name(course: Course, assignment: str) -> str:
    """The kernel the assignment's source notebook names (started ahead by each worker)."""
    for path in sorted((course.folder("source") / assignment).glob("*.ipynb")):
        try:
            meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
        except (OSError, ValueError):
            continue
        return str(meta.get("kernelspec", {}).get("name") or "python3")
    return "python3"


def _grade(course, assignment, notebooks, opts, out, pool, settings, groups, warnings):
    err = sys.stderr
    cells = assignment_cells(course, assignment)
    timeout, hidden, limits = settings.timeout, settings.mask, settings.limits
    reports = course.reports_dir / assignment
    previous = load_class_run(course.reports_dir, assignment)
    if previous is not None and previous.assignment != assignment:
        previous = None
    staging = Path(settings.submitted_dir)
    prepared = prepare(
        course,
        assignment,
        notebooks,
        cells,
        staging,
        only=opts.students,
        force=opts.force,
        previous=previous,
        limits=SubmissionLimits(max_notebook_mb=opts.max_notebook_mb),
    )
    submitted = course.folder("submitted")
    for s, checked in prepared.checked.items():
        if checked.status == "error" and checked.hashes:
            record_ungradable(course, assignment, s, staging / s / assignment)
    progress = Progress(len(prepared.checked), err, opts.progress)
    for s, checked in prepared.checked.items():
        if checked.status != "gradable":
            progress.update(s, checked.status)
    code_cells = sum(1 for c in cells if c.cell_type == "code") or 1
    deadline = 60.0 + timeout * (code_cells + 1) * 1.5
    replies: dict[str, Reply] = {}
    started = time.monotonic()
    for reply in pool.grade(prepared.jobs, deadline):
        replies[reply.student] = reply
        if not reply.success:
            shutil.rmtree(course.folder("autograded") / reply.student / assignment, True)
            (reports / "logs" / f"{reply.student}.log").write_text(reply.log + "\n" + reply.error)
        progress.update(reply.student, "graded" if reply.success else "error")
    wall = time.monotonic() - started

    ctx = Context(timeout, opts.memory_mb, opts.max_output_kb, hidden)
    scores = class_scores(course, assignment)
    run = ClassRun(
        assignment=assignment,
        run_id=time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}",
        sandbox=opts.sandbox,
        jobs=max(1, min(opts.jobs, len(prepared.jobs) or 1)),
        limits=_limits(opts, timeout, limits, groups, warnings),
        kept=list(prepared.kept),
    )
    for s, checked in prepared.checked.items():
        result = StudentResult(student=s, status="missing", issues=list(checked.issues))
        result.submission_sha256 = checked.hashes
        result.graded_in_run = run.run_id
        reply = replies.get(s)
        if checked.status == "gradable" and reply is not None:
            result.status = "graded" if reply.success else "error"
            result.issues += reply.issues
            if not reply.success:
                result.issues.append(classify_failure(reply, opts.memory_mb))
            result.seconds = reply.timings.total_s
            result.kernel_wait_s = reply.timings.kernel_wait_s
            for nb_name in notebooks:
                path = course.folder("autograded") / s / assignment / f"{nb_name}.ipynb"
                result.issues += notebook_issues(path, ctx)
        elif checked.status == "error":
            result.status = "error"
        if checked.hashes and tree_hashes(submitted / s / assignment) != checked.hashes:
            result.status = "error"
            result.issues.append(Issue("changed", "THE SUBMITTED FILES CHANGED DURING GRADING"))
        sc = scores.get(s)
        if sc is not None:
            result.score, result.max_score = sc.score, sc.max_score
            result.needs_manual_grade = sc.needs_manual_grade
            result.timestamp, result.late_seconds = sc.timestamp, sc.late_seconds
        result.issues = list({(i.kind, i.message): i for i in result.issues}.values())
        run.students[s] = result
        run.regraded.append(s)
    if previous is not None:
        for s, old in previous.students.items():
            run.students.setdefault(s, old)
    run.timing = _timing(wall, replies)
    run.save(ClassRun.path_for(course.reports_dir, assignment))
    print_summary(run, out, shown=sorted(set(run.regraded) | set(run.kept)))
    return run


def _limits(opts: Options, timeout, limits, groups, warnings) -> Limits:
    scope = f"per submission (cgroup v{groups.version})" if groups.available else "per process"
    return Limits(
        timeout_s=timeout,
        memory_mb=opts.memory_mb,
        max_output_kb=opts.max_output_kb,
        extra={
            "memory_scope": scope if opts.sandbox else "none",
            "pids": opts.pids if opts.sandbox else None,
            "home_mb": limits.home_mb,
            "tmp_mb": limits.tmp_mb,
            "shm_mb": limits.shm_mb,
            "fsize_mb": limits.fsize_mb,
            "max_notebook_mb": opts.max_notebook_mb,
            "max_notebook_output_mb": opts.max_notebook_output_mb,
            "kernel_user": (
                "none (no sandbox)"
                if not opts.sandbox
                else f"uid {sandbox.NOBODY}"
                if sandbox.running_as_root()
                else "the grader's own (user namespace)"
            ),
            "warnings": warnings,
        },
    )


def _timing(wall: float, replies: dict[str, Reply]) -> dict:
    graded = [r for r in replies.values() if r.success]
    n = max(len(graded), 1)

    def mean(name: str) -> float:
        return sum(getattr(r.timings, name) for r in graded) / n

    busy = sum(r.timings.total_s for r in graded)
    return {
        "wall_s": wall,
        "graded": len(graded),
        "per_submission_s": wall / n,
        "kernel_wait_share": sum(r.timings.kernel_wait_s for r in graded) / max(busy, 1e-9),
        "mean_s": {
            k: mean(k)
            for k in ("total_s", "sandbox_setup_s", "kernel_start_s", "kernel_wait_s", "execute_s")
        },
        "students": {s: vars(r.timings) for s, r in sorted(replies.items())},
    }
