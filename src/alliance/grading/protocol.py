"""The typed messages between the orchestrator and its grading workers, and what a worker records.

Why typed: the orchestrator and the workers are separate processes that used to exchange
untyped dicts (argv JSON one way, JSON lines the other), so a renamed key broke silently. Each
message is a dataclass here, sent as one JSON line:

* orchestrator -> worker: one :class:`WorkerSettings` line, then one :class:`Job` line per
  student;
* worker -> orchestrator: one :class:`Ready` line when it can grade, then one :class:`Reply`
  line per job, on a private copy of its stdout (everything else it prints goes to its log).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any, TypeVar

from alliance.grading.results import Issue
from alliance.grading.sandbox import SandboxLimits

T = TypeVar("T")
#: how a cell's output starts once it was cut at the limit (the summary looks for it)
TRUNCATED_MARK = "[grader] output truncated: "


@dataclass
class WorkerSettings:
    course_dir: str
    assignment: str
    submitted_dir: str  # the staged, checked copies of the submissions nbgrader reads
    run_dir: str
    sandbox: bool = True
    limits: SandboxLimits = field(default_factory=SandboxLimits)
    timeout: int = 30  # per cell, seconds (resolved by the orchestrator)
    max_output_kb: int = 1024
    max_notebook_output_mb: int = 16
    mask: list[str] = field(default_factory=list)
    # where the kernels' cgroups go: the orchestrator's own cgroup, not the worker's (a worker
    # runs in a small group of its own, which must not count its kernels)
    cgroup: dict = field(default_factory=dict)  # Support fields; {} when there are none
    prestart: bool = True
    kernel_name: str = ""  # the assignment's kernel, started ahead when known

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WorkerSettings:
        data = dict(data)
        data["limits"] = SandboxLimits(**data.get("limits", {}))
        return cls(**data)

    def cgroup_support(self):
        from alliance.grading.cgroup import Support

        return Support.from_json(self.cgroup) if self.cgroup else None


@dataclass
class Job:
    student: str
    force: bool = True


@dataclass
class Ready:
    ready: bool = True


@dataclass
class Timings:
    """Where one submission's grading time went (seconds, wall clock, in the worker)."""

    total_s: float = 0.0
    sandbox_setup_s: float = 0.0  # connection folder, cgroup, command: before the kernel starts
    kernel_start_s: float = 0.0  # launch to first reply (overlaps the previous student if ahead)
    kernel_wait_s: float = 0.0  # how long grading actually waited for its kernel
    execute_s: float = 0.0  # running the cells (student code and tests, guard included)


@dataclass
class Reply:
    student: str
    success: bool
    error: str = ""
    log: str = ""
    timings: Timings = field(default_factory=Timings)
    issues: list[Issue] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        return cls(
            student=data["student"],
            success=bool(data["success"]),
            error=data.get("error", ""),
            log=data.get("log", ""),
            timings=Timings(**data.get("timings", {})),
            issues=[Issue.from_json(i) for i in data.get("issues", [])],
        )


class GradingRecord:
    """What the grading preprocessors learn about the submission being graded.

    One per worker, handed to the preprocessors through the nbgrader config (traitlets passes
    the object itself), and reset for every student.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.issues: list[Issue] = []
        self.timings = Timings()

    def add(self, issue: Issue) -> None:
        if all((i.kind, i.message) != (issue.kind, issue.message) for i in self.issues):
            self.issues.append(issue)


def dumps(message: Any) -> str:
    """One JSON line for a message dataclass."""
    return json.dumps(asdict(message)) + "\n"


def loads(cls: type[T], line: str) -> T:
    data = json.loads(line)
    if hasattr(cls, "from_json"):
        return cls.from_json(data)  # type: ignore[attr-defined]
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in data.items() if k in names})
