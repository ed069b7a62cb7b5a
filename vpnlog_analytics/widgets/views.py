"""What each tab of the explorer shows for a selection: a chart, its tables, one note.

Every number comes from :mod:`vpnlog_analytics.analysis` (on the selection's prepared
contexts, so the state intervals of a pick are built once), every chart from
:mod:`vpnlog_analytics.plotting`; this module only chooses and words them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, cast

import numpy as np
import pandas as pd

from .. import schema as s
from ..analysis import (
    Context,
    StaleLike,
    bgp_outages,
    clock_skew,
    diagnose,
    flap_frequency,
    flapping_episodes,
    flaps,
    logging_gaps,
    option_drift,
    outages,
    reconcile,
    reconcile_summary,
    rekey_intervals,
    route_events,
    routes,
    summary,
    two_sided_outages,
)
from ..analysis import rekey_stats as _rekey_stats
from ..analysis.configuration import VERDICT
from ..errors import OptionError
from ..options import DEFAULT_FLAP_WINDOW, DEFAULT_MIN_FLAPS, DEFAULT_STALE_AFTER
from ..plotting import (
    plot_coverage,
    plot_event_counts,
    plot_flap_heatmap,
    plot_outage_durations,
    plot_rekey_collisions,
    plot_rekey_intervals,
    plot_route_counts,
    plot_timeline,
)
from ..plotting.gateway import note_text, skew_sentence
from ..present import format_duration, format_span
from .markers import draw_event_markers, highlight_tunnel

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "ALL",
    "COVERAGE_TAB",
    "GATEWAY_TAB",
    "OPTIONS_HINT",
    "TABS",
    "VIEWS",
    "GatewaySide",
    "Selection",
    "View",
]

#: The explorer's tabs: key -> title.
TABS: Final = {
    "timeline": "Timeline",
    "outages": "Outages",
    "bgp": "BGP",
    "flaps": "Flaps",
    "rekey": "Rekey collisions",
    "diagnosis": "Diagnosis",
    "events": "Events",
    "configuration": "Configuration",
}
#: The tab the explorer adds when it is given metrics.
COVERAGE_TAB: Final = {"coverage": "Coverage"}
#: The tab the explorer adds when it is given the customer gateway's log.
GATEWAY_TAB: Final = {"gateway": "Gateway"}
#: The picker value that selects every connection or tunnel.
ALL: Final = "(all)"
#: What the Configuration tab says when the explorer was given no tunnel options.
OPTIONS_HINT: Final = (
    "No tunnel options given: "
    'explore(events, options=read_tunnel_options("describe-vpn-connections.json")), '
    "the output of aws ec2 describe-vpn-connections --output json saved to a file"
)
#: Rules of :func:`~vpnlog_analytics.analysis.diagnose` that compare the options with the logs.
_OPTION_RULES: Final = "options_"
#: Columns of the per-tunnel table under the timeline.
_TUNNEL_COLUMNS: Final = (
    s.VPN_CONNECTION_ID,
    s.TUNNEL_IP,
    s.RECORDS,
    s.ERRORS,
    s.WARNINGS,
    s.UP_SHARE,
    s.DOWN_TIME,
    s.UNKNOWN_TIME,
    s.FLAPS,
    s.OUTAGES,
    s.LONGEST_OUTAGE,
    s.COLLISION_RATE,
)


@dataclass
class View:
    """What one tab shows for the current selection: a chart and its tables.

    Attributes
    ----------
    figure : matplotlib.figure.Figure or None
        The chart (None when there was nothing to draw).
    tables : dict of str to pandas.DataFrame
        The tables under the chart, by name (the CSV file names of an export).
    note : str
        One line above the chart (figures, or why there is nothing to show).
    """

    figure: Figure | None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class GatewaySide:
    """The customer gateway's log and what the explorer shows of it, computed once.

    Attributes
    ----------
    table : pandas.DataFrame
        The gateway's table given (``read_gateway_logs``), times as logged.
    skew : pandas.DataFrame
        Each device's clock skew (:func:`~vpnlog_analytics.analysis.clock_skew`), the
        correction of the timeline's gateway lanes and of ``outages``.
    outages : pandas.DataFrame
        :func:`~vpnlog_analytics.analysis.two_sided_outages` of the whole table.
    """

    table: pd.DataFrame
    skew: pd.DataFrame
    outages: pd.DataFrame

    @classmethod
    def of(cls, events: pd.DataFrame, gateway: pd.DataFrame) -> GatewaySide:
        """Estimate the skew and who ended each outage, once for the explorer."""
        if not isinstance(gateway, pd.DataFrame) or s.DEVICE not in gateway.columns:
            raise OptionError("gateway= takes the table of read_gateway_logs()")
        skew = clock_skew(events, gateway)
        return cls(gateway, skew, two_sided_outages(events, gateway, skew=skew))


@dataclass(frozen=True)
class Selection:
    """What the controls pick: the rows (as prepared contexts of the window) and options.

    ``tunnel`` holds the rows of the picked tunnel (else connection, else all);
    ``connection`` those of the picked connection with every tunnel, for the results
    that need all tunnels of a connection (its timeline lane, connection outages).
    """

    tunnel: Context
    connection: Context
    conn: str
    ip: str
    kinds: tuple[str, ...]
    level: str
    scope: str
    metrics: pd.DataFrame | None = None
    stale_after: StaleLike = DEFAULT_STALE_AFTER
    options: pd.DataFrame | None = None
    gateway: GatewaySide | None = None

    @property
    def start(self) -> pd.Timestamp:
        """Start of the window (UTC)."""
        return self.tunnel.start

    @property
    def end(self) -> pd.Timestamp:
        """End of the window (UTC)."""
        return self.tunnel.end

    @property
    def freq(self) -> str:
        """Period of the per-period charts: days over more than two days, else hours."""
        return "1D" if (self.end - self.start) > pd.Timedelta("2D") else "1h"


def _of_pick(table: pd.DataFrame, sel: Selection, *, tunnel: bool = True) -> pd.DataFrame:
    """Return the rows of a per-tunnel table (metrics, options) of the picked tunnels.

    ``tunnel=False``: of every tunnel of the picked connection.
    """
    keep = np.ones(len(table), dtype=bool)
    if sel.conn != ALL:
        keep &= (table[s.VPN_CONNECTION_ID].astype(str) == sel.conn).to_numpy()
    if tunnel and sel.ip != ALL:
        keep &= (table[s.TUNNEL_IP].astype(str) == sel.ip).to_numpy()
    return table[keep]


def _figure(ax: Axes | None) -> Figure | None:
    """Return the (root) figure an Axes of the plotting functions sits on."""
    return None if ax is None else cast("Figure", ax.figure)


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def _kinds_text(kinds: Sequence[str]) -> str:
    if not kinds:
        return "no event kinds picked"
    if len(kinds) > 4:
        return f"{len(kinds)} kinds"
    return ", ".join(kinds)


def _counts_chart(
    events: pd.DataFrame | Context, sel: Selection, severities: Sequence[str]
) -> Axes | None:
    try:
        return plot_event_counts(
            events, severities=severities, freq=sel.freq, start=sel.start, end=sel.end
        )
    except OptionError:
        return None


def timeline_view(sel: Selection) -> View:
    """Show the connection's lanes with the picked event kinds, and the tunnel summary."""
    gw = sel.gateway
    if gw is None:
        ax = plot_timeline(sel.connection, markers=False)
    else:
        ax = plot_timeline(sel.connection, markers=False, gateway=gw.table, skew=gw.skew)
    shown = draw_event_markers(ax, sel.tunnel.events, sel.kinds, sel.start, sel.end)
    if sel.ip != ALL:
        highlight_tunnel(ax, sel.conn, sel.ip)
    table = summary(sel.tunnel)
    table = table[[c for c in _TUNNEL_COLUMNS if c in table.columns]]
    note = f"{sel.scope}: tunnel states, {shown} event markers ({_kinds_text(sel.kinds)})"
    return View(_figure(ax), {"tunnels": table}, note)


def outages_view(sel: Selection) -> View:
    """Show outages of the picked tunnels, or of whole connections, and their lengths."""
    source = sel.connection if sel.level == s.LEVEL_CONNECTION else sel.tunnel
    table = outages(source, level=sel.level)
    ax = plot_outage_durations(table)
    total = table[s.DURATION].sum() if len(table) else pd.Timedelta(0)
    note = f"{sel.scope}: {len(table)} {sel.level} outages, {format_duration(total) or '0 s'} down"
    return View(_figure(ax), {f"outages_{sel.level}": table}, note)


def bgp_view(sel: Selection) -> View:
    """Show the routes held per tunnel over the window, BGP outages and route changes."""
    if not (sel.tunnel.events[s.LOG_TYPE] == "bgp").any():
        return View(None, {}, f"{sel.scope}: no BGP logs (statically routed, or BGP logging off)")
    changes = route_events(sel.tunnel)
    bgp_out = bgp_outages(sel.tunnel)
    held = routes(sel.tunnel, at=sel.end - pd.Timedelta(1, "ns"))
    shown = changes[(changes[s.TIME] >= sel.start) & (changes[s.TIME] < sel.end)]
    ax = plot_route_counts(changes, start=sel.start, end=sel.end) if len(changes) else None
    ipsec_up = bgp_out[bgp_out[s.IPSEC_UP_TIME] == bgp_out[s.DURATION]]
    unknown = int(held[s.HELD].isna().sum())
    not_known = f" ({unknown} more not known: tunnel silent while up)" if unknown else ""
    note = (
        f"{sel.scope}: {len(bgp_out)} BGP outages ({len(ipsec_up)} with IPsec up throughout), "
        f"{len(held) - unknown} routes held at the end{not_known}, {len(shown)} route changes"
    )
    tables = {
        "bgp_outages": bgp_out,
        "routes": held,
        "route_events": shown.reset_index(drop=True),
    }
    return View(_figure(ax), tables, note)


def flaps_view(sel: Selection) -> View:
    """Show flaps per tunnel and period, the flapping episodes and the flaps."""
    ax = plot_flap_heatmap(flap_frequency(sel.tunnel, freq=sel.freq))
    episodes = flapping_episodes(sel.tunnel)
    flap_list = flaps(sel.tunnel)
    note = (
        f"{sel.scope}: {len(flap_list)} flaps, {len(episodes)} flapping episodes "
        f"({DEFAULT_MIN_FLAPS} or more flaps within {format_span(DEFAULT_FLAP_WINDOW)})"
    )
    return View(_figure(ax), {"flapping_episodes": episodes, "flaps": flap_list}, note)


def rekey_view(sel: Selection) -> View:
    """Show collision rates per tunnel and period, and per tunnel over the window."""
    ax = plot_rekey_collisions(_rekey_stats(sel.tunnel, freq=sel.freq))
    per_tunnel = summary(sel.tunnel)[
        [*s.TUNNEL_KEYS, s.NEGOTIATIONS, s.COLLISIONS, s.COLLISION_RATE]
    ]
    note = (
        f"{sel.scope}: {int(per_tunnel[s.COLLISIONS].sum())} collision incidents in "
        f"{int(per_tunnel[s.NEGOTIATIONS].sum())} child-SA negotiations"
    )
    return View(_figure(ax), {"rekey_collisions": per_tunnel}, note)


def diagnosis_view(sel: Selection) -> View:
    """Show the findings of the tunnel and its connection, errors and warnings per period."""
    options = None if sel.options is None else _of_pick(sel.options, sel, tunnel=False)
    findings = diagnose(sel.connection, options=options)
    if sel.ip != ALL:  # the tunnel's findings and the connection-wide ones
        tunnel = findings[s.TUNNEL_IP].astype("string")
        findings = findings[(tunnel.isna() | (tunnel == sel.ip)).to_numpy()]
        findings = findings.reset_index(drop=True)
    counts = _counts_chart(sel.tunnel, sel, ("error", "warning"))
    by_sev = findings[s.SEVERITY].astype(str).value_counts()
    parts = [f"{by_sev.get(k, 0)} {k}s" for k in s.SEVERITIES]
    note = f"{sel.scope}: {len(findings)} findings ({', '.join(parts)})"
    return View(_figure(counts), {"diagnosis": findings}, note)


def events_view(sel: Selection) -> View:
    """Show the records of the picked event kinds in the window, and their counts."""
    ev = sel.tunnel.events
    t = ev[s.TIME]
    picked = ev[
        ev[s.EVENT].isin(list(sel.kinds)).to_numpy()
        & (t >= sel.start).to_numpy()
        & (t < sel.end).to_numpy()
    ]
    cols = [s.TIME, s.VPN_CONNECTION_ID, s.TUNNEL_IP, s.EVENT, s.SEVERITY, s.DETAILS]
    table = picked[cols].reset_index(drop=True)
    chart = _counts_chart(picked, sel, s.SEVERITIES) if sel.kinds else None
    note = f"{sel.scope}: {len(table)} events of the kinds picked ({_kinds_text(sel.kinds)})"
    return View(_figure(chart), {"events": table}, note)


def coverage_view(sel: Selection) -> View:
    """Show the logs next to the CloudWatch metrics for the picked tunnels, and the gaps."""
    if sel.metrics is None:
        return View(None, {}, "No metrics: explore(events, metrics=fetch_metrics(...))")
    picked = _of_pick(sel.metrics, sel)
    window = {"start": sel.start, "end": sel.end, "stale_after": sel.stale_after}
    rec = reconcile(sel.tunnel.events, picked, **window)
    if rec.empty:
        return View(None, {}, f"{sel.scope}: no metric points in the window")
    gaps = logging_gaps(sel.tunnel.events, picked, **window)
    per_tunnel = reconcile_summary(rec)
    ax = plot_coverage(rec)
    dis = int((rec["status"] == "disagree").sum())
    note = (
        f"{sel.scope}: {len(gaps)} logging gaps "
        f"({format_duration(gaps[s.DURATION].sum()) or '0 s'}), {dis} disagreeing points, "
        f"idle tunnels: {int(per_tunnel['idle'].sum())}"
    )
    return View(_figure(ax), {"reconciliation": per_tunnel, "logging_gaps": gaps}, note)


def configuration_view(sel: Selection) -> View:
    """Show the picked tunnels' configured options against what their logs show.

    The tables: the options a person reads first, every comparison of
    :func:`~vpnlog_analytics.analysis.option_drift` over the window, and the ``options_*``
    findings of :func:`~vpnlog_analytics.analysis.diagnose`; the chart: the rekey
    intervals over the band in which AWS rekeys by each tunnel's options.
    """
    if sel.options is None:
        return View(None, {}, OPTIONS_HINT)
    configured = _of_pick(sel.options, sel).reset_index(drop=True)
    if configured.empty:
        files = ", ".join(sel.options.attrs.get("files") or ["the options table"])
        return View(None, {}, f"{sel.scope}: no tunnel options in {files}")
    window = {"start": sel.start, "end": sel.end}
    # One rekey table for the drift, the findings and the chart (option_drift reads
    # AWS's rekeys at the default stale_after: the chart draws the same).
    rekeys = rekey_intervals(sel.tunnel.events, **window)
    drift = option_drift(configured, sel.tunnel.events, rekeys=rekeys, **window)
    findings = diagnose(sel.tunnel, options=configured, drift=drift, rekeys=rekeys)
    findings = findings[findings[s.RULE].astype(str).str.startswith(_OPTION_RULES).to_numpy()]
    ax = plot_rekey_intervals(rekeys, configured)
    verdicts = drift[VERDICT].value_counts(sort=False)
    said = ", ".join(f"{verdict} {n}" for verdict, n in verdicts.items() if n)
    note = (
        f"{sel.scope}: options of {_count(len(configured), 'tunnel')}, "
        f"{_count(len(drift), 'comparison')} with the log ({said or 'none'}), "
        f"{_count(len(findings), 'option finding')}"
    )
    tables = {
        "tunnel_options": configured[list(s.TUNNEL_OPTIONS_SHOWN)],
        "option_drift": drift,
        "option_findings": findings.reset_index(drop=True),
    }
    return View(_figure(ax), tables, note)


def gateway_view(sel: Selection) -> View:
    """Show each device's clock skew and who took the picked tunnels' outages down."""
    gw = sel.gateway
    if gw is None:
        return View(None, {}, "No gateway log: explore(events, gateway=read_gateway_logs(...))")
    table = _of_pick(gw.outages, sel)
    t = table[s.START]
    table = table[((t >= sel.start) & (t < sel.end)).to_numpy()].reset_index(drop=True)
    table.insert(
        table.columns.get_loc(s.ENDED_BY), "who", [note_text(r) for _, r in table.iterrows()]
    )
    clocks = "; ".join(skew_sentence(r) for _, r in gw.skew.iterrows())
    note = (
        f"{sel.scope}: {_count(len(table), 'outage')}; gateway times on AWS's clock. "
        f"{clocks or 'No event both ends logged: no clock could be compared'}"
    )
    return View(None, {"clock_skew": gw.skew, "gateway_outages": table}, note)


#: The view of each tab.
VIEWS: Final[dict[str, Callable[[Selection], View]]] = {
    "timeline": timeline_view,
    "outages": outages_view,
    "bgp": bgp_view,
    "flaps": flaps_view,
    "rekey": rekey_view,
    "diagnosis": diagnosis_view,
    "events": events_view,
    "configuration": configuration_view,
    "coverage": coverage_view,
    "gateway": gateway_view,
}
