"""ps2 Goals and tasks: the graded vignette goals-different-agendas, a look back, a task rationale.

Named for what it assesses (agreement on goals and on tasks); rapport and the bond are assessed
in ps6.
"""

from __future__ import annotations

VIGNETTE = "goals-different-agendas"
# The invented people of this problem set (the vignette's client belongs to the vignette).
PEOPLE = ["Marta"]


def build():
    from notebook_builder import HOW_TO_SUBMIT, Notebook
    from vignette_grading import add_vignette_part

    nb = Notebook("ps2", "ps2-goals-and-tasks")
    nb.md(
        """
        # Problem set 2 — Goals and tasks

        *About 50 minutes. 14 points: 5 graded automatically, 9 by your instructor.*

        Bordin (1979) described the working alliance as agreement on **goals**, agreement on
        **tasks**, and the **bond** between client and therapist. In this problem set you play a
        role-play vignette in which client and therapist arrive wanting different things, look
        back at one of your choices, and then write a rationale for a task. The clients are
        fictional.
        """
    )
    nb.md(HOW_TO_SUBMIT)
    add_vignette_part(
        nb,
        "ps2",
        VIGNETTE,
        good=["strengthened", "repaired"],
        best="strengthened",
        heading="## Part A — Different agendas (5 points)",
        intro=(
            "Read the client's background in the widget before your first choice. Aim for an\n"
            "        ending where you and the client agree on what to work on and how, with the\n"
            "        bond intact."
        ),
    )
    nb.md(
        """
        ## Part B — Looking back (4 points, graded by your instructor)

        Pick **one** choice you made in the vignette (or one you nearly made) that you would now
        make differently. In about 100–150 words: quote or paraphrase what you chose, say what
        you would choose now, and explain why, using the ideas of goals, tasks and bond.

        *Rubric (1 point each):*
        1. Identifies a specific choice point and what was chosen.
        2. Describes a concrete alternative response (what you would now say).
        3. Explains the difference in terms of Bordin's goals, tasks and/or bond — not only
           "it scored better".
        4. Shows awareness of the client's perspective (what the client wanted or feared at
           that moment).
        """
    )
    nb.written(
        "ps2-b-reflection",
        4,
        """
        Early on I nearly went straight to the plan I had in mind for the session, before
        asking what the client wanted from it. Now I would first reflect what she had come for
        and ask what would make the session worth her while, and only then offer my idea as
        one option with a rationale. Jumping to my own agenda is premature task focus: it
        treats the task as agreed when the goal is not, and it signals that my plan matters
        more than her concern, which strains the bond. Agreeing the goal first, then the task
        that serves it, gives her a real say, and from her side it shows I have listened.
        """,
    )
    nb.md(
        """
        ## Part C — A task rationale (5 points, graded by your instructor)

        Marta (42), a bus driver on early shifts, has agreed with you that her goal is *"to get
        to sleep before midnight and stop dreading bedtime"*. You would like to suggest that she
        keeps a sleep diary for the next two weeks: when she goes to bed, roughly when she falls
        asleep, and what she did in the hour before. She asks: *"Why would writing it down help?
        I already know I sleep badly."*

        Write what you would say to her: a rationale for the diary, in about 60–120 words, as
        you would speak it.

        *Rubric (1 point each; chapter 4, "Giving the rationale for tasks"):*
        1. **Starts from her goal,** in her words.
        2. **Explains how the task should help,** simply and without jargon.
        3. **Is honest about the cost** (a few minutes a day, the effort, or that it may feel
           tedious or bring the worry into focus).
        4. **Invites her doubts and questions,** and means it (for example, ask what she makes of
           it).
        5. **Offers a choice** where there is one (how to record, when to start, how long).
        """
    )
    nb.written(
        "ps2-c-rationale",
        5,
        """
        "You want to be asleep before midnight and to stop dreading bedtime, so let's find out
        what helps and what gets in the way. You know you sleep badly; what a diary can show us
        is the pattern — which evenings go better, and what happened in the hour before. Then
        we can choose changes that fit your nights instead of guessing. It does take a couple
        of minutes each morning, and some days it may feel like one more chore, or make you
        notice the bad nights more. How does that sound to you? You could keep it on paper or on
        your phone, and we could start with one week and see if it's worth it."
        """,
    )
    return nb
