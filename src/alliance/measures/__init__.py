"""Alliance measurement for teaching: an invented questionnaire, session monitoring, ruptures.

Nothing here is a validated clinical instrument. The questionnaire is invented and labelled as
such; the rupture rule is the course's explicit teaching operationalisation of the published
1 SD / 2 SD drop criteria, whose exact formulas the course could not verify.
"""

from alliance.measures.monitoring import flag_below, simulate_series
from alliance.measures.questionnaire import (
    Questionnaire,
    QuestionnaireFileError,
    ResponseError,
    Scores,
    load_questionnaire,
    score_responses,
)
from alliance.measures.ruptures import RuptureEvent, detect_ruptures, series_sd

__all__ = [
    "Questionnaire",
    "QuestionnaireFileError",
    "ResponseError",
    "RuptureEvent",
    "Scores",
    "detect_ruptures",
    "flag_below",
    "load_questionnaire",
    "score_responses",
    "series_sd",
    "simulate_series",
]
