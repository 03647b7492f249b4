"""``crossroads index``: progress on stderr, JSON on stdout, exit codes a script can trust."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from crossroads.cli import main
from crossroads.config import kbs_dir
from crossroads.store import KnowledgeBase


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "client"
    folder.mkdir()
    (folder / "policy.md").write_text("# Leave\n\nStaff get twenty-five days of paid leave.", encoding="utf-8")
    (folder / "faq.txt").write_text("The office opens at eight and closes at six.", encoding="utf-8")
    return folder


def test_indexing_a_folder_into_a_named_knowledge_base(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["index", str(folder), "--kb", "acme"]) == 0
    err = capsys.readouterr().err
    assert f"indexed  {folder / 'policy.md'} (1 chunks)" in err
    assert "2 indexed" in err and "0 failed" in err
    with KnowledgeBase.open(kbs_dir() / "acme") as kb:
        assert len(kb.documents()) == 2


def test_indexing_again_skips_unchanged_files_and_still_succeeds(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["index", str(folder), "--kb", "acme"])
    capsys.readouterr()
    assert main(["index", str(folder), "--kb", "acme"]) == 0
    err = capsys.readouterr().err
    assert err.count("(unchanged)") == 2 and "0 indexed" in err


def test_json_summary_on_stdout_with_one_entry_per_file(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    kb_dir = tmp_path / "kbs" / "here"
    code = main(["index", str(folder), "--kb", str(kb_dir), "--json", "--chunk-tokens", "64",
                 "--chunk-overlap", "8", "--embedding-model", "all-minilm-l6-v2"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (out["indexed"], out["failed"], out["documents"], out["path"]) == (2, 1, 3, str(kb_dir))
    statuses = {Path(f["path"]).name: f["status"] for f in out["files"]}
    assert statuses == {"broken.pdf": "failed", "faq.txt": "indexed", "policy.md": "indexed"}
    assert out["embedding_model"] == "all-MiniLM-L6-v2"
    assert out["chunks"] == out["chunks_added"]


def test_when_every_file_fails_the_exit_code_is_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.pdf").write_bytes(b"not a pdf at all")
    (tmp_path / "b.txt").write_text("")
    assert main(["index", str(tmp_path / "a.pdf"), str(tmp_path / "b.txt"), "--kb", "acme"]) == 1
    err = capsys.readouterr().err
    assert err.count("failed   ") == 2 and "Traceback" not in err


def test_a_folder_with_nothing_to_index_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["index", str(tmp_path / "empty"), "--kb", "acme"]) == 1
    assert "no documents" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--chunk-overlap", "500"], "overlap"),
        (["--chunk-tokens", "2"], "too small"),
        (["--chunk-tokens", "400", "--chunk-overlap", "10"], "longer than the embedding model"),
        (["--embedding-model", "no-such-model"], "no-such-model"),
    ],
)
def test_bad_options_give_one_plain_line_and_exit_2_without_creating_a_kb(
    folder: Path, options: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["index", str(folder), "--kb", "fresh", *options]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert not (kbs_dir() / "fresh").exists()


def test_a_knowledge_base_built_with_another_model_is_refused(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    KnowledgeBase.open(kbs_dir() / "other", create=True, embedding_model="e5-large").close()
    assert main(["index", str(folder), "--kb", "other", "--embedding-model", "all-minilm-l6-v2"]) == 2
    assert "e5-large" in capsys.readouterr().err
    with KnowledgeBase.open(kbs_dir() / "other") as kb:
        assert kb.documents() == []


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_with_exit_130_and_a_usable_knowledge_base(tmp_path: Path) -> None:
    many = tmp_path / "many"
    many.mkdir()
    for i in range(30):
        text = " ".join(f"Memo {i} point {j} is about subject {i * 11 + j}." for j in range(8))
        (many / f"memo-{i:02}.txt").write_text(text, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "crossroads", "index", str(many), "--kb", "acme", "--chunk-tokens", "16",
         "--chunk-overlap", "0"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )
    assert process.stderr is not None
    lines = []
    for line in process.stderr:
        lines.append(line)
        if line.startswith("embedding"):
            process.send_signal(signal.SIGINT)
            break
    rest = process.stderr.read()
    process.stderr.close()
    assert process.wait(timeout=120) == 130, "".join(lines) + rest
    assert "stopping after the current step" in rest and "cancelled" in rest
    with KnowledgeBase.open(kbs_dir() / "acme") as kb:
        indexed = len(kb.documents())
        assert kb.chunk_count() == sum(d.chunks for d in kb.documents())
    assert main(["index", str(many), "--kb", "acme", "--chunk-tokens", "16", "--chunk-overlap", "0"]) == 0
    with KnowledgeBase.open(kbs_dir() / "acme") as kb:
        assert len(kb.documents()) == 30 > indexed
