"""Dead Peer Detection timeouts and how long each tunnel took to come back up."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.tseries.offsets import BaseOffset

from .. import schema as s
from ..options import DEFAULT_CAUSE_LOOKBACK, DEFAULT_STALE_AFTER, shared_doc
from ._columns import (
    ACK_RATIO,
    DPD_ACKS,
    DPD_REQUESTS,
    DPD_TIMEOUT,
    LONGEST_UNANSWERED,
    MAX_ACK_LATENCY,
    MAX_RECOVERY,
    MEAN_ACK_LATENCY,
    MEAN_RECOVERY,
    OBSERVED,
    PERIOD,
    RECOVERED,
    RECOVERY,
    TIMEOUTS,
    UNANSWERED,
)
from ._context import Context, EventsLike, context, durations, times
from ._intervals import INF, split_at
from ._keepalive import keepalive_arrays, streaks, unanswered_before
from ._stale import StaleLike
from ._timeline import DOWN, UNKNOWN, UP
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
        # Back up when the outage's next change is to up (a down state never goes stale).
        up_end = np.where(ch.next_state() == UP, ch.end, INF)
        back_up = np.where(goes_down, up_end[nxt], np.where(was_down, up_end[prv], INF))
    recovered = back_up <= ctx.window[1]
    return Timeouts(pos, tid, t, np.where(recovered, back_up - t, -1))


@shared_doc()
def dpd_timeouts(
    events: EventsLike,
    *,
    start: TimeLike = None,
    end: TimeLike = None,
    cause_lookback: DurationLike = DEFAULT_CAUSE_LOOKBACK,
    stale_after: StaleLike = DEFAULT_STALE_AFTER,
) -> pd.DataFrame:
    """Return every DPD timeout in the window and the time until the tunnel was up again.

    A DPD timeout is a ``dpd_timeout`` record (IKEv1 "Peer is not responsive", IKEv2 "DPD
    timed out after N retransmits"). Its **recovery** is the time from the record to the
    end of the outage it belongs to: the tunnel's ``down`` interval that starts at most
    ``cause_lookback`` after the record, or that was already under way when it was logged.
    NaT when no outage followed (the DPD action did not take the tunnel down) or the
    tunnel was still down at ``end``. A down tunnel's silence is part of its outage, so a
    silent outage recovers at the record that shows the tunnel up again.

    **Unanswered** counts the DPD keep-alive requests (``dpd_request_sent``) the tunnel
    logged right before the timeout without an ACK: the run of consecutive unanswered
    requests ending with the last request before it (matching as in :func:`dpd_stats`).
    NA when the tunnel logged no keep-alive request before it (keep-alives are logged
    behind NAT).

    Parameters
    ----------
    {params.events}
    {params.window}
    {params.cause_lookback}
        Here the DPD timeout record is the error record.
    {params.stale_after}

    Returns
    -------
    pandas.DataFrame
        One row per timeout, by tunnel then time: ``vpn_connection_id``, ``tunnel_ip``,
        ``time``, ``retry_count`` (retransmits, IKEv2; NA otherwise), ``recovery``,
        ``unanswered`` (nullable integer).

    Examples
    --------
    >>> dpd_timeouts(events)["recovery"].describe()  # doctest: +SKIP
    """
    ctx = context(events, start, end, cause_lookback, columns=_COLUMNS, stale_after=stale_after)
    to = timeout_arrays(ctx)
    retry = ctx.rows.events[s.RETRY_COUNT].array[ctx.rows.index[to.pos]]
    unanswered = unanswered_before(keepalive_arrays(ctx.rows), to.tid, to.pos)
    return pd.DataFrame(
        {
            **ctx.rows.tunnels.columns(to.tid),
            s.TIME: times(to.time),
            s.RETRY_COUNT: pd.array(retry, dtype="Int16"),
            RECOVERY: durations(to.recovery, to.recovery >= 0),
            UNANSWERED: _nullable(unanswered),
        }
    )


def _nullable(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Int64 with NA where ``values`` is negative."""
    out = pd.array(values.astype(_I64), dtype="Int64")
    out[values < 0] = pd.NA
    return out


_COLUMNS = (
    s.TIME,
    s.VPN_CONNECTION_ID,
    s.TUNNEL_IP,
    s.LOG_TYPE,
    s.TUNNEL_UP,
    s.EVENT,
    s.RETRY_COUNT,
)


@shared_doc()
def dpd_stats(
    events: EventsLike,
    *,
    freq: str | BaseOffset = "1D",
    start: TimeLike = None,
    end: TimeLike = None,
    cause_lookback: DurationLike = DEFAULT_CAUSE_LOOKBACK,
    stale_after: StaleLike = DEFAULT_STALE_AFTER,
) -> pd.DataFrame:
    """Return DPD keep-alives and timeouts per tunnel per period, over what was observed.

    **Keep-alives** (logged behind NAT about every 10 s): ``dpd_requests`` counts the
    tunnel's DPD requests (``dpd_request_sent``; a request logged in two lines, the
    generic one and the one with its sequence number in the same second, counts once),
    ``dpd_acks`` its ``dpd_ack_received`` records.
    A request carrying a sequence number is *answered* by the first later ACK of the
    tunnel echoing that number (before the next request with the same number); one
    logged without a number is answered when the tunnel's next keep-alive record is an
    ACK. ``ack_ratio`` = answered requests / requests; the request->ACK latency is
    measured on the pairs matched by sequence number (records have one-second
    resolution, so most latencies are 0 or 1 s). ``longest_unanswered`` is the longest
    run of consecutive unanswered requests within the period: a gateway that stops
    answering shows here before the DPD timeout declares it dead (:func:`dpd_timeouts`
    gives the run before each timeout).

    **Timeouts** and their recovery as in :func:`dpd_timeouts`, each counted in the
    period of its record. Every record counts in the period of its time.

    **Observed** is the time the tunnel's state was known in the period (up or down, see
    :func:`tunnel_states`): per tunnel, not one span for all, so rates such as timeouts
    or requests per observed hour compare tunnels that logged for different spans.

    Parameters
    ----------
    {params.events}
    freq : str or pandas.DateOffset, default "1D"
        Period length, any pandas frequency.
    {params.window}
    {params.cause_lookback}
        Here the DPD timeout record is the error record.
    {params.stale_after}

    Returns
    -------
    pandas.DataFrame
        Every (tunnel, period) pair: ``vpn_connection_id``, ``tunnel_ip``, ``period``,
        ``observed`` (Timedelta); ``dpd_requests``, ``dpd_acks`` (counts), ``ack_ratio``
        (0-1, NaN without requests), ``mean_ack_latency``, ``max_ack_latency`` (NaT
        without matched pairs), ``longest_unanswered`` (count); ``timeouts`` (count),
        ``recovered`` (timeouts followed by an outage that ended), ``mean_recovery`` and
        ``max_recovery`` over those (NaT if none).

    Examples
    --------
    >>> dpd_stats(events, freq="1h").query("timeouts > 0")  # doctest: +SKIP
    """
    ctx = context(events, start, end, cause_lookback, stale_after=stale_after)
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
    ka = _keepalive_cells(ctx, edges, size)
    return pd.DataFrame(
        {
            **ctx.rows.tunnels.columns(tid),
            PERIOD: period_index(edges)[np.tile(np.arange(n_per), n_tunnels)],
            OBSERVED: durations(_observed(ctx, edges, size)),
            DPD_REQUESTS: ka.requests,
            DPD_ACKS: ka.acks,
            ACK_RATIO: ka.ratio,
            MEAN_ACK_LATENCY: durations(ka.latency_sum // np.maximum(ka.pairs, 1), ka.pairs > 0),
            MAX_ACK_LATENCY: durations(ka.latency_max, ka.pairs > 0),
            LONGEST_UNANSWERED: ka.longest,
            TIMEOUTS: timeouts,
            RECOVERED: recovered,
            MEAN_RECOVERY: durations(total // np.maximum(recovered, 1), recovered > 0),
            MAX_RECOVERY: durations(longest, recovered > 0),
        }
    )


def _observed(ctx: Context, edges: np.ndarray, size: int) -> np.ndarray:
    """Time each tunnel's state was known, per (tunnel, period) cell [ns]."""
    iv = ctx.intervals.select(ctx.intervals.state != UNKNOWN)
    out = np.zeros(size, dtype=_I64)
    n_per = edges.size - 1
    if n_per == 0 or iv.tid.size == 0:
        return out
    parent, period, st, en = split_at(iv.start, iv.end, edges)
    np.add.at(out, iv.tid[parent] * n_per + period, en - st)
    return out


@dataclass(frozen=True)
class _KeepAliveCells:
    requests: np.ndarray
    acks: np.ndarray
    ratio: np.ndarray
    pairs: np.ndarray
    latency_sum: np.ndarray
    latency_max: np.ndarray
    longest: np.ndarray


def _keepalive_cells(ctx: Context, edges: np.ndarray, size: int) -> _KeepAliveCells:
    """Keep-alive figures per (tunnel, period) cell, each record in its time's period."""
    rows, n_per = ctx.rows, edges.size - 1
    ka = keepalive_arrays(rows)
    inside = (ka.time >= ctx.window[0]) & (ka.time < ctx.window[1])
    cell = ka.tid * n_per + np.searchsorted(edges, ka.time, side="right") - 1
    requests = np.bincount(cell[inside], minlength=size).astype(_I64)
    answered = np.bincount(cell[inside & ka.answered], minlength=size)
    ack_t = rows.time[ka.ack_pos]
    ack_in = (ack_t >= ctx.window[0]) & (ack_t < ctx.window[1])
    ack_cell = rows.tid[ka.ack_pos] * n_per + np.searchsorted(edges, ack_t, side="right") - 1
    acks = np.bincount(ack_cell[ack_in], minlength=size).astype(_I64)
    paired = inside & (ka.latency >= 0)
    pairs = np.bincount(cell[paired], minlength=size).astype(_I64)
    latency_sum = np.zeros(size, dtype=_I64)
    np.add.at(latency_sum, cell[paired], ka.latency[paired])
    latency_max = np.zeros(size, dtype=_I64)
    np.maximum.at(latency_max, cell[paired], ka.latency[paired])
    # Runs of unanswered requests, cut at period boundaries (cells are tunnel-major).
    sel = np.nonzero(inside)[0]
    streak = streaks(cell[sel], ~ka.answered[sel])
    longest = np.zeros(size, dtype=_I64)
    np.maximum.at(longest, cell[sel], streak)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(requests > 0, answered / np.maximum(requests, 1), np.nan)
    return _KeepAliveCells(requests, acks, ratio, pairs, latency_sum, latency_max, longest)
