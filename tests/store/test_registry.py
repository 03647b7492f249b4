"""Named knowledge bases live in the data folder; a folder path works wherever a name does."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossroads.config import kbs_dir
from crossroads.errors import InputError, KnowledgeBaseError
from crossroads.store import KnowledgeBase, delete_kb, list_kbs, rename_kb, resolve_kb_path
from crossroads.store.registry import check_name


def create(name: str) -> Path:
    path = resolve_kb_path(name)
    KnowledgeBase.open(path, create=True).close()
    return path


def test_a_name_is_a_folder_in_the_data_folder_and_a_path_is_itself(tmp_path: Path) -> None:
    assert resolve_kb_path("Acme 2024") == kbs_dir() / "Acme 2024"
    assert resolve_kb_path(str(tmp_path / "elsewhere")) == tmp_path / "elsewhere"
    assert resolve_kb_path("./here") == Path.cwd() / "here"
    assert resolve_kb_path("~/kb") == Path.home() / "kb"


@pytest.mark.parametrize("bad", ["", "  ", "..", ".hidden", "a" * 65, "semi;colon", "tab\tname", "ends.", "a/b"])
def test_a_name_that_cannot_be_a_folder_is_refused_in_plain_words(bad: str) -> None:
    with pytest.raises(InputError, match="name"):
        check_name(bad)
    create("existing")
    with pytest.raises(InputError):
        rename_kb("existing", bad)


@pytest.mark.parametrize("bad", ["", "semi;colon", "a" * 65])
def test_resolving_a_bad_name_is_refused(bad: str) -> None:
    with pytest.raises(InputError):
        resolve_kb_path(bad)


def test_listing_shows_only_knowledge_bases_sorted_by_name() -> None:
    assert list_kbs() == []
    create("beta")
    create("Alpha")
    (kbs_dir() / "not-a-kb").mkdir()
    assert list_kbs() == ["Alpha", "beta"]


def test_a_knowledge_base_can_be_renamed_and_keeps_its_contents() -> None:
    create("old")
    target = rename_kb("old", "new")
    assert list_kbs() == ["new"]
    KnowledgeBase.open(target).close()
    with pytest.raises(KnowledgeBaseError, match="no knowledge base named"):
        rename_kb("old", "other")
    create("taken")
    with pytest.raises(KnowledgeBaseError, match="already exists"):
        rename_kb("new", "taken")


def test_deleting_removes_the_folder_and_only_that(tmp_path: Path) -> None:
    create("doomed")
    create("kept")
    delete_kb("doomed")
    assert list_kbs() == ["kept"]
    with pytest.raises(KnowledgeBaseError, match="no knowledge base named"):
        delete_kb("doomed")
