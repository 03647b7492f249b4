"""The figures the Evaluate tab shows, with their names and explanations in plain words (the tooltips).

One place for the wording, so the summary table, the charts and the results table say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    key: str  # the key in ``Evaluation.summary()``
    label: str
    heading: str  # the summary table's column
    short: str  # a chart's category
    explanation: str
    unit: str  # "share" (0-1, shown as %), "seconds" or "count"

    def format(self, value: float | int | None) -> str:
        if value is None:
            return "—"
        if self.unit == "share":
            return f"{value * 100:.0f}%"
        if self.unit == "seconds":
            return f"{value:.1f} s" if value < 100 else f"{value:.0f} s"
        return f"{value:g}"


QUESTIONS = Figure(
    "questions", "Questions answered", "Questions\nanswered", "Answered",
    "How many questions this mode answered. After a stop, only the questions finished so far count.", "count",
)
CONTAINED = Figure(
    "contained", "Contains the expected answer", "Contains\nexpected", "Contains expected",
    "Share of answers that contain one of the expected answers word for word (case and punctuation aside). "
    "The fairest accuracy figure for full-sentence answers. Only questions with expected answers count.",
    "share",
)
F1 = Figure(
    "f1", "Word overlap with the expected answer (F1)", "Overlap\n(F1)", "Word overlap (F1)",
    "How closely the answer's words match the expected answer: 100% is the same words, 0% none in common. "
    "Long answers score lower even when they are right, so read it next to 'Contains the expected answer'.",
    "share",
)
FOUND = Figure(
    "retrieval_hit", "Expected answer among the passages", "Answer in\npassages", "In passages",
    "Share of questions whose expected answer appears in the passages found in your documents. When it is high "
    "and 'Contains the expected answer' is low, the search worked and the model misread the passages; when it is "
    "low, the search missed. The same for every mode: all are checked against the same passages.",
    "share",
)
WORDS = Figure(
    "median_words", "Median answer length", "Median\nwords", "Words",
    "Half of the answers were shorter than this many words. Longer answers contain the expected words more "
    "often by chance, so read accuracy next to length.",
    "count",
)
GROUNDED = Figure(
    "grounded_share", "Backed by your documents", "Backed by\ndocuments", "Backed by documents",
    "Share of answer sentences whose words, and every number, appear in one passage found in your documents. "
    "Both modes are checked against the same passages, so the gap shows how much came from the documents.",
    "share",
)
WALL = Figure(
    "median_wall_s", "Median time per answer", "Median\nanswer", "Whole answer",
    "Half of the answers took less than this, from asking to the last word. The modes answer together, "
    "sharing the processor.",
    "seconds",
)
TTFT = Figure(
    "median_ttft_s", "Median time to the first word", "Median\nfirst word", "First word",
    "Half of the answers started appearing sooner than this. Searching your documents and the longer prompt "
    "they make add to it.",
    "seconds",
)

SUMMARY_FIGURES = (QUESTIONS, CONTAINED, F1, FOUND, GROUNDED, WORDS, WALL, TTFT)
SHARE_FIGURES = (CONTAINED, F1, GROUNDED)
LATENCY_FIGURES = (WALL, TTFT)
