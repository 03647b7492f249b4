"""The loss curve as a run goes: training loss per step and held-out loss at each evaluation, in palette colours."""

from __future__ import annotations

from PySide6.QtCharts import QChart, QChartView, QLineSeries, QScatterSeries, QValueAxis
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QWidget

from crossroads.ui.evaluate.colours import mode_colour, style_chart


class LossChart(QChartView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(200)
        chart = QChart()
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        chart.setMargins(QMargins(6, 6, 6, 6))
        chart.layout().setContentsMargins(0, 0, 0, 0)
        self.train = QLineSeries()
        self.train.setName("Training loss per step")
        self.held = QLineSeries()
        self.held.setName("Held-out loss (lower is better)")
        self.held_points = QScatterSeries()  # evaluations are few: mark each one
        self.held_points.setMarkerSize(8)
        self.x_axis = QValueAxis()
        self.x_axis.setLabelFormat("%d")
        self.y_axis = QValueAxis()
        self.y_axis.setLabelFormat("%.1f")
        self.y_axis.setTitleText("Loss")
        for series in (self.train, self.held, self.held_points):
            chart.addSeries(series)
        chart.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(self.y_axis, Qt.AlignmentFlag.AlignLeft)
        for series in (self.train, self.held, self.held_points):
            series.attachAxis(self.x_axis)
            series.attachAxis(self.y_axis)
        chart.legend().markers(self.held_points)[0].setVisible(False)
        self.setChart(chart)
        self.setToolTip("Training loss after each step, and the loss on the held-out examples the model never "
                        "trains on. When the held-out loss stops falling the model is memorising, not learning.")
        self.clear()
        self._restyle()

    def clear(self, total_steps: int = 1) -> None:
        for series in (self.train, self.held, self.held_points):
            series.clear()
        self._top = 0.0
        self._total = max(1, total_steps)
        self._rescale()

    def set_total(self, total_steps: int) -> None:
        self._total = max(1, total_steps)
        self._rescale()

    def add_train(self, step: int, loss: float) -> None:
        self.train.append(step, loss)
        self._top = max(self._top, loss)
        self._rescale()

    def add_held_out(self, step: int, loss: float) -> None:
        self.held.append(step, loss)
        self.held_points.append(step, loss)
        self._top = max(self._top, loss)
        self._rescale()

    def show_losses(self, train: list[list[float]], held: list[list[float]], total_steps: int) -> None:
        """A finished or kept run's whole curve at once."""
        self.clear(total_steps)
        for step, loss in train:
            self.add_train(int(step), loss)
        for step, loss in held:
            self.add_held_out(int(step), loss)

    def points(self) -> tuple[int, int]:
        """How many training and held-out points are drawn (for tests and the screen reader's summary)."""
        return self.train.count(), self.held.count()

    def _rescale(self) -> None:
        # Half a step of room past the last one, so the held-out mark drawn there is not cut in half by the plot's
        # edge; ticks at whole, round step numbers from 0 whatever the range's end.
        self.x_axis.setRange(0, self._total + max(0.5, self._total * 0.02))
        self.x_axis.setTickType(QValueAxis.TickType.TicksDynamic)
        self.x_axis.setTickAnchor(0)
        self.x_axis.setTickInterval(_tick_interval(self._total))
        self.y_axis.setRange(0, max(0.5, self._top * 1.1))
        self.y_axis.applyNiceNumbers()

    def changeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().changeEvent(event)
        if event.type() in (event.Type.PaletteChange, event.Type.StyleChange, event.Type.FontChange):
            self._restyle()

    def _restyle(self) -> None:
        palette = self.palette()
        style_chart(self)
        train_colour = mode_colour("plain", palette)
        held_colour = mode_colour("finetuned+rag", palette)
        self.train.setPen(QPen(train_colour, 2))
        self.held.setPen(QPen(held_colour, 2))
        self.held_points.setColor(held_colour)
        self.held_points.setBorderColor(held_colour)


def _tick_interval(total: int) -> int:
    """A round number of steps between ticks: about five to ten ticks over the run."""
    for interval in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if total / interval <= 10:
            return interval
    return max(1, total // 10)
