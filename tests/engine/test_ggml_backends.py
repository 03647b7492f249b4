"""llama.cpp's CPU backend is registered before a model loads, whether it is linked in (the default build) or built
as loadable modules chosen at run time for the CPU (the bundle's baseline build)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crossroads.engine import ggml_backends
from crossroads.engine.llama_engine import LlamaEngine


def test_the_cpu_backend_is_registered_after_ensure_loaded() -> None:
    names = ggml_backends.ensure_loaded()
    assert "CPU" in names
    assert ggml_backends.ensure_loaded() == names, "a second call loads nothing more"


def test_the_library_folder_is_llama_cpp_pythons() -> None:
    folder = ggml_backends.library_dir()
    assert any(folder.glob("libllama*")) or any(folder.glob("llama.dll"))


def test_a_model_loads_and_the_cpu_variant_in_use_is_known_when_built_as_modules(tiny_model_path: Path) -> None:
    engine = LlamaEngine(tiny_model_path, context_size=512, threads=1, max_sequences=1)
    try:
        variant = ggml_backends.loaded_cpu_variant()
        modules = [m for folder in ggml_backends.module_dirs() for m in folder.glob("libggml-cpu-*.so")]
        if modules:  # the baseline build: one of its variants was chosen for this CPU
            assert variant in {m.name for m in modules}
        else:  # the default build links its CPU backend in
            assert variant in (None, "libggml-cpu.so")
    finally:
        engine.close()


_FORCED = """
from crossroads.engine import ggml_backends
from crossroads.engine.llama_engine import LlamaEngine
engine = LlamaEngine(r"{model}", context_size=512, threads=1, max_sequences=1)
print(ggml_backends.loaded_cpu_variant())
engine.close()
"""


@pytest.mark.skipif(not any(m for d in ggml_backends.module_dirs() for m in d.glob("libggml-cpu-x64.so")),
                    reason="llama.cpp is not the baseline build (no CPU backend modules)")
def test_the_baseline_x64_kernels_can_be_forced_and_load_a_model(tiny_model_path: Path) -> None:
    env = {**os.environ, ggml_backends.FORCE_ENV: "x64"}
    done = subprocess.run([sys.executable, "-c", _FORCED.format(model=tiny_model_path)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("libggml-cpu-x64.so")


def test_the_kernels_in_use_are_named_for_support_and_logged_once(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert ggml_backends.cpu_kernels_name("libggml-cpu-haswell.so") == "haswell"
    assert ggml_backends.cpu_kernels_name("libggml-cpu-x64.so") == "x64"
    assert ggml_backends.cpu_kernels_name("libggml-cpu.so").startswith("native")
    assert ggml_backends.cpu_kernels_name(None).startswith("native")
    monkeypatch.setattr(ggml_backends, "_logged", False)
    with caplog.at_level("INFO", logger="crossroads.engine.ggml_backends"):
        names = ggml_backends.ensure_loaded()
        ggml_backends.ensure_loaded()
    lines = [r.getMessage() for r in caplog.records if r.name == "crossroads.engine.ggml_backends"]
    assert len(lines) == 1
    assert lines[0].startswith(f"llama.cpp backends: {', '.join(names)}; CPU kernels: ")
