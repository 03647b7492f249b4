"""A whole fine-tuned GGUF (made elsewhere, e.g. on a GPU box) answering the fine-tuned modes instead of an adapter.

It loads beside the base model as a second set of weights with its own context, answers the fine-tuned lane, and
leaves the base answers alone; an adapter loaded later takes its place. It must be a fine-tune of the loaded model:
a whole model (not an adapter), of the same architecture and vocabulary, and not the loaded file itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crossroads.engine.chat_template import Message
from crossroads.engine.events import SamplingParams, SequenceDone
from crossroads.errors import ModelError

from .lora_fixture import write_finetuned_model, write_other_vocabulary_model

GREEDY = SamplingParams(max_tokens=16, temperature=0.0)
QUESTION = [Message("system", "You are a helpful assistant."), Message("user", "What is the capital of France?")]


@pytest.fixture(scope="module")
def engine(tiny_model_path: Path):
    from crossroads.engine.llama_engine import LlamaEngine

    eng = LlamaEngine(tiny_model_path, context_size=2048, threads=2, max_sequences=2)
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def finetuned(tiny_model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_finetuned_model(tiny_model_path, tmp_path_factory.mktemp("ft") / "smollm2-brellvik.gguf")


def answers(engine, flags: list[bool]) -> list[str]:  # type: ignore[no-untyped-def]
    done = {e.seq: e for e in engine.generate([QUESTION] * len(flags), GREEDY, with_adapter=flags)
            if isinstance(e, SequenceDone)}
    return [done[i].text for i in range(len(flags))]


def test_a_whole_fine_tuned_model_answers_the_fine_tuned_lane_and_leaves_the_base_alone(engine, finetuned) -> None:
    engine.unload_adapter()
    (plain,) = answers(engine, [False])
    engine.load_finetuned_model(finetuned)
    assert engine.finetuned_kind == "model" and engine.adapter_path == finetuned
    assert engine.adapter_name == "smollm2-brellvik"
    base, tuned = answers(engine, [False, True])
    assert base == plain
    assert tuned and tuned != plain


def test_an_adapter_takes_the_place_of_a_whole_model_and_unloading_drops_both(
    engine, finetuned, tiny_lora_path: Path
) -> None:
    engine.load_finetuned_model(finetuned)
    (by_model,) = answers(engine, [True])
    engine.load_adapter(tiny_lora_path)
    assert engine.finetuned_kind == "adapter"
    (by_adapter,) = answers(engine, [True])
    assert by_adapter != by_model
    engine.load_finetuned_model(finetuned)
    assert answers(engine, [True]) == [by_model]  # the adapter's cached prompt is not reused by the other weights
    engine.unload_adapter()
    assert engine.finetuned_kind is None
    with pytest.raises(ModelError, match="No fine-tuned adapter is loaded"):
        answers(engine, [True])


def _refused(engine, path: Path, *words: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ModelError) as caught:
        engine.load_finetuned_model(path)
    for word in words:
        assert word in caught.value.message, caught.value.message


def test_files_that_are_not_a_fine_tune_of_the_loaded_model_are_refused_and_the_loaded_one_stays(
    engine, finetuned, tiny_model_path: Path, tiny_lora_path: Path, tmp_path: Path
) -> None:
    from crossroads.models.catalog import resolve_chat_model

    engine.load_finetuned_model(finetuned)
    (expected,) = answers(engine, [True])
    _refused(engine, tmp_path / "nowhere.gguf", "There is no fine-tuned model file at")
    notes = tmp_path / "notes.gguf"
    notes.write_text("not a model\n" * 20, encoding="utf-8")
    _refused(engine, notes, "notes.gguf is not a GGUF file")
    _refused(engine, tiny_lora_path, "is an adapter, not a whole model")
    _refused(engine, tiny_model_path, "is the loaded model itself")
    _refused(engine, resolve_chat_model("qwen2.5-coder-0.5b-instruct"), "is a 'qwen2' model", "'llama' model")
    other = write_other_vocabulary_model(tiny_model_path, tmp_path / "other-vocab.gguf")
    _refused(engine, other, "has another vocabulary", "Load the model it was fine-tuned from first")
    assert engine.finetuned_kind == "model" and engine.adapter_path == finetuned
    assert answers(engine, [True]) == [expected]
