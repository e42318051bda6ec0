"""One grading worker: a long-lived process that autogrades the students it is sent.

Protocol (private to :mod:`alliance.course.autograde`): the settings arrive as JSON in
``argv[1]``; student ids arrive one per line on stdin; one JSON result line per student goes to
the original stdout. Everything else the process prints goes to stderr (the worker log), so
nothing student code or nbgrader prints can corrupt the protocol.

Why long-lived: importing nbgrader and opening the gradebook costs about a second; paying it
once per worker instead of once per student is much of the speed-up. Isolation between students
comes from the kernel: every submission runs in its own kernel process in its own sandbox.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback

from alliance.course.config import load_course

RETRIES_ON_LOCK = 5


def build_config(course, settings: dict):
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

    from alliance.course.execute import GuardedExecute
    from alliance.course.repair import RepairStructure
    from alliance.course.sandbox import SandboxedKernelManager

    cfg = course.config.copy()
    cfg.Autograde.sanitize_preprocessors = [
        ClearOutput,
        RepairStructure,
        DeduplicateIds,
        OverwriteKernelspec,
        OverwriteCells,
        CheckCellMetadata,
    ]
    cfg.Autograde.autograde_preprocessors = [
        GuardedExecute,
        IgnorePattern,
        ClearMetadataPreprocessor,
        LimitOutput,
        SaveAutoGrades,
        AssignLatePenalties,
        CheckCellMetadata,
    ]
    # Deleted test cells come back from the gradebook instead of silently needing a manual grade.
    cfg.OverwriteCells.add_missing_cells = True
    if settings.get("timeout") is not None:
        cfg.GuardedExecute.timeout = int(settings["timeout"])
    cfg.GuardedExecute.max_output_kb = int(settings["max_output_kb"])
    cfg.GuardedExecute.shutdown_kernel = "immediate"
    cfg.GuardedExecute.kernel_manager_class = SandboxedKernelManager
    cfg.SandboxedKernelManager.sandbox = bool(settings["sandbox"])
    cfg.SandboxedKernelManager.memory_mb = int(settings["memory_mb"])
    cfg.SandboxedKernelManager.hide_paths = list(settings["hide_paths"])
    cfg.SandboxedKernelManager.run_dir = settings["run_dir"]
    return cfg


def main() -> int:
    settings = json.loads(sys.argv[1])
    # Keep the protocol channel private: fd 1 becomes stderr for everything else.
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    from alliance.course import execute

    course = load_course(settings["course_dir"])
    cfg = build_config(course, settings)
    api = NbGraderAPI(coursedir=CourseDirectory(config=cfg), config=cfg)
    execute.POOL = execute.KernelPool(cfg, prestart=bool(settings.get("prestart", True)))
    proto.write(json.dumps({"ready": True}) + "\n")
    try:
        for line in sys.stdin:
            student = line.strip()
            if not student:
                continue
            started = time.perf_counter()
            execute.POOL.stats["kernel_wait_s"] = 0.0
            result: dict = {}
            for attempt in range(RETRIES_ON_LOCK):
                try:
                    result = api.autograde(
                        settings["assignment"], student, force=bool(settings["force"])
                    )
                except Exception:  # nbgrader normally returns errors; be safe anyway
                    result = {"success": False, "error": traceback.format_exc(), "log": ""}
                text = f"{result.get('error') or ''}\n{result.get('log') or ''}"
                if result.get("success") or "database is locked" not in text:
                    break
                time.sleep(0.5 * (attempt + 1))
            proto.write(
                json.dumps(
                    {
                        "student": student,
                        "success": bool(result.get("success")),
                        "log": result.get("log") or "",
                        "error": result.get("error") or "",
                        "seconds": time.perf_counter() - started,
                        "kernel_wait_s": execute.POOL.stats["kernel_wait_s"],
                    }
                )
                + "\n"
            )
    finally:
        execute.POOL.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
