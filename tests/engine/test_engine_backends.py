"""One engine test-suite over both model backends: llama.cpp in this process and an OpenAI-compatible server (a real
llama-cpp-python server on the tiny model, on 127.0.0.1). compare and evaluate rely on exactly this behaviour."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossroads.cancel import CancelToken
from crossroads.engine.chat_template import Message
from crossroads.engine.events import SamplingParams, SequenceDone, TokenText
from crossroads.engine.protocol import Engine
from crossroads.errors import ModelError

pytestmark = pytest.mark.slow

SYSTEM = Message("system", "You are a helpful assistant.")
# The server is shared by the whole session, so what its cache holds depends on the tests before: only questions whose
# greedy answer from the tiny model stays the same whatever the cache layout (checked with and without flash attention
# and after other prompts). "What is the capital of France?" is a near-tie: it flips to French after some prompts.
CAPITAL = "What is the capital city of France?"
GREEDY = SamplingParams(max_tokens=12, temperature=0.0)


def chat(question: str) -> list[Message]:
    return [SYSTEM, Message("user", question)]


def collect(events) -> tuple[dict[int, str], dict[int, SequenceDone]]:
    streamed: dict[int, str] = {}
    done: dict[int, SequenceDone] = {}
    for event in events:
        if isinstance(event, TokenText):
            streamed[event.seq] = streamed.get(event.seq, "") + event.text
        else:
            done[event.seq] = event
    return streamed, done


@pytest.fixture(scope="module", params=["in-process", "server"])
def engine(request: pytest.FixtureRequest, tiny_model_path: Path):
    if request.param == "in-process":
        from crossroads.engine.llama_engine import LlamaEngine

        eng = LlamaEngine(tiny_model_path, context_size=2048, threads=2, max_sequences=2)
    else:
        from crossroads.engine.server_engine import ServerEngine

        eng = ServerEngine(request.getfixturevalue("model_server"), context_size=2048)
    yield eng
    eng.close()


def test_both_backends_satisfy_the_engine_protocol(engine) -> None:
    assert isinstance(engine, Engine)
    assert engine.name and engine.location and engine.context_size == 2048
    assert engine.adapter_path is None and engine.adapter_name is None
    assert 0 < engine.count_tokens("Hello world") < 10


def test_answers_a_question_streams_the_same_text_and_fills_its_timings(engine) -> None:
    streamed, done = collect(engine.generate([chat(CAPITAL)], GREEDY))
    answer = done[0]
    assert "Paris" in answer.text
    assert streamed[0] == answer.text
    assert answer.finish_reason in {"stop", "length"}
    t = answer.timings
    assert t.prompt_tokens > 10 and 0 < t.completion_tokens <= GREEDY.max_tokens
    assert 0 < t.ttft_s <= t.wall_s and t.tokens_per_s > 0


def test_two_columns_at_once_give_the_answers_each_gives_alone(engine) -> None:
    questions = [CAPITAL, "What is the capital of Japan?"]
    alone = [collect(engine.generate([chat(q)], GREEDY))[1][0].text for q in questions]
    _, together = collect(engine.generate([chat(q) for q in questions], GREEDY))
    assert [together[0].text, together[1].text] == alone


def test_cancel_mid_stream_ends_the_answer_as_cancelled_and_the_engine_answers_again(engine) -> None:
    cancel = CancelToken()
    tokens = 0
    done = None
    for event in engine.generate([chat("Write a long story about a dragon.")], SamplingParams(max_tokens=200),
                                 cancel):
        if isinstance(event, TokenText):
            tokens += 1
            if tokens == 3:
                cancel.cancel()
        else:
            done = event
    assert done is not None and done.finish_reason == "cancelled"
    assert done.timings.completion_tokens <= 4
    _, again = collect(engine.generate([chat(CAPITAL)], GREEDY))
    assert "Paris" in again[0].text


def test_a_stream_the_caller_abandons_stops_and_the_engine_answers_again(engine) -> None:
    events = engine.generate([chat("Write a long story about a dragon.")], SamplingParams(max_tokens=200))
    for event in events:
        if isinstance(event, TokenText) and event.text:
            break
    events.close()  # type: ignore[attr-defined]
    _, again = collect(engine.generate([chat(CAPITAL)], GREEDY))
    assert "Paris" in again[0].text


def test_the_fine_tuned_columns_without_an_adapter_are_refused_plainly(engine) -> None:
    with pytest.raises(ModelError, match="adapter"):
        collect(engine.generate([chat("Hello?")], GREEDY, with_adapter=[True]))


def test_a_prompt_longer_than_the_context_is_refused_plainly(engine) -> None:
    with pytest.raises(ModelError, match="context"):
        collect(engine.generate([chat("word " * 3000)], GREEDY))


# -- the fine-tuned modes: a local adapter, or the server's model with the adapter applied -------------------------


@pytest.fixture(scope="module", params=["in-process", "server"])
def tuned_engine(request: pytest.FixtureRequest, tiny_model_path: Path, tiny_lora_path: Path):
    """The tiny model with tiny_lora_path for the fine-tuned modes: loaded here, or served as its own model."""
    if request.param == "in-process":
        from crossroads.engine.llama_engine import LlamaEngine

        eng = LlamaEngine(tiny_model_path, context_size=2048, threads=2, max_sequences=2)
        eng.load_adapter(tiny_lora_path)
    else:
        from tests.conftest import TEST_CHAT_MODEL, TUNED_SERVED_MODEL

        from crossroads.engine.server_engine import ServerEngine

        eng = ServerEngine(request.getfixturevalue("model_server_with_lora"), TEST_CHAT_MODEL, context_size=2048,
                           finetuned_model=TUNED_SERVED_MODEL)
    yield eng
    eng.close()


def test_the_fine_tuned_column_answers_with_the_adapter_on_either_backend(tuned_engine) -> None:
    assert tuned_engine.finetuned is not None and tuned_engine.adapter_name
    _, done = collect(tuned_engine.generate([chat("What is two plus two?")] * 2, GREEDY, with_adapter=[False, True]))
    base, tuned = done[0].text, done[1].text
    assert base and tuned and base != tuned  # the adapter visibly changes the greedy answer


def test_the_servers_fine_tuned_model_answers_as_the_adapter_does_here(
    tiny_model_path: Path, tiny_lora_path: Path, model_server_with_lora: str
) -> None:
    from tests.conftest import TEST_CHAT_MODEL, TUNED_SERVED_MODEL

    from crossroads.engine.llama_engine import LlamaEngine
    from crossroads.engine.server_engine import ServerEngine

    local = LlamaEngine(tiny_model_path, context_size=2048, threads=2, max_sequences=1)
    local.load_adapter(tiny_lora_path)
    served = ServerEngine(model_server_with_lora, TEST_CHAT_MODEL, context_size=2048,
                          finetuned_model=TUNED_SERVED_MODEL)
    try:
        question = [chat("What is two plus two?")]
        _, here = collect(local.generate(question, GREEDY, with_adapter=[True]))
        _, there = collect(served.generate(question, GREEDY, with_adapter=[True]))
        assert there[0].text == here[0].text
        assert served.finetuned == f"{model_server_with_lora} (model {TUNED_SERVED_MODEL})"
    finally:
        local.close()
        served.close()


def test_a_fine_tuned_model_the_server_does_not_serve_is_named_with_what_it_serves(model_server: str) -> None:
    from crossroads.engine.server_engine import ServerEngine
    from crossroads.errors import ServerError

    with pytest.raises(ServerError, match=r"does not serve a fine-tuned model called 'acme-tuned'\. It serves: "):
        ServerEngine(model_server, finetuned_model="acme-tuned")
