"""The window on a model server, driven as a user would (a real llama-cpp-python server on the tiny model,
127.0.0.1): the dialog tests the connection without freezing the window, the status bar says where the questions
go while the server answers and "Offline" again after, and a server that is not there leaves the local model."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from tests.conftest import TEST_CHAT_MODEL, free_port

from crossroads.workspace import ServerSummary

from .helpers import WAIT_MS

pytestmark = [pytest.mark.gui, pytest.mark.slow]


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def test_the_dialogs_test_button_lists_the_served_models(qtbot, model_server: str) -> None:
    from crossroads.ui.server_dialog import EXAMPLE_URL, ServerDialog

    dialog = ServerDialog()
    qtbot.addWidget(dialog)
    assert dialog.url.placeholderText() == EXAMPLE_URL
    assert not dialog.ok_button.isEnabled() and not dialog.test_button.isEnabled()  # nothing to use yet
    dialog.url.setText(model_server)
    dialog.test_button.click()
    assert dialog.testing and not dialog.test_button.isEnabled()  # asked on a worker: the window keeps running
    qtbot.waitUntil(lambda: not dialog.testing, timeout=WAIT_MS)
    assert dialog.result.text() == f"Connected. It serves: {TEST_CHAT_MODEL}."
    assert [dialog.model.itemText(i) for i in range(dialog.model.count())] == [TEST_CHAT_MODEL]
    assert dialog.choice() == (model_server, TEST_CHAT_MODEL, None, None)

    dialog.url.setText(f"http://127.0.0.1:{free_port()}/v1")
    dialog.test_button.click()
    qtbot.waitUntil(lambda: not dialog.testing, timeout=WAIT_MS)
    assert "Could not reach the model server" in dialog.result.text()


def test_the_status_bar_names_the_server_while_it_answers_and_says_offline_after(
    qtbot, make_window, model_server: str, tiny_model_path: Path, tiny_lora_path: Path
) -> None:
    window = make_window()
    assert window.offline_label.text().startswith("● Offline")
    with qtbot.waitSignal(window.model_loaded, timeout=WAIT_MS) as loaded:
        window.use_server(model_server)
    assert isinstance(loaded.args[0], ServerSummary)
    qtbot.waitUntil(lambda: not window.loading_model, timeout=WAIT_MS)
    port = port_of(model_server)
    assert window.offline_label.text() == (
        f"● Questions go to this computer's server at 127.0.0.1:{port} (model {TEST_CHAT_MODEL})")
    assert "passages" in window.offline_label.toolTip()
    assert window.model_bar._name.text() == TEST_CHAT_MODEL
    assert f"served by this computer's server at 127.0.0.1:{port}" in window.model_bar._detail.text()
    assert not window.model_bar.open_adapter_action.isEnabled()  # the adapter is local: refused, and the tip says why
    assert "cannot be applied there" in window.model_bar.adapter_button.toolTip()
    assert window.prefs.last_server() == (model_server, TEST_CHAT_MODEL)  # the key is never stored
    assert "cannot be applied there" in window.compare.mode_boxes["finetuned"].toolTip()
    window.load_adapter(str(tiny_lora_path))  # e.g. the Fine-tune tab's "Use": refused with the reason
    qtbot.waitUntil(lambda: not window.loading_model, timeout=WAIT_MS)
    assert "cannot be applied there" in window.notice.text() and window.workspace.adapter is None
    window.finetune.start()  # fine-tuning trains the local model file: none is loaded
    assert f"the questions now go to the server at 127.0.0.1:{port}" in window.finetune.message.text.text()

    with qtbot.waitSignal(window.compare.comparison_finished, timeout=WAIT_MS) as finished:
        window.compare.ask("What is two plus two?")
    assert finished.args[0]["answers"][0]["text"]
    window._show_offline()  # the timer's refresh, now: the server's own connections are not a leak
    assert window.offline_label.text().startswith("● Questions go to")

    with qtbot.waitSignal(window.model_loaded, timeout=WAIT_MS):
        window.load_model(str(tiny_model_path))
    qtbot.waitUntil(lambda: not window.loading_model, timeout=WAIT_MS)
    assert window.offline_label.text() == "● Offline — nothing leaves this computer"
    assert window.workspace.server is None and window.model_bar.open_adapter_action.isEnabled()
    assert "cannot be applied there" not in window.compare.mode_boxes["finetuned"].toolTip()


def test_a_server_that_is_not_there_leaves_the_local_model(qtbot, make_window) -> None:
    window = make_window()
    before = window.workspace.model
    window.use_server(f"http://127.0.0.1:{free_port()}/v1", "anything")
    qtbot.waitUntil(lambda: not window.loading_model, timeout=WAIT_MS)
    assert "Could not reach the model server" in window.notice.text()
    assert window.notice.text().endswith(f"{before.name} is still loaded.")
    assert window.workspace.model == before and window.workspace.server is None
    assert window.offline_label.text().startswith("● Offline")


def test_use_a_model_server_from_the_model_list_opens_the_dialog_and_connects(
    qtbot, make_window, model_server: str
) -> None:
    window = make_window(load=False)
    window.prefs.remember_server(model_server, TEST_CHAT_MODEL)
    filled: list[tuple[str, str]] = []

    def answer_dialog() -> None:
        dialog = window.server_dialog
        if dialog is None:
            QTimer.singleShot(50, answer_dialog)
            return
        filled.append((dialog.url.text(), dialog.model.currentText()))  # the last server, remembered
        dialog.ok_button.click()

    QTimer.singleShot(0, answer_dialog)
    bar = window.model_bar
    item = next(i for i in range(bar.choices.count()) if bar.choices.itemText(i) == "Use a model server…")
    with qtbot.waitSignal(window.model_loaded, timeout=WAIT_MS):
        bar.choices.activated.emit(item)
    assert filled == [(model_server, TEST_CHAT_MODEL)]
    assert window.workspace.server is not None and window.workspace.server.name == TEST_CHAT_MODEL


def test_the_servers_fine_tuned_model_answers_the_fine_tuned_columns_until_removed(
    qtbot, make_window, model_server_with_lora: str
) -> None:
    from tests.conftest import TUNED_SERVED_MODEL

    from crossroads.ui.server_dialog import ServerDialog

    dialog = ServerDialog()
    qtbot.addWidget(dialog)
    dialog.url.setText(model_server_with_lora)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: not dialog.testing, timeout=WAIT_MS)
    offered = [dialog.finetuned.itemText(i) for i in range(dialog.finetuned.count())]
    assert TUNED_SERVED_MODEL in offered and dialog.finetuned.currentText() == ""  # offered, never guessed
    dialog.model.setCurrentText(TEST_CHAT_MODEL)
    dialog.finetuned.setCurrentText(TUNED_SERVED_MODEL)
    choice = dialog.choice()
    assert choice == (model_server_with_lora, TEST_CHAT_MODEL, None, TUNED_SERVED_MODEL)

    window = make_window()
    with qtbot.waitSignal(window.model_loaded, timeout=WAIT_MS):
        window.use_server(*choice)
    qtbot.waitUntil(lambda: not window.loading_model, timeout=WAIT_MS)
    assert window.model_bar.adapter_name() == f"+ fine-tuned: {TUNED_SERVED_MODEL}"
    assert "serves with its adapter applied" in window.model_bar.adapter_label.toolTip()
    box = window.compare.mode_boxes["finetuned"]
    assert box.isEnabled() and box.isChecked()
    assert window.prefs.last_server_finetuned() == TUNED_SERVED_MODEL
    # The fine-tuned column alone: this server swaps its two models per request, which is slow on a busy machine.
    window.compare.mode_boxes["plain"].setChecked(False)
    window.compare.ask("What is two plus two?")
    qtbot.waitUntil(lambda: not window.compare.running and window.compare.last_comparison() is not None,
                    timeout=WAIT_MS)
    last = window.compare.last_comparison()
    assert [a["mode"] for a in last["answers"]] == ["finetuned"]
    assert last["adapter"]["name"] == TUNED_SERVED_MODEL and all(a["text"] for a in last["answers"])

    window.remove_adapter()
    qtbot.waitUntil(lambda: window.workspace.adapter is None and window._adapter_worker is None, timeout=WAIT_MS)
    assert not box.isEnabled() and "cannot be applied there" in box.toolTip()
    assert window.prefs.last_server_finetuned() == ""
