"""Recommendations to build reports from."""

from __future__ import annotations

from crossroads.decision.answers import Answers
from crossroads.decision.measured import Measured
from crossroads.decision.scoring import Recommendation, recommend

CLIENT_ANSWERS = {
    "change_frequency": "monthly",
    "citations": "required",
    "knowledge_kind": "internal",
    "need": "facts",
    "gpu": "none",
    "corpus_size": "hundreds_of_pages",
    "model_size": "small",
    "context_window": "8k",
    "retrieval_quality": "good",
}
MEASURED = {
    "questions": 40,
    "retrieval_hit_rate": 0.85,
    "modes": {"plain": {"contained": 0.1, "latency_s": 2.1}, "rag": {"contained": 0.7, "latency_s": 4.0}},
}
COMPARISONS = [
    {
        "question": "How long is the warranty on the X200 pump?",
        "answers": [
            {"mode": "plain", "text": "Most pumps come with a one-year warranty.", "metrics": {"latency_s": 1.9}},
            {
                "mode": "rag",
                "text": "The X200 carries a 36-month warranty [1].",
                "sources": ["x200-manual.pdf p. 12"],
                "metrics": {"grounded_share": 1.0, "latency_s": 3.7},
            },
        ],
    }
]
EVALUATION = {
    "questions": 40,
    "modes": {"plain": {"contained": 0.1, "f1": 0.2}, "rag": {"contained": 0.7, "f1": 0.61}},
    "rows": [{"question": "Who signs off a return?", "mode": "rag", "answer": "The shift lead.", "metrics": {}}],
}


def client_recommendation(project: str = "Pump support assistant", measured: bool = True) -> Recommendation:
    return recommend(Answers(CLIENT_ANSWERS, project=project), Measured.from_dict(MEASURED) if measured else None)
