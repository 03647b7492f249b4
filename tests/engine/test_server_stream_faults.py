"""What other servers do that llama-cpp-python's does not, played by a scripted stand-in on 127.0.0.1 (faults and
protocol variants only; the real server is in test_server_engine): a ``usage`` chunk, an error inside the stream, a
connection dropped mid-answer, an HTTP error to a streamed request, several served models."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crossroads.engine.chat_template import Message
from crossroads.engine.events import SamplingParams, SequenceDone, TokenText
from crossroads.errors import ServerError

PROMPT = [Message("system", "Be brief."), Message("user", "What is the capital of France?")]


def _chunk(content: str | None = None, finish: str | None = None) -> dict:
    delta = {"content": content} if content is not None else {}
    return {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


SCRIPTS = {
    "usage": [_chunk("Paris"), _chunk("."), _chunk(finish="stop"),
              {"choices": [], "usage": {"prompt_tokens": 21, "completion_tokens": 2, "total_tokens": 23}}],
    "error": [_chunk("Par"), {"error": {"message": "CUDA out of memory", "code": 500}}],
    "drop": [_chunk("Par")],  # then the connection is closed without [DONE]
}


class _Handler(BaseHTTPRequestHandler):
    models: list[str] = ["served-model"]  # noqa: RUF012 - set per server below
    script = "usage"
    status = 200
    tokenize = False

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _json(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/v1/models":
            self._json(200, {"object": "list", "data": [{"id": m} for m in self.models]})
        else:
            self._json(404, {"detail": "Not Found"})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path == "/tokenize" and self.tokenize:  # llama.cpp's server: one token per word, for the test
            self._json(200, {"tokens": list(range(len(body["content"].split())))})
            return
        if self.path != "/v1/chat/completions":
            self._json(404, {"detail": "Not Found"})
            return
        if self.status != 200:
            self._json(self.status, {"error": {"message": f"model '{body['model']}' is loading, try later"}})
            return
        assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for chunk in SCRIPTS[self.script]:
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
        if self.script != "drop":
            self.wfile.write(b"data: [DONE]\n\n")
        self.close_connection = True


@pytest.fixture
def stand_in() -> Iterator[type[_Handler]]:
    handler = type("Handler", (_Handler,), {"models": ["served-model"], "script": "usage", "status": 200})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}/v1"  # type: ignore[attr-defined]
    yield handler
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def _engine(stand_in, **kwargs):  # type: ignore[no-untyped-def]
    from crossroads.engine.server_engine import ServerEngine

    return ServerEngine(stand_in.url, **kwargs)


def test_a_server_that_reports_usage_gives_exact_counts_not_estimates(stand_in) -> None:
    events = list(_engine(stand_in).generate([PROMPT], SamplingParams(max_tokens=8)))
    assert [e.text for e in events if isinstance(e, TokenText)] == ["Paris", "."]
    done = events[-1]
    assert isinstance(done, SequenceDone) and done.text == "Paris." and done.finish_reason == "stop"
    t = done.timings
    assert (t.prompt_tokens, t.completion_tokens, t.estimated) == (21, 2, False)
    assert "counts_estimated" not in t.to_dict()


def test_without_a_tokenizer_endpoint_prompt_budgets_use_the_estimate(stand_in) -> None:
    from crossroads.engine.server_engine import estimate_tokens

    engine = _engine(stand_in)
    assert engine.count_tokens("The fee is 40 euros.") == estimate_tokens("The fee is 40 euros.")
    assert not engine.exact_token_counts


def test_a_servers_tokenize_endpoint_counts_the_tokens_for_prompt_budgets(stand_in) -> None:
    stand_in.tokenize = True
    engine = _engine(stand_in)
    assert engine.count_tokens("The fee is 40 euros.") == 5
    assert engine.exact_token_counts


def test_an_error_inside_the_stream_is_one_plain_server_error(stand_in) -> None:
    stand_in.script = "error"
    with pytest.raises(ServerError, match="stopped with an error: CUDA out of memory"):
        list(_engine(stand_in).generate([PROMPT], SamplingParams(max_tokens=8)))


def test_a_connection_dropped_mid_answer_ends_the_answer_with_what_came_marked_as_cut(stand_in) -> None:
    stand_in.script = "drop"
    done = list(_engine(stand_in).generate([PROMPT], SamplingParams(max_tokens=8)))[-1]
    assert isinstance(done, SequenceDone) and done.text == "Par" and done.finish_reason == "error"


def test_an_http_error_to_a_question_is_reported_in_the_servers_words(stand_in) -> None:
    engine = _engine(stand_in)
    stand_in.status = 503
    with pytest.raises(ServerError, match=r"HTTP 503: model 'served-model' is loading, try later"):
        list(engine.generate([PROMPT], SamplingParams(max_tokens=8)))


def test_a_server_with_several_models_needs_one_named(stand_in) -> None:
    stand_in.models = ["llama-3-8b", "qwen2-7b"]
    with pytest.raises(ServerError, match=r"serves 2 models; name one with --model\. It serves: llama-3-8b, qwen2-7b"):
        _engine(stand_in)
    assert _engine(stand_in, model="qwen2-7b").location == f"{stand_in.url} (model qwen2-7b)"


def test_an_api_key_is_sent_as_a_bearer_token(stand_in) -> None:
    seen: list[str | None] = []
    original = stand_in.do_GET

    def do_get(self) -> None:  # type: ignore[no-untyped-def]
        seen.append(self.headers.get("Authorization"))
        original(self)

    stand_in.do_GET = do_get
    _engine(stand_in, api_key="s3cret")
    assert seen[0] == "Bearer s3cret"
