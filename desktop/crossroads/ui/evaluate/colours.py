"""Colours for the Evaluate tab and every chart in the app, matched to the palette for light and dark alike.

Modes take the app theme's column accents (the same as the Compare tab's answer columns) when the theme and
the palette agree on light or dark; otherwise (a palette set from outside the app's theme) neutral tones
derived from the palette itself. Good/bad marks are shaded for the background they sit on.
"""

from __future__ import annotations

from PySide6.QtCharts import QChart, QChartView
from PySide6.QtGui import QBrush, QColor, QFont, QPalette, QPen

from crossroads.ui import theme


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def blend(a: QColor, b: QColor, share_of_a: float) -> QColor:
    s = max(0.0, min(1.0, share_of_a))
    return QColor.fromRgbF(
        a.redF() * s + b.redF() * (1 - s), a.greenF() * s + b.greenF() * (1 - s), a.blueF() * s + b.blueF() * (1 - s)
    )


def _theme(palette: QPalette) -> theme.Colors | None:
    colors = theme.colors()
    return colors if colors.dark == is_dark(palette) else None


def mode_colour(mode: str, palette: QPalette) -> QColor:
    colors = _theme(palette)
    if colors is not None:
        return QColor(theme.mode_accent(mode, colors))
    if mode == "plain":
        return blend(palette.color(QPalette.ColorRole.Text), palette.color(QPalette.ColorRole.Base), 0.45)
    if mode == "finetuned":
        return blend(palette.color(QPalette.ColorRole.Text), palette.color(QPalette.ColorRole.Base), 0.75)
    if mode == "finetuned+rag":
        return blend(palette.color(QPalette.ColorRole.Highlight), palette.color(QPalette.ColorRole.Text), 0.55)
    return palette.color(QPalette.ColorRole.Highlight)


def good_colour(palette: QPalette) -> QColor:
    colors = _theme(palette)
    if colors is not None:
        return QColor(colors.good)
    return QColor("#5cc16b") if is_dark(palette) else QColor("#1e7b34")


def bad_colour(palette: QPalette) -> QColor:
    colors = _theme(palette)
    if colors is not None:
        return QColor(colors.bad)
    return QColor("#ff7b72") if is_dark(palette) else QColor("#b42318")


def style_chart(view: QChartView) -> tuple[QColor, QColor]:
    """Restyle the view's chart from its palette (after a theme change too); returns (text, base) colours for the
    chart's own series."""
    palette = view.palette()
    chart = view.chart()
    chart.setTheme(QChart.ChartTheme.ChartThemeDark if is_dark(palette) else QChart.ChartTheme.ChartThemeLight)
    text = palette.color(QPalette.ColorRole.Text)
    base = palette.color(QPalette.ColorRole.Base)
    chart.setBackgroundBrush(QBrush(base))
    chart.setBackgroundPen(QPen(blend(text, base, 0.18)))
    chart.setBackgroundRoundness(4)
    view.setBackgroundBrush(palette.brush(QPalette.ColorRole.Window))
    title_font = QFont(view.font())
    title_font.setBold(True)
    chart.setTitleFont(title_font)
    chart.setTitleBrush(QBrush(text))
    chart.legend().setLabelColor(text)
    chart.legend().setFont(view.font())
    for axis in chart.axes():
        axis.setLabelsBrush(QBrush(text))
        axis.setLabelsFont(view.font())
        axis.setTitleBrush(QBrush(text))
        axis.setTitleFont(view.font())
        axis.setLinePenColor(blend(text, base, 0.35))
        axis.setGridLineColor(blend(text, base, 0.12))
    return text, base
