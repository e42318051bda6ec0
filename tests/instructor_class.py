"""A practice class of 12 on the real ps1 and ps3, as an LMS would hand it to an instructor.

Why here: the instructor guide's worked example, the end-to-end test and the guide test all use
this one class, so the outputs pasted in ``backmatter/for-instructors.md`` are the outputs of a
class the suite grades on every run. Submissions are built from the real assignments (the
released stubs and the source's model answers, mixed per student), so the class follows the
assignments when they change. Nothing here fakes nbgrader, kernels or the sandbox.
"""

from __future__ import annotations

import copy
import json
import random
import re
import shutil
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENTS = ("ps1", "ps3")
DUE = {"ps1": datetime(2026, 2, 6, 17, 0), "ps3": datetime(2026, 2, 20, 17, 0)}  # UTC
MARKER = re.compile(r"^\s*#+\s*(BEGIN|END) SOLUTION\s*$")
LABEL = re.compile(r'"[a-z][a-z0-9_-]{1,30}"')  # short string literals: labels, keys
WEAK_ANSWER = "I would say back what they told me and ask how they feel about it."


@dataclass(frozen=True)
class Member:
    student_id: str
    lms_id: str
    first: str
    last: str
    section: str
    level: float  # share of answers with the model solution (the rest left as released)


CLASS = [
    Member("s01", "3101", "Amara", "Okafor", "A", 1.0),
    Member("s02", "3102", "Bo", "Chen", "A", 0.9),
    Member("s03", "3103", "Carmen", "Díaz", "A", 0.8),
    Member("s04", "3104", "Dev", "Patel", "A", 0.75),
    Member("s05", "3105", "Eli", "Cohen", "A", 0.7),
    Member("s06", "3106", "Fatima", "Haddad", "A", 0.6),
    Member("s07", "3107", "Giorgos", "Papadopoulos", "B", 0.6),
    Member("s08", "3108", "Hana", "Sato", "B", 0.5),
    Member("s09", "3109", "Ifeoma", "Nwosu", "B", 0.5),
    Member("s10", "3110", "Jonas", "Berg", "B", 0.25),
    Member("s11", "3111", "Kalani", "Kahale", "B", 0.0),
    Member("s12", "3112", "Lucía", "Romero", "B", 0.9),
]
#: What happens to whom, per assignment (the rest submit once, on time).
LATE = {"ps1": {"s06": timedelta(hours=16, minutes=30)}, "ps3": {"s03": timedelta(days=1, hours=2)}}
DUPLICATE = {"ps1": "s04", "ps3": "s08"}  # uploads twice: a blank notebook, then the real one
SYNTAX_ERROR = {"ps1": "s09", "ps3": "s10"}  # a stray bracket in their first code answer
BLANK = {"ps1": {"s11"}, "ps3": {"s11"}}  # hands in the notebook as released
ABSENT = {"ps1": {"s12"}, "ps3": {"s05"}}  # nothing uploaded
NOT_A_NOTEBOOK = {"ps1": "s02", "ps3": "s12"}  # also uploads a PDF / only a script
STRANGER = ("Zed", "Quinn", "9999")  # in the download, not on the roster (dropped the course)


def copy_course(dest: Path) -> Path:
    """A fresh course like the repository's: ``exercises/`` and the course config."""
    shutil.copytree(
        REPO / "exercises",
        dest / "exercises",
        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"),
    )
    (dest / "autograder").mkdir(parents=True)
    shutil.copy(REPO / "autograder" / "nbgrader_config.py", dest / "autograder")
    return dest / "autograder"


def write_roster(path: Path) -> Path:
    lines = ["student_id,lms_id,first_name,last_name,email,section,sis_user_id,sis_login_id"]
    for m in CLASS:
        login = m.first.lower().replace("í", "i")
        lines.append(
            f"{m.student_id},{m.lms_id},{m.first},{m.last},{login}@example.org,{m.section},"
            f"S{m.lms_id},{login}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _gid(cell: dict) -> str | None:
    return (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")


def model_answers(root: Path, assignment: str) -> dict[str, tuple[str, str]]:
    """grade_id -> (cell type, model answer) of every answer cell of the source notebook."""
    src = next((root.parent / "exercises" / assignment).glob("*.ipynb"))
    out = {}
    for cell in json.loads(src.read_text(encoding="utf-8"))["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader") or {}
        if meta.get("solution"):
            lines = [ln for ln in _source(cell).split("\n") if not MARKER.match(ln)]
            out[meta["grade_id"]] = (cell["cell_type"], "\n".join(lines))
    return out


def released(root: Path, assignment: str) -> tuple[str, dict]:
    path = next((root / "release" / assignment).glob("*.ipynb"))
    return path.name, json.loads(path.read_text(encoding="utf-8"))


def student_notebook(root: Path, assignment: str, m: Member) -> dict:
    """What ``m`` hands in: each answer is the model answer with chance ``level``, else as given.

    A model code answer of anyone but the strongest student has, half the time, a slip: two of
    its short string literals swapped (two labels, two keys), so some of its tests fail and
    others pass. Written answers that are not the model get a short, weak answer (or stay blank
    for a blank student). Deterministic for a given member and assignment.
    """
    _, nb = released(root, assignment)
    nb = copy.deepcopy(nb)
    rng = random.Random(f"{assignment}:{m.student_id}")
    models = model_answers(root, assignment)
    first_code = True
    for cell in nb["cells"]:
        gid = _gid(cell)
        if gid not in models or m.student_id in BLANK[assignment]:
            continue
        kind, model = models[gid]
        if rng.random() < m.level:
            cell["source"] = model
            if kind == "code" and m.level < 1 and rng.random() < 0.5:
                cell["source"] = slip(model, rng)
        elif kind == "markdown":
            cell["source"] = WEAK_ANSWER
        if kind == "code" and first_code and SYNTAX_ERROR[assignment] == m.student_id:
            cell["source"] = _source(cell) + "\nprint('done'))\n"
        first_code = first_code and kind != "code"
    return nb


def slip(code: str, rng: random.Random) -> str:
    """``code`` with two of its short string literals swapped (a plausible mix-up)."""
    found = sorted(set(LABEL.findall(code)))
    if len(found) < 2:
        return code
    a, b = rng.sample(found, 2)
    return code.replace(a, "\0").replace(b, a).replace("\0", b)


def canvas_name(m: Member) -> str:
    return re.sub(r"[^a-z]", "", (m.last + m.first).lower().replace("í", "i"))


def build_zip(root: Path, assignment: str, path: Path) -> Path:
    """The LMS download for ``assignment``: late, duplicate, stray and unknown files included."""
    filename, blank = released(root, assignment)
    due = DUE[assignment]
    sub_id = 70000 if assignment == "ps1" else 80000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:

        def put(name: str, data: bytes, when: datetime) -> None:
            zf.writestr(zipfile.ZipInfo(name, date_time=when.timetuple()[:6]), data)

        for i, m in enumerate(CLASS):
            if m.student_id in ABSENT[assignment]:
                continue
            base = canvas_name(m)
            when = due - timedelta(hours=30 - 2 * i)
            late = LATE[assignment].get(m.student_id)
            if late:
                when = due + late
            if DUPLICATE[assignment] == m.student_id:
                first = when - timedelta(days=1)
                stem = filename.removesuffix(".ipynb")
                put(f"{base}_{m.lms_id}_{sub_id + i}_{filename}", json.dumps(blank).encode(), first)
                filename_used = f"{stem}-1.ipynb"
                sub = sub_id + 100 + i
            else:
                filename_used, sub = filename, sub_id + i
            if NOT_A_NOTEBOOK[assignment] == m.student_id and assignment == "ps3":
                put(f"{base}_{m.lms_id}_{sub}_analysis.py", b"print('see notebook')\n", when)
                continue
            nb = student_notebook(root, assignment, m)
            prefix = f"{base}_late" if late else base
            put(
                f"{prefix}_{m.lms_id}_{sub}_{filename_used}",
                json.dumps(nb, indent=1).encode(),
                when,
            )
            if NOT_A_NOTEBOOK[assignment] == m.student_id:
                put(f"{base}_{m.lms_id}_{sub}_notes.pdf", b"%PDF-1.4 notes", when)
        first, last, lms = STRANGER
        put(
            f"{(last + first).lower()}_{lms}_{sub_id + 99}_{filename}",
            json.dumps(blank).encode(),
            due - timedelta(hours=3),
        )
    return path


def fill_sheet(path: Path, leave_blank: int = 1, comment: str = "Clear and specific.") -> dict:
    """Mark a written-answers sheet as an instructor would in a spreadsheet.

    Every row gets a score (model answers full points, others half, rounded down) and a comment,
    except the last ``leave_blank`` rows, which stay empty. Returns {(student, question): score}.
    """
    import csv
    import io

    from alliance.course.answers import normalise

    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    scores = {}
    for r in rows[: len(rows) - leave_blank]:
        top = float(r["max_points"])
        weak = normalise(r["answer"]) == normalise(WEAK_ANSWER)
        value = top // 2 if weak else top
        r["score"] = f"{value:g}"
        r["comment"] = comment
        scores[(r["student"], r["question"])] = value
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else [], lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8-sig", newline="")
    return scores
