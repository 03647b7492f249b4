"""The model-server backend against a real OpenAI-compatible server (llama-cpp-python's, tiny model, 127.0.0.1):
the same greedy answers as the in-process engine, truthful about where questions go and about its counts, and one
plain message for each way a server can be wrong."""

from __future__ import annotations

import pytest

from crossroads.engine.chat_template import Message
from crossroads.engine.events import SamplingParams, SequenceDone
from crossroads.errors import InputError, ServerError

pytestmark = pytest.mark.slow

SYSTEM = Message("system", "You are a helpful assistant.")
GREEDY = SamplingParams(max_tokens=16, temperature=0.0)
# Questions whose greedy answer does not hang on a near-tie: the session's server has other prompts in its cache, and
# "What is the capital of France?" flips to French with some cache layouts (see test_engine_backends).
QUESTIONS = ["What is the capital city of France?", "What is the capital of Japan?", "What is two plus two?"]


def chat(question: str) -> list[Message]:
    return [SYSTEM, Message("user", question)]


def answer(engine, question: str) -> SequenceDone:
    done = [e for e in engine.generate([chat(question)], GREEDY) if isinstance(e, SequenceDone)]
    return done[0]


@pytest.fixture(scope="module")
def server_engine(model_server: str):
    from crossroads.engine.server_engine import ServerEngine

    engine = ServerEngine(model_server, context_size=2048)
    yield engine
    engine.close()


def test_greedy_answers_match_the_in_process_engine_on_the_same_model(server_engine, tiny_engine) -> None:
    """Same GGUF, same chat template, temperature 0, repeat penalty 1: the same tokens, so the same text."""
    for question in QUESTIONS:
        served, local = answer(server_engine, question), answer(tiny_engine, question)
        assert served.text == local.text, question
        assert served.finish_reason == local.finish_reason
        # The server does not report usage in its stream: one streamed piece per token, and it says so.
        assert served.timings.estimated and not local.timings.estimated
        assert served.timings.completion_tokens == local.timings.completion_tokens
        # The prompt's length is estimated from the messages, erring high by a few template tokens.
        assert local.timings.prompt_tokens <= served.timings.prompt_tokens <= local.timings.prompt_tokens + 12
        assert 0 < served.timings.ttft_s <= served.timings.wall_s


def test_token_counts_for_prompt_budgets_come_from_the_servers_tokenizer(server_engine, tiny_engine) -> None:
    text = "The Zorbanian travel allowance is 73 florins per day."
    assert server_engine.count_tokens(text) in {tiny_engine.count_tokens(text), tiny_engine.count_tokens(text) + 1}
    assert server_engine.exact_token_counts


def test_it_says_where_the_questions_go(server_engine, model_server: str) -> None:
    assert server_engine.name == "smollm2-135m-instruct"
    assert server_engine.location == f"{model_server} (model smollm2-135m-instruct)"
    assert server_engine.served_models() == ["smollm2-135m-instruct"]


def test_without_a_tokenizer_endpoint_the_estimate_errs_high() -> None:
    from crossroads.engine.server_engine import estimate_tokens

    prose = "The daily travel allowance is 58 euros within the European Union, paid monthly."
    assert estimate_tokens(prose) >= len(prose.split()) * 1.3
    assert estimate_tokens("") == 0


def test_an_unreachable_server_is_one_plain_message() -> None:
    from tests.conftest import free_port

    from crossroads.engine.server_engine import ServerEngine

    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(ServerError, match=r"Could not reach the model server at .*connection refused"):
        ServerEngine(url)


def test_a_model_the_server_does_not_serve_is_refused_naming_those_it_does(model_server: str) -> None:
    from crossroads.engine.server_engine import ServerEngine

    with pytest.raises(ServerError, match=r"does not serve a model called 'gpt-9'.*smollm2-135m-instruct"):
        ServerEngine(model_server, "gpt-9")


def test_a_url_that_is_not_the_base_url_says_what_to_give(model_server: str) -> None:
    from crossroads.engine.server_engine import ServerEngine

    with pytest.raises(ServerError, match="ends in /v1"):
        ServerEngine(model_server.removesuffix("/v1"))


@pytest.mark.parametrize("url", ["127.0.0.1:8080/v1", "ftp://127.0.0.1/v1", "http://"])
def test_something_that_is_not_a_server_url_is_refused_before_any_connection(url: str) -> None:
    from crossroads.engine.server_engine import ServerEngine

    with pytest.raises(InputError, match="not a server URL"):
        ServerEngine(url)


def test_an_error_the_server_returns_is_reported_in_its_own_words(model_server: str) -> None:
    from crossroads.engine.openai_http import Endpoint, HttpStatusError

    with pytest.raises(HttpStatusError, match=r"refused POST /v1/chat/completions \(HTTP 500: .*valid list") as info:
        Endpoint(model_server).request_json("POST", "/chat/completions", {"messages": "not a list"})
    assert info.value.status == 500


def test_a_web_server_that_is_not_a_model_server_is_told_apart_and_once_stopped_is_unreachable() -> None:
    import subprocess
    import sys
    import time

    from tests.conftest import free_port

    from crossroads.engine.server_engine import ServerEngine

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                ServerEngine(f"http://127.0.0.1:{port}/v1")
            except ServerError as exc:
                if "has no model list" in exc.message:  # up, and a web server, not a model server
                    break
            if time.monotonic() > deadline:
                pytest.fail("the stand-in web server did not start")
            time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    with pytest.raises(ServerError, match="Could not reach"):
        ServerEngine(f"http://127.0.0.1:{port}/v1")
