"""Training examples from the user's files, passages, the split and the evaluation-overlap warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossroads.errors import InputError
from crossroads.finetune.examples import (
    TrainingExample,
    normalise,
    overlap_with,
    passage_examples,
    read_jsonl,
    read_pairs,
    split,
    write_jsonl,
)


def test_jsonl_pairs_take_answer_or_the_first_of_answers(tmp_path: Path) -> None:
    path = tmp_path / "qa.jsonl"
    path.write_text('{"question": "Fee?", "answer": "73 florins"}\n\n'
                    '{"question": "Lot?", "answers": ["K7", "lot K7"]}\n'
                    '{"question": "No answer here?"}\n', encoding="utf-8")
    assert read_pairs(path) == [TrainingExample("Fee?", "73 florins"), TrainingExample("Lot?", "K7")]


def test_csv_pairs_use_the_evaluate_format(tmp_path: Path) -> None:
    path = tmp_path / "qa.csv"
    path.write_text("question,answers\nWhere do staff park?,lot K7|K7\n", encoding="utf-8")
    assert read_pairs(path) == [TrainingExample("Where do staff park?", "lot K7")]


def test_a_file_without_answers_or_with_a_bad_line_is_refused_with_the_line(tmp_path: Path) -> None:
    questions_only = tmp_path / "q.jsonl"
    questions_only.write_text('{"question": "Fee?"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="no answers"):
        read_pairs(questions_only)
    broken = tmp_path / "b.jsonl"
    broken.write_text('{"question": "Fee?", "answer": "x"}\n{oops\n', encoding="utf-8")
    with pytest.raises(InputError, match="Line 2"):
        read_pairs(broken)


def test_passages_become_text_examples_and_fragments_are_left_out() -> None:
    found = passage_examples(["Staff park in lot K7 behind the Zorbanian warehouse every day.", "# Parking"])
    assert [e.source for e in found] == ["passage"] and found[0].is_text


def test_the_split_is_seeded_and_holds_out_a_share() -> None:
    examples = [TrainingExample(f"q{i}", f"a{i}") for i in range(20)]
    train, held = split(examples, 0.2, seed=7)
    assert len(held) == 4 and len(train) == 16 and set(train).isdisjoint(held)
    assert split(examples, 0.2, seed=7) == (train, held)
    assert split(examples, 0.2, seed=8) != (train, held)
    assert split(examples[:2], 0.2) == (split(examples[:2], 0.2)[0], [])


def test_overlap_flags_training_questions_that_the_evaluation_asks() -> None:
    examples = [TrainingExample("What's the travel allowance?", "73"), TrainingExample("Where to park?", "K7"),
                TrainingExample("", "passage text")]
    assert overlap_with(examples, ["whats the  TRAVEL allowance", "Who is the CEO?"]) == [examples[0]]
    assert normalise("Café, über!") == "cafe uber"


def test_examples_round_trip_through_the_jobs_files(tmp_path: Path) -> None:
    examples = [TrainingExample("Q?", "A — ü", "generated"), TrainingExample("", "text", "passage")]
    write_jsonl(examples, tmp_path / "x.jsonl")
    assert read_jsonl(tmp_path / "x.jsonl") == examples
