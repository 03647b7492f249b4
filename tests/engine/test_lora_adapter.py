"""The fine-tuned model: a real GGUF LoRA adapter on a second context over the same weights, hot-swapped.

The base context keeps answering as the plain model; the adapter context answers as the fine-tuned one; both
decode in the same loop. Changing the adapter must drop the adapter context's cached prompt, since its KV was
computed under the old adapter. Wrong files are refused with a reason, and the engine goes on working.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crossroads.engine.chat_template import Message
from crossroads.engine.events import SamplingParams, SequenceDone, TokenText
from crossroads.errors import ModelError

from .lora_fixture import write_lora

GREEDY = SamplingParams(max_tokens=16, temperature=0.0)
QUESTION = [Message("system", "You are a helpful assistant."), Message("user", "What is the capital of France?")]


@pytest.fixture(scope="module")
def engine(tiny_model_path: Path):
    from crossroads.engine.llama_engine import LlamaEngine

    eng = LlamaEngine(tiny_model_path, context_size=2048, threads=2, max_sequences=2)
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def plain_answer(engine) -> str:
    engine.unload_adapter()
    return answers(engine, [QUESTION], [False])[0].text


def answers(engine, prompts, flags, params: SamplingParams = GREEDY) -> list[SequenceDone]:  # type: ignore[no-untyped-def]
    done = {e.seq: e for e in engine.generate(prompts, params, with_adapter=flags) if isinstance(e, SequenceDone)}
    return [done[i] for i in range(len(prompts))]


def test_the_adapter_changes_the_fine_tuned_answer_and_leaves_the_base_one_alone(
    engine, plain_answer: str, tiny_lora_path: Path
) -> None:
    engine.load_adapter(tiny_lora_path)
    assert engine.adapter_path == tiny_lora_path and engine.adapter_name == "tiny-lora"
    base, tuned = answers(engine, [QUESTION, QUESTION], [False, True])
    assert base.text == plain_answer
    assert tuned.text and tuned.text != plain_answer


def test_an_adapter_that_changes_nothing_answers_exactly_as_the_base_model_with_the_same_seed(
    engine, plain_answer: str, tiny_zero_lora_path: Path
) -> None:
    engine.load_adapter(tiny_zero_lora_path)
    assert answers(engine, [QUESTION], [True])[0].text == plain_answer
    sampled = SamplingParams(max_tokens=16, temperature=0.9, seed=1234)
    base, tuned = answers(engine, [QUESTION, QUESTION], [False, True], sampled)
    assert base.text == tuned.text  # one seed and one set of settings for every column


def test_swapping_the_adapter_drops_the_cached_prompt_computed_under_the_old_one(
    engine, plain_answer: str, tiny_lora_path: Path, tiny_zero_lora_path: Path
) -> None:
    engine.load_adapter(tiny_lora_path)
    first = answers(engine, [QUESTION], [True])[0]
    again = answers(engine, [QUESTION], [True])[0]
    assert again.text == first.text != plain_answer
    assert again.timings.reused_prompt_tokens > 0  # an unchanged adapter keeps its prefix cache

    engine.load_adapter(tiny_zero_lora_path)  # replaces the adapter on the live context
    swapped = answers(engine, [QUESTION], [True])[0]
    assert swapped.timings.reused_prompt_tokens == 0
    assert swapped.text == plain_answer


def test_after_unloading_the_fine_tuned_modes_are_refused_and_a_reload_answers_afresh(
    engine, plain_answer: str, tiny_lora_path: Path
) -> None:
    engine.load_adapter(tiny_lora_path)
    tuned = answers(engine, [QUESTION], [True])[0].text
    engine.unload_adapter()
    assert engine.adapter_path is None
    with pytest.raises(ModelError, match="No fine-tuned adapter is loaded"):
        answers(engine, [QUESTION], [True])
    assert answers(engine, [QUESTION], [False])[0].text == plain_answer

    engine.load_adapter(tiny_lora_path)
    reloaded = answers(engine, [QUESTION], [True])[0]
    assert reloaded.timings.reused_prompt_tokens == 0 and reloaded.text == tuned


def test_base_and_fine_tuned_sequences_stream_interleaved_in_one_decode_loop(engine, tiny_lora_path: Path) -> None:
    engine.load_adapter(tiny_lora_path)
    params = SamplingParams(max_tokens=12, ignore_eos=True)
    order = [e.seq for e in engine.generate([QUESTION, QUESTION], params, with_adapter=[False, True])
             if isinstance(e, TokenText)]
    assert order[:6] == [0, 1] * 3, "one decode per context per step: the columns alternate token by token"


def test_base_columns_decoded_beside_the_fine_tuned_ones_do_not_change_them(engine, tiny_lora_path: Path) -> None:
    """The lanes are separate contexts: the fine-tuned batch is the same with or without base sequences beside it.

    (A fine-tuned answer alone may differ from the same answer in a batch of two after a dozen tokens: another
    batch size takes other float kernels, and a random adapter leaves the model unsure enough to flip a token.)
    """
    other = [QUESTION[0], Message("user", "Name a primary colour.")]
    engine.load_adapter(tiny_lora_path)
    engine.clear_cache()
    pair = [a.text for a in answers(engine, [QUESTION, other], [True, True])]
    engine.clear_cache()
    four = [a.text for a in answers(engine, [QUESTION, other, QUESTION, other], [False, False, True, True])]
    assert four[2:] == pair and pair[0] != pair[1]
    assert four[:2] != pair


# -- wrong files ------------------------------------------------------------------------------------------------


def _refused(engine, path: Path, *words: str) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(ModelError) as caught:
        engine.load_adapter(path)
    message = caught.value.message
    for word in words:
        assert word in message, message
    return message


@pytest.fixture
def loaded(engine, tiny_lora_path: Path):  # type: ignore[no-untyped-def]
    """A good adapter in place: a refused file must leave it there and the engine answering."""
    engine.load_adapter(tiny_lora_path)
    expected = answers(engine, [QUESTION], [True])[0].text
    yield engine
    assert engine.adapter_path == tiny_lora_path
    assert answers(engine, [QUESTION], [True])[0].text == expected


def test_a_missing_file_is_named(loaded, tmp_path: Path) -> None:
    _refused(loaded, tmp_path / "nowhere.gguf", "There is no adapter file at")


def test_a_file_that_is_not_gguf_is_refused(loaded, tmp_path: Path) -> None:
    notes = tmp_path / "notes.gguf"
    notes.write_text("these are my training notes\n" * 20, encoding="utf-8")
    _refused(loaded, notes, "notes.gguf is not a GGUF file")


def test_a_whole_model_is_not_an_adapter(loaded, tiny_model_path: Path) -> None:
    _refused(loaded, tiny_model_path, "is a whole model, not an adapter", "Load it as the model")


def test_an_adapter_of_another_kind_is_refused(loaded, tiny_model_path: Path, tmp_path: Path) -> None:
    path = write_lora(tiny_model_path, tmp_path / "cvec.gguf", adapter_type="control_vector")
    _refused(loaded, path, "'control_vector' adapter", "LoRA adapters only")


def test_an_adapter_for_another_architecture_is_refused(loaded, tiny_model_path: Path, tmp_path: Path) -> None:
    path = write_lora(tiny_model_path, tmp_path / "qwen-lora.gguf", architecture="qwen2")
    _refused(loaded, path, "made for a 'qwen2' model", "'llama' model")


def test_an_adapter_for_another_base_of_the_same_architecture_is_refused_by_llama_cpp(
    loaded, tiny_model_path: Path, tmp_path: Path
) -> None:
    wider = write_lora(tiny_model_path, tmp_path / "wider.gguf", reshape=lambda name, n_in, n_out: (n_in * 2, n_out))
    _refused(loaded, wider, "wider.gguf does not fit", "trained on another base model")
    deeper = write_lora(
        tiny_model_path, tmp_path / "deeper.gguf",
        rename=lambda name: name.replace("blk.", "blk.9", 1),  # blk.9N: layers the tiny model does not have
    )
    _refused(loaded, deeper, "deeper.gguf does not fit", "trained on another base model")


def test_a_truncated_adapter_is_refused(loaded, tiny_lora_path: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(tiny_lora_path.read_bytes()[: tiny_lora_path.stat().st_size // 2])
    _refused(loaded, cut, "cut.gguf")
