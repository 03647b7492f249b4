"""What a GGUF file is (architecture, size, quantisation, context, template) and whether it is whole.

A hand-written reader of the header: the ``gguf`` package's ``GGUFReader`` builds a numpy view per vocabulary
entry and takes seconds on a 500 MB model; this one walks the same bytes in tens of milliseconds (numbers in
the tests' notes), skips big arrays without building them, and never trusts a length further than the file
goes, so garbage raises ``ModelError`` instead of hanging or allocating gigabytes.
"""

from __future__ import annotations

import mmap
import os
import struct
from collections import Counter
from dataclasses import dataclass, field
from math import prod
from pathlib import Path
from typing import Any

from crossroads.errors import ModelError
from crossroads.models import gguf_format as fmt

Scalar = int | float | bool | str
_STRUCTS = {code: struct.Struct("<" + f) for code, f in fmt.SCALAR_FORMATS.items()}
_U32, _U64 = _STRUCTS[4], _STRUCTS[10]
_MAX_DIMS = 8  # ggml has 4; anything above this is garbage
_SMALL_ARRAY = 4096  # numeric arrays up to this many items are read (per-layer head counts)


@dataclass(frozen=True)
class GGUFInfo:
    path: Path
    file_size: int
    version: int
    architecture: str
    name: str | None
    parameters: int | None
    quantisation: str | None
    context_length: int | None
    block_count: int | None
    embedding_length: int | None
    head_count: int | None
    head_count_kv: int | None
    chat_template: str | None = field(default=None, repr=False)
    bos_token: str | None = None
    eos_token: str | None = None
    vocab_size: int | None = None
    tensor_count: int = 0
    metadata: dict[str, Scalar] = field(default_factory=dict, repr=False, hash=False, compare=False)


class _Corrupt(Exception):
    """The header contradicts itself or runs past the end of the file."""


class _Cursor:
    def __init__(self, buf: mmap.mmap, end: int) -> None:
        self.buf, self.end, self.pos = buf, end, 0

    def need(self, n: int) -> None:
        if n < 0 or self.pos + n > self.end:
            raise _Corrupt("it ends in the middle of its header")

    def scalar(self, code: int) -> Any:
        s = _STRUCTS[code]
        self.need(s.size)
        value = s.unpack_from(self.buf, self.pos)[0]
        self.pos += s.size
        return value

    def u32(self) -> int:
        return int(self.scalar(4))

    def u64(self) -> int:
        return int(self.scalar(10))

    def raw_string(self) -> bytes:
        n = self.u64()
        self.need(n)
        raw = self.buf[self.pos : self.pos + n]
        self.pos += n
        return raw

    def string(self) -> str:
        return self.raw_string().decode("utf-8", "replace")

    def value(self, vtype: int) -> Scalar:
        if vtype == fmt.STRING:
            return self.string()
        if vtype not in _STRUCTS:
            raise _Corrupt(f"it holds a value of unknown type {vtype}")
        return self.scalar(vtype)  # type: ignore[no-any-return]

    def walk_strings(self, count: int, wanted: frozenset[int] = frozenset()) -> dict[int, bytes]:
        """Step over ``count`` length-prefixed strings, keeping only the ones at ``wanted`` indexes."""
        if count > (self.end - self.pos) // 8:
            raise _Corrupt("an array is longer than the file")
        buf, pos, end, unpack, found = self.buf, self.pos, self.end, _U64.unpack_from, {}
        for i in range(count):
            if pos + 8 > end:
                raise _Corrupt("it ends in the middle of its header")
            n = unpack(buf, pos)[0]
            pos += 8
            if i in wanted and pos + n <= end:
                found[i] = buf[pos : pos + n]
            pos += n
        if pos > end:
            raise _Corrupt("it ends in the middle of its header")
        self.pos = pos
        return found

    def skip_array(self, itype: int, count: int, depth: int = 0) -> None:
        if itype in _STRUCTS:
            self.need(_STRUCTS[itype].size * count)
            self.pos += _STRUCTS[itype].size * count
        elif itype == fmt.STRING:
            self.walk_strings(count)
        elif itype == fmt.ARRAY and depth < 3:
            if count > (self.end - self.pos) // 12:
                raise _Corrupt("an array is longer than the file")
            for _ in range(count):
                inner, n = self.u32(), self.u64()
                self.skip_array(inner, n, depth + 1)
        else:
            raise _Corrupt(f"it holds an array of unknown type {itype}")


def is_gguf(path: Path) -> bool:
    """Four bytes decide: the cheap test discovery uses on every candidate file."""
    try:
        with open(path, "rb") as f:
            return f.read(4) == fmt.MAGIC
    except OSError:
        return False


def read_gguf_info(path: Path) -> GGUFInfo:
    path = Path(path)
    label = path.name or str(path)
    try:
        if path.is_dir():
            raise ModelError(f"{path} is a folder, not a GGUF model file.")
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            head = f.read(16)
            _check_start(label, head, size)
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
                return _parse(path, buf, size)
    except FileNotFoundError as exc:
        raise ModelError(f"There is no model file at {path}.") from exc
    except PermissionError as exc:
        raise ModelError(f"Crossroads is not allowed to read {path}.") from exc
    except IsADirectoryError as exc:
        raise ModelError(f"{path} is a folder, not a GGUF model file.") from exc
    except _Corrupt as exc:
        raise ModelError(f"{label} is damaged or incomplete: {exc}. If you downloaded it, download it "
                         "again.") from exc
    except (OSError, ValueError) as exc:
        raise ModelError(f"{label} cannot be read as a model: {exc}.") from exc


def _check_start(label: str, head: bytes, size: int) -> None:
    if size == 0:
        raise ModelError(f"{label} is empty (0 bytes), so it is not a model.")
    if head[:4] != fmt.MAGIC:
        kind = fmt.guess_other_format(head, size)
        what = f"It looks like {kind}. " if kind else ""
        raise ModelError(f"{label} is not a GGUF model file. {what}Crossroads runs GGUF models "
                         "(the format of llama.cpp, LM Studio and Ollama).")
    if size < 24:
        raise _Corrupt("it ends in the middle of its header")
    version = struct.unpack_from("<I", head, 4)[0]
    if version in fmt.SUPPORTED_VERSIONS:
        return
    if struct.unpack_from(">I", head, 4)[0] in fmt.SUPPORTED_VERSIONS:
        raise ModelError(f"{label} is a GGUF file for big-endian computers; this computer needs the usual "
                         "(little-endian) kind.")
    if version == 1:
        raise ModelError(f"{label} uses the first GGUF version, which is too old; get a newer copy of the "
                         "model.")
    if version < 1000:
        raise ModelError(f"{label} uses GGUF version {version}, newer than this Crossroads understands; "
                         "update Crossroads.")
    raise _Corrupt("its version number is garbage")


def _parse(path: Path, buf: mmap.mmap, size: int) -> GGUFInfo:
    cur = _Cursor(buf, size)
    cur.pos = 4
    version, tensor_count, kv_count = cur.u32(), cur.u64(), cur.u64()
    remaining = size - cur.pos
    if kv_count > remaining // 13 or tensor_count > remaining // 24:
        raise _Corrupt("its header announces more entries than the file holds")

    meta: dict[str, Scalar] = {}
    small_arrays: dict[str, tuple[Any, ...]] = {}
    tokens_at: tuple[int, int] | None = None
    for _ in range(kv_count):
        key = cur.string()
        vtype = cur.u32()
        if vtype != fmt.ARRAY:
            meta[key] = cur.value(vtype)
            continue
        itype, count = cur.u32(), cur.u64()
        if key == "tokenizer.ggml.tokens" and itype == fmt.STRING:
            tokens_at = (cur.pos, count)
        if itype in _STRUCTS and count <= _SMALL_ARRAY:
            start = cur.pos
            cur.skip_array(itype, count)
            small_arrays[key] = struct.unpack_from(f"<{count}{fmt.SCALAR_FORMATS[itype]}", buf, start)
        else:
            cur.skip_array(itype, count)

    params, by_type, end_of_data = _read_tensors(cur, tensor_count, meta)
    if end_of_data > size:
        raise _Corrupt(f"it is {size / 1e6:.1f} MB but its weights need {end_of_data / 1e6:.1f} MB")

    arch = str(meta.get("general.architecture") or "unknown")
    bos, eos = _special_tokens(cur, meta, tokens_at)

    def num(key: str) -> int | None:
        value = meta.get(f"{arch}.{key}")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        per_layer = small_arrays.get(f"{arch}.{key}")
        return int(max(per_layer)) if per_layer else None

    declared = meta.get("general.parameter_count")
    template = meta.get("tokenizer.chat_template")
    vocab = tokens_at[1] if tokens_at else num("vocab_size")
    return GGUFInfo(
        path=path, file_size=size, version=version, architecture=arch,
        name=str(meta["general.name"]) if "general.name" in meta else None,
        parameters=declared if isinstance(declared, int) and declared > 0 else (params or None),
        quantisation=_quantisation(meta.get("general.file_type"), by_type),
        context_length=num("context_length"), block_count=num("block_count"),
        embedding_length=num("embedding_length"), head_count=num("attention.head_count"),
        head_count_kv=num("attention.head_count_kv"),
        chat_template=template if isinstance(template, str) and template.strip() else None,
        bos_token=bos, eos_token=eos, vocab_size=vocab, tensor_count=tensor_count, metadata=meta,
    )


def _read_tensors(cur: _Cursor, count: int, meta: dict[str, Scalar]) -> tuple[int, Counter[str], int]:
    """Parameters, bytes per tensor type, and where the last tensor ends (to catch a cut-off download)."""
    params, by_type, last_end = 0, Counter[str](), 0
    for _ in range(count):
        n = cur.u64()
        cur.need(n)
        cur.pos += n
        n_dims = cur.u32()
        if n_dims > _MAX_DIMS:
            raise _Corrupt("a tensor has an impossible shape")
        elements = prod(cur.u64() for _ in range(n_dims))
        ttype, offset = cur.u32(), cur.u64()
        params += elements
        name, block, block_bytes = fmt.TENSOR_TYPES.get(ttype, (None, 1, 0))
        nbytes = elements // block * block_bytes
        if name:
            by_type[name] += nbytes
        last_end = max(last_end, offset + nbytes)
    alignment = meta.get("general.alignment", fmt.DEFAULT_ALIGNMENT)
    if not isinstance(alignment, int) or alignment <= 0 or alignment & (alignment - 1):
        raise _Corrupt("its alignment is not a power of two")
    data_start = -(-cur.pos // alignment) * alignment
    return params, by_type, data_start + last_end if count else cur.pos


def _special_tokens(cur: _Cursor, meta: dict[str, Scalar],
                    tokens_at: tuple[int, int] | None) -> tuple[str | None, str | None]:
    """BOS/EOS text: a second walk over the vocabulary up to the larger id (tens of ms at most)."""
    ids = [meta.get("tokenizer.ggml.bos_token_id"), meta.get("tokenizer.ggml.eos_token_id")]
    if tokens_at is None:
        return None, None
    start, count = tokens_at
    valid = [i for i in ids if isinstance(i, int) and 0 <= i < count]
    if not valid:
        return None, None
    cur.pos = start
    found = cur.walk_strings(max(valid) + 1, frozenset(valid))
    texts = [found[i].decode("utf-8", "replace") if i in found else None for i in ids]
    return texts[0], texts[1]


def _quantisation(file_type: object, by_type: Counter[str]) -> str | None:
    if isinstance(file_type, int) and not isinstance(file_type, bool):
        name = fmt.FILE_TYPES.get(file_type & ~1024)  # 1024: "guessed" flag
        if name:
            return name
    return by_type.most_common(1)[0][0] if by_type else None
