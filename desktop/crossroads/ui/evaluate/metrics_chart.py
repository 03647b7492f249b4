"""A grouped bar chart of summary figures, one bar set per mode, in the current palette's colours.

Bars run sideways so each figure's name reads in full on the left, listed top-down in the table's order.

Two of them sit side by side: shares (accuracy, groundedness; 0-100%) and seconds (latency), because one
axis cannot hold both. The chart follows the palette: Qt's light or dark chart theme by the window's
lightness, then the palette's own text and background, so nothing is hard-coded black or white.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCharts import (
    QAbstractBarSeries,
    QBarCategoryAxis,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QEvent, QMargins, Qt
from PySide6.QtGui import QCursor, QHelpEvent, QPainter
from PySide6.QtWidgets import QToolTip, QWidget

from crossroads.compare import MODES
from crossroads.ui.evaluate.colours import mode_colour, style_chart
from crossroads.ui.evaluate.figures import Figure
from crossroads.ui.evaluate.summary_table import Summary


class MetricsChart(QChartView):
    def __init__(self, title: str, figures: Sequence[Figure], empty_hint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title = title
        self._figures = tuple(figures)
        self._empty_hint = empty_hint
        self._shown: list[Figure] = []
        self._modes: list[str] = []
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        chart = QChart()
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        chart.setMargins(QMargins(6, 6, 6, 6))
        chart.layout().setContentsMargins(0, 0, 0, 0)
        self.setChart(chart)
        self.general_tip = "<br><br>".join(f"<b>{f.label}</b>: {f.explanation}" for f in self._figures)
        self._hovering = False
        self.set_summary({})

    @property
    def figures(self) -> tuple[Figure, ...]:
        return self._figures

    @property
    def is_shares(self) -> bool:
        return self._figures[0].unit == "share"

    def set_summary(self, summary: Summary) -> None:
        """Rebuild the bars: a category per figure some mode has, a bar set per mode."""
        chart = self.chart()
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        self._modes = list(summary)
        self._shown = [f for f in self._figures if any(row.get(f.key) is not None for row in summary.values())]
        if not self._shown:
            chart.setTitle(f"{self._title} — {self._empty_hint}")
            self._restyle()
            return
        chart.setTitle(self._title)
        series = QHorizontalBarSeries()
        top = 0.0
        for mode in self._modes:
            bars = QBarSet(MODES[mode].label if mode in MODES else mode)
            for figure in reversed(self._shown):  # a horizontal chart lists its first category at the bottom
                value = self._bar_value(figure, summary[mode].get(figure.key))
                bars.append(value)
                top = max(top, value)
            series.append(bars)
        series.setLabelsVisible(True)
        series.setLabelsPosition(QAbstractBarSeries.LabelsPosition.LabelsOutsideEnd)
        series.setLabelsFormat("@value%" if self.is_shares else "@value s")
        series.hovered.connect(self._explain)
        chart.addSeries(series)
        categories = QBarCategoryAxis()
        categories.append([f.short for f in reversed(self._shown)])
        values = _share_axis() if self.is_shares else _seconds_axis(top)
        chart.addAxis(categories, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(values, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(categories)
        series.attachAxis(values)
        self._restyle()

    def bar_sets(self) -> dict[str, list[float]]:
        """What the chart shows, by mode label, in ``categories()`` order (percent or seconds)."""
        out: dict[str, list[float]] = {}
        for series in self.chart().series():
            for bars in series.barSets():  # type: ignore[attr-defined]
                out[bars.label()] = [bars.at(i) for i in reversed(range(bars.count()))]
        return out

    def categories(self) -> list[str]:
        return [f.short for f in self._shown]

    def _bar_value(self, figure: Figure, value: float | int | None) -> float:
        if value is None:
            return 0.0
        return float(round(value * 100)) if figure.unit == "share" else round(float(value), 1)

    def viewportEvent(self, event: QEvent) -> bool:
        """Off the bars, the tooltip explains every figure; on a bar, ``_explain`` says what that bar is."""
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            if not self._hovering:
                QToolTip.showText(event.globalPos(), self.general_tip, self)
            return True
        return super().viewportEvent(event)

    def _explain(self, status: bool, index: int, bars: QBarSet) -> None:
        self._hovering = status
        if not status or not 0 <= index < len(self._shown):
            QToolTip.hideText()
            return
        figure = self._shown[len(self._shown) - 1 - index]
        value = bars.at(index)
        shown = f"{value:.0f}%" if figure.unit == "share" else f"{value:.1f} s"
        QToolTip.showText(QCursor.pos(), f"<b>{bars.label()}</b> — {figure.label}: {shown}<br>{figure.explanation}",
                          self)

    # -- light and dark -------------------------------------------------------------------------------------

    def changeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().changeEvent(event)
        if event.type() in (event.Type.PaletteChange, event.Type.StyleChange, event.Type.FontChange):
            self._restyle()

    def _restyle(self) -> None:
        palette = self.palette()
        chart = self.chart()
        text, _base = style_chart(self)
        for axis in chart.axes():
            axis.setGridLineVisible(not isinstance(axis, QBarCategoryAxis))
        for series in chart.series():
            for bars, mode in zip(series.barSets(), self._modes, strict=True):  # type: ignore[attr-defined]
                colour = mode_colour(mode, palette)
                bars.setColor(colour)
                bars.setBorderColor(colour)
                bars.setLabelColor(text)
                bars.setLabelFont(self.font())



def _share_axis() -> QCategoryAxis:
    """0-100%, running on past 100 unlabelled so a full bar's label fits beside it, never over the bar."""
    axis = QCategoryAxis()
    axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
    for percent in range(0, 101, 20):
        axis.append(f"{percent}%", percent or 1e-6)  # each label marks where its category ends
    axis.setRange(0, 130)
    return axis


def _seconds_axis(top: float) -> QValueAxis:
    axis = QValueAxis()
    axis.setRange(0, max(top * 1.3, 0.5))  # room for the longest bar's label
    axis.applyNiceNumbers()
    axis.setLabelFormat("%.0f s" if axis.max() >= 5 else "%.1f s")
    return axis
