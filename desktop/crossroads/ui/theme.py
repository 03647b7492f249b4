"""Light and dark looks, following the system unless the user picks one, and the presentation font size.

One style (Fusion) on every platform, so what we screenshot is what users see; its palette is ours. Widgets take
colours from ``colors()`` rather than hard-coding them, so every view reads in both themes.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("system", "light", "dark")
BASE_POINT_SIZE = 10.0
PRESENTATION_SCALE = 1.45


@dataclass(frozen=True)
class Colors:
    """The few colours the app adds to the palette: support marks, figures, accents."""

    dark: bool
    supported_bg: QColor
    unsupported_bg: QColor
    unsupported_line: QColor
    highlight_bg: QColor  # the matched passage shown in context
    muted_text: QColor
    accent: QColor
    plain_accent: QColor  # the "model only" column
    rag_accent: QColor  # the "model + your documents" column
    good: QColor
    bad: QColor


_LIGHT = Colors(
    dark=False,
    supported_bg=QColor("#dff3e4"),
    unsupported_bg=QColor("#fde2dd"),
    unsupported_line=QColor("#c0392b"),
    highlight_bg=QColor("#ffe9a8"),
    muted_text=QColor("#5f6570"),
    accent=QColor("#2463b6"),
    plain_accent=QColor("#7a5ab8"),
    rag_accent=QColor("#1e8a5a"),
    good=QColor("#1e7d4f"),
    bad=QColor("#b3362b"),
)
_DARK = Colors(
    dark=True,
    supported_bg=QColor("#1f4a33"),
    unsupported_bg=QColor("#5a2722"),
    unsupported_line=QColor("#ff7b6b"),
    highlight_bg=QColor("#6b5a1c"),
    muted_text=QColor("#a4abb6"),
    accent=QColor("#6ea8ff"),
    plain_accent=QColor("#b59cf0"),
    rag_accent=QColor("#5fd39a"),
    good=QColor("#6fd8a0"),
    bad=QColor("#ff8a7a"),
)

_state = {"theme": "system", "presentation": False}


def _dark_palette() -> QPalette:
    p = QPalette()
    window, base, text = QColor("#202329"), QColor("#16181d"), QColor("#e6e8eb")
    button, mid = QColor("#2b2f36"), QColor("#3a3f48")
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        p.setColor(group, QPalette.ColorRole.Window, window)
        p.setColor(group, QPalette.ColorRole.WindowText, text)
        p.setColor(group, QPalette.ColorRole.Base, base)
        p.setColor(group, QPalette.ColorRole.AlternateBase, QColor("#1c1f25"))
        p.setColor(group, QPalette.ColorRole.Text, text)
        p.setColor(group, QPalette.ColorRole.Button, button)
        p.setColor(group, QPalette.ColorRole.ButtonText, text)
        p.setColor(group, QPalette.ColorRole.ToolTipBase, QColor("#2b2f36"))
        p.setColor(group, QPalette.ColorRole.ToolTipText, text)
        p.setColor(group, QPalette.ColorRole.PlaceholderText, QColor("#8a919c"))
        p.setColor(group, QPalette.ColorRole.Highlight, QColor("#3d6fb6"))
        p.setColor(group, QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
        p.setColor(group, QPalette.ColorRole.Link, QColor("#6ea8ff"))
        p.setColor(group, QPalette.ColorRole.Mid, mid)
        p.setColor(group, QPalette.ColorRole.Midlight, QColor("#33373f"))
        p.setColor(group, QPalette.ColorRole.Dark, QColor("#121418"))
        p.setColor(group, QPalette.ColorRole.Light, QColor("#40454f"))
    disabled = QColor("#6b717c")
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Window, window)
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Base, QColor("#1b1d22"))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Button, button)
    return p


def _light_palette() -> QPalette:
    p = QPalette()
    window, base, text = QColor("#f4f5f7"), QColor("#ffffff"), QColor("#1d2127")
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        p.setColor(group, QPalette.ColorRole.Window, window)
        p.setColor(group, QPalette.ColorRole.WindowText, text)
        p.setColor(group, QPalette.ColorRole.Base, base)
        p.setColor(group, QPalette.ColorRole.AlternateBase, QColor("#f0f2f5"))
        p.setColor(group, QPalette.ColorRole.Text, text)
        p.setColor(group, QPalette.ColorRole.Button, QColor("#eceef1"))
        p.setColor(group, QPalette.ColorRole.ButtonText, text)
        p.setColor(group, QPalette.ColorRole.ToolTipBase, QColor("#ffffff"))
        p.setColor(group, QPalette.ColorRole.ToolTipText, text)
        p.setColor(group, QPalette.ColorRole.PlaceholderText, QColor("#7d838c"))
        p.setColor(group, QPalette.ColorRole.Highlight, QColor("#2f6fce"))
        p.setColor(group, QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
        p.setColor(group, QPalette.ColorRole.Link, QColor("#2463b6"))
        p.setColor(group, QPalette.ColorRole.Mid, QColor("#c4c8ce"))
        p.setColor(group, QPalette.ColorRole.Midlight, QColor("#e1e4e8"))
        p.setColor(group, QPalette.ColorRole.Dark, QColor("#9aa0a8"))
        p.setColor(group, QPalette.ColorRole.Light, QColor("#ffffff"))
    disabled = QColor("#9aa0a8")
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Window, window)
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Base, QColor("#f4f5f7"))
    return p


def system_prefers_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints is not None and hints.colorScheme() == Qt.ColorScheme.Dark


def is_dark() -> bool:
    theme = _state["theme"]
    return theme == "dark" or (theme == "system" and system_prefers_dark())


def colors() -> Colors:
    return _DARK if is_dark() else _LIGHT


def apply_theme(app: QApplication, theme: str = "system", presentation: bool | None = None) -> None:
    """Set the style, palette and font size for the whole app; widgets repaint from the palette."""
    if theme not in THEMES:
        theme = "system"
    _state["theme"] = theme
    if presentation is not None:
        _state["presentation"] = presentation
    app.setStyle("Fusion")
    app.setPalette(_dark_palette() if is_dark() else _light_palette())
    font = QFont(app.font())
    font.setPointSizeF(BASE_POINT_SIZE * (PRESENTATION_SCALE if _state["presentation"] else 1.0))
    app.setFont(font)


def current_theme() -> str:
    return str(_state["theme"])


def presentation_mode() -> bool:
    return bool(_state["presentation"])


def css(color: QColor) -> str:
    return color.name(QColor.NameFormat.HexRgb)
