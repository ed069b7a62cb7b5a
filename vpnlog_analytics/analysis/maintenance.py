"""Maintenance windows from every source, and outages labelled with their context.

The maintenance events table (``fetch_maintenance``, ``read_health_events``) holds what
each source reports: an AWS tunnel endpoint replacement (the tunnel's last maintenance,
an AWS Health event), or a customer change (CloudTrail). :func:`maintenance_windows`
turns those into time windows per tunnel; :func:`label_outages` gives each outage the
context of the windows it overlaps.

Semantics
---------
- A source's instant (a replacement applied at ``t``, an API call at ``t``) or interval
  becomes the window ``[start - margin, end + margin)``: AWS does not say how long a
  replacement interrupted the tunnel, and a change of tunnel options takes effect a few
  minutes after the call. Overlapping windows of the same tunnel and context merge,
  naming every source, kind and reference.
- A window without ``tunnel_ip`` (a Health event names the connection, a
  ``ModifyVpnConnection`` changes both tunnels) applies to every tunnel of the connection.
- An outage overlapping a ``customer_change`` window is a customer change, else one
  overlapping an ``aws_maintenance`` window is AWS maintenance, else ``none``. A customer
  change wins because AWS sends its tunnel endpoint replacement notification for
  replacements the customer caused too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema as s
from ..options import DEFAULT_MARGIN, shared_doc
from ._columns import DURATION, END, START
from ._window import DurationLike, OptionError, to_ns_duration

__all__ = ["CONTEXT_PRIORITY", "WINDOW_COLUMNS", "label_outages", "maintenance_windows"]

SOURCES = "sources"
KINDS = "kinds"
REFERENCES = "references"
#: Columns of :func:`maintenance_windows`.
WINDOW_COLUMNS = (
    s.VPN_CONNECTION_ID,
    s.TUNNEL_IP,
    START,
    END,
    DURATION,
    s.CONTEXT,
    SOURCES,
    KINDS,
    REFERENCES,
)
#: The context an outage gets when it overlaps windows of several contexts: first wins.
CONTEXT_PRIORITY = (s.CUSTOMER_CHANGE, s.AWS_MAINTENANCE)


def _join(values: pd.Series) -> str:
    return ", ".join(sorted({str(v) for v in values if v is not None and v == v}))


@shared_doc(own={"events": "maintenance events, not the events table"})
def maintenance_windows(
    *events: pd.DataFrame,
    margin: DurationLike = DEFAULT_MARGIN,
) -> pd.DataFrame:
    """Combine maintenance events of any sources into windows per tunnel and context.

    See the module docstring for the semantics. Events with context ``none`` (a
    single-tunnel notice, a redundancy-loss notice) make no window.

    Parameters
    ----------
    *events : pandas.DataFrame
        Maintenance events tables (columns
        :data:`~vpnlog_analytics.schema.MAINTENANCE_COLUMNS`), e.g. from
        ``fetch_maintenance`` and ``read_health_events``; not modified.
    {params.margin}

    Returns
    -------
    pandas.DataFrame
        One row per window, by connection, tunnel (NA: the whole connection) and time:
        ``vpn_connection_id``, ``tunnel_ip``, ``start``, ``end`` (UTC), ``duration``,
        ``context`` (``aws_maintenance``/``customer_change``), ``sources``, ``kinds``,
        ``references`` (comma-separated).

    Examples
    --------
    >>> windows = maintenance_windows(fetch_maintenance(start=a, end=b))  # doctest: +SKIP
    """
    pad = to_ns_duration("margin", margin, allow_none=False)
    assert pad is not None
    for frame in events:
        missing = [c for c in s.MAINTENANCE_COLUMNS if c not in frame.columns]
        if missing:
            raise OptionError(
                f"maintenance events lack column(s) {missing}; expected "
                f"{list(s.MAINTENANCE_COLUMNS)} (as fetch_maintenance returns)"
            )
    parts = [f[list(s.MAINTENANCE_COLUMNS)] for f in events if len(f)]
    if not parts:
        return _empty()
    ev = pd.concat(parts, ignore_index=True)
    ev = ev[ev[s.CONTEXT].isin(CONTEXT_PRIORITY) & ev[s.VPN_CONNECTION_ID].notna()].copy()
    if ev.empty:
        return _empty()
    ev["_a"] = pd.to_datetime(ev["start"], utc=True) - pd.Timedelta(pad, unit="ns")
    ev["_b"] = pd.to_datetime(ev["end"], utc=True) + pd.Timedelta(pad, unit="ns")
    ev["_tunnel"] = ev[s.TUNNEL_IP].astype(object).where(ev[s.TUNNEL_IP].notna(), "")
    ev = ev.sort_values([s.VPN_CONNECTION_ID, "_tunnel", s.CONTEXT, "_a"], kind="stable")
    keys = [s.VPN_CONNECTION_ID, "_tunnel", s.CONTEXT]
    run_end = ev.groupby(keys, sort=False)["_b"].cummax()
    prev_end = run_end.groupby([ev[k] for k in keys], sort=False).shift()
    ev["_run"] = (prev_end.isna() | (ev["_a"] > prev_end)).cumsum()
    rows = []
    for _, g in ev.groupby("_run", sort=True):
        first = g.iloc[0]
        rows.append(
            {
                s.VPN_CONNECTION_ID: first[s.VPN_CONNECTION_ID],
                s.TUNNEL_IP: first["_tunnel"] or None,
                START: g["_a"].min(),
                END: g["_b"].max(),
                s.CONTEXT: first[s.CONTEXT],
                SOURCES: _join(g[s.EVENT_SOURCE]),
                KINDS: _join(g[s.KIND]),
                REFERENCES: _join(g[s.REFERENCE]),
            }
        )
    out = pd.DataFrame(rows)
    for col in (s.VPN_CONNECTION_ID, s.TUNNEL_IP, s.CONTEXT, SOURCES, KINDS, REFERENCES):
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    out.insert(4, DURATION, out[END] - out[START])
    return out.sort_values(
        [s.VPN_CONNECTION_ID, s.TUNNEL_IP, START], ignore_index=True, na_position="first"
    )[list(WINDOW_COLUMNS)]


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in WINDOW_COLUMNS})
    for col in (START, END):
        frame[col] = pd.Series([], dtype="datetime64[ns, UTC]")
    frame[DURATION] = pd.Series([], dtype="timedelta64[ns]")
    return frame


def outage_contexts(outages: pd.DataFrame, windows: pd.DataFrame) -> np.ndarray:
    """Return the context of every outage row (see the module docstring).

    Parameters
    ----------
    outages : pandas.DataFrame
        Rows with ``vpn_connection_id``, ``start``, ``end`` and, for tunnel outages,
        ``tunnel_ip`` (connection outages: any window of the connection counts).
    windows : pandas.DataFrame
        As :func:`maintenance_windows` returns.

    Returns
    -------
    numpy.ndarray
        Object array of ``customer_change``, ``aws_maintenance`` or ``none``.
    """
    out = np.full(len(outages), s.NO_CONTEXT, dtype=object)
    if len(outages) == 0 or len(windows) == 0:
        return out
    tunnel_level = s.TUNNEL_IP in outages.columns
    conn = outages[s.VPN_CONNECTION_ID].astype(str).to_numpy()
    ip = outages[s.TUNNEL_IP].astype(str).to_numpy() if tunnel_level else None
    a = pd.DatetimeIndex(pd.to_datetime(outages[START], utc=True))
    b = pd.DatetimeIndex(pd.to_datetime(outages[END], utc=True))
    for context in reversed(CONTEXT_PRIORITY):  # the first in priority is applied last
        w = windows[windows[s.CONTEXT] == context]
        for r in w.itertuples(index=False):
            row = r._asdict()
            lo, hi = pd.Timestamp(row[START]), pd.Timestamp(row[END])
            hit = (conn == str(row[s.VPN_CONNECTION_ID])) & (a < hi) & (b > lo)
            if ip is not None and not pd.isna(row[s.TUNNEL_IP]):
                hit &= ip == str(row[s.TUNNEL_IP])
            out[hit] = context
    return out


def label_outages(outages: pd.DataFrame, windows: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of an outages table with its ``context`` column.

    Parameters
    ----------
    outages : pandas.DataFrame
        What :func:`outages` returned (tunnel or connection level); not modified.
    windows : pandas.DataFrame
        As :func:`maintenance_windows` returns.

    Returns
    -------
    pandas.DataFrame
        The outages with ``context`` (category: ``aws_maintenance``, ``customer_change``,
        ``none``) after ``cause``.

    Examples
    --------
    >>> label_outages(outages(events), maintenance_windows(events_m))  # doctest: +SKIP
    """
    out = outages.copy()
    out[s.CONTEXT] = pd.Categorical(outage_contexts(outages, windows), categories=list(s.CONTEXTS))
    return out
