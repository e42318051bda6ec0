"""One grading worker: a long-lived process that autogrades the students it is sent.

This is the part that runs next to the sandbox (otter-grader's split): the orchestrator
(:mod:`alliance.grading.autograde`) decides who is graded and judges the results; a worker only
runs nbgrader's own ``Autograde`` for one student at a time, with the hardened preprocessors, and
answers with a typed :class:`~alliance.grading.protocol.Reply` (:mod:`alliance.grading.protocol`).

Why long-lived: importing nbgrader and opening the gradebook costs about a second; paying it once
per worker instead of once per student is much of the speed-up. Isolation between students comes
from the kernels: every submission runs in its own kernel, sandbox and cgroup.

The protocol channel is a private copy of stdout; fd 1 itself is pointed at stderr (the worker
log), so nothing nbgrader or a library prints can corrupt it.
"""

from __future__ import annotations

import os
import sys
import time
import traceback

from alliance.course.config import Course, load_course
from alliance.grading import protocol
from alliance.grading.kernel import KernelPool, KernelSettings
from alliance.grading.protocol import GradingRecord, Job, Reply, WorkerSettings

RETRIES_ON_LOCK = 5


def build_config(course: Course, settings: WorkerSettings, pool: KernelPool, record):
    """The course config plus the overrides that make grading safe (nbgrader still grades)."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        ClearOutput,
        DeduplicateIds,
        IgnorePattern,
        LimitOutput,
        OverwriteCells,
        OverwriteKernelspec,
        SaveAutoGrades,
    )

    from alliance.grading.preprocessors import (
        GuardedExecute,
        RepairStructure,
        ResetExecutionMetadata,
    )

    cfg = course.config.copy()
    cfg.CourseDirectory.submitted_directory = settings.submitted_dir
    cfg.Autograde.sanitize_preprocessors = [
        ClearOutput,
        RepairStructure,
        DeduplicateIds,
        OverwriteKernelspec,
        OverwriteCells,
        ResetExecutionMetadata.bind(record),
        CheckCellMetadata,
    ]
    cfg.Autograde.autograde_preprocessors = [
        GuardedExecute.bind(pool, record),
        IgnorePattern,
        ClearMetadataPreprocessor,
        LimitOutput,
        SaveAutoGrades,
        AssignLatePenalties,
        CheckCellMetadata,
    ]
    # Deleted test cells come back from the gradebook instead of silently needing a manual grade.
    cfg.OverwriteCells.add_missing_cells = True
    cfg.GuardedExecute.timeout = settings.timeout
    cfg.GuardedExecute.max_output_kb = settings.max_output_kb
    cfg.GuardedExecute.max_notebook_output_mb = settings.max_notebook_output_mb
    cfg.GuardedExecute.shutdown_kernel = "immediate"
    return cfg


def kernel_settings(settings: WorkerSettings) -> KernelSettings:
    return KernelSettings(
        sandbox=settings.sandbox,
        limits=settings.limits,
        mask=list(settings.mask),
        run_dir=settings.run_dir,
        cgroups=settings.cgroup_support() if settings.sandbox else None,
    )


def share_gradebook_engine() -> None:
    """One database engine per gradebook for the worker's life.

    Why: nbgrader opens the gradebook a dozen times per student, each time with a new SQLAlchemy
    engine, which checks every table again and compiles every query again (a tenth of a second
    per student, measured). The queries and their results are unchanged; only the engine, and so
    its cache of compiled statements, is kept.
    """
    import nbgrader.api as nbapi

    engines: dict = {}
    create_engine = nbapi.create_engine

    def shared_engine(url, **kw):
        key = (str(url), tuple(sorted(kw.items())))
        if key not in engines:
            engines[key] = create_engine(url, **kw)
        return engines[key]

    checked: set[int] = set()
    create_all = nbapi.Base.metadata.create_all

    def create_all_once(bind=None, **kw):
        if id(bind) not in checked:
            create_all(bind=bind, **kw)
            checked.add(id(bind))

    nbapi.create_engine = shared_engine
    nbapi.Base.metadata.create_all = create_all_once


def grade_one(api, assignment: str, job: Job, record: GradingRecord) -> Reply:
    started = time.perf_counter()
    result: dict = {}
    for attempt in range(RETRIES_ON_LOCK):
        record.reset()
        try:
            result = api.autograde(assignment, job.student, force=job.force)
        except Exception:  # nbgrader normally returns errors; be safe anyway
            result = {"success": False, "error": traceback.format_exc(), "log": ""}
        text = f"{result.get('error') or ''}\n{result.get('log') or ''}"
        if result.get("success") or "database is locked" not in text:
            break
        time.sleep(0.5 * (attempt + 1))
    record.timings.total_s = time.perf_counter() - started
    return Reply(
        student=job.student,
        success=bool(result.get("success")),
        error=result.get("error") or "",
        log=result.get("log") or "",
        timings=record.timings,
        issues=list(record.issues),
    )


def main() -> int:
    # nbformat validates every notebook nbgrader reads and writes (four per student); the
    # compiled validator it supports gives the same answers several times faster.
    os.environ.setdefault("NBFORMAT_VALIDATOR", "fastjsonschema")
    # Keep the protocol channel private: fd 1 becomes stderr for everything else.
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    first = sys.stdin.readline()
    if not first.strip():  # the run stopped before it began (e.g. the sandbox probe failed)
        return 0
    settings = protocol.loads(WorkerSettings, first)
    # The first kernel starts now and boots while nbgrader is imported below.
    pool = KernelPool(kernel_settings(settings), prestart=settings.prestart)
    if settings.prestart and settings.kernel_name:
        pool.warm(settings.kernel_name)
    try:
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory

        share_gradebook_engine()
        course = load_course(settings.course_dir)
        record = GradingRecord()
        cfg = build_config(course, settings, pool, record)
        api = NbGraderAPI(coursedir=CourseDirectory(config=cfg), config=cfg)
        proto.write(protocol.dumps(protocol.Ready()))
        for line in sys.stdin:
            if line.strip():
                job = protocol.loads(Job, line)
                proto.write(protocol.dumps(grade_one(api, settings.assignment, job, record)))
    finally:
        pool.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
