"""The decision wizard's core: questions, weights, evidence, scoring, measured results and cost estimate.

Pure data and functions, no Qt: a QWizard is a thin shell over ``questions()``, ``Answers`` and ``recommend``.
"""

from __future__ import annotations

from crossroads.decision.answers import Answers, load_answers, save_answers, template
from crossroads.decision.measured import Measured, load_measured
from crossroads.decision.questions import UNKNOWN, Question, questions, topics
from crossroads.decision.scoring import Contribution, Flip, Recommendation, recommend

__all__ = [
    "UNKNOWN",
    "Answers",
    "Contribution",
    "Flip",
    "Measured",
    "Question",
    "Recommendation",
    "load_answers",
    "load_measured",
    "questions",
    "recommend",
    "save_answers",
    "template",
    "topics",
]
