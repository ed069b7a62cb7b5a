"""State intervals from metrics (or logs and metrics) in the shape the connection rules take.

Connection outages and availability are computed from per-tunnel state intervals
(:class:`._timeline.Intervals`) and the tunnels' connections (:class:`._timeline.Tunnels`).
This module builds both from :func:`.sources.metric_states` / :func:`.sources.combined_states`
so the same rules apply whatever the source, and builds per-connection exclusion windows
from :func:`.maintenance.maintenance_windows`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import schema as s
from ._columns import END, START, STATE, STATE_VALUES
from ._intervals import INF, NEG_INF
from ._timeline import DOWN, UNKNOWN, Intervals, Tunnels
from ._window import OptionError
from .sources import METRICS, SOURCE

__all__ = ["Sourced", "exclusions_by_connection", "sourced"]

_I64 = np.int64


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
    from ._context import Context

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
        order = np.argsort(a, kind="stable")
        merged: list[list[int]] = []
        for x, y in zip(a[order].tolist(), b[order].tolist(), strict=True):
            if merged and x <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], y)
            else:
                merged.append([x, y])
        arr = np.asarray(merged, dtype=_I64).reshape(-1, 2)
        out[int(k)] = (arr[:, 0], arr[:, 1])
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
    from ._intervals import subtract

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


def _union(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(a, kind="stable")
    merged: list[list[int]] = []
    for x, y in zip(a[order].tolist(), b[order].tolist(), strict=True):
        if merged and x <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], y)
        else:
            merged.append([x, y])
    arr = np.asarray(merged, dtype=_I64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


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
        mine = conn == k
        theirs = other_conn == k
        if not theirs.any():
            continue
        ua, ub = _union(other_start[theirs], other_end[theirs])
        for x, y in zip(start[mine].tolist(), end[mine].tolist(), strict=True):
            i = int(np.searchsorted(ub, x, side="right"))
            while i < ua.size and ua[i] < y:
                p, q = max(x, int(ua[i])), min(y, int(ub[i]))
                if q > p:
                    cs.append(k)
                    ss.append(p)
                    es.append(q)
                i += 1
    return (
        np.asarray(cs, dtype=_I64),
        np.asarray(ss, dtype=_I64),
        np.asarray(es, dtype=_I64),
    )


def sourced_source(
    events: pd.DataFrame,
    metrics: pd.DataFrame | None,
    source: str,
    start: Any,
    end: Any,
    stale_after: Any,
) -> Sourced:
    """Return the :class:`Sourced` intervals of ``source="metrics"`` or ``"both"``.

    The default window spans the logs and the metrics together.
    """
    from ._window import resolve_window, to_timestamp, ts_ns
    from .sources import combined_states, metric_states

    if metrics is None:
        raise OptionError(f'source="{source}" needs metrics= (fetch_metrics())')
    lo = ts_ns(to_timestamp("start", start)) if start is not None else None
    hi = ts_ns(to_timestamp("end", end)) if end is not None else None
    if lo is None or hi is None:
        spans = []
        if len(metrics):
            t = pd.to_datetime(metrics[s.TIME], utc=True).dt.as_unit("ns").array.asi8
            p = metrics[s.METRIC_PERIOD].to_numpy(dtype=_I64) * 1_000_000_000
            spans.append((int(t.min()), int((t + p).max())))
        if source == "both":
            logged = resolve_window(events, None, None)
            if logged is not None:
                spans.append(logged)
        if not spans:
            raise OptionError("pass start and end: neither the logs nor the metrics give a window")
        lo = min(a for a, _ in spans) if lo is None else lo
        hi = max(b for _, b in spans) if hi is None else hi
    a, b = pd.Timestamp(lo, unit="ns", tz="UTC"), pd.Timestamp(hi, unit="ns", tz="UTC")
    if source == "metrics":
        states = metric_states(metrics, start=a, end=b)
    else:
        states = combined_states(events, metrics, start=a, end=b, stale_after=stale_after)
    return sourced(states, (lo, hi))
