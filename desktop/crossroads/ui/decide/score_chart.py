"""The scores as horizontal bars, one per option, the recommended one in the highlight colour.

Every colour is taken from the palette when it changes, so the chart reads in the light and the dark theme;
QtCharts' own themes would paint a white or a black card into the page instead.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence

from PySide6.QtCharts import (
    QAbstractBarSeries,
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QEvent, QMargins, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette, QPen, QResizeEvent
from PySide6.QtWidgets import QFrame, QSizePolicy, QWidget

from crossroads.ui.decide.text import scaled_font

ROW_HEIGHT = 38
_PALETTE_EVENTS = (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange, QEvent.Type.FontChange)


def blend(a: QColor, b: QColor, share_of_a: float) -> QColor:
    """A mix of two palette colours: the other bars are a quieter shade of the highlight, in either theme."""
    s = share_of_a
    return QColor.fromRgbF(
        a.redF() * s + b.redF() * (1 - s),
        a.greenF() * s + b.greenF() * (1 - s),
        a.blueF() * s + b.blueF() * (1 - s),
    )


def axis_range(low: float, high: float, most_ticks: int = 7) -> tuple[float, float, int]:
    """Round ends on a 1-2-5 step, so the axis reads 0, 5, 10 … without stretching far past the bars."""
    span = max(high - low, 1e-9)
    magnitude = 10 ** math.floor(math.log10(span))
    step = next(m * magnitude for m in (0.1, 0.2, 0.5, 1, 2, 5, 10) if span / (m * magnitude) <= most_ticks - 1)
    start, stop = math.floor(low / step) * step, math.ceil(high / step) * step
    return start, stop, round((stop - start) / step) + 1


def _shown(label: str, wrapped: bool) -> str:
    """The axis text for a label: axis labels are rich text, so a line break is "<br>" (and "<" must be escaped)."""
    text = html.escape(label)
    if not wrapped or " " not in label:
        return text
    middle = len(label) / 2
    cut = min((i for i, ch in enumerate(label) if ch == " "), key=lambda i: abs(i - middle))
    return f"{html.escape(label[:cut])}<br>{html.escape(label[cut + 1 :])}"


class ScoreChart(QChartView):
    """Options top to bottom in the order given; ``set_scores`` updates the bars in place."""

    def __init__(self, options: Sequence[tuple[str, str]], parent: QWidget | None = None) -> None:
        """``options``: (option id, label) pairs, top to bottom."""
        chart = QChart()
        super().__init__(chart, parent)
        self.setObjectName("scoreChart")
        self._ids = [option for option, _ in options]
        self._labels = [label for _, label in options]
        self._winner: str | None = None
        self._wrapped = False
        chart.legend().hide()
        chart.setBackgroundRoundness(0)
        chart.setMargins(QMargins(4, 4, 12, 4))
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self._set = QBarSet("Score")
        self._set.append([0.0] * len(self._ids))
        self._series = QHorizontalBarSeries()
        self._series.append(self._set)
        self._series.setBarWidth(0.62)
        self._series.setLabelsVisible(True)
        self._series.setLabelsPosition(QAbstractBarSeries.LabelsPosition.LabelsOutsideEnd)
        self._series.setLabelsFormat("@value")
        self._series.setLabelsPrecision(4)
        chart.addSeries(self._series)
        # Horizontal bars grow from the bottom: reversed, so the first option sits at the top.
        self._categories = QBarCategoryAxis()
        self._categories.append([_shown(label, False) for label in reversed(self._labels)])
        self._values = QValueAxis()
        self._values.setLabelFormat("%g")
        self._values.setLabelsVisible(False)  # each bar prints its value; axis numbers only crowded narrow charts
        chart.addAxis(self._categories, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(self._values, Qt.AlignmentFlag.AlignBottom)
        self._series.attachAxis(self._categories)
        self._series.attachAxis(self._values)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Score per option")
        self._apply_palette()

    def set_scores(self, scores: Mapping[str, float], winner: str) -> None:
        self._winner = winner
        values = [float(scores[option]) for option in self._ids]
        for row, value in enumerate(reversed(values)):
            self._set.replace(row, value)
        low, high = min(0.0, *values), max(0.0, *values)
        room = max(1.0, (high - low) * 0.15)  # space for the value printed past the end of each bar
        start, stop, ticks = axis_range(low - room if low < 0 else 0.0, high + room)
        self._values.setRange(start, stop)
        self._values.setTickCount(ticks)
        self._set.deselectAllBars()
        self._set.selectBar(len(self._ids) - 1 - self._ids.index(winner))
        self.setToolTip("\n".join(f"{label}: {value:g}" for label, value in zip(self._labels, values, strict=True)))

    def bars(self) -> list[tuple[str, float]]:
        """(label, score) top to bottom: what a person reads off the chart."""
        count = self._set.count()
        return [(self._labels[i], self._set.at(count - 1 - i)) for i in range(count)]

    def highlighted(self) -> list[str]:
        """Labels of the bars drawn in the highlight colour."""
        count = self._set.count()
        return [self._labels[i] for i in range(count) if self._set.isBarSelected(count - 1 - i)]

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_labels()

    def _fit_labels(self) -> None:
        """Long option names go on two lines when they would take much of the chart's width."""
        metrics = QFontMetrics(self._categories.labelsFont())
        wrap = max(metrics.horizontalAdvance(label) for label in self._labels) > self.width() * 0.38
        if wrap == self._wrapped:
            return
        for label in self._labels:
            self._categories.replace(_shown(label, self._wrapped), _shown(label, wrap))
        self._wrapped = wrap

    def bar_colors(self) -> tuple[QColor, QColor]:
        """(usual bar colour, recommended bar colour)."""
        return self._set.color(), self._set.selectedColor()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in _PALETTE_EVENTS:
            self._apply_palette()

    def _apply_palette(self) -> None:
        palette = self.palette()
        window = palette.color(QPalette.ColorRole.Base)  # the chart sits on a card
        ink = palette.color(QPalette.ColorRole.WindowText)
        highlight = palette.color(QPalette.ColorRole.Highlight)
        grid = palette.color(QPalette.ColorRole.Mid)
        chart = self.chart()
        chart.setBackgroundBrush(window)
        chart.setBackgroundPen(QPen(Qt.PenStyle.NoPen))
        chart.setPlotAreaBackgroundVisible(False)
        self.setBackgroundBrush(window)
        # Quieter than the highlight, yet clearly a bar: a dark background needs more of the highlight to show.
        self._set.setColor(blend(highlight, window, 0.72 if window.lightnessF() < 0.5 else 0.5))
        self._set.setBorderColor(Qt.GlobalColor.transparent)
        self._set.setSelectedColor(highlight)
        self._set.setLabelColor(ink)
        self._set.setLabelFont(scaled_font(self, 1.0, bold=True))
        for axis in (self._categories, self._values):
            axis.setLabelsColor(ink)
            axis.setLabelsFont(scaled_font(self, 1.0))
            axis.setLinePenColor(grid)
            axis.setGridLineColor(grid)
        # Room for a two-line name per bar, whatever the font size (QtCharts hides labels that would overlap).
        line = QFontMetrics(self._categories.labelsFont()).lineSpacing()
        row = max(ROW_HEIGHT, round(line * 2.6))
        self.setFixedHeight(row * len(self._ids) + 3 * line + 24)
        self._fit_labels()  # a new font may need more room
        self._categories.setGridLineVisible(False)
        self._categories.setTruncateLabels(False)  # long names wrap instead (see _fit_labels)
