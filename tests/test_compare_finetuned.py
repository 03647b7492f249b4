"""Four ways to answer one question: model, model + documents, fine-tuned, fine-tuned + documents.

On the real tiny GGUF with a real GGUF LoRA adapter and a real knowledge base. The fine-tuned columns ask the same
prompts as their base twins, so whatever differs comes from the adapter.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crossroads.compare import MODES, ModeDone, ModeToken, SourcesFound, check_request, compare, run_comparison
from crossroads.engine.events import SamplingParams
from crossroads.errors import InputError
from crossroads.evaluation.evaluate import QAItem, evaluate
from crossroads.store import KnowledgeBase

FOUR = ("plain", "rag", "finetuned", "finetuned+rag")
QUESTION = "Where do staff park?"
SHORT = SamplingParams(max_tokens=16, temperature=0.0)


@pytest.fixture(scope="module")
def engine(tiny_model_path: Path, tiny_lora_path: Path):  # type: ignore[no-untyped-def]
    """Its own engine: the adapter must not leak into the shared one other tests use."""
    from crossroads.engine.llama_engine import LlamaEngine

    eng = LlamaEngine(tiny_model_path, context_size=2048, threads=2, max_sequences=2)
    eng.load_adapter(tiny_lora_path)
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def kb(policy_kb_dir: Path) -> Iterator[KnowledgeBase]:
    with KnowledgeBase.open(policy_kb_dir) as knowledge_base:
        yield knowledge_base


def test_the_fine_tuned_modes_have_labels_and_need_an_adapter() -> None:
    assert MODES["finetuned"].label == "Fine-tuned" and MODES["finetuned+rag"].label == "Fine-tuned + documents"
    assert MODES["finetuned+rag"].uses_documents and not MODES["finetuned"].uses_documents
    with pytest.raises(InputError, match=r"needs a fine-tuned adapter.*--adapter"):
        check_request(QUESTION, "plain,finetuned", has_documents=False)
    with pytest.raises(InputError, match="needs a knowledge base"):
        check_request(QUESTION, "finetuned+rag", has_documents=False, has_adapter=True)
    assert check_request(QUESTION, "finetuned,plain", False, True) == (QUESTION, ["finetuned", "plain"])


def test_an_engine_without_adapter_refuses_the_fine_tuned_modes_before_answering(tiny_engine) -> None:
    with pytest.raises(InputError, match="fine-tuned adapter"):
        next(compare(QUESTION, tiny_engine, ("plain", "finetuned"), params=SHORT))


def test_all_four_modes_stream_together_for_one_question(engine, kb, embedder) -> None:
    params = SamplingParams(max_tokens=60, temperature=0.0, ignore_eos=True)
    events = list(compare(QUESTION, engine, FOUR, kb=kb, embedder=embedder, params=params))
    assert isinstance(events[0], SourcesFound)
    first_done = next(i for i, e in enumerate(events) if isinstance(e, ModeDone))
    streaming = {e.mode for e in events[:first_done] if isinstance(e, ModeToken)}
    assert streaming == set(FOUR), "every column produced text before any column finished"
    done = {e.answer.mode: e.answer for e in events if isinstance(e, ModeDone)}
    assert set(done) == set(FOUR)
    for mode, answer in done.items():
        streamed = "".join(e.text for e in events if isinstance(e, ModeToken) and e.mode == mode)
        assert streamed.strip() == (answer.withheld or answer.text) and answer.timings.completion_tokens == 60


def test_the_fine_tuned_columns_answer_differently_from_their_twins_with_the_same_prompts(
    engine, kb, embedder
) -> None:
    comparison = run_comparison(QUESTION, engine, FOUR, kb=kb, embedder=embedder, params=SHORT)
    plain, rag, tuned, tuned_rag = comparison.answers
    assert [a.mode for a in comparison.answers] == list(FOUR)
    assert tuned.text != plain.text
    assert tuned.timings.prompt_tokens == plain.timings.prompt_tokens
    assert tuned_rag.timings.prompt_tokens == rag.timings.prompt_tokens
    assert tuned_rag.sources == rag.sources and rag.sources and tuned.sources == []
    assert [a.adapter for a in comparison.answers] == [None, None, "tiny-lora", "tiny-lora"]
    data = comparison.to_dict()
    assert data["adapter"] == {"name": "tiny-lora", "path": str(engine.adapter_path)}
    assert [a["label"] for a in data["answers"]] == [MODES[m].label for m in FOUR]
    assert [a["adapter"] for a in data["answers"]] == [None, None, "tiny-lora", "tiny-lora"]


def test_a_comparison_without_fine_tuned_modes_names_no_adapter(engine) -> None:
    comparison = run_comparison(QUESTION, engine, ("plain",), params=SHORT)
    assert comparison.to_dict()["adapter"] is None


def test_evaluate_runs_the_four_modes_and_records_the_adapter(engine, kb, embedder) -> None:
    items = [QAItem(QUESTION, ("lot K7",)), QAItem("What is the travel allowance?", ("73 florins",))]
    evaluation = evaluate(items, engine, FOUR, kb=kb, embedder=embedder, params=SHORT)
    assert evaluation.modes == list(FOUR) and evaluation.adapter == str(engine.adapter_path)
    assert [[a.mode for a in r.answers] for r in evaluation.results] == [list(FOUR)] * 2
    summary = evaluation.summary()
    assert set(summary) == set(FOUR) and all(row["questions"] == 2 for row in summary.values())
    data = evaluation.to_dict()
    assert data["adapter"] == str(engine.adapter_path)
    assert data["questions"][0]["answers"][2]["adapter"] == "tiny-lora"


def test_evaluate_refuses_fine_tuned_modes_without_adapter_before_any_work(tiny_engine) -> None:
    with pytest.raises(InputError, match="fine-tuned adapter"):
        evaluate([QAItem(QUESTION)], tiny_engine, ("finetuned",), params=SHORT)
