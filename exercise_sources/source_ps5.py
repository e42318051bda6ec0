"""ps5 Repair: choosing repair strategies, metacommunication, and the three review questions."""

# ruff: noqa: E501  (markdown tables in the notebook text are long lines by nature)

from __future__ import annotations

STRATEGIES = [
    "give-rationale",
    "change-task-or-goal",
    "clarify-misunderstanding",
    "metacommunication",
]
KEY = {
    "A": "give-rationale",
    "B": "change-task-or-goal",
    "C": "clarify-misunderstanding",
    "D": "metacommunication",
}
HINTS = {
    "A": "A: is Kofi missing the point of the task, or a different task?",
    "B": "B: Ingrid knows the exercise and tried it: what does that say?",
    "C": "C: is Mr Novak objecting to what you meant, or what you didn't?",
    "D": "D: is this about one task, or a pattern between the two of you?",
}
# Part D: client statements (invented) and the typical order of each kind of resolution
# (Safran & Muran: withdrawal -> clearer discontent -> self-assertion; confrontation -> anger ->
# disappointment and hurt -> vulnerability and the wish to be nurtured).
RESOLUTION_STATEMENTS = {
    1: '"Honestly, the worksheets haven\'t really been working for me."',
    2: '"This is pointless. You sit there nodding and nothing changes."',
    3: '"I want us to spend our time on what\'s happening with my sister, not on worksheets."',
    4: '"I suppose I just really need someone to be on my side for once."',
    5: '*(shrugs)* "Sure, whatever you think."',
    6: "\"I thought you'd be different from the last counsellor. I'm let down, honestly.\"",
}
RESOLUTION = {"withdrawal": [5, 1, 3], "confrontation": [2, 6, 4]}
# Part E: the repair evidence as chapter 8 reports it (Eubanks, Muran & Safran, 2018).
REPAIR_EVIDENCE = {
    1: (
        "Across 11 studies with 1,314 patients, rupture repair was associated with outcome at "
        "r = .29 (Eubanks, Muran & Safran, 2018).",
        "supported",
    ),
    2: (
        "Training therapists in rupture repair has been shown to improve outcomes.",
        "not-supported",
    ),
    3: (
        "In 6 studies with 276 trainees, the effect of repair training was small (r = .11, "
        "d = .22) and not statistically significant (p = .28).",
        "supported",
    ),
    4: (
        "Because the training effect was not significant, the evidence shows that training in "
        "repair does not work.",
        "not-supported",
    ),
}
# The invented people of this problem set.
PEOPLE = ["Kofi", "Ingrid", "Novak", "Yasmin", "Teodor"]


def build():
    from notebook_builder import HOW_TO_SUBMIT, Notebook

    from alliance.exercises import fingerprint

    nb = Notebook("ps5", "ps5-repair")
    nb.md(
        """
        # Problem set 5 — Repairing ruptures

        *About 70 minutes. 27 points: 7 graded automatically, 20 by your instructor.*

        Safran and Muran describe two families of repair. **Immediate** strategies address the
        rupture directly at the level of the task or goal: give a rationale for the task, change
        the task or goal, or clarify a misunderstanding. **Exploratory** repair works through
        **metacommunication** — communication about the communication process: inviting the
        client to look together at what is happening between you, staying non-defensive, and
        owning your part. All clients here are invented.
        """
    )
    nb.md(HOW_TO_SUBMIT)
    nb.md(
        """
        ## Part A — Which repair fits? (8 points: 4 automatic, 4 for your reasons)

        For each scenario choose the **one** strategy that best fits what the client is telling
        you, from `STRATEGIES`: `give-rationale`, `change-task-or-goal`,
        `clarify-misunderstanding`, `metacommunication`.

        **A.** Kofi (41), in his third session of cognitive behavioural work for low mood, has
        not filled in his activity diary. "I didn't see the point. How is writing down what I
        did on Tuesday going to make me feel less flat?" He says he would do it "if it actually
        did something".

        **B.** Ingrid (26) has tried the breathing exercise you taught her every day for two
        weeks. "I know how it's supposed to work. But when I sit and focus on my breathing, I
        notice my heart even more and I panic faster." She wants to keep working on the panic.

        **C.** Mr Novak (58) arrives angry: "Last week you told me I should stop visiting my
        brother." You had said it sounded as if the visits left him drained, and asked what he
        wanted to do about them; you had not suggested he stop.

        **D.** Yasmin (35) has agreed with every suggestion for five sessions ("Sure, whatever you
        think"), yet nothing agreed has happened, and today she answers in single words and
        looks at the clock. When you ask whether the plan suits her, she says "It's fine."
        """
    )
    nb.code(f"STRATEGIES = {STRATEGIES!r}")
    nb.answer(
        "ps5-a-choices",
        """
        # A dictionary from scenario letter to a strategy, a string from STRATEGIES:
        # repair_choice = {"A": "...", "B": "...", "C": "...", "D": "..."}
        ### BEGIN SOLUTION
        repair_choice = {
            "A": "give-rationale",
            "B": "change-task-or-goal",
            "C": "clarify-misunderstanding",
            "D": "metacommunication",
        }
        ### END SOLUTION
        """,
    )
    nb.label_tests(
        "ps5-a",
        "repair_choice",
        KEY,
        "STRATEGIES",
        STRATEGIES,
        [((scenario,), f"scenario {scenario}", HINTS[scenario]) for scenario in "ABCD"],
    )
    nb.md(
        """
        **Your reasons.** For each scenario, in one or two sentences, say why your strategy fits
        better than the others — point to what the client said or did.

        *Rubric (1 point per scenario):* 1 — the reason points to specific evidence in the
        scenario and explains how the strategy addresses it; ½ — a plausible but generic reason;
        0 — no reason, or a reason that misreads the scenario. A different strategy with a
        well-argued reason can earn this point even if the automatic point was missed.
        """
    )
    nb.written(
        "ps5-a-reasons",
        4,
        """
        * **A — give a rationale.** Kofi is not rejecting the goal or the relationship; he
          cannot see how the task serves his goal and says he would do it "if it actually did
          something". Explaining how tracking activity links to mood (and asking what he makes
          of it) addresses exactly that.
        * **B — change the task.** Ingrid understands the rationale and has practised faithfully;
          the task itself worsens her panic. Keeping the shared goal and choosing a different
          task respects her experience.
        * **C — clarify the misunderstanding.** Mr Novak is reacting to advice he believes I
          gave. Acknowledging how that must have felt and clarifying what I meant (and checking
          what he heard) repairs the specific misreading.
        * **D — metacommunication.** The problem is a pattern of compliance and withdrawal
          across sessions, not one task. Gently naming what I notice between us and inviting
          her to explore it with me — while owning that I may have been pushing plans — is
          more likely to help than another immediate fix.
        """,
    )
    nb.md(
        """
        ## Part B — A metacommunication response (4 points)

        Stay with Yasmin (scenario D). Write what you would say to her — three to five
        sentences, in your own words, as you would speak them.

        *Rubric (1 point each):*

        1. **Names what you notice in the here and now,** tentatively and without blame (e.g.
           the single-word answers, glancing at the clock, "it's fine").
        2. **Invites joint inquiry** — an open, curious invitation to look at it together, not
           an interpretation delivered from above.
        3. **Owns your part** — acknowledges something you may have contributed (for example,
           pushing plans), without over-apologising or taking all the blame.
        4. **Stays non-defensive and leaves room for disagreement** — makes it safe for her to
           voice dissatisfaction with you or the therapy.
        """
    )
    nb.written(
        "ps5-b-metacommunication",
        4,
        """
        "Yasmin, can I pause us for a moment? I notice I've been doing a lot of the suggesting
        these past weeks, and you've been saying 'sure' — and today it feels a bit quieter
        between us. I may have been pushing my plans more than listening to what you want, and
        if so I'd like to change that. I'm curious what it has been like for you in here
        lately — even if it's something critical of me, I'd really like to hear it."
        """,
    )
    questions = [
        (
            "ps5-c-empathy",
            "How does empathy help build the alliance?",
            "Names at least two routes, e.g. the client feels understood, which strengthens the bond and trust; accurate understanding helps agree goals and tasks that fit; empathy keeps the therapist attuned so strains are noticed early.",
            "Cites the evidence correctly: in the 2018 meta-analysis (Elliott, Bohart, Watson & Murphy) empathy correlated with outcome, r = .28 across 82 samples and 6,138 clients — or another figure exactly as given in the course.",
            "Distinguishes communicated empathy (e.g. accurate and complex reflections, validation) from merely feeling sympathy, with an example.",
            "Mentions a limit or a risk, e.g. empathy is judged from the client's side, or reflections that miss can strain the bond.",
            """
            Empathy lets the client feel understood, which strengthens the bond: Rogers
            counted empathic understanding, perceived by the client, among the conditions for
            change. Understanding what the client wants also helps the two of you agree on
            goals and tasks that fit them, and staying attuned lets the therapist notice early
            when something strains. Empathy has to be communicated — through accurate and
            complex reflections and validation, not sympathy or advice. In the 2018
            meta-analysis by Elliott, Bohart, Watson and Murphy (82 samples, 6,138 clients),
            empathy correlated with outcome at r = .28. What counts is the client's experience
            of being understood, so a reflection that misses should be checked and corrected.
            """,
        ),
        (
            "ps5-c-rapport",
            "How does rapport make sessions more effective?",
            "Explains that rapport (warmth, genuineness, positive regard) builds the bond, so the client is more open, discloses more and engages with the work.",
            "Links rapport to the other alliance components: a trusting relationship makes it easier to negotiate goals and tasks and to repair strains.",
            "Gives a concrete practice example, e.g. OARS in a first session, or cultural humility.",
            "Uses evidence accurately, e.g. positive regard g = .28 (Farber, Suzuki & Lynch 2018) or congruence r = .23 (Kolden et al. 2018), or avoids unsupported numbers.",
            """
            Rapport — warmth, genuineness and positive regard — builds the bond that makes a
            client willing to say what is really going on, so sessions work on the right
            problems and the client engages with tasks between them. A trusting relationship
            also makes it easier to negotiate goals and tasks openly and to raise and repair
            strains when they happen. In practice this means, for example, using open
            questions, affirmations, reflections and summaries in a first session and
            approaching the client's culture with humility. The 2018 meta-analyses found
            positive regard (g = .28; Farber, Suzuki & Lynch) and congruence (r = .23; Kolden
            et al.) related to outcome.
            """,
        ),
        (
            "ps5-c-poor-alliance",
            "What does a poor alliance do to outcomes, and how can a therapist strengthen it?",
            "States that a weaker alliance goes with poorer outcomes across therapies, citing correctly (e.g. Flückiger et al. 2018: r = .278 across 295 studies and more than 30,000 patients) and without claiming causation beyond the evidence.",
            "Mentions ruptures: unrepaired ruptures predicted worse outcome (McLaughlin et al. 2014), and confrontation markers predicted dropout in the 3RS validation study.",
            "Names at least two concrete ways to strengthen it: agree goals and tasks collaboratively, ask for feedback routinely, communicate empathy, and repair ruptures (immediate or exploratory).",
            "Notes that repair is possible and worth it, e.g. the rupture-repair meta-analysis r = .29 (Eubanks, Muran & Safran 2018), or that both people build the alliance over time.",
            """
            A weaker alliance goes with poorer outcomes across therapies: in the 2018
            meta-analysis by Flückiger, Del Re, Wampold and Horvath (295 studies, more than
            30,000 patients) alliance and outcome correlated at r = .278. This is an
            association, not proof of cause. Ruptures that are not repaired predicted worse
            outcome (McLaughlin et al., 2014), and confrontation markers predicted dropout in
            the 3RS validation study. A therapist can strengthen the alliance by agreeing goals
            and tasks collaboratively and giving rationales, asking for feedback every session,
            communicating empathy, and noticing and repairing ruptures — immediately or by
            metacommunication. Repair is worth the effort: rupture repair was related to
            outcome (r = .29; Eubanks, Muran & Safran, 2018).
            """,
        ),
    ]
    nb.md(
        """
        ## Part C — Three review questions (12 points)

        Answer each question in a short paragraph (about 80–150 words). Use facts only as the
        course states them, with the authors and year in plain text.
        """
    )
    for i, (gid, prompt, r1, r2, r3, r4, model) in enumerate(questions, start=1):
        nb.md(
            f"""
            **C{i}. {prompt}**

            *Rubric (1 point each):*
            1. {r1}
            2. {r2}
            3. {r3}
            4. {r4}
            """
        )
        nb.written(gid, 4, model)
    statements = "\n".join(f"        {i}. {t}" for i, t in RESOLUTION_STATEMENTS.items())
    nb.md(
        f"""
        ## Part D — How ruptures move towards resolution (2 points)

        Safran and Muran described typical paths by which ruptures move towards resolution. A
        **withdrawal** rupture tends to move from vague or indirect signals towards clearer
        statements of discontent, and then to self-assertion. A **confrontation** rupture tends to
        move through anger to disappointment and hurt, and then to vulnerability and the wish to
        be nurtured. These are typical paths, not fixed stages.

        Below are six things two invented clients said across several sessions, jumbled: three
        come from Yasmin's withdrawal rupture and three from Teodor's confrontation rupture. Put
        each client's three statements in the order of the typical path, earliest first.

{statements}
        """
    )
    nb.answer(
        "ps5-d-resolution",
        """
        # Statement numbers (1-6), earliest first, three for each kind of rupture:
        # resolution = {"withdrawal": [..., ..., ...], "confrontation": [..., ..., ...]}
        ### BEGIN SOLUTION
        resolution = {"withdrawal": [5, 1, 3], "confrontation": [2, 6, 4]}
        ### END SOLUTION
        """,
    )
    hints = {
        "withdrawal": "Withdrawal: from indirect, to clearer discontent, to asserting.",
        "confrontation": "Confrontation: anger, then hurt, then the wish to be cared for.",
    }
    for n, kind in enumerate(RESOLUTION, start=1):
        gid = f"ps5-d-test-{n}"
        digest = fingerprint(gid, {kind: RESOLUTION[kind]})
        nb.test(
            gid,
            1,
            f"""
            # Checks the order of the {kind} statements (1 point; all three in the right order).
            # It compares a fingerprint (hash) of your answer with the right one.
            check_keys(resolution, "resolution", ["withdrawal", "confrontation"])
            check_sequence(resolution[{kind!r}], "resolution[{kind!r}]", 3, range(1, 7))
            check_fingerprint(
                resolution, [{kind!r}], "{gid}", "{digest}",
                {hints[kind]!r},
            )
            """,
        )
    evidence = "\n".join(f"        {i}. {text}" for i, (text, _) in REPAIR_EVIDENCE.items())
    nb.md(
        f"""
        ## Part E — What the repair evidence shows (1 point)

        Is each statement `"supported"` or `"not-supported"` by the evidence on rupture repair
        and on training in it, as chapter 8 reports it?

{evidence}
        """
    )
    nb.answer(
        "ps5-e-evidence",
        """
        # A dictionary from statement number (1-4) to "supported" or "not-supported":
        # repair_evidence = {1: "...", 2: "...", 3: "...", 4: "..."}
        ### BEGIN SOLUTION
        repair_evidence = {1: "supported", 2: "not-supported", 3: "supported", 4: "not-supported"}
        ### END SOLUTION
        """,
    )
    nb.label_tests(
        "ps5-e",
        "repair_evidence",
        {i: label for i, (_, label) in REPAIR_EVIDENCE.items()},
        '["supported", "not-supported"]',
        ["supported", "not-supported"],
        [((1, 2, 3, 4), "statements 1 to 4", "What does a non-significant result not tell you?")],
    )
    return nb
