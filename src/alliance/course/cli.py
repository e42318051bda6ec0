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
    """For release: ``--all`` means every assignment in the sources (nothing is released yet)."""
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

    if args.due and args.all:
        raise CourseError("--due applies to one assignment: release them one at a time")
    release(course, _assignments(course, args), due=args.due)
    return 0


def cmd_collect(course, args) -> int:
    from alliance.course.collect import collect

    report = collect(
        course,
        args.assignment,
        args.source,
        args.roster,
        force=args.force,
        max_mb=args.max_size,
        timezone=args.timezone,
    )
    return 1 if report.errors or report.too_large else 0


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
    from alliance.course.export import export, resolve_assignments

    ids = {}
    for item in args.canvas_id or []:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise CourseError(f"--canvas-id {item!r}: expected ASSIGNMENT=ID, e.g. ps1=123456")
        ids[name] = value
    names = resolve_assignments(course, args.assignment, args.all)
    export(
        course,
        names,
        args.format,
        args.output,
        args.roster,
        ids,
        missing_as_zero=args.missing_as_zero,
    )
    return 0


def cmd_report(course, args) -> int:
    from alliance.course.report import report

    report(
        course,
        args.assignment,
        args.output,
        roster_path=args.roster,
        by_section=args.by_section,
        no_blanks=args.no_blanks,
        at_risk=args.at_risk,
    )
    return 0


def cmd_written_export(course, args) -> int:
    from alliance.course.written import export_sheet

    export_sheet(course, args.assignment, args.output, include_graded=args.include_graded)
    return 0


def cmd_written_import(course, args) -> int:
    from alliance.course.written import import_sheet

    import_sheet(course, args.assignment, args.sheet)
    return 0


def cmd_written_view(course, args) -> int:
    from alliance.course.written import view_question

    view_question(course, args.assignment, args.question, args.output, anonymous=args.anonymous)
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
    p.add_argument(
        "--due",
        metavar="WHEN",
        help="due date stored in the gradebook, e.g. '2026-03-06 17:00 Europe/London' "
        "(lateness and late penalties are measured from it)",
    )

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
    p.add_argument(
        "--max-size",
        type=float,
        default=50,
        metavar="MB",
        help="refuse a notebook larger than this, unpacked (default 50)",
    )
    p.add_argument(
        "--timezone",
        default="UTC",
        metavar="ZONE",
        help="time zone of the file times inside the zip (default UTC); they become each "
        "submission's timestamp.txt",
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
        description="Write grades as CSV, one or several assignments in one file. Every "
        "student on the roster, in the gradebook or under submitted/ is listed with a "
        "status, including those with no submission or no notebook.",
    )
    p.add_argument("assignment", nargs="*", metavar="ASSIGNMENT")
    p.add_argument("--all", action="store_true", help="every assignment in the gradebook")
    p.add_argument("--format", choices=["nbgrader", "canvas"], default="nbgrader")
    p.add_argument("--roster", metavar="CSV", help="roster CSV (needed for --format canvas)")
    p.add_argument(
        "--canvas-id",
        action="append",
        metavar="ASSIGNMENT=ID",
        help="Canvas assignment id, for the column header 'ps1 (123456)' (repeatable)",
    )
    p.add_argument(
        "--missing-as-zero",
        action="store_true",
        help="score a missing submission (or a submission with no notebook) as 0 instead of "
        "leaving it blank",
    )
    p.add_argument("--output", "-o", metavar="FILE", help="CSV file (default: stdout)")

    p = _add_command(
        sub,
        "report",
        cmd_report,
        help="HTML class report with figures",
        description="Write an HTML report for ASSIGNMENT: the score distribution, what each "
        "test checks and how many passed it, item difficulty and discrimination with notes "
        "on which items to review, every student's scores with links to their feedback, "
        "lateness, students at risk across assignments, vignette choices, and who still "
        "needs a manual grade.",
    )
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument(
        "--output",
        "-o",
        metavar="DIR",
        help="output folder (default: <course>/reports/<ASSIGNMENT>/)",
    )
    p.add_argument("--roster", metavar="CSV", help="roster CSV: names, sections, non-submitters")
    p.add_argument(
        "--by-section", action="store_true", help="add a view by roster section (needs --roster)"
    )
    p.add_argument(
        "--no-blanks",
        action="store_true",
        help="leave out submissions with nothing written in any answer",
    )
    p.add_argument(
        "--at-risk",
        type=float,
        default=50,
        metavar="PERCENT",
        help="list students below this share of the maximum on two or more assignments "
        "(default 50)",
    )

    for p in sub.choices.values():
        _course_arg(p)  # added last, so it stays the last option in every command's --help
    _register_written(sub)  # a group: its actions take --course-dir themselves

    parser.set_defaults(func=lambda args: parser.print_help() or 2)


def _register_written(sub) -> None:
    """``alliance course written export|import|view``: grading written answers."""
    group = sub.add_parser(
        "written",
        help="grade written answers in a spreadsheet or question by question",
        description="Grade the written answers of an assignment: export them to a sheet, "
        "fill in scores and comments in any spreadsheet, import it back into nbgrader's "
        "gradebook; or view all answers to one question on one page.",
    )
    actions = group.add_subparsers(dest="written_command", metavar="ACTION")
    actions.required = True

    p = _add_command(
        actions,
        "export",
        cmd_written_export,
        help="write every answer that needs grading to a CSV sheet",
        description="Write every written answer of ASSIGNMENT that needs a grade to a CSV "
        "sheet (student, question, answer, rubric, max_points, score, comment, ...). Fill "
        "in score and comment; leave the other columns as they are.",
    )
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument(
        "--output",
        "-o",
        metavar="CSV",
        help="sheet to write (default: <course>/reports/<ASSIGNMENT>/written-<ASSIGNMENT>.csv)",
    )
    p.add_argument(
        "--include-graded",
        action="store_true",
        help="also list answers already graded, with their score and comment, to revise them",
    )
    _course_arg(p)

    p = _add_command(
        actions,
        "import",
        cmd_written_import,
        help="read a filled-in sheet back into the gradebook",
        description="Check every row of SHEET (known student and question, score in range, "
        "answer unchanged since the export) and, if all are sound, set each filled-in score "
        "and comment in nbgrader's gradebook and mark it graded. Rows left blank are not "
        "touched; importing the same sheet again changes nothing.",
    )
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("sheet", metavar="SHEET", help="the CSV written by 'written export'")
    _course_arg(p)

    p = _add_command(
        actions,
        "view",
        cmd_written_view,
        help="one HTML page per question with every student's answer and the rubric",
        description="Write one HTML page per written question of ASSIGNMENT (or only "
        "QUESTION: its grade id or its number) with the question, the rubric, the model "
        "answer and every student's answer, to grade one question across the class.",
    )
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("question", nargs="?", metavar="QUESTION")
    p.add_argument(
        "--output",
        "-o",
        metavar="DIR",
        help="output folder (default: <course>/reports/<ASSIGNMENT>/written/)",
    )
    p.add_argument(
        "--anonymous",
        action="store_true",
        help="show each answer's answer_id (as in the sheet) instead of the student",
    )
    _course_arg(p)
