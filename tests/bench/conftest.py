"""The bench scripts are not a package: each test module loads the script it specifies by path."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]


def bench_script(name: str) -> Iterator[ModuleType]:
    """``bench/<name>.py`` as a module, registered under its name while a test module uses it (dataclasses look
    their module up by name), for a module-scoped fixture to yield."""
    spec = importlib.util.spec_from_file_location(name, REPO / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[name]


@pytest.fixture(scope="module")
def harness() -> Iterator[ModuleType]:
    """``bench/eval_quality.py``: the quality harness."""
    yield from bench_script("eval_quality")


@pytest.fixture(scope="module")
def support() -> Iterator[ModuleType]:
    """``bench/eval_support.py``: the support-marks check."""
    yield from bench_script("eval_support")


@pytest.fixture(scope="module")
def writer() -> Iterator[ModuleType]:
    """``bench/_minilm_gguf.py``: the MiniLM → GGUF writer."""
    yield from bench_script("_minilm_gguf")


@pytest.fixture(scope="module")
def position() -> Iterator[ModuleType]:
    """``bench/eval_position.py``: where the answer sat in what the model read."""
    yield from bench_script("eval_position")
