"""State intervals from metrics (or logs and metrics) in the shape the connection rules take.

Connection outages and availability are computed from per-tunnel state intervals
(:class:`._timeline.Intervals`) and the tunnels' connections (:class:`._timeline.Tunnels`).
This module builds both from a states table (:func:`.sources.metric_states` /
:func:`.sources.combined_states`, which say where each state came from in the column
declared here) so the same rules apply whatever the source, and builds per-connection
exclusion windows from :func:`.maintenance.maintenance_windows`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import schema as s
from ._columns import END, START, STATE, STATE_VALUES
from ._context import Context
from ._intervals import INF, NEG_INF, intersect, subtract, union
from ._timeline import DOWN, UNKNOWN, Intervals, Tunnels
from ._window import OptionError

__all__ = [
    "LOGS",
    "METRICS",
    "SOURCE",
    "SOURCE_VALUES",
    "Sourced",
    "exclusions_by_connection",
    "intersect_by_connection",
    "sourced",
    "subtract_by_connection",
]

_I64 = np.int64

#: The column that says where a state came from, and its values.
SOURCE = "source"
LOGS = "logs"
METRICS = "metrics"
SOURCE_VALUES = (LOGS, METRICS)


@dataclass(frozen=True)
class _Rows:
    """The one part of :class:`._timeline.Rows` the connection rules read."""

    tunnels: Tunnels


@dataclass(frozen=True)
class Sourced:
    """Intervals and tunnels of a states table, plus where the metrics supplied the state.

    ``ctx`` quacks like :class:`._context.Context` for the connection rules (``rows.tunnels``,
    ``intervals``, ``window``); ``metric_conn``/``metric_start``/``metric_end`` are the
    known-state intervals that came from the metrics, by connection.
    """

    ctx: Any
    metric_conn: np.ndarray
    metric_start: np.ndarray
    metric_end: np.ndarray


def sourced(states: pd.DataFrame, window: tuple[int, int]) -> Sourced:
    """Build :class:`Sourced` from a :func:`metric_states` / :func:`combined_states` table.

    Parameters
    ----------
    states : pandas.DataFrame
        ``vpn_connection_id``, ``tunnel_ip``, ``state``, ``start``, ``end`` and, optionally,
        ``source``; every tunnel's intervals cover the window.
    window : tuple of int
        The window [ns].

    Returns
    -------
    Sourced
    """
    frame = states.assign(
        **{
            s.VPN_CONNECTION_ID: states[s.VPN_CONNECTION_ID].astype(str),
            s.TUNNEL_IP: states[s.TUNNEL_IP].astype(str),
        }
    ).sort_values([s.VPN_CONNECTION_ID, s.TUNNEL_IP, START], kind="stable")
    conn_names = pd.Index(sorted(frame[s.VPN_CONNECTION_ID].unique()))
    ip_names = pd.Index(sorted(frame[s.TUNNEL_IP].unique()))
    keys = frame[[s.VPN_CONNECTION_ID, s.TUNNEL_IP]].drop_duplicates()
    t_conn = conn_names.get_indexer(keys[s.VPN_CONNECTION_ID]).astype(_I64)
    t_ip = ip_names.get_indexer(keys[s.TUNNEL_IP]).astype(_I64)
    tunnels = Tunnels(conn=t_conn, ip=t_ip, conn_names=conn_names, ip_names=ip_names)
    tid_of = {(c, i): k for k, (c, i) in enumerate(keys.itertuples(index=False, name=None))}
    tid = np.fromiter(
        (
            tid_of[(c, i)]
            for c, i in zip(frame[s.VPN_CONNECTION_ID], frame[s.TUNNEL_IP], strict=True)
        ),
        dtype=_I64,
        count=len(frame),
    )
    state = np.asarray([STATE_VALUES.index(str(v)) for v in frame[STATE]], dtype=np.int8).reshape(
        -1
    )
    start = frame[START].dt.as_unit("ns").array.asi8.astype(_I64)
    end = frame[END].dt.as_unit("ns").array.asi8.astype(_I64)
    lo, hi = window
    # Without logs there is no true start or cause: intervals are what the window shows.
    true_start = np.where((state == UNKNOWN) & (start <= lo), NEG_INF, start)
    true_end = np.where(end >= hi, INF, end)
    cause = np.where(state == DOWN, -1, -2).astype(_I64)
    iv = Intervals(tid, state, start, end, true_start, true_end, true_end > hi, cause)
    # The intervals are known already: the context keeps them (nothing to recompute).
    ctx = Context(_Rows(tunnels), window, 0, intervals=iv)  # type: ignore[arg-type]
    if SOURCE in frame.columns:
        m = (frame[SOURCE].astype(object) == METRICS).to_numpy() & (state != UNKNOWN)
    else:
        m = state != UNKNOWN
    return Sourced(ctx, tunnels.conn[tid[m]], start[m], end[m])


def exclusions_by_connection(
    windows: pd.DataFrame | None, conn_names: pd.Index
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Merge maintenance windows per connection (any tunnel's window counts for it).

    Parameters
    ----------
    windows : pandas.DataFrame or None
        As :func:`maintenance_windows` returns.
    conn_names : pandas.Index
        The connections, by id.

    Returns
    -------
    dict of int to (numpy.ndarray, numpy.ndarray)
        Per connection index, sorted disjoint (starts, ends) [ns].
    """
    if windows is None or len(windows) == 0:
        return {}
    missing = [c for c in (s.VPN_CONNECTION_ID, START, END) if c not in windows.columns]
    if missing:
        raise OptionError(f"maintenance windows lack column(s) {missing} (maintenance_windows())")
    out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for vpn, g in windows.groupby(s.VPN_CONNECTION_ID, sort=False):
        k = conn_names.get_indexer([str(vpn)])[0]
        if k < 0:
            continue
        a = pd.to_datetime(g[START], utc=True).dt.as_unit("ns").array.asi8
        b = pd.to_datetime(g[END], utc=True).dt.as_unit("ns").array.asi8
        out[int(k)] = union(a, b)
    return out


def subtract_by_connection(
    conn: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    windows: dict[int, tuple[np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Remove each connection's windows from its intervals.

    Returns
    -------
    parent, conn, start, end
        The remaining pieces and the index of the interval each came from.
    """
    parents, cs, ss, es = [], [], [], []
    for k in np.unique(conn).tolist():
        idx = np.nonzero(conn == k)[0]
        ws, we = windows.get(int(k), (np.empty(0, _I64), np.empty(0, _I64)))
        p, a, b = subtract(start[idx], end[idx], ws, we)
        parents.append(idx[p])
        cs.append(np.full(p.size, k, dtype=_I64))
        ss.append(a)
        es.append(b)
    if not parents:
        empty = np.empty(0, _I64)
        return empty, empty, empty, empty
    parent = np.concatenate(parents)
    order = np.argsort(parent, kind="stable")
    return (
        parent[order],
        np.concatenate(cs)[order],
        np.concatenate(ss)[order],
        np.concatenate(es)[order],
    )


def intersect_by_connection(
    conn: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    other_conn: np.ndarray,
    other_start: np.ndarray,
    other_end: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pieces of the intervals (conn, start, end) that the other intervals cover, by connection.

    Returns
    -------
    conn, start, end
        The covered pieces (the other intervals may overlap each other).
    """
    cs, ss, es = [], [], []
    for k in np.unique(conn).tolist():
        mine = np.nonzero(conn == k)[0]
        theirs = other_conn == k
        if not theirs.any():
            continue
        _, a, b = intersect(start[mine], end[mine], *union(other_start[theirs], other_end[theirs]))
        cs.append(np.full(a.size, k, dtype=_I64))
        ss.append(a)
        es.append(b)
    if not cs:
        empty = np.empty(0, _I64)
        return empty, empty, empty
    return np.concatenate(cs), np.concatenate(ss), np.concatenate(es)
