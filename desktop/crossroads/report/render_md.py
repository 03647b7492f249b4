"""Markdown rendering: readable as plain text, and as a page on any Markdown viewer."""

from __future__ import annotations

from crossroads.report.model import Bar, BarChart, Block, Bullets, Callout, Paragraph, Report, Table

_BAR_WIDTH = 30


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _bars(chart: BarChart) -> list[str]:
    scale = max((abs(b.value) for b in chart.bars), default=0) or 1
    width = max(len(b.label) for b in chart.bars)
    lines = []
    for bar in chart.bars:
        n = round(abs(bar.value) / scale * _BAR_WIDTH)
        glyph = "█" if bar.value >= 0 else "░"
        mark = "  ◀ recommended" if bar.highlight else ""
        lines.append(f"{bar.label.ljust(width)}  {glyph * n} {_value(bar)}{mark}")
    return [
        f"**{chart.title}**",
        "",
        "```text",
        *lines,
        "```",
        "(░ = negative score)" if any(b.value < 0 for b in chart.bars) else "",
    ]


def _value(bar: Bar) -> str:
    return f"{bar.value:g}"


def _block(block: Block) -> list[str]:
    if isinstance(block, Paragraph):
        return [block.text]
    if isinstance(block, Callout):
        return [f"> **{block.title}**", ">", f"> {block.text}"]
    if isinstance(block, Bullets):
        lines = []
        for i, item in enumerate(block.items, 1):
            lead = f"{i}." if block.numbered else "-"
            lines.append(f"{lead} {item.text}")
            lines += [f"{' ' * (len(lead) + 1)}- {d}" for d in item.details]
        return lines
    if isinstance(block, Table):
        out = [
            "| " + " | ".join(_cell(h) for h in block.headers) + " |",
            "|" + "|".join("---" for _ in block.headers) + "|",
        ]
        out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in block.rows]
        return out
    return _bars(block)


def render_markdown(report: Report) -> str:
    lines = [f"# {report.title}", "", f"{report.subtitle} · {report.generated}", ""]
    for section in report.sections:
        lines += [f"## {section.title}", ""]
        for block in section.blocks:
            lines += [*_block(block), ""]
    if report.footer:
        lines += ["---", "", report.footer, ""]
    return "\n".join(lines).rstrip() + "\n"
