"""The verdict rule of the parity check, on logits with a known relation between the two sides."""

from __future__ import annotations

import numpy as np

from crossroads.finetune.parity import compare, verdict_cell, verdict_text

VOCAB, POSITIONS = 500, 12


def _sides(effect: float, llama_scale: float, noise: float, seed: int = 0):  # type: ignore[no-untyped-def]
    """Torch base logits, an adapter effect, and llama.cpp's copy of both with quantisation-like noise."""
    rng = np.random.default_rng(seed)
    base = rng.normal(0, 3, (POSITIONS, VOCAB))
    delta = rng.normal(0, effect, (POSITIONS, VOCAB))
    tokens = (base + delta).argmax(axis=1)
    delta[np.arange(POSITIONS), tokens] += 5 * max(effect, 1)  # the trained answer stands out
    llama_base = base + rng.normal(0, noise, base.shape) + 7.0  # a constant shift changes no probability
    llama_tuned = llama_base + llama_scale * delta
    return [base], [base + delta], [llama_base], [llama_tuned], [list((base + delta).argmax(axis=1))]


def test_the_same_effect_under_quantisation_noise_passes() -> None:
    parity = compare(*_sides(effect=1.0, llama_scale=1.0, noise=0.1))
    assert parity.ok, parity.reason
    assert parity.effect_agreement > 0.99 and abs(parity.effect_scale - 1) < 0.02 and parity.top1 == 1.0
    assert parity.effect_to_gap > 1
    assert verdict_text(True, parity.to_dict()).startswith("Verified: llama.cpp reproduces the fine-tuned model")
    assert verdict_cell(True, parity.to_dict()) == f"yes ({parity.effect_agreement:.2f})"


def test_an_adapter_applied_at_half_its_size_fails_on_the_scale() -> None:
    parity = compare(*_sides(effect=1.0, llama_scale=0.5, noise=0.1))
    assert not parity.ok
    assert abs(parity.effect_scale - 0.5) < 0.02 and "0.50x" in parity.reason


def test_an_adapter_llama_cpp_does_not_apply_fails() -> None:
    parity = compare(*_sides(effect=1.0, llama_scale=0.0, noise=0.1))
    assert not parity.ok and abs(parity.effect_agreement) < 0.1


def test_a_weak_effect_is_allowed_the_disagreement_quantisation_noise_causes() -> None:
    from crossroads.finetune.parity import MIN_EFFECT_AGREEMENT, required_agreement

    assert required_agreement(10.0) == MIN_EFFECT_AGREEMENT
    assert 0.82 < required_agreement(2.9) < 0.83  # a correct adapter measured 0.92 there
    assert required_agreement(1.0) < required_agreement(2.0) < required_agreement(4.0)


def test_an_effect_smaller_than_quantisation_noise_is_judged_on_the_tokens_alone() -> None:
    parity = compare(*_sides(effect=0.05, llama_scale=0.0, noise=0.5))
    assert parity.effect_to_gap < 1
    assert parity.ok == (parity.top1 >= 0.8 and parity.in_top_k >= 0.95)
    assert "less than quantisation" in parity.reason or "does not reproduce" in parity.reason
    verdict = "yes" if parity.ok else "no"
    assert verdict_cell(parity.ok, parity.to_dict()) == f"{verdict} (answers)"  # no agreement figure: it is noise


def test_no_check_questions_says_so() -> None:
    assert verdict_text(None, None) == "Not checked in llama.cpp (no check questions)."
    assert verdict_cell(None, None) == "not checked"
