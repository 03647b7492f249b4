"""PDF rendering with fpdf2 (pure Python, no system libraries).

The shipped DejaVu Sans subset (report/fonts) is embedded when present, so accents, Greek, Cyrillic, arrows
and maths symbols print; without it the PDF falls back to the built-in Helvetica and text is reduced to
Latin-1. Characters the chosen font lacks are replaced rather than printed as empty boxes.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from crossroads.report.model import BarChart, Block, Bullets, Callout, Paragraph, Report, Table

_INK, _MUTED, _ACCENT, _SOFT, _LINE = (
    (31, 41, 51),
    (95, 107, 118),
    (47, 93, 138),
    (238, 243, 248),
    (217, 222, 227),
)
_POSITIVE, _NEGATIVE = (159, 179, 200), (216, 167, 160)
_FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
_LATIN1 = {
    "–": "-",
    "—": "-",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "…": "...",
    "•": "-",
    "≤": "<=",
    "≥": ">=",
    "≈": "~",
    "→": "->",
    "×": "x",
    "−": "-",
    "◀": "<",
    "·": "-",
    "\u00a0": " ",
}


def default_font_dir() -> Path | None:
    """The fonts shipped inside the package (so wheels and bundles carry them); never a system font folder."""
    folder = Path(__file__).resolve().parent / "fonts"
    return folder if all((folder / name).is_file() for name in _FONT_FILES.values()) else None


def render_pdf(report: Report, *, font_dir: Path | None = None, core_fonts_only: bool = False) -> bytes:
    """The report as PDF bytes; ``font_dir`` defaults to the shipped fonts."""
    from fpdf import FPDF

    fonts = None if core_fonts_only else (font_dir or default_font_dir())

    class _Doc(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(family, "", 8)
            self.set_text_color(*_MUTED)
            self.cell(
                0, 5, clean(f"{report.title} · {report.generated} · page {self.page_no()}/{{nb}}"), align="C"
            )

    pdf = _Doc(format="A4", unit="mm")
    if fonts is not None:
        for style, name in _FONT_FILES.items():
            pdf.add_font("DejaVu", style, str(fonts / name))
        family = "DejaVu"
        cmap = set(pdf.fonts["dejavu"].cmap)

        def clean(text: str) -> str:
            return "".join(ch if ord(ch) in cmap or ch in "\n" else _fallback(ch) for ch in text)
    else:
        family = "helvetica"

        def clean(text: str) -> str:
            text = "".join(_LATIN1.get(ch, ch) for ch in text)
            return "".join(ch if ord(ch) < 256 else _fallback(ch) for ch in text)

    pdf.set_title(clean(report.title))
    pdf.set_author("Crossroads")
    pdf.set_creator("Crossroads")
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    writer = _Writer(pdf, family, clean)
    writer.title(report)
    for section in report.sections:
        writer.heading(section.title)
        for block in section.blocks:
            writer.block(block)
    if report.footer:
        writer.paragraph(Paragraph(report.footer, "note"))
    return bytes(pdf.output())


def _fallback(ch: str) -> str:
    plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
    return plain or "?"


class _Writer:
    def __init__(self, pdf: Any, family: str, clean: Any) -> None:
        self.pdf, self.family, self.clean = pdf, family, clean

    def _font(self, size: float, bold: bool = False, color: tuple[int, int, int] = _INK) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)
        self.pdf.set_text_color(*color)

    def _text(
        self,
        text: str,
        size: float,
        *,
        bold: bool = False,
        color: tuple[int, int, int] = _INK,
        indent: float = 0.0,
        height: float | None = None,
    ) -> None:
        from fpdf.enums import XPos, YPos

        self._font(size, bold, color)
        pdf = self.pdf
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(
            pdf.epw - indent,
            height or size * 0.5,
            self.clean(text),
            align="L",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )

    def title(self, report: Report) -> None:
        self._text(report.title, 20, bold=True, height=10)
        self._text(f"{report.subtitle} · {report.generated}", 11, color=_MUTED, height=6)
        self.pdf.ln(4)

    def heading(self, text: str) -> None:
        pdf = self.pdf
        if pdf.y > pdf.h - 45:
            pdf.add_page()
        pdf.ln(3)
        self._text(text, 14, bold=True, height=8)
        pdf.set_draw_color(*_LINE)
        pdf.set_line_width(0.5)
        pdf.line(pdf.l_margin, pdf.y, pdf.l_margin + pdf.epw, pdf.y)
        pdf.ln(2.5)

    def block(self, block: Block) -> None:
        if isinstance(block, Paragraph):
            self.paragraph(block)
        elif isinstance(block, Callout):
            self.callout(block)
        elif isinstance(block, Bullets):
            self.bullets(block)
        elif isinstance(block, Table):
            self.table(block)
        else:
            self.chart(block)

    def paragraph(self, block: Paragraph) -> None:
        if block.style == "note":
            self._text(block.text, 8.5, color=_MUTED, height=4.2)
        else:
            self._text(block.text, 10, height=5)
        self.pdf.ln(1.5)

    def callout(self, block: Callout) -> None:
        pdf = self.pdf
        width = pdf.epw - 10
        self._font(10)
        lines = len(pdf.multi_cell(width, 5, self.clean(block.text), dry_run=True, output="LINES"))
        height = 4 + 7 + lines * 5 + 4
        if pdf.y + height > pdf.h - pdf.b_margin:
            pdf.add_page()
        top = pdf.y
        pdf.set_fill_color(*_SOFT)
        pdf.rect(pdf.l_margin, top, pdf.epw, height, style="F")
        pdf.set_fill_color(*_ACCENT)
        pdf.rect(pdf.l_margin, top, 2, height, style="F")
        pdf.set_y(top + 4)
        self._text(block.title, 13, bold=True, indent=6, height=7)
        self._text(block.text, 10, indent=6, height=5)
        pdf.set_y(top + height + 3)

    def bullets(self, block: Bullets) -> None:
        for i, item in enumerate(block.items, 1):
            lead = f"{i}." if block.numbered else "•"
            pdf = self.pdf
            if pdf.y > pdf.h - pdf.b_margin - 10:
                pdf.add_page()
            self._font(10)
            pdf.set_x(pdf.l_margin + 1)
            pdf.cell(6, 5, self.clean(lead))
            self._text(item.text, 10, indent=7, height=5)
            for detail in item.details:
                self._text(detail, 8.5, color=_MUTED, indent=11, height=4.2)
            pdf.ln(1.2)
        self.pdf.ln(1)

    def table(self, block: Table) -> None:
        from fpdf.fonts import FontFace

        pdf = self.pdf
        self._font(8.5)
        widths = block.widths or tuple(1 for _ in block.headers)
        pdf.set_draw_color(*_LINE)
        pdf.set_fill_color(255, 255, 255)
        pdf.set_line_width(0.2)
        with pdf.table(
            col_widths=widths,
            text_align="LEFT",
            line_height=4.2,
            width=pdf.epw,
            padding=1.2,
            headings_style=FontFace(emphasis="BOLD", fill_color=_SOFT),
            v_align="TOP",
        ) as table:
            row = table.row()
            for header in block.headers:
                row.cell(self.clean(header))
            for values in block.rows:
                row = table.row()
                for value in values:
                    row.cell(self.clean(value))
        pdf.ln(2)

    def chart(self, chart: BarChart) -> None:
        pdf = self.pdf
        label_w, bar_w, row_h = 48.0, pdf.epw - 48.0 - 18.0, 7.0
        needed = 8 + row_h * len(chart.bars) + 4
        if pdf.y + needed > pdf.h - pdf.b_margin:
            pdf.add_page()
        self._text(chart.title, 10, bold=True, height=6)
        values = [b.value for b in chart.bars]
        lo, hi = min(0.0, *values), max(0.0, *values)
        span = (hi - lo) or 1.0
        x_zero = pdf.l_margin + label_w + (0 - lo) / span * bar_w
        top = pdf.y + 1
        for i, bar in enumerate(chart.bars):
            y = top + i * row_h
            width = abs(bar.value) / span * bar_w
            x = x_zero if bar.value >= 0 else x_zero - width
            self._font(9, bold=bar.highlight)
            pdf.set_xy(pdf.l_margin, y)
            pdf.cell(label_w - 3, row_h, self.clean(bar.label), align="R")
            color = _ACCENT if bar.highlight else (_POSITIVE if bar.value >= 0 else _NEGATIVE)
            pdf.set_fill_color(*color)
            pdf.rect(x, y + 1.3, max(width, 0.4), row_h - 2.6, style="F")
            value_x = x + width + 1.5 if bar.value >= 0 or x - 14 < pdf.l_margin + label_w else x - 13.5
            pdf.set_xy(value_x, y)
            pdf.cell(12, row_h, self.clean(f"{bar.value:g}"))
        bottom = top + row_h * len(chart.bars)
        pdf.set_draw_color(*_MUTED)
        pdf.set_line_width(0.3)
        pdf.line(x_zero, top, x_zero, bottom)
        pdf.set_xy(pdf.l_margin, bottom + 3)
