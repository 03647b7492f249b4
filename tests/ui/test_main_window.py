"""The desktop window, driven as a user would: real tiny model, real embedder, real files, offscreen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from .helpers import WAIT_MS, wait_idle, write_pdf

pytestmark = pytest.mark.gui

POLICY = (
    "# Travel policy\n\nThe Zorbanian travel allowance is 73 florins per day for trips to Quellstadt.\n\n"
    "# Parking\n\nStaff park in lot K7 behind the Zorbanian warehouse.\n"
)


def client_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "client"
    folder.mkdir()
    (folder / "policy.md").write_text(POLICY, encoding="utf-8")
    write_pdf(folder / "handbook.pdf",
              ["Engineers receive a Vorpal X9 laptop on their first day.",
               "The canteen serves lunch from 11:30 to 13:30."], "Handbook")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    return folder


def open_kb(qtbot, window, name: str) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.library.kb_changed, timeout=WAIT_MS):
        window.library.open_kb(name)


def index(qtbot, window, paths: list[Path]) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.library.documents_changed, timeout=WAIT_MS):
        window.library.add_paths(paths)


def states(window) -> dict[str, str]:  # type: ignore[no-untyped-def]
    model = window.library.model
    return {Path(r.key).name: model.data(model.index(i, 4)) for i, r in enumerate(model.rows())}


def test_adding_a_folder_shows_each_document_and_a_bad_file_says_why_while_the_others_index(
    qtbot, make_window, tmp_path: Path
) -> None:
    window = make_window(load=False)
    open_kb(qtbot, window, "acme")
    seen_progress: list[str] = []
    window.library.progress.valueChanged.connect(lambda _v: seen_progress.append(window.library.progress.format()))
    index(qtbot, window, [client_folder(tmp_path)])
    found = states(window)
    assert found["policy.md"] == "indexed" and found["handbook.pdf"] == "indexed"
    assert found["broken.pdf"].startswith("failed: ") and len(found["broken.pdf"]) > 20
    assert any("of 3 files" in text for text in seen_progress)
    pages = window.library.model.data(window.library.model.index(
        [Path(r.key).name for r in window.library.model.rows()].index("handbook.pdf"), 2))
    assert pages == "2"
    assert "could not be read" in window.library.progress_label.text()


def test_indexing_a_long_document_shows_it_embedding_and_about_how_long_that_will_still_take(
    qtbot, make_window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = make_window(load=False)
    open_kb(qtbot, window, "acme")
    manual = tmp_path / "manual.md"
    manual.write_text("\n\n".join(
        f"## Section {n}\n\n" + " ".join(f"Step {n}.{i}: turn the dial to position {i} and wait." for i in range(30))
        for n in range(40)), encoding="utf-8")
    label = window.library.progress_label
    shown: list[tuple[str, str]] = []  # the label's text, and the document's state in the table then
    set_text = label.setText
    monkeypatch.setattr(label, "setText",
                        lambda text: (shown.append((text, states(window).get("manual.md", ""))), set_text(text)))
    window.library.earliest_estimate_s = 0.0  # estimate from the first batch: this test's document is short
    index(qtbot, window, [manual])
    embedding = [(text, state) for text, state in shown if text.startswith("Embedding passages:")]
    assert embedding[0][0].startswith("Embedding passages: 0 of ") and "left" not in embedding[0][0]
    assert any(re.fullmatch(r"Embedding passages: \d+ of \d+ · about \d+:\d\d left", text) for text, _ in embedding)
    assert {state for _, state in embedding} == {"embedding…"}
    assert "1 indexed" in label.text() and states(window)["manual.md"] == "indexed"


def ask_about_the_client(qtbot, make_window, tmp_path: Path, question: str):  # type: ignore[no-untyped-def]
    """A window on the client's folder, asked ``question`` with Ctrl+Enter; returns it and the comparison."""
    window = make_window()
    open_kb(qtbot, window, "acme")
    index(qtbot, window, [client_folder(tmp_path)])
    with qtbot.waitSignal(window.compare.comparison_finished, timeout=WAIT_MS) as finished:
        window.compare.question.setPlainText(question)
        qtbot.keyClick(window.compare.question, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    return window, finished.args[0]


def test_asking_fills_both_columns_marks_sentences_and_lists_sources(qtbot, make_window, tmp_path: Path) -> None:
    window, data = ask_about_the_client(qtbot, make_window, tmp_path, "What laptop does an engineer receive?")
    compare = window.compare
    assert [a["mode"] for a in data["answers"]] == ["plain", "rag"]
    for answer in data["answers"]:
        pane = compare.panes[answer["mode"]]
        assert pane.plain_text().strip() == answer["text"]
        assert "tokens/s" in pane.figures.text()
        assert "Grounded" in pane.grounded.text() or "nothing to check" in pane.grounded.text()
    assert compare.sources.tree.topLevelItemCount() >= 1
    assert compare.sources.sources()[0]["document"]
    window._show_offline()
    assert window.offline_label.text().startswith("● Offline"), "indexing and answering attempted no connection"


def test_a_question_about_a_name_no_document_mentions_is_answered_at_once_and_says_why(
    qtbot, make_window, tmp_path: Path
) -> None:
    window, data = ask_about_the_client(qtbot, make_window, tmp_path, "What laptop does a Quorvex engineer receive?")
    compare = window.compare
    rag = next(a for a in data["answers"] if a["mode"] == "rag")
    assert rag["text"] == "The documents do not say. No document mentions “Quorvex”."
    pane = compare.panes["rag"]
    assert pane.plain_text().strip() == rag["text"]
    assert "not asked" in pane.note.text() and "mentions" in pane.note.text()
    assert compare.sources.tree.topLevelItemCount() >= 1  # what was nearest is still there to read


def test_both_columns_fill_during_one_request(qtbot, make_window, tmp_path: Path) -> None:
    from crossroads.config import Settings

    window = make_window(settings=Settings(max_tokens=160, threads=2, context_size=2048))
    open_kb(qtbot, window, "acme")
    index(qtbot, window, [client_folder(tmp_path)])
    compare = window.compare
    both_written_while_running: list[bool] = []

    def sample() -> None:
        if compare.running:
            both_written_while_running.append(
                bool(compare.panes["plain"].plain_text()) and bool(compare.panes["rag"].plain_text()))

    from PySide6.QtCore import QTimer

    timer = QTimer()
    timer.timeout.connect(sample)
    timer.start(15)
    with qtbot.waitSignal(compare.comparison_finished, timeout=WAIT_MS):
        compare.ask("Write a long story about the Zorbanian warehouse and its parking lot, in many sentences.")
    timer.stop()
    assert any(both_written_while_running), "both columns held text at the same moment of one request"


def test_stop_ends_the_answers_keeps_what_was_written_and_the_next_question_works(
    qtbot, make_window
) -> None:
    from crossroads.config import Settings

    window = make_window(settings=Settings(max_tokens=2000, threads=2, context_size=4096))
    compare = window.compare
    compare.ask("Write a very long essay about the history of bread, with many chapters.")
    qtbot.waitUntil(lambda: len(compare.panes["plain"].plain_text()) > 20, timeout=WAIT_MS)
    with qtbot.waitSignal(compare.comparison_finished, timeout=WAIT_MS) as finished:
        qtbot.mouseClick(compare.stop_button, Qt.MouseButton.LeftButton)
    answer = finished.args[0]["answers"][0]
    assert answer["finish_reason"] == "cancelled"
    assert answer["completion_tokens"] < 2000
    assert compare.panes["plain"].plain_text().strip() == answer["text"]
    wait_idle(qtbot, window)
    assert compare.ask_button.isEnabled() and not compare.stop_button.isEnabled()
    window.workspace.update_settings(Settings(max_tokens=8, threads=2, context_size=4096))
    with qtbot.waitSignal(compare.comparison_finished, timeout=WAIT_MS) as again:
        compare.ask("Say hello.")
    assert again.args[0]["answers"][0]["finish_reason"] in {"stop", "length"}


def test_clicking_a_source_shows_its_passage_in_context_and_the_pdf_page(qtbot, make_window, tmp_path: Path) -> None:
    window = make_window()
    open_kb(qtbot, window, "acme")
    index(qtbot, window, [client_folder(tmp_path)])
    compare = window.compare
    with qtbot.waitSignal(compare.comparison_finished, timeout=WAIT_MS):
        compare.ask("Which laptop do engineers receive on their first day?")
    sources = compare.sources.sources()
    pdf_rank = next(s["rank"] for s in sources if s["document"] == "Handbook")
    compare.sources.select(pdf_rank)
    qtbot.waitUntil(lambda: compare.sources.views.isTabEnabled(1), timeout=WAIT_MS)
    assert "Vorpal X9" in compare.sources.context.toPlainText()
    assert "Handbook" in compare.sources.context.toPlainText()
    pixmap = compare.sources.page_label.pixmap()
    assert pixmap is not None and not pixmap.isNull() and pixmap.height() > pixmap.width()


def test_a_citation_link_in_the_answer_selects_that_source(qtbot, make_window, tmp_path: Path) -> None:
    window = make_window()
    open_kb(qtbot, window, "acme")
    index(qtbot, window, [client_folder(tmp_path)])
    compare = window.compare
    with qtbot.waitSignal(compare.comparison_finished, timeout=WAIT_MS):
        compare.ask("Where do staff park?")
    compare.panes["rag"].citation_clicked.emit(2)
    current = compare.sources.tree.currentItem()
    assert current is not None and current.text(0) == "2"


def test_a_past_comparison_reopens_exactly_as_answered(qtbot, make_window, tmp_path: Path) -> None:
    window = make_window()
    open_kb(qtbot, window, "acme")
    index(qtbot, window, [client_folder(tmp_path)])
    compare = window.compare
    with qtbot.waitSignal(compare.comparison_finished, timeout=WAIT_MS) as first:
        compare.ask("Where do staff park?")
    qtbot.waitUntil(lambda: not compare.running, timeout=WAIT_MS)  # "finished" comes just before the worker ends
    with qtbot.waitSignal(compare.comparison_finished, timeout=WAIT_MS):
        compare.ask("How much is the travel allowance?")
    entries = window.workspace.history(window.library.knowledge_base).entries()
    assert [e.question for e in entries] == ["How much is the travel allowance?", "Where do staff park?"]
    qtbot.waitUntil(lambda: not compare.running, timeout=WAIT_MS)  # "finished" comes just before the worker ends
    compare.reopen(entries[1].id)
    assert compare.question.toPlainText() == "Where do staff park?"
    assert compare.panes["rag"].plain_text().strip() == first.args[0]["answers"][1]["text"]
    assert compare.sources.tree.topLevelItemCount() == len(first.args[0]["answers"][1]["sources"])


def test_switching_knowledge_bases_switches_documents_history_and_the_documents_mode(
    qtbot, make_window, tmp_path: Path
) -> None:
    window = make_window(load=False)
    open_kb(qtbot, window, "acme")
    index(qtbot, window, [client_folder(tmp_path)])
    open_kb(qtbot, window, "empty client")
    assert window.library.model.rowCount() == 0
    assert window.compare._kb is window.library.knowledge_base
    assert window.library.kb_combo.currentText() == "empty client"
    open_kb(qtbot, window, "acme")
    assert window.library.model.rowCount() == 3
    from crossroads.store.registry import list_kbs

    assert list_kbs() == ["acme", "empty client"]


def test_renaming_and_deleting_a_knowledge_base(qtbot, make_window, tmp_path: Path, monkeypatch) -> None:
    from PySide6.QtWidgets import QInputDialog, QMessageBox

    from crossroads.store.registry import list_kbs

    window = make_window(load=False)
    open_kb(qtbot, window, "acme")
    index(qtbot, window, [tmp_path / "client" if (tmp_path / "client").exists() else client_folder(tmp_path)])
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Acme Corp", True))
    with qtbot.waitSignal(window.library.kb_changed, timeout=WAIT_MS):
        window.library.rename_kb()
    assert list_kbs() == ["Acme Corp"] and window.library.model.rowCount() == 3
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(window.library.kb_changed, timeout=WAIT_MS) as deleted:
        window.library.delete_kb()
    assert deleted.args[0] is None and list_kbs() == []
    assert (tmp_path / "client" / "policy.md").exists(), "deleting a knowledge base never touches the documents"


def test_removing_a_document_forgets_it(qtbot, make_window, tmp_path: Path) -> None:
    window = make_window(load=False)
    open_kb(qtbot, window, "acme")
    index(qtbot, window, [client_folder(tmp_path)])
    names = [Path(r.key).name for r in window.library.model.rows()]
    window.library.table.selectRow(names.index("policy.md"))
    with qtbot.waitSignal(window.library.documents_changed, timeout=WAIT_MS):
        window.library.remove_selected()
    assert "policy.md" not in states(window)
    assert window.library.knowledge_base.chunk_count() > 0


def test_a_file_that_is_not_a_model_is_refused_plainly_and_the_loaded_model_stays(
    qtbot, make_window, tmp_path: Path
) -> None:
    window = make_window()
    before = window.workspace.model
    fake = tmp_path / "model.gguf"
    fake.write_bytes(b"this is a text file, not a model" * 10)
    window.load_model(str(fake))
    qtbot.waitUntil(lambda: not window.loading_model, timeout=WAIT_MS)
    assert "GGUF" in window.notice.text() or "model" in window.notice.text().lower()
    assert "still loaded" in window.notice.text()
    assert window.workspace.model == before
    assert before.name in window.model_bar._name.text()


def test_switching_to_another_model_shows_its_facts(qtbot, make_window) -> None:
    window = make_window()
    tiny = window.workspace.model
    with qtbot.waitSignal(window.model_loaded, timeout=WAIT_MS) as loaded:
        window.load_model("qwen2.5-coder-0.5b-instruct")
    summary = loaded.args[0]
    assert summary.architecture == "qwen2" and summary.path != tiny.path
    assert summary.name in window.model_bar._name.text()
    assert "Q4_K_M" in window.model_bar._detail.text()
    assert window.prefs.recent_models()[:2] == [str(summary.path), str(tiny.path)]


def test_settings_persist_across_restarts(qtbot, make_window) -> None:
    from crossroads.config import Settings
    from crossroads.ui.preferences import Preferences

    window = make_window(load=False)
    window.apply_settings(Settings(max_tokens=77, top_k=3, temperature=0.3, threads=1, chunk_tokens=150))
    window.set_theme("dark")
    window.close()
    prefs = Preferences()
    assert prefs.settings() == Settings(max_tokens=77, top_k=3, temperature=0.3, threads=1, chunk_tokens=150)
    assert prefs.theme() == "dark"
    assert prefs.reset_settings() == Settings() and Preferences().settings() == Settings()


def test_the_settings_dialog_refuses_an_overlap_as_large_as_the_passage(qtbot) -> None:
    from crossroads.config import Settings
    from crossroads.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(Settings(), ["all-minilm-l6-v2"])
    qtbot.addWidget(dialog)
    dialog.chunk_tokens.setValue(100)
    dialog.chunk_overlap.setValue(100)
    dialog.accept()
    assert "overlap" in dialog.error.text().lower() and dialog.result_settings() is None
    dialog.restore_defaults()
    dialog.accept()
    assert dialog.result_settings() == Settings()


def test_the_status_bar_says_offline_and_counts_no_connection(qtbot, make_window) -> None:
    window = make_window()
    assert window.offline_label.text().startswith("● Offline")


def test_closing_while_answering_and_indexing_stops_cleanly(qtbot, make_window, tmp_path: Path) -> None:
    from crossroads.config import Settings
    from crossroads.ui.worker import running_workers

    window = make_window(settings=Settings(max_tokens=2000, threads=2, context_size=4096))
    open_kb(qtbot, window, "acme")
    window.compare.ask("Write a very long essay about the history of bread.")
    window.library.add_paths([client_folder(tmp_path)])
    qtbot.waitUntil(lambda: len(window.compare.panes["plain"].plain_text()) > 5, timeout=WAIT_MS)
    window.close()
    qtbot.waitUntil(lambda: not [w for w in running_workers() if w.running], timeout=WAIT_MS)
    assert window.workspace.model is None


def test_the_demo_indexes_the_sample_documents_and_answers_the_first_question(qtbot, make_window) -> None:
    window = make_window()
    with qtbot.waitSignal(window.compare.comparison_finished, timeout=WAIT_MS) as finished:
        window.start_demo()
    assert window.library.knowledge_base.name == "demo"
    assert window.library.model.rowCount() == 5
    assert finished.args[0]["question"].startswith("What does error code E27 mean")
    assert "Demo question 1 of" in window.compare.demo_label.text()
    qtbot.waitUntil(lambda: window.evaluate.questions.model.rowCount() == 18, timeout=WAIT_MS)
    assert window.workspace.adapter is None  # the shipped adapter was trained on the default model, not this one


def test_the_demo_drops_the_sample_documents_another_installation_indexed(qtbot, make_window, tmp_path: Path,
                                                                         embedder) -> None:
    import shutil

    from crossroads.config import kbs_dir
    from crossroads.demo import DEMO_KB, demo_documents
    from crossroads.store import KnowledgeBase

    old_copy = shutil.copytree(demo_documents(), tmp_path / "old-install" / "documents")
    with KnowledgeBase.open(kbs_dir() / DEMO_KB, create=True) as kb:
        kb.add_paths([old_copy], embedder)
    window = make_window()
    with qtbot.waitSignal(window.compare.comparison_finished, timeout=WAIT_MS) as finished:
        window.start_demo()
    keys = [row.key for row in window.library.model.rows()]
    assert len(keys) == 5 and all(Path(key).parent == demo_documents().resolve() for key in keys)
    sources = [s for answer in finished.args[0]["answers"] for s in answer["sources"]]
    assert sources and all(Path(s["path"]).resolve().parent == demo_documents().resolve() for s in sources)


def test_presentation_mode_enlarges_every_text_and_is_remembered(qtbot, make_window) -> None:
    from PySide6.QtWidgets import QApplication

    from crossroads.ui import theme
    from crossroads.ui.preferences import Preferences

    window = make_window(load=False)
    window.presentation_action.setChecked(True)
    assert QApplication.font().pointSizeF() >= theme.BASE_POINT_SIZE * 1.4
    assert Preferences().presentation()
    window.presentation_action.setChecked(False)
    assert QApplication.font().pointSizeF() == theme.BASE_POINT_SIZE and not Preferences().presentation()


def test_the_decide_tab_gets_the_whole_width(qtbot, make_window) -> None:
    window = make_window(load=False)
    window.tabs.setCurrentWidget(window.decide)
    assert not window.library.isVisible()
    window.tabs.setCurrentWidget(window.compare)
    assert window.library.isVisible()


def test_the_about_box_names_the_bundled_models_and_their_licences() -> None:
    from crossroads.ui.about_dialog import about_html

    text = about_html()
    assert "Qwen2.5-Coder 0.5B Instruct" in text and "Apache-2.0" in text and "llama-cpp-python" in text


def test_the_about_box_names_the_llama_cpp_cpu_kernels_once_a_model_has_loaded(tiny_model_path: Path) -> None:
    from crossroads.engine.llama_engine import LlamaEngine
    from crossroads.ui.about_dialog import about_html

    engine = LlamaEngine(tiny_model_path, context_size=512, threads=1, max_sequences=1)
    try:
        assert re.search(r"<td>llama.cpp CPU kernels</td><td>[^<]+</td>", about_html())
    finally:
        engine.close()


def test_switching_the_model_stops_a_running_evaluation_and_keeps_its_answers(
    qtbot, make_window, tmp_path: Path, tiny_model_path: Path
) -> None:
    import json

    window = make_window()
    panel = window.evaluate
    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps({"question": f"What is {i} plus {i}?"}) + "\n" for i in range(25)),
                         encoding="utf-8")
    panel.load_questions_file(questions)
    qtbot.waitUntil(lambda: panel.questions.model.rowCount() == 25 and not panel.questions.loading, timeout=WAIT_MS)
    panel.start()
    qtbot.waitUntil(lambda: len(panel._live) >= 1, timeout=WAIT_MS)
    with qtbot.waitSignal(panel.evaluation_finished, timeout=WAIT_MS) as finished:
        window.load_model(str(tiny_model_path))  # another copy of the model: the switch is what matters
    evaluation = finished.args[0]
    assert 1 <= len(evaluation.results) < 25  # stopped, with what it had answered
    assert all(r.error is None for r in evaluation.results)
    qtbot.waitUntil(lambda: not window.loading_model, timeout=WAIT_MS)
    assert window.workspace.model is not None and not panel.running
