"""``alliance course …``: the instructor's commands, one subcommand per step of a course.

Every subcommand reads the course's ``nbgrader_config.py`` (``--course-dir``, default
``./autograder``) so it sees exactly what plain ``nbgrader`` sees there.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from alliance.course.config import Course, CourseError, load_course


def _course_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--course-dir",
        metavar="DIR",
        help="the nbgrader course root holding nbgrader_config.py (default: ./autograder)",
    )


def _assignments(course, args) -> list[str]:
    if getattr(args, "all", False):
        names = course.assignments_in_source()
        if not names:
            raise CourseError(f"{course.folder('source')}: no assignments found")
        return names
    if not args.assignment:
        raise CourseError("name an ASSIGNMENT or pass --all")
    return [args.assignment]


def _add_command(
    sub, name: str, run: Callable[[Course, argparse.Namespace], int], **texts: str
) -> argparse.ArgumentParser:
    """Add subcommand ``name``; ``run(course, args)`` gets the course of ``--course-dir``.

    Every command needs the course, and every one should report a ``CourseError`` (bad
    config, unknown assignment, bad input) as a one-line message with exit code 2 rather than
    a traceback, so that is done here once.
    """

    def func(args: argparse.Namespace) -> int:
        try:
            return run(load_course(args.course_dir), args)
        except CourseError as exc:
            print(f"alliance course: error: {exc}", file=sys.stderr)
            return 2

    p = sub.add_parser(name, **texts)
    p.set_defaults(func=func)
    return p


def cmd_release(course, args) -> int:
    from alliance.course.release import release

    release(course, _assignments(course, args))
    return 0


def cmd_collect(course, args) -> int:
    from alliance.course.collect import collect

    report = collect(course, args.assignment, args.source, args.roster, force=args.force)
    return 1 if report.errors else 0


def cmd_autograde(course, args) -> int:
    from alliance.grading.autograde import Options, autograde

    opts = Options(
        jobs=args.jobs,
        timeout=args.timeout,
        memory_mb=args.memory,
        pids=args.pids,
        max_output_kb=args.max_output,
        max_notebook_output_mb=args.max_notebook_output,
        max_notebook_mb=args.max_notebook,
        sandbox=not args.no_sandbox,
        force=args.force,
        prestart=not args.no_prestart,
        students=args.student or None,
        progress=not args.quiet,
    )
    run = autograde(course, args.assignment, opts)
    return 1 if any(run.students[s].status == "error" for s in run.regraded) else 0


def cmd_feedback(course, args) -> int:
    from alliance.grading.feedback import feedback

    feedback(course, args.assignment)
    return 0


def cmd_export(course, args) -> int:
    from alliance.course.export import export

    ids = {}
    for item in args.canvas_id or []:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise CourseError(f"--canvas-id {item!r}: expected ASSIGNMENT=ID, e.g. ps1=123456")
        ids[name] = value
    export(course, _assignments(course, args), args.format, args.output, args.roster, ids)
    return 0


def cmd_report(course, args) -> int:
    from alliance.course.report import report

    report(course, args.assignment, args.output)
    return 0


def register(parser: argparse.ArgumentParser) -> None:
    """Add the ``course`` subcommands to ``parser`` (called by :mod:`alliance.cli`)."""
    sub = parser.add_subparsers(dest="course_command", metavar="COMMAND")
    sub.required = True

    p = _add_command(
        sub,
        "release",
        cmd_release,
        help="generate the student versions (nbgrader release/)",
        description="Generate the student version of an assignment, or of all "
        "of them, into the course's release/ folder, and check it for leaks.",
    )
    p.add_argument("assignment", nargs="?", metavar="ASSIGNMENT")
    p.add_argument("--all", action="store_true", help="release every assignment in the sources")

    p = _add_command(
        sub,
        "collect",
        cmd_collect,
        help="import an LMS download into submitted/",
        description="Import submissions from a Canvas-style zip "
        "(<name>_[late_]<lmsid>_<subid>_<file>.ipynb) or a folder with one "
        "sub-folder per student into submitted/<student>/<ASSIGNMENT>/.",
    )
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("source", metavar="SOURCE", help="the .zip file or folder the LMS gave you")
    p.add_argument(
        "--roster",
        required=True,
        metavar="CSV",
        help="roster CSV with columns student_id and lms_id (optional: first_name, "
        "last_name, email, section, sis_user_id, sis_login_id)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace existing submissions that differ (the old ones are backed up)",
    )

    p = _add_command(
        sub,
        "autograde",
        cmd_autograde,
        help="grade the whole class in parallel, sandboxed",
        description="Autograde every submission of ASSIGNMENT with nbgrader, in "
        "parallel, each in its own sandboxed kernel with time, memory and output "
        "limits. Scores go to nbgrader's gradebook.",
    )
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=2,
        metavar="N",
        help="submissions graded at once (default 2)",
    )
    p.add_argument(
        "--timeout",
        type=int,
        metavar="S",
        help="time limit per cell in seconds (default: the course config's, else 30)",
    )
    p.add_argument(
        "--memory",
        type=int,
        default=2048,
        metavar="MB",
        help="memory limit per submission, all its processes together (default 2048)",
    )
    p.add_argument(
        "--pids",
        type=int,
        default=256,
        metavar="N",
        help="processes and threads one submission may run at once (default 256)",
    )
    p.add_argument(
        "--max-output",
        type=int,
        default=1024,
        metavar="KB",
        help="output one cell may produce before it is cut (default 1024)",
    )
    p.add_argument(
        "--max-notebook-output",
        type=int,
        default=16,
        metavar="MB",
        help="output one notebook may produce in all (default 16)",
    )
    p.add_argument(
        "--max-notebook",
        type=int,
        default=32,
        metavar="MB",
        help="largest submitted notebook file that is graded (default 32)",
    )
    p.add_argument(
        "--student", action="append", metavar="ID", help="grade only this student (repeatable)"
    )
    p.add_argument(
        "--force", action="store_true", help="re-grade submissions that were already graded"
    )
    p.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run student code WITHOUT bubblewrap (unsafe; prints a loud warning)",
    )
    p.add_argument(
        "--no-prestart",
        action="store_true",
        help="do not start the next kernel ahead of time (slower; for debugging)",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")

    p = _add_command(
        sub,
        "feedback",
        cmd_feedback,
        help="feedback HTML for every student, hidden tests removed",
        description="Generate feedback for every graded student of ASSIGNMENT "
        "into feedback/ under the course's one feedback policy (hidden tests show a "
        "neutral message; nothing printed after the first hidden test is shown), and "
        "check that no hidden-test text leaked.",
    )
    p.add_argument("assignment", metavar="ASSIGNMENT")

    p = _add_command(
        sub,
        "export",
        cmd_export,
        help="grades as CSV (nbgrader or Canvas format)",
        description="Write grades as CSV. Students on the roster (or in the "
        "gradebook) with no submission are listed with a status.",
    )
    p.add_argument("assignment", nargs="?", metavar="ASSIGNMENT")
    p.add_argument("--all", action="store_true", help="every assignment")
    p.add_argument("--format", choices=["nbgrader", "canvas"], default="nbgrader")
    p.add_argument("--roster", metavar="CSV", help="roster CSV (needed for --format canvas)")
    p.add_argument(
        "--canvas-id",
        action="append",
        metavar="ASSIGNMENT=ID",
        help="Canvas assignment id, for the column header 'ps1 (123456)' (repeatable)",
    )
    p.add_argument("--output", "-o", metavar="FILE", help="CSV file (default: stdout)")

    p = _add_command(
        sub,
        "report",
        cmd_report,
        help="HTML class report with figures",
        description="Write an HTML report for ASSIGNMENT: score distribution, "
        "per-question and per-test pass rates, vignette choices, and who still "
        "needs a manual grade.",
    )
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument(
        "--output",
        "-o",
        metavar="DIR",
        help="output folder (default: <course>/reports/<ASSIGNMENT>/)",
    )

    for p in sub.choices.values():
        _course_arg(p)  # added last, so it stays the last option in every command's --help

    parser.set_defaults(func=lambda args: parser.print_help() or 2)
