"""One question's answers in full, next to the results table: the table can only show the start of each."""

from __future__ import annotations

from html import escape

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QTextBrowser, QWidget

from crossroads.compare import MODES
from crossroads.evaluation.evaluate import QuestionResult
from crossroads.ui.evaluate.colours import bad_colour, good_colour, mode_colour
from crossroads.ui.evaluate.figures import GROUNDED, WALL

PLACEHOLDER = "Select a question in the table to read its answers in full."


class AnswerDetails(QTextBrowser):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setPlaceholderText(PLACEHOLDER)
        self.setToolTip("The selected question's answers in full, with their scores and sources.")
        self._shown: tuple[int, QuestionResult] | None = None

    def show_result(self, number: int, result: QuestionResult | None) -> None:
        self._shown = (number, result) if result is not None else None
        self.setHtml(self._html() if self._shown else "")

    def changeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange and self._shown:
            self.setHtml(self._html())  # the marks' colours follow the theme

    def _html(self) -> str:
        assert self._shown is not None
        number, result = self._shown
        palette = self.palette()
        expected = " | ".join(result.item.answers)
        parts = [f"<p><b>{number}. {escape(result.item.question)}</b><br>"
                 f"Expected: {escape(expected) if expected else '<i>none given</i>'}</p>"]
        for answer in result.answers:
            label = MODES[answer.mode].label if answer.mode in MODES else answer.mode
            marks = []
            contained = answer.metrics.get("contained") if result.item.answers else None
            if contained is not None:
                colour = (good_colour if contained else bad_colour)(palette).name()
                word = "✓ contains the expected answer" if contained else "✗ no expected answer in it"
                marks.append(f'<span style="color:{colour}">{word}</span>')
            marks.append(f"{GROUNDED.format(answer.metrics.get('grounded_share'))} backed by your documents")
            marks.append(WALL.format(answer.timings.wall_s))
            accent = mode_colour(answer.mode, palette).name()
            text = escape(answer.text).replace("\n", "<br>") or "<i>no answer</i>"
            parts.append(f'<p><b style="color:{accent}">■</b> <b>{escape(label)}</b> · {" · ".join(marks)}<br>'
                         f"{text}</p>")
            if answer.sources:
                cited = "; ".join(escape(label) for label in dict.fromkeys(s.label() for s in answer.sources))
                muted = palette.color(QPalette.ColorRole.PlaceholderText).name()
                parts.append(f'<p style="color:{muted}">Sources: {cited}</p>')
        return "".join(parts)
