"""Shared fixtures. Real parts only: the real tiny GGUF, the real embedding model, real files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent
TEST_CHAT_MODEL = "smollm2-135m-instruct"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own user-data folder; the models folder stays the checkout's (pulled by make)."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("CROSSROADS_HOME", str(home))
    return home


def _catalog_path(name: str) -> Path:
    from crossroads.models.catalog import load_catalog

    entry = load_catalog().get(name)
    path = entry.local_path()
    if not path.exists():
        pytest.fail(f"model {name} is not pulled; run `make test` (it pulls the models) or "
                    f"`crossroads models pull {name}`")
    return path


@pytest.fixture(scope="session")
def tiny_model_path() -> Path:
    """The 135M GGUF the suite runs on: loads in a blink, real llama.cpp all the same."""
    return _catalog_path(TEST_CHAT_MODEL)


@pytest.fixture(scope="session")
def embedding_model_path() -> Path:
    return _catalog_path("all-minilm-l6-v2")


@pytest.fixture(scope="session")
def embedder(embedding_model_path: Path):
    from crossroads.rag.embedding import Embedder

    return Embedder(embedding_model_path)


POLICY_MD = (
    "# Parking\n\nStaff park in lot K7 behind the Zorbanian warehouse.\n\n"
    "# Travel\n\nThe Zorbanian travel allowance is 73 florins per day.\n"
)


@pytest.fixture(scope="session")
def policy_kb_dir(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """A knowledge base holding one small policy with facts no model can know; built once, shared read-only."""
    from crossroads.store import KnowledgeBase

    folder = tmp_path_factory.mktemp("client")
    (folder / "policy.md").write_text(POLICY_MD, encoding="utf-8")
    with KnowledgeBase.open(folder / "kb", create=True) as kb:
        kb.add_paths([folder / "policy.md"], embedder)
    return folder / "kb"


@pytest.fixture(scope="session")
def tiny_engine(tiny_model_path: Path):
    """One loaded tiny model for the tests that only ask questions of it."""
    from crossroads.engine.llama_engine import LlamaEngine

    engine = LlamaEngine(tiny_model_path, context_size=2048, threads=2, max_sequences=2)
    yield engine
    engine.close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on (for a moment: the caller binds it next)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_llama_server(args: list[str], log_path: Path) -> Iterator[str]:
    """Run llama-cpp-python's OpenAI-compatible server with ``args`` on a free port of 127.0.0.1 until the caller is
    done; its base URL."""
    import http.client
    import subprocess
    import sys
    import time

    port = free_port()
    with log_path.open("wb") as log:
        proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("fresh_llama_server.py")), *args],
                                stdout=log, stderr=subprocess.STDOUT,
                                env={**os.environ, "HOST": "127.0.0.1", "PORT": str(port)})  # also over a config file
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the model server exited ({proc.returncode}): {log_path.read_text()[-2000:]}")
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)  # direct: no proxy from the env
            try:
                conn.request("GET", "/v1/models")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            finally:
                conn.close()
            if time.monotonic() > deadline:
                pytest.fail(f"the model server did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.5)
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def model_server(tiny_model_path: Path, tmp_path_factory: pytest.TempPathFactory):
    """A real OpenAI-compatible server (llama-cpp-python's) serving the tiny model on 127.0.0.1; its base URL.

    ``--interrupt_requests False``: by default that server ends a streaming answer when another request comes,
    which would cut one column short when two are asked at once. It answers requests one after the other.
    ``--flash_attn True`` as the in-process engine: without it the numbers differ enough to change greedy answers.
    """
    pytest.importorskip("fastapi", reason="the server tests need the dev extra: pip install -e '.[dev]'")
    yield from start_llama_server(
        ["--model", str(tiny_model_path), "--model_alias", TEST_CHAT_MODEL, "--n_ctx", "2048", "--n_threads", "2",
         "--flash_attn", "True", "--interrupt_requests", "False", "--verbose", "False"],
        tmp_path_factory.mktemp("server") / "server.log",
    )


TUNED_SERVED_MODEL = "smollm2-tuned"  # the tiny model with tiny_lora_path applied, as model_server_with_lora serves it


@pytest.fixture(scope="session")
def model_server_with_lora(tiny_model_path: Path, tiny_lora_path: Path, tmp_path_factory: pytest.TempPathFactory):
    """A real server serving the tiny model twice, the way teams serve a fine-tuned model (vLLM --lora-modules,
    Ollama's ADAPTER): as TEST_CHAT_MODEL, and with the LoRA adapter applied as TUNED_SERVED_MODEL. Its base URL."""
    import json

    pytest.importorskip("fastapi", reason="the server tests need the dev extra: pip install -e '.[dev]'")
    folder = tmp_path_factory.mktemp("lora-server")
    common = {"model": str(tiny_model_path), "n_ctx": 2048, "n_threads": 2, "n_threads_batch": 2,
              "flash_attn": True, "verbose": False}
    config = {"interrupt_requests": False, "models": [
        {**common, "model_alias": TEST_CHAT_MODEL},
        {**common, "model_alias": TUNED_SERVED_MODEL, "lora_path": str(tiny_lora_path)},
    ]}
    (folder / "config.json").write_text(json.dumps(config))
    yield from start_llama_server(["--config_file", str(folder / "config.json")], folder / "server.log")


# -- a real PostgreSQL with pgvector ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL 16 with pgvector (the pgserver wheel's binaries) in a temporary data folder, on 127.0.0.1
    only, for the session; its base URL. As root it runs as "nobody" (see ``store.postgres.throwaway``)."""
    from crossroads.store.postgres.throwaway import throwaway_server

    server = throwaway_server()
    try:
        url = server.__enter__()
    except RuntimeError as exc:
        if os.environ.get("CI"):  # the CI machine has everything: a server that cannot start is a failure there
            raise
        pytest.skip(f"PostgreSQL (from the pgserver wheel) could not start: {exc}")
    try:
        yield url
    finally:
        server.__exit__(None, None, None)


@pytest.fixture
def postgres_kb_url(postgres_server: str) -> str:
    """The URL of a new, empty knowledge base on the test server (its own name, so its own schema)."""
    import uuid

    return f"{postgres_server}?kb=test-{uuid.uuid4().hex[:12]}"

# -- GGUF copies with other metadata ----------------------------------------------------------------------------

_GGUF_SCALAR_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


def _skip_gguf_value(data: bytes, pos: int, vtype: int) -> int:
    import struct

    if vtype in _GGUF_SCALAR_SIZES:
        return pos + _GGUF_SCALAR_SIZES[vtype]
    if vtype == 8:  # string
        return pos + 8 + struct.unpack_from("<Q", data, pos)[0]
    if vtype == 9:  # array
        itype, count = struct.unpack_from("<IQ", data, pos)
        pos += 12
        if itype in _GGUF_SCALAR_SIZES:
            return pos + count * _GGUF_SCALAR_SIZES[itype]
        for _ in range(count):
            pos = _skip_gguf_value(data, pos, itype)
        return pos
    raise ValueError(f"unknown GGUF value type {vtype}")


def write_gguf_with_string(source: Path, target: Path, key: str, value: str) -> Path:
    """A copy of ``source`` whose metadata ``key`` holds the string ``value`` (added if missing).

    The tensor data is copied byte for byte; only the header grows or shrinks, re-padded to the file's alignment
    (tensor offsets are relative to the start of the data, so they stay valid).
    """
    import struct

    data = source.read_bytes()
    assert data[:4] == b"GGUF"
    version, tensor_count, kv_count = struct.unpack_from("<IQQ", data, 4)
    pos = 24
    kvs: list[bytes] = []
    alignment = 32
    encoded_key = key.encode("utf-8")
    new_kv = struct.pack("<Q", len(encoded_key)) + encoded_key + struct.pack("<I", 8)
    new_kv += struct.pack("<Q", len(value.encode("utf-8"))) + value.encode("utf-8")
    replaced = False
    for _ in range(kv_count):
        start = pos
        n = struct.unpack_from("<Q", data, pos)[0]
        name = data[pos + 8 : pos + 8 + n].decode("utf-8")
        pos += 8 + n
        vtype = struct.unpack_from("<I", data, pos)[0]
        pos = _skip_gguf_value(data, pos + 4, vtype)
        if name == "general.alignment":
            alignment = struct.unpack_from("<I", data, pos - 4)[0]
        if name == key:
            kvs.append(new_kv)
            replaced = True
        else:
            kvs.append(data[start:pos])
    if not replaced:
        kvs.append(new_kv)
    infos_start = pos
    for _ in range(tensor_count):
        n = struct.unpack_from("<Q", data, pos)[0]
        pos += 8 + n
        dims = struct.unpack_from("<I", data, pos)[0]
        pos += 4 + 8 * dims + 4 + 8
    infos = data[infos_start:pos]
    data_start = -(-pos // alignment) * alignment
    header = b"GGUF" + struct.pack("<IQQ", version, tensor_count, len(kvs)) + b"".join(kvs) + infos
    padding = b"\0" * (-len(header) % alignment)
    with target.open("wb") as out:
        out.write(header + padding)
        out.write(memoryview(data)[data_start:])
    return target


@pytest.fixture(scope="session")
def tiny_model_with_template(tiny_model_path: Path, tmp_path_factory: pytest.TempPathFactory):
    """Copies of the tiny model carrying another ``tokenizer.chat_template``: ``make(name, template) -> Path``."""
    folder = tmp_path_factory.mktemp("templated-models")
    made: dict[str, Path] = {}

    def make(name: str, template: str) -> Path:
        if name not in made:
            made[name] = write_gguf_with_string(
                tiny_model_path, folder / f"{name}.gguf", "tokenizer.chat_template", template
            )
        return made[name]

    return make


# -- fine-tuned adapters (GGUF LoRA) for the tiny model ---------------------------------------------------------


@pytest.fixture(scope="session")
def tiny_lora_path(tiny_model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real LoRA adapter for the tiny model whose seeded, non-zero weights visibly change its greedy answers."""
    from engine.lora_fixture import write_lora

    return write_lora(tiny_model_path, tmp_path_factory.mktemp("adapters") / "tiny-lora.gguf")


@pytest.fixture(scope="session")
def tiny_zero_lora_path(tiny_model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real LoRA adapter that changes nothing: with it, the model must answer exactly as without."""
    from engine.lora_fixture import write_zero_lora

    return write_zero_lora(tiny_model_path, tmp_path_factory.mktemp("adapters") / "zero-lora.gguf")
