"""One column of the comparison: a mode's answer streaming in, its live figures, then its sentences marked."""

from __future__ import annotations

import html
import re
import time
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QFont, QTextCursor
from PySide6.QtWidgets import QFrame, QLabel, QTextBrowser, QVBoxLayout, QWidget

from crossroads.ui import theme

_CITATION = re.compile(r"\[(\d{1,2})\]")

FIGURES_TIP = (
    "First token: seconds from asking until this column's first word (includes reading the documents).\n"
    "Tokens/s: how fast the model writes once it has started.\n"
    "Tokens: length of the answer in model tokens."
)
GROUNDED_TIP = (
    "Share of this answer's checkable sentences that one of the retrieved passages supports (most of the "
    "sentence's words, and every number in it, appear in that passage). Both columns are checked against the "
    "same passages, so the gap shows how much came from your documents. Green: supported. Red: not supported."
)


def _seconds(value: float) -> str:
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def _clip(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class AnswerPane(QFrame):
    citation_clicked = Signal(int)  # a source number the answer cites

    def __init__(self, mode: str, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = mode
        self.setObjectName(f"answer_{mode.replace('+', '_')}")  # "+" is no valid style-sheet name
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel(label)
        self._compact = False
        self.title.setWordWrap(True)
        self.figures = QLabel("")
        self.figures.setWordWrap(True)  # four columns share the width: the figures wrap rather than widen them
        self.figures.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.figures.setToolTip(FIGURES_TIP)
        self.figures.setObjectName("figures")
        self.grounded = QLabel("")
        self.grounded.setToolTip(GROUNDED_TIP)
        self.grounded.setWordWrap(True)
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        self.text.anchorClicked.connect(self._on_anchor)
        self.text.setPlaceholderText("The answer appears here.")
        self.note = QLabel("")
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        self._layout = layout
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.figures)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.grounded)
        layout.addWidget(self.note)
        self._started = 0.0
        self._first = 0.0
        self._tokens = 0
        self._answer: dict[str, Any] | None = None
        self.restyle()

    def set_compact(self, on: bool) -> None:
        """Three or four columns share the width: a smaller title and margins, so each answer keeps its room."""
        self._compact = on
        self.restyle()

    def restyle(self) -> None:
        font = QFont(self.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * (1.0 if self._compact else 1.1))
        self.title.setFont(font)
        self._layout.setContentsMargins(*((6, 6, 6, 6) if self._compact else (10, 8, 10, 8)))
        lines = 3 if self._compact else 0  # narrow columns wrap their figures unevenly: keep the answers aligned
        self.figures.setMinimumHeight(self.figures.fontMetrics().lineSpacing() * lines)
        colors = theme.colors()
        accent = theme.mode_accent(self.mode, colors)
        self.setStyleSheet(
            f"QFrame#{self.objectName()} {{ border: 1px solid palette(mid); border-top: 3px solid "
            f"{theme.css(accent)}; border-radius: 4px; }}"
        )
        muted = theme.css(colors.muted_text)
        self.figures.setStyleSheet(f"color: {muted};")
        self.note.setStyleSheet(f"color: {muted};")
        if self._answer is not None:
            self.show_answer(self._answer)

    # -- streaming --------------------------------------------------------------------------------------------

    def start(self) -> None:
        self._answer = None
        self._started = time.perf_counter()
        self._first = 0.0
        self._tokens = 0
        self.text.clear()
        self.figures.setText("waiting for the first token…")
        self.grounded.setText("")
        self.note.setText("")

    def reading(self, passages: int) -> None:
        """The documents column reads its passages before it can write; say so instead of looking stuck."""
        if not self._first:
            self.figures.setText(f"reading {passages} passage{'s' if passages != 1 else ''} from your documents…")

    def add_text(self, piece: str) -> None:
        now = time.perf_counter()
        if not self._first:
            self._first = now
        self._tokens += 1
        cursor = self.text.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(piece)
        self.text.setTextCursor(cursor)
        self.text.ensureCursorVisible()
        writing = now - self._first
        rate = f" · {(self._tokens - 1) / writing:.1f} tokens/s" if writing > 0.2 and self._tokens > 1 else ""
        self.figures.setText(f"first token {_seconds(self._first - self._started)}{rate} · {self._tokens} tokens")

    def stopped(self) -> None:
        if self._answer is None:
            self.note.setText("Stopped.")

    def failed(self, message: str) -> None:
        self.note.setText(message)

    # -- the finished answer ----------------------------------------------------------------------------------

    def show_answer(self, answer: dict[str, Any]) -> None:
        """Render a finished answer (live or from history) from its JSON form, sentences marked."""
        self._answer = answer
        self.figures.setText(
            f"first token {_seconds(answer['ttft_s'])} · {answer['tokens_per_s']:.1f} tokens/s"
            f"{chr(10) if self._compact else ' · '}"  # narrow columns: two even lines, not a ragged wrap
            f"{answer['completion_tokens']} tokens · {_seconds(answer['wall_s'])} in all"
        )
        self.text.setHtml(self._marked_html(answer))
        share = answer.get("metrics", {}).get("grounded_share")
        checked = [s for s in answer.get("sentences", []) if s["support"] != "unchecked"]
        colors = theme.colors()
        if share is None or not checked:
            self.grounded.setText("Grounded: nothing to check (no sources, or no checkable sentence).")
            self.grounded.setStyleSheet(f"color: {theme.css(colors.muted_text)};")
        else:
            supported = sum(1 for s in checked if s["support"] == "supported")
            good = share >= 0.5
            self.grounded.setText(
                f"Grounded {share:.0%} · {supported} of {len(checked)} sentence{'s' if len(checked) != 1 else ''} "
                + ("supported" if self._compact else "supported by the sources")
            )
            self.grounded.setStyleSheet(f"color: {theme.css(colors.good if good else colors.bad)}; font-weight: 600;")
        notes = {
            "length": ("Cut off at Settings → Max tokens." if self._compact else
                       "Cut off at the maximum answer length (Settings → Max tokens)."),
            "context": "Stopped: the model's context is full.",
            "cancelled": "Stopped.",
            "not_in_documents": (
                "The model was not asked: no document in this knowledge base mentions what the question names."
            ),
        }
        reason = answer.get("finish_reason", "")
        if reason == "unfound_figure" and answer.get("withheld"):
            self.note.setText(f"Withheld the model's answer, “{_clip(answer['withheld'])}”: "
                              "it states a figure that none of the passages contains.")
        else:
            self.note.setText(notes.get(reason, ""))

    def _marked_html(self, answer: dict[str, Any]) -> str:
        text: str = answer["text"]
        colors = theme.colors()
        backgrounds = {"supported": theme.css(colors.supported_bg), "unsupported": theme.css(colors.unsupported_bg)}
        parts: list[str] = []
        position = 0
        for sentence in sorted(answer.get("sentences", []), key=lambda s: s["start"]):
            start, end = int(sentence["start"]), int(sentence["end"])
            if start < position or end > len(text):
                continue
            parts.append(self._linked(text[position:start]))
            body = self._linked(text[start:end])
            background = backgrounds.get(sentence["support"])
            parts.append(f'<span style="background-color:{background};">{body}</span>' if background else body)
            position = end
        parts.append(self._linked(text[position:]))
        return f'<div style="line-height:135%;">{"".join(parts).replace(chr(10), "<br>")}</div>'

    def _linked(self, text: str) -> str:
        """Escape, and turn citations like [2] into links that select that source."""
        link = theme.css(theme.colors().accent)
        return _CITATION.sub(
            lambda m: f'<a href="source:{m.group(1)}" style="color:{link};">[{m.group(1)}]</a>', html.escape(text)
        )

    def _on_anchor(self, url: QUrl) -> None:
        target = url.toString()
        if target.startswith("source:") and target[7:].isdigit():
            self.citation_clicked.emit(int(target[7:]))

    def plain_text(self) -> str:
        return self.text.toPlainText()
