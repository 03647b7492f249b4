"""The bundled demo must never drift: each scripted answer stays in its document, where the product reads it.

Texts come from ``crossroads.ingest.load_document``, the same reader the product indexes with, so a change
in a loader that would hide a demo answer fails here before it fails in front of a client.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

import pytest

from crossroads.ingest import Document, load_document

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "assets" / "demo"
DOCUMENTS = DEMO / "documents"
QUESTIONS = DEMO / "questions.jsonl"
GENERATOR = REPO / "packaging" / "make_demo_docs.py"

EXPECTED_DOCUMENTS = {
    "Employee-Handbook.pdf": "pdf",
    "Product-Manual.docx": "docx",
    "Price-List-2026.xlsx": "xlsx",
    "Release-Notes.md": "markdown",
    "Support-FAQ.html": "html",
}
GENERATED = ("Employee-Handbook.pdf", "Product-Manual.docx", "Price-List-2026.xlsx")
PAGED_KINDS = {"pdf", "xlsx"}  # a PDF page or a workbook sheet; the other formats have no page
MAX_BYTES = 300 * 1024
QUESTION_KEYS = {"question", "answers", "source", "page", "in_documents"}
ABSENT_TOPICS = ("Nimbus", "CEO", "revenue", "parking")
"""What the unanswerable questions ask about; none of it may appear in any document."""


def _flat(text: str) -> str:
    """Line breaks from page layout or table cells are not part of an answer."""
    return " ".join(text.split())


def _questions() -> list[dict]:
    return [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]


QUESTION_LIST = _questions()
ANSWERABLE = [q for q in QUESTION_LIST if q.get("in_documents") is True]


@pytest.fixture(scope="module")
def documents() -> dict[str, Document]:
    return {name: load_document(DOCUMENTS / name) for name in EXPECTED_DOCUMENTS}


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_demo_docs", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", sorted(EXPECTED_DOCUMENTS))
def test_every_demo_document_exists_is_small_and_reads_as_its_format(
    name: str, documents: dict[str, Document]
) -> None:
    path = DOCUMENTS / name
    assert 0 < path.stat().st_size < MAX_BYTES
    document = documents[name]
    assert document.kind == EXPECTED_DOCUMENTS[name]
    assert len(document.text) > 500
    assert not document.warnings


def test_the_documents_folder_holds_only_the_demo_documents() -> None:
    """Demo mode indexes the whole folder; a stray file would show up among the sources."""
    assert sorted(p.name for p in DOCUMENTS.iterdir()) == sorted(EXPECTED_DOCUMENTS)


def test_the_handbook_has_numbered_pages_after_its_title_page(documents: dict[str, Document]) -> None:
    handbook = documents["Employee-Handbook.pdf"]
    assert handbook.page_count is not None and handbook.page_count >= 6
    pages = {section.page: section.text for section in handbook.sections}
    assert "Page" not in pages[1]
    for number in range(2, handbook.page_count + 1):
        assert f"Page {number} of {handbook.page_count}" in pages[number]


def test_questions_file_is_json_lines_with_the_documented_schema() -> None:
    assert QUESTION_LIST, "questions.jsonl is empty"
    for question in QUESTION_LIST:
        assert set(question) == QUESTION_KEYS, question
        assert isinstance(question["question"], str) and question["question"].endswith("?")
        assert isinstance(question["in_documents"], bool)
        assert isinstance(question["answers"], list)
        assert all(isinstance(a, str) and a.strip() for a in question["answers"])
        assert question["page"] is None or (isinstance(question["page"], int) and question["page"] >= 1)
        if question["in_documents"]:
            assert question["answers"], question["question"]
            assert question["source"] in EXPECTED_DOCUMENTS, question["source"]
        else:
            assert question["answers"] == [] and question["source"] is None and question["page"] is None


def test_the_question_set_has_the_demo_mix() -> None:
    """12-16 answerable questions touching every document, 3-4 that the documents cannot answer,
    and a first question that the documents answer (the demo opens with a win)."""
    unanswerable = [q for q in QUESTION_LIST if not q["in_documents"]]
    assert 12 <= len(ANSWERABLE) <= 16
    assert 3 <= len(unanswerable) <= 4
    assert {q["source"] for q in ANSWERABLE} == set(EXPECTED_DOCUMENTS)
    assert QUESTION_LIST[0]["in_documents"]
    assert len({q["question"] for q in QUESTION_LIST}) == len(QUESTION_LIST)


@pytest.mark.parametrize("question", ANSWERABLE, ids=lambda q: q["question"][:60])
def test_each_expected_answer_appears_verbatim_in_its_source_on_the_stated_page(
    question: dict, documents: dict[str, Document]
) -> None:
    document = documents[question["source"]]
    page = question["page"]
    if document.kind in PAGED_KINDS:
        assert page is not None, "answers in a PDF or workbook cite their page or sheet"
        texts = [_flat(s.text) for s in document.sections if s.page == page]
        assert texts, f"{question['source']} has no page {page}"
    else:
        assert page is None, f"{document.kind} has no pages to cite"
        texts = [_flat(document.text)]
    for answer in question["answers"]:
        assert any(answer in text for text in texts), f"{answer!r} is not where {question['source']} is cited"


def test_unanswerable_questions_ask_about_nothing_the_documents_mention(
    documents: dict[str, Document]
) -> None:
    unanswerable = [q["question"] for q in QUESTION_LIST if not q["in_documents"]]
    for question in unanswerable:
        assert any(re.search(rf"\b{topic}\b", question) for topic in ABSENT_TOPICS), question
    for name, document in documents.items():
        for topic in ABSENT_TOPICS:
            assert not re.search(rf"\b{topic}\b", document.text, re.IGNORECASE), f"{topic!r} is in {name}"


def test_the_committed_documents_are_what_the_generator_makes(
    tmp_path: Path, documents: dict[str, Document]
) -> None:
    """Guards against hand-edited binaries and against script changes that were never regenerated."""
    built = _generator().build_all(tmp_path)
    assert sorted(p.name for p in built) == sorted(GENERATED)
    for path in built:
        fresh = load_document(path)
        assert [(s.page, s.text) for s in fresh.sections] == \
            [(s.page, s.text) for s in documents[path.name].sections], path.name
