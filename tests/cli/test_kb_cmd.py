"""``crossroads kb``: list, show, remove a document, rename, delete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crossroads.cli import main


@pytest.fixture
def acme(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    doc = tmp_path / "memo.txt"
    doc.write_text("The budget for the project is forty thousand euros.", encoding="utf-8")
    assert main(["index", str(doc), "--kb", "acme"]) == 0
    capsys.readouterr()
    return doc


def test_list_and_show_describe_the_knowledge_bases(acme: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "list", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["name"], row["documents"], row["chunks"]) == ("acme", 1, 1)
    assert main(["kb", "show", "acme"]) == 0
    out = capsys.readouterr().out
    assert "indexed" in out and str(acme) in out


def test_a_removed_document_is_gone_and_a_missing_one_is_reported(
    acme: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["kb", "remove-doc", "acme", str(acme)]) == 0
    assert main(["kb", "remove-doc", "acme", str(acme)]) == 1
    assert "not found" in capsys.readouterr().err
    main(["kb", "show", "acme", "--json"])
    assert json.loads(capsys.readouterr().out)["documents"] == []


def test_rename_then_delete_needs_confirmation(acme: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "rename", "acme", "acme-2024"]) == 0
    assert main(["kb", "delete", "acme-2024"]) == 2
    assert "--yes" in capsys.readouterr().err
    assert main(["kb", "delete", "acme-2024", "--yes"]) == 0
    assert acme.exists()  # the document itself stays
    main(["kb", "list", "--json"])
    assert json.loads(capsys.readouterr().out) == []


def test_showing_a_knowledge_base_that_does_not_exist_is_a_plain_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "show", "ghost"]) == 2
    assert "no knowledge base" in capsys.readouterr().err


def test_check_finds_drift_and_repair_mends_it(acme: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3

    from crossroads.config import kbs_dir
    from crossroads.store.knowledge_base import DB_NAME

    assert main(["kb", "check", "acme"]) == 0
    assert "is sound" in capsys.readouterr().err
    conn = sqlite3.connect(kbs_dir() / "acme" / DB_NAME)
    conn.execute("DELETE FROM chunks_fts")  # as if the keyword index had been lost
    conn.commit()
    conn.close()
    assert main(["kb", "check", "acme"]) == 1
    err = capsys.readouterr().err
    assert "1 passages are missing from the keyword index" in err and "--repair" in err
    assert main(["kb", "check", "acme", "--repair"]) == 0
    assert "sound again" in capsys.readouterr().err
    assert main(["kb", "check", "acme"]) == 0
