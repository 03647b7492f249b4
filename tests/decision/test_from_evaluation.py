"""An evaluation run from the Evaluate tab becomes measured results the decision reads, and report-ready rows."""

from __future__ import annotations

import pytest

from crossroads.compare import Answer, Comparison, Source
from crossroads.decision.answers import Answers
from crossroads.decision.from_evaluation import (
    comparisons_for_report,
    evaluation_for_report,
    measured_from_evaluation,
)
from crossroads.decision.scoring import recommend
from crossroads.engine.events import Timings
from crossroads.errors import InputError
from crossroads.evaluation.evaluate import Evaluation, QAItem, QuestionResult
from crossroads.report import build_report


def _answer(mode: str, text: str, contained: float, wall_s: float, grounded: float | None = None) -> Answer:
    metrics: dict = {"exact_match": 0.0, "f1": contained / 2, "contained": contained, "token_recall": contained}
    metrics |= {"grounded_share": grounded, "k_precision": None, "citation_coverage": 0.5}
    source = Source(1, "policy.pdf", "/x/policy.pdf", 3, "Travel", 7, 0.8, "The allowance is 73 florins.", 0, 28)
    return Answer(
        mode,
        text,
        "stop",
        Timings(40, 12, 0, 0.2, wall_s, 30.0),
        sources=[source] if mode == "rag" else [],
        metrics=metrics,
    )


def _evaluation(questions: int = 3, rag_contained: float = 1.0) -> Evaluation:
    evaluation = Evaluation("tiny", ["plain", "rag"])
    for i in range(questions):
        item = QAItem(f"What is the allowance {i}?", ("73 florins",))
        evaluation.results.append(
            QuestionResult(
                item,
                [
                    _answer("plain", "I do not know.", 0.0, 1.0 + i),
                    _answer("rag", "It is 73 florins.", rag_contained, 2.0 + i, grounded=0.9),
                ],
            )
        )
    return evaluation


def test_the_summary_becomes_measured_results_in_the_decisions_terms() -> None:
    measured = measured_from_evaluation(_evaluation().summary())
    assert measured.questions == 3
    assert measured.metric("plain", "contained") == 0.0
    assert measured.metric("rag", "contained") == 1.0
    assert measured.metric("rag", "em") == 0.0
    assert measured.metric("rag", "grounded_share") == 0.9
    assert measured.metric("rag", "latency_s") == 3.0  # the median of 2, 3, 4 seconds
    assert measured.metric("plain", "grounded_share") is None  # not measured is not zero
    assert measured.retrieval_hit_rate is None


def test_the_full_evaluation_dict_is_read_as_well_as_its_summary() -> None:
    evaluation = _evaluation()
    assert measured_from_evaluation(evaluation.to_dict()) == measured_from_evaluation(evaluation.summary())


def test_the_measured_evaluation_moves_the_recommendation() -> None:
    measured = measured_from_evaluation(_evaluation(questions=30).summary())
    rec = recommend(Answers({"need": "behaviour"}), measured)
    assert rec.measured_effect is not None
    assert any(c.source == "measured:rag_gain_large" for c in rec.contributions)


def test_a_run_cancelled_part_way_counts_only_the_questions_every_mode_answered() -> None:
    summary = _evaluation(questions=4).summary()
    summary["rag"]["questions"] = 2
    assert measured_from_evaluation(summary).questions == 2


def test_modes_the_decision_does_not_know_are_left_out() -> None:
    summary = _evaluation().summary()
    summary["reranked"] = dict(summary["rag"])
    measured = measured_from_evaluation(summary)
    assert set(measured.modes) == {"plain", "rag"}


def test_future_fine_tuned_modes_map_to_the_decisions_names() -> None:
    summary = _evaluation().summary()
    summary["finetuned"] = dict(summary["plain"])
    summary["finetuned+rag"] = dict(summary["rag"])
    assert set(measured_from_evaluation(summary).modes) == {"plain", "rag", "fine_tuned", "fine_tuned_rag"}


@pytest.mark.parametrize("summary", [{}, {"plain": {"questions": 0}}, {"summary": "none"}])
def test_an_evaluation_without_answered_questions_is_refused_in_plain_words(summary: dict) -> None:
    with pytest.raises(InputError, match="cannot inform"):
        measured_from_evaluation(summary)


def test_the_report_gets_figures_and_one_row_per_question_and_mode() -> None:
    data = evaluation_for_report(_evaluation().to_dict())
    assert data["questions"] == 3
    assert data["modes"]["rag"]["contained"] == 1.0
    assert len(data["rows"]) == 6
    assert data["rows"][1] == {
        "question": "What is the allowance 0?",
        "mode": "rag",
        "answer": "It is 73 florins.",
        "metrics": {"em": 0.0, "f1": 0.5, "contained": 1.0, "token_recall": 1.0, "grounded_share": 0.9},
    }
    text = build_report(recommend(Answers()), evaluation=data).plain_text()
    assert "Evaluation results" in text and "It is 73 florins." in text


def test_report_data_already_in_the_reports_format_passes_unchanged() -> None:
    data = {"questions": 5, "modes": {"rag": {"contained": 0.5}}, "rows": []}
    assert evaluation_for_report(data) == data


def test_comparison_sources_are_cited_by_document_and_page_not_dumped_whole() -> None:
    comparison = Comparison("What is the allowance?", "tiny", "/m.gguf", [_answer("rag", "73 florins.", 1.0, 2.0)])
    [item] = comparisons_for_report([comparison.to_dict()])
    assert item["answers"][0]["sources"] == ["policy.pdf, page 3"] == [comparison.answers[0].sources[0].label()]
    text = build_report(recommend(Answers()), comparisons=[item]).plain_text()
    assert "policy.pdf, page 3" in text
    assert "The allowance is 73 florins." not in text  # the passage itself stays out of the report
