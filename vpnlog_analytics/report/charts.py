"""The report's charts, each declared once: file name, section, caption, how it is drawn.

:data:`CHARTS` is read both where the charts are drawn (:func:`draw_charts`) and where the
page shows them (the section named by each spec), so a chart's name is typed once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pandas as pd

from .. import schema as s
from ..analysis import rekey_intervals, route_events
from ..plotting import (
    plot_availability,
    plot_coverage,
    plot_event_counts,
    plot_flap_heatmap,
    plot_outage_durations,
    plot_rekey_collisions,
    plot_rekey_intervals,
    plot_route_counts,
    plot_timeline,
    save_chart,
)
from ..plotting.gateway import note_text
from ..present import cause_label, format_duration, sla_text
from .analyses import Analyses
from .render import Chart

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["CHARTS", "ChartSpec", "Drawn", "draw_charts"]

#: Connection outages that get their own zoomed timeline (the longest first).
MAX_INCIDENT_CHARTS: Final = 3
INCIDENT_MARGIN: Final = pd.Timedelta("20min")
CHART_DPI: Final = 150

#: The fields of one drawing of a spec (one per incident; none for the other charts).
Fields = Mapping[str, Any]


def _once(_: Analyses) -> list[dict[str, Any]]:
    return [{}]


@dataclass(frozen=True)
class ChartSpec:
    """One chart of the report.

    Attributes
    ----------
    name : str
        File stem under ``charts/`` (PNG and SVG); ``{k}`` for a chart drawn per item.
    section : str
        Id of the section that shows it.
    caption : str
        The sentence under it (and its alt text): a format string over ``{target}`` (the
        SLA), ``{freq}`` (the period of per-period charts) and the fields of ``each``.
    draw : callable
        ``draw(analyses, fields) -> Axes``.
    each : callable
        ``each(analyses)``: the fields of every drawing; ``[{}]`` for one, ``[]`` for none.
    """

    name: str
    section: str
    caption: str
    draw: Callable[[Analyses, Fields], Axes]
    each: Callable[[Analyses], list[dict[str, Any]]] = _once


def _incidents(made: Analyses) -> list[dict[str, Any]]:
    """Return the fields of each of the longest connection outages' zoomed timelines."""
    conn_out = made.tables["outages_connection"]
    longest = conn_out.sort_values(s.DURATION, ascending=False).head(MAX_INCIDENT_CHARTS)
    found = []
    for k, row in enumerate(longest.itertuples(index=False), start=1):
        heard = (
            f"; gateway last heard {row.last_alive:%H:%M:%S}" if not pd.isna(row.last_alive) else ""
        )
        found.append(
            {
                "k": k,
                "conn": str(getattr(row, s.VPN_CONNECTION_ID)),
                "start": max(row.start - INCIDENT_MARGIN, made.lo),
                "end": min(row.end + INCIDENT_MARGIN, made.hi),
                "down": row.start,
                "lasted": format_duration(row.duration),
                "cause": cause_label(row.cause),
                "heard": heard,
                "silent": format_duration(row.silent) or "0 s",
            }
        )
    return found


def _incident(made: Analyses, f: Fields) -> Axes:
    return plot_timeline(
        made.ctx, start=f["start"], end=f["end"], vpn_connection_ids=f["conn"], max_annotations=6
    )


def _outage_durations(made: Analyses, _: Fields) -> Axes:
    # Tunnel outages: the SLA's downtime budget is the connection's, so no budget line.
    return plot_outage_durations(made.tables["outages_tunnel"], sla=None)


def _rekey_collisions(made: Analyses, _: Fields) -> Axes:
    threshold = made.params.collision_threshold
    return plot_rekey_collisions(made.tables["rekey_collisions"], collision_threshold=threshold)


def _coverage(made: Analyses, _: Fields) -> Axes:
    assert made.beyond.reconciled is not None
    return plot_coverage(made.beyond.reconciled)


def _route_counts(made: Analyses, _: Fields) -> Axes:
    return plot_route_counts(route_events(made.ctx), start=made.lo, end=made.hi)


def _rekey_intervals(made: Analyses, _: Fields) -> Axes:
    # The rekeys the drift and the diagnosis used (built once by the analyses step).
    table = made.rekeys
    if table is None:
        table = rekey_intervals(made.ctx.events, start=made.lo, end=made.hi)
    return plot_rekey_intervals(table, made.options)


def _worst_gateway_outage(made: Analyses) -> list[dict[str, Any]]:
    """Return the fields of the gateway chart: the longest outage the gateway's log saw."""
    if made.gateway is None:
        return []
    table = made.tables["gateway_outages"]
    table = table[table[s.ENDED_BY].astype(str) != "unknown"]
    if table.empty:
        table = made.tables["gateway_outages"]
    if table.empty:
        return []
    row = table.loc[table[s.DURATION].idxmax()]
    margin = min(max(row[s.DURATION] / 2, pd.Timedelta("3min")), INCIDENT_MARGIN)
    return [
        {
            "conn": str(row[s.VPN_CONNECTION_ID]),
            "ip": str(row[s.TUNNEL_IP]),
            "start": max(row[s.START] - margin, made.lo),
            "end": min(row[s.START] + row[s.DURATION] + margin, made.hi),
            "down": row[s.START],
            "lasted": format_duration(row[s.DURATION]),
            "who": note_text(row),
        }
    ]


def _gateway_timeline(made: Analyses, f: Fields) -> Axes:
    skew = made.tables["gateway_clock_skew"]
    return plot_timeline(
        made.ctx,
        start=f["start"],
        end=f["end"],
        vpn_connection_ids=f["conn"],
        max_annotations=6,
        gateway=made.gateway,
        skew=skew,
    )


def _with_options(made: Analyses) -> list[dict[str, Any]]:
    return [{}] if made.options is not None else []


def _with_metrics(made: Analyses) -> list[dict[str, Any]]:
    return [{}] if made.beyond.reconciled is not None else []


def _with_bgp(made: Analyses) -> list[dict[str, Any]]:
    return [{}] if made.has_bgp else []


#: Every chart of the report, in drawing order (a section shows its charts in this order).
CHARTS: Final = (
    ChartSpec(
        "timeline",
        "overview",
        "Every connection and tunnel over the period: up (blue), down (vermillion), "
        "connection degraded (yellow), unknown (grey); markers are logged errors and "
        "warnings; the longest outages are labelled with cause and duration.",
        lambda made, _: plot_timeline(made.ctx),
    ),
    ChartSpec(
        "incident_{k}",
        "outages",
        "Connection outage {k}: {conn} down from {down:%Y-%m-%d %H:%M:%S} UTC for {lasted} "
        "({cause}{heard}; nothing logged for {silent} of it); each lane is a tunnel or the "
        "connection, markers are logged errors and warnings.",
        _incident,
        _incidents,
    ),
    ChartSpec(
        "gateway_timeline",
        "gateway",
        "The worst outage the gateway's log saw: tunnel {ip} down from "
        "{down:%Y-%m-%d %H:%M:%S} UTC for {lasted}; {who}. Under each AWS tunnel lane, "
        "the gateway's own log on AWS's clock (the lane names the clock correction).",
        _gateway_timeline,
        _worst_gateway_outage,
    ),
    ChartSpec(
        "availability",
        "availability",
        "Availability per connection against the {target} SLA line.",
        lambda made, _: plot_availability(made.tables["availability"], sla=made.params.sla),
    ),
    ChartSpec(
        "outage_durations",
        "outages",
        "How long tunnel outages lasted, by cause, on a log scale (the SLA's downtime "
        "budget is for connection outages, listed above).",
        _outage_durations,
    ),
    ChartSpec(
        "flaps_per_day",
        "flaps",
        "Flaps per tunnel and day (UTC); empty cells had none.",
        lambda made, _: plot_flap_heatmap(made.flap_frequency, by="day"),
    ),
    ChartSpec(
        "rekey_collisions",
        "rekey",
        "Rekey collision rate per tunnel and period ({freq}).",
        _rekey_collisions,
    ),
    ChartSpec(
        "event_counts",
        "diagnosis",
        "Error and warning records logged per period ({freq}), by kind.",
        lambda made, _: plot_event_counts(made.ctx, freq=made.freq),
    ),
    ChartSpec(
        "rekey_intervals",
        "configuration",
        "Every child-SA rekey per tunnel: minutes since the SA it replaced, by who started "
        "it; the grey band is when AWS rekeys by the tunnel's options, the tick its "
        "lifetime. Gateway rekeys left of the band: its lifetime is shorter; AWS alone: "
        "the gateway's is longer.",
        _rekey_intervals,
        _with_options,
    ),
    ChartSpec(
        "coverage",
        "coverage",
        "Per tunnel and metric point: logs and metrics agree (blue), disagree "
        "(vermillion), metrics only (orange: a logging gap); hatched where the tunnel was "
        "up without traffic.",
        _coverage,
        _with_metrics,
    ),
    ChartSpec(
        "route_counts",
        "bgp",
        "Routes held from the customer gateway per tunnel over the period; drops are "
        "withdrawals or sessions going down, unequal lines are prefixes on one tunnel only.",
        _route_counts,
        _with_bgp,
    ),
)


@dataclass
class Drawn:
    """The charts written: their files, and the charts each section shows (by section id)."""

    files: list[Path]
    by_section: dict[str, list[Chart]]


def draw_charts(made: Analyses, charts_dir: Path) -> Drawn:
    """Draw every chart of :data:`CHARTS` the analyses call for, as PNG and SVG files."""
    drawn = Drawn([], {})
    report_fields = {"target": sla_text(made.params.sla), "freq": made.freq}
    for spec in CHARTS:
        for fields in spec.each(made):
            name = spec.name.format(**fields)
            ax = spec.draw(made, fields)
            for ext in ("png", "svg"):
                drawn.files.append(save_chart(ax, charts_dir / f"{name}.{ext}", dpi=CHART_DPI))
            chart = Chart(name, spec.caption.format(**report_fields, **fields))
            drawn.by_section.setdefault(spec.section, []).append(chart)
    return drawn
