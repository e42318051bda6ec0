"""ps1 Empathic responding: response types, MITI 4 summary scores, complex reflections."""

# ruff: noqa: E501  (markdown tables in the notebook text are long lines by nature)

from __future__ import annotations

from notebook_builder import HOW_TO_SUBMIT, Notebook

# The invented people of this problem set; tests check that no chapter or vignette uses their names.
PEOPLE = ["Ana", "Joon", "Lindqvist", "Ngozi", "Bilal", "Fitzgerald"]

LABELS = [
    "simple-reflection",
    "complex-reflection",
    "open-question",
    "closed-question",
    "affirmation",
    "advice",
    "reassurance",
    "minimising",
]

# The coded session for part B: (code, what the trainee said). Invented.
SESSION = [
    ("open-question", "What would you like to focus on today?"),
    ("simple-reflection", "Work has been keeping you awake."),
    ("closed-question", "How many hours are you sleeping?"),
    ("simple-reflection", "About four hours, most nights."),
    ("complex-reflection", "And lying awake, your mind goes straight back to the office."),
    ("open-question", "What goes through your head at three in the morning?"),
    ("simple-reflection", "You replay the meeting with your manager."),
    ("advice", "It might help to keep your phone out of the bedroom."),
    ("closed-question", "Have you talked to your GP about the sleep?"),
    ("affirmation", "You have kept going through a really demanding month."),
    ("complex-reflection", "Being the one everyone relies on has started to feel like a trap."),
    ("open-question", "How would you like things to be at work?"),
    ("simple-reflection", "You want to leave on time twice a week."),
    ("closed-question", "Is that something your manager would agree to?"),
    ("open-question", "What would make it easier to ask?"),
    ("complex-reflection", "Asking feels risky, because saying no has never been allowed."),
    ("simple-reflection", "You'd like to try once this week."),
    ("affirmation", "That is a clear and realistic first step."),
]


def _counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for code, _ in SESSION:
        counts[code] = counts.get(code, 0) + 1
    return counts


def build() -> Notebook:
    c = _counts()
    refl = c["simple-reflection"] + c["complex-reflection"]
    ques = c["open-question"] + c["closed-question"]
    ratio = refl / ques
    share = c["complex-reflection"] / refl
    ratio_band = "good" if ratio >= 2 else "fair" if ratio >= 1 else "below fair"
    share_band = "good" if share >= 0.5 else "fair" if share >= 0.4 else "below fair"
    session_src = ",\n".join(f"    ({code!r}, {text!r})" for code, text in SESSION)

    nb = Notebook("ps1", "ps1-empathic-responding")
    nb.md(
        """
        # Problem set 1 — Empathic responding

        *About 60 minutes. 25 points: 16 graded automatically, 9 by your instructor.*

        In this problem set you will (A) name the type of a therapist's response, (B) compute two
        summary scores that coders of motivational-interviewing sessions use, and compare them with
        published thresholds, (C) write simple and complex reflections of your own, and (D) tell
        Linehan's levels of validation apart.

        All clients and sessions here are invented for teaching.
        """
    )
    nb.md(HOW_TO_SUBMIT)

    # ---------------------------------------------------------------- Part A
    nb.md(
        """
        ## Part A — What kind of response is it? (4 points)

        A client, Ana (29), says:

        > *"I keep telling myself I should be over it by now. It's been a year since Dad died and I
        > still can't open his emails."*

        Here are eight things a trainee might say next. Label each with **one** of these types:

        | Label | What it is |
        |---|---|
        | `simple-reflection` | Says back what the client said, in the same or similar words, conveying understanding. |
        | `complex-reflection` | A reflection that adds substantial meaning or emphasis: a feeling, a meaning or a conflict the client implied but did not say. |
        | `open-question` | A question that invites a wide range of answers. |
        | `closed-question` | A question that can be answered with yes/no or a single fact. |
        | `affirmation` | Recognises a strength, effort or value of the client's. |
        | `advice` | Suggests what the client should do. |
        | `reassurance` | Tries to make the worry go away ("it will be fine"). |
        | `minimising` | Makes the client's experience smaller than they describe it. |

        1. "What happens for you when you see one of his emails?"
        2. "A year isn't that long, and at least you had a good relationship with him."
        3. "It's been a year, and you still can't open his emails."
        4. "You could set aside an evening and read them with a friend."
        5. "Do you still have all of his emails?"
        6. "Part of you says you should have moved on, and part of you isn't ready to let him go."
        7. "It takes courage to talk about this so openly."
        8. "Everyone grieves at their own pace; you'll get there."
        """
    )
    labels_src = "".join(f"    {label!r},\n" for label in LABELS)
    nb.code(f"LABELS = [\n{labels_src}]")
    key = {
        1: "open-question",
        2: "minimising",
        3: "simple-reflection",
        4: "advice",
        5: "closed-question",
        6: "complex-reflection",
        7: "affirmation",
        8: "reassurance",
    }
    nb.answer(
        "ps1-a-labels",
        f"""
        # A dictionary from response number (1-8) to its label, a string from LABELS:
        # response_types = {{1: "...", 2: "...", ..., 8: "..."}}
        ### BEGIN SOLUTION
        response_types = {key!r}
        ### END SOLUTION
        """,
    )
    nb.label_tests(
        "ps1-a",
        "response_types",
        key,
        "LABELS",
        LABELS,
        [
            (
                (3, 6),
                "responses 3 and 6",
                "3 and 6: does it add meaning, or say back what she said?",
            ),
            ((1, 5), "responses 1 and 5", "1 and 5: could it be answered with one word or fact?"),
            ((7, 4), "responses 7 and 4", "7 and 4: recognising something in Ana, or telling her?"),
            ((8, 2), "responses 8 and 2", "8 and 2: soothing the worry, or making it smaller?"),
        ],
    )

    # ---------------------------------------------------------------- Part B
    nb.md(
        """
        ## Part B — Reflections, questions and the MITI 4 thresholds (9 points)

        The Motivational Interviewing Treatment Integrity code, version 4 (MITI 4; Moyers et al.,
        2016) counts a counsellor's reflections and questions. Two of its summary scores are:

        * **reflection-to-question ratio** = number of reflections ÷ number of questions, where
          reflections = simple + complex and questions = open + closed;
        * **percentage of complex reflections** = complex reflections ÷ all reflections.

        (MITI 4 itself codes every question as one behaviour; the split into open and closed
        questions comes from its predecessor, MITI 3.1, and is kept here for teaching. The ratio
        counts both kinds, so it is the same either way.)

        Thresholds (fair / good), as tabulated from Moyers et al. (2016) in a citing study:

        | Score | Fair | Good |
        |---|---|---|
        | Reflection-to-question ratio | 1:1 (1.0) | 2:1 (2.0) |
        | Complex reflections | 40% (0.40) | 50% (0.50) |

        A caution that matters when you use these numbers for feedback: Moyers et al. (2016) found
        the percentage of complex reflections to be among the **least reliable** MITI 4 codes, so
        treat its band as a prompt for reflection, not a verdict.

        Rules for your functions (the hidden tests check them, including unusual cases):

        * Codes other than the four above (affirmation, advice, …) count in neither total.
        * If there are no questions, the ratio is undefined: return `None`. If there are no
          reflections, the share of complex reflections is undefined: return `None`.
        * Return shares as proportions between 0 and 1 (0.4, not 40).
        * `miti_band(value, fair, good)` returns `"good"` when the value is at least `good`,
          `"fair"` when it is at least `fair`, `"below fair"` otherwise, and `"not computable"`
          when the value is `None`. A value exactly on a threshold reaches it.

        Below is the coded record of a trainee's session with Mr Lindqvist, a client with work
        stress and poor sleep: one `(code, utterance)` pair per trainee utterance.
        """
    )
    nb.code(f"SESSION = [\n{session_src},\n]")
    nb.answer(
        "ps1-b-functions",
        '''
        def reflection_question_ratio(codes):
            """Reflections (simple + complex) divided by questions (open + closed), or None."""
            ### BEGIN SOLUTION
            reflections = sum(c in ("simple-reflection", "complex-reflection") for c in codes)
            questions = sum(c in ("open-question", "closed-question") for c in codes)
            if questions == 0:
                return None
            return reflections / questions
            ### END SOLUTION


        def complex_reflection_share(codes):
            """Complex reflections as a proportion of all reflections, or None."""
            ### BEGIN SOLUTION
            simple = sum(c == "simple-reflection" for c in codes)
            complex_ = sum(c == "complex-reflection" for c in codes)
            if simple + complex_ == 0:
                return None
            return complex_ / (simple + complex_)
            ### END SOLUTION


        def miti_band(value, fair, good):
            """'good', 'fair', 'below fair' or 'not computable' (value None)."""
            ### BEGIN SOLUTION
            if value is None:
                return "not computable"
            if value >= good:
                return "good"
            if value >= fair:
                return "fair"
            return "below fair"
            ### END SOLUTION
        ''',
    )
    nb.test(
        "ps1-b-ratio-visible",
        1,
        """
        # Checks reflection_question_ratio on a small example you can see.
        from alliance.exercises import check_value, same

        example = ["simple-reflection", "open-question", "complex-reflection",
                   "closed-question", "affirmation"]
        check_value(
            reflection_question_ratio(example), 1.0,
            "The example's ratio is 1.0: 2 reflections, 2 questions.",
            "The affirmation counts in neither total.",
        )
        """,
        own=("reflection_question_ratio",),
    )
    nb.test(
        "ps1-b-ratio-hidden",
        2,
        """
        # Checks reflection_question_ratio on hidden cases: uneven counts, codes that count in
        # neither total, and a record with no questions at all (see the rules above).
        ### BEGIN HIDDEN TESTS
        assert same(reflection_question_ratio(
            ["simple-reflection", "complex-reflection", "complex-reflection", "open-question",
             "closed-question", "advice", "summary"]), 1.5)
        assert same(reflection_question_ratio(["simple-reflection", "affirmation"]), None)
        assert same(reflection_question_ratio([]), None)
        assert same(reflection_question_ratio(["open-question", "open-question"]), 0.0)
        ### END HIDDEN TESTS
        """,
        own=("reflection_question_ratio",),
    )
    nb.test(
        "ps1-b-share-visible",
        1,
        """
        # Checks complex_reflection_share on a small example you can see.
        example = ["simple-reflection", "complex-reflection", "open-question",
                   "simple-reflection", "complex-reflection"]
        check_value(
            complex_reflection_share(example), 0.5,
            "The example's share is 0.5: 2 complex of 4 reflections.",
            "Return a proportion (0.5), not a percentage (50).",
        )
        """,
        own=("complex_reflection_share",),
    )
    nb.test(
        "ps1-b-share-hidden",
        1,
        """
        # Checks complex_reflection_share on hidden cases, including a record with no
        # reflections (see the rules above).
        ### BEGIN HIDDEN TESTS
        assert same(complex_reflection_share(["open-question", "advice"]), None)
        assert same(complex_reflection_share(["complex-reflection"] * 3), 1.0)
        assert same(complex_reflection_share(
            ["simple-reflection", "simple-reflection", "complex-reflection", "open-question"]),
            1 / 3)
        ### END HIDDEN TESTS
        """,
        own=("complex_reflection_share",),
    )
    nb.test(
        "ps1-b-band-visible",
        1,
        """
        # Checks miti_band on values clearly inside each band.
        for value, expected in [(2.5, "good"), (1.4, "fair"), (0.6, "below fair")]:
            check_value(
                miti_band(value, 1.0, 2.0), expected,
                f"miti_band({value}, 1.0, 2.0) should be {expected!r}.",
                "Here fair = 1.0 and good = 2.0.",
            )
        """,
        own=("miti_band",),
    )
    nb.test(
        "ps1-b-band-hidden",
        1,
        """
        # Checks miti_band on hidden edge cases: values exactly on a threshold, and None.
        ### BEGIN HIDDEN TESTS
        assert same(miti_band(1.0, 1.0, 2.0), "fair")
        assert same(miti_band(2.0, 1.0, 2.0), "good")
        assert same(miti_band(0.4, 0.4, 0.5), "fair")
        assert same(miti_band(None, 0.4, 0.5), "not computable")
        ### END HIDDEN TESTS
        """,
        own=("miti_band",),
    )
    nb.md(
        """
        Now apply your functions to Mr Lindqvist's session. In the cell below, set the four
        variables its comment names (use your functions; the thresholds are in the table above).
        """
    )
    nb.answer(
        "ps1-b-session",
        """
        # Set these four variables, using your three functions and the thresholds above:
        #   session_ratio  the reflection-to-question ratio of the session (a number)
        #   session_share  its share of complex reflections (a proportion, 0 to 1)
        #   ratio_band     the band of session_ratio ("good", "fair", "below fair", ...)
        #   share_band     the band of session_share
        codes = [code for code, _ in SESSION]
        ### BEGIN SOLUTION
        session_ratio = reflection_question_ratio(codes)
        session_share = complex_reflection_share(codes)
        ratio_band = miti_band(session_ratio, 1.0, 2.0)
        share_band = miti_band(session_share, 0.40, 0.50)
        ### END SOLUTION
        print(f"Reflection-to-question ratio: {session_ratio:.2f} ({ratio_band})")
        print(f"Complex reflections: {session_share:.0%} ({share_band})")
        """,
    )
    nb.test(
        "ps1-b-session-test",
        2,
        f"""
        # Checks the four values for Mr Lindqvist's session: the ratio and the share, and their
        # bands against the MITI 4 thresholds (2 points, all-or-nothing).
        from alliance.exercises import check_number

        check_number(session_ratio, "session_ratio")
        check_number(session_share, "session_share")
        ### BEGIN HIDDEN TESTS
        assert same(session_ratio, {ratio!r})
        assert same(session_share, {share!r})
        assert same(ratio_band, {ratio_band!r})
        assert same(share_band, {share_band!r})
        ### END HIDDEN TESTS
        """,
    )

    # ---------------------------------------------------------------- Part C
    nb.md(
        """
        ## Part C — Write simple and complex reflections (9 points, graded by your instructor)

        For each statement below, write **one simple reflection** and **one complex
        reflection**. Both are statements, not questions. A simple reflection gives back what
        the client said, in the same or similar words, so they know you heard it. A complex
        reflection keeps what they said and adds a meaning, feeling or tension they implied but
        did not say. Keep each tentative and short (one or two sentences).

        1. Ngozi (34): *"My manager keeps piling work on me and I just say yes every time. Then
           I'm up until midnight finishing it."*
        2. Bilal (19, first year at university, far from home): *"Everyone back home thinks I'm
           doing great here. I haven't told them I failed two modules."*
        3. Mr Fitzgerald (67): *"My daughter wants me to move in with her family. It would be
           easier, I suppose. I've lived in this house for forty years."*

        **Rubric (per statement, 3 points):**

        * **Simple reflection, 1 point** — a statement that gives back what the client said,
          accurately, without adding a new meaning; **0** for a question, advice, reassurance, or
          a reflection that already adds meaning (that is a complex one).
        * **Complex reflection, 2 points** — a statement (not a question) that keeps the client's
          content and adds a plausible meaning, feeling or ambivalence grounded in what they
          said; no advice, reassurance or judgement. **1** — it stays at the level of what was
          said, adds a meaning the statement does not support, or is phrased as a question.
          **0** — a question that is not a reflection, advice, reassurance or minimising, or no
          answer.

        Write your answers in the cell below, numbered 1 to 3, each with *Simple:* and
        *Complex:*.
        """
    )
    nb.written(
        "ps1-c-reflections",
        9,
        """
        1. *Simple:* You say yes to every extra piece of work, and then you're up until midnight
           finishing it.
           *Complex:* Saying yes keeps the peace at work, and you're the one paying for it late
           at night — maybe it's getting hard to keep that up.
        2. *Simple:* Everyone at home thinks it's going well, and you haven't told them about the
           two modules.
           *Complex:* You're carrying this on your own, partly to protect how they see you, and
           that's adding to how heavy it feels.
        3. *Simple:* Your daughter would like you to live with her family, and you've been in
           your house for forty years.
           *Complex:* Part of you can see the sense in moving, and part of you isn't ready to
           leave a home that holds forty years of your life.
        """,
    )
    # ---------------------------------------------------------------- Part D
    nb.md(
        """
        ## Part D — Linehan's levels of validation (3 points)

        Linehan (1997) described six levels of validation, each building on the ones before:
        (1) listening and observing; (2) accurate reflection; (3) articulating the unverbalised;
        (4) validating in terms of sufficient causes (the client's history); (5) validating as
        reasonable in the moment; (6) radical genuineness.

        Joon (31), a junior doctor, says:

        > *"On the ward round the consultant asked me a question in front of everyone and I just
        > froze. My dad used to quiz me at the dinner table and shout if I got anything wrong.
        > I'm a doctor now, and I still freeze."*

        Which level does each response (A–F) show? Answer with the level's number, 1 to 6.

        * **A.** "Being put on the spot by the most senior person in the room, with the whole
          team watching: most people would freeze."
        * **B.** "The consultant asked you a question in front of everyone, and you froze."
        * **C.** *(The trainee drops the careful, soothing tone, speaks plainly and warmly, as one
          adult to another, and trusts him to bear a frank conversation about what happened.)*
        * **D.** "After years of being quizzed and shouted at over dinner, it makes sense that a
          question in front of others sends you straight back there."
        * **E.** "I wonder if, under the embarrassment, there's a fear that freezing means you
          don't really belong in medicine."
        * **F.** *(The trainee puts the notes down, turns towards him, and stays with the silence
          that follows, noticing how his hands tighten.)*
        """
    )
    levels = {"A": 5, "B": 2, "C": 6, "D": 4, "E": 3, "F": 1}
    nb.answer(
        "ps1-d-levels",
        """
        # A dictionary from response letter to Linehan's level, a whole number from 1 to 6:
        # validation_levels = {"A": ..., "B": ..., ..., "F": ...}
        ### BEGIN SOLUTION
        validation_levels = {"A": 5, "B": 2, "C": 6, "D": 4, "E": 3, "F": 1}
        ### END SOLUTION
        """,
    )
    nb.label_tests(
        "ps1-d",
        "validation_levels",
        levels,
        "[1, 2, 3, 4, 5, 6]",
        [1, 2, 3, 4, 5, 6],
        [
            (
                ("B", "E"),
                "responses B and E",
                "B and E: is it what he said, or what he feels unsaid?",
            ),
            (
                ("D", "A"),
                "responses D and A",
                "D and A: does it rest on his history, or on the moment?",
            ),
            (
                ("F", "C"),
                "responses F and C",
                "F and C: attending to him, or meeting him as an equal?",
            ),
        ],
    )
    return nb
