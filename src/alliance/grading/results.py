"""Typed results of an autograding run: what the orchestrator writes and export and report read.

Why typed: a grading run's results used to travel as untyped dicts (worker pipe, JSON file,
export, report), so a renamed key in one place broke another silently. These dataclasses are the
one contract: ``ClassRun.save`` writes ``reports/<assignment>/autograde.json`` and
``ClassRun.load`` reads it back (older files whose issues are plain strings load too).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

#: graded: nbgrader scored it; error: grading failed (see issues); missing: no notebook submitted.
Status = Literal["graded", "error", "missing"]

#: What kind of problem an issue names; report and export group by it.
IssueKind = Literal[
    "structure",  # the notebook's cells were damaged and repaired (deleted/edited test cells…)
    "invalid",  # not a notebook: bad JSON, a symlink, too large…
    "syntax",  # a SyntaxError in the student's code
    "exception",  # an exception in the student's code (NameError, missing function…)
    "timeout",  # a cell hit the per-cell time limit
    "memory",  # the memory limit was reached
    "output",  # output was cut at the limit
    "sandbox",  # an attempt to reach outside the sandbox was blocked
    "tamper",  # the grading machinery was tampered with: flagged for manual review
    "grader",  # the grader itself failed (worker died, deadline passed)
    "changed",  # the submitted files changed during grading (must never happen)
    "other",
]


@dataclass
class Issue:
    """One problem with one student's submission, in words an instructor can act on."""

    kind: IssueKind
    message: str
    cell: str | None = None  # the grade_id or cell the issue is about, when there is one
    review: bool = False  # True when a person must look before the score is trusted

    @classmethod
    def from_json(cls, data: Any) -> Issue:
        if isinstance(data, str):  # autograde.json files written before issues were typed
            return cls(kind="other", message=data)
        return cls(
            kind=data.get("kind", "other"),
            message=data["message"],
            cell=data.get("cell"),
            review=bool(data.get("review", False)),
        )

    def __str__(self) -> str:
        return self.message


@dataclass
class Limits:
    """The limits a run actually used (not the defaults), recorded with its results."""

    timeout_s: int
    memory_mb: int
    max_output_kb: int
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. pids, tmpfs sizes


@dataclass
class StudentResult:
    """One student's result for one assignment."""

    student: str
    status: Status
    score: float | None = None
    max_score: float | None = None
    needs_manual_grade: bool = False
    issues: list[Issue] = field(default_factory=list)
    submission_sha256: dict[str, str] = field(default_factory=dict)
    timestamp: str | None = None  # submission time (ISO 8601) from nbgrader's timestamp.txt
    late_seconds: float = 0.0  # how late against the due date; 0 when on time or no due date
    seconds: float | None = None  # time spent grading it in the run that graded it
    kernel_wait_s: float | None = None
    graded_in_run: str | None = None  # ClassRun.run_id of the run that produced this result

    @property
    def needs_review(self) -> bool:
        return any(i.review for i in self.issues)

    @classmethod
    def from_json(cls, student: str, data: dict[str, Any]) -> StudentResult:
        known = {f for f in cls.__dataclass_fields__ if f not in {"student", "issues"}}
        kwargs = {k: v for k, v in data.items() if k in known}
        issues = [Issue.from_json(i) for i in data.get("issues", [])]
        return cls(student=student, issues=issues, **kwargs)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("student")
        return data


@dataclass
class ClassRun:
    """Every student's latest result for one assignment, and how the latest run went."""

    assignment: str
    run_id: str
    sandbox: bool
    jobs: int
    limits: Limits
    students: dict[str, StudentResult] = field(default_factory=dict)
    regraded: list[str] = field(default_factory=list)  # graded in this run
    kept: list[str] = field(default_factory=list)  # already graded and left as they were
    timing: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def path_for(reports_dir: Path, assignment: str) -> Path:
        return Path(reports_dir) / assignment / "autograde.json"

    @classmethod
    def load(cls, path: Path) -> ClassRun:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        limits = data.get("limits") or {
            "timeout_s": data.get("timeout_s", 0),
            "memory_mb": data.get("memory_mb", 0),
            "max_output_kb": data.get("max_output_kb", 0),
        }
        return cls(
            assignment=data["assignment"],
            run_id=data.get("run_id", ""),
            sandbox=bool(data.get("sandbox", True)),
            jobs=int(data.get("jobs", 1)),
            limits=Limits(**limits),
            students={
                s: StudentResult.from_json(s, r) for s, r in data.get("students", {}).items()
            },
            regraded=list(data.get("regraded", data.get("this_run", []))),
            kept=list(data.get("kept", [])),
            timing=dict(data.get("timing", {})),
        )

    def save(self, path: Path) -> None:
        data = {
            "assignment": self.assignment,
            "run_id": self.run_id,
            "sandbox": self.sandbox,
            "jobs": self.jobs,
            "limits": asdict(self.limits),
            "students": {s: r.to_json() for s, r in sorted(self.students.items())},
            "regraded": self.regraded,
            "kept": self.kept,
            "timing": self.timing,
        }
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")


def load_class_run(reports_dir: Path, assignment: str) -> ClassRun | None:
    """The saved results of ``assignment``, or None when it was never autograded."""
    path = ClassRun.path_for(reports_dir, assignment)
    return ClassRun.load(path) if path.is_file() else None
