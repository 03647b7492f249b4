"""The demo knowledge base holds the sample documents of this installation only."""

from __future__ import annotations

from pathlib import Path

from crossroads.demo import demo_copies_elsewhere, demo_documents


def test_the_sample_documents_of_another_installation_are_named_and_the_users_own_files_are_not(
    tmp_path: Path,
) -> None:
    here = demo_documents().resolve()
    elsewhere = tmp_path / "crossroads-old" / "assets" / "demo" / "documents"
    paths = [
        str(here / "Employee-Handbook.pdf"),
        str(elsewhere / "Employee-Handbook.pdf"),
        str(elsewhere / "Release-Notes.md"),
        str(tmp_path / "Board-Minutes.docx"),  # the user's own addition to the demo knowledge base
    ]
    assert demo_copies_elsewhere(paths) == [str(elsewhere / "Employee-Handbook.pdf"),
                                            str(elsewhere / "Release-Notes.md")]
    assert demo_copies_elsewhere([]) == []
