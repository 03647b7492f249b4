"""Before a window opens on X11: a missing system library is named in one line with the command that installs it."""

from __future__ import annotations

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
