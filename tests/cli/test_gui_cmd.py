"""`crossroads gui`: opens the window; without a display it says how to work headless; --screenshot saves it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crossroads.cli import main


def test_without_a_display_it_says_so_and_points_to_the_cli(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    assert main(["gui"]) == 2
    err = capsys.readouterr().err
    assert "No display" in err and "crossroads demo" in err and err.count("\n") == 1


def test_a_screenshot_must_be_a_png(capsys) -> None:
    assert main(["gui", "--screenshot", "window.jpg"]) == 2
    assert ".png" in capsys.readouterr().err


@pytest.mark.gui
@pytest.mark.slow
def test_screenshot_waits_for_the_window_to_be_ready_then_saves_it(tmp_path: Path, tiny_model_path: Path) -> None:
    out = tmp_path / "window.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "crossroads", "gui", "--model", str(tiny_model_path), "--screenshot", str(out),
         "--size", "1280x800", "--theme", "dark"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    from PySide6.QtGui import QImage

    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 800)
    assert image.pixelColor(640, 400).lightness() < 128, "the dark theme was applied"
