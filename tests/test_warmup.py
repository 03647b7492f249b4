"""Start-up warm-up imports every heavy library the app will need, so none is first imported mid-demo."""

from __future__ import annotations

import sys

import pytest

from crossroads import warmup
from crossroads.cancel import CancelToken
from crossroads.rag import embedding
from crossroads.warmup import HEAVY_MODULES, TORCH_STACK, heavy_modules, import_heavy_modules


def test_every_heavy_module_imports() -> None:
    assert import_heavy_modules() == []
    assert all(name in sys.modules for name in heavy_modules())


@pytest.mark.parametrize("bf16", [True, False])
def test_torch_is_warmed_only_where_it_embeds_the_passages(monkeypatch: pytest.MonkeyPatch, bf16: bool) -> None:
    """A CPU with native bf16 indexes with torch, so a folder dropped later must not import it mid-demo; on any
    other CPU ONNX Runtime embeds everything and torch's 3 s import at start would be wasted."""
    monkeypatch.setattr(embedding, "cpu_has_native_bf16", lambda: bf16)
    chosen = warmup.heavy_modules()
    assert (set(TORCH_STACK) <= set(chosen)) is bf16
    assert set(HEAVY_MODULES) - set(TORCH_STACK) <= set(chosen)


def test_without_onnx_runtime_torch_is_warmed_on_any_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedding, "cpu_has_native_bf16", lambda: False)
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # find_spec then raises; treat as missing
    assert set(TORCH_STACK) <= set(warmup.heavy_modules())


def test_a_cancelled_warm_up_stops_at_once() -> None:
    token = CancelToken()
    token.cancel()
    assert import_heavy_modules(token) == []


def test_no_import_starts_while_the_app_is_answering_and_cancel_still_stops_it() -> None:
    """The demo's first question may start while the warm-up runs; it then waits, not the question."""
    import threading

    answering = threading.Event()
    answering.set()
    token = CancelToken()
    polled = threading.Event()

    def busy() -> bool:
        polled.set()
        return answering.is_set()

    result: list[list[str]] = []
    worker = threading.Thread(target=lambda: result.append(import_heavy_modules(token, busy)))
    worker.start()
    assert polled.wait(5)
    worker.join(0.3)
    assert worker.is_alive()  # held before its first import, however long the answer takes
    answering.clear()
    worker.join(120)
    assert result == [[]]

    held = CancelToken()
    stuck = threading.Thread(target=lambda: import_heavy_modules(held, lambda: True))
    stuck.start()
    held.cancel()
    stuck.join(5)
    assert not stuck.is_alive()
