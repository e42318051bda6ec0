"""Lateness the way nbgrader keeps it: a ``timestamp.txt`` per submission, a due date per
assignment in the gradebook, and a late-penalty plugin chosen in the course config.

Why nbgrader's own way: ``nbgrader autograde`` reads ``submitted/<student>/<assignment>/
timestamp.txt`` (``CourseDirectory.get_existing_timestamp``), stores it on the submission, and
its ``AssignLatePenalties`` step asks the configured ``LateSubmissionPlugin`` for a penalty. When
collect writes that file, lateness reaches the gradebook, the export and the report, and plain
nbgrader applies the same penalty as ``alliance course``.

The optional rule, in ``nbgrader_config.py``::

    c.AssignLatePenalties.plugin_class = "alliance.course.lateness.LatePenalty"
    c.LatePenalty.percent = 10        # of the notebook's score, per period late
    c.LatePenalty.period_hours = 24   # a period: a day; part of a period counts as a whole one
    c.LatePenalty.max_percent = 50    # never more than this
    c.LatePenalty.grace_minutes = 15  # up to this late is on time
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float

TIMESTAMP_FILE = "timestamp.txt"
#: nbgrader's exchange writes this format (``Exchange.timestamp_format``) and reads it back
#: with ``nbgrader.utils.parse_utc``; the zone name makes the time unambiguous.
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"


def timestamp_text(when: datetime) -> str:
    """``when`` (aware, or naive meaning UTC) as the line nbgrader reads from timestamp.txt."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def parse_due(text: str) -> datetime:
    """A due date as an instructor types it (``2026-03-06 17:00 Europe/London``), naive UTC."""
    from nbgrader.utils import parse_utc

    try:
        return parse_utc(text.strip())
    except (ValueError, OverflowError, TypeError) as exc:
        raise ValueError(
            f"{text!r} is not a date and time nbgrader can read "
            "(e.g. '2026-03-06 17:00:00 Europe/London' or '2026-03-06 17:00:00 UTC')"
        ) from exc


def describe_late(seconds: float) -> str:
    """How late, in words an instructor reads at a glance: '2 d 3 h', '5 h 10 min', '4 min'."""
    if seconds <= 0:
        return "on time"
    minutes = math.ceil(seconds / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min"


class LatePenalty(LateSubmissionPlugin):
    """A share of the score per period late (part of a period counts whole), capped, with grace.

    nbgrader calls :meth:`late_submission_penalty` once per notebook during autograding and
    keeps the points it returns as the notebook's ``late_submission_penalty``.
    """

    percent = Float(0.0, help="Percent of the notebook's score taken per period late.").tag(
        config=True
    )
    period_hours = Float(24.0, help="Length of one period in hours (24 = per day).").tag(
        config=True
    )
    max_percent = Float(100.0, help="The penalty never exceeds this percent of the score.").tag(
        config=True
    )
    grace_minutes = Float(0.0, help="Submissions at most this many minutes late are on time.").tag(
        config=True
    )

    def periods_late(self, total_seconds_late: float) -> int:
        late = total_seconds_late - 60 * self.grace_minutes
        if late <= 0:
            return 0
        return math.ceil(late / (3600 * self.period_hours))

    def penalty_percent(self, total_seconds_late: float) -> float:
        return min(self.max_percent, self.percent * self.periods_late(total_seconds_late))

    def late_submission_penalty(
        self, student_id: str, score: float, total_seconds_late: float
    ) -> float | None:
        share = self.penalty_percent(total_seconds_late)
        if share <= 0:
            return None
        return round(score * share / 100, 4)

    def describe(self) -> str:
        """The rule in one sentence, for the report and the export's terminal summary."""
        if self.percent <= 0:
            return "no late penalty"
        period = "day" if self.period_hours == 24 else f"{self.period_hours:g} h"
        grace = f", after {self.grace_minutes:g} min of grace" if self.grace_minutes else ""
        return (
            f"{self.percent:g}% of the score per {period} late or part of one, "
            f"at most {self.max_percent:g}%{grace}"
        )


def course_rule(config) -> str:
    """The late rule a course config sets, in words (nbgrader's default applies none)."""
    section = config.get("AssignLatePenalties", {})
    plugin = section.get("plugin_class")
    if plugin is None:
        return "no late penalty (nbgrader's default)"
    name = plugin if isinstance(plugin, str) else f"{plugin.__module__}.{plugin.__name__}"
    if name.rsplit(".", 1)[-1] == "LatePenalty":
        return LatePenalty(config=config).describe()
    return f"the course's late-penalty plugin {name}"


def refresh_penalties(course, assignment: str) -> list[str]:
    """Recompute late penalties from the current scores, as nbgrader's autograde step would.

    Why: nbgrader computes a penalty once, while autograding, from the score at that moment. A
    written answer graded afterwards (in a sheet or the Formgrader) raises the score but not the
    penalty, so "10% off" would silently become less. This re-runs the course's configured
    plugin (``AssignLatePenalties.plugin_class``) on the final scores and stores the result in
    the gradebook, where nbgrader's own export reads it too. Returns "student/notebook" of each
    penalty that changed.
    """
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.preprocessors import AssignLatePenalties

    step = AssignLatePenalties(config=course.config)
    step.init_plugin()
    changed: list[str] = []
    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        try:
            submissions = gb.find_assignment(assignment).submissions
        except MissingEntry:
            return changed
        for sub in submissions:
            late = float(sub.total_seconds_late or 0.0)
            for nb in sub.notebooks:
                penalty = None
                if late > 0:
                    penalty = step.plugin_inst.late_submission_penalty(
                        sub.student.id, nb.score, late
                    )
                if penalty is not None:
                    penalty = min(max(float(penalty), 0.0), float(nb.score or 0.0))
                if (nb.late_submission_penalty or 0.0) != (penalty or 0.0):
                    nb.late_submission_penalty = penalty
                    changed.append(f"{sub.student.id}/{nb.name}")
        gb.db.commit()
    return changed
