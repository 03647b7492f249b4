""""Shared knowledge base on a server…": a team's knowledge base on PostgreSQL with pgvector.

The user gives the server as the team writes it (``postgresql://USER@HOST:PORT/DATABASE``), a password for this
session if the server asks for one (else libpq's ``~/.pgpass`` and ``PGPASSWORD`` apply), and the knowledge base's
name. "List knowledge bases" asks the server on a worker (an unreachable host must not freeze the window); OK only
returns the choice, and the library opens it on a worker like any knowledge base.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from crossroads.cancel import CancelToken
from crossroads.errors import InputError
from crossroads.store.postgres.address import compose_server_url
from crossroads.ui.probe_dialog import ProbeDialog, name_choice
from crossroads.ui.worker import Emit

EXAMPLE_SERVER = "postgresql://USER@HOST:5432/DATABASE"
SHARING_NOTE = ("The documents' text and their vectors are kept on that server, for everyone with access to it. "
                "Questions are still answered here (or by the model server you chose), and the questions you ask "
                "are kept on this computer only.")


class SharedKbDialog(ProbeDialog):
    """Asks for a shared knowledge base; ``choice()`` gives (URL, create if new) after OK. The URL may hold the
    password typed here: the caller keeps it for the session and remembers only the URL without it."""

    def __init__(self, server: str = "", kb: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Shared knowledge base")

        self.server = QLineEdit(server)
        self.server.setPlaceholderText(EXAMPLE_SERVER)
        self.server.setMinimumWidth(400)
        self.server.setToolTip("The PostgreSQL server with pgvector your team uses, as a libpq URL; options such as "
                               "?sslmode=require are kept.")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("optional; else ~/.pgpass or PGPASSWORD")
        self.password.setToolTip("Kept for this session only, never saved.")
        self.kb = name_choice(kb, "the knowledge base's name, for example the client's",
                              "The knowledge base on that server; List knowledge bases shows them.")
        self.create = QCheckBox("Create it on the server if it does not exist yet")
        self.create.setToolTip("Left off, a mistyped name is refused instead of starting a new, empty knowledge "
                               "base that your team would then see.")

        self.list_button = QPushButton("List knowledge bases")
        self.list_button.setToolTip("Ask the server which knowledge bases it holds.")
        self.list_button.clicked.connect(self.list_kbs)
        self.result.setObjectName("sharedKbResult")

        form = QFormLayout()
        form.addRow("Server", self.server)
        form.addRow("Password", self.password)
        form.addRow("Knowledge base", self.kb)
        form.addRow("", self.create)
        self._lay_out(form, self.list_button, SHARING_NOTE, "Open")
        self.server.textChanged.connect(self._sync)
        self.kb.currentTextChanged.connect(self._sync)
        self._sync()

    # -- the choice -------------------------------------------------------------------------------------------

    def choice(self) -> tuple[str, bool]:
        """The knowledge base's URL (with the password typed here, if any) and whether to create it."""
        url = compose_server_url(self.server.text(), self.kb.currentText(), self.password.text() or None)
        return url, self.create.isChecked()

    def accept(self) -> None:
        """A malformed address or name is said here, beside the fields, and the dialog stays open."""
        try:
            self.choice()
        except InputError as exc:
            self._say(exc.message, bad=True)
            return
        super().accept()

    def _sync(self) -> None:
        has_server = bool(self.server.text().strip())
        self.ok_button.setEnabled(has_server and bool(self.kb.currentText().strip()))
        self.list_button.setEnabled(has_server and not self.probing)

    # -- List knowledge bases ---------------------------------------------------------------------------------

    @property
    def listing(self) -> bool:
        return self.probing

    def list_kbs(self) -> None:
        server, password = self.server.text(), self.password.text() or None

        def job(cancel: CancelToken, emit: Emit) -> list[str]:
            from crossroads.store.postgres.listing import list_server_kbs

            return list_server_kbs(server, password)

        self._probe(job, "shared-kb-list", "Asking the server…", self._on_listed)

    def _on_listed(self, names: list[str]) -> None:
        typed = self.kb.currentText().strip()
        self.kb.clear()
        self.kb.addItems(names)
        self.kb.setCurrentText(typed if typed else names[0] if len(names) == 1 else "")
        if not names:
            self._say("Connected. The server holds no knowledge base yet: name one and tick “Create it”.")
            return
        missing = typed and typed not in names
        self._say(f"Connected. It holds: {', '.join(names)}." + (f" Not “{typed}”." if missing else ""))
