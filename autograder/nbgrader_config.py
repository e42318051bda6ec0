"""nbgrader configuration for The Working Alliance course.

Why it looks like this: the course root is this folder (``autograder/``), so the generated state
(``release/``, ``submitted/``, ``autograded/``, ``feedback/``, ``gradebook.db``) stays out of the
way of the book, while the assignment sources live in ``../exercises`` next to the chapters. Both
paths are computed from this file's own location, so the plain ``nbgrader`` commands work from
this folder wherever the repository is checked out (or copied, as the tests do).

Run from this folder with the project's virtualenv first on ``PATH`` (a new gradebook runs the
``alembic`` executable)::

    nbgrader generate_assignment ps1
    nbgrader autograde ps1
    nbgrader generate_feedback ps1
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent

c = get_config()  # noqa: F821 -- injected by traitlets when nbgrader loads this file

c.CourseDirectory.course_id = "working-alliance"
c.CourseDirectory.root = str(HERE)
c.CourseDirectory.source_directory = str((HERE.parent / "exercises").resolve())
c.CourseDirectory.db_url = f"sqlite:///{HERE / 'gradebook.db'}"
c.CourseDirectory.assignment_id = ""

# Students are created the first time they are autograded; a roster is optional.
c.Autograde.create_student = True

# A student who deletes a test cell must not escape it: put it back from the gradebook (nbgrader
# otherwise leaves it as "needs manual grade").
c.OverwriteCells.add_missing_cells = True

# Each cell gets 30 s (the solutions run in well under a second per cell); a hung cell is then
# interrupted and scored 0 instead of stalling the whole class.
c.Execute.timeout = 30
c.Execute.interrupt_on_timeout = True

# Feedback: the course's one feedback policy, the same as `alliance course feedback` applies.
# HideHiddenTests shows a failed hidden test as a neutral message (never its traceback, which
# prints the hidden assert) and drops its hidden source; every output produced after the first
# hidden test is replaced too, so text student code read from a hidden test cannot come back out.
# (Named, not imported: loading this file stays instant for commands that never give feedback.)
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "alliance.grading.preprocessors.HideHiddenTests",
]
