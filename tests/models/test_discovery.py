"""Finding GGUF files other apps downloaded, in a fake home folder built here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crossroads.models.discovery import scan_for_models


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty home folder, with every variable that could point the scan elsewhere cleared."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_DOWNLOAD_DIR", "OLLAMA_MODELS", "HF_HOME",
                 "HF_HUB_CACHE", "APPDATA", "LOCALAPPDATA"):
        monkeypatch.delenv(name, raising=False)
    ours = tmp_path / "crossroads-models"
    ours.mkdir()
    monkeypatch.setenv("CROSSROADS_MODELS_DIR", str(ours))
    return home


def _place(model: Path, where: Path) -> Path:
    """A hard link when the file system allows (instant, no copy), else a symbolic link."""
    where.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(model, where)
    except OSError:
        where.symlink_to(model)
    return where


def _sources(found) -> dict[str, str]:
    return {m.path.name: m.source for m in found}


def test_finds_models_in_lm_studio_ollama_and_downloads(home: Path, make_gguf) -> None:
    model = make_gguf()
    _place(model, home / ".lmstudio/models/publisher/repo/tiny-q4.gguf")
    blob = home / ".ollama/models/blobs/sha256-1234"
    blob.parent.mkdir(parents=True)
    blob.write_bytes(make_gguf("ollama.gguf", vocab=45).read_bytes())
    _place(make_gguf("other.gguf", vocab=50), home / "Downloads/other.gguf")
    found = _sources(scan_for_models())
    assert found == {"tiny-q4.gguf": "LM Studio", "sha256-1234": "Ollama", "other.gguf": "Downloads"}


def test_finds_models_in_the_hugging_face_cache_through_its_links(home: Path, make_gguf) -> None:
    hub = home / ".cache/huggingface/hub/models--org--tiny"
    blob = hub / "blobs" / "0123abcd"
    blob.parent.mkdir(parents=True)
    blob.write_bytes(make_gguf().read_bytes())
    snapshot = hub / "snapshots/abc/tiny.Q4_K_M.gguf"
    snapshot.parent.mkdir(parents=True)
    snapshot.symlink_to(blob)
    found = scan_for_models()
    assert [(m.path, m.source) for m in found] == [(snapshot, "Hugging Face cache")]
    assert found[0].size == blob.stat().st_size


def test_extra_folders_are_scanned_too(home: Path, tmp_path: Path, make_gguf) -> None:
    extra = tmp_path / "client-models"
    _place(make_gguf(), extra / "nested/tiny.gguf")
    assert _sources(scan_for_models([extra])) == {"tiny.gguf": "Other folder"}


def test_ignores_files_that_only_pretend_to_be_gguf(home: Path) -> None:
    fake = home / "Downloads/fake.gguf"
    fake.parent.mkdir()
    fake.write_text("not a model")
    (home / ".ollama/models/blobs").mkdir(parents=True)
    (home / ".ollama/models/blobs/sha256-license").write_text("Apache License")
    assert scan_for_models() == []


def test_the_same_file_linked_twice_is_listed_once(home: Path, make_gguf) -> None:
    model = make_gguf()
    _place(model, home / ".lmstudio/models/a/tiny.gguf")
    _place(model, home / "Downloads/tiny-again.gguf")
    (home / "Downloads/tiny-link.gguf").symlink_to(model)
    found = scan_for_models()
    assert [m.source for m in found] == ["LM Studio"]


def test_only_the_first_part_of_a_split_model_and_no_vision_projectors(home: Path, make_gguf) -> None:
    downloads = home / "Downloads"
    for name in ("big-00001-of-00002.gguf", "big-00002-of-00002.gguf", "mmproj-f16.gguf"):
        (downloads / name).parent.mkdir(exist_ok=True)
        (downloads / name).write_bytes(make_gguf(name, vocab=30 + len(name)).read_bytes())
    assert _sources(scan_for_models()) == {"big-00001-of-00002.gguf": "Downloads"}


def test_depth_is_bounded(home: Path, make_gguf) -> None:
    _place(make_gguf(), home / "Downloads/a/b/c/deep.gguf")
    assert scan_for_models() == []


def test_an_unreadable_folder_is_skipped_and_the_scan_goes_on(home: Path, make_gguf,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _place(make_gguf(), home / ".lmstudio/models/locked/tiny.gguf")
    _place(make_gguf("other.gguf", vocab=50), home / "Downloads/other.gguf")
    real_scandir = os.scandir

    def scandir(path):  # type: ignore[no-untyped-def]
        # Permission errors cannot be caused for real here: the suite may run as root.
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert _sources(scan_for_models()) == {"other.gguf": "Downloads"}


def test_our_own_models_folder_comes_first(home: Path, make_gguf) -> None:
    model = make_gguf()
    _place(model, Path(os.environ["CROSSROADS_MODELS_DIR"]) / "tiny.gguf")
    _place(model, home / "Downloads/tiny.gguf")
    assert [m.source for m in scan_for_models()] == ["Crossroads"]
