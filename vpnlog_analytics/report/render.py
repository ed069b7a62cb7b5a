"""Sections of the report rendered as one self-contained HTML page and as Markdown."""

from __future__ import annotations

import base64
import html
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


_CSS: Final = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
margin:0 auto;max-width:1180px;padding:1.5rem 2rem 4rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{margin-top:2.4rem;border-bottom:2px solid #0072B2;
padding-bottom:.2rem}p.meta{color:#555;margin-top:0}
table{border-collapse:collapse;margin:.6rem 0 1.2rem;font-size:.86rem}
caption{text-align:left;font-weight:600;padding:.3rem 0;font-size:.95rem}
th,td{border:1px solid #d0d0d0;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#eef4fa}tr:nth-child(even) td{background:#fafafa}
figure{margin:1rem 0 1.6rem}figure img{max-width:100%;height:auto;border:1px solid #e3e3e3}
figcaption{color:#444;font-size:.88rem}.note{color:#555;font-size:.85rem}
nav ul{columns:2;font-size:.92rem}.bad{color:#B34700;font-weight:600}
@media print{nav{display:none}h2{break-before:auto}figure,table{break-inside:avoid}}
"""


def _html_table(table: Table) -> str:
    body = table.frame.to_html(
        index=False, border=0, escape=True, na_rep="", table_id=table.id, classes="data"
    )
    caption = f"<caption>{html.escape(table.caption)}</caption>"
    body = body.replace(">", ">" + caption, 1)
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
        parts += [f"<p>{html.escape(p)}</p>" for p in sec.paragraphs]
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
    text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
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
