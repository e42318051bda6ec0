"""nbgrader sanitize step: put a damaged submission's structure back together (in memory).

Why a preprocessor: it must run inside nbgrader's own autograde, after ``ClearOutput`` and before
``DeduplicateIds``/``OverwriteCells``, which would otherwise crash or silently drop the answers
(the repairs themselves are :func:`alliance.grading.structure.repair_cells`).
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

from alliance.grading.gradebook import cells_in_gradebook
from alliance.grading.structure import repair_cells


class RepairStructure(NbGraderPreprocessor):
    """nbgrader sanitize step: :func:`repair_cells` on the notebook being graded."""

    def preprocess(self, nb, resources):
        from nbgrader.coursedir import CourseDirectory

        info = resources["nbgrader"]
        course_id = CourseDirectory(config=self.config).course_id
        infos = [
            c
            for c in cells_in_gradebook(info["db_url"], course_id, info["assignment"])
            if c.notebook == info["notebook"]
        ]
        for line in repair_cells(nb.cells, infos):
            self.log.warning("Repaired: %s", line)
        return nb, resources
