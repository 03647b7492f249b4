"""Training beyond the laptop, from the Fine-tune tab: the jobs that export the reviewed rows for a GPU trainer and
import the adapter it gives back, and the words that say what happened.

The work is the core's (``finetune.export``, ``finetune.import_adapter``); these are plain ``job(cancel, emit)``
functions the tab runs on a Worker, so neither the GGUF header read, the hashing of the base model nor the
adapter's conversion ever runs on the UI thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from crossroads.cancel import CancelToken
from crossroads.finetune.examples import TrainingExample
from crossroads.finetune.export import AXOLOTL_FILE, LLAMA_FACTORY_FILE, README, BaseModelRef, Exported
from crossroads.finetune.import_adapter import Imported
from crossroads.finetune.plan import TrainSettings
from crossroads.ui.worker import Emit


@dataclass(frozen=True)
class ExportRequest:
    """What the tab holds when the button is pressed: the ticked rows as edited, the settings, the loaded model."""

    folder: Path
    examples: Sequence[TrainingExample]
    settings: TrainSettings
    model_path: Path
    validation_share: float
    eval_questions: Sequence[str] = ()


@dataclass(frozen=True)
class ExportDone:
    exported: Exported
    base: BaseModelRef


def export_job(request: ExportRequest, cancel: CancelToken, emit: Emit) -> ExportDone:
    from crossroads.finetune.export import base_model_ref, write_export
    from crossroads.rag.prompting import SYSTEM_MESSAGE

    emit(f"Reading {request.model_path.name}…")
    base = base_model_ref(request.model_path)
    emit(f"Writing the export to {request.folder}…")
    exported = write_export(request.folder, request.examples, request.settings, base, SYSTEM_MESSAGE,
                            validation_share=request.validation_share, eval_questions=request.eval_questions,
                            cancel=cancel)
    return ExportDone(exported, base)


def import_job(source: Path, base: Path, name: str | None, cancel: CancelToken, emit: Emit) -> Imported:
    from crossroads.finetune.import_adapter import import_result

    cancel.raise_if_cancelled()
    emit(f"Importing {source.name} for {base.name}: converting it and checking it fits the model…")
    return import_result(source, base, name)


def exported_text(done: ExportDone) -> str:
    """Where the export went and what to run next, in one message."""
    e, base = done.exported, done.base
    written = {f.name for f in e.files}
    commands = [c for f, c in ((AXOLOTL_FILE, f"axolotl train {AXOLOTL_FILE}"),
                               (LLAMA_FACTORY_FILE, f"llamafactory-cli train {LLAMA_FACTORY_FILE}")) if f in written]
    passages = f" ({e.passages} of them passages)" if e.passages else ""
    parts = [f"Exported {e.train} training and {e.validation} held-out examples{passages} to {e.folder}.",
             f"Copy the folder to the GPU box and run there {' or '.join(commands)}; {README} in it says more.",
             "Then bring the trainer's output folder back with “Import a trained adapter…” below."]
    if base.hf_id is None:
        parts.insert(1, f"First fill in the Hugging Face id of the model {base.gguf_name} was made from in the "
                        "configuration files (Crossroads does not know it).")
    if e.overlap:
        parts.append(f"{len(e.overlap)} training question(s) are also in the Evaluate tab's questions: its scores "
                     "for the fine-tuned model will be flattering.")
    return " ".join(parts)


def imported_text(result: Imported, source: Path) -> str:
    if result.run is None:
        return (f"{source.name} is a whole fine-tuned model, not an adapter: there is nothing to import. Open it as "
                "it is: Fine-tuned adapter ▸ Open fine-tuned adapter or model… in the model bar.")
    return (f"Imported {source.name} as the adapter “{result.run.name}”. It is selected below: press Use in Compare "
            "to answer with it.")
