"""Tunnel states from the metrics, and from logs and metrics together, saying which.

:func:`metric_states` turns ``TunnelState`` points into state intervals shaped like
:func:`tunnel_states`; :func:`combined_states` takes each stretch of each tunnel from the
logs where the logs know the state (see :mod:`.reconcile` for ``stale_after``) and from
the metrics elsewhere, with a ``source`` column. Availability from either source, or
both, is computed from these intervals with the same connection rules as from the logs.

Semantics of a metric point
---------------------------
A point ``[t, t + period)`` with ``TunnelState`` Average ``m`` holds ``m * period`` up
and ``(1 - m) * period`` down; where inside the point the change happened is not
recorded. The down part is placed at the end of the point when the next point is more
down than the previous one (the tunnel went down during it), else at its start (it came
back up during it, or an outage shorter than the point: placed at the point's start).
An outage spanning two or more points is so recovered to the second, whatever the
period; only its position inside a single point is a guess. No point: unknown.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import schema as s
from ..options import DEFAULT_STALE_AFTER, shared_doc
from ._columns import DURATION, END, START, STATE, STATE_VALUES
from ._coverage import silences_by_tunnel
from ._intervals import intersect, subtract, union
from ._sourced import LOGS, METRICS, SOURCE, SOURCE_VALUES, Sourced, sourced
from ._stale import StaleLike
from ._timeline import DOWN, UNKNOWN, UP
from ._window import (
    NS_PER_S,
    OptionError,
    TimeLike,
    resolve_window,
    to_timestamp,
    ts_ns,
)
from .states import tunnel_states

__all__ = ["LOGS", "METRICS", "SOURCE_VALUES", "combined_states", "metric_states"]

_I64 = np.int64


def _bounds(metrics: pd.DataFrame, start: TimeLike, end: TimeLike) -> tuple[int, int]:
    t = pd.to_datetime(metrics[s.TIME], utc=True)
    if (start is None or end is None) and t.empty:
        raise OptionError("pass start and end: the metrics table is empty")
    lo = ts_ns(to_timestamp("start", start)) if start is not None else ts_ns(t.min())
    if end is not None:
        hi = ts_ns(to_timestamp("end", end))
    else:
        last = int(np.argmax(t.dt.as_unit("ns").array.asi8))
        hi = ts_ns(t.iloc[last]) + int(metrics[s.METRIC_PERIOD].iloc[last]) * NS_PER_S
    if hi < lo:
        raise OptionError("end is before start; the window must not be negative")
    return lo, hi


def _tunnel_pieces(t: np.ndarray, p: np.ndarray, m: np.ndarray) -> list[tuple[int, int, int]]:
    """(state, start, end) pieces of one tunnel's points (sorted by time) [ns]."""
    d = 1.0 - np.clip(m, 0.0, 1.0)
    end = t + p
    contiguous_prev = np.r_[False, t[1:] == end[:-1]]
    contiguous_next = np.r_[t[1:] == end[:-1], False]
    prev_down = np.where(contiguous_prev, np.r_[0.0, d[:-1]], 0.0)
    next_down = np.where(contiguous_next, np.r_[d[1:], 0.0], 0.0)
    down_ns = np.rint(d * p).astype(_I64)
    pieces: list[tuple[int, int, int]] = []
    at_end = next_down > prev_down
    for k in range(t.size):
        a, b, x = int(t[k]), int(end[k]), int(down_ns[k])
        if x <= 0:
            pieces.append((UP, a, b))
        elif x >= b - a:
            pieces.append((DOWN, a, b))
        elif at_end[k]:
            pieces += [(UP, a, b - x), (DOWN, b - x, b)]
        else:
            pieces += [(DOWN, a, a + x), (UP, a + x, b)]
    return pieces


def _merge(pieces: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    out: list[tuple[int, int, int]] = []
    for st, a, b in pieces:
        if out and out[-1][0] == st and out[-1][2] == a:
            out[-1] = (st, out[-1][1], b)
        else:
            out.append((st, a, b))
    return out


def _fill(pieces: list[tuple[int, int, int]], lo: int, hi: int) -> list[tuple[int, int, int]]:
    """Clip to [lo, hi) and fill the holes with unknown."""
    out: list[tuple[int, int, int]] = []
    at = lo
    for st, a, b in pieces:
        a, b = max(a, lo), min(b, hi)
        if b <= a:
            continue
        if a > at:
            out.append((UNKNOWN, at, a))
        out.append((st, a, b))
        at = b
    if at < hi:
        out.append((UNKNOWN, at, hi))
    return _merge(out)


_Row = tuple[str, str, str, int, int, "str | None"]


def _frame(rows: list[_Row], with_source: bool) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            s.VPN_CONNECTION_ID: pd.Categorical([r[0] for r in rows]),
            s.TUNNEL_IP: pd.Categorical([r[1] for r in rows]),
            STATE: pd.Categorical.from_codes(
                np.asarray([STATE_VALUES.index(r[2]) for r in rows], dtype=_I64),
                categories=pd.Index(STATE_VALUES),
            ),
            START: pd.to_datetime(
                np.asarray([r[3] for r in rows], dtype=_I64), unit="ns", utc=True
            ),
            END: pd.to_datetime(np.asarray([r[4] for r in rows], dtype=_I64), unit="ns", utc=True),
        }
    )
    frame[DURATION] = frame[END] - frame[START]
    if with_source:
        frame[SOURCE] = pd.Categorical([r[5] for r in rows], categories=list(SOURCE_VALUES))
    return frame


def _metric_pieces(
    metrics: pd.DataFrame, lo: int, hi: int
) -> dict[tuple[str, str], list[tuple[int, int, int]]]:
    missing = [c for c in s.METRIC_COLUMNS if c not in metrics.columns]
    if missing:
        raise OptionError(
            f"metrics table lacks column(s) {missing}; expected {list(s.METRIC_COLUMNS)}"
        )
    m = metrics[metrics[s.METRIC].astype(str) == s.TUNNEL_STATE]
    out: dict[tuple[str, str], list[tuple[int, int, int]]] = {}
    if m.empty:
        return out
    frame = pd.DataFrame(
        {
            "c": m[s.VPN_CONNECTION_ID].astype(str).to_numpy(),
            "i": m[s.TUNNEL_IP].astype(str).to_numpy(),
            "t": pd.to_datetime(m[s.TIME], utc=True).dt.as_unit("ns").array.asi8,
            "p": m[s.METRIC_PERIOD].to_numpy(dtype=_I64) * NS_PER_S,
            "v": m[s.VALUE].to_numpy(dtype=float),
        }
    )
    frame = frame[np.isfinite(frame["v"].to_numpy())]
    for (c, i), g in frame.sort_values(["c", "i", "t"]).groupby(["c", "i"], sort=True):
        pieces = _merge(_tunnel_pieces(g["t"].to_numpy(), g["p"].to_numpy(), g["v"].to_numpy()))
        out[(str(c), str(i))] = [
            (st, max(a, lo), min(b, hi)) for st, a, b in pieces if min(b, hi) > max(a, lo)
        ]
    return out


def _interval_arrays(pairs: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Return (start, end) pairs as arrays of starts and ends, sorted."""
    arr = np.asarray(sorted(pairs), dtype=_I64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


@shared_doc()
def metric_states(
    metrics: pd.DataFrame, *, start: TimeLike = None, end: TimeLike = None
) -> pd.DataFrame:
    """Return every tunnel's state intervals as the ``TunnelState`` metric tells them.

    See the module docstring for how a point's up share becomes intervals. For BGP
    tunnels the metric follows the BGP session, so the state is reachability.

    Parameters
    ----------
    {params.metrics}
    {params.metric_window}

    Returns
    -------
    pandas.DataFrame
        As :func:`tunnel_states` without ``ongoing`` and ``cause``: ``vpn_connection_id``,
        ``tunnel_ip``, ``state`` (``up``/``down``/``unknown`` where no point), ``start``,
        ``end``, ``duration``; per tunnel the durations add up to the window.

    Examples
    --------
    >>> metric_states(fetch_metrics(start=a, end=b))  # doctest: +SKIP
    """
    lo, hi = _bounds(metrics, start, end)
    rows: list[_Row] = []
    for key, pieces in _metric_pieces(metrics, lo, hi).items():
        rows += [(*key, STATE_VALUES[st], a, b, None) for st, a, b in _fill(pieces, lo, hi)]
    return _frame(rows, with_source=False)


@shared_doc()
def combined_states(
    events: pd.DataFrame,
    metrics: pd.DataFrame,
    *,
    start: TimeLike = None,
    end: TimeLike = None,
    stale_after: StaleLike = DEFAULT_STALE_AFTER,
) -> pd.DataFrame:
    """Return every tunnel's state from the logs where they know it, else from the metrics.

    The logs know a tunnel's state as :func:`tunnel_states` says (DESIGN.md section 4): an
    up state for at most ``stale_after`` after a record, a down state until the next
    record however long the silence. ``TunnelState`` is the independent check on that
    silence: inside a silent stretch of a logged down state (a silence longer than
    ``stale_after``, from the record before it to the next record) where the metric says
    up, the metric wins and the row's ``source`` is ``metrics`` -- logging stopped while
    the tunnel was down and it recovered unlogged. Where the metric says down there, or
    has no point, the logged down state stands.

    Parameters
    ----------
    {params.events_table}
    {params.metrics}
    {params.metric_window}
    {params.stale_after}
        Also the shortest silence of a logged down state that the metric may overrule.

    Returns
    -------
    pandas.DataFrame
        As :func:`metric_states`, plus ``source`` (``logs`` or ``metrics``; NA for
        unknown time): one row per maximal interval of one state from one source.

    Examples
    --------
    >>> both = combined_states(events, metrics)  # doctest: +SKIP
    >>> both.groupby("source", observed=True).duration.sum()  # doctest: +SKIP
    """
    lo, hi = _bounds(metrics, start, end)
    from_metrics = _metric_pieces(metrics, lo, hi)
    states = tunnel_states(
        events,
        start=pd.Timestamp(lo, tz="UTC"),
        end=pd.Timestamp(hi, tz="UTC"),
        stale_after=stale_after,
    )
    quiet = silences_by_tunnel(events, lo, hi, stale_after)
    logged: dict[tuple[str, str], list[tuple[int, int, int, str]]] = {}
    for (c, i), g in states.groupby([s.VPN_CONNECTION_ID, s.TUNNEL_IP], observed=True):
        key = (str(c), str(i))
        # The silent stretches of a logged down state: the metric may know better.
        silent = [(a, b) for a, b, _, st in quiet.get(key, []) if st == DOWN]
        up_metric = [(a, b) for st, a, b in from_metrics.get(key, []) if st == UP]
        pieces: list[tuple[int, int, int, str]] = []
        for value in (UP, DOWN):
            part = g[g[STATE] == STATE_VALUES[value]]
            xa = part[START].dt.as_unit("ns").array.asi8
            xb = part[END].dt.as_unit("ns").array.asi8
            if value == DOWN and silent:
                # Where the metric says up inside a silent down stretch, the tunnel
                # recovered unlogged (logging stopped while it was down): the metric wins.
                _, wa, wb = intersect(xa, xb, *_interval_arrays(silent))
                _, wa, wb = intersect(wa, wb, *_interval_arrays(up_metric))
                pieces += [(UP, int(p), int(q), METRICS) for p, q in zip(wa, wb, strict=True)]
                _, xa, xb = subtract(xa, xb, *union(wa, wb))
            pieces += [(value, int(x), int(y), LOGS) for x, y in zip(xa, xb, strict=True)]
        logged[key] = sorted(pieces, key=lambda p: p[1])
    rows: list[_Row] = []
    for key in sorted(set(logged) | set(from_metrics)):
        mine: list[tuple[int, int, int, str | None]] = [
            (st, a, b, src) for st, a, b, src in logged.get(key, [])
        ]
        known = union(*_interval_arrays([(a, b) for _, a, b, _ in mine]))
        for st, a, b in from_metrics.get(key, []):
            _, x, y = subtract(np.asarray([a], _I64), np.asarray([b], _I64), *known)
            mine += [(st, int(p), int(q), METRICS) for p, q in zip(x, y, strict=True)]
        mine.sort(key=lambda r: r[1])
        merged: list[tuple[int, int, int, str | None]] = []
        at = lo
        for st, a, b, src in mine:
            if a > at:
                merged.append((UNKNOWN, at, a, None))
            if merged and merged[-1][0] == st and merged[-1][3] == src and merged[-1][2] == a:
                merged[-1] = (st, merged[-1][1], b, src)
            else:
                merged.append((st, a, b, src))
            at = max(at, int(b))
        if at < hi:
            merged.append((UNKNOWN, at, hi, None))
        rows += [(*key, STATE_VALUES[st], a, b, src) for st, a, b, src in merged]
    return _frame(rows, with_source=True)


def sourced_intervals(
    events: pd.DataFrame,
    metrics: pd.DataFrame | None,
    source: str,
    start: Any,
    end: Any,
    stale_after: Any,
) -> Sourced:
    """Return the :class:`._sourced.Sourced` intervals of ``source="metrics"`` or ``"both"``.

    The default window spans the logs and the metrics together.
    """
    if metrics is None:
        raise OptionError(f'source="{source}" needs metrics= (fetch_metrics())')
    lo = ts_ns(to_timestamp("start", start)) if start is not None else None
    hi = ts_ns(to_timestamp("end", end)) if end is not None else None
    if lo is None or hi is None:
        spans = []
        if len(metrics):
            t = pd.to_datetime(metrics[s.TIME], utc=True).dt.as_unit("ns").array.asi8
            p = metrics[s.METRIC_PERIOD].to_numpy(dtype=_I64) * NS_PER_S
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
