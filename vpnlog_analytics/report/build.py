"""``build_report``: run the analyses over a window and write the report folder."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Final

import pandas as pd

from .. import __version__
from .. import schema as s
from ..analysis import (
    availability,
    diagnose,
    flap_frequency,
    flapping_episodes,
    flaps,
    outages,
    rekey_stats,
    summary,
)
from ..analysis._window import ExcludeLike, TimeLike, resolve_exclude, to_timestamp
from ..errors import OptionError, VpnLogError
from ..plotting import (
    cause_label,
    format_duration,
    plot_availability,
    plot_event_counts,
    plot_flap_heatmap,
    plot_outage_durations,
    plot_rekey_collisions,
    plot_timeline,
    save_chart,
)
from .render import Chart, Section, Table, render_html, render_markdown

__all__ = ["Report", "build_report"]

log = logging.getLogger(__name__)

#: Connection outages that get their own zoomed timeline (the longest first).
MAX_INCIDENT_CHARTS: Final = 3
#: Rows of a table shown in the page; the CSV always has them all.
MAX_ROWS: Final = 200
INCIDENT_MARGIN: Final = pd.Timedelta("20min")
CHART_DPI: Final = 150

METHOD: Final = [
    "Tunnel state. Each tunnel record sets the tunnel's state until the next record: up "
    "when both IKE phases are established (or rekeying), otherwise down. Before a "
    "tunnel's first record in the logs its state is unknown: that time counts neither as "
    "up nor as down, and is not part of the observed time.",
    "Outage. A tunnel outage is a maximal interval in which the tunnel is not up. A "
    "connection outage is an interval in which every observed tunnel of the connection is "
    "down at once: the outage that actually cuts traffic. Its cause is the most specific "
    "error logged by the tunnel at, or at most 120 s before, the moment it went down "
    "(configuration mismatches first, then Phase 1 timeouts, DPD timeouts, deletes by the "
    "customer gateway); 'unexplained' when no error was logged.",
    "Availability. All tunnels down is our proxy for 'unavailable': availability = 1 - "
    "connection downtime / observed time, per connection and calendar month, as in the "
    "AWS Site-to-Site VPN SLA (99.95 % monthly). The AWS service-credit tier is the one "
    "that figure would fall in: 10 % below 99.95 %, 25 % below 99.0 %, 100 % below 95.0 %. "
    "AWS computes its own figure from its monitoring, not from these logs; a claim needs "
    "AWS Support. Maintenance windows given as exclusions count neither as downtime nor "
    "as observed time.",
    "MTTR means mean time to restore: the mean duration of the connection outages that "
    "ended in the period. MTBF, mean time between failures, is up time / outages.",
    "Flap: a change of a tunnel from up to down. A flapping episode is a run of at least "
    "3 flaps within 1 hour.",
    "Rekey collision rate: collision incidents (collision messages of one tunnel within "
    "60 s of each other) per child-SA negotiation (one request id, initiated by either "
    "side). Collisions rarely take a tunnel down but cost renegotiations.",
    "Times are UTC. Durations in CSV files are in seconds (columns ending in _s); times "
    "are ISO 8601.",
]


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


def _window(
    events: pd.DataFrame, start: TimeLike, end: TimeLike
) -> tuple[pd.Timestamp, pd.Timestamp]:
    times = events[s.TIME]
    if (start is None or end is None) and times.empty:
        raise OptionError("the events table is empty: give start and end, or load some logs")
    lo = to_timestamp("start", start) if start is not None else times.min().floor("D")
    hi = (
        to_timestamp("end", end) if end is not None else times.max().floor("D") + pd.Timedelta("1D")
    )
    if not hi > lo:
        raise OptionError(f"end ({hi}) must be after start ({lo})")
    return lo, hi


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a table for CSV: durations as seconds (``<name>_s``), times as ISO 8601 UTC."""
    out = frame.copy()
    for col in list(out.columns):
        if pd.api.types.is_timedelta64_dtype(out[col]):
            out[col] = out[col].dt.total_seconds()
            out = out.rename(columns={col: f"{col}_s"})
        elif isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return out


def _display(
    frame: pd.DataFrame, *, percent: tuple[str, ...] = (), causes: bool = True
) -> pd.DataFrame:
    """Return the frame as people read it: times without offset, durations in words."""
    out = frame.copy()
    for col in list(out.columns):
        series = out[col]
        if pd.api.types.is_timedelta64_dtype(series):
            out[col] = series.map(format_duration)
        elif isinstance(series.dtype, pd.DatetimeTZDtype):
            out[col] = series.dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")
        elif col in percent:
            out[col] = series.map(lambda v: "" if pd.isna(v) else f"{v * 100:.4f} %")
        elif col == "cause" and causes:
            out[col] = series.map(lambda c: f"{c}: {cause_label(c)}" if c == c else "")
        elif pd.api.types.is_bool_dtype(series):
            out[col] = series.map(lambda v: "" if pd.isna(v) else "yes" if v else "no")
        elif col == "service_credit":
            out[col] = series.map(lambda v: "" if pd.isna(v) else f"{int(v)} %")
    return out.rename(columns=lambda c: str(c).replace("_", " "))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _input_files(events: pd.DataFrame) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    sources: dict[str, dict[str, Any]] = events.attrs.get("sources") or {}
    for name, info in sources.items():
        path = Path(name)
        if not path.is_file():
            path = Path(re.sub(r"#\d+$", "", name))  # repeated labels get a #k suffix
        entry: dict[str, Any] = {"source": name, **info}
        if path.is_file():
            entry.update(path=str(path.resolve()), size=path.stat().st_size, sha256=_sha256(path))
        else:
            entry.update(path=None, size=None, sha256=None, note="not a file (records in memory)")
        found.append(entry)
    for name in events.attrs.get("ignored_files") or []:
        path = Path(name)
        entry = {"source": name, "format": "ignored (holds no logs)", "records": 0}
        if path.is_file():
            entry.update(path=str(path.resolve()), size=path.stat().st_size, sha256=_sha256(path))
        found.append(entry)
    return found


def _steps(progress: bool, n: int) -> Callable[[str], None]:
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


def build_report(
    events: pd.DataFrame,
    out_dir: str | Path,
    *,
    start: TimeLike,
    end: TimeLike,
    sla: float = 0.9995,
    title: str | None = None,
    exclude: ExcludeLike = None,
    progress: bool = False,
) -> Report:
    """Write the availability / postmortem report of a window into a folder.

    The folder gets ``index.html`` (one self-contained page: charts embedded as PNG data
    URIs, CSS inline, no script, nothing fetched), ``report.md`` (the same content, charts
    linked), one CSV per table, every chart as PNG and SVG under ``charts/``, and
    ``manifest.json`` (inputs with size and SHA-256, parameters, package version,
    generation time, records read and skipped with reasons, and every output's SHA-256).

    Contents: the period; availability per connection and month against ``sla`` with the
    AWS service-credit tier; connection and tunnel outages with causes; flaps and flapping
    episodes; rekey collision rates; diagnosis findings with remediation; per-tunnel
    summary; the method (definitions); the inputs.

    Parameters
    ----------
    events : pandas.DataFrame
        The events table, e.g. from :func:`~vpnlog_analytics.read_logs` (its ``attrs``
        name the inputs for the manifest).
    out_dir : str or pathlib.Path
        Folder to write (created; files of the same names are replaced).
    start, end : pandas.Timestamp or str or None
        The reporting window ``[start, end)`` (UTC). None: the whole UTC days the logs
        cover (from midnight before the first record to midnight after the last).
    sla : float, default 0.9995
        Availability target per month (AWS's published 99.95 %).
    title : str, optional
        Page title; default "VPN availability report, <window>".
    exclude : list of (start, end) pairs or pandas.DataFrame, optional
        Maintenance windows: neither downtime nor observed time.
    progress : bool, default False
        Show a progress bar over the steps.

    Returns
    -------
    Report
        The paths written, the tables and the manifest.

    Examples
    --------
    >>> events = read_logs("data/samples")  # doctest: +SKIP
    >>> build_report(events, "report", start="2026-10-01", end="2026-11-01").index  # doctest: +SKIP
    PosixPath('report/index.html')
    """
    if not isinstance(sla, int | float) or not 0.0 < float(sla) < 1.0:
        raise OptionError(f"sla={sla!r} must be a fraction between 0 and 1 (e.g. 0.9995)")
    lo, hi = _window(events, start, end)
    ex_start, ex_end = resolve_exclude(exclude)
    out = Path(out_dir)
    charts_dir = out / "charts"
    try:
        charts_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise VpnLogError(f"{out}: cannot create the report folder ({exc.strerror})") from exc
    generated = dt.datetime.now(dt.UTC).replace(microsecond=0)
    window = dict(start=lo, end=hi)
    step = _steps(progress, 6)
    days = (hi - lo) / pd.Timedelta("1D")
    freq = "1D" if days <= 62 else "7D"

    # --- analyses ---------------------------------------------------------------------
    avail = availability(events, freq="MS", sla=sla, exclude=exclude, **window)
    conn_out = outages(events, level="connection", exclude=exclude, **window)
    tun_out = outages(events, level="tunnel", exclude=exclude, **window)
    flap_list = flaps(events, **window)
    episodes = flapping_episodes(events, **window)
    freq_hourly = flap_frequency(events, freq="1h", **window)
    rekey = rekey_stats(events, freq=freq, **window)
    findings = diagnose(events, **window)
    per_tunnel = summary(events, **window)
    step("analyses")

    tables = {
        "availability": avail,
        "outages_connection": conn_out,
        "outages_tunnel": tun_out,
        "flaps": flap_list,
        "flapping_episodes": episodes,
        "rekey_collisions": rekey,
        "diagnosis": findings,
        "tunnels": per_tunnel,
    }
    for name, frame in tables.items():
        csv_frame(frame).to_csv(out / f"{name}.csv", index=False)
    step("tables")

    # --- charts -----------------------------------------------------------------------
    written: list[Path] = []
    month = pd.Timedelta(days=lo.days_in_month)

    def chart(name: str, draw: Callable[[], Any]) -> None:
        ax = draw()
        for ext in ("png", "svg"):
            written.append(save_chart(ax, charts_dir / f"{name}.{ext}", dpi=CHART_DPI))

    chart("timeline", lambda: plot_timeline(events, **window))
    incidents = conn_out.sort_values("duration", ascending=False).head(MAX_INCIDENT_CHARTS)
    incident_charts: list[Chart] = []
    for k, row in enumerate(incidents.itertuples(index=False), start=1):
        conn = str(getattr(row, s.VPN_CONNECTION_ID))
        a, b = max(row.start - INCIDENT_MARGIN, lo), min(row.end + INCIDENT_MARGIN, hi)
        chart(f"incident_{k}", partial(_incident, events, a, b, conn))
        incident_charts.append(
            Chart(
                f"incident_{k}",
                f"Connection outage {k}: {conn} down from {row.start:%Y-%m-%d %H:%M:%S} UTC "
                f"for {format_duration(row.duration)} ({cause_label(row.cause)}); each lane "
                "is a tunnel or the connection, markers are logged errors and warnings.",
            )
        )
    chart("availability", lambda: plot_availability(avail, sla=sla))
    chart(
        "outage_durations",
        lambda: plot_outage_durations(tun_out, sla=sla, budget_period=month),
    )
    chart("flaps_per_day", lambda: plot_flap_heatmap(freq_hourly, by="day"))
    chart("rekey_collisions", lambda: plot_rekey_collisions(rekey))
    chart("event_counts", lambda: plot_event_counts(events, freq=freq, start=lo, end=hi))
    step("charts")

    # --- sections ---------------------------------------------------------------------
    sections = _sections(
        events, tables, lo, hi, sla, ex_start, ex_end, incident_charts, freq, generated
    )
    meta = (
        f"Period {lo:%Y-%m-%d %H:%M} to {hi:%Y-%m-%d %H:%M} UTC (end excluded) · "
        f"{len(per_tunnel)} tunnel(s) of {avail[s.VPN_CONNECTION_ID].nunique()} connection(s) · "
        f"generated {generated:%Y-%m-%d %H:%M:%S} UTC by vpnlog-analytics {__version__}"
    )
    page_title = (
        title
        or f"VPN availability report, {lo:%Y-%m-%d} to {(hi - pd.Timedelta(1, 'ns')):%Y-%m-%d}"
    )
    index = out / "index.html"
    index.write_text(render_html(page_title, meta, sections, charts_dir), encoding="utf-8")
    markdown = out / "report.md"
    markdown.write_text(render_markdown(page_title, meta, sections), encoding="utf-8")
    step("pages")

    manifest = _manifest(events, out, generated, lo, hi, sla, title, exclude)
    manifest_path = out / "manifest.json"
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    step("manifest")
    log.info("report written to %s", index)
    return Report(out, index, markdown, manifest_path, tables, written, manifest)


def _sections(
    events: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    lo: pd.Timestamp,
    hi: pd.Timestamp,
    sla: float,
    ex_start: Any,
    ex_end: Any,
    incident_charts: list[Chart],
    freq: str,
    generated: dt.datetime,
) -> list[Section]:
    avail, conn_out, tun_out = (
        tables["availability"],
        tables["outages_connection"],
        tables["outages_tunnel"],
    )
    episodes, findings, per_tunnel = (
        tables["flapping_episodes"],
        tables["diagnosis"],
        tables["tunnels"],
    )
    sla_text = f"{sla * 100:.4f}".rstrip("0").rstrip(".") + " %"
    missed = avail[avail["sla_met"].fillna(True) == False]  # noqa: E712
    overview = Section("overview", "At a glance")
    overview.items = [
        f"Connection outages (all tunnels down at once): {len(conn_out)}, "
        f"{format_duration(conn_out['duration'].sum()) or '0 s'} in total.",
        f"Months below the {sla_text} SLA: {len(missed)} of "
        f"{len(avail.dropna(subset=['availability']))} "
        "connection-months"
        + (
            f" ({', '.join(sorted(missed[s.VPN_CONNECTION_ID].astype(str).unique()))})"
            if len(missed)
            else ""
        )
        + ".",
        f"Tunnel outages: {len(tun_out)}; flaps: {len(tables['flaps'])}; "
        f"flapping episodes: {len(episodes)}.",
        f"Diagnosis findings: {int((findings[s.SEVERITY] == 'error').sum())} error(s), "
        f"{int((findings[s.SEVERITY] == 'warning').sum())} warning(s).",
    ]
    if len(ex_start):
        overview.items.append(
            "Excluded maintenance windows: "
            + "; ".join(
                f"{_ts(a):%Y-%m-%d %H:%M} to {_ts(b):%Y-%m-%d %H:%M} UTC"
                for a, b in zip(ex_start, ex_end, strict=True)
            )
        )
    overview.charts = [
        Chart(
            "timeline",
            "Every connection and tunnel over the period: up (blue), down (vermillion), "
            "connection degraded (yellow), unknown (grey); markers are logged errors and "
            "warnings; the longest outages are labelled with cause and duration.",
        )
    ]

    sec_avail = Section("availability", "Availability against the SLA")
    sec_avail.paragraphs = [
        f"Per connection and calendar month. Unavailable means all tunnels of the connection "
        f"down at once. SLA target {sla_text}; the credit column is the AWS service-credit "
        "tier the figure would fall in (percent of the monthly charge). MTTR = mean time to "
        "restore."
    ]
    shown = avail.drop(columns=["observed"]).copy()
    shown["period"] = shown["period"].dt.strftime("%Y-%m")
    sec_avail.tables = [
        Table(
            "availability-table",
            "Availability per connection and month",
            _display(shown, percent=("availability",)),
            "availability.csv",
        )
    ]
    sec_avail.charts = [
        Chart("availability", f"Availability per connection against the {sla_text} SLA line.")
    ]

    sec_out = Section("outages", "Outages")
    sec_out.paragraphs = [
        "Connection outages cut traffic: every tunnel of the connection was down. Tunnel outages "
        "alone are covered by the other tunnel (redundancy) but leave the connection exposed."
    ]
    sec_out.charts = incident_charts + [
        Chart(
            "outage_durations",
            "How long tunnel outages lasted, by cause, on a log scale; the dashed line is the "
            "downtime the SLA allows per month.",
        )
    ]
    sec_out.tables = [
        Table(
            "connection-outages",
            "Connection outages (all tunnels down)",
            _display(conn_out),
            "outages_connection.csv",
        ),
        _capped(Table("tunnel-outages", "Tunnel outages", _display(tun_out), "outages_tunnel.csv")),
    ]

    sec_flaps = Section("flaps", "Flaps")
    sec_flaps.paragraphs = [
        "A flap is a tunnel going from up to down; a flapping episode is at least 3 flaps within "
        "an hour."
    ]
    counts = per_tunnel[
        [s.VPN_CONNECTION_ID, s.TUNNEL_IP, "flaps", "outages", "down_time", "longest_outage"]
    ]
    sec_flaps.charts = [
        Chart("flaps_per_day", "Flaps per tunnel and day (UTC); empty cells had none.")
    ]
    sec_flaps.tables = [
        Table(
            "flapping-episodes", "Flapping episodes", _display(episodes), "flapping_episodes.csv"
        ),
        Table("flaps-per-tunnel", "Flaps and outages per tunnel", _display(counts), "tunnels.csv"),
    ]

    sec_rekey = Section("rekey", "Rekey collisions")
    sec_rekey.paragraphs = [
        "Both sides starting the same child-SA rekey at once. Rate = collision incidents / "
        "negotiations over the period; above 10 % the diagnosis flags it."
    ]
    rk = per_tunnel[
        [s.VPN_CONNECTION_ID, s.TUNNEL_IP, "negotiations", "collisions", "collision_rate"]
    ]
    sec_rekey.charts = [
        Chart("rekey_collisions", f"Rekey collision rate per tunnel and period ({freq}).")
    ]
    sec_rekey.tables = [
        Table(
            "rekey-rates",
            "Rekey collision rate per tunnel over the period",
            _display(rk, percent=("collision_rate",)),
            "rekey_collisions.csv",
            note=f"The CSV has the rate per tunnel and period ({freq}).",
        )
    ]

    sec_diag = Section("diagnosis", "Diagnosis and remediation")
    sec_diag.paragraphs = [
        "What the logs show is wrong, what it means, and what to change on the customer gateway "
        "or the tunnel options. Errors first."
    ]
    diag = findings[
        [
            s.SEVERITY,
            s.VPN_CONNECTION_ID,
            s.TUNNEL_IP,
            "finding",
            "count",
            "first_seen",
            "last_seen",
            "evidence",
            "remediation",
        ]
    ]
    sec_diag.tables = [Table("findings", "Findings", _display(diag), "diagnosis.csv")]
    sec_diag.charts = [
        Chart("event_counts", f"Error and warning records logged per period ({freq}), by kind.")
    ]

    sec_tunnels = Section("tunnels", "Per tunnel")
    cols = [
        s.VPN_CONNECTION_ID,
        s.TUNNEL_IP,
        "first_seen",
        "last_seen",
        "records",
        "errors",
        "warnings",
        "up_time",
        "down_time",
        "unknown_time",
        "up_share",
    ]
    sec_tunnels.tables = [
        Table(
            "tunnel-summary",
            "Per-tunnel summary",
            _display(per_tunnel[cols], percent=("up_share",)),
            "tunnels.csv",
            note="up share = up / (up + down) time; "
            "unknown time is before a tunnel's first record.",
        )
    ]

    sec_method = Section("method", "Method and definitions")
    sec_method.paragraphs = list(METHOD)

    sec_inputs = Section("inputs", "Inputs")
    attrs = events.attrs
    skipped = attrs.get("skipped") or {}
    sec_inputs.paragraphs = [
        f"{attrs.get('records', len(events)):,} records read; "
        f"{sum(skipped.values()):,} malformed record(s) skipped"
        + (f" ({', '.join(f'{k}: {v}' for k, v in sorted(skipped.items()))})" if skipped else "")
        + f"; {attrs.get('duplicates_dropped', 0):,} duplicate(s) dropped "
        "(records in more than one source). "
        "manifest.json lists every input file with its size and SHA-256, the parameters and "
        "the SHA-256 of every file of this report."
    ]
    src = pd.DataFrame(
        [
            {"source": k, "format": v.get("format"), "records": v.get("records")}
            for k, v in (attrs.get("sources") or {}).items()
        ],
        columns=["source", "format", "records"],
    )
    sec_inputs.tables = [_capped(Table("sources", "Sources", src))]
    return [
        overview,
        sec_avail,
        sec_out,
        sec_flaps,
        sec_rekey,
        sec_diag,
        sec_tunnels,
        sec_method,
        sec_inputs,
    ]


def _incident(events: pd.DataFrame, a: pd.Timestamp, b: pd.Timestamp, conn: str) -> Any:
    return plot_timeline(events, start=a, end=b, connections=[conn], max_annotations=6)


def _ts(ns: Any) -> pd.Timestamp:
    return pd.Timestamp(int(ns), unit="ns", tz="UTC")


def _capped(table: Table) -> Table:
    if len(table.frame) <= MAX_ROWS:
        return table
    note = f"First {MAX_ROWS} of {len(table.frame)} rows; the CSV has them all."
    return Table(table.id, table.caption, table.frame.head(MAX_ROWS), table.csv, note)


def _iter_outputs(out: Path) -> Iterator[Path]:
    names = ["index.html", "report.md"]
    yield from (out / n for n in names)
    yield from sorted(out.glob("*.csv"))
    yield from sorted((out / "charts").glob("*"))


def _manifest(
    events: pd.DataFrame,
    out: Path,
    generated: dt.datetime,
    lo: pd.Timestamp,
    hi: pd.Timestamp,
    sla: float,
    title: str | None,
    exclude: ExcludeLike,
) -> dict[str, Any]:
    ex_start, ex_end = resolve_exclude(exclude)
    attrs = events.attrs
    return {
        "generator": "vpnlog-analytics",
        "version": __version__,
        "generated_at": generated.isoformat().replace("+00:00", "Z"),
        "parameters": {
            "start": lo.isoformat(),
            "end": hi.isoformat(),
            "sla": sla,
            "title": title,
            "exclude": [
                [
                    pd.Timestamp(a, unit="ns", tz="UTC").isoformat(),
                    pd.Timestamp(b, unit="ns", tz="UTC").isoformat(),
                ]
                for a, b in zip(ex_start, ex_end, strict=True)
            ],
            "availability_period": "calendar month (MS)",
            "cause_lookback_s": 120,
            "flapping_episode": {"min_flaps": 3, "window_s": 3600},
            "collision_incident_gap_s": 60,
        },
        "inputs": _input_files(events),
        "records": {
            "read": int(attrs.get("records", len(events))),
            "in_table": len(events),
            "skipped": {str(k): int(v) for k, v in (attrs.get("skipped") or {}).items()},
            "skipped_examples": [str(e) for e in attrs.get("skipped_examples") or []],
            "duplicates_dropped": int(attrs.get("duplicates_dropped", 0)),
        },
        "outputs": [
            {"path": str(p.relative_to(out)), "size": p.stat().st_size, "sha256": _sha256(p)}
            for p in _iter_outputs(out)
            if p.is_file()
        ],
    }
