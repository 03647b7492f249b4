"""Screenshots of the app on a model server (assets/screenshots/server-*.png): the "Use a model server" dialog after
Test connection, and the window (and its status bar alone) after one answer from the server. It starts
llama-cpp-python's OpenAI-compatible server on the tiny model, on 127.0.0.1, for as long as it runs, offscreen:

    .venv/bin/python packaging/take_server_screenshots.py [light] [dark]
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "assets" / "screenshots"
MODEL = "smollm2-135m-instruct"


def start_server(model: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", MODEL, "--host",
         "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "2", "--verbose", "False"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/v1/models")
            if conn.getresponse().status == 200:
                return proc, f"http://127.0.0.1:{port}/v1"
        except OSError:
            time.sleep(0.5)
        finally:
            conn.close()
    proc.terminate()
    raise SystemExit("the model server did not start")


def main(themes: list[str]) -> None:
    os.environ.setdefault("CROSSROADS_HOME", tempfile.mkdtemp())
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    from crossroads.config import Settings
    from crossroads.models.catalog import load_catalog
    from crossroads.ui import theme as look
    from crossroads.ui.main_window import MainWindow
    from crossroads.ui.preferences import Preferences
    from crossroads.ui.server_dialog import ServerDialog
    from crossroads.workspace import Workspace

    proc, url = start_server(load_catalog().get(MODEL).local_path())
    app = QApplication(sys.argv[:1])

    from screenshot_wait import settle as settle_app
    from screenshot_wait import wait as wait_app

    wait, settle = partial(wait_app, app), partial(settle_app, app)

    try:
        for name in themes:
            look.apply_theme(app, name)
            dialog = ServerDialog(url, "")
            dialog.show()
            dialog.test_connection()
            wait(lambda d=dialog: not d.testing)  # type: ignore[misc]
            settle()
            dialog.grab().save(str(OUT / f"server-dialog-{name}.png"))
            dialog.close()
            window = MainWindow(Preferences(), Workspace(Settings(max_tokens=48, context_size=2048)))
            window.resize(1360, 860)
            window.show()
            loaded: list[object] = []
            window.model_loaded.connect(loaded.append)
            window.use_server(url)
            wait(lambda w=window, seen=loaded: seen and not w.loading_model)  # type: ignore[misc]
            window.compare.ask("What is two plus two?")
            wait(lambda w=window: not w.compare.running and w.compare.last_comparison())  # type: ignore[misc]
            settle()
            window.grab().save(str(OUT / f"server-window-{name}.png"))
            window.statusBar().grab().save(str(OUT / f"server-statusbar-{name}.png"))
            window.close()
    finally:
        proc.terminate()
        proc.wait(20)


if __name__ == "__main__":
    main(sys.argv[1:] or ["light", "dark"])
