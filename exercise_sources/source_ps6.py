"""ps6 The alliance, the bond and feedback: chapters 1, 3 and 6, with Rogers (2) and measures (5).

Why this problem set: the alignment map (src/alliance/data/alignment.yaml) showed objectives of
chapters 1, 2, 3, 5 and 6 that no problem set assessed. Every fact in a question or a model
answer is stated as the chapters state it (from the course's content brief), with its source.
"""

# ruff: noqa: E501  (markdown lists in the notebook text are long lines by nature)

from __future__ import annotations

# The invented people of this problem set; tests check that no chapter or vignette uses their names.
PEOPLE = ["Dlamini", "Elif"]

# Part A1: chapter 1's five facts, and findings to match to them.
FACTS = [
    "A strong alliance goes with better outcomes, across therapies.",
    "It is built over time, with both people taking part.",
    "Empathy, warmth and genuineness strengthen it.",
    "Misunderstandings and mismatched goals strain it.",
    "It is agreement on goals and on the ways to reach them, not only a warm feeling.",
]
FINDINGS = {
    "a": (
        "Across 295 studies with more than 30,000 patients, the alliance correlated with outcome at r = .278 (Flückiger et al., 2018).",
        1,
    ),
    "b": (
        "In 44 cases, rupture–repair patterns appeared in 50% of the cases and linear trends in 66% (Stevens et al., 2007).",
        2,
    ),
    "c": (
        "Across 82 samples and 6,138 clients, therapist empathy correlated with outcome at r = .28 (Elliott et al., 2018).",
        3,
    ),
    "d": (
        "In one study of 116 clients, 46% had at least one rupture, and ruptures that were not repaired predicted worse outcomes (McLaughlin et al., 2014).",
        4,
    ),
    "e": (
        "Bordin (1979) defined two of the alliance's three parts as agreements: on what therapy is for, and on what client and therapist will do to get there.",
        5,
    ),
    "f": (
        "For internet-based therapy the correlation was about the same: r = .275 across 23 studies (Flückiger et al., 2018).",
        1,
    ),
    "g": (
        "Therapist congruence was associated with outcome at r = .23 across 21 studies with 1,192 patients (Kolden et al., 2018).",
        3,
    ),
}

# Part A2: reading r = .278 (chapter 1, "What r = .28 means, and what it does not").
READING = {
    1: ("On average, clients with stronger alliances have better outcomes.", "supported"),
    2: ("A strong alliance guarantees a good outcome.", "not-supported"),
    3: (
        "The relation held across many kinds of therapy, including internet-based therapy.",
        "supported",
    ),
    4: ("The correlation proves that a good alliance causes clients to improve.", "not-supported"),
    5: (
        "A strong early alliance may partly reflect improvement that has already begun.",
        "supported",
    ),
    6: ("The alliance explains most of what makes therapy work.", "not-supported"),
}

# Part B1: Rogers' (1957) six conditions, in chapter 2's own words, and two that are not his.
ROGERS = {
    1: (
        "The therapist experiences unconditional positive regard for the client.",
        "therapist-condition",
    ),
    2: ("The client is in a state of incongruence: vulnerable or anxious.", "other-condition"),
    3: ("Client and therapist agree on the goals of the therapy.", "not-rogers"),
    4: (
        "The therapist is congruent: genuine and integrated in the relationship.",
        "therapist-condition",
    ),
    5: (
        "The client perceives, at least to a minimal degree, the therapist's empathy and unconditional positive regard.",
        "other-condition",
    ),
    6: ("The therapist gives the client a clear rationale for every task.", "not-rogers"),
    7: (
        "The therapist experiences an empathic understanding of the client's internal frame of reference, and tries to communicate it.",
        "therapist-condition",
    ),
    8: ("Two people are in psychological contact.", "other-condition"),
}

# Part B2: the qualities of chapter 3 in what a therapist says and does. Invented.
QUALITIES = {
    1: (
        "\"I've lost the thread a little, and I'd rather say so than nod along. Could you tell me again what happened at the day centre?\"",
        "congruence",
    ),
    2: (
        "\"You snapped at him last night, and you're ashamed of it. That doesn't change how I see you: someone doing a very hard job, mostly alone.\"",
        "positive-regard",
    ),
    3: (
        '*(Walks out to meet her in the waiting room, smiles, and matches her slower pace down the corridor.)* "It\'s good to see you."',
        "warmth",
    ),
    4: ("\"That's amazing! Honestly, you're the best carer I've ever heard of!\"", "none"),
    5: (
        '"I notice I want to tell you it will all work out, and I don\'t think that would be honest. Can we stay with how frightening this is?"',
        "congruence",
    ),
    6: (
        '"You stopped going to the carers\' group because it left you feeling worse, and that was a reasonable decision to make."',
        "positive-regard",
    ),
    7: ('"I know exactly how you feel; my father had dementia too."', "none"),
    8: (
        '*(Sets the clipboard aside, leans in and speaks softly and without hurry.)* "Take a moment to settle. There\'s no rush today."',
        "warmth",
    ),
}

# Part B3: cultural humility (chapter 3). Invented.
HUMILITY = {
    1: ('"Many people from your background feel uneasy about counselling."', "assuming"),
    2: ('"How does your family usually think about getting help from outside?"', "humble"),
    3: ('"I imagine your church community is rallying round you at a time like this."', "assuming"),
    4: (
        '"I may have jumped to a conclusion about your family just then. How is it, really?"',
        "humble",
    ),
}

# Part C1: what the measures are (chapter 5); described, never their items.
MEASURES = {
    1: (
        "Built directly on Bordin's model: 36 items in Goal, Task and Bond subscales of 12 items each, rated from 1 (*Never*) to 7 (*Always*) and summed (Horvath & Greenberg, 1989).",
        "WAI",
    ),
    2: (
        "Four visual-analogue lines the client marks at the end of a session, about the relationship, goals and topics, the approach or method, and the session overall; 0–40 (Duncan et al., 2003).",
        "SRS",
    ),
    3: (
        "A 12-item short form, four items per subscale, rated on a 5-point scale from *Seldom* to *Always*, so totals are reported to run from 12 to 60 (Hatcher & Gillaspy, 2006).",
        "WAI-SR",
    ),
    4: (
        "Asked at the start of a session: how the client has been doing individually, in close relationships, socially and overall, on four lines totalling 0–40 (Miller et al., 2003).",
        "ORS",
    ),
    5: (
        "A 12-item short form, four items per subscale, derived by Tracey and Kokotovic (1989) and reported to keep a 7-point scale.",
        "WAI-S",
    ),
}

# Part D1: the feedback evidence as chapter 6 reports it.
FEEDBACK = {
    1: (
        "Across 24 studies, the effects of routine feedback on outcome were small to moderate (Lambert et al., 2018).",
        "supported",
    ),
    2: ("Routine feedback reduced deterioration rates (Lambert et al., 2018).", "supported"),
    3: (
        "For clients predicted to have a poor outcome, feedback nearly doubled the rate of clinically significant or reliable change (Lambert et al., 2018).",
        "supported",
    ),
    4: (
        "Feedback made the largest difference for clients who were already improving quickly.",
        "not-supported",
    ),
    5: ("Feedback had a large effect for every client.", "not-supported"),
    6: (
        "A meta-analysis of PCOMS, which pairs the ORS with the SRS, found a small overall effect, g = 0.27 across 18 studies (Østergård et al., 2018).",
        "supported",
    ),
    7: (
        "Handing out a questionnaire every session improves outcomes even if nobody looks at the answers.",
        "not-supported",
    ),
    8: ("A low score tells the therapist what to change in the therapy.", "not-supported"),
}


def _items(table: dict) -> str:
    """A numbered (or lettered) Markdown list of a table's texts, indented for the notebook."""
    return "\n".join(f"        {k}. {text}" for k, (text, _) in table.items())


def _key(table: dict) -> dict:
    return {k: label for k, (_, label) in table.items()}


def _solution(var: str, table: dict) -> str:
    pairs = ", ".join(f"{k!r}: {label!r}" for k, label in _key(table).items())
    return f"{var} = {{{pairs}}}"


def build():
    from notebook_builder import HOW_TO_SUBMIT, Notebook

    nb = Notebook("ps6", "ps6-alliance-bond-feedback")
    nb.md(
        """
        # Problem set 6 — The alliance, the bond and feedback

        *About 70 minutes. 30 points: 16 graded automatically, 14 by your instructor.*

        This problem set brings together chapters 1, 3 and 6, with Rogers' conditions from
        chapter 2 and the measures of chapter 5: (A) the five facts about the alliance and what
        the evidence does and does not say; (B) Rogers' conditions, warmth, congruence, positive
        regard and cultural humility as they sound in a session, and a summary of your own;
        (C) what the best-known alliance measures measure; (D) routine feedback: who it helps,
        what the evidence shows, and how to ask for it.

        All clients and sessions here are invented for teaching. Use facts only as the course
        states them, with the authors and year in plain text.
        """
    )
    nb.md(HOW_TO_SUBMIT)

    # ---------------------------------------------------------------- Part A
    facts = "\n".join(f"        {i}. {fact}" for i, fact in enumerate(FACTS, start=1))
    findings = "\n".join(f"        * **{k}.** {text}" for k, (text, _) in FINDINGS.items())
    nb.md(
        f"""
        ## Part A — Five facts and their evidence (5 points; chapter 1)

        Chapter 1 gives five facts about the alliance that every trainee should know:

{facts}

        **A1.** Which fact does each finding below support? Answer with the fact's number, 1 to 5.

{findings}
        """
    )
    nb.answer(
        "ps6-a1-answers",
        f"""
        # A dictionary from finding letter to the number (1-5) of the fact it supports:
        # evidence_for = {{"a": ..., "b": ..., ..., "g": ...}}
        ### BEGIN SOLUTION
        {_solution("evidence_for", FINDINGS)}
        ### END SOLUTION
        """,
    )
    nb.label_tests(
        "ps6-a1",
        "evidence_for",
        _key(FINDINGS),
        "[1, 2, 3, 4, 5]",
        [1, 2, 3, 4, 5],
        [
            (
                ("a", "d"),
                "findings a and d",
                "a and d: the alliance and outcome, or what strains it?",
            ),
            (
                ("b", "g"),
                "findings b and g",
                "b and g: how the alliance changes, or a therapist quality?",
            ),
            (
                ("c", "e", "f"),
                "findings c, e and f",
                "c, e and f: a therapist quality, agreement, or outcome?",
            ),
        ],
    )
    nb.md(
        f"""
        **A2.** Across 295 studies the alliance correlated with outcome at r = .278 (Flückiger
        et al., 2018). Is each statement below a fair reading of that finding, as chapter 1
        reads it (`"supported"`), or not (`"not-supported"`)?

{_items(READING)}
        """
    )
    nb.answer(
        "ps6-a2-answers",
        f"""
        # A dictionary from statement number (1-6) to "supported" or "not-supported":
        # reading = {{1: "...", 2: "...", ..., 6: "..."}}
        ### BEGIN SOLUTION
        {_solution("reading", READING)}
        ### END SOLUTION
        """,
    )
    verdicts = '["supported", "not-supported"]'
    nb.label_tests(
        "ps6-a2",
        "reading",
        _key(READING),
        verdicts,
        ["supported", "not-supported"],
        [
            ((1, 2, 3), "statements 1 to 3", "1 to 3: an average across studies, or a promise?"),
            (
                (4, 5, 6),
                "statements 4 to 6",
                "4 to 6: what can a moderate correlation not tell you?",
            ),
        ],
    )

    # ---------------------------------------------------------------- Part B
    nb.md(
        f"""
        ## Part B — The relationship, as it sounds in a session (13 points; chapters 2 and 3)

        **B1. Rogers' conditions.** Rogers (1957) proposed six conditions for therapeutic change.
        Label each statement `"therapist-condition"` (one of Rogers' conditions about the
        therapist), `"other-condition"` (one of his conditions that is not about the therapist
        alone), or
        `"not-rogers"` (not one of his six).

{_items(ROGERS)}
        """
    )
    nb.answer(
        "ps6-b1-answers",
        f"""
        # A dictionary from statement number (1-8) to one of the three labels:
        # rogers = {{1: "...", 2: "...", ..., 8: "..."}}
        ### BEGIN SOLUTION
        {_solution("rogers", ROGERS)}
        ### END SOLUTION
        """,
    )
    nb.label_tests(
        "ps6-b1",
        "rogers",
        _key(ROGERS),
        '["therapist-condition", "other-condition", "not-rogers"]',
        ["therapist-condition", "other-condition", "not-rogers"],
        [
            (
                (1, 2, 3, 4),
                "statements 1 to 4",
                "1 to 4: whose condition is it, and is it Rogers' or Bordin's?",
            ),
            (
                (5, 6, 7, 8),
                "statements 5 to 8",
                "5 to 8: which describe the client, or the two together?",
            ),
        ],
    )
    nb.md(
        """
        **Why the client's perception matters (2 points, graded by your instructor).** In two to
        four sentences: why does Rogers' sixth condition, the client's perception of the
        therapist's empathy and regard, matter for how you practise empathy? Give one thing you
        would do in a session so that a client can perceive your understanding.

        *Rubric (1 point each):*
        1. Explains that empathy helps only when it is communicated well enough for the client to
           feel it: understanding that stays in the therapist's head does nothing.
        2. Names a concrete way to make understanding perceivable and checkable (for example, a
           tentative reflection the client can correct, and watching how they respond to it).
        """
    )
    nb.written(
        "ps6-b1-perception",
        2,
        """
        Rogers' sixth condition makes the client's experience the point: however well I
        understand a client, it helps only if they can feel understood, so empathy has to be
        communicated, not just felt. In a session I would offer my understanding as a tentative
        reflection ("It sounds as if…"), which the client can confirm or correct, and then watch
        the response: "Yes, exactly" and going deeper means it landed; "I suppose" and a change
        of subject means it did not.
        """,
    )
    nb.md(
        f"""
        **B2. Warmth, congruence and positive regard.** Mrs Dlamini (71) cares for her husband,
        who has dementia. Here are eight things a trainee said or did in her sessions. Label each
        with the quality it shows most clearly: `"warmth"`, `"congruence"`, `"positive-regard"`,
        or `"none"` (none of the three, though it may be meant kindly).

{_items(QUALITIES)}
        """
    )
    nb.answer(
        "ps6-b2-answers",
        f"""
        # A dictionary from response number (1-8) to one of the four labels:
        # qualities = {{1: "...", 2: "...", ..., 8: "..."}}
        ### BEGIN SOLUTION
        {_solution("qualities", QUALITIES)}
        ### END SOLUTION
        """,
    )
    nb.label_tests(
        "ps6-b2",
        "qualities",
        _key(QUALITIES),
        '["warmth", "congruence", "positive-regard", "none"]',
        ["warmth", "congruence", "positive-regard", "none"],
        [
            ((1, 2), "responses 1 and 2", "1 and 2: not pretending, or accepting her as she is?"),
            ((3, 4), "responses 3 and 4", "3 and 4: care she can feel, or effusiveness?"),
            (
                (5, 6),
                "responses 5 and 6",
                "5 and 6: saying what is real, or taking her reasons seriously?",
            ),
            (
                (7, 8),
                "responses 7 and 8",
                "7 and 8: understanding claimed, or an unhurried welcome?",
            ),
        ],
    )
    nb.md(
        f"""
        **B3. Cultural humility.** Is each response `"humble"` (it asks, treats the client as the
        expert on their own life and culture, or repairs a misstep) or `"assuming"` (it answers
        for the client with a generalisation, however friendly)?

{_items(HUMILITY)}
        """
    )
    nb.answer(
        "ps6-b3-answers",
        f"""
        # A dictionary from response number (1-4) to "humble" or "assuming":
        # humility = {{1: "...", 2: "...", 3: "...", 4: "..."}}
        ### BEGIN SOLUTION
        {_solution("humility", HUMILITY)}
        ### END SOLUTION
        """,
    )
    nb.label_tests(
        "ps6-b3",
        "humility",
        _key(HUMILITY),
        '["humble", "assuming"]',
        ["humble", "assuming"],
        [((1, 2, 3, 4), "responses 1 to 4", "Does it ask the client, or answer for them?")],
    )
    nb.md(
        """
        **B4. An OARS summary (4 points, graded by your instructor).** In a first session, Elif
        (27) has said the following, with the trainee's open questions and reflections between:

        > *"My GP said I should come. I'm not sure about it, to be honest."* … *"Since I started
        > the new job I go over every email I've sent, at home, late into the night."* … *"In case
        > I got something wrong. Everyone there seems so sure of themselves."* … *"I want to stop
        > dreading Mondays. And I want to ring my mum without her asking if I'm all right in
        > that voice."*

        Write the **summary** you would offer at this point (two to four sentences): gather what
        she has said, link it, and check it with her.

        *Rubric (1 point each):*
        1. Gathers at least three things she said, accurately and in words close to hers.
        2. Links them (for example, the worry at work and the nights), without adding an
           interpretation she has not offered.
        3. Includes what she wants, in her own words.
        4. Ends with a check that invites correction ("Have I got that right?", "What have I
           missed?"), with no advice or reassurance.
        """
    )
    nb.written(
        "ps6-b4-summary",
        4,
        """
        "Let me check I've got it. Coming here was your GP's idea and you're not sure about it
        yet. Since the new job you've been going back over your emails late into the night, in
        case you got something wrong, while everyone around you seems so sure of themselves.
        And what you'd like is to stop dreading Mondays, and to be able to ring your mum without
        her asking if you're all right in that voice. Have I got that right, or have I missed
        something?"
        """,
    )

    # ---------------------------------------------------------------- Part C
    nb.md(
        f"""
        ## Part C — What the measures measure (4 points; chapter 5)

        The items of these measures are copyrighted, so this course describes them and never
        quotes them. **C1.** Which measure does each description fit: `"WAI"`, `"WAI-S"`,
        `"WAI-SR"`, `"SRS"` or `"ORS"`?

{_items(MEASURES)}
        """
    )
    nb.answer(
        "ps6-c1-answers",
        f"""
        # A dictionary from description number (1-5) to the measure's short name:
        # measures = {{1: "...", 2: "...", ..., 5: "..."}}
        ### BEGIN SOLUTION
        {_solution("measures", MEASURES)}
        ### END SOLUTION
        """,
    )
    nb.label_tests(
        "ps6-c1",
        "measures",
        _key(MEASURES),
        '["WAI", "WAI-S", "WAI-SR", "SRS", "ORS"]',
        ["WAI", "WAI-S", "WAI-SR", "SRS", "ORS"],
        [
            (
                (2, 4),
                "descriptions 2 and 4",
                "2 and 4: the session just finished, or the client's week?",
            ),
            (
                (1, 3, 5),
                "descriptions 1, 3 and 5",
                "1, 3 and 5: count the items and the scale points.",
            ),
        ],
    )
    nb.md(
        """
        **C2. In your own words (2 points, graded by your instructor).** In three to five
        sentences, and without quoting any item: what does the Working Alliance Inventory
        measure, what does the Session Rating Scale measure, and what is each mainly used for?

        *Rubric (1 point each):*
        1. The WAI: agreement on goals, agreement on tasks and the bond (Bordin's three parts),
           rated by the client (or therapist or observer); built for research, with no
           established cut-off.
        2. The SRS: the client's rating of the session just finished (relationship, goals and
           topics, approach, overall), for everyday use at the end of every session, where a low
           or falling score is a prompt to talk, not a verdict. No item is quoted.
        """
    )
    nb.written(
        "ps6-c2-describe",
        2,
        """
        The Working Alliance Inventory measures Bordin's three parts of the alliance: how far
        client and therapist agree on the goals of therapy and on its tasks, and the bond
        between them. It was built for research, has short forms (WAI-S, WAI-SR), and has no
        established cut-off, so a score is read against the same client's earlier scores. The
        Session Rating Scale asks the client, at the end of every session, to rate the session
        just finished: the relationship, whether it addressed their goals and topics, whether
        the approach suited them, and overall. It is for everyday use: a low score (36 or below
        in secondary sources) or a drop is a reason to ask about it there and then.
        """,
    )

    # ---------------------------------------------------------------- Part D
    nb.md(
        f"""
        ## Part D — Routine feedback (8 points; chapter 6)

        **D1.** Is each statement `"supported"` or `"not-supported"` by the evidence on routine
        feedback as chapter 6 reports it?

{_items(FEEDBACK)}
        """
    )
    nb.answer(
        "ps6-d1-answers",
        f"""
        # A dictionary from statement number (1-8) to "supported" or "not-supported":
        # feedback_evidence = {{1: "...", 2: "...", ..., 8: "..."}}
        ### BEGIN SOLUTION
        {_solution("feedback_evidence", FEEDBACK)}
        ### END SOLUTION
        """,
    )
    nb.label_tests(
        "ps6-d1",
        "feedback_evidence",
        _key(FEEDBACK),
        verdicts,
        ["supported", "not-supported"],
        [
            (
                (1, 2, 4, 5),
                "statements 1, 2, 4 and 5",
                "1, 2, 4, 5: how large were the effects, and for whom?",
            ),
            (
                (3, 6, 7, 8),
                "statements 3, 6, 7 and 8",
                "3, 6, 7, 8: what can a measure do, and what not?",
            ),
        ],
    )
    nb.md(
        """
        **D2. Who benefits, and what the evidence does not show (3 points, graded by your
        instructor).** A colleague says routine feedback is "just paperwork". In four to six
        sentences, explain why it helps, for which clients it seems to help most, and one
        thing the evidence does not show.

        *Rubric (1 point each):*
        1. **Why:** clients often do not volunteer dissatisfaction, and therapists miss
           ruptures; a brief measure every session gives an early warning and permission to say
           it.
        2. **For whom:** clients predicted to have a poor outcome, for whom feedback nearly
           doubled clinically significant or reliable change (Lambert et al., 2018); for clients
           already doing well it adds little.
        3. **A limit:** the average effects are small to moderate; feedback helps when it is
           looked at and discussed; a score tells you when to ask, not what to do.
        """
    )
    nb.written(
        "ps6-d2-who-benefits",
        3,
        """
        Clients rarely tell a therapist that sessions are not working, and therapists often miss
        ruptures, so asking every session gives an early warning and gives the client permission
        to say what they might not volunteer. It matters most for clients heading for a poor
        outcome: in the meta-analysis by Lambert, Whipple and Kleinstäuber (2018), feedback
        nearly doubled the rate of clinically significant or reliable change for clients
        predicted to do poorly, and it reduced deterioration; for clients already doing well it
        adds little. But the average effects across 24 studies were small to moderate, feedback
        only helps when someone looks at it and talks about it, and a score cannot say what to
        change — it tells you when to ask.
        """,
    )
    nb.md(
        """
        **D3. Asking so that an honest answer is possible (3 points, graded by your
        instructor).** Write what you would say at the end of a session to ask a client for
        feedback (two to four sentences, as you would speak them).

        *Rubric (1 point each):*
        1. Makes it routine and gives the reason (for example, "I ask everyone, every session,
           because it helps me adjust").
        2. Asks for something specific, including what was least useful, rather than a leading
           or closed question ("That went well, didn't it?").
        3. Makes criticism welcome: says it helps, and leaves time for the answer.
        """
    )
    nb.written(
        "ps6-d3-asking",
        3,
        """
        "Before we stop — we've still got a few minutes — I ask everyone for some feedback at
        the end of every session, because it helps me make these sessions fit you. What was most
        useful today, and what was least useful? Honestly, the things that didn't work help me
        most, so please don't hold back."
        """,
    )
    return nb
