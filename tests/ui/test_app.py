"""What the window opens with at start."""

from __future__ import annotations

from crossroads.ui.app import kb_at_start

SHARED = "postgresql://ana@db.example:5432/team?kb=handbook"


def test_the_knowledge_base_asked_for_wins() -> None:
    assert kb_at_start("acme", "beta", ["acme", "beta"]) == "acme"


def test_the_last_one_used_is_reopened_while_it_exists() -> None:
    assert kb_at_start(None, "beta", ["acme", "beta"]) == "beta"
    assert kb_at_start(None, "gone", ["acme"]) is None  # deleted meanwhile: nothing is created again


def test_a_shared_one_is_reopened_without_being_listed_here() -> None:
    assert kb_at_start(None, SHARED, ["acme"]) == SHARED


def test_a_first_start_opens_the_only_knowledge_base_the_command_line_made() -> None:
    assert kb_at_start(None, None, ["handbook"]) == "handbook"
    assert kb_at_start(None, None, ["acme", "beta"]) is None  # which one is a choice the user makes
    assert kb_at_start(None, None, []) is None
