"""Scoring a question set: reading it, running it through the modes, summarising, and keeping work on cancel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from crossroads.cancel import CancelToken
from crossroads.compare import Answer
from crossroads.engine.events import SamplingParams, Timings
from crossroads.errors import InputError
from crossroads.evaluation.evaluate import SCORES, Evaluation, QAItem, QuestionResult, evaluate, load_questions
from crossroads.store import KnowledgeBase

TINY = SamplingParams(max_tokens=8)
ITEMS = [
    QAItem("Where do staff park?", ("lot K7",)),
    QAItem("What is the travel allowance per day?", ("73 florins",)),
    QAItem("What is the capital of France?", ("Paris",)),
]


@pytest.fixture(scope="module")
def engine(tiny_engine):  # type: ignore[no-untyped-def]
    return tiny_engine


@pytest.fixture
def kb(policy_kb_dir: Path) -> Iterator[KnowledgeBase]:
    with KnowledgeBase.open(policy_kb_dir) as knowledge_base:
        yield knowledge_base


# -- reading question files -----------------------------------------------------------------------------------


def test_jsonl_questions_with_and_without_expected_answers(tmp_path: Path) -> None:
    path = tmp_path / "qa.jsonl"
    path.write_text(
        '{"question": " Where do staff park? ", "answers": ["lot K7", "K7"]}\n'
        "\n"
        '{"question": "Who is the CEO?"}\n'
        '{"question": "What is the allowance?", "answers": "73 florins"}\n',
        encoding="utf-8",
    )
    assert load_questions(path) == [
        QAItem("Where do staff park?", ("lot K7", "K7")),
        QAItem("Who is the CEO?", ()),
        QAItem("What is the allowance?", ("73 florins",)),
    ]


def test_csv_questions_split_several_answers_on_the_bar(tmp_path: Path) -> None:
    path = tmp_path / "qa.csv"
    path.write_text(
        'Question,Answers\n"Where, exactly, do staff park?",lot K7 | K7\nWho is the CEO?,\n',
        encoding="utf-8-sig",
    )
    assert load_questions(path) == [
        QAItem("Where, exactly, do staff park?", ("lot K7", "K7")),
        QAItem("Who is the CEO?", ()),
    ]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('{"question": "a?"}\n{"question": "b?"}\n{"question": oops}\n', "Line 3 of qa.jsonl is not valid JSON"),
        ('{"question": "a?"}\n{"answers": ["x"]}\n', 'Line 2 of qa.jsonl needs a "question"'),
        ('{"question": "a?", "answers": {"x": 1}}\n', 'Line 1 of qa.jsonl: "answers" must be a list'),
        ('{"question": "a?", "answers": [1, 2]}\n', 'Line 1 of qa.jsonl: "answers" must be a list'),
        ("[1, 2]\n", 'Line 1 of qa.jsonl needs a "question"'),
        ("\n\n", "has no questions"),
    ],
)
def test_a_malformed_question_file_is_refused_naming_the_line(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "qa.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_questions(path)
    assert words in caught.value.message


def test_a_csv_without_a_question_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "qa.csv"
    path.write_text("prompt,answers\nWhere?,here\n", encoding="utf-8")
    with pytest.raises(InputError, match='"question" column'):
        load_questions(path)


def test_a_missing_or_binary_question_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_questions(tmp_path / "nope.jsonl")
    binary = tmp_path / "qa.jsonl"
    binary.write_bytes(b"\xff\xfe\x00\x81 not text")
    with pytest.raises(InputError, match="UTF-8"):
        load_questions(binary)


# -- summary arithmetic ---------------------------------------------------------------------------------------


def _answer(mode: str, metrics: dict[str, float | None], wall: float, ttft: float, speed: float) -> Answer:
    return Answer(mode, "text", "stop", Timings(10, 5, 0, ttft, wall, speed), metrics=metrics)


def test_summary_averages_each_score_over_the_questions_that_have_it_and_takes_median_latencies() -> None:
    plain = [
        {"exact_match": 1.0, "f1": 1.0, "contained": 1.0, "retrieval_hit": 1.0, "grounded_share": None,
         "k_precision": 0.5, "words": 3.0, "abstained": 0.0},
        {"exact_match": 0.0, "f1": 0.5, "contained": 0.0, "retrieval_hit": 0.0, "grounded_share": 0.5,
         "k_precision": None, "words": 9.0, "abstained": 0.0},
        {"grounded_share": 1.0, "k_precision": 0.25, "words": 4.0, "abstained": 1.0},  # no expected answers
    ]
    timings = [(1.0, 0.2, 10.0), (3.0, 0.4, 0.0), (2.0, 0.3, 20.0)]  # 0 tokens/s: no speed measured
    evaluation = Evaluation("tiny", ["plain", "rag"])
    for metrics, (wall, ttft, speed) in zip(plain, timings, strict=True):
        rag = _answer("rag", {score: None for score in SCORES}, 9.0, 1.0, 5.0)
        evaluation.results.append(QuestionResult(QAItem("q?"), [_answer("plain", metrics, wall, ttft, speed), rag]))
    summary = evaluation.summary()
    assert summary["plain"] == {
        "questions": 3,
        "exact_match": 0.5,
        "f1": 0.75,
        "contained": 0.5,
        "grounded_share": 0.75,
        "k_precision": 0.375,
        "retrieval_hit": 0.5,
        "abstained": 0.3333,
        "median_words": 4.0,
        "median_wall_s": 2.0,
        "median_ttft_s": 0.3,
        "median_tokens_per_s": 15.0,
    }
    assert summary["rag"]["questions"] == 3
    assert all(summary["rag"][score] is None for score in SCORES)
    assert summary["rag"]["median_tokens_per_s"] == 5.0


def test_a_mode_without_answers_summarises_to_nothing() -> None:
    row = Evaluation("tiny", ["plain"]).summary()["plain"]
    assert row["questions"] == 0
    assert all(value is None for key, value in row.items() if key != "questions")


# -- running --------------------------------------------------------------------------------------------------


def test_every_question_is_answered_in_every_mode_and_scored_against_its_answers(engine, kb, embedder) -> None:
    seen: list[tuple[int, int, str]] = []
    evaluation = evaluate(ITEMS[:2], engine, "plain,rag", kb=kb, embedder=embedder, params=TINY,
                          on_result=lambda done, total, result: seen.append((done, total, result.item.question)))
    assert evaluation.modes == ["plain", "rag"]
    assert seen == [(1, 2, ITEMS[0].question), (2, 2, ITEMS[1].question)]
    for result in evaluation.results:
        assert [a.mode for a in result.answers] == ["plain", "rag"]
        for answer in result.answers:
            assert set(SCORES) <= set(answer.metrics)
    data = evaluation.to_dict()
    assert set(data["summary"]) == {"plain", "rag"} and data["summary"]["rag"]["questions"] == 2
    assert data["questions"][0]["gold"] == ["lot K7"]
    assert data["questions"][0]["answers"][1]["sources"][0]["document"] == "Parking"  # the title: the first heading
    assert evaluation.seconds > 0


def test_an_unknown_mode_is_refused_before_any_question_is_answered(engine) -> None:
    seen: list[int] = []
    with pytest.raises(InputError, match="bogus"):
        evaluate(ITEMS, engine, ["plain", "bogus"], on_result=lambda done, total, result: seen.append(done))
    assert seen == []


def test_cancelling_after_the_first_question_keeps_its_result(engine) -> None:
    cancel = CancelToken()
    evaluation = evaluate(ITEMS, engine, ["plain"], params=TINY, cancel=cancel,
                          on_result=lambda done, total, result: cancel.cancel())
    assert [r.item for r in evaluation.results] == [ITEMS[0]]
    assert evaluation.summary()["plain"]["questions"] == 1


class _CancelWhileSearching:
    """The user presses Cancel while the passages for one question are being looked up."""

    def __init__(self, embedder, cancel: CancelToken, question: str) -> None:
        self._embedder, self._cancel, self._question = embedder, cancel, question
        self.name = embedder.name

    def encode_query(self, text: str) -> np.ndarray:
        if text == self._question:
            self._cancel.cancel()
        return self._embedder.encode_query(text)

    def encode(self, texts: list[str]) -> np.ndarray:
        return self._embedder.encode(texts)


def test_cancelling_while_a_question_is_being_looked_up_keeps_the_earlier_results(engine, kb, embedder) -> None:
    cancel = CancelToken()
    searching = _CancelWhileSearching(embedder, cancel, ITEMS[1].question)
    evaluation = evaluate(ITEMS, engine, ["plain", "rag"], kb=kb, embedder=searching, params=TINY, cancel=cancel)
    assert [r.item for r in evaluation.results] == [ITEMS[0]]


def test_a_question_that_fails_is_recorded_with_its_reason_and_the_others_are_answered(engine) -> None:
    """A question too long for the model's context fails for real; the questions after it still run."""
    too_long = QAItem("Please consider " + "the florins and the warehouse " * 600 + "?")
    items = [ITEMS[0], too_long, ITEMS[2]]
    evaluation = evaluate(items, engine, ["plain"], params=TINY)
    assert [r.item for r in evaluation.results] == items
    failed = evaluation.results[1]
    assert failed.answers == [] and failed.error is not None and "context" in failed.error
    assert all(r.error is None and len(r.answers) == 1 for r in (evaluation.results[0], evaluation.results[2]))
    assert evaluation.summary()["plain"]["questions"] == 2
    assert evaluation.to_dict()["questions"][1]["error"] == failed.error
