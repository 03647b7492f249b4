"""Every file a user can get wrong is refused with a message that names it and says what to do."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from crossroads.errors import UnreadableFile
from crossroads.ingest import MAX_FILE_BYTES, load_document
from crossroads.ingest import load as load_module


def refusal(path: Path) -> str:
    with pytest.raises(UnreadableFile) as caught:
        load_document(path)
    message = caught.value.message
    assert path.name in message, "every message names the file"
    assert str(path.parent) not in message, "only the name, never the folder"
    return message


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.touch()
    assert "empty.txt is empty" in refusal(empty)


def test_a_file_of_only_whitespace_counts_as_empty(write_text: Callable[..., Path]) -> None:
    assert "blank.md is empty" in refusal(write_text("blank.md", "  \n\n\t \r\n  "))
    assert "blank.txt is empty" in refusal(write_text("blank.txt", "\n \n"))


@pytest.mark.parametrize("name", ["notes.txt", "notes.csv", "page.html"])
def test_binary_data_renamed_to_a_text_format_is_refused(tmp_path: Path, name: str) -> None:
    blob = tmp_path / name
    blob.write_bytes(bytes(range(256)) * 40)
    assert f"{name} is not a text document (it looks like binary data)" in refusal(blob)


@pytest.mark.parametrize(("name", "label"), [("report.pdf", "PDF"), ("letter.docx", "Word document"),
                                             ("deck.pptx", "PowerPoint presentation")])
def test_binary_data_renamed_to_a_document_format_is_refused(tmp_path: Path, name: str, label: str) -> None:
    blob = tmp_path / name
    blob.write_bytes(bytes(range(256)) * 40)
    message = refusal(blob)
    assert f"{name} is not a real {label}" in message
    assert "binary data" in message


def test_plain_text_renamed_to_pdf_is_not_read_as_a_pdf(write_text: Callable[..., Path]) -> None:
    assert "fake.pdf is not a real PDF" in refusal(write_text("fake.pdf", "just words\n"))


def test_a_corrupt_zip_named_docx_is_reported_as_damaged(tmp_path: Path) -> None:
    broken = tmp_path / "contract.docx"
    broken.write_bytes(b"PK\x03\x04" + b"\x14\x00garbage" * 50)
    message = refusal(broken)
    assert "contract.docx looks damaged" in message
    assert "restore it from a backup" in message


def test_a_docx_cut_short_is_reported_as_damaged(make_docx: Callable[..., Path]) -> None:
    path = make_docx("cut.docx", [("h1", "Heading"), ("p", "Body text.")])
    path.write_bytes(path.read_bytes()[:-200])
    assert "cut.docx looks damaged: it could not be read as a Word document" in refusal(path)


def test_a_password_protected_office_file_is_named_as_such(tmp_path: Path) -> None:
    """Office saves an encrypted .docx inside an OLE2 container; the signature is enough to tell."""
    locked = tmp_path / "salaries.xlsx"
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    assert "salaries.xlsx is protected by a password" in refusal(locked)


def test_an_old_office_format_gets_a_save_as_hint(tmp_path: Path) -> None:
    old = tmp_path / "memo.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    message = refusal(old)
    assert "older Word format" in message
    assert "save it as .docx" in message


def test_an_unsupported_type_lists_what_can_be_read(tmp_path: Path) -> None:
    image = tmp_path / "logo.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    message = refusal(image)
    assert "logo.png is not a kind of document Crossroads can read (.png files)" in message
    assert "PDF, Word (.docx)" in message


def test_a_file_over_the_size_cap_is_refused_naming_its_size(tmp_path: Path) -> None:
    huge = tmp_path / "dump.txt"
    with huge.open("wb") as handle:  # sparse: takes no disk space, but its size is real
        handle.truncate(MAX_FILE_BYTES + 50 * 1024 * 1024)
    message = refusal(huge)
    assert "dump.txt is too large to add (250 MB; the limit is 200 MB)" in message
    assert "Split it" in message


def test_a_missing_file_is_reported_as_moved_or_deleted(tmp_path: Path) -> None:
    assert "gone.pdf could not be found" in refusal(tmp_path / "gone.pdf")


def test_a_folder_passed_as_a_file_is_explained(tmp_path: Path) -> None:
    folder = tmp_path / "Client docs"
    folder.mkdir()
    assert "Client docs is a folder, not a file" in refusal(folder)


def test_an_unreadable_file_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run as root, where permissions never refuse; the refusal is injected at the one read."""
    path = tmp_path / "private.txt"
    path.write_text("secret")

    def refuse(_path: Path, size: int = 0) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(load_module, "read_head", refuse)
    message = refusal(path)
    assert "private.txt could not be opened (permission denied)" in message
    assert "your account may read it" in message


def test_a_document_with_no_text_says_what_to_do(make_docx: Callable[..., Path]) -> None:
    path = make_docx("pictures.docx", [("p", "   ")])
    message = refusal(path)
    assert "pictures.docx contains no text" in message
    assert "OCR" in message


def test_an_office_file_claiming_a_newer_zip_version_is_damaged_and_does_not_stop_a_folder(
    make_docx: Callable[..., Path], tmp_path: Path
) -> None:
    """Found by fuzzing: one flipped byte in the central directory ("version needed to extract: 6.4") made Python's
    zipfile raise NotImplementedError, which escaped format detection: load_document raised it instead of a
    reason, and a folder scan stopped at such a file when it had no extension to go by."""
    from crossroads.ingest import iter_supported_files

    path = make_docx("minutes.docx", [("p", "The board met on Monday.")])
    data = bytearray(path.read_bytes())
    entry = data.index(b"PK\x01\x02")  # the first central-directory entry
    data[entry + 6 : entry + 8] = (64).to_bytes(2, "little")
    path.write_bytes(bytes(data))
    (tmp_path / "minutes-copy").write_bytes(bytes(data))  # no extension: the folder scan looks inside it
    assert "minutes.docx looks damaged" in refusal(path)
    assert list(iter_supported_files([tmp_path])) == [path]
