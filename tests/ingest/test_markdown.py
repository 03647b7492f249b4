"""Markdown: sections at ATX and Setext headings, readable text without the markup."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from crossroads.ingest import load_document

from .helpers import assert_offsets_index_text

NOTES = """Preface with **bold** and a [link](https://example.org) that
wraps.

# Install guide

Run the *installer*.

Configuration
-------------

- Set `threads` to 4
- Pick a model
  1. small
  2. large

| Setting | Default |
|---------|---------|
| threads | 4 |

```toml
threads = 4
```

## Images

![Architecture diagram](arch.png)
<div class="note">Raw <b>HTML</b> note</div>
"""


def test_sections_split_at_atx_and_setext_headings(write_text: Callable[..., Path]) -> None:
    document = load_document(write_text("guide.md", NOTES))

    assert document.kind == "markdown"
    assert [s.heading for s in document.sections] == [None, "Install guide", "Configuration", "Images"]
    assert document.title == "Install guide"
    assert document.sections[0].text == "Preface with bold and a link that wraps."
    assert document.sections[1].text == "Install guide\n\nRun the installer."
    assert_offsets_index_text(document)


def test_lists_tables_and_code_stay_readable(write_text: Callable[..., Path]) -> None:
    document = load_document(write_text("guide.md", NOTES))

    assert document.sections[2].text == (
        "Configuration\n\n"
        "- Set threads to 4\n- Pick a model\n  1. small\n  2. large\n\n"
        "Setting: threads; Default: 4\n\n"
        "threads = 4"
    )
    assert document.sections[3].text == "Images\n\nArchitecture diagram\n\nRaw HTML note"


def test_front_matter_gives_the_title_and_is_not_text(write_text: Callable[..., Path]) -> None:
    document = load_document(write_text("post.markdown", "---\ntitle: \"Release notes\"\ndate: 2024\n---\n"
                                                         "Fixed the bug.\n"))
    assert document.title == "Release notes"
    assert document.text == "Fixed the bug."


def test_a_file_without_headings_is_titled_by_its_name(write_text: Callable[..., Path]) -> None:
    document = load_document(write_text("todo.md", "Buy milk.\n"))
    assert document.title == "todo"
    assert document.sections[0].heading is None
