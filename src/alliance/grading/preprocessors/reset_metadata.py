"""nbgrader sanitize step: tags and metadata that change how a cell runs come from the source.

Why: nbclient skips a cell tagged ``skip-execution``, and nbgrader's ``OverwriteCells`` restores a
test cell's source but not its tags, so a student who tagged the test cells got full marks on a
blank notebook (issue 10). Here every cell the source has (by grade id) gets the source's
execution tags back; any other cell loses them. A changed test or locked cell is reported as
tampering for review. (``GuardedExecute`` also ignores the tag, in case a cell slips through.)
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor

from alliance.grading.results import Issue

#: tags that change whether or how a cell runs (nbclient, nbconvert, papermill, Jupyter Book)
EXECUTION_TAGS = frozenset(
    {
        "skip-execution",
        "raises-exception",
        "skip",
        "remove-cell",
        "parameters",
        "injected-parameters",
    }
)


@lru_cache(maxsize=32)
def _source_tags(path: str, mtime: float) -> dict[str, frozenset[str]]:
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    out: dict[str, frozenset[str]] = {}
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {})
        gid = (meta.get("nbgrader") or {}).get("grade_id")
        if gid:
            out[gid] = frozenset(meta.get("tags", [])) & EXECUTION_TAGS
    return out


class ResetExecutionMetadata(NbGraderPreprocessor):
    """Execution tags back to the source's; changes on test or locked cells are flagged."""

    #: set on the class the worker makes with :meth:`bind`; without one, findings are only logged
    record = None

    @classmethod
    def bind(cls, record) -> type[ResetExecutionMetadata]:
        return type(cls.__name__, (cls,), {"record": record})

    def preprocess(self, nb, resources):
        from nbgrader.coursedir import CourseDirectory

        info = resources["nbgrader"]
        coursedir = CourseDirectory(config=self.config)
        source = (
            Path(coursedir.format_path(coursedir.source_directory, ".", info["assignment"]))
            / f"{info['notebook']}.ipynb"
        )
        expected = _source_tags(str(source), source.stat().st_mtime) if source.is_file() else {}
        for cell in nb.cells:
            meta = cell.metadata
            nbg = meta.get("nbgrader") or {}
            gid = nbg.get("grade_id")
            tags = list(meta.get("tags", []))
            changing = set(tags) & EXECUTION_TAGS
            wanted = set(expected.get(gid, frozenset())) if gid else set()
            if changing != wanted:
                meta["tags"] = [t for t in tags if t not in EXECUTION_TAGS] + sorted(wanted)
                if not meta["tags"]:
                    del meta["tags"]
                if gid and (nbg.get("locked") or (nbg.get("grade") and not nbg.get("solution"))):
                    self._flag(gid, changing - wanted)
            meta.pop("execution", None)
        return nb, resources

    def _flag(self, gid: str, tags: set[str]) -> None:
        message = (
            f"cell {gid} carried the tag(s) {', '.join(sorted(tags)) or '(removed)'} that change "
            "how it runs (reset to the source's); review by hand"
        )
        self.log.warning(message)
        if self.record is not None:
            self.record.add(Issue(kind="tamper", message=message, cell=gid, review=True))
