"""Zip bombs and floods of text: refused or cut before they can keep indexing busy for hours."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest

from crossroads.errors import UnreadableFile
from crossroads.ingest import load as load_module
from crossroads.ingest import load_document

PARAGRAPH = "<w:p><w:r><w:t>The quarterly figures are in the annex of this very long report.</w:t></w:r></w:p>"


def _bomb_docx(path: Path, inflated_mb: int) -> Path:
    """A real Word file whose document.xml inflates to ``inflated_mb`` MB of text from a few hundred KB."""
    import docx

    docx.Document().save(str(path.with_suffix(".seed.docx")))
    with zipfile.ZipFile(path.with_suffix(".seed.docx")) as seed, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in seed.infolist():
            if item.filename != "word/document.xml":
                out.writestr(item, seed.read(item))
                continue
            xml = seed.read(item).decode("utf-8")
            head, tail = xml.split("<w:body>", 1)
            with out.open("word/document.xml", "w", force_zip64=True) as member:
                member.write((head + "<w:body>").encode())
                block = (PARAGRAPH * 1000).encode()
                for _ in range(inflated_mb * 1024 * 1024 // len(block)):
                    member.write(block)
                member.write(tail.encode())
    path.with_suffix(".seed.docx").unlink()
    return path


def test_a_docx_that_inflates_a_hundredfold_is_refused_before_parsing(tmp_path: Path) -> None:
    bomb = _bomb_docx(tmp_path / "report.docx", inflated_mb=60)
    assert bomb.stat().st_size < 1_000_000
    began = time.perf_counter()
    with pytest.raises(UnreadableFile) as refused:
        load_document(bomb)
    assert time.perf_counter() - began < 2  # declared sizes only: nothing was inflated
    message = refused.value.message
    assert message.startswith("report.docx was not read") and "times its packed size" in message


def test_an_office_file_that_would_unpack_past_the_limit_is_refused(tmp_path: Path, monkeypatch) -> None:
    from crossroads.ingest import ziplimits

    monkeypatch.setattr(ziplimits, "MAX_UNZIPPED_BYTES", 5 * 1024 * 1024)
    big = _bomb_docx(tmp_path / "big.docx", inflated_mb=8)
    refused = r"big\.docx was not read: this Word document would unpack to \d MB \(the limit is 5 MB\)"
    with pytest.raises(UnreadableFile, match=refused):
        load_document(big)


def test_an_ordinary_docx_is_not_taken_for_a_bomb(make_docx) -> None:
    paragraphs = [("p", f"Paragraph {i} of ordinary prose.") for i in range(3000)]
    path = make_docx("notes.docx", [("h1", "Notes"), *paragraphs])
    assert "Paragraph 2999" in load_document(path).text


def test_a_huge_text_file_is_cut_to_the_limit_with_a_warning(tmp_path: Path) -> None:
    line = "Invoice {n}: 40 florins for parking in lot K7, paid on the first of the month.\n"
    huge = tmp_path / "dump.txt"
    with huge.open("w", encoding="utf-8") as out:
        for n in range(load_module.MAX_DOCUMENT_CHARS // 70 + 20_000):
            out.write(line.format(n=n))
            if n % 40 == 0:
                out.write("\n")
    total = huge.stat().st_size
    assert total > load_module.MAX_DOCUMENT_CHARS * 1.3
    began = time.perf_counter()
    document = load_document(huge)
    assert time.perf_counter() - began < 10
    kept = sum(len(s.text) for s in document.sections)
    assert kept == load_module.MAX_DOCUMENT_CHARS
    assert document.text.startswith("Invoice 0:")
    assert len(document.warnings) == 1
    assert document.warnings[0].startswith(f"Only the first {load_module.MAX_DOCUMENT_CHARS:,} characters of dump.txt")


def test_a_bomb_in_a_folder_fails_alone_and_the_other_files_are_indexed(tmp_path: Path, embedder) -> None:
    from crossroads.store import KnowledgeBase

    folder = tmp_path / "client"
    folder.mkdir()
    _bomb_docx(folder / "a-bomb.docx", inflated_mb=60)
    (folder / "b-policy.md").write_text("# Parking\n\nStaff park in lot K7.\n", encoding="utf-8")
    began = time.perf_counter()
    with KnowledgeBase.open(tmp_path / "kb", create=True) as kb:
        summary = kb.add_paths([folder], embedder)
    assert time.perf_counter() - began < 30
    assert (summary.indexed, summary.failed) == (1, 1)
    assert "a-bomb.docx was not read" in summary.failures[str(folder / "a-bomb.docx")]
