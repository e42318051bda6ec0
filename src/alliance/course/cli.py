"""``alliance course …``: the instructor's commands, one subcommand per step of a course.

Every subcommand reads the course's ``nbgrader_config.py`` (``--course-dir``, default
``./autograder``) so it sees exactly what plain ``nbgrader`` sees there.
"""

from __future__ import annotations

import argparse
import sys

from alliance.course.config import CourseError, load_course


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


def cmd_release(args) -> int:
    from alliance.course.release import release

    course = load_course(args.course_dir)
    release(course, _assignments(course, args))
    return 0


def cmd_collect(args) -> int:
    from alliance.course.collect import collect

    course = load_course(args.course_dir)
    report = collect(course, args.assignment, args.source, args.roster, force=args.force)
    return 1 if report.errors else 0


def cmd_autograde(args) -> int:
    from alliance.course.autograde import Options, autograde

    course = load_course(args.course_dir)
    opts = Options(
        jobs=args.jobs,
        timeout=args.timeout,
        memory_mb=args.memory,
        max_output_kb=args.max_output,
        sandbox=not args.no_sandbox,
        force=args.force,
        prestart=not args.no_prestart,
        students=args.student or None,
        progress=not args.quiet,
    )
    summary = autograde(course, args.assignment, opts)
    now = [summary["students"][s] for s in summary["this_run"]]
    return 1 if any(r["status"] == "error" for r in now) else 0


def cmd_feedback(args) -> int:
    from alliance.course.feedback import feedback

    course = load_course(args.course_dir)
    feedback(course, args.assignment)
    return 0


def cmd_export(args) -> int:
    from alliance.course.export import export

    course = load_course(args.course_dir)
    ids = {}
    for item in args.canvas_id or []:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise CourseError(f"--canvas-id {item!r}: expected ASSIGNMENT=ID, e.g. ps1=123456")
        ids[name] = value
    export(course, _assignments(course, args), args.format, args.output, args.roster, ids)
    return 0


def cmd_report(args) -> int:
    from alliance.course.report import report

    course = load_course(args.course_dir)
    report(course, args.assignment, args.output)
    return 0


def register(parser: argparse.ArgumentParser) -> None:
    """Add the ``course`` subcommands to ``parser`` (called by :mod:`alliance.cli`)."""
    sub = parser.add_subparsers(dest="course_command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser(
        "release",
        help="generate the student versions (nbgrader release/)",
        description="Generate the student version of an assignment, or of all "
        "of them, into the course's release/ folder, and check it for leaks.",
    )
    p.add_argument("assignment", nargs="?", metavar="ASSIGNMENT")
    p.add_argument("--all", action="store_true", help="release every assignment in the sources")
    _course_arg(p)
    p.set_defaults(func=cmd_release)

    p = sub.add_parser(
        "collect",
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
    _course_arg(p)
    p.set_defaults(func=cmd_collect)

    p = sub.add_parser(
        "autograde",
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
        help="memory (address space) limit per kernel (default 2048; 0 = none)",
    )
    p.add_argument(
        "--max-output",
        type=int,
        default=1024,
        metavar="KB",
        help="output one cell may produce before it is cut (default 1024)",
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
    _course_arg(p)
    p.set_defaults(func=cmd_autograde)

    p = sub.add_parser(
        "feedback",
        help="feedback HTML for every student, hidden tests removed",
        description="Generate feedback for every graded student of ASSIGNMENT "
        "into feedback/, with hidden-test source and hidden assert messages "
        "removed, and check that none leaked.",
    )
    p.add_argument("assignment", metavar="ASSIGNMENT")
    _course_arg(p)
    p.set_defaults(func=cmd_feedback)

    p = sub.add_parser(
        "export",
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
    _course_arg(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "report",
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
    _course_arg(p)
    p.set_defaults(func=cmd_report)

    parser.set_defaults(func=lambda args: parser.print_help() or 2)


def run_safely(func):
    """Turn a CourseError into a one-line message and exit code 2 (no traceback)."""

    def wrapped(args) -> int:
        try:
            return func(args)
        except CourseError as exc:
            print(f"alliance course: error: {exc}", file=sys.stderr)
            return 2

    return wrapped


for _name in ("release", "collect", "autograde", "feedback", "export", "report"):
    globals()[f"cmd_{_name}"] = run_safely(globals()[f"cmd_{_name}"])
