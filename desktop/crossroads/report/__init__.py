"""Reports a consultant can hand over: a neutral content model, rendered to Markdown, HTML and PDF.

``build_report`` decides what the document says; ``render_markdown``, ``render_html`` and ``render_pdf`` only
how it looks. fpdf2 is imported inside ``render_pdf``, so importing this package stays cheap.
"""

from __future__ import annotations

from crossroads.report.build import build_report
from crossroads.report.model import Report
from crossroads.report.render_html import render_html
from crossroads.report.render_md import render_markdown
from crossroads.report.render_pdf import render_pdf

__all__ = ["Report", "build_report", "render_html", "render_markdown", "render_pdf"]
