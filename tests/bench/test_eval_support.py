"""The support-marks check: the app's marks scored against hand labels, and the chat model measured as a judge."""

from __future__ import annotations

from pathlib import Path

PASSAGES = ["Full-time employees receive 27 days of paid annual leave. Part-time staff receive leave pro rata.",
            "The brew unit is covered for 36 months. The machine itself is covered for 24 months."]


def item(sentence: str, label: str) -> dict[str, object]:
    return {"question": "What does the handbook say?", "answer": sentence, "start": 0, "end": len(sentence),
            "sentence": sentence, "passages": PASSAGES, "label": label}


def test_auc_is_the_chance_a_supported_sentence_scores_above_an_unsupported_one(support) -> None:
    assert support._auc([3.0, 2.0, 1.0], [True, True, False]) == 1.0
    assert support._auc([1.0, 2.0, 3.0], [True, True, False]) == 0.0
    assert support._auc([1.0, 1.0], [True, False]) == 0.5
    assert support._auc([1.0, 2.0], [True, True]) is None  # nothing to separate


def test_the_judge_reads_the_source_sentences_closest_to_the_statement(support) -> None:
    closest = support._closest_sentences("The brew unit is covered for 24 months.", PASSAGES, count=1)
    assert closest == ["The brew unit is covered for 36 months."]


def test_the_model_check_scores_every_checkable_sentence_with_a_real_model(support, tiny_model_path: Path) -> None:
    items = [item("Full-time employees receive 27 days of paid annual leave.", "supported"),
             item("The brew unit is covered for 36 months.", "supported"),
             item("Full-time employees receive 30 days of paid annual leave.", "unsupported"),
             item("The brew unit is covered for 24 months.", "unsupported")]
    checked = support.model_check(items, tiny_model_path, threads=2)
    assert checked["n"] == 4
    assert 0.0 <= checked["auc"] <= 1.0
    # The app's own marks already get the wrong figure right (27 days is in the passage; 30 is not), so the best
    # combination agrees with at least those.
    app_alone = sum(support.judge(i) == i["label"] for i in items) / 4
    assert checked["combined_agreement"] >= app_alone
    fixed = support.model_check(items, tiny_model_path, threads=2, threshold=-1e9)  # no margin is below it
    assert (fixed["added_red"], fixed["combined_agreement"]) == (0, app_alone)


def test_each_labelling_batch_is_scored_on_its_own_as_well(support, tmp_path: Path, capsys) -> None:
    """A check tuned on the first batch is measured on sentences labelled after it."""
    import json

    first = item("Full-time employees receive 27 days of paid annual leave.", "supported")
    later = {**item("Full-time employees receive 30 days of paid annual leave.", "unsupported"), "batch": 2}
    labels = tmp_path / "sentences.jsonl"
    labels.write_text("".join(json.dumps(i) + "\n" for i in (first, later)), encoding="utf-8")
    assert [i["sentence"] for i in support.in_batch([first, later], 2)] == [later["sentence"]]
    assert support.main(["--labels", str(labels)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" n=")[0] for line in lines] == [
        "EVAL support lexical", "EVAL support lexical batch=1", "EVAL support lexical batch=2"]
    assert all("agreement=1.000" in line for line in lines)


def test_a_judge_that_is_not_a_gguf_model_gets_a_plain_message(support, tmp_path: Path, capsys) -> None:
    import json

    import pytest

    labels = tmp_path / "sentences.jsonl"
    labels.write_text(json.dumps(item("Full-time employees receive 27 days of leave.", "supported")) + "\n",
                      encoding="utf-8")
    notes = tmp_path / "notes.txt"
    notes.write_text("not a model", encoding="utf-8")
    with pytest.raises(SystemExit) as stopped:
        support.main(["--labels", str(labels), "--model-check", "--model", str(notes)])
    assert stopped.value.code == 2
    assert "is not a GGUF model file" in capsys.readouterr().err
