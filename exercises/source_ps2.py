"""ps2 Rapport, goals and tasks: the graded vignette goals-different-agendas, and a reflection."""

from __future__ import annotations

VIGNETTE = "goals-different-agendas"


def build():
    from notebook_builder import HOW_TO_SUBMIT, Notebook
    from vignette_grading import add_vignette_part

    nb = Notebook("ps2", "ps2-rapport-goals-tasks")
    nb.md(
        """
        # Problem set 2 — Rapport, goals and tasks

        *About 40 minutes. 9 points: 5 graded automatically, 4 by your instructor.*

        Bordin (1979) described the working alliance as agreement on **goals**, agreement on
        **tasks**, and the **bond** between client and therapist. In this problem set you play a
        role-play vignette in which client and therapist arrive wanting different things, and
        then look back at one of your choices. The client is fictional.
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
    return nb
