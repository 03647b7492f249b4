"""The parity check: llama.cpp with the GGUF adapter must reproduce the trained model; a damaged adapter must fail.

The damaged adapters are real GGUF files rewritten from the run's own adapter with the gguf library (lora_b zeroed,
its sign flipped, each block given its neighbour's matrices, alpha halved), checked by the same code the training
process runs, in its own process (``python -m crossroads.finetune.check``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.finetune import adapter_faults as faults

pytestmark = pytest.mark.slow


def _of(events, kind):  # type: ignore[no-untyped-def]
    return [e for e in events if isinstance(e, kind)]


def test_a_correctly_converted_adapter_passes_with_its_figures(trained) -> None:  # type: ignore[no-untyped-def]
    from crossroads.finetune import events as ev
    from crossroads.finetune.parity import MIN_EFFECT_AGREEMENT, SCALE_RANGE

    _job, events = trained
    verified = _of(events, ev.Verified)[0]
    assert verified.ok, verified.reason
    assert verified.effect_agreement >= verified.required_agreement
    assert verified.effect_to_gap > 3 and verified.required_agreement == MIN_EFFECT_AGREEMENT  # a strong effect
    assert SCALE_RANGE[0] <= verified.effect_scale <= SCALE_RANGE[1]
    assert verified.base_agreement > 0.99  # the quantisation gap: Q4 weights in llama.cpp, their fp32 in torch
    assert verified.top1 >= 0.8 and verified.positions > 0
    assert "adapter effect agreement" in verified.reason
    done = _of(events, ev.Done)[0]
    assert done.verified is True and done.parity["effect_agreement"] == verified.effect_agreement
    print(f"\nmeasured: {verified.reason} (scale {verified.effect_scale:.3f}, base gap cosine "
          f"{verified.base_agreement:.4f}, effect/gap {verified.effect_to_gap:.1f})")


@pytest.fixture(scope="module")
def rechecked(trained, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    """The check run again on the correct adapter and on damaged copies of it: {name: parity figures}."""
    job, _events = trained
    good = job.spec.adapter_gguf
    folder = tmp_path_factory.mktemp("damaged")
    alpha = job.spec.settings.alpha
    adapters = {
        "correct": good,
        "lora_b zeroed": faults.rewrite(good, folder / "zeroed.gguf", faults.zero_lora_b),
        "lora_b negated": faults.rewrite(good, folder / "negated.gguf", faults.negate_lora_b),
        "blocks shifted": faults.rewrite(good, folder / "shifted.gguf", faults.shift_blocks),
        "alpha halved": faults.rewrite(good, folder / "half.gguf", alpha=alpha / 2),
    }
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    result = subprocess.run([sys.executable, "-m", "crossroads.finetune.check", str(job.spec.work_dir / "job.json"),
                             *map(str, adapters.values())], capture_output=True, text=True, env=env, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    by_path = {json.loads(line)["adapter"]: json.loads(line)["parity"] for line in result.stdout.splitlines()}
    figures = {name: by_path[str(path)] for name, path in adapters.items()}
    print("\n" + "\n".join(f"{name}: {json.dumps(f)}" for name, f in figures.items()))
    return figures


def test_checking_the_same_adapter_again_passes(rechecked) -> None:  # type: ignore[no-untyped-def]
    assert rechecked["correct"]["ok"], rechecked["correct"]["reason"]


@pytest.mark.parametrize("fault", ["lora_b zeroed", "lora_b negated", "blocks shifted", "alpha halved"])
def test_a_damaged_adapter_fails_the_check(rechecked, fault: str) -> None:  # type: ignore[no-untyped-def]
    figures = rechecked[fault]
    assert not figures["ok"], figures
    assert figures["effect_agreement"] < rechecked["correct"]["effect_agreement"]
    assert "does not reproduce" in figures["reason"] or "differently" in figures["reason"]


def test_the_q_and_k_rows_are_permuted_back_as_llama_cpp_stores_them(tiny_model_path: Path) -> None:
    """transformers un-permutes llama's q/k rows on load, so a LoRA trained there must be permuted for llama.cpp.

    Real tensors: the GGUF's own q and k weights, through transformers' loader step and back through ours.
    """
    import gguf
    import numpy as np
    import torch
    from transformers.modeling_gguf_pytorch_utils import TENSOR_PROCESSORS

    from crossroads.finetune.adapter_gguf import _permute

    reader = gguf.GGUFReader(str(tiny_model_path))
    heads = int(reader.fields["llama.attention.head_count"].parts[-1][0])
    kv_heads = int(reader.fields["llama.attention.head_count_kv"].parts[-1][0])
    loader = TENSOR_PROCESSORS["llama"](config={"num_attention_heads": heads, "num_key_value_heads": kv_heads})
    for tensor in reader.tensors:
        if tensor.name not in ("blk.0.attn_q.weight", "blk.0.attn_k.weight"):
            continue
        stored = gguf.quants.dequantize(tensor.data, tensor.tensor_type).reshape(
            [int(n) for n in reversed(tensor.shape)])
        in_torch = loader.process(stored, tensor.name).weights
        assert not np.array_equal(in_torch, stored)  # the permutation is real
        back = _permute(torch.from_numpy(np.ascontiguousarray(in_torch)), heads,
                        heads if ".attn_q." in tensor.name else kv_heads)
        np.testing.assert_array_equal(back.numpy(), stored)
