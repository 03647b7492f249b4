"""Typography for the Decide tab: headings and muted notes scaled from the app font, colours from the palette.

Sizes are relative to the application font, so presentation mode (a larger app font) scales every page, and
colours are palette roles, so the light and dark themes both read without a single hard-coded colour.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QWidget

HEADLINE = 1.9
TITLE = 1.45
HEADING = 1.2
NOTE = 0.92


def scaled_font(widget: QWidget, factor: float, *, bold: bool = False) -> QFont:
    font = QFont(widget.font())
    font.setPointSizeF(max(1.0, font.pointSizeF() * factor))
    font.setBold(bold)
    return font


class Label(QLabel):
    """A plain-text label whose size is a multiple of the surrounding font. An explicit font stops following the
    app font, so the panel calls ``refresh_font`` when that changes (presentation mode)."""

    def __init__(self, factor: float = 1.0, bold: bool = False) -> None:
        super().__init__()
        self._factor, self._bold = factor, bold
        self.refresh_font()

    def refresh_font(self) -> None:
        if self._factor == 1.0 and not self._bold:
            if self.testAttribute(Qt.WidgetAttribute.WA_SetFont):
                self.setFont(QFont())  # nothing set: inherit the surrounding font again
            return
        parent = self.parentWidget()
        font = QFont(parent.font() if parent is not None else QApplication.font())
        font.setPointSizeF(max(1.0, font.pointSizeF() * self._factor))
        font.setBold(self._bold)
        self.setFont(font)

    def set_style(self, *, bold: bool) -> None:
        if bold != self._bold:
            self._bold = bold
            self.refresh_font()


def refresh_fonts(root: QWidget) -> None:
    """Re-derive every scaled label under ``root`` from the current font."""
    for widget in root.findChildren(Label):
        widget.refresh_font()


def label(
    text: str = "",
    *,
    size: float = 1.0,
    bold: bool = False,
    muted: bool = False,
    wrap: bool = True,
    selectable: bool = False,
    object_name: str = "",
) -> Label:
    """A plain-text label (never interpreted as HTML: reasons and file names may hold "<")."""
    widget = Label(size, bold)
    widget.setTextFormat(Qt.TextFormat.PlainText)
    widget.setText(text)
    widget.setWordWrap(wrap)
    if muted:
        widget.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    if selectable:
        widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if object_name:
        widget.setObjectName(object_name)
    return widget


def heading(text: str, *, size: float = HEADING, object_name: str = "") -> Label:
    widget = label(text, size=size, bold=True, object_name=object_name)
    widget.setAccessibleName(text)
    return widget
