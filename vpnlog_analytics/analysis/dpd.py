"""Dead Peer Detection timeouts and how long each tunnel took to come back up."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.tseries.offsets import BaseOffset

from .. import schema as s
from ..options import DEFAULT_CAUSE_LOOKBACK
from ._columns import (
    DPD_TIMEOUT,
    MAX_RECOVERY,
    MEAN_RECOVERY,
    PERIOD,
    RECOVERED,
    RECOVERY,
    TIMEOUTS,
)
from ._context import Context, EventsLike, context, durations, times
from ._intervals import INF
from ._timeline import DOWN
from ._window import DurationLike, TimeLike, period_edges, period_index

__all__ = ["dpd_stats", "dpd_timeouts"]

_I64 = np.int64


@dataclass(frozen=True)
class Timeouts:
    """DPD timeouts in the window: row position, tunnel, time, recovery (ns, -1 if none)."""

    pos: np.ndarray
    tid: np.ndarray
    time: np.ndarray
    recovery: np.ndarray


def timeout_arrays(ctx: Context) -> Timeouts:
    """Find DPD timeouts and the time from each to the tunnel being up again."""
    rows, ch = ctx.rows, ctx.changes
    pos = np.nonzero((rows.lookup(s.EVENT, (DPD_TIMEOUT,)) == 0) & rows.in_window(ctx.window))[0]
    tid, t = rows.tid[pos], rows.time[pos]
    back_up = np.full(pos.size, INF, dtype=_I64)
    n = ch.pos.size
    if n and pos.size:
        k = ch.at(rows, pos)
        nxt = np.minimum(k, n - 1)
        # The tunnel goes down at this timeout's second or at most cause_lookback later...
        goes_down = (
            (k < n)
            & (ch.tid[nxt] == tid)
            & (ch.state[nxt] == DOWN)
            & (ch.time[nxt] - t <= ctx.lookback)
        )
        # ...or was already down when the timeout was logged.
        prv = np.maximum(k - 1, 0)
        was_down = (k > 0) & (ch.tid[prv] == tid) & (ch.state[prv] == DOWN)
        back_up = np.where(goes_down, ch.end[nxt], np.where(was_down, ch.end[prv], INF))
    recovered = back_up <= ctx.window[1]
    return Timeouts(pos, tid, t, np.where(recovered, back_up - t, -1))


def dpd_timeouts(
    events: EventsLike,
    *,
    start: TimeLike = None,
    end: TimeLike = None,
    cause_lookback: DurationLike = DEFAULT_CAUSE_LOOKBACK,
) -> pd.DataFrame:
    """Return every DPD timeout in the window and the time until the tunnel was up again.

    A DPD timeout is a ``dpd_timeout`` record (IKEv1 "Peer is not responsive", IKEv2 "DPD
    timed out after N retransmits"). Its **recovery** is the time from the record to the
    end of the outage it belongs to: the tunnel's ``down`` interval that starts at most
    ``cause_lookback`` after the record, or that was already under way when it was logged.
    NaT when no outage followed (the DPD action did not take the tunnel down) or the
    tunnel was still down at ``end``.

    Parameters
    ----------
    events : pandas.DataFrame
        The events table; not modified.
    start, end : pandas.Timestamp or str, optional
        The analysis window; default the span of the table.
    cause_lookback : str or pandas.Timedelta, default "120s"
        Longest delay from the timeout record to the change to down [s].

    Returns
    -------
    pandas.DataFrame
        One row per timeout, by tunnel then time: ``vpn_connection_id``, ``tunnel_ip``,
        ``time``, ``retry_count`` (retransmits, IKEv2; NA otherwise), ``recovery``.

    Examples
    --------
    >>> dpd_timeouts(events)["recovery"].describe()  # doctest: +SKIP
    """
    ctx = context(events, start, end, cause_lookback, columns=_COLUMNS)
    to = timeout_arrays(ctx)
    retry = ctx.rows.events[s.RETRY_COUNT].array[ctx.rows.index[to.pos]]
    return pd.DataFrame(
        {
            **ctx.rows.tunnels.columns(to.tid),
            s.TIME: times(to.time),
            s.RETRY_COUNT: pd.array(retry, dtype="Int16"),
            RECOVERY: durations(to.recovery, to.recovery >= 0),
        }
    )


_COLUMNS = (
    s.TIME,
    s.VPN_CONNECTION_ID,
    s.TUNNEL_IP,
    s.LOG_TYPE,
    s.TUNNEL_UP,
    s.EVENT,
    s.RETRY_COUNT,
)


def dpd_stats(
    events: EventsLike,
    *,
    freq: str | BaseOffset = "1D",
    start: TimeLike = None,
    end: TimeLike = None,
    cause_lookback: DurationLike = DEFAULT_CAUSE_LOOKBACK,
) -> pd.DataFrame:
    """Return DPD timeouts per tunnel per period and the recovery times that followed.

    Timeouts and their recovery as in :func:`dpd_timeouts`, each counted in the period
    of its record.

    Parameters
    ----------
    events : pandas.DataFrame
        The events table; not modified.
    freq : str or pandas.DateOffset, default "1D"
        Period length, any pandas frequency.
    start, end : pandas.Timestamp or str, optional
        The analysis window; default the span of the table.
    cause_lookback : str or pandas.Timedelta, default "120s"
        Longest delay from the timeout record to the change to down [s].

    Returns
    -------
    pandas.DataFrame
        Every (tunnel, period) pair: ``vpn_connection_id``, ``tunnel_ip``, ``period``,
        ``timeouts`` (count), ``recovered`` (timeouts followed by an outage that ended),
        ``mean_recovery`` and ``max_recovery`` over those (NaT if none).

    Examples
    --------
    >>> dpd_stats(events, freq="1h").query("timeouts > 0")  # doctest: +SKIP
    """
    ctx = context(events, start, end, cause_lookback)
    edges = period_edges(ctx.window, freq)
    to = timeout_arrays(ctx)
    n_tunnels, n_per = ctx.rows.tunnels.n, edges.size - 1
    size = n_tunnels * n_per
    cell = to.tid * n_per + np.searchsorted(edges, to.time, side="right") - 1
    timeouts = np.bincount(cell, minlength=size).astype(_I64)
    ok = to.recovery >= 0
    recovered = np.bincount(cell[ok], minlength=size).astype(_I64)
    total = np.zeros(size, dtype=_I64)
    np.add.at(total, cell[ok], to.recovery[ok])
    longest = np.zeros(size, dtype=_I64)
    np.maximum.at(longest, cell[ok], to.recovery[ok])
    tid = np.repeat(np.arange(n_tunnels, dtype=_I64), n_per)
    return pd.DataFrame(
        {
            **ctx.rows.tunnels.columns(tid),
            PERIOD: period_index(edges)[np.tile(np.arange(n_per), n_tunnels)],
            TIMEOUTS: timeouts,
            RECOVERED: recovered,
            MEAN_RECOVERY: durations(total // np.maximum(recovered, 1), recovered > 0),
            MAX_RECOVERY: durations(longest, recovered > 0),
        }
    )
