"""Orchestrator step 2: the grading workers — started, fed one student at a time, watched.

Each worker is a process (:mod:`alliance.grading.worker`) in its own process group. A student
whose grading passes its wall-clock deadline, or whose worker dies, is recorded as a ``grader``
issue and the worker is replaced; the rest of the class goes on. Replies arrive as typed
:class:`~alliance.grading.protocol.Reply` lines.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path

from alliance.course.config import CourseError
from alliance.grading import protocol
from alliance.grading.cgroup import sweep
from alliance.grading.protocol import Job, Reply, Timings, WorkerSettings
from alliance.grading.results import Issue


class Worker:
    """A worker process and the job it is on."""

    def __init__(self, settings: WorkerSettings, log_path: Path) -> None:
        self.log_path = log_path
        self.log = open(log_path, "a", encoding="utf-8")  # noqa: SIM115 - lives with the worker
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "alliance.grading.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            bufsize=1,
            start_new_session=True,  # its own process group: killing it takes its kernels too
        )
        self._write(protocol.dumps(settings))
        self.ready = False
        self.job: Job | None = None
        self.deadline = 0.0
        self.started = 0.0

    def _write(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line)
        self.proc.stdin.flush()

    def send(self, job: Job, seconds: float) -> None:
        self.job = job
        self.started = time.monotonic()
        self.deadline = self.started + seconds
        self._write(protocol.dumps(job))

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


def failed(job: Job, message: str, seconds: float) -> Reply:
    return Reply(
        student=job.student,
        success=False,
        error=message,
        timings=Timings(total_s=seconds),
        issues=[Issue("grader", message)],
    )


def run_pool(
    settings: WorkerSettings,
    jobs: list[Job],
    n_workers: int,
    deadline_s: float,
    logs: Path,
) -> Iterator[Reply]:
    """Grade ``jobs`` on ``n_workers`` workers; yields one Reply per job, in completion order."""
    queue = deque(jobs)
    sel = selectors.DefaultSelector()
    workers: list[Worker] = []
    restarts = 0

    def spawn(index: int) -> Worker:
        w = Worker(settings, logs / f"worker-{index}.log")
        assert w.proc.stdout is not None
        sel.register(w.proc.stdout, selectors.EVENT_READ, w)
        return w

    def replace(w: Worker) -> None:
        nonlocal restarts
        index = workers.index(w)
        sel.unregister(w.proc.stdout)
        w.kill()
        sweep(w.proc.pid)  # cgroups its kernels were in
        restarts += 1
        if not w.ready and restarts > 2 * len(workers):
            tail = w.log_path.read_text(errors="replace")[-2000:] if w.log_path.is_file() else ""
            raise CourseError(
                f"the grading processes keep failing to start; see {w.log_path}:\n{tail}"
            )
        workers[index] = spawn(index)

    try:
        for i in range(max(1, min(n_workers, len(queue))) if queue else 0):
            workers.append(spawn(i))
        while queue or any(w.job for w in workers):
            for w in workers:
                if w.ready and w.job is None and queue:
                    w.send(queue.popleft(), deadline_s)
            for key, _ in sel.select(timeout=0.5):
                w = key.data
                line = w.proc.stdout.readline()
                if not line:  # the worker died
                    if w.job is not None:
                        job, took = w.job, time.monotonic() - w.started
                        w.job = None
                        yield failed(job, "the grading process died (see reports/…/logs)", took)
                    replace(w)
                    continue
                if not w.ready:
                    w.ready = bool(protocol.loads(protocol.Ready, line).ready)
                    continue
                reply = protocol.loads(Reply, line)
                w.job = None
                yield reply
            now = time.monotonic()
            for w in list(workers):
                if w.job is not None and now > w.deadline:
                    job, took = w.job, now - w.started
                    w.job = None
                    replace(w)
                    yield failed(
                        job, f"grading took longer than {deadline_s:.0f} s and was stopped", took
                    )
    finally:
        for w in workers:
            try:
                sel.unregister(w.proc.stdout)
            except (KeyError, ValueError):
                pass
            w.close()
            sweep(w.proc.pid)
