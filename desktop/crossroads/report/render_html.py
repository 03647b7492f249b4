"""HTML rendering: one self-contained file (inline CSS, inline SVG chart), neutral look, prints well."""

from __future__ import annotations

from html import escape

from crossroads.report.model import BarChart, Block, Bullets, Callout, Paragraph, Report, Table

_CSS = """
:root { --ink: #1f2933; --muted: #5f6b76; --line: #d9dee3; --accent: #2f5d8a; --soft: #eef3f8; }
* { box-sizing: border-box; }
body { font-family: "Segoe UI", "Helvetica Neue", Arial, sans-serif; color: var(--ink); margin: 0;
       line-height: 1.5; font-size: 15px; background: #fff; }
main { max-width: 60rem; margin: 0 auto; padding: 2.5rem 1.5rem 3rem; }
h1 { font-size: 1.8rem; margin: 0 0 .25rem; }
.subtitle { color: var(--muted); margin: 0 0 2rem; }
h2 { font-size: 1.25rem; margin: 2.2rem 0 .8rem; padding-bottom: .3rem;
     border-bottom: 2px solid var(--line); }
p { margin: .6rem 0; }
p.note { color: var(--muted); font-size: .9rem; }
.callout { background: var(--soft); border-left: 6px solid var(--accent); padding: 1rem 1.25rem;
           margin: 1rem 0; }
.callout strong { display: block; font-size: 1.3rem; margin-bottom: .3rem; }
ul, ol { padding-left: 1.4rem; }
li { margin: .45rem 0; }
li ul { color: var(--muted); font-size: .9rem; margin: .2rem 0; }
li li { margin: .15rem 0; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0 1.2rem; font-size: .88rem; }
th, td { border: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--soft); }
figure { margin: 1rem 0; }
figcaption { font-weight: 600; margin-bottom: .4rem; }
footer { margin-top: 3rem; padding-top: 1rem; border-top: 1px solid var(--line); color: var(--muted);
         font-size: .85rem; }
@media print { main { padding: 0; } h2 { break-after: avoid; }
               tr, li, .callout, figure { break-inside: avoid; } }
"""

_LABEL_W, _BAR_W, _ROW_H, _VALUE_W = 200, 380, 30, 60


def _svg(chart: BarChart) -> str:
    values = [b.value for b in chart.bars]
    lo, hi = min(0.0, *values), max(0.0, *values)
    span = (hi - lo) or 1.0
    zero = _LABEL_W + (0 - lo) / span * _BAR_W
    height = _ROW_H * len(chart.bars) + 10
    width = _LABEL_W + _BAR_W + _VALUE_W
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(chart.title)}">'
    ]
    for i, bar in enumerate(chart.bars):
        y = 5 + i * _ROW_H
        x0 = zero if bar.value >= 0 else zero - abs(bar.value) / span * _BAR_W
        w = abs(bar.value) / span * _BAR_W
        fill = "#2f5d8a" if bar.highlight else ("#9fb3c8" if bar.value >= 0 else "#d8a7a0")
        weight = "700" if bar.highlight else "400"
        parts.append(
            f'<text x="{_LABEL_W - 8}" y="{y + 19}" text-anchor="end" font-size="13" '
            f'font-weight="{weight}" fill="#1f2933">{escape(bar.label)}</text>'
        )
        parts.append(
            f'<rect x="{x0:.1f}" y="{y + 5}" width="{max(w, 1):.1f}" height="{_ROW_H - 10}" '
            f'fill="{fill}"><title>{escape(bar.label)}: {bar.value:g}</title></rect>'
        )
        tx = (x0 + w + 6) if bar.value >= 0 else (x0 - 6)
        anchor = "start" if bar.value >= 0 else "end"
        if bar.value < 0 and tx < _LABEL_W + 30:
            tx, anchor = x0 + w + 6, "start"
        parts.append(
            f'<text x="{tx:.1f}" y="{y + 19}" text-anchor="{anchor}" font-size="12" '
            f'fill="#1f2933">{bar.value:g}</text>'
        )
    parts.append(
        f'<line x1="{zero:.1f}" y1="0" x2="{zero:.1f}" y2="{height}" stroke="#5f6b76" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return f"<figure><figcaption>{escape(chart.title)}</figcaption>{''.join(parts)}</figure>"


def _block(block: Block) -> str:
    if isinstance(block, Paragraph):
        cls = ' class="note"' if block.style == "note" else ""
        return f"<p{cls}>{escape(block.text)}</p>"
    if isinstance(block, Callout):
        return f'<div class="callout"><strong>{escape(block.title)}</strong>{escape(block.text)}</div>'
    if isinstance(block, Bullets):
        tag = "ol" if block.numbered else "ul"
        items = []
        for item in block.items:
            sub = "".join(f"<li>{escape(d)}</li>" for d in item.details)
            items.append(f"<li>{escape(item.text)}{f'<ul>{sub}</ul>' if sub else ''}</li>")
        return f"<{tag}>{''.join(items)}</{tag}>"
    if isinstance(block, Table):
        cols = ""
        if block.widths:
            total = sum(block.widths)
            cols = "<colgroup>" + "".join(f'<col style="width:{w / total * 100:.1f}%">' for w in block.widths)
            cols += "</colgroup>"
        head = "".join(f"<th>{escape(h)}</th>" for h in block.headers)
        body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in block.rows)
        return f"<table>{cols}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return _svg(block)


def render_html(report: Report) -> str:
    body = [
        f"<h1>{escape(report.title)}</h1>",
        f'<p class="subtitle">{escape(report.subtitle)} · {escape(report.generated)}</p>',
    ]
    for section in report.sections:
        body.append(f"<section><h2>{escape(section.title)}</h2>")
        body += [_block(b) for b in section.blocks]
        body.append("</section>")
    if report.footer:
        body.append(f"<footer>{escape(report.footer)}</footer>")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(report.title)} – {escape(report.subtitle)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body><main>\n{chr(10).join(body)}\n</main></body>\n</html>\n"
    )
