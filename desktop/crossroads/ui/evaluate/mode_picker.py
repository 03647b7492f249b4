"""Which modes to run: "with your documents" only when the knowledge base has passages to search, the fine-tuned
ones only when a fine-tuned adapter is loaded.

Counting the passages is a database call, so it runs on a worker; the choice the user made is remembered while
the mode is unavailable and restored when it comes back.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QCheckBox, QLabel, QVBoxLayout, QWidget

from crossroads.cancel import CancelToken
from crossroads.compare import MODES
from crossroads.ui.worker import Emit, Worker

if TYPE_CHECKING:
    from crossroads.store import KnowledgeBase

NO_KB = "Needs a knowledge base with documents: choose or fill one in the Library."
EMPTY_KB = "The knowledge base “{name}” has no documents yet: add some in the Library first."
CHECKING_KB = "Checking the knowledge base…"
NO_ADAPTER = "Needs a fine-tuned adapter: File → Open fine-tuned adapter or model…"
MODE_TIPS = {
    "plain": "The model answers from what it learned in training alone.",
    "rag": "The model answers from passages found in your documents, and cites them.",
    "finetuned": "The model with the fine-tuned adapter answers, without your documents.",
    "finetuned+rag": "The model with the fine-tuned adapter answers from passages found in your documents.",
}


def _count_job(kb: KnowledgeBase, cancel: CancelToken, emit: Emit) -> int:
    return kb.chunk_count()


class ModePicker(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.boxes: dict[str, QCheckBox] = {}
        self._wanted: dict[str, bool] = {}
        self._documents = False  # the knowledge base has passages to search
        self._kb: KnowledgeBase | None = None
        self._checker: Worker | None = None
        row = QVBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        row.addWidget(QLabel("Answer with:"))
        self._adapter = False  # a fine-tuned adapter is loaded
        self._no_adapter = NO_ADAPTER  # why the fine-tuned modes are off without one
        self._reason = NO_KB  # why the documents modes are off, when they are
        for name in MODES:
            box = QCheckBox(MODES[name].label)
            box.setChecked(True)
            box.setToolTip(MODE_TIPS.get(name, ""))
            box.toggled.connect(self._remember_choice)
            self.boxes[name] = box
            self._wanted[name] = True
            row.addWidget(box)
        self.set_knowledge_base(None)

    def selected(self) -> list[str]:
        return [name for name, box in self.boxes.items() if box.isChecked() and self._possible(name)]

    @property
    def knowledge_base(self) -> KnowledgeBase | None:
        return self._kb

    def set_knowledge_base(self, kb: KnowledgeBase | None) -> None:
        same = kb is not None and kb is self._kb
        self._kb = kb
        if kb is None:
            self._checker = None
            self._set_documents(False, NO_KB)
            return
        if not same:  # the same one again (documents added or removed): keep the mode as is while re-checking
            self._set_documents(False, CHECKING_KB)
        self.recheck()

    def recheck(self) -> None:
        if self._kb is None:
            return
        worker = Worker(partial(_count_job, self._kb), "count-passages")
        worker.finished.connect(self._on_counted)
        worker.failed.connect(self._on_check_failed)
        self._checker = worker
        worker.start()

    @property
    def checking(self) -> bool:
        return self._checker is not None

    def _on_counted(self, chunks: int) -> None:
        if self.sender() is self._checker and self._kb is not None:
            self._checker = None
            self._set_documents(chunks > 0, EMPTY_KB.format(name=self._kb.name))

    def _on_check_failed(self, message: str) -> None:
        if self.sender() is self._checker:
            self._checker = None
            self._set_documents(False, message)

    def set_adapter(self, loaded: bool) -> None:
        """Whether a fine-tuned adapter is loaded: the fine-tuned modes are offered only then."""
        self._adapter = loaded
        self._refresh()

    def set_no_adapter_reason(self, reason: str | None) -> None:
        """Why the fine-tuned modes are off when no adapter is loaded; None: the usual "open one" hint."""
        self._no_adapter = reason or NO_ADAPTER
        self._refresh()

    def _possible(self, name: str) -> bool:
        mode = MODES[name]
        return (self._documents or not mode.uses_documents) and (self._adapter or not mode.uses_adapter)

    def _set_documents(self, available: bool, reason: str) -> None:
        self._documents = available
        self._reason = reason
        self._refresh()

    def _refresh(self) -> None:
        for name, box in self.boxes.items():
            mode = MODES[name]
            if not (mode.uses_documents or mode.uses_adapter):
                continue
            possible = self._possible(name)
            box.blockSignals(True)
            box.setEnabled(possible)
            box.setChecked(possible and self._wanted[name])
            box.blockSignals(False)
            reasons = [MODE_TIPS.get(name, "")]
            if mode.uses_documents and not self._documents:
                reasons.append(self._reason)
            if mode.uses_adapter and not self._adapter:
                reasons.append(self._no_adapter)
            box.setToolTip(" ".join(reasons))

    def _remember_choice(self) -> None:
        for name, box in self.boxes.items():
            if self._possible(name):
                self._wanted[name] = box.isChecked()
