"""BGP over the tunnels: session state, BGP flaps and outages with causes, routes held.

Since November 2025 AWS publishes a BGP log per tunnel (``log_type == "bgp"``):
``BGPStatus`` records (status ``UP``/``DOWN``) of the AWS-side BGP speaker's session with
the customer gateway, and ``RouteStatus`` records (``ADVERTISED``/``UPDATED``/``WITHDRAWN``
with the prefix and its attributes). The log records changes only (keepalives are not
logged), so a BGP state holds until the next record instead of going stale with time.

**Session state** of a tunnel with BGP logs, a step function:

- Each ``BGPStatus`` record sets it until the next one: ``established`` if its status is
  ``UP``, else ``not_established``. Of several records of one instant the last holds.
- The state is named too (``bgp_state``): ``Established`` while established; otherwise
  the FSM state the latest "state has changed from X to Y" record named (``Idle``,
  ``Connect``, ``Active``, ``OpenSent``, ``OpenConfirm``), ``Idle`` when none was named
  since the session left Established (a speaker that resets goes to Idle, RFC 4271 §8).
- A tunnel whose IPsec goes down has no BGP session: from the change to down the state is
  ``not_established`` (``Idle``) until a record says otherwise, and it is never
  ``established`` while IPsec is down.
- The state holds while the tunnel itself is observed: where the tunnel has tunnel (IKE)
  logs and its IPsec state is ``unknown`` (before its first record, or an up tunnel
  silent for longer than ``stale_after``: see :func:`tunnel_states`), the BGP state is
  ``unknown`` too. A tunnel with BGP logs only is judged by them alone.
- Before a tunnel's first ``BGPStatus`` record the state is ``unknown``; so is a session
  first seen coming up (typically as logging starts), until it is first established:
  its first records open it (Idle, Connect, OpenSent, OpenConfirm, forward only) and
  nothing fails on the way (no BGP error record, no IPsec going down, no Active). What
  it was before it was first seen is not known, so its opening is no outage. A session
  first seen failing, or never established, is ``not_established`` from its first record.

**BGP flap** = a change from ``established`` to ``not_established``. **BGP outage** = a
maximal ``not_established`` interval. Its **cause**: the IPsec going down
(``ipsec_down``, with the tunnel outage's own cause as detail) when that started it;
else the most specific BGP error at or at most ``cause_lookback`` before the start
(``bgp_max_prefix_exceeded``, ``bgp_bad_open``, ``bgp_hold_timer_expired``,
``bgp_notification_sent``, ``bgp_notification_received``; ties: the latest); else the
most specific one logged during the outage (a session that keeps failing to come up;
ties: the earliest); else ``unexplained``. ``cause_detail`` carries what the message
says: the Cease sub-code and reason (``"6/2 Cease/Administrative Shutdown"``), both AS
numbers of a bad OPEN, the prefix count and limit.

**Routes** (:func:`routes`, :func:`route_events`). The AWS page does not say in which
direction ``RouteStatus`` records go. We take every one to describe a route AWS received
from the customer gateway (the documentation's example has the neighbor as next hop and
the customer's AS as path, and is denied for AWS's own AS in it): ``ADVERTISED`` and
``UPDATED`` add the prefix or replace its attributes; ``WITHDRAWN`` removes it; a record
whose message says ``DENIED due to: <reason>`` never counts, and removes a route held for
the prefix (the new announcement replaces the old one, then is rejected). When a
session leaves ``established`` (a BGP flap, including the IPsec going down) every route
learned over it is gone (RFC 4271: routes of a closed session are withdrawn); the
customer gateway advertises them again when the session is re-established.

**Routes of a tunnel whose state is unknown.** Where a tunnel has tunnel (IKE) logs and
its IPsec state is ``unknown`` (an up tunnel silent for longer than ``stale_after``:
its logging stopped, the tunnel may or may not still carry its routes), nobody can say
which routes AWS held. :func:`routes` then lists the routes held when the state was last
known with ``held`` NA instead of True: a logging gap reads as "not known", neither as
"still held" nor as "no routes". The unknown stretch itself removes nothing (it is a gap
in what was logged, not a change): when the tunnel logs again and its session is still
established (BGP logs changes only, and none was logged), the routes are held again;
when the session is found not established, the routes are gone from then (listed as
``session_down`` at that time by :func:`route_events`; they ended somewhere in the
stretch). The staleness is the tunnel state's one rule (:func:`tunnel_states`), read from
the same context as the sessions. A tunnel with BGP logs only is judged by them alone:
its routes are never unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from .. import catalog
from .. import schema as s
from ..errors import OptionError
from ..options import DEFAULT_CAUSE_LOOKBACK, DEFAULT_STALE_AFTER, check_choice, shared_doc
from . import _bgp as k
from ._columns import CAUSE, CAUSE_EVENTS, DOWNTIME, DURATION, END, ONGOING, START, STATE
from ._context import Context, EventsLike, context, durations, times
from ._intervals import group_searchsorted
from ._stale import StaleLike
from ._window import DurationLike, TimeLike, to_ns_duration, to_timestamp, ts_ns

__all__ = [
    "ACTION",
    "BGP_STATE",
    "CAUSE_DETAIL",
    "HELD",
    "IPSEC_UP_TIME",
    "REASON",
    "ROUTES",
    "ROUTE_ACTIONS",
    "SESSION_STATES",
    "SINCE",
    "UPDATED",
    "bgp_flaps",
    "bgp_outages",
    "bgp_sessions",
    "route_events",
    "routes",
]

# Result columns and values are public in :mod:`vpnlog_analytics.schema`.
BGP_STATE, CAUSE_DETAIL, IPSEC_UP_TIME = s.BGP_STATE, s.CAUSE_DETAIL, s.IPSEC_UP_TIME
ACTION, REASON, HELD, ROUTES = s.ACTION, s.REASON, s.HELD, s.ROUTES
SINCE, UPDATED = s.SINCE, s.UPDATED
SESSION_STATES: Final = s.SESSION_STATE_VALUES
ROUTE_ACTIONS: Final = s.ROUTE_ACTIONS
#: Route attribute columns of the events table that route results carry.
ROUTE_ATTRIBUTES: Final = (
    s.BGP_AS_PATH,
    s.BGP_LOCAL_PREF,
    s.BGP_MED,
    s.BGP_NEXT_HOP_IP,
    s.BGP_WEIGHT,
)


@dataclass(frozen=True)
class BgpContext:
    """The tunnel context of a window with the BGP rows and sessions built on it."""

    ctx: Context
    rows: k.BgpRows
    sessions: k.Sessions

    @property
    def window(self) -> tuple[int, int]:
        """The analysis window ``[start, end)`` [ns]."""
        return self.ctx.window


_CACHE = "_vpnlog_bgp"


def bgp_context(
    events: EventsLike,
    start: TimeLike = None,
    end: TimeLike = None,
    cause_lookback: DurationLike = DEFAULT_CAUSE_LOOKBACK,
    stale_after: StaleLike = DEFAULT_STALE_AFTER,
) -> BgpContext:
    """Validate the table and options, then build the tunnel states and BGP sessions.

    Built once per prepared :class:`~vpnlog_analytics.analysis.Context` and kept on it.
    """
    ctx = context(events, start, end, cause_lookback, stale_after=stale_after)
    cached = ctx.__dict__.get(_CACHE)
    if isinstance(cached, BgpContext):
        return cached
    rows = k.bgp_rows_of(ctx.events, ctx)
    bc = BgpContext(ctx, rows, k.sessions(rows, ctx, ctx.lookback))
    ctx.__dict__[_CACHE] = bc
    return bc


def reachability(
    ctx: Context, routing: str = s.ROUTING_AUTO, require_routes: bool = False
) -> tuple[Context, np.ndarray]:
    """Return the context whose tunnel intervals are reachability, and each tunnel's rule.

    With ``routing="auto"`` a tunnel with BGP logs is up while its IPsec is up and its
    BGP session is not known to be down (and, with ``require_routes``, while it holds an
    accepted route, where it has route records); a tunnel without them, or time before
    its first BGP record, is judged by IPsec alone: missing BGP records never count as
    down. ``routing="ipsec"`` returns ``ctx`` unchanged. The rule is an index of
    :data:`~vpnlog_analytics.schema.ROUTING_RULES` per tunnel of the context.
    """
    check_choice("routing", routing, s.ROUTING_CHOICES)
    if not isinstance(require_routes, bool):
        raise OptionError(f"require_routes={require_routes!r} must be True or False")
    rule = np.zeros(ctx.rows.tunnels.n, dtype=np.int64)
    if routing == s.ROUTING_IPSEC or not (ctx.events[s.LOG_TYPE] == "bgp").any():
        return ctx, rule
    bc = bgp_context(ctx)
    rt = k.route_records(bc.rows, bc.sessions) if require_routes else None
    iv, rule = k.reachability_intervals(ctx, bc.rows, bc.sessions, rt, len(CAUSE_EVENTS))
    out = Context(ctx.rows, ctx.window, ctx.lookback, ctx.stale, limits=ctx.limits)
    out.__dict__["changes"] = ctx.changes
    out.__dict__["intervals"] = iv
    return out, rule


def connection_rules(ctx: Context, rule: np.ndarray) -> np.ndarray:
    """Return the rule of each connection: the most demanding rule of its tunnels."""
    out = np.zeros(ctx.rows.tunnels.n_conn, dtype=np.int64)
    np.maximum.at(out, ctx.rows.tunnels.conn, rule)
    return out


def _clip(
    start: np.ndarray, end: np.ndarray, window: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Clip intervals to the window: (kept indices, clipped start, clipped end)."""
    lo, hi = window
    st, en = np.maximum(start, lo), np.minimum(end, hi)
    keep = np.nonzero(en > st)[0]
    return keep, st[keep], en[keep]


def _state_names(codes: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.astype(np.int64), categories=pd.Index(SESSION_STATES))


def _fsm_names(codes: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(
        codes.astype(np.int64), categories=pd.Index(catalog.BGP_STATES)
    )


@shared_doc()
def bgp_sessions(
    events: EventsLike,
    *,
    start: TimeLike = None,
    end: TimeLike = None,
    stale_after: StaleLike = DEFAULT_STALE_AFTER,
) -> pd.DataFrame:
    """Return every BGP session's state as consecutive intervals within the window.

    The semantics are in the module docstring: each ``BGPStatus`` record sets the state
    (``established`` iff its status is ``UP``) until the next; an IPsec outage of the
    tunnel ends the session until a record says it is established again; where the
    tunnel's IPsec state is unknown, so is its BGP state. A new interval begins whenever
    the state or the named FSM state changes. Only tunnels with BGP rows appear.

    Intervals are clipped to ``[start, end)``; one whose true end is after ``end`` (or
    not yet known) is ``ongoing``. Per tunnel the durations add up to the window.

    Parameters
    ----------
    {params.events}
    {params.window}
    {params.stale_after}
        While the tunnel is ``unknown``, so is its BGP state.

    Returns
    -------
    pandas.DataFrame
        One row per interval, by tunnel then time: ``vpn_connection_id``, ``tunnel_ip``,
        ``state`` (``established``/``not_established``/``unknown``), ``bgp_state`` (the
        named FSM state, NA while unknown), ``start``, ``end`` (UTC), ``duration``,
        ``ongoing``.

    Examples
    --------
    >>> bgp_sessions(events).query("state == 'not_established'")  # doctest: +SKIP
    """
    bc = bgp_context(events, start, end, stale_after=stale_after)
    ss = bc.sessions
    keep, st, en = _clip(ss.start, ss.end, bc.window)
    return pd.DataFrame(
        {
            **bc.rows.tunnels.columns(ss.tid[keep]),
            STATE: _state_names(ss.state[keep]),
            BGP_STATE: _fsm_names(ss.name[keep]),
            START: times(st),
            END: times(en),
            DURATION: durations(en - st),
            ONGOING: ss.end[keep] > bc.window[1],
        }
    )


@shared_doc()
def bgp_flaps(
    events: EventsLike,
    *,
    start: TimeLike = None,
    end: TimeLike = None,
    cause_lookback: DurationLike = DEFAULT_CAUSE_LOOKBACK,
    stale_after: StaleLike = DEFAULT_STALE_AFTER,
) -> pd.DataFrame:
    """Return every BGP flap: each time a session went from established to not, in the window.

    See the module docstring for the session state and the cause. The first known state
    being ``not_established`` is no flap; nor is a change to ``unknown``.

    Parameters
    ----------
    {params.events}
    {params.window}
    {params.cause_lookback}
    {params.stale_after}
        While the tunnel is ``unknown``, so is its BGP state.

    Returns
    -------
    pandas.DataFrame
        One row per flap, by tunnel then time: ``vpn_connection_id``, ``tunnel_ip``,
        ``time`` (UTC), ``cause``, ``cause_detail`` and ``downtime``: the time until the
        session was established again, NaT if it was not by ``end``.

    Examples
    --------
    >>> bgp_flaps(events).groupby("cause").size()  # doctest: +SKIP
    """
    bc = bgp_context(events, start, end, cause_lookback, stale_after)
    o = bc.sessions.outages
    lo, hi = bc.window
    f = np.nonzero(o.flap & (o.start >= lo) & (o.start < hi))[0]
    restored = o.restored[f] & (o.end[f] <= hi)
    return pd.DataFrame(
        {
            **bc.rows.tunnels.columns(o.tid[f]),
            s.TIME: times(o.start[f]),
            CAUSE: pd.array(o.cause[f], dtype="str"),
            CAUSE_DETAIL: pd.array(o.detail[f], dtype="str"),
            DOWNTIME: durations(o.end[f] - o.start[f], restored),
        }
    )


def outage_table(bc: BgpContext, min_duration: DurationLike = None) -> pd.DataFrame:
    """Return the BGP outages of a context's window (see :func:`bgp_outages`)."""
    ss, o = bc.sessions, bc.sessions.outages
    min_ns = to_ns_duration("min_duration", min_duration) or 0
    keep, st, en = _clip(o.start, o.end, bc.window)
    # Time with IPsec up inside each (clipped) outage, from the segments.
    seg = np.nonzero((ss.seg_state == k.NOT_ESTABLISHED) & (ss.seg_ipsec == k.IPSEC_UP))[0]
    up = np.zeros(o.tid.size, dtype=np.int64)
    if seg.size and o.tid.size:
        which = group_searchsorted(o.tid, o.start, ss.seg_tid[seg], ss.seg_start[seg], "right")
        which -= 1
        lo, hi = bc.window
        a = np.maximum(ss.seg_start[seg], lo)
        b = np.minimum(ss.seg_end[seg], hi)
        np.add.at(up, which, np.maximum(b - a, 0))
    keep_long = en - st >= min_ns
    keep, st, en = keep[keep_long], st[keep_long], en[keep_long]
    return pd.DataFrame(
        {
            **bc.rows.tunnels.columns(o.tid[keep]),
            START: times(st),
            END: times(en),
            DURATION: durations(en - st),
            ONGOING: o.end[keep] > bc.window[1],
            CAUSE: pd.array(o.cause[keep], dtype="str"),
            CAUSE_DETAIL: pd.array(o.detail[keep], dtype="str"),
            IPSEC_UP_TIME: durations(up[keep]),
        }
    )


@shared_doc()
def bgp_outages(
    events: EventsLike,
    *,
    min_duration: DurationLike = None,
    start: TimeLike = None,
    end: TimeLike = None,
    cause_lookback: DurationLike = DEFAULT_CAUSE_LOOKBACK,
    stale_after: StaleLike = DEFAULT_STALE_AFTER,
) -> pd.DataFrame:
    """Return the BGP outages of every tunnel: maximal intervals not established.

    Unknown time (before the first ``BGPStatus`` record, a session first seen coming up
    until it is established, or while the tunnel's IPsec state is unknown) is no outage.
    Outages are clipped to the window; one still open at ``end`` is ``ongoing``; then
    those shorter than ``min_duration`` are dropped. The
    cause follows the rules of the module docstring. ``ipsec_up_time`` says how much of
    the outage the tunnel's IPsec was up: the part where IPsec looked healthy while no
    routes could be exchanged (all of it for a BGP-only outage).

    Parameters
    ----------
    {params.events}
    {params.min_duration}
    {params.window}
    {params.cause_lookback}
    {params.stale_after}
        While the tunnel is ``unknown``, so is its BGP state.

    Returns
    -------
    pandas.DataFrame
        One row per outage, by tunnel then time: ``vpn_connection_id``, ``tunnel_ip``,
        ``start``, ``end`` (UTC), ``duration``, ``ongoing``, ``cause``, ``cause_detail``,
        ``ipsec_up_time``.

    Examples
    --------
    >>> bgp_outages(events).query("ipsec_up_time > '5min'")  # doctest: +SKIP
    """
    bc = bgp_context(events, start, end, cause_lookback, stale_after)
    return outage_table(bc, min_duration)


def _used_sorted(column: pd.Series) -> pd.Series:
    """Return a categorical column with the values it holds as categories, sorted.

    Results then do not depend on which other rows were loaded with them (the same
    table split by connection, as on Dask, gives the same categories).
    """
    if not isinstance(column.dtype, pd.CategoricalDtype):
        return column
    used = column.cat.remove_unused_categories()
    return used.cat.reorder_categories(sorted(used.cat.categories))


def _attributes(events: pd.DataFrame, pos: np.ndarray) -> dict[str, object]:
    return {c: _used_sorted(events[c].take(pos).reset_index(drop=True)) for c in ROUTE_ATTRIBUTES}


def _prefix_column(rt: k.Routes, idx: np.ndarray) -> pd.Series:
    column = pd.Series(pd.Categorical.from_codes(rt.prefix[idx], categories=rt.prefix_names))
    return _used_sorted(column)


@shared_doc()
def routes(
    events: EventsLike,
    *,
    at: TimeLike = None,
    stale_after: StaleLike = DEFAULT_STALE_AFTER,
) -> pd.DataFrame:
    """Return the routes AWS held from the customer gateway on each tunnel at a time.

    Rebuilt from the ``RouteStatus`` records (the direction assumption and the rules are
    in the module docstring): a prefix is held from an accepted ``ADVERTISED`` or
    ``UPDATED`` record until it is withdrawn, denied, or the session over the tunnel
    ends. Records at ``at`` count. Denied prefixes are never held; see
    :func:`route_events` for them and their reasons.

    Where the tunnel's state is ``unknown`` at ``at`` (an up tunnel silent for longer
    than ``stale_after``, or ``at`` before its first tunnel record), the routes it held
    when its state was last known are listed with ``held`` NA: not known to be held,
    nor known to be gone. ``routes(...).query("held == True")`` keeps the known ones.

    Parameters
    ----------
    {params.events}
    at : pandas.Timestamp or str, optional
        The instant (tz-aware or a UTC string); default the end of the window: after the
        table's last record (a prepared context: just before its ``end``).
    {params.stale_after}
        While the tunnel is ``unknown``, its routes are not known (``held`` NA).

    Returns
    -------
    pandas.DataFrame
        One row per route, by tunnel then prefix: ``vpn_connection_id``,
        ``tunnel_ip``, ``bgp_prefix``, ``bgp_as_path``, ``bgp_local_pref``, ``bgp_med``,
        ``bgp_next_hop_ip``, ``bgp_weight`` (of the record in force), ``since`` (held
        continuously since, UTC), ``updated`` (time of the record in force) and ``held``
        (nullable boolean: True, or NA where the tunnel's state is unknown at ``at``).

    Examples
    --------
    >>> routes(events, at="2026-10-21 09:43")  # doctest: +SKIP
    """
    bc = bgp_context(events, stale_after=stale_after)
    t = bc.window[1] - 1 if at is None else ts_ns(to_timestamp("at", at))
    rt = k.route_records(bc.rows, bc.sessions)
    idx = rt.at(t)
    unknown = bc.sessions.ipsec_at(rt.tid[idx], t) == k.IPSEC_UNKNOWN
    return pd.DataFrame(
        {
            **bc.rows.tunnels.columns(rt.tid[idx]),
            s.BGP_PREFIX: _prefix_column(rt, idx),
            **_attributes(bc.rows.events, rt.pos[idx]),
            SINCE: times(rt.since[idx]),
            UPDATED: times(rt.time[idx]),
            HELD: pd.arrays.BooleanArray(np.ones(idx.size, dtype=bool), unknown),
        }
    )


def route_event_table(bc: BgpContext) -> pd.DataFrame:
    """Return every route change of a context, unfiltered (see :func:`route_events`)."""
    rt = k.route_records(bc.rows, bc.sessions)
    rc = k.route_changes(rt)
    src, tid, time = rc.src, rc.tid, rc.time
    return pd.DataFrame(
        {
            s.TIME: times(time),
            **bc.rows.tunnels.columns(tid),
            s.BGP_PREFIX: _prefix_column(rt, src),
            ACTION: pd.Categorical.from_codes(rc.action, categories=pd.Index(ROUTE_ACTIONS)),
            **_attributes(bc.rows.events, rt.pos[src]),
            REASON: pd.array(rc.reason, dtype="str"),
            HELD: rc.held,
            ROUTES: rc.count,
        }
    )


@shared_doc(
    own={
        "start": "selects the changes listed; earlier records still count",
        "end": "selects the changes listed; earlier records still count",
    }
)
def route_events(
    events: EventsLike,
    *,
    start: TimeLike = None,
    end: TimeLike = None,
    stale_after: StaleLike = DEFAULT_STALE_AFTER,
) -> pd.DataFrame:
    """Return every route change per tunnel: advertised, updated, withdrawn, denied, lost.

    One row per ``RouteStatus`` record, plus one ``session_down`` row per route that was
    held when its session ended (the routes of a closed session are gone; ``reason`` is
    the BGP outage's cause, e.g. ``ipsec_down``). The rules and the direction assumption
    are in the module docstring. Answers "when did 10.20.0.0/16 disappear?":
    ``route_events(events).query("bgp_prefix == '10.20.0.0/16' and not held")``.

    A tunnel going ``unknown`` (an up tunnel silent for longer than ``stale_after``) is
    no change and lists nothing: ``held`` and ``routes`` go on from the routes as last
    known (see :func:`routes`, which flags them at an instant). A session found not
    established after such a stretch ends its routes then (``session_down`` rows).

    Parameters
    ----------
    {params.events}
    start, end : pandas.Timestamp or str, optional
        Only changes with ``start <= time < end`` are listed (records before ``start``
        still count for ``held`` and ``routes``); default all.
    {params.stale_after}
        While the tunnel is ``unknown``, so is its BGP state.

    Returns
    -------
    pandas.DataFrame
        By tunnel then time: ``time`` (UTC), ``vpn_connection_id``, ``tunnel_ip``,
        ``bgp_prefix``, ``action`` (``advertised``/``updated``/``withdrawn``/``denied``/
        ``session_down``), the route attributes (``bgp_as_path``, ``bgp_local_pref``,
        ``bgp_med``, ``bgp_next_hop_ip``, ``bgp_weight``), ``reason`` (why denied or
        lost; NA otherwise), ``held`` (the prefix is held after the change) and
        ``routes`` (prefixes the tunnel holds after it).

    Examples
    --------
    >>> route_events(events).query("action == 'denied'")[["bgp_prefix", "reason"]]  # doctest: +SKIP
    """
    table = route_event_table(bgp_context(events, stale_after=stale_after))
    if start is None and end is None:
        return table
    lo = to_timestamp("start", start) if start is not None else None
    hi = to_timestamp("end", end) if end is not None else None
    mask = np.ones(len(table), dtype=bool)
    if lo is not None:
        mask &= (table[s.TIME] >= lo).to_numpy()
    if hi is not None:
        mask &= (table[s.TIME] < hi).to_numpy()
    return table[mask].reset_index(drop=True)
