"""all-MiniLM-L6-v2 written as a llama.cpp GGUF (architecture ``bert``), for measuring llama.cpp as an embedder.

Written with ``gguf`` (ggml-org's own GGUF library, already a dependency for the adapter converter) instead of
llama.cpp's ``convert_hf_to_gguf.py``: that script is not in any wheel we install, and the one package that
carries it also carries its own copy of ``gguf``, which would replace ours. A BERT encoder needs little: the
hyper-parameters, the WordPiece vocabulary in llama.cpp's "phantom space" form (a word start gets "▁", a
continuation loses its "##"), the special tokens, mean pooling, and the tensors under llama.cpp's names, which
``gguf``'s own name map gives. Matrices are stored as float32 or float16; biases, norms and the
position and token-type tables stay float32, as llama.cpp's own converter keeps them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

SPECIAL = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
KEEP_F32 = ("position_embd.weight", "token_types.weight")  # llama.cpp adds these to float32 rows


def convert(folder: Path, out: Path, dtype: str = "f16") -> Path:
    """Write ``folder`` (a sentence-transformers MiniLM folder) to ``out`` once; an existing file is reused."""
    import gguf
    from safetensors.numpy import load_file

    if out.is_file():
        return out
    if dtype not in ("f32", "f16"):
        raise ValueError(f"unsupported type {dtype!r}: f32 or f16")
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    pooling = json.loads((folder / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    if not pooling.get("pooling_mode_mean_tokens"):
        raise ValueError("only mean pooling is converted (all-MiniLM-L6-v2's)")
    blocks = int(config["num_hidden_layers"])

    tmp = out.with_suffix(".part")
    writer = gguf.GGUFWriter(str(tmp), gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.BERT])
    writer.add_name(folder.name)
    writer.add_context_length(int(config["max_position_embeddings"]))
    writer.add_embedding_length(int(config["hidden_size"]))
    writer.add_feed_forward_length(int(config["intermediate_size"]))
    writer.add_block_count(blocks)
    writer.add_head_count(int(config["num_attention_heads"]))
    writer.add_layer_norm_eps(float(config["layer_norm_eps"]))
    writer.add_causal_attention(False)
    writer.add_pooling_type(gguf.PoolingType.MEAN)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if dtype == "f16" else gguf.LlamaFileType.ALL_F32)

    vocab = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
    types = [gguf.TokenType.CONTROL if t in SPECIAL else gguf.TokenType.NORMAL for t in vocab]
    tokens = [t if k == gguf.TokenType.CONTROL else (t[2:] if t.startswith("##") else "\u2581" + t)
              for t, k in zip(vocab, types, strict=True)]
    writer.add_token_type_count(int(config.get("type_vocab_size", 1)))
    writer.add_tokenizer_model("bert")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    gguf.SpecialVocab(folder, n_vocab=len(tokens)).add_to_gguf(writer)

    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.BERT, blocks)
    for name, tensor in load_file(str(folder / "model.safetensors")).items():
        name = name.removeprefix("bert.")
        if name in ("embeddings.position_ids",) or name.startswith("pooler."):
            continue  # mean pooling does not use BERT's pooler; position ids are implicit
        target = names.get_name(name, try_suffixes=(".weight", ".bias"))
        if target is None:
            raise ValueError(f"no llama.cpp name for tensor {name!r}")
        half = dtype == "f16" and tensor.ndim == 2 and target not in KEEP_F32
        data = tensor.astype(np.float16 if half else np.float32)
        writer.add_tensor(target, data)

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    tmp.replace(out)
    return out
