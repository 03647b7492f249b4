"""Defaults, the architecture check, the estimate and the refusal of runs that will not fit."""

from __future__ import annotations

import pytest

from crossroads.errors import InputError, ModelError
from crossroads.finetune.plan import (
    TARGET_MODULES,
    TrainSettings,
    check_architecture,
    choose_dtype,
    estimate,
    refuse_if_too_big,
)


def test_defaults_are_the_safe_cpu_recipe() -> None:
    s = TrainSettings()
    assert (s.rank, s.alpha, s.dropout, s.learning_rate, s.max_length) == (8, 16.0, 0.05, 2e-4, 256)
    assert "lm_head" not in TARGET_MODULES and "embed_tokens" not in TARGET_MODULES
    assert set(TARGET_MODULES) == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
    assert TrainSettings.from_dict({**s.to_dict(), "unknown": 1}) == s


def test_steps_come_from_epochs_and_accumulation_unless_given() -> None:
    assert TrainSettings(epochs=2, grad_accumulation=4).total_steps(10) == 6
    assert TrainSettings(max_steps=5).total_steps(1000) == 5


def test_nonsense_settings_are_refused() -> None:
    with pytest.raises(InputError):
        TrainSettings(learning_rate=0)
    with pytest.raises(InputError):
        TrainSettings(dtype="float16")


def test_supported_families_pass_and_others_are_refused_in_words() -> None:
    for arch in ("llama", "qwen2", "qwen3", "gemma3"):
        check_architecture(arch)
    with pytest.raises(ModelError, match="not supported for fine-tuning here"):
        check_architecture("rwkv6")


def test_the_estimate_scales_the_measured_step_and_refuses_what_does_not_fit() -> None:
    est = estimate(2.5, 40, peak_bytes=2_000_000_000, dtype="float32", available_bytes=8_000_000_000)
    assert est.total_seconds == 100 and est.fits and est.peak_bytes == 2_300_000_000
    refuse_if_too_big(est)
    tight = estimate(2.5, 40, peak_bytes=8_000_000_000, dtype="float32", available_bytes=1_000_000_000)
    assert not tight.fits
    with pytest.raises(ModelError, match=r"needs about 9\.2 GB"):
        refuse_if_too_big(tight)


def test_the_number_format_is_measured_or_forced() -> None:
    assert choose_dtype("float32") == "float32"
    assert choose_dtype("auto", size=128) in ("float32", "bfloat16")
