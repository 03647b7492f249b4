"""A team's shared knowledge base in the window (a real PostgreSQL with pgvector on 127.0.0.1), driven as a user
would: the dialog lists the server's knowledge bases without freezing the window, the library opens and indexes
one, says where it lives, remembers it by its URL without the password, and a server that is not there leaves the
knowledge base that was open."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

import pytest

from crossroads.store.postgres import PostgresKnowledgeBase, parse_server_url
from crossroads.store.postgres.address import compose_server_url

from .helpers import WAIT_MS

pytestmark = pytest.mark.gui


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def open_shared(qtbot, window, url: str, create: bool = False) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.library.kb_changed, timeout=WAIT_MS):
        window.library.open_kb(url, create=create)


def test_the_dialog_lists_the_servers_knowledge_bases_and_builds_the_url(qtbot, postgres_server: str) -> None:
    from crossroads.ui.shared_kb_dialog import EXAMPLE_SERVER, SharedKbDialog

    name = f"Client {uuid.uuid4().hex[:8]}"
    PostgresKnowledgeBase.open(compose_server_url(postgres_server, name), create=True).close()
    dialog = SharedKbDialog()
    qtbot.addWidget(dialog)
    assert dialog.server.placeholderText() == EXAMPLE_SERVER
    assert not dialog.ok_button.isEnabled() and not dialog.list_button.isEnabled()
    dialog.server.setText(postgres_server)
    dialog.list_button.click()
    assert dialog.listing and not dialog.list_button.isEnabled()  # asked on a worker: the window keeps running
    qtbot.waitUntil(lambda: not dialog.listing, timeout=WAIT_MS)
    listed = [dialog.kb.itemText(i) for i in range(dialog.kb.count())]
    assert name in listed and dialog.result.text().startswith("Connected. It holds: ")
    dialog.kb.setCurrentText(name)
    dialog.password.setText("s3cret")
    url, create = dialog.choice()
    assert parse_server_url(url).kb == name and parse_server_url(url).password == "s3cret" and not create
    assert not dialog.create.isChecked()  # a mistyped name must not silently start an empty shared one

    dialog.server.setText(f"postgresql://ann@127.0.0.1:{closed_port()}/team")
    dialog.list_button.click()
    qtbot.waitUntil(lambda: not dialog.listing, timeout=WAIT_MS)
    assert "is not reachable" in dialog.result.text() and "s3cret" not in dialog.result.text()


def test_a_malformed_server_is_said_in_the_dialog_which_stays_open(qtbot) -> None:
    from crossroads.ui.shared_kb_dialog import SharedKbDialog

    dialog = SharedKbDialog(server="db.example:5432", kb="acme")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.ok_button.click()
    assert dialog.isVisible() and "postgresql://USER@HOST:PORT/DATABASE" in dialog.result.text()


def test_a_shared_knowledge_base_opens_indexes_says_where_it_lives_and_is_listed_next_time(
    qtbot, make_window, postgres_server: str, tmp_path: Path
) -> None:
    name = f"acme {uuid.uuid4().hex[:8]}"
    url = compose_server_url(postgres_server, name)
    shown = parse_server_url(url).display
    where = parse_server_url(url).where
    window = make_window(load=False)
    open_shared(qtbot, window, url, create=True)
    library = window.library
    assert library.shared and library.kb_combo.currentText() == f"{name} — {where} (shared)"
    assert not library.rename_action.isEnabled() and not library.delete_action.isEnabled()
    assert library.forget_action.isVisible()
    assert window.offline_label.text() == (
        f"● Offline — nothing leaves this computer · documents in this computer's PostgreSQL at {where}")
    assert window.prefs.last_kb() == shown and window.prefs.recent_shared_kbs() == [shown]

    (tmp_path / "policy.md").write_text("# Parking\n\nStaff park in lot K7 behind the warehouse.\n")
    with qtbot.waitSignal(library.documents_changed, timeout=WAIT_MS):
        library.add_paths([tmp_path / "policy.md"])
    assert [Path(r.key).name for r in library.model.rows()] == ["policy.md"]
    assert library.model.rows()[0].state == "indexed"

    window.close()
    again = make_window(load=False)
    labels = [again.library.kb_combo.itemText(i) for i in range(again.library.kb_combo.count())]
    assert f"{name} — {where} (shared)" in labels and labels[-1] == "Shared knowledge base on a server…"
    open_shared(qtbot, again, shown)  # reopened from its remembered URL
    assert [Path(r.key).name for r in again.library.model.rows()] == ["policy.md"]
    again.library.forget_shared_kb()
    assert again.library.knowledge_base is None and again.prefs.recent_shared_kbs() == []
    assert again.offline_label.text() == "● Offline — nothing leaves this computer"


def test_a_server_that_is_not_there_is_named_and_the_open_knowledge_base_stays(qtbot, make_window) -> None:
    window = make_window(load=False)
    with qtbot.waitSignal(window.library.kb_changed, timeout=WAIT_MS):
        window.library.open_kb("acme")
    port = closed_port()
    with qtbot.waitSignal(window.library.failed, timeout=WAIT_MS) as failed:
        window.library.open_kb(f"postgresql://ann:hunter2@127.0.0.1:{port}/team?kb=client")
    message = failed.args[0]
    assert f"The knowledge-base server at 127.0.0.1:{port} is not reachable" in message and "hunter2" not in message
    assert window.notice.text() == message
    assert window.library.knowledge_base is not None and window.library.knowledge_base.name == "acme"
    assert window.library.kb_combo.currentText() == "acme"


def test_a_shared_knowledge_base_is_not_opened_while_indexing_writes_to_the_open_one(
    qtbot, make_window, tmp_path: Path
) -> None:
    window = make_window(load=False)
    with qtbot.waitSignal(window.library.kb_changed, timeout=WAIT_MS):
        window.library.open_kb("acme")
    (tmp_path / "policy.md").write_text("# Parking\n\nStaff park in lot K7 behind the warehouse.\n")
    window.library.add_paths([tmp_path / "policy.md"])
    assert window.library.indexing
    with qtbot.waitSignal(window.library.status, timeout=WAIT_MS) as said:
        window.library.choose_shared_kb()  # from the File menu: no dialog while indexing
    assert said.args[0].startswith("Wait until indexing ends")
    qtbot.waitUntil(lambda: not window.library.indexing, timeout=WAIT_MS)
    assert window.library.knowledge_base is not None and window.library.knowledge_base.name == "acme"
