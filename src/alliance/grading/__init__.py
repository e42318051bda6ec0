"""Grading student submissions: the sandbox, nbgrader preprocessors, workers and typed results.

``alliance.course`` holds the instructor's commands (thin apps); this package holds what they
call to grade, shaped like the two anchors:

* like nbgrader, one preprocessor per file in :mod:`alliance.grading.preprocessors`
  (``RepairStructure``, ``ResetExecutionMetadata``, ``GuardedExecute``, ``HideHiddenTests``), run
  by nbgrader's own converters, so scores stay nbgrader's;
* like otter-grader, the orchestrator apart from what runs by the sandbox:
  :mod:`~alliance.grading.autograde` (the orchestrator) calls :mod:`~alliance.grading.prepare`,
  :mod:`~alliance.grading.pool` and :mod:`~alliance.grading.summarise`; each worker process
  (:mod:`~alliance.grading.worker`) grades one student at a time with kernels from a
  :class:`~alliance.grading.kernel.KernelPool` it owns, inside the sandbox of
  :mod:`~alliance.grading.sandbox` and :mod:`~alliance.grading.cgroup`; the only code that runs
  *inside* the student's kernel is :mod:`~alliance.grading.guard`.

Everything that crosses a process boundary is typed: :mod:`~alliance.grading.protocol` between
orchestrator and workers, :mod:`~alliance.grading.results` (``ClassRun``) in ``autograde.json``
for export and report.
"""
