"""About: versions of Crossroads and its engines, and the bundled models with their licences."""

from __future__ import annotations

import html
import platform
import sys
from importlib import metadata

from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from crossroads.config import data_dir, models_dir

COMPONENTS = ("crossroads", "llama-cpp-python", "sentence-transformers", "torch", "faiss-cpu", "PySide6-Essentials",
              "pypdfium2", "python-docx", "python-pptx", "openpyxl", "fpdf2")


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _kernels_row() -> str:
    """Which of llama.cpp's CPU kernel sets this process runs (a bundle picks one per CPU), once a model is loaded."""
    from crossroads.engine.ggml_backends import cpu_kernels_name, loaded_cpu_variant

    if "llama_cpp" not in sys.modules:  # no model loaded yet: nothing chosen, and About imports no engine
        return ""
    return f"<tr><td>llama.cpp CPU kernels</td><td>{html.escape(cpu_kernels_name(loaded_cpu_variant()))}</td></tr>"


def about_html() -> str:
    """Read from package metadata and the catalog only: opening this never imports an engine."""
    from crossroads.models.catalog import load_catalog

    rows = "".join(f"<tr><td>{html.escape(d)}</td><td>{html.escape(_version(d))}</td></tr>" for d in COMPONENTS)
    models = ""
    try:
        for entry in load_catalog().entries():
            state = "bundled" if entry.is_present() else "not downloaded"
            models += (f"<tr><td>{html.escape(entry.display_name)}</td><td>{html.escape(entry.licence)}</td>"
                       f"<td>{state}</td></tr>")
    except Exception as exc:  # the About box must open even with a broken catalog
        models = f"<tr><td colspan=3>The model catalog could not be read: {html.escape(str(exc))}</td></tr>"
    return (
        "<h2>Crossroads</h2>"
        "<p>Fine-tune or RAG? Decide with evidence, and see the difference on your own documents — fully "
        "offline. Nothing you load or ask leaves this computer.</p>"
        f"<h3>Bundled models</h3><table cellspacing=6><tr><th align=left>Model</th><th align=left>Licence</th>"
        f"<th align=left></th></tr>{models}</table>"
        f"<h3>Components</h3><table cellspacing=4>{rows}<tr><td>Qt</td><td>{qVersion()}</td></tr>"
        f"<tr><td>Python</td><td>{platform.python_version()}</td></tr>{_kernels_row()}</table>"
        f"<p>Your data: {html.escape(str(data_dir()))}<br>Models: {html.escape(str(models_dir()))}</p>"
        "<p>Crossroads is licensed under the Apache License 2.0.</p>"
    )


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Crossroads")
        text = QLabel(about_html())
        text.setTextFormat(Qt.TextFormat.RichText)
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(buttons)
        self.resize(560, 560)
