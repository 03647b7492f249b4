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
    tuned_accent: QColor  # the "fine-tuned" column
    tuned_rag_accent: QColor  # the "fine-tuned + documents" column
    good: QColor
    bad: QColor
    notice: QColor  # amber: true but worth knowing (the questions go to a model server)


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
    tuned_accent=QColor("#c2610c"),
    tuned_rag_accent=QColor("#1f7a9e"),
    good=QColor("#1e7d4f"),
    bad=QColor("#b3362b"),
    notice=QColor("#9a5b00"),
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
    tuned_accent=QColor("#f0a35e"),
    tuned_rag_accent=QColor("#63c3e6"),
    good=QColor("#6fd8a0"),
    bad=QColor("#ff8a7a"),
    notice=QColor("#f0b44c"),
)

_state = {"theme": "system", "presentation": False}


_ROLES = QPalette.ColorRole
_DARK_ROLES = {
    _ROLES.Window: "#202329", _ROLES.WindowText: "#e6e8eb", _ROLES.Base: "#16181d", _ROLES.AlternateBase: "#1c1f25",
    _ROLES.Text: "#e6e8eb", _ROLES.Button: "#2b2f36", _ROLES.ButtonText: "#e6e8eb", _ROLES.ToolTipBase: "#2b2f36",
    _ROLES.ToolTipText: "#e6e8eb", _ROLES.PlaceholderText: "#8a919c", _ROLES.Highlight: "#3d6fb6",
    _ROLES.HighlightedText: "#ffffff", _ROLES.Link: "#6ea8ff", _ROLES.Mid: "#3a3f48", _ROLES.Midlight: "#33373f",
    _ROLES.Dark: "#121418", _ROLES.Light: "#40454f",
}
_DARK_DISABLED = {_ROLES.WindowText: "#6b717c", _ROLES.Text: "#6b717c", _ROLES.ButtonText: "#6b717c",
                  _ROLES.Window: "#202329", _ROLES.Base: "#1b1d22", _ROLES.Button: "#2b2f36"}
_LIGHT_ROLES = {
    _ROLES.Window: "#f4f5f7", _ROLES.WindowText: "#1d2127", _ROLES.Base: "#ffffff", _ROLES.AlternateBase: "#f0f2f5",
    _ROLES.Text: "#1d2127", _ROLES.Button: "#eceef1", _ROLES.ButtonText: "#1d2127", _ROLES.ToolTipBase: "#ffffff",
    _ROLES.ToolTipText: "#1d2127", _ROLES.PlaceholderText: "#7d838c", _ROLES.Highlight: "#2f6fce",
    _ROLES.HighlightedText: "#ffffff", _ROLES.Link: "#2463b6", _ROLES.Mid: "#c4c8ce", _ROLES.Midlight: "#e1e4e8",
    _ROLES.Dark: "#9aa0a8", _ROLES.Light: "#ffffff",
}
_LIGHT_DISABLED = {_ROLES.WindowText: "#9aa0a8", _ROLES.Text: "#9aa0a8", _ROLES.ButtonText: "#9aa0a8",
                   _ROLES.Window: "#f4f5f7", _ROLES.Base: "#f4f5f7"}


def _palette(roles: dict[QPalette.ColorRole, str], disabled: dict[QPalette.ColorRole, str]) -> QPalette:
    p = QPalette()
    for role, colour in roles.items():
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            p.setColor(group, role, QColor(colour))
    for role, colour in disabled.items():
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(colour))
    return p


def system_prefers_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints is not None and hints.colorScheme() == Qt.ColorScheme.Dark


def is_dark() -> bool:
    theme = _state["theme"]
    return theme == "dark" or (theme == "system" and system_prefers_dark())


def colors() -> Colors:
    return _DARK if is_dark() else _LIGHT


def mode_accent(mode: str, palette_colors: Colors | None = None) -> QColor:
    """The colour a mode wears everywhere (its answer column, its bars and swatches), so columns and charts match."""
    c = palette_colors or colors()
    return {"rag": c.rag_accent, "finetuned": c.tuned_accent, "finetuned+rag": c.tuned_rag_accent}.get(
        mode, c.plain_accent)


def apply_theme(app: QApplication, theme: str = "system", presentation: bool | None = None) -> None:
    """Set the style, palette and font size for the whole app; widgets repaint from the palette."""
    if theme not in THEMES:
        theme = "system"
    _state["theme"] = theme
    if presentation is not None:
        _state["presentation"] = presentation
    app.setStyle("Fusion")
    app.setPalette(_palette(_DARK_ROLES, _DARK_DISABLED) if is_dark() else _palette(_LIGHT_ROLES, _LIGHT_DISABLED))
    font = QFont(app.font())
    font.setPointSizeF(BASE_POINT_SIZE * (PRESENTATION_SCALE if _state["presentation"] else 1.0))
    app.setFont(font)


def current_theme() -> str:
    return str(_state["theme"])


def presentation_mode() -> bool:
    return bool(_state["presentation"])


def css(color: QColor) -> str:
    return color.name(QColor.NameFormat.HexRgb)
