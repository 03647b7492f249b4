"""The result page: the recommendation in plain words, the score chart, the reasons with their evidence, what would
change it, what the measurements did, and the cost of each path.

Everything shown is read from a ``Recommendation`` and the core's weights, evidence and report helpers; the view
decides only where it goes.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from crossroads.decision import Contribution, Recommendation
from crossroads.decision.evidence import evidence
from crossroads.decision.weights import load_weights
from crossroads.report.extras import measured_table
from crossroads.ui.decide import text
from crossroads.ui.decide.cost_view import CostView, fill_table, fit_height, make_table, table_headers, table_rows
from crossroads.ui.decide.entries import Entry, EntryList
from crossroads.ui.decide.score_chart import ScoreChart

NO_MEASUREMENTS = (
    "Nothing measured yet. Run your own questions in the Evaluate tab (model only, and model + your documents): "
    "the results are weighed here, and this section says how they changed the recommendation."
)
NO_ANSWERS = (
    "No question was answered, so this is only the usual starting point. Answer the questions for a "
    "recommendation that fits the situation."
)


def short_authors(authors: str) -> str:
    names = [n.strip() for n in authors.split(",") if n.strip()]
    if len(names) > 2:
        return f"{names[0]} et al."
    return " & ".join(names)


class Card(QFrame):
    """A titled panel on the Base colour, so sections stand apart in either theme."""

    def __init__(self, title: str, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setBackgroundRole(QPalette.ColorRole.Base)
        self.setAutoFillBackground(True)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 14)
        outer.setSpacing(8)
        outer.addWidget(text.heading(title))
        self.body = QVBoxLayout()
        self.body.setSpacing(8)
        outer.addLayout(self.body)
        outer.addStretch(1)


def reason_entry(c: Contribution) -> Entry:
    """A reason with the answer behind it and its evidence: the finding and the paper, full citation on hover."""
    details: list[tuple[str, str]] = []
    if c.kind in ("answer", "combination"):
        details.append((f"From your answer: {c.answer_text}", ""))
    for eid in c.evidence:
        e = evidence(eid)
        paper = f"{short_authors(e.authors)} {e.year or 'n.d.'}, {e.title}"
        details.append((f"Evidence: {e.figure} ({paper})", e.citation()))
    if not c.evidence and c.evidence_note:
        details.append((f"Basis: {c.evidence_note}", ""))
    return Entry(c.reason, tuple(details), f"{c.delta:+g}")


def measured_entries(rec: Recommendation) -> list[Entry]:
    """Each measured rule that fired, once, with what it did to every option."""
    w = load_weights()
    first: dict[str, Contribution] = {}
    for c in rec.contributions:
        if c.kind == "measured":
            first.setdefault(c.source, c)
    entries = []
    for source, c in first.items():
        deltas = ", ".join(f"{w.options[x.option].short} {x.delta:+g}" for x in rec.contributions if x.source == source)
        entries.append(Entry(c.reason, ((f"Effect: {deltas}", ""),)))
    return entries


class ResultView(QWidget):
    export_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultView")
        w = load_weights()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 8, 8)
        layout.setSpacing(12)
        layout.addWidget(self._build_headline())

        columns = QHBoxLayout()
        columns.setSpacing(12)
        left, right = QVBoxLayout(), QVBoxLayout()
        left.setSpacing(12)
        right.setSpacing(12)
        scores = Card("Scores", "scoresCard")
        self.chart = ScoreChart([(o, w.options[o].short) for o in w.order])
        scores.body.addWidget(self.chart)
        scores.body.addWidget(
            text.label(
                "Each score adds up the weighted reasons that follow from the answers and measurements. Higher is "
                "better.",
                size=text.NOTE,
                muted=True,
            )
        )
        self._reasons = Card("Why", "reasonsCard")
        self._reason_list = EntryList()
        self._reasons.body.addWidget(self._reason_list)
        self._flips = Card("What would change it", "flipsCard")
        self._flip_list = EntryList()
        self._flips.body.addWidget(self._flip_list)
        self._measured = Card("Measured on your questions", "measuredCard")
        self._measured_summary = text.label(object_name="measuredSummary")
        self._measured_table = make_table(fit=True)
        self._measured_table.setObjectName("measuredTable")
        self._measured_list = EntryList()
        for widget in (self._measured_summary, self._measured_table, self._measured_list):
            self._measured.body.addWidget(widget)
        # Two columns that flow independently: the long list of reasons does not stretch the chart's card.
        for card in (scores, self._measured, self._flips):
            left.addWidget(card)
        right.addWidget(self._reasons)
        left.addStretch(1)
        right.addStretch(1)
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        layout.addLayout(columns)

        costs = Card("Cost and effort per path", "costsCard")
        self.costs = CostView()
        costs.body.addWidget(self.costs)
        layout.addWidget(costs)
        layout.addStretch(1)

    def _build_headline(self) -> QWidget:
        box = QFrame()
        box.setObjectName("headline")
        box.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        box.setAutoFillBackground(True)
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 16, 0)
        row.setSpacing(16)
        accent = QFrame()
        accent.setFixedWidth(6)
        accent.setBackgroundRole(QPalette.ColorRole.Highlight)
        accent.setAutoFillBackground(True)
        row.addWidget(accent)
        column = QVBoxLayout()
        column.setContentsMargins(0, 14, 0, 14)
        column.setSpacing(6)
        column.addWidget(text.label("Recommended path", muted=True))
        self.winner_label = text.label(size=text.HEADLINE, bold=True, selectable=True, object_name="winnerLabel")
        self.summary_label = text.label(size=1.1, selectable=True, object_name="summaryLabel")
        self.confidence_label = text.label(selectable=True, object_name="confidenceLabel")
        self.caveat_label = text.label(selectable=True, object_name="caveatLabel")
        self._notes = EntryList()
        for widget in (self.winner_label, self.summary_label, self.confidence_label, self.caveat_label, self._notes):
            column.addWidget(widget)
        row.addLayout(column, 1)
        self.export_button = QPushButton("&Export report…")
        self.export_button.setObjectName("exportButton")
        self.export_button.setToolTip(
            "Save this decision as a PDF, HTML or Markdown report a client can read without you in the room"
        )
        self.export_button.clicked.connect(self.export_requested)
        buttons = QVBoxLayout()
        buttons.setContentsMargins(0, 14, 0, 14)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        row.addLayout(buttons)
        return box

    def show_recommendation(self, rec: Recommendation) -> None:
        w = load_weights()
        spec = w.options[rec.winner]
        conf = rec.confidence
        self.winner_label.setText(spec.label)
        self.summary_label.setText(spec.summary)
        self.confidence_label.setText(f"Confidence: {conf.level}. " + " ".join(conf.notes))
        self.caveat_label.setText(f"Watch out: {spec.caveat}" if spec.caveat else "")
        self.caveat_label.setVisible(bool(spec.caveat))
        notes: list[Entry] = []
        if rec.measured_effect is not None:  # what the measurements did belongs next to the headline
            effect = rec.measured_effect
            notes.append(Entry(effect.summary, style="strong" if effect.changed else "plain"))
        notes += [Entry(note, style="muted") for note in (*rec.notes, *([NO_ANSWERS] if conf.answered == 0 else []))]
        if rec.conflicts:
            notes.append(Entry("Answers that pull against each other; settle them first:", style="strong"))
            notes += [Entry(message) for _, message in rec.conflicts]
        self._notes.set_entries(notes)
        self.chart.set_scores(rec.scores, rec.winner)
        self._show_reasons(rec)
        self._show_flips(rec)
        self._show_measured(rec)
        self.costs.show_costs(rec)

    def _show_reasons(self, rec: Recommendation) -> None:
        reasons = rec.top_reasons()
        entries = [reason_entry(c) for c in reasons]
        if not reasons:
            entries.append(
                Entry(
                    "No answer speaks for this option directly: it leads because the reasons against the other "
                    "options weigh more.",
                    style="plain",
                )
            )
        against = rec.against()
        if against:
            entries.append(Entry("Against it, outweighed by the reasons above:", style="strong"))
            entries += [reason_entry(c) for c in against]
        self._reason_list.set_entries(entries)

    def _show_flips(self, rec: Recommendation) -> None:
        if not rec.what_would_change:
            self._flip_list.set_entries(
                [Entry("No single different answer would change the recommendation.", style="plain")]
            )
            return
        intro = Entry("Each line changes one answer and keeps all the others.", style="muted")
        self._flip_list.set_entries([intro, *(Entry(flip.text) for flip in rec.what_would_change)])

    def _show_measured(self, rec: Recommendation) -> None:
        effect = rec.measured_effect
        self._measured_table.setVisible(effect is not None)
        if effect is None:
            self._measured_summary.setText(NO_MEASUREMENTS)
            self._measured_summary.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            self._measured_summary.set_style(bold=False)
            self._measured_list.set_entries([])
            return
        self._measured_summary.setText(effect.summary)
        self._measured_summary.setForegroundRole(QPalette.ColorRole.WindowText)
        self._measured_summary.set_style(bold=effect.changed)
        # The report's measured table turned on its side (metrics down, modes across) to fit half a page.
        data = measured_table(effect.measured.to_dict())
        modes = [row for row in data.rows if any(row[1:])]
        lines = [Entry(row[0], style="plain") for row in data.rows if not any(row[1:])]  # "Retrieval hit rate: 85%"
        rows = [(name, *(row[i] for row in modes)) for i, name in enumerate(data.headers[1:], start=1)]
        fill_table(self._measured_table, ("", *(row[0] for row in modes)), rows)
        fit_height(self._measured_table)
        self._measured_list.set_entries([*lines, *measured_entries(rec)])

    def plain_text(self) -> str:
        """Every line shown, top to bottom, for reading the page back in tests and for accessibility checks."""
        lines = [w.text() for w in self.findChildren(QLabel) if w.isVisibleTo(self) and w.text()]
        for table in self.findChildren(QTableWidget):
            if table.isVisibleTo(self):
                lines.append(" | ".join(table_headers(table)))
                lines += [" | ".join(row) for row in table_rows(table)]
        return "\n".join(lines)

    def set_exporting(self, busy: bool) -> None:
        self.export_button.setEnabled(not busy)
        self.export_button.setText("Exporting…" if busy else "&Export report…")
