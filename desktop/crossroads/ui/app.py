"""Starting the app: the Qt application, the theme, the window, and what it opens first.

``--screenshot`` is how the README's pictures stay current: it waits until the window is really ready (model
loaded; with ``--demo`` the sample documents indexed and the first question answered in both columns), saves the
window and quits.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LaunchOptions:
    kb: str | None = None
    model: str | None = None
    demo: bool = False
    screenshot: Path | None = None
    theme: str | None = None
    tab: str | None = None  # "compare", "evaluate", "decide": the tab shown first (for screenshots)
    size: tuple[int, int] = (1360, 860)
    screenshot_timeout_s: float = 600.0


def display_available() -> bool:
    """Whether Qt can open a window here (a desktop session, or the offscreen platform for headless use)."""
    if sys.platform in ("win32", "darwin"):
        return True
    if os.environ.get("QT_QPA_PLATFORM", "").startswith(("offscreen", "minimal", "vnc", "eglfs", "linuxfb")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run(options: LaunchOptions) -> int:
    from crossroads import logfile

    logfile.setup()  # a worker's traceback goes to the log file; the window shows one plain line
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if options.screenshot is not None and not display_available():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a screenshot needs no screen
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from crossroads.ui import theme
    from crossroads.ui.main_window import MainWindow
    from crossroads.ui.preferences import Preferences

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Crossroads")
    app.setOrganizationName("Crossroads")
    app.setApplicationDisplayName("Crossroads")
    icon = Path(__file__).resolve().parent / "icons" / "crossroads.svg"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    prefs = Preferences()
    theme.apply_theme(app, options.theme or prefs.theme(), presentation=prefs.presentation())
    window = MainWindow(prefs)
    window.resize(*options.size)
    tabs = {"compare": 0, "evaluate": 1, "decide": 2}
    if options.tab in tabs:
        window.tabs.setCurrentIndex(tabs[options.tab])
    window.show()
    window.refresh_model_choices()

    from crossroads.models.catalog import load_catalog

    model = options.model or prefs.last_model()
    if model and not options.model and not Path(model).is_file():
        model = None  # the last model was moved or deleted: fall back to the default
    window.load_model(model or load_catalog().default("chat").name)
    if options.demo:
        window.start_demo(ask_first=True)
    else:
        from crossroads.store.registry import list_kbs

        last = prefs.last_kb()
        first = kb_at_start(options.kb, str(last) if last else None, list_kbs())
        if first is not None:
            window.library.open_kb(first)

    if options.screenshot is not None:
        _arrange_screenshot(window, options, app)
        QTimer.singleShot(int(options.screenshot_timeout_s * 1000), lambda: _give_up(app))
    return app.exec()


def kb_at_start(asked: str | None, last: str | None, known: list[str]) -> str | None:
    """The knowledge base the window opens with: the one asked for, else the last one used if it still exists (a
    team's shared one is reopened, never created again), else on a first start the only one there is (made with
    `crossroads index` before the app was ever opened)."""
    from crossroads.store.postgres.address import is_server_url

    if asked:
        return asked
    if last:
        return last if is_server_url(last) or last in known else None
    return known[0] if len(known) == 1 else None


def _arrange_screenshot(window: object, options: LaunchOptions, app: object) -> None:
    from PySide6.QtCore import QTimer

    target = options.screenshot
    assert target is not None

    def is_ready() -> bool:
        w = window  # type: ignore[assignment]
        answering = w.workspace.model or w.workspace.server  # type: ignore[attr-defined]
        if answering is None or w.loading_model:  # type: ignore[attr-defined]
            return False
        if options.demo:
            last = w.compare.last_comparison()  # type: ignore[attr-defined]
            return last is not None and not w.compare.running and len(last["answers"]) >= 2  # type: ignore[attr-defined]
        if options.kb:
            return w.library.knowledge_base is not None and not w.library.indexing  # type: ignore[attr-defined]
        return True

    def poll() -> None:
        if not is_ready():
            QTimer.singleShot(250, poll)
            return
        QTimer.singleShot(600, save)  # let the last repaints (marks, sources) land

    def save() -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        pixmap = window.grab()  # type: ignore[attr-defined]
        ok = pixmap.save(str(target))
        print(f"{'Saved' if ok else 'Could not save'} the window to {target}", flush=True)
        window.close()  # type: ignore[attr-defined]
        app.exit(0 if ok else 1)  # type: ignore[attr-defined]

    poll()


def _give_up(app: object) -> None:
    print("The window did not become ready in time; no screenshot was taken.", file=sys.stderr, flush=True)
    app.exit(1)  # type: ignore[attr-defined]
