"""What build_bundle.py puts in each variant of the bundle (the freeze itself is checked by `make package-test`)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("build_bundle", REPO / "packaging" / "build_bundle.py")
assert _spec and _spec.loader
build_bundle = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_bundle)
CATALOG = REPO / "models" / "catalog.toml"


def test_the_full_bundle_carries_the_default_chat_model_and_the_embedder() -> None:
    assert build_bundle.default_models(CATALOG, chat=True) == ["qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
                                                               "all-MiniLM-L6-v2"]


def test_without_the_default_model_only_the_embedder_is_carried() -> None:
    assert build_bundle.default_models(CATALOG, chat=False) == ["all-MiniLM-L6-v2"]


@pytest.mark.parametrize(("variant", "suffix"), [(None, ""), ("full", ""), ("no-finetune", "-no-finetune"),
                                                 ("no-default-model+no-finetune", "-no-default-model+no-finetune")])
def test_a_variant_is_named_in_the_tarball_and_the_deb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        variant: str | None, suffix: str) -> None:
    monkeypatch.setattr(build_bundle, "APP", tmp_path)
    if variant is not None:
        (tmp_path / "VARIANT").write_text(variant + "\n")
    assert build_bundle.variant_suffix() == suffix


def test_only_the_bundled_embedder_s_onnx_export_travels(tmp_path: Path) -> None:
    """A test or a user may have exported other folders into the same cache (90 MB each): they stay behind."""
    cache = tmp_path / "models" / "cache" / "onnx"
    cache.mkdir(parents=True)
    for name in ("all-MiniLM-L6-v2-fp32-0c60d5fd.onnx", "all-MiniLM-L6-v2-int8-0c60d5fd.onnx",
                 "other-model-fp32-0c60d5fd.onnx"):
        (cache / name).write_bytes(b"graph")
    app = tmp_path / "app"
    copied = build_bundle.copy_onnx_exports(tmp_path / "models", app, ["qwen.gguf", "all-MiniLM-L6-v2"])
    assert [p.name for p in copied] == ["all-MiniLM-L6-v2-fp32-0c60d5fd.onnx"]
    assert sorted(p.name for p in (app / "cache" / "onnx").iterdir()) == ["all-MiniLM-L6-v2-fp32-0c60d5fd.onnx"]


@pytest.mark.parametrize("modules", ["bin", "llama_cpp/lib", None])
def test_a_llama_cpp_built_with_its_cpu_modules_is_not_compiled_again(tmp_path: Path, modules: str | None) -> None:
    """A source build puts libggml-cpu-*.so in site-packages/bin (ggml's install rules), not beside libllama: a
    check that looked only beside libllama compiled llama.cpp again (about five minutes) on every `make package`."""
    import sys

    site = tmp_path / "site-packages"
    (site / "llama_cpp" / "lib").mkdir(parents=True)
    (site / "llama_cpp" / "__init__.py").write_text("")
    if modules is not None:
        (site / modules).mkdir(parents=True, exist_ok=True)
        (site / modules / "libggml-cpu-x64.so").write_bytes(b"\x7fELF")
    python = tmp_path / "python"
    python.write_text(f'#!/bin/sh\nPYTHONPATH="{site}" exec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    assert build_bundle.baseline_llama_built(python) is (modules is not None)
