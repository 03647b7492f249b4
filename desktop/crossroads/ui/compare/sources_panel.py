"""The passages the documents column was given, and the selected one shown in its context.

The context text and the PDF page are fetched on a worker (they read the knowledge base and render with pdfium);
only the last request's result is shown, so clicking quickly through sources never shows a stale passage.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crossroads.cancel import CancelToken
from crossroads.rag.passage import PageImage, PassageContext
from crossroads.store import KnowledgeBase
from crossroads.ui import theme
from crossroads.ui.worker import Emit, Worker

SCORE_TIP = ("How closely the passage bears on the question: its best sentence's closeness in meaning plus the "
             "share of the question's words it holds. The model reads the passages in this order; only the order "
             "matters.")


class SourcesPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._kb: KnowledgeBase | None = None
        self._sources: list[dict[str, Any]] = []
        self._request = 0
        self._worker: Worker | None = None

        self.title = QLabel("Sources given to the columns with your documents")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["#", "Document", "Where", "Score"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.headerItem().setToolTip(3, SCORE_TIP)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.currentItemChanged.connect(self._on_current)

        self.context = QTextBrowser()
        self.context.setPlaceholderText("Select a source to read the passage in its document.")
        self.page_label = QLabel()
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.page_scroll = QScrollArea()
        self.page_scroll.setWidget(self.page_label)
        self.page_scroll.setWidgetResizable(True)
        self.views = QTabWidget()
        self.views.addTab(self.context, "Passage in context")
        self.views.addTab(self.page_scroll, "Page")
        self.views.setTabEnabled(1, False)
        self.views.setTabToolTip(1, "The PDF page the passage comes from, with the passage highlighted.")

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.title)
        left_layout.addWidget(self.tree)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.views)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self._page_image: PageImage | None = None
        self._resize_timer = QTimer(self)
        self._resize_timer.setSingleShot(True)
        self._resize_timer.setInterval(80)
        self._resize_timer.timeout.connect(self._show_page)

    def set_knowledge_base(self, kb: KnowledgeBase | None) -> None:
        self._kb = kb

    def clear(self) -> None:
        self._sources = []
        self._request += 1
        self.tree.clear()
        self.context.clear()
        self.page_label.clear()
        self._page_image = None
        self.views.setTabEnabled(1, False)

    def set_sources(self, sources: list[dict[str, Any]]) -> None:
        self.clear()
        self._sources = sources
        for source in sources:
            where = f"page {source['page']}" if source.get("page") else (source.get("heading") or "")
            item = QTreeWidgetItem([str(source["rank"]), source["document"], where, f"{source['score']:.4f}"])
            item.setToolTip(1, source.get("path", ""))
            item.setToolTip(3, SCORE_TIP)
            item.setData(0, Qt.ItemDataRole.UserRole, source["rank"])
            self.tree.addTopLevelItem(item)

    def select(self, rank: int) -> None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.data(0, Qt.ItemDataRole.UserRole) == rank:
                self.tree.setCurrentItem(item)
                return

    def sources(self) -> list[dict[str, Any]]:
        return list(self._sources)

    # -- showing one passage ----------------------------------------------------------------------------------

    def _on_current(self, item: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if item is None:
            return
        rank = item.data(0, Qt.ItemDataRole.UserRole)
        source = next((s for s in self._sources if s["rank"] == rank), None)
        if source is None:
            return
        self._request += 1
        request = self._request
        kb = self._kb
        self.context.setPlainText(source["text"])  # at once; the context replaces it when ready
        self.views.setTabEnabled(1, False)
        self.page_label.clear()
        self._page_image = None

        def job(cancel: CancelToken, emit: Emit) -> tuple[int, PassageContext | None, PageImage | None, str]:
            from crossroads.errors import CrossroadsError
            from crossroads.rag.passage import passage_in_context, render_pdf_page

            context = passage_in_context(kb, int(source["chunk_id"])) if kb is not None else None
            page, problem = None, ""
            if source.get("page") and str(source.get("path", "")).lower().endswith(".pdf"):
                try:
                    page = render_pdf_page(Path(source["path"]), int(source["page"]), source["text"])
                except CrossroadsError as exc:
                    problem = exc.message
            return request, context, page, problem

        worker = Worker(job, "passage")
        worker.finished.connect(self._on_passage)
        worker.failed.connect(self._on_passage_failed)
        worker.start()
        self._worker = worker

    def _on_passage(self, result: tuple[int, PassageContext | None, PageImage | None, str]) -> None:
        request, context, page, problem = result
        if request != self._request:
            return  # the user has moved on to another source
        if context is not None:
            self._show_context(context)
        if page is not None:
            self._page_image = page
            self.views.setTabEnabled(1, True)
            self._show_page()
        elif problem:
            self.views.setTabToolTip(1, problem)

    def _on_passage_failed(self, message: str) -> None:
        self.context.append(f"\n\n({message})")

    def _show_context(self, context: PassageContext) -> None:
        colors = theme.colors()
        before = html.escape(context.text[: context.start])
        passage = html.escape(context.text[context.start : context.end])
        after = html.escape(context.text[context.end :])
        where = f"page {context.page}" if context.page else (context.heading or "")
        head = html.escape(f"{context.document}" + (f" — {where}" if where else ""))
        muted = theme.css(colors.muted_text)
        body = (
            f'<p style="color:{muted};"><b>{head}</b></p>'
            f'<div style="line-height:130%;">{"… " if context.clipped_before else ""}{before}'
            f'<a name="passage"></a><span style="background-color:{theme.css(colors.highlight_bg)};">{passage}'
            f'</span>{after}{" …" if context.clipped_after else ""}</div>'
        )
        self.context.setHtml(body.replace("\n", "<br>"))
        self.context.scrollToAnchor("passage")

    def _show_page(self) -> None:
        page = self._page_image
        if page is None:
            return
        image = QImage(page.pixels, page.width, page.height, page.stride, QImage.Format.Format_RGBA8888).copy()
        painter = QPainter(image)
        highlight = QColor(255, 205, 0, 95)  # a highlighter pen on paper: the page is white in either theme
        for x, y, w, h in page.highlights:
            painter.fillRect(int(x), int(y), int(w) + 2, int(h) + 1, highlight)
        painter.end()
        width = max(200, self.page_scroll.viewport().width() - 16)
        pixmap = QPixmap.fromImage(image).scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
        self.page_label.setPixmap(pixmap)
        if page.highlights:
            top = int(page.highlights[0][1] * pixmap.height() / page.height)
            QTimer.singleShot(0, lambda: self.page_scroll.verticalScrollBar().setValue(max(0, top - 40)))

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self._page_image is not None:
            self._resize_timer.start()
