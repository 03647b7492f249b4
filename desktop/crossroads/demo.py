"""The bundled demo: a fictional company's documents and a scripted list of questions.

Some questions are answered only by the documents; some are answered nowhere, to show which mode makes things up.
The demo knowledge base is built once and reused (re-indexing skips unchanged files).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from crossroads.config import PACKAGE_DIR, app_root

DEMO_KB = "demo"


@dataclass(frozen=True)
class DemoQuestion:
    question: str
    answers: tuple[str, ...]
    source: str | None
    page: int | None
    in_documents: bool


def demo_dir() -> Path:
    """The demo assets: in the checkout's assets/, or shipped inside the package."""
    for candidate in (app_root() / "assets" / "demo", PACKAGE_DIR / "assets" / "demo"):
        if (candidate / "questions.jsonl").is_file():
            return candidate
    from crossroads.errors import SetupError

    raise SetupError("The demo documents are missing from this installation. Reinstall Crossroads.")


def demo_documents() -> Path:
    return demo_dir() / "documents"


def demo_copies_elsewhere(paths: Iterable[str]) -> list[str]:
    """Of the demo knowledge base's document paths, the sample documents of another installation (an earlier
    folder, a portable copy on a stick, a second checkout): the demo knowledge base lives in the user's data folder
    and is shared by every installation, so without this each one would add its own copy of the same documents,
    and every passage would be retrieved twice. Files of other names (the user's own additions) stay."""
    here = demo_documents().resolve()
    names = {p.name for p in here.iterdir()}
    return [p for p in paths if Path(p).name in names and Path(p).resolve().parent != here]


def demo_questions() -> list[DemoQuestion]:
    lines = (demo_dir() / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    out = []
    for line in lines:
        if line.strip():
            row = json.loads(line)
            out.append(
                DemoQuestion(row["question"], tuple(row.get("answers", [])), row.get("source"), row.get("page"),
                             bool(row.get("in_documents", True)))
            )
    return out


DEMO_ADAPTER_FILE = "brellvik-demo.gguf"


def demo_adapter() -> Path | None:
    """The adapter trained on the demo documents (``packaging/train_demo_adapter.py``), when it is shipped."""
    from crossroads.errors import SetupError

    try:
        path = demo_dir() / "adapter" / DEMO_ADAPTER_FILE
    except SetupError:
        return None
    return path if path.is_file() else None


def demo_adapter_for(model_path: Path, adapter: Path | None = None) -> Path | None:
    """The demo's adapter when it was trained on exactly these weights (its manifest's sha256), else None.

    The demo offers its fine-tuned columns only where they are honest: an adapter applied to other weights of the
    same shape would load and answer nonsense, so any other model quietly goes without. ``adapter`` defaults to
    the shipped one.
    """
    from crossroads.finetune.runs import manifest_beside, model_sha256

    path = adapter if adapter is not None else demo_adapter()
    if path is None:
        return None
    manifest = manifest_beside(path)
    if manifest is None or not manifest.base_sha256:
        return None
    try:
        return path if model_sha256(Path(model_path)) == manifest.base_sha256 else None
    except OSError:
        return None
