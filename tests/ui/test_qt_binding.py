"""The Qt binding keeps Python's reference counts right (PySide6 6.12.0 on CPython 3.11 does not: pinned out)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject


def test_void_qt_calls_do_not_drop_references_to_none() -> None:
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(1000):
        probe.setObjectName("probe")
    assert sys.getrefcount(None) >= before, "this PySide6 build drops references to None: the app would abort"
