"""A folder of real documents in four formats: short ones (about 250 words), so that the many runs of the kill
harness stay within minutes, yet each run embeds for seconds."""

from __future__ import annotations

import random
from pathlib import Path

SUBJECTS = ["The warehouse", "Our supplier", "The audit team", "Each invoice", "The board", "A new hire",
            "The help desk", "The fleet manager", "Every contract", "The quality lab"]
VERBS = ["reviews", "approves", "ships", "records", "checks", "archives", "prices", "schedules", "signs", "tests"]
OBJECTS = ["the quarterly budget", "spare parts for line {n}", "the safety manual", "customer refunds",
           "overtime requests", "the travel policy", "batch {n} of coolant", "the server backups",
           "holiday rosters", "the lease for depot {n}"]
WHEN = ["every Monday", "before the tenth of each month", "within {n} days", "after each inspection",
        "at the end of the year", "when stock falls below {n} units"]


def paragraph(rng: random.Random, sentences: int) -> str:
    parts = []
    for _ in range(sentences):
        n = rng.randint(2, 99)
        parts.append(f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS).format(n=n)} "
                     f"{rng.choice(WHEN).format(n=n)}.")
    return " ".join(parts)


def sections(rng: random.Random, number: int, count: int) -> list[tuple[str, str]]:
    """(heading, text) pairs; the first carries a fact only this document holds."""
    out = [(f"Document {number}", f"The code word of document {number} is zebra-{number * 37}. "
            + paragraph(rng, 4))]
    out += [(f"Section {i}", paragraph(rng, rng.randint(3, 7))) for i in range(1, count)]
    return out


def write_corpus(folder: Path, files: int = 40, seed: int = 11) -> list[Path]:
    """``files`` documents cycling through Markdown, text, Word and PDF."""
    from docx import Document
    from fpdf import FPDF

    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    written = []
    for number in range(files):
        parts = sections(rng, number, rng.randint(2, 4))
        kind = ("md", "txt", "docx", "pdf")[number % 4]
        path = folder / f"doc-{number:03}.{kind}"
        if kind == "md":
            path.write_text("\n\n".join(f"## {h}\n\n{t}" for h, t in parts), encoding="utf-8")
        elif kind == "txt":
            path.write_text("\n\n".join(f"{h}\n{t}" for h, t in parts), encoding="utf-8")
        elif kind == "docx":
            document = Document()
            for heading, text in parts:
                document.add_heading(heading, level=1)
                document.add_paragraph(text)
            document.save(str(path))
        else:
            pdf = FPDF()
            pdf.set_font("helvetica", size=11)
            for heading, text in parts:
                pdf.add_page()
                pdf.multi_cell(0, 6, f"{heading}\n\n{text}")
            pdf.output(str(path))
        written.append(path)
    return written
