"""The app's workspace on a model server (a real llama-cpp-python server on the tiny model, 127.0.0.1): it switches
to the server and back, answers through it with and without documents, keeps the local model when the server is
wrong, refuses the fine-tuned modes with the reason, and lets the status bar's counter expect only that server."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from tests.conftest import TEST_CHAT_MODEL, free_port

from crossroads import netwatch
from crossroads.config import Settings
from crossroads.errors import InputError, ModelError, ServerError
from crossroads.workspace import Workspace, list_served_models, server_address

pytestmark = pytest.mark.slow

SETTINGS = Settings(max_tokens=12, threads=2, context_size=2048, temperature=0.0)
POLICY = "# Travel\n\nThe Zorbanian travel allowance is 73 florins per day.\n"


@pytest.fixture
def workspace(tiny_model_path: Path):  # type: ignore[no-untyped-def]
    ws = Workspace(SETTINGS)
    ws.load_model(str(tiny_model_path))
    yield ws
    ws.close()
    netwatch.allow_server(None)


def test_it_switches_to_the_server_answers_there_and_switches_back(
    workspace: Workspace, model_server: str, tiny_model_path: Path, tmp_path: Path
) -> None:
    local = workspace.ask("What is two plus two?", ["plain"], None).answers[0].text
    summary = workspace.use_server(model_server)  # no model named: the one it serves
    host, port = server_address(model_server)
    assert (summary.name, summary.base_url, summary.host, summary.port) == (TEST_CHAT_MODEL, model_server, host, port)
    assert summary.address == f"127.0.0.1:{port}" and summary.on_this_computer
    assert workspace.server == summary and workspace.model is None
    assert netwatch.allowed_server() == f"127.0.0.1:{port}"

    # Same GGUF, greedy: the server gives the in-process answer, and the documents reach it too.
    served = workspace.ask("What is two plus two?", ["plain"], None)
    assert served.answers[0].text == local
    (tmp_path / "policy.md").write_text(POLICY, encoding="utf-8")
    kb = workspace.open_kb("acme")
    workspace.index(kb, [tmp_path / "policy.md"])
    comparison = workspace.ask("What is the travel allowance?", ["plain", "rag"], kb)
    assert [a.mode for a in comparison.answers] == ["plain", "rag"]
    assert all(a.text for a in comparison.answers)  # (the tiny model's wording is its own business)
    assert comparison.answers[1].sources[0].path.endswith("policy.md")

    back = workspace.load_model(str(tiny_model_path))
    assert workspace.model == back and workspace.server is None
    assert netwatch.allowed_server() is None
    assert workspace.ask("What is two plus two?", ["plain"], None).answers[0].text == local


def test_an_unreachable_server_says_so_and_the_local_model_stays(workspace: Workspace) -> None:
    before = workspace.model
    closed = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(ServerError, match=r"Could not reach the model server at .*connection refused"):
        workspace.use_server(closed, "anything")
    with pytest.raises(ServerError, match="Could not reach"):
        workspace.use_server(closed)  # listing its models is the first thing that fails
    assert workspace.model == before and workspace.server is None
    assert netwatch.allowed_server() is None
    assert workspace.ask("Say hello.", ["plain"], None).answers[0].text


def test_a_wrong_url_or_an_unknown_model_says_so_and_the_local_model_stays(
    workspace: Workspace, model_server: str
) -> None:
    before = workspace.model
    with pytest.raises(InputError, match="is not a server URL"):
        workspace.use_server("127.0.0.1:8080")
    with pytest.raises(ServerError, match=f"does not serve a model called 'nope'. It serves: {TEST_CHAT_MODEL}"):
        workspace.use_server(model_server, "nope")
    root = model_server.removesuffix("/v1") + "/nothing-here"
    with pytest.raises(ModelError, match="is it an OpenAI-compatible base URL"):
        workspace.use_server(root)
    assert workspace.model == before and workspace.server is None


def test_the_served_models_are_listed_for_a_test_connection(model_server: str) -> None:
    assert list_served_models(model_server) == [TEST_CHAT_MODEL]
    with pytest.raises(ServerError, match="Could not reach"):
        list_served_models(f"http://127.0.0.1:{free_port()}/v1")


def test_the_fine_tuned_modes_are_refused_with_a_server_and_its_adapter_dropped(
    workspace: Workspace, model_server: str, tiny_lora_path: Path
) -> None:
    workspace.load_adapter(tiny_lora_path)
    assert workspace.adapter is not None
    summary = workspace.use_server(model_server, TEST_CHAT_MODEL)
    assert workspace.adapter is None  # it was applied to the local model, now closed
    with pytest.raises(ModelError, match=f"model runs on the server at {summary.address}"):
        workspace.load_adapter(tiny_lora_path)
    with pytest.raises(InputError, match="a local adapter cannot be applied there"):
        workspace.ask("Hello?", ["plain", "finetuned"], None)
    with pytest.raises(ModelError, match="needs the model on this computer"):
        workspace.chat_engine()  # the Fine-tune tab's data comes from the local model
    assert workspace.ask("Hello?", ["plain"], None).answers[0].text


def test_netwatch_expects_exactly_the_server_in_use(monkeypatch: pytest.MonkeyPatch) -> None:
    netwatch.install()
    monkeypatch.setitem(netwatch._state, "attempts", netwatch.attempts())  # the fake events are undone after
    monkeypatch.setitem(netwatch._state, "last", netwatch.last_attempt())
    before = netwatch.attempts()
    netwatch.allow_server("192.0.2.7", 8080)
    try:
        # The audit events alone, as Python raises them just before connecting: no packet leaves this test.
        sys.audit("socket.connect", None, ("192.0.2.7", 8080))
        assert netwatch.attempts() == before
        sys.audit("socket.connect", None, ("192.0.2.7", 443))  # another port on the same host
        sys.audit("socket.connect", None, ("192.0.2.8", 8080))  # another host on the same port
        assert netwatch.attempts() == before + 2
        assert "192.0.2.8" in netwatch.last_attempt()
        with netwatch.trying_server("192.0.2.9", 80):  # a server being tested is expected only meanwhile
            sys.audit("socket.connect", None, ("192.0.2.9", 80))
        assert netwatch.attempts() == before + 2
        sys.audit("socket.connect", None, ("192.0.2.9", 80))
        assert netwatch.attempts() == before + 3
    finally:
        netwatch.allow_server(None)
    sys.audit("socket.connect", None, ("192.0.2.7", 8080))  # no server in use: it counts again
    assert netwatch.attempts() == before + 4


def test_the_api_key_comes_from_the_same_variable_as_the_command_lines() -> None:
    from crossroads.cli._session import SERVER_API_KEY_ENV as CLI_ENV
    from crossroads.workspace import SERVER_API_KEY_ENV

    assert SERVER_API_KEY_ENV == CLI_ENV


def test_the_api_key_typed_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from crossroads.workspace import SERVER_API_KEY_ENV, server_api_key

    monkeypatch.setenv(SERVER_API_KEY_ENV, "from-env")
    assert server_api_key(None) == "from-env" and server_api_key("") == "from-env"
    assert server_api_key("typed") == "typed"
    monkeypatch.delenv(SERVER_API_KEY_ENV)
    assert server_api_key(None) is None


def test_the_servers_fine_tuned_model_answers_the_fine_tuned_modes_until_it_is_removed(
    model_server_with_lora: str,
) -> None:
    from tests.conftest import TEST_CHAT_MODEL, TUNED_SERVED_MODEL

    workspace = Workspace(Settings(max_tokens=8, context_size=2048))
    try:
        summary = workspace.use_server(model_server_with_lora, TEST_CHAT_MODEL, finetuned_model=TUNED_SERVED_MODEL)
        assert summary.finetuned_model == TUNED_SERVED_MODEL
        adapter = workspace.adapter
        assert adapter is not None and (adapter.name, adapter.path, adapter.kind) == (TUNED_SERVED_MODEL, None,
                                                                                      "served")
        comparison = workspace.ask("What is two plus two?", ["plain", "finetuned"], None)
        assert [a.mode for a in comparison.answers] == ["plain", "finetuned"]
        assert comparison.adapter_name == TUNED_SERVED_MODEL
        workspace.unload_adapter()
        assert workspace.adapter is None and workspace.server is not None
        assert workspace.server.finetuned_model is None
        with pytest.raises(InputError, match="a local adapter cannot be applied there"):
            workspace.ask("Hello?", ["plain", "finetuned"], None)
    finally:
        workspace.close()
