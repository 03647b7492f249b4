"""Screenshots of a team's shared knowledge base in the app (assets/screenshots/shared-kb-*.png): the "Shared
knowledge base" dialog after List knowledge bases, and the window with the demo documents indexed into it and one
question answered. It starts a throwaway PostgreSQL with pgvector (the pgserver wheel) on 127.0.0.1 for as long as
it runs, offscreen, on the default model:

    .venv/bin/python packaging/take_shared_kb_screenshots.py [light] [dark]
"""

from __future__ import annotations

import os
import sys
import tempfile
from functools import partial
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "assets" / "screenshots"
KB = "Brellvik"
QUESTION = "What does error code E27 mean on a Brellvik Corvus 5 coffee machine?"


def main(themes: list[str]) -> None:
    os.environ.setdefault("CROSSROADS_HOME", tempfile.mkdtemp())
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    from crossroads.config import Settings
    from crossroads.demo import demo_documents
    from crossroads.models.catalog import load_catalog
    from crossroads.store.postgres import PostgresKnowledgeBase
    from crossroads.store.postgres.address import compose_server_url
    from crossroads.store.postgres.throwaway import throwaway_server
    from crossroads.ui import theme as look
    from crossroads.ui.main_window import MainWindow
    from crossroads.ui.preferences import Preferences
    from crossroads.ui.shared_kb_dialog import SharedKbDialog
    from crossroads.workspace import Workspace

    app = QApplication(sys.argv[:1])

    from screenshot_wait import settle as settle_app
    from screenshot_wait import wait as wait_app

    wait, settle = partial(wait_app, app), partial(settle_app, app)

    with throwaway_server() as server:
        for other in ("Acme Logistics", "Northwind pilot"):
            PostgresKnowledgeBase.open(compose_server_url(server, other), create=True).close()
        for name in themes:
            look.apply_theme(app, name)
            dialog = SharedKbDialog(server=server)
            dialog.show()
            dialog.list_kbs()
            wait(lambda d=dialog: not d.listing)  # type: ignore[misc]
            dialog.kb.setCurrentText(KB)
            dialog.create.setChecked(True)
            settle()
            dialog.grab().save(str(OUT / f"shared-kb-dialog-{name}.png"))
            url, create = dialog.choice()
            dialog.close()
            window = MainWindow(Preferences(), Workspace(Settings(max_tokens=96)))
            window.resize(1360, 860)
            window.show()
            window.load_model(load_catalog().default("chat").name)
            window.library.open_kb(url, create=create)
            wait(lambda w=window: w.library.knowledge_base is not None and not w.loading_model)  # type: ignore[misc]
            if not window.library.has_documents():
                window.library.add_paths([demo_documents()])
                wait(lambda w=window: not w.library.indexing and w.library.has_documents())  # type: ignore[misc]
            wait(lambda w=window: w.compare.mode_boxes["rag"].isEnabled())  # type: ignore[misc]
            window.compare.question.setPlainText(QUESTION)
            window.compare.ask(QUESTION)
            wait(lambda w=window: not w.compare.running and w.compare.last_comparison())  # type: ignore[misc]
            settle()
            answers = window.compare.last_comparison()["answers"]
            print(name, [(a["mode"], a["finish_reason"], a["text"][:80]) for a in answers], flush=True)
            window.grab().save(str(OUT / f"shared-kb-window-{name}.png"))
            window.close()


if __name__ == "__main__":
    main(sys.argv[1:] or ["light", "dark"])
