"""Expanding a drop of files and folders: readable files in a stable order, clutter left out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from crossroads.ingest import iter_supported_files


def names(paths: list[Path], root: Path) -> list[str]:
    return [path.relative_to(root).as_posix() for path in paths]


def test_folders_expand_recursively_in_name_order(tmp_path: Path) -> None:
    for relative in ["b.txt", "A.md", "sub/z.csv", "sub/deeper/c.html", "c.pdf"]:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("text")

    found = list(iter_supported_files([tmp_path]))

    assert names(found, tmp_path) == ["A.md", "b.txt", "c.pdf", "sub/deeper/c.html", "sub/z.csv"]


def test_hidden_lock_and_temporary_files_are_skipped(tmp_path: Path) -> None:
    for relative in [".hidden.txt", ".git/config.txt", "~$contract.docx", "draft.txt~", "upload.tmp",
                     "report.pdf.part", "keep.txt"]:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("text")

    assert names(list(iter_supported_files([tmp_path])), tmp_path) == ["keep.txt"]


def test_unsupported_files_in_folders_are_skipped_but_content_can_qualify(
        tmp_path: Path, make_pdf: Callable[..., Path]) -> None:
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    (tmp_path / "data.json").write_text("{}")
    make_pdf("scan0001.bin", ["A PDF with an odd name."])

    assert names(list(iter_supported_files([tmp_path])), tmp_path) == ["scan0001.bin"]


def test_files_named_explicitly_are_always_yielded_so_the_user_gets_a_reason(tmp_path: Path) -> None:
    image = tmp_path / "photo.png"
    image.write_bytes(b"\x89PNG")
    missing = tmp_path / "gone.pdf"

    assert list(iter_supported_files([image, missing])) == [image, missing]


def test_each_file_is_yielded_once(tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("text")

    assert list(iter_supported_files([doc, tmp_path, doc])) == [doc]


def test_a_symlink_loop_does_not_hang(tmp_path: Path) -> None:
    (tmp_path / "inner").mkdir()
    (tmp_path / "inner" / "a.txt").write_text("text")
    (tmp_path / "inner" / "loop").symlink_to(tmp_path, target_is_directory=True)

    assert names(list(iter_supported_files([tmp_path])), tmp_path) == ["inner/a.txt"]
