"""The catalog loads, every entry is usable, and names or paths resolve to model files, or clear errors."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from crossroads import config
from crossroads.errors import ModelError, SetupError
from crossroads.models.catalog import (
    ROLES,
    catalog_candidates,
    load_catalog,
    resolve_chat_model,
    resolve_embedding_model,
)

GOOD_ENTRY = """
[[model]]
name = "m"
role = "chat"
display_name = "M"
licence = "MIT"
file = "m.gguf"
size = 10
sha256 = "{sha}"
parts = [{{ dist = "d", version = "1", member = "d/m.gguf" }}]
"""


@pytest.fixture
def empty_models_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A models folder with nothing pulled yet, as on a fresh install."""
    folder = tmp_path / "models"
    folder.mkdir()
    monkeypatch.setenv("CROSSROADS_MODELS_DIR", str(folder))
    return folder


def test_the_shipped_catalog_loads_and_every_entry_is_well_formed() -> None:
    catalog = load_catalog()
    assert catalog.entries(), "the catalog lists no model"
    for entry in catalog:
        assert entry.role in ROLES
        assert re.fullmatch(r"[0-9a-f]{64}", entry.sha256)
        assert (entry.file is None) != (entry.folder is None)
        assert entry.parts and all(p.dist and p.version and p.member for p in entry.parts)
        assert all(p.member.endswith("/") == (entry.folder is not None) for p in entry.parts)
        assert entry.licence and entry.display_name and entry.description
        if entry.file:
            assert entry.size and entry.file.endswith(".gguf")


def test_each_role_has_exactly_one_default() -> None:
    catalog = load_catalog()
    for role in ROLES:
        assert sum(e.default for e in catalog.entries(role)) == 1
    assert catalog.default("chat").name == "qwen2.5-coder-0.5b-instruct"
    assert catalog.default("embedding").name == config.Settings().embedding_model


def test_a_packaged_copy_of_the_catalog_matches_the_checkout() -> None:
    checkout, packaged = catalog_candidates()
    if packaged.is_file():
        assert packaged.read_bytes() == checkout.read_bytes()


def test_unknown_names_are_refused_with_the_known_ones() -> None:
    with pytest.raises(SetupError) as caught:
        load_catalog().get("gpt-5")
    assert "gpt-5" in caught.value.message
    assert "smollm2-135m-instruct" in caught.value.message


def test_names_match_whatever_the_case() -> None:
    assert load_catalog().get("SmolLM2-135M-Instruct").name == "smollm2-135m-instruct"


def test_local_path_lives_in_the_models_folder(tmp_path: Path) -> None:
    entry = load_catalog().get("smollm2-135m-instruct")
    assert entry.local_path(tmp_path) == tmp_path / "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert not entry.is_present(tmp_path)


def test_a_file_of_the_wrong_size_is_not_present(tmp_path: Path) -> None:
    entry = load_catalog().get("smollm2-135m-instruct")
    entry.local_path(tmp_path).write_bytes(b"GGUF")
    assert not entry.is_present(tmp_path)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("[[model]\n", "cannot be read"),
        (GOOD_ENTRY.format(sha="abc"), "sha256"),
        (GOOD_ENTRY.format(sha="a" * 64).replace('role = "chat"', 'role = "vision"'), "role"),
        (GOOD_ENTRY.format(sha="a" * 64).replace('file = "m.gguf"', 'file = "../m.gguf"'), "plain name"),
        (GOOD_ENTRY.format(sha="a" * 64).replace('file = "m.gguf"', 'folder = "m"'), "must end in"),
        (GOOD_ENTRY.format(sha="a" * 64) + GOOD_ENTRY.format(sha="b" * 64), "used twice"),
        (GOOD_ENTRY.format(sha="a" * 64).replace("parts = [", "parts = [] #"), "parts"),
    ],
)
def test_a_damaged_catalog_says_what_is_wrong(tmp_path: Path, body: str, words: str) -> None:
    path = tmp_path / "catalog.toml"
    path.write_text(body)
    with pytest.raises(SetupError) as caught:
        load_catalog(path)
    assert words in caught.value.message


def test_a_hand_written_catalog_loads(tmp_path: Path) -> None:
    path = tmp_path / "catalog.toml"
    path.write_text(GOOD_ENTRY.format(sha="A" * 64))
    entry = load_catalog(path).default("chat")
    assert (entry.name, entry.sha256, entry.size) == ("m", "a" * 64, 10)
    with pytest.raises(SetupError, match="no embedding model"):
        load_catalog(path).default("embedding")


# --- resolving what the user typed ------------------------------------------------------------------------


def test_no_name_means_the_default_chat_model() -> None:
    path = resolve_chat_model(None)
    assert path.name == "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
    assert path.is_file()


def test_a_catalog_name_resolves_to_its_file(tiny_model_path: Path) -> None:
    assert resolve_chat_model("smollm2-135m-instruct") == tiny_model_path


def test_a_path_to_any_gguf_is_taken_as_is(tiny_model_path: Path, tmp_path: Path) -> None:
    assert resolve_chat_model(str(tiny_model_path)) == tiny_model_path


def test_a_model_not_pulled_yet_says_how_to_pull_it(empty_models_dir: Path) -> None:
    with pytest.raises(SetupError) as caught:
        resolve_chat_model(None)
    assert "not downloaded yet" in caught.value.message
    assert "crossroads models pull qwen2.5-coder-0.5b-instruct" in caught.value.message


def test_without_the_default_chat_model_the_message_says_how_to_open_ones_own_gguf(empty_models_dir: Path) -> None:
    """The small bundle (build_bundle.py --no-default-model) has no chat model and no network: open your own."""
    with pytest.raises(SetupError) as caught:
        resolve_chat_model(None)
    assert "Open GGUF… in the app's model bar" in caught.value.message
    assert "--model FILE.gguf" in caught.value.message


def test_an_unknown_name_that_is_not_a_file_is_a_model_error() -> None:
    with pytest.raises(ModelError) as caught:
        resolve_chat_model("my-model.gguf")
    assert "neither a file on this computer nor a model in the catalog" in caught.value.message
    assert "smollm2-135m-instruct" in caught.value.message


def test_a_folder_is_not_a_chat_model(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="folder"):
        resolve_chat_model(str(tmp_path))


def test_roles_are_not_mixed_up() -> None:
    with pytest.raises(ModelError, match="an embedding model, not a chat model"):
        resolve_chat_model("all-minilm-l6-v2")
    with pytest.raises(ModelError, match="a chat model, not an embedding model"):
        resolve_embedding_model("smollm2-135m-instruct")


def test_embedding_models_resolve_to_folders(embedding_model_path: Path) -> None:
    assert resolve_embedding_model(None) == embedding_model_path
    assert resolve_embedding_model("all-minilm-l6-v2") == embedding_model_path
    assert resolve_embedding_model(str(embedding_model_path)) == embedding_model_path


def test_an_embedding_model_must_be_a_sentence_transformers_folder(tmp_path: Path,
                                                                   tiny_model_path: Path) -> None:
    with pytest.raises(ModelError, match="file; an embedding model is"):
        resolve_embedding_model(str(tiny_model_path))
    with pytest.raises(ModelError, match="does not look like a sentence-transformers model"):
        resolve_embedding_model(str(tmp_path))


def test_a_missing_embedding_model_says_how_to_pull_it(empty_models_dir: Path) -> None:
    with pytest.raises(SetupError, match="crossroads models pull all-minilm-l6-v2"):
        resolve_embedding_model(None)


def test_a_catalog_model_goes_by_its_catalog_name_also_as_a_copy_elsewhere(tiny_model_path: Path,
                                                                              tmp_path: Path) -> None:
    """Another installation's models folder, or a USB stick: the GGUF's own title can mislead (the default calls
    itself "AWQ"). The file's name and exact size identify it; a renamed or truncated file is a file of its own."""
    from crossroads.models.catalog import display_name_for

    named = display_name_for(tiny_model_path)
    assert named == "SmolLM2 135M Instruct (Q4_1)"
    elsewhere = tmp_path / "stick"
    elsewhere.mkdir()
    copy = elsewhere / tiny_model_path.name
    copy.symlink_to(tiny_model_path)  # resolves to the same file: same answer
    assert display_name_for(copy) == named
    real_copy = tmp_path / "other" / tiny_model_path.name
    real_copy.parent.mkdir()
    shutil.copyfile(tiny_model_path, real_copy)
    assert display_name_for(real_copy) == named
    renamed = real_copy.rename(tmp_path / "mine.gguf")
    assert display_name_for(renamed) is None
    cut = tmp_path / "cut" / tiny_model_path.name
    cut.parent.mkdir()
    cut.write_bytes(tiny_model_path.read_bytes()[:1000])
    assert display_name_for(cut) is None
