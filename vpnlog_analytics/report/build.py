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
    Context,
    availability,
    bgp_outages,
    diagnose,
    flap_frequency,
    flapping_episodes,
    flaps,
    outages,
    prepare,
    rekey_stats,
    route_events,
    routes,
    summary,
    unknown_messages,
)
from ..errors import OptionError, VpnLogError
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
    check_fraction,
    check_positive_int,
    resolve_exclude,
    resolve_window,
    shared_doc,
    to_duration,
    to_ns_duration,
    to_utc,
)
from ..plotting import (
    plot_availability,
    plot_event_counts,
    plot_flap_heatmap,
    plot_outage_durations,
    plot_rekey_collisions,
    plot_route_counts,
    plot_timeline,
    save_chart,
)
from ..plotting.coverage import plot_coverage
from ..present import (
    cause_label,
    csv_frame,
    format_duration,
    format_span,
    format_table,
    sla_text,
)
from .render import Chart, Section, Table, render_html, render_markdown
from .sources import add_beyond, beyond_logs, manifest_entries

__all__ = ["Report", "build_report"]

log = logging.getLogger(__name__)

#: Connection outages that get their own zoomed timeline (the longest first).
MAX_INCIDENT_CHARTS: Final = 3
#: Rows of a table shown in the page; the CSV always has them all.
MAX_ROWS: Final = 200
#: Unknown message templates listed in the page (the most frequent).
MAX_UNKNOWN: Final = 10
INCIDENT_MARGIN: Final = pd.Timedelta("20min")
CHART_DPI: Final = 150


@dataclass(frozen=True)
class Parameters:
    """The analysis parameters of a report: what the text and the manifest say was used."""

    sla: float
    cause_lookback: pd.Timedelta
    min_flaps: int
    flap_window: pd.Timedelta
    incident_gap: pd.Timedelta
    collision_threshold: float
    min_duration: pd.Timedelta | None
    stale_after: pd.Timedelta | None = DEFAULT_STALE_AFTER


def method_text(p: Parameters) -> list[str]:
    """Return the report's definitions, with the parameters actually used."""
    minimum = (
        f" Outages shorter than {format_span(p.min_duration)} are not counted."
        if p.min_duration
        else ""
    )
    silence = (
        "Silence is not health, and not the end of an outage. An up state holds at most "
        f"{format_span(p.stale_after)} after the tunnel's last record (an up tunnel logs at "
        "least at every Phase 2 rekey, at most 3,600 s apart, and every ~10 s behind NAT); "
        "after a longer silence the tunnel is unknown until its next record. A down state "
        "holds until the next record however long the silence: under AWS's default tunnel "
        "options a down tunnel logs nothing until the customer gateway tries again, so a "
        "silent site outage counts as down from the DPD timeout until the tunnel is logged up."
        if p.stale_after is not None
        else "States were carried through every silence (no limit was set), so time in "
        "logging gaps counts as the last state logged."
    )
    return [
        "Tunnel state. Each tunnel record sets the tunnel's state until the next record: up "
        "when both IKE phases are established (or rekeying), otherwise down. "
        + silence
        + " Before a tunnel's first record, and after an up state's long silence, its state "
        "is unknown: that time counts neither as up nor as down, and is not part of the "
        "observed time. A connection is unobserved while none of its tunnels is up and one "
        "is unknown.",
        "Outage. A tunnel outage is a maximal interval in which the tunnel is not up. A "
        "connection outage is an interval in which every observed tunnel of the connection "
        "is down at once: the outage that actually cuts traffic. Its cause is the most "
        "specific error logged by the tunnel at, or at most "
        f"{format_span(p.cause_lookback)} before, the moment it went down "
        "(configuration mismatches first, then Phase 1 timeouts, DPD timeouts, deletes by "
        "the customer gateway); 'unexplained' when no error was logged. 'Silent' is how "
        "long the tunnels logged nothing after the record that began the outage; 'last "
        "alive' is the last record before it that showed the customer gateway alive (a "
        "packet or DPD acknowledgement received, a negotiation answered)." + minimum,
        "Availability. All tunnels down is our proxy for 'unavailable': availability = 1 - "
        "connection downtime / observed time, per connection and calendar month, as in the "
        f"AWS Site-to-Site VPN SLA ({sla_text(p.sla)} monthly here). The AWS service-credit "
        "tier is the one that figure would fall in: 10 % below 99.95 %, 25 % below 99.0 %, "
        "100 % below 95.0 %. AWS computes its own figure from its monitoring, not from these "
        "logs; a claim needs AWS Support. Maintenance windows given as exclusions count "
        "neither as downtime nor as observed time. The unobserved column says how much of "
        "each month the logs do not cover.",
        "MTTR means mean time to restore: the mean duration of the connection outages that "
        "ended in the period. MTBF, mean time between failures, is up time / outages.",
        "Flap: a change of a tunnel from up to down. A flapping episode is a run of at least "
        f"{p.min_flaps} flaps within {format_span(p.flap_window)}.",
        "Rekey collision rate: collision incidents (collision messages of one tunnel within "
        f"{format_span(p.incident_gap)} of each other) per child-SA negotiation (one "
        "request id, initiated by either side). Collisions rarely take a tunnel down but "
        "cost renegotiations.",
        "Unknown messages: records that match no rule of the message catalogue, grouped by "
        "template (ids, addresses and numbers replaced). Each catalogue rule says whether "
        "its wording is documented by AWS, observed in a real capture, or inferred.",
        "Times are UTC. Durations in CSV files are in seconds (columns ending in _s); times "
        "are ISO 8601; rates are fractions (0-1).",
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
    lo = None if start is None else to_utc(start, "start")
    hi = None if end is None else to_utc(end, "end")
    if lo is not None and hi is not None and not hi > lo:
        raise OptionError(f"end ({hi}) must be after start ({lo})")
    window = resolve_window(times, lo, hi, align="1D")
    assert window is not None
    lo, hi = window
    if not hi > lo:
        raise OptionError(f"end ({hi}) must be after start ({lo})")
    return lo, hi


def _display(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the frame as people read it (the rules of :mod:`vpnlog_analytics.present`)."""
    return format_table(frame)


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
    exclude: ExcludeLike = None,
    min_duration: DurationLike = None,
    cause_lookback: DurationLike = DEFAULT_CAUSE_LOOKBACK,
    min_flaps: int = DEFAULT_MIN_FLAPS,
    flap_window: DurationLike = DEFAULT_FLAP_WINDOW,
    incident_gap: DurationLike = DEFAULT_INCIDENT_GAP,
    collision_threshold: float = DEFAULT_COLLISION_THRESHOLD,
    stale_after: DurationLike = DEFAULT_STALE_AFTER,
    progress: bool = False,
    metrics: pd.DataFrame | None = None,
    maintenance: pd.DataFrame | None = None,
    margin: DurationLike = DEFAULT_MARGIN,
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
        Folder to write (created; files of the same names are replaced).
    start, end : pandas.Timestamp or str or None
        The reporting window ``[start, end)`` (UTC). None: the whole UTC days the logs
        cover (from midnight before the first record to midnight after the last).
    sla : float, default 0.9995
        Availability target per month (AWS's published 99.95 %).
    title : str, optional
        Page title; default "VPN availability report, <window>".
    exclude : list of (start, end) pairs, pandas.DataFrame or "maintenance", optional
        {params.exclude.desc}
        Or ``"maintenance"``: each connection's windows from ``maintenance`` (the reason of
        each is in the manifest).
    {params.min_duration}
        For availability and the outage tables.
    {params.cause_lookback}
    min_flaps : int, default 3
        Flaps within ``flap_window`` that make a flapping episode.
    flap_window : str or pandas.Timedelta, default "1h"
        Window of a flapping episode [s].
    incident_gap : str or pandas.Timedelta, default "60s"
        Longest gap between collision messages of one incident [s].
    collision_threshold : float, default 0.1
        Collision rate above which the diagnosis reports rekey collisions.
    {params.stale_after}
    progress : bool, default False
        Show a progress bar over the steps.
    metrics : pandas.DataFrame, optional
        The ``AWS/VPN`` metrics (``fetch_metrics``): adds the coverage section (logs next
        to metrics per tunnel, logging gaps) and availability from both sources.
    maintenance : pandas.DataFrame, optional
        Maintenance events (``fetch_maintenance``, ``read_health_events``): outages get
        their ``context`` (AWS maintenance / customer change) and the windows are listed.
    {params.margin}

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
    sla = check_fraction("sla", sla, inclusive=False)
    params = Parameters(
        sla=sla,
        cause_lookback=to_duration("cause_lookback", cause_lookback),
        min_flaps=check_positive_int("min_flaps", min_flaps),
        flap_window=to_duration("flap_window", flap_window),
        incident_gap=to_duration("incident_gap", incident_gap),
        collision_threshold=float(collision_threshold),
        min_duration=(
            None
            if min_duration is None
            else pd.Timedelta(to_ns_duration("min_duration", min_duration), unit="ns")
        ),
        stale_after=(
            None
            if stale_after is None
            else pd.Timedelta(to_ns_duration("stale_after", stale_after), unit="ns")
        ),
    )
    lo, hi = _window(events, start, end)
    by_maintenance = isinstance(exclude, str) and exclude == "maintenance"
    if by_maintenance and maintenance is None:
        raise OptionError('exclude="maintenance" needs maintenance= (fetch_maintenance())')
    pairs: ExcludeLike = None if by_maintenance else exclude
    ex_start, ex_end = resolve_exclude(pairs)
    out = Path(out_dir)
    charts_dir = out / "charts"
    try:
        charts_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise VpnLogError(f"{out}: cannot create the report folder ({exc.strerror})") from exc
    generated = dt.datetime.now(dt.UTC).replace(microsecond=0)
    step = _steps(progress, 6)
    days = (hi - lo) / pd.Timedelta("1D")
    freq = "1D" if days <= 62 else "7D"

    # --- analyses: one context, the state intervals built once -----------------------
    ctx = prepare(
        events,
        start=lo,
        end=hi,
        cause_lookback=params.cause_lookback,
        stale_after=stale_after,
    )
    beyond = beyond_logs(
        ctx,
        metrics=metrics,
        maintenance=maintenance,
        margin=margin,
        stale_after=stale_after,
        sla=sla,
        exclude=exclude,
        min_duration=params.min_duration,
    )
    cut: dict[str, Any] = {"exclude": pairs, "min_duration": params.min_duration}
    avail = availability(
        ctx, freq="MS", sla=sla, **{**cut, "exclude": exclude}, maintenance=beyond.windows
    )
    conn_out = outages(ctx, level=s.LEVEL_CONNECTION, **cut, maintenance=beyond.windows)
    tun_out = outages(ctx, level=s.LEVEL_TUNNEL, **cut, maintenance=beyond.windows)
    flap_list = flaps(ctx)
    episodes = flapping_episodes(ctx, min_flaps=params.min_flaps, flap_window=params.flap_window)
    freq_hourly = flap_frequency(ctx, freq="1h")
    rekey = rekey_stats(ctx, freq=freq, incident_gap=params.incident_gap)
    findings = diagnose(
        ctx,
        collision_threshold=params.collision_threshold,
        min_flaps=params.min_flaps,
        flap_window=params.flap_window,
        incident_gap=params.incident_gap,
    )
    per_tunnel = summary(ctx, incident_gap=params.incident_gap)
    unknown = unknown_messages(events, start=lo, end=hi)
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
        "unknown_messages": unknown,
        **beyond.tables,
    }
    has_bgp = bool((events[s.LOG_TYPE] == "bgp").any())
    if has_bgp:
        tables["bgp_outages"] = bgp_outages(ctx)
        tables["route_events"] = route_events(ctx, start=lo, end=hi)
        tables["routes"] = routes(ctx, at=hi - pd.Timedelta(1, "ns"))
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

    chart("timeline", lambda: plot_timeline(ctx))
    incidents = conn_out.sort_values(s.DURATION, ascending=False).head(MAX_INCIDENT_CHARTS)
    incident_charts: list[Chart] = []
    for k, row in enumerate(incidents.itertuples(index=False), start=1):
        conn = str(getattr(row, s.VPN_CONNECTION_ID))
        a, b = max(row.start - INCIDENT_MARGIN, lo), min(row.end + INCIDENT_MARGIN, hi)
        chart(f"incident_{k}", partial(_incident, ctx, a, b, conn))
        heard = (
            f"; gateway last heard {row.last_alive:%H:%M:%S}" if not pd.isna(row.last_alive) else ""
        )
        incident_charts.append(
            Chart(
                f"incident_{k}",
                f"Connection outage {k}: {conn} down from {row.start:%Y-%m-%d %H:%M:%S} UTC "
                f"for {format_duration(row.duration)} ({cause_label(row.cause)}{heard}; "
                f"nothing logged for {format_duration(row.silent) or '0 s'} of it); each "
                "lane is a tunnel or the connection, markers are logged errors and warnings.",
            )
        )
    chart("availability", lambda: plot_availability(avail, sla=sla))
    chart(
        "outage_durations",
        lambda: plot_outage_durations(tun_out, sla=sla, budget_period=month),
    )
    chart("flaps_per_day", lambda: plot_flap_heatmap(freq_hourly, by="day"))
    chart(
        "rekey_collisions",
        lambda: plot_rekey_collisions(rekey, collision_threshold=params.collision_threshold),
    )
    chart("event_counts", lambda: plot_event_counts(ctx, freq=freq))
    if beyond.reconciled is not None:
        reconciled = beyond.reconciled
        chart("coverage", lambda: plot_coverage(reconciled))
    if has_bgp:
        changes = route_events(ctx)
        chart("route_counts", lambda: plot_route_counts(changes, start=lo, end=hi))
    step("charts")

    # --- sections ---------------------------------------------------------------------
    sections = _sections(events, tables, params, ex_start, ex_end, incident_charts, freq)
    add_beyond(sections, beyond, _display, stale_after, avail.attrs.get("excluded", []))
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

    manifest = _manifest(events, out, generated, lo, hi, params, title, pairs)
    if by_maintenance:
        manifest["parameters"]["exclude"] = "maintenance"
    manifest.update(
        manifest_entries(beyond, metrics, avail.attrs.get("excluded", []), margin, stale_after)
    )
    manifest_path = out / "manifest.json"
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    step("manifest")
    log.info("report written to %s", index)
    return Report(out, index, markdown, manifest_path, tables, written, manifest)


def _sections(
    events: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    params: Parameters,
    ex_start: Any,
    ex_end: Any,
    incident_charts: list[Chart],
    freq: str,
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
    target = sla_text(params.sla)
    missed = avail[avail[s.SLA_MET].fillna(True) == False]  # noqa: E712
    overview = Section("overview", "At a glance")
    overview.items = [
        f"Connection outages (all tunnels down at once): {len(conn_out)}, "
        f"{format_duration(conn_out[s.DURATION].sum()) or '0 s'} in total.",
        f"Months below the {target} SLA: {len(missed)} of "
        f"{len(avail.dropna(subset=[s.AVAILABILITY]))} "
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
        f"down at once. SLA target {target}; the credit column is the AWS service-credit "
        "tier the figure would fall in (percent of the monthly charge). MTTR = mean time to "
        "restore."
    ]
    shown = avail.copy()
    shown[s.PERIOD] = shown[s.PERIOD].dt.strftime("%Y-%m")
    sec_avail.tables = [
        Table(
            "availability-table",
            "Availability per connection and month",
            _display(shown),
            "availability.csv",
        )
    ]
    sec_avail.charts = [
        Chart("availability", f"Availability per connection against the {target} SLA line.")
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

    sec_bgp = _bgp_section(tables, findings)

    sec_flaps = Section("flaps", "Flaps")
    sec_flaps.paragraphs = [
        "A flap is a tunnel going from up to down; a flapping episode is at least "
        f"{params.min_flaps} flaps within {format_span(params.flap_window)}."
    ]
    counts = per_tunnel[[*s.TUNNEL_KEYS, s.FLAPS, s.OUTAGES, s.DOWN_TIME, s.LONGEST_OUTAGE]]
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
        "negotiations over the period; above "
        f"{params.collision_threshold * 100:g} % the diagnosis flags it."
    ]
    rk = per_tunnel[[*s.TUNNEL_KEYS, s.NEGOTIATIONS, s.COLLISIONS, s.COLLISION_RATE]]
    sec_rekey.charts = [
        Chart("rekey_collisions", f"Rekey collision rate per tunnel and period ({freq}).")
    ]
    sec_rekey.tables = [
        Table(
            "rekey-rates",
            "Rekey collision rate per tunnel over the period",
            _display(rk),
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
            s.FINDING,
            s.COUNT,
            s.FIRST_SEEN,
            s.LAST_SEEN,
            s.EVIDENCE,
            s.REMEDIATION,
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
        s.FIRST_SEEN,
        s.LAST_SEEN,
        s.RECORDS,
        s.ERRORS,
        s.WARNINGS,
        s.UP_TIME,
        s.DOWN_TIME,
        s.UNKNOWN_TIME,
        s.UP_SHARE,
    ]
    sec_tunnels.tables = [
        Table(
            "tunnel-summary",
            "Per-tunnel summary",
            _display(per_tunnel[cols]),
            "tunnels.csv",
            note="up share = up / (up + down) time; unknown time is before a tunnel's "
            "first record or after an up state's silence longer than "
            + (format_span(params.stale_after) if params.stale_after is not None else "ever")
            + ".",
        )
    ]

    unknown = tables["unknown_messages"]
    sec_unknown = Section("unknown", "Messages the catalogue does not know")
    share = float(unknown[s.SHARE].sum()) if len(unknown) else 0.0
    sec_unknown.paragraphs = [
        (
            f"{int(unknown[s.COUNT].sum()):,} record(s), {share:.2%} of all, in "
            f"{len(unknown)} template(s) match no catalogue rule: they count in no figure "
            "above. The most frequent first; please report new messages with their example "
            "(`vpnlog unknown` lists them all)."
        )
        if len(unknown)
        else "Every record matches a rule of the message catalogue."
    ]
    if len(unknown):
        sec_unknown.tables = [
            Table(
                "unknown-messages",
                "Unknown message templates",
                _display(unknown.head(MAX_UNKNOWN)),
                "unknown_messages.csv",
                note=(
                    f"Top {MAX_UNKNOWN} of {len(unknown)}; the CSV has them all."
                    if len(unknown) > MAX_UNKNOWN
                    else ""
                ),
            )
        ]

    sec_method = Section("method", "Method and definitions")
    sec_method.paragraphs = method_text(params)

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
        *([sec_bgp] if sec_bgp is not None else []),
        sec_flaps,
        sec_rekey,
        sec_diag,
        sec_tunnels,
        sec_unknown,
        sec_method,
        sec_inputs,
    ]


def _bgp_section(tables: dict[str, pd.DataFrame], findings: pd.DataFrame) -> Section | None:
    """Return the BGP section: outages, findings, routes held, route changes; None without BGP."""
    if "bgp_outages" not in tables:
        return None
    bgp_out, changes, held = tables["bgp_outages"], tables["route_events"], tables["routes"]
    avail = tables["availability"]
    rules = avail.groupby(s.VPN_CONNECTION_ID, observed=True)[s.ROUTING].first()
    routed = sorted(str(c) for c, r in rules.items() if str(r) != "ipsec")
    bgp_only = bgp_out[bgp_out[s.IPSEC_UP_TIME] == bgp_out[s.DURATION]]
    sec = Section("bgp", "BGP sessions and routes")
    sec.paragraphs = [
        "For tunnels with BGP logs. A tunnel carries traffic while its IPsec is up and its "
        "BGP session is established (reachability): connection outages and availability above "
        "count a tunnel whose session is down as down, and the availability table says which "
        "rule each connection used (ipsec+bgp: "
        + (", ".join(routed) if routed else "none")
        + "; the others by IPsec alone). Missing BGP records never count as down. The BGP "
        "log records changes only: a session state holds until the next record, and ends "
        "when the tunnel's IPsec goes down. Routes are rebuilt from RouteStatus records, "
        "taken to describe routes AWS received from the customer gateway (the AWS page does "
        "not document the direction): advertised and updated add or replace, withdrawn "
        "removes, denied never counts, and a session that goes down loses its routes.",
        f"BGP outages: {len(bgp_out)}, of which {len(bgp_only)} with IPsec up throughout "
        f"({format_duration(bgp_only[s.DURATION].sum()) or '0 s'}): the tunnel looked healthy "
        "while it carried no routes.",
    ]
    bgp_findings = findings[findings[s.RULE].astype(str).str.startswith("bgp_")]
    diag = bgp_findings[[s.SEVERITY, s.VPN_CONNECTION_ID, s.TUNNEL_IP, s.FINDING, s.REMEDIATION]]
    sec.tables = [
        _capped(
            Table(
                "bgp-outages",
                "BGP outages (session not established)",
                _display(bgp_out),
                "bgp_outages.csv",
            )
        ),
        _capped(Table("bgp-findings", "BGP findings", _display(diag), "diagnosis.csv")),
        _capped(
            Table(
                "routes-held", "Routes held at the end of the period", _display(held), "routes.csv"
            )
        ),
        _capped(Table("route-changes", "Route changes", _display(changes), "route_events.csv")),
    ]
    sec.charts = [
        Chart(
            "route_counts",
            "Routes held from the customer gateway per tunnel over the period; drops are "
            "withdrawals or sessions going down, unequal lines are prefixes on one tunnel only.",
        )
    ]
    return sec


def _incident(ctx: Context, a: pd.Timestamp, b: pd.Timestamp, conn: str) -> Any:
    return plot_timeline(ctx, start=a, end=b, vpn_connection_ids=conn, max_annotations=6)


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
    params: Parameters,
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
            "sla": params.sla,
            "title": title,
            "exclude": [
                [
                    pd.Timestamp(a, unit="ns", tz="UTC").isoformat(),
                    pd.Timestamp(b, unit="ns", tz="UTC").isoformat(),
                ]
                for a, b in zip(ex_start, ex_end, strict=True)
            ],
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
            "stale_after_s": (
                None if params.stale_after is None else params.stale_after.total_seconds()
            ),
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
