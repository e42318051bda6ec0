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
from alliance.grading.cgroup import KernelGroup, sweep
from alliance.grading.protocol import Job, Reply, Timings, WorkerSettings
from alliance.grading.results import Issue
from alliance.grading.sandbox import die_with_parent

#: what one worker process (nbgrader, not student code) may use, all its processes together
WORKER_MEMORY_MB = 2048
WORKER_PIDS = 256


class Worker:
    """A worker process and the job it is on.

    Why so guarded: a worker outliving its orchestrator keeps its kernels and their memory. It
    dies with the orchestrator (``PR_SET_PDEATHSIG``), its kernels die with it (bubblewrap's
    ``--die-with-parent``, their PID namespace, their cgroup), and it runs in a cgroup of its own
    where the machine has them. It starts isolated (``python -I``, in ``/``) so no module in the
    instructor's current folder can shadow one it imports.
    """

    def __init__(self, log_path: Path, groups=None) -> None:
        self.log_path = log_path
        self.log = open(log_path, "a", encoding="utf-8")  # noqa: SIM115 - lives with the worker
        cmd = [sys.executable, "-I", "-m", "alliance.grading.worker"]
        self.group = None
        if groups is not None and groups.available:
            self.group = KernelGroup(groups, WORKER_MEMORY_MB, WORKER_PIDS, tag="w")
            cmd = self.group.attach_command(cmd)
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            bufsize=1,
            cwd="/",
            start_new_session=True,  # its own process group: killing it takes its kernels too
            preexec_fn=die_with_parent,  # dies with the orchestrator, however that dies
        )
        self.ready = False
        self.job: Job | None = None
        self.deadline = 0.0
        self.started = 0.0

    def configure(self, settings: WorkerSettings) -> None:
        """The run's settings: the worker has been importing nbgrader while they were made."""
        self._write(protocol.dumps(settings))

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
        self._remove_group()
        self.log.close()

    def _remove_group(self) -> None:
        if self.group is not None:
            self.group.remove()
            self.group = None

    def finish(self) -> None:
        """No more jobs: the worker stops its kernels and exits (see :meth:`close`)."""
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass

    def close(self) -> None:
        self.finish()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
        finally:
            self._remove_group()
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


class WorkerPool:
    """``n`` workers, started first thing (they import nbgrader while the orchestrator reads
    the course, checks the sandbox and the submissions), configured, then fed one job at a
    time."""

    def __init__(self, n: int, logs: Path, groups=None) -> None:
        self.logs = logs
        self.groups = groups
        self.settings: WorkerSettings | None = None
        self.sel = selectors.DefaultSelector()
        self.workers = [self._spawn(i) for i in range(max(1, n))]
        self.restarts = 0

    def configure(self, settings: WorkerSettings) -> None:
        self.settings = settings
        for w in self.workers:
            w.configure(settings)

    def _spawn(self, index: int) -> Worker:
        w = Worker(self.logs / f"worker-{index}.log", self.groups)
        assert w.proc.stdout is not None
        self.sel.register(w.proc.stdout, selectors.EVENT_READ, w)
        if self.settings is not None:
            w.configure(self.settings)
        return w

    def _replace(self, w: Worker) -> None:
        index = self.workers.index(w)
        self.sel.unregister(w.proc.stdout)
        w.kill()
        sweep(w.proc.pid)  # cgroups its kernels were in
        self.restarts += 1
        if not w.ready and self.restarts > 2 * len(self.workers):
            tail = w.log_path.read_text(errors="replace")[-2000:] if w.log_path.is_file() else ""
            raise CourseError(
                f"the grading processes keep failing to start; see {w.log_path}:\n{tail}"
            )
        self.workers[index] = self._spawn(index)

    def grade(self, jobs: list[Job], deadline_s: float) -> Iterator[Reply]:
        """One Reply per job, in completion order; a hung or dead worker costs only its job."""
        queue = deque(jobs)
        while len(self.workers) > max(1, len(queue)):  # fewer jobs than workers
            w = self.workers.pop()
            self.sel.unregister(w.proc.stdout)
            w.close()
        while queue or any(w.job for w in self.workers):
            for w in self.workers:
                if w.ready and w.job is None and queue:
                    w.send(queue.popleft(), deadline_s)
            for key, _ in self.sel.select(timeout=0.5):
                w = key.data
                line = w.proc.stdout.readline()
                if not line:  # the worker died
                    if w.job is not None:
                        job, took = w.job, time.monotonic() - w.started
                        w.job = None
                        yield failed(job, "the grading process died (see reports/…/logs)", took)
                    self._replace(w)
                    continue
                if not w.ready:
                    w.ready = bool(protocol.loads(protocol.Ready, line).ready)
                    continue
                reply = protocol.loads(Reply, line)
                w.job = None
                yield reply
            now = time.monotonic()
            for w in list(self.workers):
                if w.job is not None and now > w.deadline:
                    job, took = w.job, now - w.started
                    w.job = None
                    self._replace(w)
                    yield failed(
                        job, f"grading took longer than {deadline_s:.0f} s and was stopped", took
                    )

    def close(self) -> None:
        """Stop every worker (all at once: each stops its own kernels first)."""
        for w in self.workers:
            try:
                self.sel.unregister(w.proc.stdout)
            except (KeyError, ValueError):
                pass
            w.finish()
        for w in self.workers:
            w.close()
            sweep(w.proc.pid)
        self.workers = []
