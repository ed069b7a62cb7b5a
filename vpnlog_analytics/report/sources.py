"""The report's parts that come from beyond the logs: metrics coverage and maintenance.

With ``metrics`` the report gets a coverage section (the chart of logs next to metrics per
tunnel, the reconciliation per tunnel, the logging gaps) and availability from the logs,
the metrics and both side by side. With ``maintenance`` the outage tables carry the
``context`` of each outage, the maintenance windows are listed, and with
``exclude="maintenance"`` they are excluded from availability, each with its reason in
``manifest.json``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import schema as s
from ..analysis import Context, availability
from ..analysis.maintenance import maintenance_windows
from ..analysis.reconcile import logging_gaps, reconcile, reconcile_summary
from ..present import format_duration, format_stale
from .render import Section, Table

__all__ = ["Beyond", "add_beyond", "beyond_logs", "manifest_entries"]

AVAILABILITY_KEYS = [s.VPN_CONNECTION_ID, "period"]


class Beyond:
    """Tables of the metrics and maintenance parts of one report."""

    def __init__(self) -> None:
        self.windows: pd.DataFrame | None = None
        self.reconciled: pd.DataFrame | None = None
        self.tables: dict[str, pd.DataFrame] = {}

    @property
    def has_metrics(self) -> bool:
        """Whether the report got metrics."""
        return self.reconciled is not None


def beyond_logs(
    ctx: Context,
    *,
    metrics: pd.DataFrame | None,
    maintenance: pd.DataFrame | None,
    margin: Any,
    stale_after: Any,
    sla: float,
    exclude: Any,
    min_duration: Any,
) -> Beyond:
    """Run the analyses of the metrics and maintenance parts over the report's context.

    Parameters
    ----------
    ctx : Context
        The report's prepared context (its window is the report's).
    metrics : pandas.DataFrame or None
        The metrics table.
    maintenance : pandas.DataFrame or None
        Maintenance events (``fetch_maintenance``, ``read_health_events``).
    margin, stale_after : str or pandas.Timedelta
        As for :func:`maintenance_windows` and :func:`reconcile`.
    sla : float
        The availability target.
    exclude : any
        The report's ``exclude`` (pairs, a DataFrame, ``"maintenance"`` or None).
    min_duration : pandas.Timedelta or None
        The report's shortest outage that counts.

    Returns
    -------
    Beyond
    """
    out = Beyond()
    if maintenance is not None:
        out.windows = maintenance_windows(maintenance, margin=margin)
        out.tables["maintenance_windows"] = out.windows
    if metrics is None:
        return out
    window = {"start": ctx.start, "end": ctx.end}
    events = ctx.events
    out.reconciled = reconcile(events, metrics, stale_after=stale_after, **window)
    out.tables["reconciliation"] = reconcile_summary(out.reconciled)
    out.tables["logging_gaps"] = logging_gaps(events, metrics, stale_after=stale_after, **window)
    common: dict[str, Any] = {
        "freq": "MS",
        "sla": sla,
        "exclude": exclude,
        "maintenance": out.windows,
        "min_duration": min_duration,
    }
    per_source = {
        "logs": availability(ctx, **common),
        "metrics": availability(events, source="metrics", metrics=metrics, **window, **common),
        "both": availability(
            events, source="both", metrics=metrics, stale_after=stale_after, **window, **common
        ),
    }
    side = per_source["both"][
        [*AVAILABILITY_KEYS, "observed", "observed_logs", "observed_metrics", "source"]
    ].astype({s.VPN_CONNECTION_ID: str})
    for source, table in per_source.items():
        part = table[[*AVAILABILITY_KEYS, s.AVAILABILITY, s.DOWNTIME]].rename(
            columns={s.AVAILABILITY: f"availability_{source}", s.DOWNTIME: f"downtime_{source}"}
        )
        side = side.merge(part.astype({s.VPN_CONNECTION_ID: str}), on=AVAILABILITY_KEYS, how="left")
    out.tables["availability_sources"] = side
    return out


def add_beyond(
    sections: list[Section],
    beyond: Beyond,
    display: Any,
    stale_after: Any,
    excluded: list[dict[str, str]],
) -> None:
    """Insert the coverage section and the maintenance table, and note the exclusions.

    Parameters
    ----------
    sections : list of Section
        The report's sections (``overview``, ``availability``, ``outages``, ...), changed
        in place.
    beyond : Beyond
        The analyses.
    display : callable
        The report's display formatter.
    stale_after : str or pandas.Timedelta
        Named in the text.
    excluded : list of dict
        ``availability(...).attrs["excluded"]``.
    """
    by_id = {sec.id: sec for sec in sections}
    if beyond.has_metrics:
        at = [sec.id for sec in sections].index("availability") + 1
        sections.insert(at, coverage_section(beyond, display, stale_after))
    table = maintenance_table(beyond, display)
    if table is not None:
        by_id["outages"].tables.append(table)
        by_id["outages"].paragraphs.append(
            "Context: an outage overlapping a customer change (CloudTrail) is a customer "
            "change; else one overlapping AWS maintenance (tunnel endpoint replacement "
            "status, AWS Health events) is AWS maintenance; else none."
        )
    for w in excluded:
        by_id["overview"].items.append(
            f"Excluded from availability: {w['vpn_connection_id']} {w['start']} to {w['end']} "
            f"({w['context'].replace('_', ' ')}: {w['kinds']})."
        )


def coverage_section(beyond: Beyond, display: Any, stale_after: Any) -> Section:
    """Return the section "Coverage: logs and CloudWatch metrics" (its chart is in ``CHARTS``).

    Parameters
    ----------
    beyond : Beyond
        The analyses (with metrics).
    display : callable
        The report's display formatter (frame -> frame for people).
    stale_after : str or pandas.Timedelta
        Named in the text.

    Returns
    -------
    Section
    """
    sec = Section("coverage", "Coverage: logs and CloudWatch metrics")
    rec = beyond.tables["reconciliation"]
    gaps = beyond.tables["logging_gaps"]
    idle = rec[rec["idle"]][s.TUNNEL_IP].astype(str).tolist()
    sec.paragraphs = [
        "The AWS/VPN metrics (TunnelState, TunnelDataIn, TunnelDataOut) exist for every "
        "tunnel whether logging is on or not. Per metric point the logged state is set beside "
        "the metric state: they agree when their up shares differ by at most 5 %. A logging "
        "gap is metric time the logs do not cover: before the first record, or the silence of "
        f"a tunnel that was up when it fell silent, longer than {_span(stale_after)}, from its "
        "last record (a down tunnel's silence is its outage, not a gap). For BGP tunnels "
        "TunnelState follows the "
        "BGP session, so 'metric down, logs up' often means BGP was down while IPsec was up.",
        f"Logging gaps: {len(gaps)}, {format_duration(gaps['duration'].sum()) or '0 s'} in all. "
        f"Idle tunnels (up, no byte in or out): {', '.join(idle) or 'none'}.",
    ]
    shown = rec.drop(columns=["points"])
    sec.tables = [
        Table(
            "reconciliation",
            "Logs next to metrics, per tunnel",
            display(shown),
            "reconciliation.csv",
        ),
        Table("logging-gaps", "Logging gaps", display(gaps), "logging_gaps.csv"),
    ]
    side = beyond.tables["availability_sources"].copy()
    side["period"] = side["period"].dt.strftime("%Y-%m")
    sec.tables.append(
        Table(
            "availability-sources",
            "Availability from the logs, the metrics and both",
            display(side),
            "availability_sources.csv",
            note="'both' takes each stretch from the logs where they know the state and from "
            "the metrics elsewhere; observed logs / metrics say how much came from each.",
        )
    )
    return sec


def _span(value: Any) -> str:
    if value is None:
        return "ever"
    return format_stale(value) if hasattr(value, "default") else format_duration(value)


def maintenance_table(beyond: Beyond, display: Any) -> Table | None:
    """Return the table of maintenance windows for the outages section (None: none given)."""
    if beyond.windows is None:
        return None
    return Table(
        "maintenance-windows",
        "AWS maintenance and customer changes (windows, with the margin)",
        display(beyond.windows),
        "maintenance_windows.csv",
    )


def manifest_entries(
    beyond: Beyond,
    metrics: pd.DataFrame | None,
    excluded: list[dict[str, str]],
    margin: Any,
    stale_after: Any,
) -> dict[str, Any]:
    """Return what the manifest records of the metrics and maintenance parts."""
    entry: dict[str, Any] = {}
    if metrics is not None:
        fetch = metrics.attrs.get("fetch") or {}
        entry["metrics"] = {
            "points": len(metrics),
            "tunnels": int(
                metrics.groupby([s.VPN_CONNECTION_ID, s.TUNNEL_IP], observed=True).ngroups
            ),
            "periods_s": sorted({int(p) for p in metrics[s.METRIC_PERIOD].unique()}),
            "stale_after_s": (
                None
                if stale_after is None
                else pd.Timedelta(getattr(stale_after, "default", stale_after)).total_seconds()
            ),
            "fetch": {k: v for k, v in fetch.items() if k in ("period", "start", "end")},
        }
    if beyond.windows is not None:
        entry["maintenance"] = {
            "margin_s": pd.Timedelta(margin).total_seconds(),
            "windows": len(beyond.windows),
            "excluded_from_availability": [{**w, "reason": _reason(w)} for w in excluded],
        }
    return entry


def _reason(window: dict[str, str]) -> str:
    what = {
        s.AWS_MAINTENANCE: "AWS maintenance",
        s.CUSTOMER_CHANGE: "customer change",
    }.get(window.get("context", ""), window.get("context", ""))
    kinds = window.get("kinds") or "?"
    return f"{what} ({kinds}; source {window.get('sources') or '?'})"
