"""ps3 Measuring the alliance: score the invented Illustrative Alliance Check, flag and plot."""

# ruff: noqa: E501  (markdown tables in the notebook text are long lines by nature)

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

import yaml

CUTOFF = 30
# The invented people of this problem set (clients A, B and C have letters, not names).
PEOPLE: list[str] = []
ITEM_IDS = ["b1", "b2", "b3", "g1", "g2", "g3", "t1", "t2", "t3"]

# Invented caseload: client, session, then the nine items in ITEM_IDS order (None = skipped).
CASELOAD = [
    ("A", 1, [4, 4, 2, 4, 3, 2, 4, 4, 2]),
    ("A", 2, [5, 4, 2, 4, 4, 2, 4, 4, 1]),
    ("A", 3, [5, 5, 1, 4, 4, 2, 5, 4, 2]),
    ("A", 4, [5, 5, 1, 5, 4, None, 5, 5, 1]),
    ("A", 5, [5, 5, 1, 5, 5, 1, 5, 4, 1]),
    ("A", 6, [5, 5, 1, 5, 5, 1, 5, 5, 1]),
    ("B", 1, [4, 4, 2, 4, 4, 2, 4, 4, 2]),
    ("B", 2, [4, 4, 2, 4, 3, 2, 4, 4, 2]),
    ("B", 3, [3, 3, 3, 2, 2, 4, 2, 3, 4]),
    ("B", 4, [3, None, None, 3, 3, 3, 3, 3, 3]),
    ("B", 5, [4, 4, 2, 4, 4, 2, 4, 4, 2]),
    ("B", 6, [5, 4, 2, 4, 4, 2, 4, 5, 2]),
    ("C", 1, [3, 3, 3, 2, 3, 4, 3, 2, 4]),
    ("C", 2, [3, 3, 3, 3, 3, 3, 3, 3, 3]),
    ("C", 3, [3, 4, 3, 3, 3, 3, None, 3, 3]),
    ("C", 4, [4, 4, 2, 3, 3, 3, 3, 3, 3]),
    ("C", 5, [4, 4, 2, 4, 4, 2, 4, 4, 2]),
    ("C", 6, [4, 4, 2, 4, 4, 2, 4, 4, 3]),
]


def _questionnaire() -> dict:
    text = resources.files("alliance.measures").joinpath("illustrative_alliance_check.yaml")
    return yaml.safe_load(text.read_text(encoding="utf-8"))


def reference_score(responses: dict) -> dict:
    """The generator's own scorer (the course rule); tests cross-check it with alliance.measures."""
    q = _questionnaire()
    lo, hi = q["scale"]["min"], q["scale"]["max"]
    max_missing = q["missing_rule"]["max_missing_per_subscale"]
    out: dict = {}
    for sub in (s["id"] for s in q["subscales"]):
        items = [i for i in q["items"] if i["subscale"] == sub]
        keyed = [
            (lo + hi - responses[i["id"]]) if i["reverse"] else responses[i["id"]]
            for i in items
            if responses.get(i["id"]) is not None
        ]
        if len(items) - len(keyed) > max_missing:
            out[sub] = None
        else:
            out[sub] = round(sum(keyed) / len(keyed) * len(items), 2)
    subs = [out[s["id"]] for s in q["subscales"]]
    out["total"] = None if any(v is None for v in subs) else round(sum(subs), 2)
    return out


def scored_caseload() -> list[dict]:
    rows = []
    for client, session, values in CASELOAD:
        rows.append(
            {
                "client": client,
                "session": session,
                **reference_score(dict(zip(ITEM_IDS, values, strict=True))),
            }
        )
    return rows


def write_data(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "caseload.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["client", "session", *ITEM_IDS])
        for client, session, values in CASELOAD:
            writer.writerow([client, session, *["" if v is None else v for v in values]])


def build():
    from notebook_builder import HOW_TO_SUBMIT, Notebook

    q = _questionnaire()
    rev = [i["id"] for i in q["items"] if i["reverse"]]
    scored = scored_caseload()
    by_key = {(r["client"], r["session"]): r for r in scored}
    flagged = [
        (r["client"], r["session"])
        for r in scored
        if r["total"] is not None and r["total"] < CUTOFF
    ]
    c_totals = [r["total"] for r in scored if r["client"] == "C"]
    # a few rows the hidden tests check, chosen for their edge cases
    picks = {
        key: {k: by_key[key][k] for k in ("bond", "goals", "tasks", "total")}
        for key in [("A", 4), ("B", 3), ("B", 4), ("C", 3)]
    }

    nb = Notebook("ps3", "ps3-measuring-the-alliance")
    nb.md(
        """
        # Problem set 3 — Measuring the alliance

        *About 50 minutes. 18 points: 16 graded automatically, 2 by your instructor.*

        Published alliance questionnaires (the Working Alliance Inventory family, session rating
        scales) are copyrighted, so this course never reproduces their items. To practise the
        mechanics every such measure shares — reverse keying, subscale scores, a rule for skipped
        items, session-by-session monitoring — you will score the course's **Illustrative
        Alliance Check (IAC)**: nine invented items, three each for Bordin's (1979) bond, goals
        and tasks, answered from 1 (*not at all*) to 5 (*completely*). It is invented for
        teaching: it has no norms, no reliability data and no validated cut-off.
        """
    )
    nb.md(HOW_TO_SUBMIT)
    nb.code(
        """
        from importlib import resources

        import yaml

        IAC = yaml.safe_load(
            resources.files("alliance.measures")
            .joinpath("illustrative_alliance_check.yaml")
            .read_text(encoding="utf-8")
        )
        ITEMS = {item["id"]: item for item in IAC["items"]}   # id -> subscale, text, reverse
        SUBSCALES = [s["id"] for s in IAC["subscales"]]       # ['bond', 'goals', 'tasks']
        SCALE_MIN, SCALE_MAX = IAC["scale"]["min"], IAC["scale"]["max"]

        print(IAC["notice"], "\\n")
        for item in IAC["items"]:
            flag = "  (reverse-keyed)" if item["reverse"] else ""
            print(f"{item['id']}  [{item['subscale']}]  {item['text']}{flag}")
        """
    )
    nb.md(
        f"""
        ## Part A — Scoring one questionnaire (9 points)

        **The scoring rules** (the hidden tests check each one, including unusual cases):

        1. `responses` is a dictionary from item id (`"b1"` … `"t3"`) to the client's answer, a
           whole number (`int`) from 1 to 5. `None` means the client skipped the item; an item
           missing from the dictionary counts as skipped too.
        2. Any other answer (0, 6, 3.5, the string `"4"`, …) is a data-entry error: raise a
           `ValueError` whose message names the item (for example `"b2: 7 is not a whole number
           from 1 to 5"`).
        3. **Reverse keying.** For a reverse-keyed item ({", ".join(rev)}), agreeing signals a
           *weaker* alliance, so its keyed value is `SCALE_MIN + SCALE_MAX - answer` (5 becomes
           1, 4 becomes 2, 3 stays 3). Other items keep their answer.
        4. **Subscales.** Each subscale score is the sum of its three keyed items (3–15).
        5. **Skipped items.** If *one* item of a subscale is skipped, prorate: the mean of the two
           answered keyed items times 3. If two or three are skipped, the subscale score is
           `None`. Round subscale scores to 2 decimals.
        6. **Total** = bond + goals + tasks (9–45), or `None` if any subscale is `None`.
        """
    )
    nb.answer(
        "ps3-a-functions",
        '''
        def key_item(item_id, answer):
            """The keyed value of one answered item (rule 3)."""
            ### BEGIN SOLUTION
            if ITEMS[item_id]["reverse"]:
                return SCALE_MIN + SCALE_MAX - answer
            return answer
            ### END SOLUTION


        def score_session(responses):
            """Return {"bond": ..., "goals": ..., "tasks": ..., "total": ...} by rules 1-6."""
            ### BEGIN SOLUTION
            for item_id, answer in responses.items():
                if answer is None:
                    continue
                if isinstance(answer, bool) or not isinstance(answer, int):
                    raise ValueError(f"{item_id}: {answer!r} is not a whole number from 1 to 5")
                if not SCALE_MIN <= answer <= SCALE_MAX:
                    raise ValueError(f"{item_id}: {answer!r} is not a whole number from 1 to 5")
            scores = {}
            for sub in SUBSCALES:
                ids = [i for i, item in ITEMS.items() if item["subscale"] == sub]
                keyed = [key_item(i, responses[i]) for i in ids if responses.get(i) is not None]
                if len(ids) - len(keyed) > 1:
                    scores[sub] = None
                else:
                    scores[sub] = round(sum(keyed) / len(keyed) * len(ids), 2)
            parts = [scores[sub] for sub in SUBSCALES]
            scores["total"] = None if None in parts else round(sum(parts), 2)
            return scores
            ### END SOLUTION
        ''',
    )
    nb.test(
        "ps3-a-key-visible",
        1,
        """
        # Checks key_item on items that are not reverse-keyed: the answer is kept as it is.
        from alliance.exercises import check_value, fail, mentions, same

        for item_id, answer in [("b1", 4), ("g2", 2), ("t1", 5)]:
            check_value(
                key_item(item_id, answer), answer,
                f"{item_id} is not reverse-keyed: key_item should return {answer}.",
            )
        """,
        own=("key_item",),
    )
    nb.test(
        "ps3-a-key-hidden",
        1,
        f"""
        # Checks key_item on the reverse-keyed items, for every point of the scale (rule 3).
        ### BEGIN HIDDEN TESTS
        for _item in {rev!r}:
            for _answer in range(1, 6):
                assert same(key_item(_item, _answer), 6 - _answer)
        ### END HIDDEN TESTS
        """,
        own=("key_item",),
    )
    nb.test(
        "ps3-a-score-visible",
        1,
        """
        # Checks score_session when every item is answered 3 (the middle of the scale).
        check_value(
            score_session({item_id: 3 for item_id in ITEMS}),
            {"bond": 9, "goals": 9, "tasks": 9, "total": 27},
            "All answers 3: bond, goals, tasks 9 each, total 27.",
            "Return a dict with the keys bond, goals, tasks and total; reverse keying leaves 3 "
            "as 3.",
        )
        """,
        own=("score_session",),
    )
    complete = {"b1": 5, "b2": 4, "b3": 2, "g1": 2, "g2": 3, "g3": 5, "t1": 4, "t2": 1, "t3": 1}
    one_missing = {"b1": 5, "b2": 4, "b3": None, "g1": 3, "g2": 4, "g3": 2, "t2": 2, "t3": 4}
    two_missing = {
        "b1": 4,
        "b2": None,
        "b3": None,
        "g1": 4,
        "g2": 4,
        "g3": 1,
        "t1": 3,
        "t2": 3,
        "t3": 3,
    }
    nb.test(
        "ps3-a-score-reverse-hidden",
        2,
        f"""
        # Checks score_session on complete answers that include reverse-keyed items (rules 3, 4, 6).
        ### BEGIN HIDDEN TESTS
        assert same(score_session({complete!r}), {reference_score(complete)!r})
        ### END HIDDEN TESTS
        """,
        own=("score_session",),
    )
    nb.test(
        "ps3-a-score-missing-hidden",
        2,
        f"""
        # Checks score_session when one item of a subscale is skipped, either as None or by
        # being left out of the dictionary (rules 1 and 5: prorating, rounding).
        ### BEGIN HIDDEN TESTS
        assert same(score_session({one_missing!r}), {reference_score(one_missing)!r}, tol=0.01)
        ### END HIDDEN TESTS
        """,
        own=("score_session",),
    )
    nb.test(
        "ps3-a-score-too-many-missing-hidden",
        1,
        f"""
        # Checks score_session when two or more items of a subscale are skipped (rules 5 and 6).
        ### BEGIN HIDDEN TESTS
        assert same(score_session({two_missing!r}), {reference_score(two_missing)!r})
        assert same(score_session({{}}), {{"bond": None, "goals": None, "tasks": None, "total": None}})
        ### END HIDDEN TESTS
        """,
        own=("score_session",),
    )
    nb.test(
        "ps3-a-score-invalid-hidden",
        1,
        """
        # Checks that score_session raises a ValueError naming the item for answers that are not
        # whole numbers from 1 to 5 (rule 2).
        ### BEGIN HIDDEN TESTS
        for _bad in (0, 6, 3.5, "4"):
            _resp = {item_id: 3 for item_id in ITEMS}
            _resp["g2"] = _bad
            try:
                score_session(_resp)
            except ValueError as _exc:
                assert mentions(_exc, "g2")
            else:
                raise AssertionError("no ValueError")
        ### END HIDDEN TESTS
        """,
        own=("score_session",),
    )

    nb.md(
        f"""
        ## Part B — A small caseload (5 points)

        `caseload.csv` (in this folder) holds six sessions each for three invented clients, A, B
        and C, who filled in the IAC at the end of every session. A blank cell is a skipped item.
        The cell below reads it into a list of dictionaries, one per session.

        Write `score_caseload(rows)`, returning one dictionary per row, in the same order, with
        the keys `client`, `session`, `bond`, `goals`, `tasks` and `total`.

        Then write `flag_sessions(scored, cutoff)`, returning the `(client, session)` pairs whose
        total is **below** `cutoff` (strictly), in the order of `scored`. A session whose total
        is `None` cannot be judged and is not flagged.

        We use a **practice cut-off of {CUTOFF}**. It is an arbitrary line for this exercise, not
        a norm: the IAC has none. Real measures' cut-offs belong to those measures: for the
        Session Rating Scale (Duncan et al., 2003), secondary sources report a total of 36 or
        below as a sign of a possible alliance concern.
        """
    )
    nb.code(
        f"""
        import csv

        PRACTICE_CUTOFF = {CUTOFF}


        def read_caseload(path="caseload.csv"):
            rows = []
            with open(path, newline="", encoding="utf-8") as f:
                for record in csv.DictReader(f):
                    row = {{"client": record["client"], "session": int(record["session"])}}
                    for item_id in ITEMS:
                        raw = record[item_id].strip()
                        row[item_id] = int(raw) if raw else None
                    rows.append(row)
            return rows


        CASELOAD = read_caseload()
        print(len(CASELOAD), "sessions; first row:", CASELOAD[0])
        """
    )
    nb.answer(
        "ps3-b-functions",
        '''
        def score_caseload(rows):
            """One dict per row: client, session, bond, goals, tasks, total."""
            ### BEGIN SOLUTION
            scored = []
            for row in rows:
                responses = {item_id: row[item_id] for item_id in ITEMS}
                scored.append({"client": row["client"], "session": row["session"],
                               **score_session(responses)})
            return scored
            ### END SOLUTION


        def flag_sessions(scored, cutoff):
            """(client, session) pairs whose total is below cutoff, in order."""
            ### BEGIN SOLUTION
            return [(r["client"], r["session"]) for r in scored
                    if r["total"] is not None and r["total"] < cutoff]
            ### END SOLUTION


        SCORED = score_caseload(CASELOAD)
        ''',
    )
    nb.test(
        "ps3-b-caseload-visible",
        1,
        """
        # Checks that score_caseload returns one dict per session with the six keys.
        if type(SCORED) is not list:
            fail("score_caseload should return a list: one dict per row.")
        check_value(len(SCORED), len(CASELOAD), "Return one dict per row of CASELOAD.")
        keys = ["bond", "client", "goals", "session", "tasks", "total"]
        for row in SCORED:
            if type(row) is not dict:
                fail("Each entry of the list should be a dict.")
            check_value(sorted(row), keys, "Each dict's keys: client, session, bond, goals, ...")
        check_value(
            [(r["client"], r["session"]) for r in SCORED],
            [(r["client"], r["session"]) for r in CASELOAD],
            "Keep the rows in the order of CASELOAD.",
        )
        """,
        own=("score_caseload",),
    )
    nb.test(
        "ps3-b-caseload-hidden",
        2,
        f"""
        # Checks the scores of four sessions chosen for their edge cases (reverse keying,
        # one skipped item, two skipped items in one subscale).
        ### BEGIN HIDDEN TESTS
        for (_client, _session), _want in {picks!r}.items():
            _rows = [r for r in SCORED if same(r["client"], _client) and same(r["session"], _session)]
            assert same(len(_rows), 1)
            assert same({{k: _rows[0][k] for k in _want}}, _want, tol=0.01)
        ### END HIDDEN TESTS
        """,
        own=("score_caseload",),
    )
    nb.test(
        "ps3-b-flag-caseload-hidden",
        1,
        f"""
        # Checks flag_sessions on the caseload at the practice cut-off.
        ### BEGIN HIDDEN TESTS
        assert same(flag_sessions(SCORED, PRACTICE_CUTOFF), {flagged!r})
        ### END HIDDEN TESTS
        """,
    )
    nb.test(
        "ps3-b-flag-edge-hidden",
        1,
        """
        # Checks flag_sessions on edge cases: a total exactly at the cut-off, a missing total,
        # and an empty list.
        ### BEGIN HIDDEN TESTS
        _rows = [
            {"client": "X", "session": 1, "bond": 10, "goals": 10, "tasks": 10, "total": 30},
            {"client": "X", "session": 2, "bond": None, "goals": 9, "tasks": 9, "total": None},
            {"client": "X", "session": 3, "bond": 9, "goals": 9, "tasks": 11.5, "total": 29.5},
        ]
        assert same(flag_sessions(_rows, 30), [("X", 3)])
        assert same(flag_sessions([], 30), [])
        ### END HIDDEN TESTS
        """,
    )

    nb.md(
        """
        ## Part C — Session-by-session monitoring (4 points)

        Write `plot_client(scored, client, cutoff)`: draw one client's **total** by session as a
        line with markers, and the cut-off as a horizontal dashed line, on a figure made with the
        course style (`new_figure()` from `alliance.figures`). Give it a title naming the client,
        an x-axis label and a y-axis label, and **return the Axes**. Sessions with a missing total
        should show as a gap (plot `float("nan")` for them).

        Then, in the written answer, look at client B's and client C's plots.
        """
    )
    nb.answer(
        "ps3-c-plot",
        '''
        from alliance.figures import new_figure


        def plot_client(scored, client, cutoff):
            """Plot one client's IAC totals by session with the cut-off; return the Axes."""
            ### BEGIN SOLUTION
            rows = [r for r in scored if r["client"] == client]
            sessions = [r["session"] for r in rows]
            totals = [float("nan") if r["total"] is None else r["total"] for r in rows]
            fig, ax = new_figure()
            ax.plot(sessions, totals, marker="o", label=f"Client {client}: IAC total")
            ax.axhline(cutoff, linestyle="--", color="#1a1a1a", label=f"Practice cut-off ({cutoff})")
            ax.set_title(f"Client {client}: Illustrative Alliance Check by session")
            ax.set_xlabel("Session")
            ax.set_ylabel("IAC total (9-45)")
            ax.set_ylim(9, 45)
            ax.legend(loc="lower right")
            return ax
            ### END SOLUTION


        AX_B = plot_client(SCORED, "B", PRACTICE_CUTOFF)
        AX_C = plot_client(SCORED, "C", PRACTICE_CUTOFF)
        ''',
    )
    nb.test(
        "ps3-c-plot-visible",
        1,
        """
        # Checks that plot_client returns an Axes with a title, both axis labels and a
        # horizontal line at the cut-off.
        from alliance.exercises import check_axes

        check_axes(AX_C, "plot_client(SCORED, 'C', PRACTICE_CUTOFF)")
        flat = [
            line for line in AX_C.get_lines()
            if same(sorted({float(y) for y in line.get_ydata()}), [PRACTICE_CUTOFF])
        ]
        if not flat:
            fail(
                "Draw the cut-off as a horizontal line.",
                "For example: ax.axhline(cutoff, linestyle='--').",
            )
        """,
    )
    nb.test(
        "ps3-c-plot-hidden",
        1,
        f"""
        # Checks that a line on the plot shows client C's totals against session numbers.
        ### BEGIN HIDDEN TESTS
        _found = False
        for _line in AX_C.get_lines():
            _x = [float(v) for v in _line.get_xdata()]
            _y = [float(v) for v in _line.get_ydata()]
            if same(_x, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]) and same(_y, {c_totals!r}, tol=0.01):
                _found = True
        assert _found
        ### END HIDDEN TESTS
        """,
    )
    nb.md(
        """
        **Written answer (2 points).** In three to five sentences: what do client B's and client
        C's patterns suggest, and how would you bring one of them up with the client in the next
        session? Remember that the IAC is invented and has no validated cut-off.

        *Rubric:* 1 point for a reading of both clients' patterns that fits their data (what
        changes, when, and any session that cannot be scored); 1 point for a concrete,
        collaborative way to raise it (asking for the client's view, curious and non-defensive,
        not treating the number as a verdict).
        """
    )
    nb.written(
        "ps3-c-interpretation",
        2,
        """
        Client B's alliance dips sharply in session 3, session 4 cannot be scored because two
        bond items were skipped (itself worth noticing), and then it recovers by session 5 —
        the shape of a possible rupture that was repaired. Client C starts below the practice
        line and climbs steadily, as an alliance that is being built. With B I would say:
        "Your answers after our third meeting were lower than before, and I wondered whether
        something in that session didn't sit right with you — would you be willing to look at
        it with me?" I would treat the score as an invitation to talk, not a verdict.

        (For graders — the reading that fits the data: B dips sharply in sessions 3–4, session 4
        cannot be scored, then it recovers; C starts below the practice line and climbs above
        it.)
        """,
    )
    return nb
