""""Use a model server…": where an OpenAI-compatible server is (base URL), which of its models, and its key; and
optionally which served model has the fine-tuned adapter applied (vLLM --lora-modules, an Ollama Modelfile's
ADAPTER), which then answers the fine-tuned columns.

"Test connection" lists the served models on a worker (a server that does not answer must not freeze the window);
OK only returns the choice: the window connects on a worker, like loading a local model. The key typed here lives
as long as the session; when left empty, the environment's ``CROSSROADS_SERVER_API_KEY`` is used.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFormLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from crossroads.cancel import CancelToken
from crossroads.ui.probe_dialog import ProbeDialog, name_choice
from crossroads.ui.worker import Emit
from crossroads.workspace import SERVER_API_KEY_ENV

EXAMPLE_URL = "http://127.0.0.1:8080/v1"
PRIVACY_NOTE = ("While a server answers, each question and the passages found in your documents are sent to it. "
                "The documents themselves, the search and the knowledge base stay on this computer.")


class ServerDialog(ProbeDialog):
    """Asks for a model server; ``choice()`` gives (base URL, model, API key, fine-tuned model) after OK."""

    def __init__(self, url: str = "", model: str = "", parent: QWidget | None = None, finetuned: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Use a model server")

        self.url = QLineEdit(url)
        self.url.setPlaceholderText(EXAMPLE_URL)
        self.url.setToolTip("The OpenAI-compatible base URL of llama.cpp's server, vLLM, Ollama or LM Studio's "
                            "server; it usually ends in /v1.")
        self.url.setMinimumWidth(380)
        self.model = name_choice(model, "optional when the server serves one model",
                                 "The served model's name; Test connection lists them.")
        self.finetuned = name_choice(finetuned, "optional: the served model with your adapter",
                                     "A model the server serves with the fine-tuned adapter applied (vLLM "
                                     "--lora-modules NAME=PATH, an Ollama model made with ADAPTER): it answers the "
                                     "Fine-tuned columns. Leave empty for none.")
        self.api_key = QLineEdit()
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setPlaceholderText(f"optional; else {SERVER_API_KEY_ENV}")
        self.api_key.setToolTip("Kept for this session only, never saved. Left empty, the key comes from the "
                                f"environment variable {SERVER_API_KEY_ENV}, if set.")

        self.test_button = QPushButton("Test connection")
        self.test_button.setToolTip("Ask the server which models it serves (nothing else is sent).")
        self.test_button.clicked.connect(self.test_connection)
        self.result.setObjectName("serverTestResult")

        form = QFormLayout()
        form.addRow("Base URL", self.url)
        form.addRow("Model", self.model)
        form.addRow("Fine-tuned model", self.finetuned)
        form.addRow("API key", self.api_key)
        self._lay_out(form, self.test_button, PRIVACY_NOTE, "Use this server")
        self.url.textChanged.connect(self._sync)
        self._sync()

    # -- the choice -------------------------------------------------------------------------------------------

    def choice(self) -> tuple[str, str | None, str | None, str | None]:
        """Base URL, model, key, fine-tuned model (each None when left empty)."""
        return (self.url.text().strip(), self.model.currentText().strip() or None,
                self.api_key.text().strip() or None, self.finetuned.currentText().strip() or None)

    def _sync(self) -> None:
        has_url = bool(self.url.text().strip())
        self.ok_button.setEnabled(has_url)
        self.test_button.setEnabled(has_url and not self.probing)

    # -- Test connection --------------------------------------------------------------------------------------

    @property
    def testing(self) -> bool:
        return self.probing

    def test_connection(self) -> None:
        """List the served models on a worker; the answer (or the reason there is none) shows beside the button."""
        url, _, key, _ = self.choice()
        if not url:
            return

        def job(cancel: CancelToken, emit: Emit) -> list[str]:
            from crossroads.workspace import list_served_models

            return list_served_models(url, key)

        self._probe(job, "server-test", "Asking the server…", self._on_listed)

    def _on_listed(self, models: list[str]) -> None:
        typed = self.model.currentText().strip()
        self.model.clear()
        self.model.addItems(models)
        if typed:
            self.model.setCurrentText(typed)
        elif len(models) == 1:
            self.model.setCurrentIndex(0)
        else:
            self.model.setCurrentText("")
        tuned = self.finetuned.currentText().strip()
        self.finetuned.clear()
        self.finetuned.addItems(models)
        self.finetuned.setCurrentText(tuned)
        if not models:
            self.result.setText("Connected, but the server lists no model.")
            return
        served = ", ".join(models)
        missing = typed and typed not in models
        self.result.setText(f"Connected. It serves: {served}." + (f" Not “{typed}”." if missing else ""))
