"""Exporting the decision report: the format from the file name, and the job the Worker runs off the UI thread.

Rendering a PDF takes most of a second, so it never runs on the UI thread; the job is a plain function of
immutable inputs (a Recommendation and plain dicts), safe to run on another thread.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from crossroads.cancel import CancelToken
from crossroads.decision import Recommendation
from crossroads.errors import InputError
from crossroads.ui.worker import Emit, Job

FORMATS = {"pdf": ("PDF document", (".pdf",)), "html": ("Web page", (".html", ".htm")), "md": ("Markdown", (".md",))}


def file_filters() -> list[str]:
    return [f"{name} ({' '.join('*' + s for s in suffixes)})" for name, suffixes in FORMATS.values()]


def resolve_target(path: Path, chosen_filter: str = "") -> tuple[Path, str]:
    """The format a file name asks for; with no known suffix, the chosen filter's, whose suffix is added."""
    suffix = path.suffix.lower()
    for fmt, (_, suffixes) in FORMATS.items():
        if suffix in suffixes:
            return path, fmt
    filters = file_filters()
    fmt = list(FORMATS)[filters.index(chosen_filter)] if chosen_filter in filters else "pdf"
    return path.with_name(path.name + FORMATS[fmt][1][0]), fmt


def suggested_name(project: str, ending: str = "decision.pdf") -> str:
    """A file name from the project's name, e.g. "ACME support" -> "acme-support-decision.pdf"."""
    slug = re.sub(r"[^a-z0-9]+", "-", project.lower()).strip("-")[:60]
    return f"{slug}-{ending}" if slug else ending


def export_job(
    rec: Recommendation,
    path: Path,
    fmt: str,
    *,
    evaluation: Mapping[str, Any] | None = None,
    comparisons: Sequence[Mapping[str, Any]] | None = None,
) -> Job:
    """A Worker job that renders the report and writes it atomically; its result is the path written."""

    def job(cancel: CancelToken, emit: Emit) -> Path:
        from crossroads.decision.answers import write_atomic
        from crossroads.report import build_report, render_html, render_markdown, render_pdf

        report = build_report(rec, comparisons, evaluation)
        cancel.raise_if_cancelled()
        if fmt == "pdf":
            data: str | bytes = render_pdf(report)
        elif fmt == "html":
            data = render_html(report)
        else:
            data = render_markdown(report)
        cancel.raise_if_cancelled()
        try:
            write_atomic(path, data)
        except OSError as exc:
            raise InputError(
                f"Could not save the report as {path.name}: {exc.strerror or exc}. Choose another folder or name."
            ) from None
        return path

    return job
