"""``build_report``: run the analyses over a window and write the report folder.

The report is made in named steps: check the parameters and the window
(:mod:`.analyses`), run every analysis once on one context, write the tables, draw the
charts (:mod:`.charts`, each declared once), write the sections (:mod:`.sections`) and the
pages, then the manifest. Every file is written into a staging folder beside the target,
swapped in whole at the end (:mod:`._staging`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pandas as pd

from .. import __version__
from .. import schema as s
from ..analysis import StaleLike, StaleLimits
from ..io.evidence import counts_entry, record_counts
from ..options import (
    DEFAULT_CAUSE_LOOKBACK,
    DEFAULT_COLLISION_THRESHOLD,
    DEFAULT_FLAP_WINDOW,
    DEFAULT_INCIDENT_GAP,
    DEFAULT_MARGIN,
    DEFAULT_MIN_FLAPS,
    DEFAULT_SLA,
    DEFAULT_STALE_AFTER,
    DurationLike,
    ExcludeLike,
    TimeLike,
    shared_doc,
)
from ..present import csv_frame
from ._staging import MANIFEST, prepare_target, sha256_of, staged
from .analyses import Analyses, Exclusions, analyse, parameters, report_window
from .charts import draw_charts
from .render import Section, render_html, render_markdown
from .sections import write_sections
from .sources import manifest_entries

__all__ = ["Report", "build_report"]

log = logging.getLogger(__name__)


@dataclass
class Report:
    """What :func:`build_report` wrote: paths, the tables (as analysed) and the manifest.

    Attributes
    ----------
    out_dir, index, markdown, manifest_path : pathlib.Path
        The folder, ``index.html``, ``report.md`` and ``manifest.json``.
    tables : dict of str to pandas.DataFrame
        Every table written as CSV, by file stem, with analysis dtypes.
    charts : list of pathlib.Path
        Every chart file (PNG and SVG).
    manifest : dict
        The content of ``manifest.json``.
    """

    out_dir: Path
    index: Path
    markdown: Path
    manifest_path: Path
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    charts: list[Path] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        # What a notebook shows for a bare build_report(...): where to look, not the tables.
        return (
            f"<Report {self.out_dir}/: open {self.index.name}; {self.markdown.name}, "
            f"{len(self.tables)} CSV tables, {len(self.charts)} chart files, "
            f"{self.manifest_path.name}>"
        )


def _input_files(events: pd.DataFrame) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    sources: dict[str, dict[str, Any]] = events.attrs.get("sources") or {}
    for name, info in sources.items():
        path = Path(name)
        if not path.is_file():
            path = Path(re.sub(r"#\d+$", "", name))  # repeated labels get a #k suffix
        # what the file holds (records) and what became of each of its records
        c = record_counts(info, 0)
        entry: dict[str, Any] = {
            "source": name,
            "format": info.get("format"),
            **counts_entry(kept=c.kept, duplicates=c.duplicates_dropped, skipped=c.skipped),
        }
        if path.is_file():
            entry.update(path=str(path.resolve()), size=path.stat().st_size, sha256=sha256_of(path))
        else:
            entry.update(path=None, size=None, sha256=None, note="not a file (records in memory)")
        found.append(entry)
    not_read = [(n, "ignored (holds no logs)") for n in events.attrs.get("ignored_files") or []]
    not_read += [
        (n, "not read (listed in .vpnlogignore)") for n in events.attrs.get("excluded_files") or []
    ]
    for name, why in not_read:
        path = Path(name)
        entry = {
            "source": name,
            "format": why,
            **counts_entry(kept=0, duplicates=0, skipped={}),
        }
        if path.is_file():
            entry.update(path=str(path.resolve()), size=path.stat().st_size, sha256=sha256_of(path))
        found.append(entry)
    return found


def _option_files(options: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the files the tunnel options were read from, with size and SHA-256."""
    found: list[dict[str, Any]] = []
    for name in options.attrs.get("files") or []:
        path = Path(name)
        entry: dict[str, Any] = {"source": name}
        if path.is_file():
            entry.update(path=str(path.resolve()), size=path.stat().st_size, sha256=sha256_of(path))
        found.append(entry)
    return found or [{"source": "DescribeVpnConnections (live)"}]


def _gateway_files(gateway: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the gateway log files read: families and lines kept, size and SHA-256."""
    found: list[dict[str, Any]] = []
    for name, families in (gateway.attrs.get("sources") or {}).items():
        path = Path(name)
        entry: dict[str, Any] = {"source": name, "lines_by_family": dict(families)}
        if path.is_file():
            entry.update(path=str(path.resolve()), size=path.stat().st_size, sha256=sha256_of(path))
        else:
            entry.update(path=None, size=None, sha256=None, note="not a file")
        found.append(entry)
    return found


#: The steps the progress bar counts, in order.
_STEPS: Final = ("analyses", "tables", "charts", "pages", "manifest")


def _steps(progress: bool, n: int = len(_STEPS)) -> Callable[[str], None]:
    if not progress:
        return lambda _: None
    from tqdm.auto import tqdm

    bar = tqdm(total=n, desc="report", unit="step")

    def step(name: str) -> None:
        bar.set_postfix_str(name)
        bar.update(1)
        if bar.n >= n:
            bar.close()

    return step


@shared_doc(
    own={
        "start": "the default window is whole UTC days",
        "end": "the default window is whole UTC days",
        "maintenance": "maintenance events; the report makes the windows",
    }
)
def build_report(
    events: pd.DataFrame,
    out_dir: str | Path,
    *,
    start: TimeLike,
    end: TimeLike,
    sla: float = DEFAULT_SLA,
    title: str | None = None,
    exclude: ExcludeLike | str = None,
    min_duration: DurationLike = None,
    cause_lookback: DurationLike = DEFAULT_CAUSE_LOOKBACK,
    min_flaps: int = DEFAULT_MIN_FLAPS,
    flap_window: DurationLike = DEFAULT_FLAP_WINDOW,
    incident_gap: DurationLike = DEFAULT_INCIDENT_GAP,
    collision_threshold: float = DEFAULT_COLLISION_THRESHOLD,
    stale_after: StaleLike = DEFAULT_STALE_AFTER,
    progress: bool = False,
    metrics: pd.DataFrame | None = None,
    maintenance: pd.DataFrame | None = None,
    margin: DurationLike = DEFAULT_MARGIN,
    options: pd.DataFrame | None = None,
    gateway: pd.DataFrame | None = None,
) -> Report:
    """Write the availability / postmortem report of a window into a folder.

    The folder gets ``index.html`` (one self-contained page: charts embedded as PNG data
    URIs, CSS inline, no script, nothing fetched), ``report.md`` (the same content, charts
    linked), one CSV per table, every chart as PNG and SVG under ``charts/``, and
    ``manifest.json`` (inputs with size and SHA-256, parameters, package version,
    generation time, records read and skipped with reasons, and every output's SHA-256).

    The state intervals are built once for the window (:func:`~vpnlog_analytics.analysis.prepare`)
    and shared by every table and chart. The text and the manifest state the parameters
    used.

    Contents: the period; availability per connection and month against ``sla`` with the
    AWS service-credit tier; connection and tunnel outages with causes; flaps and flapping
    episodes; rekey collision rates; diagnosis findings with remediation; per-tunnel
    summary; the most frequent messages the catalogue does not know, with their share of
    the records; the method (definitions); the inputs.

    Parameters
    ----------
    {params.events_table}
        Its ``attrs`` name the inputs for the manifest.
    out_dir : str or pathlib.Path
        Folder to write: absent, empty, or a report written before, which is replaced
        whole. The report is staged in a hidden folder beside it and swapped in at the
        end, so the folder never holds a mix of two reports or a part of one; a folder
        holding other files is refused.
    start, end : pandas.Timestamp or str or None
        The reporting window ``[start, end)`` (UTC). None: the whole UTC days the logs
        cover (from midnight before the first record to midnight after the last).
    {params.sla}
    title : str, optional
        Page title; default "VPN availability report, <window>".
    exclude : list of (start, end) pairs, pandas.DataFrame, "maintenance" or "customer", optional
        {params.exclude.desc}
        Or ``"maintenance"``: each connection's windows from ``maintenance`` (the reason of
        each is in the manifest); ``"customer"``: availability sets customer-side outages
        aside (see :func:`~vpnlog_analytics.analysis.availability`); or both in a list.
    {params.min_duration}
        For availability and the outage tables.
    {params.cause_lookback}
    {params.min_flaps}
    {params.flap_window}
    incident_gap : str or pandas.Timedelta, default "60s"
        Longest gap between collision messages of one incident [s].
    collision_threshold : float, default 0.1
        Collision rate above which the diagnosis reports rekey collisions.
    {params.stale_after}
    progress : bool, default False
        Show a progress bar over the steps.
    metrics : pandas.DataFrame, optional
        {params.metrics.desc}
        Adds the coverage section (logs next to metrics per tunnel,
        logging gaps) and availability from both sources.
    maintenance : pandas.DataFrame, optional
        Maintenance events (``fetch_maintenance``, ``read_health_events``): outages get
        their ``context`` (AWS maintenance / customer change) and the windows are listed.
    {params.margin}
    options : pandas.DataFrame, optional
        The tunnels' configured options (:func:`~vpnlog_analytics.read_tunnel_options`):
        adds the Configuration section (options, configured against observed, in
        ``tunnel_options.csv`` and ``option_drift.csv``), the ``options_*`` findings, and
        the options files with their SHA-256 in the manifest.
    gateway : pandas.DataFrame, optional
        The customer gateway's own log (:func:`~vpnlog_analytics.io.gateway.read_gateway_logs`
        with ``tunnels=events``): adds the section "The customer gateway's side" -- each
        device's clock skew against AWS (estimated from events both ends logged, with its
        interval and pairs; every gateway time there is corrected by it), who took each
        tunnel outage down, gateway restarts that cut a connection, failures only one end
        logged (with the gateway's reason and proposals), the lines no AWS tunnel could
        be matched to, and the worst outage's timeline with the gateway's lanes; the
        tables ``gateway_*.csv``, and the gateway log files with their SHA-256 in the
        manifest (``gateway_inputs``).

    Returns
    -------
    Report
        The paths written, the tables and the manifest.

    Raises
    ------
    VpnLogError
        ``out_dir`` is a file, or a folder holding files a report did not write.

    Examples
    --------
    >>> events = read_logs("data/samples")  # doctest: +SKIP
    >>> build_report(events, "report", start="2026-10-01", end="2026-11-01").index  # doctest: +SKIP
    PosixPath('report/index.html')
    """
    params = parameters(
        sla=sla,
        cause_lookback=cause_lookback,
        min_flaps=min_flaps,
        flap_window=flap_window,
        incident_gap=incident_gap,
        collision_threshold=collision_threshold,
        min_duration=min_duration,
        stale_after=stale_after,
        options=options,
    )
    stale_after = params.stale_after  # "auto" is each tunnel's own from here on
    window = report_window(events, start, end)
    excluded = Exclusions.of(exclude, maintenance)
    target = prepare_target(out_dir)  # refuse a folder of other files before any work
    generated = dt.datetime.now(dt.UTC).replace(microsecond=0)
    step = _steps(progress)
    made = analyse(
        events,
        window,
        params,
        excluded,
        exclude=exclude,
        stale_after=stale_after,
        metrics=metrics,
        maintenance=maintenance,
        margin=margin,
        options=options,
        gateway=gateway,
    )
    step("analyses")
    with staged(target) as staging:
        charts = _write_files(made, staging, generated, title, stale_after, step)
        manifest = _manifest(made, staging, generated, title)
        manifest.update(
            manifest_entries(made.beyond, metrics, made.excluded_windows, margin, stale_after)
        )
        _write_json(manifest, staging / MANIFEST)
    step("manifest")
    out = Path(out_dir)  # as the caller named it; the files are now there
    log.info("report written to %s", out / "index.html")
    return Report(
        out,
        out / "index.html",
        out / "report.md",
        out / MANIFEST,
        made.tables,
        [out / p for p in charts],
        manifest,
    )


def _write_files(
    made: Analyses,
    out: Path,
    generated: dt.datetime,
    title: str | None,
    stale_after: Any,
    step: Callable[[str], None],
) -> list[Path]:
    """Write the tables, charts and pages into ``out``; return the charts' relative paths."""
    (out / "charts").mkdir()
    _write_tables(made.tables, out)
    step("tables")
    drawn = draw_charts(made, out / "charts")
    step("charts")
    sections = write_sections(made, drawn, stale_after)
    _write_pages(made, sections, out, generated, title)
    step("pages")
    return [p.relative_to(out) for p in drawn.files]


def _write_tables(tables: dict[str, pd.DataFrame], out: Path) -> None:
    """Write every table as ``<name>.csv`` (seconds, ISO 8601 times)."""
    for name, frame in tables.items():
        csv_frame(frame).to_csv(out / f"{name}.csv", index=False)


def _write_pages(
    made: Analyses, sections: list[Section], out: Path, generated: dt.datetime, title: str | None
) -> tuple[Path, Path]:
    """Write ``index.html`` and ``report.md``; return their paths."""
    lo, hi = made.lo, made.hi
    n_connections = made.tables["availability"][s.VPN_CONNECTION_ID].nunique()
    meta = (
        f"Period {lo:%Y-%m-%d %H:%M} to {hi:%Y-%m-%d %H:%M} UTC (end excluded) · "
        f"{len(made.tables['tunnels'])} tunnel(s) of {n_connections} connection(s) · "
        f"generated {generated:%Y-%m-%d %H:%M:%S} UTC by vpnlog-analytics {__version__}"
    )
    page_title = (
        title
        or f"VPN availability report, {lo:%Y-%m-%d} to {(hi - pd.Timedelta(1, 'ns')):%Y-%m-%d}"
    )
    index = out / "index.html"
    index.write_text(render_html(page_title, meta, sections, out / "charts"), encoding="utf-8")
    markdown = out / "report.md"
    markdown.write_text(render_markdown(page_title, meta, sections), encoding="utf-8")
    return index, markdown


def _write_json(content: dict[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
    return path


def _iter_outputs(out: Path) -> Iterator[Path]:
    names = ["index.html", "report.md"]
    yield from (out / n for n in names)
    yield from sorted(out.glob("*.csv"))
    yield from sorted((out / "charts").glob("*"))


def _stale_entry(made: Analyses) -> dict[str, Any]:
    """Return the manifest's staleness rule: one limit [s], or each tunnel's with its basis."""
    rule = made.params.stale_after
    if not isinstance(rule, StaleLimits):
        return {"stale_after_s": None if rule is None else rule.total_seconds()}
    limits = made.ctx.stale_limits
    return {
        "stale_after": "auto",
        "stale_after_s": rule.default.total_seconds(),
        "stale_after_by_tunnel": [
            {
                s.VPN_CONNECTION_ID: str(r[0]),
                s.TUNNEL_IP: str(r[1]),
                "stale_after_s": r[2].total_seconds(),
                "basis": str(r[3]),
            }
            for r in limits.itertuples(index=False)
        ],
    }


def _manifest(
    made: Analyses,
    out: Path,
    generated: dt.datetime,
    title: str | None,
) -> dict[str, Any]:
    events, params, ex = made.events, made.params, made.excluded
    attrs = events.attrs
    counts = record_counts(attrs, len(events))
    return {
        "generator": "vpnlog-analytics",
        "version": __version__,
        "generated_at": generated.isoformat().replace("+00:00", "Z"),
        "parameters": {
            "start": made.lo.isoformat(),
            "end": made.hi.isoformat(),
            "sla": params.sla,
            "title": title,
            "exclude": (
                (next(iter(ex.names)) if len(ex.names) == 1 else sorted(ex.names))
                if ex.names
                else [[a.isoformat(), b.isoformat()] for a, b in ex.windows]
            ),
            "availability_period": "calendar month (MS)",
            "min_duration_s": (
                None if params.min_duration is None else params.min_duration.total_seconds()
            ),
            "cause_lookback_s": params.cause_lookback.total_seconds(),
            "flapping_episode": {
                "min_flaps": params.min_flaps,
                "window_s": params.flap_window.total_seconds(),
            },
            "collision_incident_gap_s": params.incident_gap.total_seconds(),
            "collision_threshold": params.collision_threshold,
            **_stale_entry(made),
        },
        "inputs": _input_files(events),
        **({"tunnel_options": _option_files(made.options)} if made.options is not None else {}),
        **({"gateway_inputs": _gateway_files(made.gateway)} if made.gateway is not None else {}),
        # read = kept + duplicates_dropped + skipped, as each entry of "inputs" says
        "records": {
            "read": counts.read,
            "kept": counts.kept,
            "duplicates_dropped": counts.duplicates_dropped,
            "skipped": counts.skipped,
            "skipped_total": counts.skipped_total,
            "in_table": len(events),
            "skipped_examples": [str(e) for e in attrs.get("skipped_examples") or []],
        },
        "outputs": [
            {"path": str(p.relative_to(out)), "size": p.stat().st_size, "sha256": sha256_of(p)}
            for p in _iter_outputs(out)
            if p.is_file()
        ],
    }
