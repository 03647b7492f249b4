"""The Fine-tune tab's data step, without Qt: the chosen sources make the examples, bad choices are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crossroads.cancel import CancelToken
from crossroads.errors import Cancelled, InputError, ModelError
from crossroads.finetune.dataset import (
    AUTO,
    DataChoice,
    Progress,
    build_examples,
    check_trainable,
    counts_text,
    default_name,
    general_count,
    kb_passages,
)
from crossroads.finetune.examples import TrainingExample

PASSAGES = ["Staff park in lot K7 behind the Zorbanian warehouse, next to the loading bay and the bike racks.",
            "The Zorbanian travel allowance is 73 florins per day, paid monthly with the salary."]


def qa_file(tmp_path: Path) -> Path:
    path = tmp_path / "pairs.jsonl"
    rows = [{"question": "Where do staff park?", "answer": "In lot K7."},
            {"question": "What is the travel allowance?", "answer": "73 florins per day."}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_choice_without_any_source_or_without_what_it_needs_is_refused_in_words() -> None:
    with pytest.raises(InputError, match="Choose what to train on"):
        DataChoice(generated=False, passages=False, qa_file=None).check(has_kb=True, has_model=True)
    with pytest.raises(InputError, match="knowledge base"):
        DataChoice(generated=True).check(has_kb=False, has_model=True)
    with pytest.raises(ModelError, match="Load a model"):
        DataChoice(generated=True).check(has_kb=True, has_model=False)
    with pytest.raises(InputError, match="held-out"):
        DataChoice(validation_share=0.95).check(has_kb=True, has_model=True)
    DataChoice(generated=False, qa_file=Path("x.csv"), general=0).check(has_kb=False, has_model=False)


def test_the_users_pairs_and_the_passage_text_need_no_model(tmp_path: Path) -> None:
    choice = DataChoice(generated=False, qa_file=qa_file(tmp_path), passages=True, general=0)
    examples = build_examples(choice, PASSAGES, engine=None)
    assert [e.source for e in examples] == ["user", "user", "passage", "passage"]
    assert examples[0] == TrainingExample("Where do staff park?", "In lot K7.", "user")
    assert examples[2].is_text and "lot K7" in examples[2].answer


def test_a_bad_qa_file_is_reported_before_any_generation(tmp_path: Path, tiny_engine) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.jsonl"
    bad.write_text("this is not json\n", encoding="utf-8")
    seen: list[Progress] = []
    with pytest.raises(InputError):
        build_examples(DataChoice(qa_file=bad), PASSAGES, tiny_engine, on_progress=seen.append)
    assert seen == [], "nothing was generated for a file that cannot be read"


def test_the_model_writes_questions_and_general_answers_with_progress(tiny_engine) -> None:  # type: ignore[no-untyped-def]
    seen: list[Progress] = []
    choice = DataChoice(generated=True, per_passage=2, passages=True, general=2)
    examples = build_examples(choice, PASSAGES, tiny_engine, general_questions=["What is the capital of France?",
                                                                               "Name a colour."],
                              on_progress=seen.append)
    sources = [e.source for e in examples]
    assert sources.count("passage") == 2 and sources.count("general") == 2
    assert all(e.source == "generated" for e in examples[: sources.index("passage")])
    assert [(p.done, p.total) for p in seen if p.stage.startswith("Writing")] == [(0, 2), (1, 2), (2, 2)]
    assert [(p.done, p.total) for p in seen if p.stage.startswith("Answering")] == [(1, 2), (2, 2)]


def test_a_cancel_stops_the_preparation(tiny_engine) -> None:  # type: ignore[no-untyped-def]
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        build_examples(DataChoice(generated=True, general=0), PASSAGES, tiny_engine, cancel=token)


def test_no_passages_or_no_examples_is_said_plainly(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no passages"):
        build_examples(DataChoice(generated=False, passages=True, general=0), [], engine=None)
    with pytest.raises(InputError, match="No usable training examples"):
        build_examples(DataChoice(generated=False, passages=True, general=0), ["too short"], engine=None)


def test_general_examples_default_to_about_a_fifth_and_never_more_than_there_are() -> None:
    assert general_count(DataChoice(general=AUTO), others=20, available=50) == 5
    assert general_count(DataChoice(general=AUTO), others=1, available=50) == 2
    assert general_count(DataChoice(general=7), others=1, available=3) == 3
    assert general_count(DataChoice(general=0), others=20, available=50) == 0


def test_only_general_or_unanswered_rows_cannot_be_trained() -> None:
    with pytest.raises(InputError, match="nothing to train"):
        check_trainable([])
    with pytest.raises(InputError, match="Only general"):
        check_trainable([TrainingExample("Hi?", "Hello.", "general")])
    with pytest.raises(InputError, match="no answer"):
        check_trainable([TrainingExample("Where?", " ", "user")])
    check_trainable([TrainingExample("Where?", "K7", "user"), TrainingExample("Hi?", "Hello.", "general")])


def test_counts_and_names_read_as_people_say_them() -> None:
    examples = [TrainingExample("q", "a", "generated")] * 3 + [TrainingExample("g", "a", "general")]
    assert counts_text(examples) == "4 examples: 3 written by the model, 1 general"
    assert counts_text(examples, included=3).endswith("(1 left out)")
    assert default_name("acme", []) == "acme"
    assert default_name("acme", ["ACME", "acme 2"]) == "acme 3"
    assert default_name("???", []) == "adapter"


def test_the_passages_of_a_knowledge_base_are_read_in_order(policy_kb_dir: Path) -> None:
    from crossroads.store import KnowledgeBase

    with KnowledgeBase.open(policy_kb_dir, create=False) as kb:
        passages = kb_passages(kb)
    assert any("K7" in p for p in passages) and any("73 florins" in p for p in passages)
