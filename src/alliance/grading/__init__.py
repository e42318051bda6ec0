"""Grading student submissions: the sandbox, nbgrader preprocessors, workers and typed results.

``alliance.course`` holds the instructor's commands (thin apps); this package holds what they
call to grade, shaped like nbgrader (one preprocessor per file) and otter-grader (the
orchestrator here, what runs inside the sandbox kept apart).
"""
