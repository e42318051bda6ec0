"""ps4 Ruptures: 1 SD / 2 SD rupture-repair detection, rupture markers, a graded vignette.

The rupture rule is the course's teaching rule from ``alliance.measures.ruptures`` (the published
formula is unverified); the hidden tests' expected values are computed with that module here, so a
change of the rule shows up as a difference between the committed notebook and a rebuild.
"""

# ruff: noqa: E501  (markdown tables in the notebook text are long lines by nature)

from __future__ import annotations

VIGNETTE = "confrontation-homework"
# The invented people of this problem set (the vignette's client belongs to the vignette).
PEOPLE = ["Rosa", "Dev", "Hana"]

# Invented session-by-session alliance ratings (mean item score, 1-7) for three clients.
SERIES = {
    "Rosa": [4.8, 5.0, 5.1, 3.6, 4.2, 5.3, 5.4, 4.6, 5.5, 5.6],
    "Dev": [5.2, 5.3, 5.1, 4.5, 4.6, 4.4, 4.7, 5.0, 4.9, 5.1],
    "Hana": [5.0, 5.2, 5.3, 5.4, 5.5, 5.6, 5.7, 5.6, 3.9, 4.4],
}
EXAMPLE = [6, 6, 6, 3, 6, 6]
# Hidden cases: unrepaired-but-not-censored, several ruptures, exact threshold (sd = 1).
HIDDEN_CASES = [
    ([5.0, 5.1, 5.0, 3.0, 3.2, 3.4, 3.3, 3.5, 3.6, 3.8], 1.0),
    ([5.0, 5.1, 5.0, 3.0, 3.2, 3.4, 3.3, 3.5, 3.6, 3.8], 2.0),
    ([6, 6, 4, 4, 5], 2.0),
    ([6, 6, 4, 4, 5], 1.0),
    ([5, 2, 5, 2, 5, 2, 5], 1.0),
]
MARKERS = {
    1: (
        '"Whatever you think is best. You\'re the expert." (said quietly, looking at the floor)',
        "withdrawal",
    ),
    2: (
        '"This is a waste of my time. I could have read all this in a self-help book."',
        "confrontation",
    ),
    3: (
        '"Anyway, it doesn\'t matter. Did you see the rain this morning?" (straight after a painful question)',
        "withdrawal",
    ),
    4: (
        "\"You don't get it. How could you? You've never had to hold a family together.\"",
        "confrontation",
    ),
    5: (
        '"Mm. Yes. I suppose so." (long pauses, flat voice, in answer to each question)',
        "withdrawal",
    ),
    6: (
        '"Why do you keep asking how I feel? Just tell me what I\'m supposed to do."',
        "confrontation",
    ),
}


def expected(scores, k, window=3):
    from alliance.measures.ruptures import detect_ruptures

    return [
        (e.pre_session, e.low_session, e.status)
        for e in detect_ruptures(scores, k=k, window=window)
    ]


def build():
    from notebook_builder import HOW_TO_SUBMIT, Notebook
    from vignette_grading import add_vignette_part

    results = {
        name: {"1 SD": expected(s, 1.0), "2 SD": expected(s, 2.0)} for name, s in SERIES.items()
    }
    hidden = [(s, k, expected(s, k)) for s, k in HIDDEN_CASES]
    # the model answer of ps4-a-why-both describes these results: keep them in step
    assert results == {
        "Rosa": {"1 SD": [(3, 4, "repaired"), (7, 8, "repaired")], "2 SD": [(3, 4, "repaired")]},
        "Dev": {"1 SD": [(3, 4, "unrepaired")], "2 SD": []},
        "Hana": {"1 SD": [(8, 9, "censored")], "2 SD": [(8, 9, "censored")]},
    }, "SERIES changed: rewrite the model answer of ps4-a-why-both"
    series_src = ",\n".join(f"    {name!r}: {values!r}" for name, values in SERIES.items())
    markers_text = "\n        ".join(f"{i}. {text}" for i, (text, _) in MARKERS.items())

    nb = Notebook("ps4", "ps4-ruptures")
    nb.md(
        """
        # Problem set 4 — Ruptures

        *About 60 minutes. 18 points: 16 graded automatically, 2 by your instructor.*

        A **rupture** is a deterioration in the alliance: poor collaboration on goals or tasks,
        or a strain in the bond (Safran and Muran). You will (A) find rupture-repair sequences
        in session-by-session ratings, (B) tell withdrawal from confrontation markers, and
        (C) work through a confrontation rupture in a graded vignette. All clients and data are
        invented.
        """
    )
    nb.md(HOW_TO_SUBMIT)
    nb.md(
        """
        ## Part A — Rupture-repair sequences in session-by-session data (10 points)

        Stiles et al. (2004) described V-shaped *rupture-repair* deflections in clients'
        session-by-session alliance ratings. According to Gumz et al. (2012), the published
        criteria flag a rupture by a drop of **2 standard deviations** (stricter) or **1
        standard deviation** (less strict); Gumz et al. recommend reporting both. The exact
        published formulas could not be verified for this course, so we use our own **teaching
        rule**, stated in full (it is the rule of the course's `alliance.measures.ruptures`):

        1. `sd` is the **sample** standard deviation (divide by n − 1) of the client's whole
           series, e.g. `statistics.stdev(scores)`.
        2. A **rupture** is a drop from one session to the next of at least `k × sd`
           (`k = 1` or `k = 2`): `scores[t] - scores[t + 1] >= k * sd`. To absorb rounding,
           compare with a tolerance: `drop >= k * sd - 1e-9`.
        3. The rupture is **repaired** if, within `window` sessions after the low session
           (default 3), a score returns to at least the pre-drop score `scores[t]`.
        4. If it is not repaired and the window runs past the end of the series (the series
           has fewer than `window` sessions after the low session), it is **censored**: we
           cannot tell. Otherwise it is **unrepaired**.
        5. A series with fewer than 3 sessions, or with `sd == 0`, has no ruptures.
        6. Every qualifying drop counts, in session order. Sessions are numbered from 1.

        Write `find_ruptures(scores, k, window=3)` returning a list of
        `(pre_session, low_session, status)` tuples, where `status` is `"repaired"`,
        `"unrepaired"` or `"censored"`. For example, in `[6, 6, 6, 3, 6, 6]` the drop from
        session 3 to session 4 is a rupture under both criteria, repaired at session 5:
        `[(3, 4, "repaired")]`.
        """
    )
    nb.code(f"SERIES = {{\n{series_src},\n}}")
    nb.answer(
        "ps4-a-functions",
        '''
        import statistics


        def find_ruptures(scores, k, window=3):
            """(pre_session, low_session, status) for every drop of at least k sample SDs."""
            ### BEGIN SOLUTION
            scores = list(scores)
            if len(scores) < 3:
                return []
            sd = statistics.stdev(scores)
            if sd == 0:
                return []
            found = []
            for t in range(len(scores) - 1):
                if scores[t] - scores[t + 1] < k * sd - 1e-9:
                    continue
                later = range(t + 2, min(t + 2 + window, len(scores)))
                if any(scores[j] >= scores[t] for j in later):
                    status = "repaired"
                elif t + 1 + window >= len(scores):
                    status = "censored"
                else:
                    status = "unrepaired"
                found.append((t + 1, t + 2, status))
            return found
            ### END SOLUTION


        # Both criteria for every client, as Gumz et al. (2012) recommend.
        ### BEGIN SOLUTION
        RESULTS = {
            name: {"1 SD": find_ruptures(s, 1), "2 SD": find_ruptures(s, 2)}
            for name, s in SERIES.items()
        }
        ### END SOLUTION
        for name, res in RESULTS.items():
            print(name, res)
        ''',
    )
    nb.test(
        "ps4-a-example-visible",
        1,
        f"""
        # Checks find_ruptures on the worked example from the rules above.
        for k in (1, 2):
            check_value(
                find_ruptures({EXAMPLE!r}, k), [(3, 4, "repaired")],
                f"With k = {{k}} the example gives [(3, 4, 'repaired')].",
                "The drop is from session 3 to 4, and the score is back to 6 at session 5.",
            )
        """,
        own=("find_ruptures",),
    )
    nb.test(
        "ps4-a-edge-visible",
        1,
        """
        # Checks rule 5: short series and series with no variation have no ruptures.
        for scores in ([5, 1], [4, 4, 4, 4]):
            check_value(
                find_ruptures(scores, 1), [], f"Rule 5: find_ruptures({scores!r}, 1) should be []."
            )
        """,
        own=("find_ruptures",),
    )
    nb.test(
        "ps4-a-status-hidden",
        2,
        f"""
        # Checks find_ruptures on hidden series: repaired, unrepaired and censored ruptures,
        # several ruptures in one series, and a drop exactly on the threshold (rules 2-4, 6).
        ### BEGIN HIDDEN TESTS
        for _scores, _k, _want in {hidden!r}:
            assert same(find_ruptures(_scores, _k), _want)
        ### END HIDDEN TESTS
        """,
        own=("find_ruptures",),
    )
    nb.test(
        "ps4-a-window-hidden",
        1,
        """
        # Checks that the window argument is respected (rule 3).
        ### BEGIN HIDDEN TESTS
        _s = [5.0, 5.0, 2.0, 2.5, 3.0, 3.5, 5.0, 5.0]
        assert same(find_ruptures(_s, 1, window=3)[0][2], "unrepaired")
        assert same(find_ruptures(_s, 1, window=4)[0][2], "repaired")
        ### END HIDDEN TESTS
        """,
        own=("find_ruptures",),
    )
    for name in SERIES:
        nb.test(
            f"ps4-a-results-{name.lower()}",
            1,
            f"""
            # Checks RESULTS[{name!r}]: {name}'s ruptures under both criteria (1 point).
            check_own_code(find_ruptures, "find_ruptures")
            check_keys(RESULTS, "RESULTS", {list(SERIES)!r})
            check_keys(RESULTS[{name!r}], "RESULTS[{name!r}]", ["1 SD", "2 SD"])
            ### BEGIN HIDDEN TESTS
            for _crit, _want in {results[name]!r}.items():
                assert same(RESULTS[{name!r}][_crit], _want)
            ### END HIDDEN TESTS
            """,
        )
    nb.md(
        """
        **Why report both? (2 points, graded by your instructor.)** Look at `RESULTS`. In two to
        four sentences: how do the two criteria differ for these three clients, and why do Gumz
        et al. (2012) recommend reporting results under both?

        *Rubric (1 point each):*
        1. Points to a concrete difference in these clients' results: a drop that one criterion
           flags and the other does not, with the client named.
        2. Explains the recommendation: how many ruptures a study finds depends on the
           threshold, neither criterion is the "true" one (Stiles called his own criterion ad
           hoc), and reporting both lets readers compare results across criteria and studies.
        """
    )
    nb.written(
        "ps4-a-why-both",
        2,
        """
        The 1 SD rule flags more: it finds a second, repaired rupture for Rosa (sessions 7 to 8)
        and an unrepaired one for Dev (sessions 3 to 4), which the 2 SD rule does not flag at
        all; for Hana both criteria find the same censored drop. So how many ruptures a study
        reports depends on the threshold it chose, and neither threshold is the true one —
        Stiles himself called his criterion ad hoc. Reporting both, as Gumz et al. (2012)
        recommend, shows how much a finding depends on that choice and lets studies that used
        different criteria be compared.
        """,
    )
    nb.md(
        f"""
        ## Part B — Withdrawal or confrontation? (3 points)

        Safran and Muran distinguish **withdrawal** ruptures (the client moves away from the
        therapist or the work: withdrawing, deferring, indirect negativity) from
        **confrontation** ruptures (the client moves against the therapist or the work:
        hostility, criticism). Label each client statement `"withdrawal"` or
        `"confrontation"`.

        {markers_text}
        """
    )
    nb.answer(
        "ps4-b-markers",
        """
        # A dictionary from statement number (1-6) to "withdrawal" or "confrontation":
        # marker_types = {1: "...", 2: "...", ..., 6: "..."}
        ### BEGIN SOLUTION
        marker_types = {
            1: "withdrawal",
            2: "confrontation",
            3: "withdrawal",
            4: "confrontation",
            5: "withdrawal",
            6: "confrontation",
        }
        ### END SOLUTION
        """,
    )
    hint = "Is the client moving away from you, or against you?"
    nb.label_tests(
        "ps4-b",
        "marker_types",
        {i: kind for i, (_, kind) in MARKERS.items()},
        '["withdrawal", "confrontation"]',
        ["withdrawal", "confrontation"],
        [
            ((1, 2), "statements 1 and 2", f"1 and 2: {hint}"),
            ((3, 4), "statements 3 and 4", f"3 and 4: {hint}"),
            ((5, 6), "statements 5 and 6", f"5 and 6: {hint}"),
        ],
    )
    add_vignette_part(
        nb,
        "ps4-c",
        VIGNETTE,
        good=["repaired", "partially-repaired"],
        best="repaired",
        heading="## Part C — A confrontation rupture (5 points)",
        intro=(
            "Jayden, 16, has been sent to counselling as a condition of going back to school.\n"
            "        He arrives without the homework sheet, and angry. Stay non-defensive and work\n"
            "        towards a repair."
        ),
    )
    return nb
