"""The fine-tuned adapter in the window: opened and removed from the model bar, four columns streaming at once,
refused files explained with the previous state kept. Real tiny model, real GGUF LoRA adapter, offscreen."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QTimer

from crossroads.compare import MODES

from .helpers import WAIT_MS

pytestmark = pytest.mark.gui

FOUR = ["plain", "rag", "finetuned", "finetuned+rag"]
TUNED = ["finetuned", "finetuned+rag"]
POLICY = ("# Parking\n\nStaff park in lot K7 behind the Zorbanian warehouse.\n\n"
          "# Travel\n\nThe Zorbanian travel allowance is 73 florins per day.\n")


def with_documents(qtbot, window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "client"
    folder.mkdir()
    (folder / "policy.md").write_text(POLICY, encoding="utf-8")
    with qtbot.waitSignal(window.library.kb_changed, timeout=WAIT_MS):
        window.library.open_kb("acme")
    with qtbot.waitSignal(window.library.documents_changed, timeout=WAIT_MS):
        window.library.add_paths([folder])


def change_adapter(qtbot, window, path: Path | None) -> None:  # type: ignore[no-untyped-def]
    """Open ``path`` as the adapter (None: remove it), as the model bar does, and wait for the worker."""
    qtbot.waitUntil(lambda: not window.loading_model, timeout=WAIT_MS)
    assert window.model_bar.open_adapter_action.isEnabled()
    if path is None:
        window.model_bar.remove_adapter_action.trigger()
    else:
        window.model_bar.adapter_chosen.emit(str(path))
    assert window.loading_model, "the adapter loads on a worker, not on the UI thread"
    qtbot.waitUntil(lambda: not window.loading_model, timeout=WAIT_MS)


def offered(panel_boxes) -> list[str]:  # type: ignore[no-untyped-def]
    return [name for name, box in panel_boxes.items() if box.isEnabled()]


def test_opening_an_adapter_offers_the_fine_tuned_columns_and_all_four_stream_at_once(
    qtbot, make_window, tiny_lora_path: Path, tmp_path: Path
) -> None:
    from crossroads.config import Settings

    window = make_window(settings=Settings(max_tokens=64, threads=2, context_size=2048))
    with_documents(qtbot, window, tmp_path)
    compare = window.compare
    assert offered(compare.mode_boxes) == ["plain", "rag"]
    assert "Open a fine-tuned adapter" in compare.mode_boxes["finetuned"].toolTip()
    assert not window.model_bar.adapter_label.isVisibleTo(window)

    change_adapter(qtbot, window, tiny_lora_path)

    assert "tiny-lora" in window.model_bar.adapter_name() and window.model_bar.adapter_label.isVisibleTo(window)
    assert window.model_bar.remove_adapter_action.isEnabled()
    assert compare.selected_modes() == FOUR, "opening an adapter ticks its columns"
    assert all(compare.panes[m].isVisibleTo(window) for m in FOUR)
    assert offered(window.evaluate.mode_boxes) == FOUR

    all_four_written: list[bool] = []

    def sample() -> None:
        if compare.running:
            all_four_written.append(all(compare.panes[m].plain_text() for m in FOUR))

    timer = QTimer()
    timer.timeout.connect(sample)
    timer.start(15)
    with qtbot.waitSignal(compare.comparison_finished, timeout=WAIT_MS) as finished:
        compare.ask("Write a long story about the Zorbanian warehouse and where the staff park.")
    timer.stop()
    data = finished.args[0]

    assert [a["mode"] for a in data["answers"]] == FOUR
    assert data["adapter"]["name"] == "tiny-lora" == tiny_lora_path.stem
    assert any(all_four_written), "the four columns held text at the same moment of one request"
    for answer in data["answers"]:
        pane = compare.panes[answer["mode"]]
        assert pane.plain_text().strip() == answer["text"]
        assert "tokens/s" in pane.figures.text()
        assert (answer["adapter"] == "tiny-lora") == (answer["mode"] in TUNED)
    assert compare.panes["finetuned"].title.text() == MODES["finetuned"].label
    assert "tiny-lora" in compare.panes["finetuned"].title.toolTip()


def test_a_refused_adapter_says_why_and_keeps_the_adapter_loaded_before(
    qtbot, make_window, tiny_model_path: Path, tiny_lora_path: Path, tmp_path: Path
) -> None:
    from crossroads.config import Settings
    from engine.lora_fixture import write_lora

    window = make_window(settings=Settings(max_tokens=12, threads=2, context_size=2048))
    change_adapter(qtbot, window, tiny_lora_path)
    before = window.workspace.adapter
    wrong_base = write_lora(tiny_model_path, tmp_path / "qwen-lora.gguf", architecture="qwen2")
    text_file = tmp_path / "notes.gguf"
    text_file.write_text("not an adapter at all " * 20, encoding="utf-8")

    for path, reason in ((wrong_base, "made for a 'qwen2' model"), (tiny_model_path, "is the loaded model itself"),
                         (text_file, "not a GGUF file")):
        change_adapter(qtbot, window, path)
        assert reason in window.notice.text()
        assert "tiny-lora is still loaded" in window.notice.text()
        assert window.workspace.adapter == before
        assert "tiny-lora" in window.model_bar.adapter_name()
        assert window.compare.selected_modes() == ["plain", "finetuned"]  # no knowledge base: no documents modes

    with qtbot.waitSignal(window.compare.comparison_finished, timeout=WAIT_MS) as finished:
        window.compare.ask("Where do the staff park?")
    assert [a["mode"] for a in finished.args[0]["answers"]] == ["plain", "finetuned"]


def test_a_refused_adapter_with_none_loaded_changes_nothing(
    qtbot, make_window, tiny_model_path: Path
) -> None:
    window = make_window(load=False)
    assert not window.model_bar.open_adapter_action.isEnabled(), "an adapter needs its model loaded first"
    with qtbot.waitSignal(window.model_loaded, timeout=WAIT_MS):
        window.load_model(str(tiny_model_path))
    change_adapter(qtbot, window, tiny_model_path)
    assert "is the loaded model itself" in window.notice.text() and "Nothing was changed" in window.notice.text()
    assert window.workspace.adapter is None and not window.model_bar.adapter_label.isVisibleTo(window)
    assert offered(window.compare.mode_boxes) == ["plain"]


def test_removing_the_adapter_or_switching_the_model_takes_the_fine_tuned_columns_away(
    qtbot, make_window, tiny_model_path: Path, tiny_lora_path: Path, tmp_path: Path
) -> None:
    window = make_window()
    with_documents(qtbot, window, tmp_path)
    compare = window.compare
    change_adapter(qtbot, window, tiny_lora_path)
    assert compare.selected_modes() == FOUR

    change_adapter(qtbot, window, None)

    assert window.workspace.adapter is None
    assert not window.model_bar.adapter_label.isVisibleTo(window)
    assert not window.model_bar.remove_adapter_action.isEnabled()
    assert compare.selected_modes() == ["plain", "rag"]
    assert not any(compare.panes[m].isVisibleTo(window) for m in TUNED)
    assert offered(window.evaluate.mode_boxes) == ["plain", "rag"]
    assert window.evaluate.selected_modes() == ["plain", "rag"]

    change_adapter(qtbot, window, tiny_lora_path)
    assert compare.selected_modes() == FOUR
    with qtbot.waitSignal(window.model_loaded, timeout=WAIT_MS):
        window.load_model(str(tiny_model_path))  # an adapter belongs to the model it was loaded on
    assert window.workspace.adapter is None
    assert not any(compare.panes[m].isVisibleTo(window) for m in TUNED)
    assert offered(window.evaluate.mode_boxes) == ["plain", "rag"]


def test_the_adapter_comes_back_with_its_model_after_a_restart(
    qtbot, make_window, tiny_model_path: Path, tiny_lora_path: Path
) -> None:
    first = make_window()
    change_adapter(qtbot, first, tiny_lora_path)
    first.close()

    again = make_window()  # the same user-data folder: the preferences of the first window
    qtbot.waitUntil(lambda: again.workspace.adapter is not None and not again.loading_model, timeout=WAIT_MS)
    assert again.workspace.adapter.path == tiny_lora_path
    assert "tiny-lora" in again.model_bar.adapter_name()
    change_adapter(qtbot, again, None)
    again.close()

    third = make_window()
    qtbot.wait(300)
    assert not third.loading_model and third.workspace.adapter is None, "a removed adapter stays removed"


def test_a_whole_fine_tuned_model_opens_from_the_same_menu_and_says_what_it_is(
    qtbot, make_window, tiny_model_path: Path, tmp_path: Path
) -> None:
    from engine.lora_fixture import write_finetuned_model

    window = make_window()
    finetuned = write_finetuned_model(tiny_model_path, tmp_path / "smollm2-acme.gguf")
    assert window.model_bar.open_adapter_action.text() == "Open fine-tuned adapter or model…"
    change_adapter(qtbot, window, finetuned)
    assert "smollm2-acme" in window.model_bar.adapter_name()
    assert "Whole fine-tuned model" in window.model_bar.adapter_label.toolTip()
    assert window.workspace.adapter is not None and window.workspace.adapter.kind == "model"
    change_adapter(qtbot, window, None)
    assert window.workspace.adapter is None and not window.model_bar.adapter_label.isVisibleTo(window)
