"""Before a window opens on X11: a missing system library is named in one line with the command that installs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crossroads.ui import platform_check


def test_the_missing_library_is_read_from_the_loader_error() -> None:
    error = ("/venv/PySide6/Qt/plugins/platforms/libqxcb.so: libxcb-icccm.so.4: cannot open shared object file: "
             "No such file or directory")
    assert platform_check.library_named_in(error) == "libxcb-icccm.so.4"


def test_the_advice_names_the_library_the_packages_and_the_headless_way() -> None:
    text = platform_check.advice("libxcb-icccm.so.4")
    assert "libxcb-icccm.so.4" in text and "apt-get install" in text and "libxcb-icccm4" in text
    assert "crossroads demo" in text


def test_nothing_is_checked_when_the_window_does_not_use_x11(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert platform_check.missing_library() is None
    assert platform_check.main([]) == 0


def test_an_error_about_something_else_names_no_library() -> None:
    assert platform_check.missing_in("No module named 'PySide6'") is None
    assert platform_check.missing_in("libEGL.so.1: cannot open shared object file: No such file") == "libEGL.so.1"


# `crossroads gui` on a machine without a system library Qt needs: the fault is injected into a real start of the
# command in a child process (the loader's error raised where the library would be loaded), as a frozen bundle
# starts it. The message is one line naming the library and the packages; no traceback, no window.
_START_GUI = """
import sys
{inject}
from crossroads.cli import main
sys.exit(main(["gui"]))
"""
_NO_EGL = """
import importlib.abc
class NoEgl(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.startswith("PySide6.Qt"):
            raise ImportError(f"libEGL.so.1: cannot open shared object file: No such file or directory")
        return None
sys.meta_path.insert(0, NoEgl())
"""
_NO_ICCCM = """
import ctypes
real = ctypes.CDLL
def cdll(name, *args, **kwargs):
    if str(name).endswith(("libqxcb.so", "libQt6XcbQpa.so.6")):
        raise OSError(f"{name}: libxcb-icccm.so.4: cannot open shared object file: No such file or directory")
    return real(name, *args, **kwargs)
ctypes.CDLL = cdll
"""


# A frozen bundle (PyInstaller) wraps the loader's error in its own, the real one as the cause.
_FROZEN_NO_ICCCM = """
import ctypes
real = ctypes.CDLL
def cdll(name, *args, **kwargs):
    if str(name).endswith(("libqxcb.so", "libQt6XcbQpa.so.6")):
        try:
            raise OSError(f"libxcb-icccm.so.4: cannot open shared object file: No such file or directory")
        except OSError as cause:
            raise OSError(f"Failed to load dynlib/dll {name!r}. Most likely this dynlib/dll was not found when "
                          "the application was frozen.") from cause
    return real(name, *args, **kwargs)
ctypes.CDLL = cdll
"""


def _start_gui(tmp_path: Path, inject: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "CROSSROADS_HOME": str(tmp_path), **env}
    return subprocess.run([sys.executable, "-c", _START_GUI.format(inject=inject)], env=environment,
                          capture_output=True, text=True, timeout=120)


def test_without_libegl_the_gui_command_names_it_instead_of_a_traceback(tmp_path: Path) -> None:
    done = _start_gui(tmp_path, _NO_EGL, QT_QPA_PLATFORM="offscreen")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("crossroads: The window cannot open: the system library libEGL.so.1")
    assert "sudo apt-get install" in done.stderr and "libegl1" in done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1


@pytest.mark.parametrize("inject", [_NO_ICCCM, _FROZEN_NO_ICCCM], ids=["from-source", "frozen"])
def test_on_x11_a_missing_xcb_library_is_named_before_qt_loads(tmp_path: Path, inject: str) -> None:
    done = _start_gui(tmp_path, inject, QT_QPA_PLATFORM="xcb", DISPLAY=":99")
    assert done.returncode == 2, done.stderr
    assert "the system library libxcb-icccm.so.4" in done.stderr and "libxcb-icccm4" in done.stderr
    assert "Traceback" not in done.stderr
