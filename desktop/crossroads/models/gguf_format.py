"""Constants of the GGUF format, copied from ggml so reading a header needs neither numpy nor ``gguf``;
and a guess at what a file that is *not* a GGUF is, for a helpful message.

The tests compare these tables with the ``gguf`` package, so a drift is caught there.
"""

from __future__ import annotations

import struct

MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
DEFAULT_ALIGNMENT = 32

# GGUF value types -> struct format of one item (STRING=8 and ARRAY=9 are variable-sized).
STRING, ARRAY = 8, 9
SCALAR_FORMATS: dict[int, str] = {
    0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d",
}

# general.file_type -> the quantisation name people use ("Q4_K_M"); values from llama.h's llama_ftype.
FILE_TYPES: dict[int, str] = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K", 11: "Q3_K_S",
    12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K",
    19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S", 22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL",
    26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16",
    36: "TQ1_0", 37: "TQ2_0", 38: "MXFP4_MOE", 39: "NVFP4", 40: "Q1_0",
}

# ggml tensor type -> (name, elements per block, bytes per block); from ggml's type traits.
TENSOR_TYPES: dict[int, tuple[str, int, int]] = {
    0: ("F32", 1, 4), 1: ("F16", 1, 2), 2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20), 6: ("Q5_0", 32, 22),
    7: ("Q5_1", 32, 24), 8: ("Q8_0", 32, 34), 9: ("Q8_1", 32, 40), 10: ("Q2_K", 256, 84),
    11: ("Q3_K", 256, 110), 12: ("Q4_K", 256, 144), 13: ("Q5_K", 256, 176), 14: ("Q6_K", 256, 210),
    15: ("Q8_K", 256, 292), 16: ("IQ2_XXS", 256, 66), 17: ("IQ2_XS", 256, 74), 18: ("IQ3_XXS", 256, 98),
    19: ("IQ1_S", 256, 50), 20: ("IQ4_NL", 32, 18), 21: ("IQ3_S", 256, 110), 22: ("IQ2_S", 256, 82),
    23: ("IQ4_XS", 256, 136), 24: ("I8", 1, 1), 25: ("I16", 1, 2), 26: ("I32", 1, 4), 27: ("I64", 1, 8),
    28: ("F64", 1, 8), 29: ("IQ1_M", 256, 56), 30: ("BF16", 1, 2), 34: ("TQ1_0", 256, 54),
    35: ("TQ2_0", 256, 66), 39: ("MXFP4", 32, 17), 40: ("NVFP4", 64, 36), 41: ("Q1_0", 128, 18),
}

# First bytes of formats people mistake for GGUF, for a more helpful message.
OTHER_FORMATS: tuple[tuple[bytes, str], ...] = (
    (b"ggjt", "an old GGML model (before GGUF)"),
    (b"ggml", "an old GGML model (before GGUF)"),
    (b"ggmf", "an old GGML model (before GGUF)"),
    (b"tjgg", "an old GGML model (before GGUF)"),
    (b"lmgg", "an old GGML model (before GGUF)"),
    (b"PK\x03\x04", "a ZIP archive (a PyTorch checkpoint is one)"),
)


def guess_other_format(head: bytes, size: int) -> str | None:
    """Name what the file probably is, so the message helps more than "not a GGUF"."""
    for magic, what in OTHER_FORMATS:
        if head.startswith(magic):
            return what
    if len(head) >= 9 and head[8:9] == b"{" and struct.unpack_from("<Q", head)[0] < size:
        return "a safetensors file (convert it to GGUF with llama.cpp first)"
    if head and all(32 <= b < 127 or b in b"\t\r\n" for b in head):
        return "a text file"
    return None
