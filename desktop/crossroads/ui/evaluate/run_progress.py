""""12 of 60 questions", time elapsed and a rough time left, ticking every second while a run goes on."""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

from crossroads.timetext import clock, time_left


class RunProgress(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setFormat("%v of %m questions")
        self.bar.setToolTip("Questions answered in every chosen mode so far.")
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setMinimumWidth(self.bar.fontMetrics().horizontalAdvance("000 of 000 questions") + 24)
        self.times = QLabel()
        self.times.setToolTip("Time since the run started, and an estimate of the time left based on the "
                              "questions answered so far.")
        layout = QVBoxLayout(self)  # the times on their own line, so their changing width never moves the layout
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.bar)
        layout.addWidget(self.times)
        self._clock = QElapsedTimer()
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._update_times)
        self._done = 0
        self._total = 0

    def begin(self, total: int) -> None:
        self._done, self._total = 0, total
        self.bar.setRange(0, max(1, total))
        self.bar.setValue(0)
        self._clock.start()
        self._tick.start()
        self._update_times()

    def advance(self, done: int, total: int) -> None:
        self._done, self._total = done, total
        self.bar.setRange(0, max(1, total))
        self.bar.setValue(done)
        self._update_times()

    def end(self, note: str) -> None:
        self._tick.stop()
        elapsed = self._clock.elapsed() / 1000 if self._clock.isValid() else 0.0
        self.times.setText(f"{note} in {clock(elapsed)}" if note else "")

    @property
    def elapsed_s(self) -> float:
        return self._clock.elapsed() / 1000 if self._clock.isValid() else 0.0

    def _update_times(self) -> None:
        left = time_left(self.elapsed_s, self._done, self._total)
        text = f"{clock(self.elapsed_s)} elapsed"
        if left is not None:
            text += f" · about {clock(left)} left"
        self.times.setText(text)
