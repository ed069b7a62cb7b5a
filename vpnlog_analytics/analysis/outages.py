"""Outages of tunnels and of whole connections (every observed tunnel down at once)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import schema as s
from ..options import DEFAULT_CAUSE_LOOKBACK, DEFAULT_STALE_AFTER, shared_doc
from ._columns import (
    CAUSE,
    CAUSE_SEPARATOR,
    DURATION,
    END,
    LAST_ALIVE,
    LEVEL_CONNECTION,
    LEVELS,
    ONGOING,
    PEER_ALIVE_EVENTS,
    SILENT,
    START,
    UNEXPLAINED,
)
from ._context import Context, EventsLike, context, durations, times
from ._intervals import INF, NEG_INF, count_segments, group_searchsorted, merge_runs, subtract
from ._stale import StaleLike
from ._timeline import DOWN, UNKNOWN, Intervals, Rows, cause_names
from ._window import (
    DurationLike,
    ExcludeLike,
    TimeLike,
    check_choice,
    resolve_exclude,
    to_ns_duration,
)
from .bgp import connection_rules, reachability
from .maintenance import label_outages

__all__ = ["outages"]

_I64 = np.int64


@dataclass(frozen=True)
class OutageArrays:
    """Outages as arrays: group (tunnel or connection id), clipped start/end, flags."""

    group: np.ndarray
    start: np.ndarray
    end: np.ndarray
    ongoing: np.ndarray
    cause: np.ndarray  # object array of str
    # The silence after the record that started the outage [silent_start, silent_end), and
    # the last sign of life of the gateway before it (NEG_INF: none logged).
    silent_start: np.ndarray
    silent_end: np.ndarray
    last_alive: np.ndarray

    @property
    def silent(self) -> np.ndarray:
        """The part of each outage (as clipped) that its tunnels spent silent [ns]."""
        a = np.maximum(self.silent_start, self.start)
        b = np.minimum(self.silent_end, self.end)
        return np.maximum(b - a, 0)

    def take(self, idx: np.ndarray) -> OutageArrays:
        """Return the outages at ``idx``."""
        return OutageArrays(*(getattr(self, f)[idx] for f in self.__dataclass_fields__))


def tunnel_outage_arrays(ctx: Context) -> OutageArrays:
    """Return the ``down`` intervals of every tunnel in the window."""
    iv = ctx.intervals.select(ctx.intervals.state == DOWN)
    silent_start, silent_end, last_alive = signs_of_life(ctx, iv)
    return OutageArrays(
        iv.tid,
        iv.start,
        iv.end,
        iv.ongoing,
        cause_names(iv.cause),
        silent_start,
        silent_end,
        last_alive,
    )


def signs_of_life(ctx: Context, iv: Intervals) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return, per down interval, its first silence and the gateway's last sign of life.

    The silence runs from the record that began the interval to the tunnel's next record
    (at most to the interval's end); the sign of life is the tunnel's last record of
    :data:`PEER_ALIVE_EVENTS` at or before that record (``NEG_INF`` if none).
    """
    rows = ctx.rows
    if not isinstance(rows, Rows):  # states from metrics: no records to tell
        return iv.true_start, iv.true_start, np.full(iv.tid.size, NEG_INF, dtype=_I64)
    t0 = np.maximum(iv.true_start, NEG_INF + 1)
    silent_end = np.minimum(rows.next_after(iv.tid, t0), iv.true_end)
    alive = rows.lookup(s.EVENT, PEER_ALIVE_EVENTS) >= 0
    last_alive = rows.last_at_or_before(iv.tid, t0, alive)
    return iv.true_start, silent_end, last_alive


@dataclass(frozen=True)
class ConnectionSegments:
    """Each connection's timeline cut where any of its tunnels changes state."""

    conn: np.ndarray
    start: np.ndarray
    end: np.ndarray
    up: np.ndarray  # number of tunnels up
    down: np.ndarray  # number of tunnels down
    observed: np.ndarray  # per connection: tunnels with a known state in the window

    def is_down(self) -> np.ndarray:
        """Segments in which every observed tunnel of the connection is down."""
        return (self.down == self.observed[self.conn]) & (self.down > 0)

    def is_known(self) -> np.ndarray:
        """Segments in which the connection's state is known: a tunnel up, or all down.

        With no tunnel up and an observed tunnel unknown, the connection may have been up
        through that tunnel: neither up nor down.
        """
        return (self.up > 0) | self.is_down()


def connection_segments(ctx: Context) -> ConnectionSegments:
    """Cut every connection's window at its tunnels' state changes and count states."""
    iv = ctx.intervals.select(ctx.intervals.state != UNKNOWN)
    tunnels = ctx.rows.tunnels
    conn = tunnels.conn[iv.tid]
    seen = np.unique(iv.tid)
    observed = np.bincount(tunnels.conn[seen], minlength=tunnels.n_conn).astype(_I64)
    kind = (iv.state == DOWN).astype(_I64)
    g, st, en, counts = count_segments(conn, iv.start, iv.end, kind, 2)
    return ConnectionSegments(g, st, en, counts[:, 0], counts[:, 1], observed)


def connection_outage_arrays(ctx: Context, seg: ConnectionSegments | None = None) -> OutageArrays:
    """Return the intervals in which every observed tunnel of a connection is down."""
    seg = connection_segments(ctx) if seg is None else seg
    all_down = seg.is_down()
    conn, start, end = merge_runs(seg.conn, seg.start, seg.end, all_down)
    # Each observed tunnel is down throughout; find its down interval covering the outage.
    tunnels = ctx.rows.tunnels
    down = ctx.intervals.select(ctx.intervals.state == DOWN)
    by_conn = np.argsort(tunnels.conn, kind="stable")
    first = np.searchsorted(tunnels.conn[by_conn], conn, side="left")
    count = np.searchsorted(tunnels.conn[by_conn], conn, side="right") - first
    outage = np.repeat(np.arange(conn.size, dtype=_I64), count)
    offset = np.arange(outage.size, dtype=_I64) - np.repeat(np.cumsum(count) - count, count)
    tid = by_conn[first[outage] + offset]
    idx = group_searchsorted(down.tid, down.start, tid, start[outage], side="right") - 1
    ok = idx >= 0
    ok[ok] = (down.tid[idx[ok]] == tid[ok]) & (down.end[idx[ok]] > start[outage][ok])
    outage, idx = outage[ok], idx[ok]
    ongoing = (end == ctx.window[1]) & (np.bincount(outage, minlength=conn.size) > 0)
    not_ongoing = outage[~down.ongoing[idx]]
    ongoing[not_ongoing] = False
    # Ending inside the window without a tunnel up: the connection went unobserved.
    j = group_searchsorted(seg.conn, seg.start, conn, end, side="left")
    jj = np.minimum(j, max(seg.conn.size - 1, 0))
    restored = (
        (j < seg.conn.size) & (seg.conn[jj] == conn) & (seg.start[jj] == end) & (seg.up[jj] > 0)
        if seg.conn.size
        else np.zeros(conn.size, dtype=bool)
    )
    ongoing |= (end < ctx.window[1]) & ~restored
    order = np.lexsort((down.true_start[idx], outage))
    names = cause_names(down.cause[idx[order]])
    causes: list[list[str]] = [[] for _ in range(conn.size)]
    for o, name in zip(outage[order].tolist(), names.tolist(), strict=True):
        if name not in causes[o]:
            causes[o].append(name)
    cause = np.array([_join_causes(c) for c in causes], dtype=object)
    # Silent while every tunnel is: the overlap of the tunnels' silences. Last heard: the
    # latest sign of life of any of them.
    t_silent_start, t_silent_end, t_alive = signs_of_life(ctx, down.select(idx))
    silent_start = np.full(conn.size, NEG_INF, dtype=_I64)
    silent_end = np.full(conn.size, INF, dtype=_I64)
    last_alive = np.full(conn.size, NEG_INF, dtype=_I64)
    np.maximum.at(silent_start, outage, t_silent_start)
    np.minimum.at(silent_end, outage, t_silent_end)
    np.maximum.at(last_alive, outage, t_alive)
    return OutageArrays(conn, start, end, ongoing, cause, silent_start, silent_end, last_alive)


def _join_causes(names: list[str]) -> str:
    explained = [n for n in names if n != UNEXPLAINED]
    return CAUSE_SEPARATOR.join(explained) if explained else UNEXPLAINED


def finalise(oa: OutageArrays, exclude: ExcludeLike, min_duration: DurationLike) -> OutageArrays:
    """Remove maintenance windows from outages, then drop the ones shorter than the minimum."""
    ex_start, ex_end = resolve_exclude(exclude)
    min_ns = to_ns_duration("min_duration", min_duration) or 0
    parent, start, end = subtract(oa.start, oa.end, ex_start, ex_end)
    ongoing = oa.ongoing[parent] & (end == oa.end[parent])
    out = OutageArrays(
        oa.group[parent],
        start,
        end,
        ongoing,
        oa.cause[parent],
        oa.silent_start[parent],
        oa.silent_end[parent],
        oa.last_alive[parent],
    )
    return out.take(np.nonzero(end - start >= min_ns)[0])


@shared_doc()
def outages(
    events: EventsLike,
    *,
    level: str = "tunnel",
    min_duration: DurationLike = None,
    exclude: ExcludeLike = None,
    start: TimeLike = None,
    end: TimeLike = None,
    cause_lookback: DurationLike = DEFAULT_CAUSE_LOOKBACK,
    stale_after: StaleLike = DEFAULT_STALE_AFTER,
    maintenance: pd.DataFrame | None = None,
    routing: str = s.ROUTING_AUTO,
    require_routes: bool = False,
) -> pd.DataFrame:
    """Return the outages of every tunnel, or of every connection, within the window.

    **Tunnel outage**: a maximal interval in which the tunnel is not up, i.e. a ``down``
    interval of :func:`tunnel_states`. A down state holds through any silence (a down
    tunnel logs nothing until the customer gateway tries again), so an outage that spans
    a silence ends at the record that shows the tunnel up again, and is ``ongoing`` only
    when the window ends first. Time before a tunnel's first record with states, and
    after an up state's silence longer than ``stale_after``, is ``unknown``, neither up
    nor down, and is no outage.

    **Silence and last sign of life**: ``silent`` is how much of the outage (as reported,
    clipped) the tunnel logged nothing after the record that began it, up to its next
    record -- all of it for a dead site under the default tunnel options, little for a
    gateway retrying with a wrong key. ``last_alive`` is the tunnel's last record before
    the outage that showed the gateway alive (a packet or DPD ACK received, a negotiation
    answered, an SA established): "last heard 09:42:38, declared dead 09:43:18". For a
    connection outage, ``silent`` is the time all its tunnels were silent at once, and
    ``last_alive`` the latest sign of life of any of them.

    **Connection outage**: a maximal interval in which every *observed* tunnel of the
    connection is down at once -- the outage that actually cuts traffic. A tunnel is
    observed when its state is known (up or down) at some time in the window; a tunnel
    never seen in the window does not count, so a connection with one logged tunnel has
    that tunnel's outages. While an observed tunnel is ``unknown`` (before its first
    record, or silent beyond ``stale_after`` after an up state) the connection is not
    counted down: nothing says that tunnel was down. Hence a connection's downtime never
    exceeds any of its observed tunnels' downtime. A connection outage that ends without
    a tunnel coming up (one went unobserved) is ``ongoing``.

    **Cause**: at tunnel level, the most specific error event of the tunnel at or at most
    ``cause_lookback`` before the outage's true start (configuration mismatches first,
    then ``phase1_timeout``, ``dpd_timeout``, ``cgw_delete_ike_sa``, ...), else
    ``unexplained``. At connection level, the causes of the tunnel outages it overlaps,
    unique, in the order those tunnel outages began, joined by ``", "`` (for example
    ``"dpd_timeout, psk_mismatch"``); ``unexplained`` only when none is explained.

    Outages are clipped to the window; one still open at ``end`` is ``ongoing``.
    Maintenance windows in ``exclude`` are cut out of outages (an outage spanning one
    becomes two pieces, each keeping the cause); then pieces shorter than
    ``min_duration`` are dropped.

    Parameters
    ----------
    {params.events}
    level : {"tunnel", "connection"}, default "tunnel"
        Outages of single tunnels, or of whole connections.
    {params.min_duration}
    {params.exclude}
    {params.window}
    {params.cause_lookback}
    {params.stale_after}
    {params.maintenance}
        Adds ``context``, the context of the windows an outage overlaps (``customer_change``
        before ``aws_maintenance``, else ``none``; see :func:`label_outages`).
    {params.routing}
        A reachability outage that begins with BGP carries the BGP cause
        (``bgp_hold_timer_expired``, ``bgp_notification_received``, ...,
        ``bgp_session_down`` when none was logged).
    {params.require_routes}

    Returns
    -------
    pandas.DataFrame
        One row per outage, by tunnel (connection) then time: ``vpn_connection_id``,
        ``tunnel_ip`` (tunnel level only), ``start``, ``end`` (UTC), ``duration``,
        ``ongoing``, ``cause``, ``silent`` (Timedelta), ``last_alive`` (UTC, NaT when
        no record before the outage showed the gateway alive) and, with ``maintenance``,
        ``context``. ``attrs["routing"]`` says which rule counted the outages of which
        tunnel (connection): ``{"ipsec": [...], "ipsec+bgp": [...]}`` with
        ``(vpn_connection_id, tunnel_ip)`` pairs (connection ids), the rule that
        ``summary`` and ``availability`` name in their ``routing`` column.

    Examples
    --------
    >>> outages(events, level="connection", min_duration="120s")  # doctest: +SKIP
    """
    check_choice("level", level, LEVELS)
    ctx = context(events, start, end, cause_lookback, stale_after=stale_after)
    ctx, rule = reachability(ctx, routing, require_routes)
    if level == LEVEL_CONNECTION:
        oa = finalise(connection_outage_arrays(ctx), exclude, min_duration)
        ids: dict[str, object] = {s.VPN_CONNECTION_ID: ctx.rows.tunnels.conn_column(oa.group)}
    else:
        oa = finalise(tunnel_outage_arrays(ctx), exclude, min_duration)
        ids = dict(ctx.rows.tunnels.columns(oa.group))
    table = pd.DataFrame(
        {
            **ids,
            START: times(oa.start),
            END: times(oa.end),
            DURATION: durations(oa.end - oa.start),
            ONGOING: oa.ongoing.astype(bool),
            CAUSE: pd.array(oa.cause.astype(object), dtype="str"),
            SILENT: durations(oa.silent),
            LAST_ALIVE: times(oa.last_alive, oa.last_alive != NEG_INF),
        }
    )
    table = table if maintenance is None else label_outages(table, maintenance)
    table.attrs[s.ROUTING] = rules_used(ctx, rule, level)
    return table


def rules_used(ctx: Context, rule: np.ndarray, level: str) -> dict[str, list[object]]:
    """Return which tunnels (or connections) each routing rule judged, for the rules used.

    ``{"ipsec": [...], "ipsec+bgp": [...]}``: tunnels as ``(vpn_connection_id,
    tunnel_ip)`` pairs, connections as ids (a connection takes the most demanding rule of
    its tunnels), in the order of the context's tunnels.
    """
    tunnels = ctx.rows.tunnels
    if level == LEVEL_CONNECTION:
        codes = connection_rules(ctx, rule)
        ids: list[object] = [str(c) for c in tunnels.conn_column(np.arange(codes.size))]
    else:
        codes = rule
        keys = tunnels.columns(np.arange(codes.size, dtype=_I64))
        ids = [(str(v), str(i)) for v, i in zip(*keys.values(), strict=True)]
    used: dict[str, list[object]] = {}
    for code, key in zip(codes.tolist(), ids, strict=True):
        used.setdefault(s.ROUTING_RULES[code], []).append(key)
    return used
