"""The instructor's tools: ``alliance course release|collect|autograde|feedback|export|report``.

Built on nbgrader (its gradebook, its converters, its scores); this package adds what nbgrader
lacks: LMS import, parallel and sandboxed grading, leak-checked feedback, LMS export and a class
report. See ``backmatter/for-instructors.md``.
"""
