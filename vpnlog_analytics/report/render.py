"""Sections of the report rendered as one self-contained HTML page and as Markdown."""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import pandas as pd

__all__ = ["Chart", "Section", "Table", "render_html", "render_markdown"]


@dataclass(frozen=True)
class Table:
    """A table shown in the report: its id, caption, the display frame and its CSV file."""

    id: str
    caption: str
    frame: pd.DataFrame
    csv: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Chart:
    """A chart: its file stem under ``charts/`` and the sentence describing it (alt text)."""

    name: str
    alt: str


@dataclass
class Section:
    """One section: heading, paragraphs (plain text), tables and charts, in that order."""

    id: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    #: Reference text (definitions) folded in the page behind this line; None: shown.
    fold: str | None = None


_CSS: Final = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
margin:0 auto;max-width:1320px;padding:1.5rem 1.5rem 4rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:2px solid #0072B2;
padding-bottom:.2rem}p.meta{color:#555;margin-top:0}
.table-wrap{max-width:100%;overflow-x:auto;margin:.5rem 0 .2rem}
table{border-collapse:collapse;font-size:.8rem;line-height:1.3}
caption{text-align:left;font-weight:600;padding:.3rem 0;font-size:.92rem}
th,td{border:1px solid #d0d0d0;padding:.15rem .45rem;text-align:left;vertical-align:top}
th{background:#eef4fa}tr:nth-child(even) td{background:#fafafa}
td.nw,span.nw{white-space:nowrap}td.prose{min-width:12rem}
figure{margin:.8rem 0 1.2rem}
figure img{max-width:min(100%,880px);height:auto;border:1px solid #e3e3e3}
figcaption{color:#444;font-size:.88rem}.note{color:#555;font-size:.85rem;margin:.2rem 0 1rem}
summary{cursor:pointer;color:#0072B2}
nav ul{columns:3;font-size:.92rem;margin:.3rem 0}.bad{color:#B34700;font-weight:600}
@media print{nav{display:none}details>*{display:block}
h2{break-before:auto}figure,table{break-inside:avoid}
.table-wrap{overflow:visible}}
"""


#: A column whose cells are all at most this long never wraps (durations, counts, states).
NOWRAP_CHARS: Final = 14
#: A column with a cell longer than this gets a minimum width (prose, not a word per line).
PROSE_CHARS: Final = 40
#: A cell longer than this is cut at a space in the page (whole in its tooltip and the CSV).
MAX_CELL_CHARS: Final = 140
_TOKEN: Final = re.compile(r"(\S*-\S*)")


def _cell_text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _cell_html(text: str) -> str:
    """Return a cell's text escaped, each hyphenated token (an id, a date) kept whole."""
    shown = text
    # Prose is cut at a space; one long token (a path, an id) is never cut.
    cut = text.rfind(" ", 0, MAX_CELL_CHARS) if len(text) > MAX_CELL_CHARS else -1
    if cut > 0:
        shown = text[:cut].rstrip(" ,;") + " …"
    parts = _TOKEN.split(shown)
    inner = "".join(
        f'<span class="nw">{html.escape(part)}</span>' if i % 2 else html.escape(part)
        for i, part in enumerate(parts)
    )
    return inner if shown == text else f'<span title="{html.escape(text)}">{inner}</span>'


def _column_class(cells: list[str]) -> str:
    if all(len(v) <= NOWRAP_CHARS or (" " not in v and len(v) <= PROSE_CHARS) for v in cells):
        return "nw"  # single tokens (ids, addresses) and short values
    return "prose" if any(len(v) > PROSE_CHARS for v in cells) else ""


def _html_table(table: Table) -> str:
    """Return the table in a box that scrolls sideways if it must, its note under it.

    No id, address or date is broken mid-token (they wrap, if at all, at spaces); short
    columns never wrap; prose columns keep a minimum width so they do not become a word
    per line.
    """
    frame = table.frame
    cells = [[_cell_text(v) for v in frame[c]] for c in frame.columns]
    kinds = [_column_class(col) for col in cells]
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = [
        "<tr>"
        + "".join(
            f'<td class="{kind}">{_cell_html(col[i])}</td>'
            for kind, col in zip(kinds, cells, strict=True)
        )
        + "</tr>"
        for i in range(len(frame))
    ]
    if frame.empty:
        # as the markdown says: none, not a bare header
        rows = [f'<tr><td class="none" colspan="{max(len(frame.columns), 1)}">none</td></tr>']
    body = (
        f'<div class="table-wrap"><table id="{table.id}" class="data">'
        f"<caption>{html.escape(table.caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )
    extra = []
    if table.note:
        extra.append(html.escape(table.note))
    if table.csv:
        extra.append(f'CSV: <a href="{table.csv}">{table.csv}</a>')
    note = f'<p class="note">{" ".join(extra)}</p>' if extra else ""
    return body + note


def render_html(title: str, meta: str, sections: list[Section], charts_dir: Path) -> str:
    """Return the page: charts embedded as PNG data URIs, CSS inline, no scripts."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta">{html.escape(meta)}</p>',
        "<nav><strong>Contents</strong><ul>",
        *(f'<li><a href="#{sec.id}">{html.escape(sec.title)}</a></li>' for sec in sections),
        "</ul></nav>",
    ]
    for sec in sections:
        parts.append(f'<section id="{sec.id}"><h2>{html.escape(sec.title)}</h2>')
        paragraphs = [f"<p>{html.escape(p)}</p>" for p in sec.paragraphs]
        if sec.fold is not None and paragraphs:
            paragraphs = [
                f"<details><summary>{html.escape(sec.fold)}</summary>",
                *paragraphs,
                "</details>",
            ]
        parts += paragraphs
        if sec.items:
            parts.append("<ul>")
            parts += [f"<li>{html.escape(i)}</li>" for i in sec.items]
            parts.append("</ul>")
        for chart in sec.charts:
            data = base64.b64encode((charts_dir / f"{chart.name}.png").read_bytes()).decode()
            parts.append(
                f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(chart.alt)}">'
                f"<figcaption>{html.escape(chart.alt)} (also as "
                f'<a href="charts/{chart.name}.svg">SVG</a>, '
                f'<a href="charts/{chart.name}.png">PNG</a>)</figcaption></figure>'
            )
        parts += [_html_table(t) for t in sec.tables]
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _md_cell(value: object) -> str:
    text = _cell_text(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(table: Table) -> str:
    frame = table.frame
    lines = [f"**{table.caption}**", ""]
    if frame.empty:
        lines.append("_(none)_")
    else:
        lines.append("| " + " | ".join(_md_cell(c) for c in frame.columns) + " |")
        lines.append("|" + "---|" * len(frame.columns))
        for row in frame.itertuples(index=False):
            lines.append("| " + " | ".join(_md_cell(v) for v in row) + " |")
    extra = [table.note] if table.note else []
    if table.csv:
        extra.append(f"CSV: [{table.csv}]({table.csv})")
    if extra:
        lines += ["", " ".join(extra)]
    return "\n".join(lines)


def render_markdown(title: str, meta: str, sections: list[Section]) -> str:
    """Return the same content as Markdown, charts linked as ``charts/<name>.png``."""
    out = [f"# {title}", "", meta, ""]
    for sec in sections:
        out += [f"## {sec.title}", ""]
        for p in sec.paragraphs:
            out += [p, ""]
        if sec.items:
            out += [f"- {i}" for i in sec.items] + [""]
        for chart in sec.charts:
            out += [f"![{chart.alt}](charts/{chart.name}.png)", ""]
        for t in sec.tables:
            out += [_md_table(t), ""]
    return "\n".join(out).rstrip() + "\n"
