"""A report as neutral blocks (paragraphs, lists, tables, bar charts) that every renderer walks the same way.

Builders decide *what* a report says; renderers (Markdown, HTML, PDF) decide only how it looks, so the three
formats can never disagree on content.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: str = "body"  # "body" | "note" (smaller, muted)


@dataclass(frozen=True)
class Callout:
    """The headline box: the recommendation and what it means."""

    title: str
    text: str


@dataclass(frozen=True)
class Item:
    text: str
    details: tuple[str, ...] = ()  # indented lines under the item, e.g. the evidence behind a reason


@dataclass(frozen=True)
class Bullets:
    items: tuple[Item, ...]
    numbered: bool = False


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] = ()  # relative column widths; empty means equal


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    highlight: bool = False


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]
    unit: str = "points"


Block = Paragraph | Callout | Bullets | Table | BarChart


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Report:
    title: str
    subtitle: str
    generated: str  # date line, e.g. "26 November 2026"
    sections: tuple[Section, ...]
    footer: str = ""
    meta: dict[str, str] = field(default_factory=dict)

    def plain_text(self) -> str:
        """Every word of the report, for tests and search."""
        parts = [self.title, self.subtitle, self.generated]
        for section in self.sections:
            parts.append(section.title)
            for block in section.blocks:
                parts.extend(_block_text(block))
        parts.append(self.footer)
        return "\n".join(p for p in parts if p)


def _block_text(block: Block) -> list[str]:
    if isinstance(block, Paragraph):
        return [block.text]
    if isinstance(block, Callout):
        return [block.title, block.text]
    if isinstance(block, Bullets):
        return [line for item in block.items for line in (item.text, *item.details)]
    if isinstance(block, Table):
        return [" | ".join(block.headers), *(" | ".join(row) for row in block.rows)]
    return [block.title, *(f"{bar.label}: {bar.value:g}" for bar in block.bars)]
