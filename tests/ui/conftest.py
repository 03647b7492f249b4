"""The real window on the real tiny model, offscreen. Each test gets its own user-data folder (see tests/conftest)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .helpers import WAIT_MS

pytestmark = pytest.mark.gui


@pytest.fixture
def make_window(qtbot, tiny_model_path: Path) -> Iterator[Callable[..., object]]:
    """Build a MainWindow with a fresh workspace; ``load=True`` loads the tiny model and waits for it."""
    from crossroads.config import Settings
    from crossroads.ui.main_window import MainWindow
    from crossroads.ui.preferences import Preferences
    from crossroads.workspace import Workspace

    windows: list[MainWindow] = []

    def make(load: bool = True, settings: Settings | None = None) -> MainWindow:
        prefs = Preferences()
        chosen = settings or Settings(max_tokens=48, threads=2, context_size=2048)
        prefs.save_settings(chosen)
        window = MainWindow(prefs, Workspace(chosen))
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        if load:
            with qtbot.waitSignal(window.model_loaded, timeout=WAIT_MS):
                window.load_model(str(tiny_model_path))
            # The loader's end comes just after its result: until then the window still counts as loading.
            qtbot.waitUntil(lambda: not window.loading_model, timeout=WAIT_MS)
        return window

    yield make
    for window in windows:
        if window.isVisible():
            window.close()

