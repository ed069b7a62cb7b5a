"""BGP kernels on whole arrays: session step functions, outages with causes, route tables.

Tunnels with BGP rows get their own integer ids (sorted like the tunnel ids of
:mod:`._timeline`, by connection then outside IP); times are int64 nanoseconds. Messages
are parsed once per distinct ``details`` value, never per row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import catalog
from .. import schema as s
from ._columns import BGP_CAUSE_EVENTS
from ._context import Context
from ._intervals import INF, NEG_INF, group_latest, group_searchsorted
from ._timeline import DOWN as IPSEC_DOWN
from ._timeline import UNKNOWN as IPSEC_UNKNOWN
from ._timeline import UP as IPSEC_UP
from ._timeline import Intervals, Tunnels, cause_names, codes_of, lookup, tunnel_keys

__all__ = [
    "BgpRows",
    "Routes",
    "SessionOutages",
    "Sessions",
    "bgp_rows_of",
    "reachability_intervals",
    "route_records",
    "sessions",
]

_I64 = np.int64

#: Session states, in the order of the ``state`` category of :func:`bgp_sessions`.
ESTABLISHED, NOT_ESTABLISHED, UNKNOWN = 0, 1, 2
SESSION_STATES = s.SESSION_STATE_VALUES
IDLE = catalog.BGP_STATES.index("Idle")
ESTABLISHED_NAME = catalog.BGP_STATES.index("Established")
#: The cause of a BGP outage that began when the tunnel's IPsec went down.
IPSEC_DOWN_CAUSE = s.IPSEC_DOWN
#: Events that can explain a BGP outage, most specific first (``ipsec_down`` before all:
#: the BGP records that follow an IPsec outage are its consequences).
SESSION_CAUSE_EVENTS = BGP_CAUSE_EVENTS[:5]
SESSION_CAUSES = (IPSEC_DOWN_CAUSE, *SESSION_CAUSE_EVENTS)
UNEXPLAINED = s.UNEXPLAINED
#: Route actions, in the order of the ``action`` category of :func:`route_events`.
ADVERTISED, UPDATED, WITHDRAWN, DENIED, SESSION_DOWN = range(5)
ROUTE_ACTIONS = s.ROUTE_ACTIONS
BGP_COLUMNS = (
    s.TIME,
    s.VPN_CONNECTION_ID,
    s.TUNNEL_IP,
    s.LOG_TYPE,
    s.DETAILS,
    s.EVENT,
    s.BGP_TYPE,
    s.BGP_STATUS,
    s.BGP_PREFIX,
)


# --- messages -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Messages:
    """What each distinct ``details`` value of the BGP rows says, by details code."""

    state: np.ndarray  # index into catalog.BGP_STATES of the new FSM state, -1 if none
    detail: np.ndarray  # object: notification code/reason, AS numbers, prefix counts; None
    denied: np.ndarray  # object: the denial reason of a route, None


def parse_messages(categories: pd.Index, used: np.ndarray) -> Messages:
    """Parse the categories at ``used`` (codes) of the ``details`` column, once each."""
    n = len(categories)
    state = np.full(n + 1, -1, dtype=_I64)  # code -1 (NA) indexes the last entry
    detail = np.full(n + 1, None, dtype=object)
    denied = np.full(n + 1, None, dtype=object)
    names = {name: i for i, name in enumerate(catalog.BGP_STATES)}
    for code in np.unique(used[used >= 0]).tolist():
        facts = catalog.bgp_facts(str(categories[code]))
        state[code] = names.get(facts.state, -1) if facts.state else -1
        detail[code] = facts.detail
        denied[code] = facts.denied
    return Messages(state, detail, denied)


# --- rows -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class BgpRows:
    """The BGP rows of an events table, sorted (stably) by tunnel then time."""

    events: pd.DataFrame
    index: np.ndarray  # position in ``events``
    tid: np.ndarray
    time: np.ndarray
    tunnels: Tunnels
    ipsec: np.ndarray  # per BGP tunnel: its tunnel id in the context, -1 if it has no IKE rows
    details: np.ndarray  # details code per row
    messages: Messages

    def lookup(self, column: str, names: tuple[str, ...]) -> np.ndarray:
        """Index of each row's ``column`` value in ``names`` (-1 if absent)."""
        return lookup(self.events[column], names, self.index)


def bgp_rows_of(events: pd.DataFrame, ctx: Context) -> BgpRows:
    """Select and sort the BGP rows; map their tunnels to the context's (IPsec) tunnels."""
    s.validate_events(events, columns=BGP_COLUMNS)
    tk = tunnel_keys(events, "bgp")
    keep, t = tk.index, tk.time
    ukey, tid = np.unique(tk.key, return_inverse=True)
    tunnels = tk.tunnels(ukey)
    # The context's tunnel ids are in key order too: match keys.
    rows = ctx.rows
    first = np.searchsorted(rows.tid, np.arange(rows.tunnels.n, dtype=_I64))
    ctx_key = tk.key_of(rows.index[first])
    if ctx_key.size:
        at = np.clip(np.searchsorted(ctx_key, ukey), 0, ctx_key.size - 1)
        ipsec = np.where(ctx_key[at] == ukey, at, -1).astype(_I64)
    else:  # no tunnel (IPsec) rows: no BGP session has its tunnel's states
        ipsec = np.full(ukey.size, -1, dtype=_I64)
    dcodes, dcats = codes_of(events[s.DETAILS])
    details = dcodes[keep]
    return BgpRows(
        events,
        keep.astype(_I64),
        tid.astype(_I64),
        t.astype(_I64),
        tunnels,
        ipsec,
        details,
        parse_messages(dcats, details),
    )


# --- sessions ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sessions:
    """Every BGP tunnel's session as runs of constant (state, named FSM state), unclipped.

    Runs partition each tunnel's time line from ``NEG_INF``; ``end`` is the next run's
    start (``INF`` for the last). ``segments`` are the pieces between consecutive
    boundaries (BGP records, IPsec changes) with the IPsec state of each, for overlaps.
    """

    tid: np.ndarray
    state: np.ndarray
    name: np.ndarray  # index into catalog.BGP_STATES, -1 while unknown
    start: np.ndarray
    end: np.ndarray
    seg_tid: np.ndarray
    seg_start: np.ndarray
    seg_end: np.ndarray
    seg_state: np.ndarray
    seg_ipsec: np.ndarray
    outages: SessionOutages
    n_tunnels: int

    def ipsec_at(self, tid: np.ndarray, t: int) -> np.ndarray:
        """Return the IPsec state (``IPSEC_UP``/``DOWN``/``UNKNOWN``) of BGP tunnels at ``t``.

        Read off the segments, so it is the context's tunnel state (its one staleness
        rule); a tunnel without tunnel (IKE) logs counts as up, judged by BGP alone.
        """
        tid = np.asarray(tid, dtype=_I64)
        if tid.size == 0:
            return np.empty(0, dtype=_I64)
        q = group_searchsorted(
            self.seg_tid, self.seg_start, tid, np.full(tid.size, t, _I64), "right"
        )
        # Every tunnel has a segment from NEG_INF, so q - 1 is its segment at ``t``.
        return self.seg_ipsec[q - 1].astype(_I64)


@dataclass(frozen=True)
class SessionOutages:
    """Maximal not-established runs with their cause, and the flaps that began them."""

    tid: np.ndarray
    start: np.ndarray
    end: np.ndarray
    flap: np.ndarray  # bool: the run before was established
    restored: np.ndarray  # bool: the run after is established
    cause: np.ndarray  # object: a name of SESSION_CAUSES or UNEXPLAINED
    detail: np.ndarray  # object or None
    # bool: the last known state before it was established (a flap; or established, then
    # unknown, then found not established): the session's routes are gone at its start.
    clears: np.ndarray


def _next_in_group(group: np.ndarray, values: np.ndarray, fill: int) -> np.ndarray:
    out = np.full(values.size, fill, dtype=_I64)
    if values.size > 1:
        same = group[1:] == group[:-1]
        out[:-1] = np.where(same, values[1:], fill)
    return out


def ffill_index(has: np.ndarray, new_group: np.ndarray) -> np.ndarray:
    """Index of the latest element with ``has`` in its group (the group's first if none)."""
    idx = np.where(has | new_group, np.arange(has.size, dtype=_I64), 0)
    return np.maximum.accumulate(idx) if idx.size else idx


#: The FSM states of a session opening, in the order it passes them (RFC 4271 section 8).
OPENING_STEPS = tuple(
    catalog.BGP_STATES.index(n) for n in ("Idle", "Connect", "OpenSent", "OpenConfirm")
)


def opening(
    tid: np.ndarray,
    time: np.ndarray,
    val: np.ndarray,
    name: np.ndarray,
    failed_tid: np.ndarray,
    failed_time: np.ndarray,
    n: int,
) -> np.ndarray:
    """Mark the elements of each session's first opening: a session first seen coming up.

    A tunnel's elements (sorted by tunnel then time) before its first ``established`` one
    are its opening when the session did come up and nothing went wrong on the way: no
    failure (``failed_time``: a BGP error record or the IPsec going down) before it was
    established, and its named FSM state only moved forward through Idle, Connect,
    OpenSent and OpenConfirm (no Active: no connection attempt failed). Such a session
    was first seen while it came up -- typically as logging started -- and its state
    before that was unknown: the opening is no outage. A session first seen failing (or
    never established) is ``not_established`` from its first record, as before.
    """
    est = np.full(n, INF, dtype=_I64)
    e = np.nonzero(val == ESTABLISHED)[0]
    np.minimum.at(est, tid[e], time[e])
    fail = np.full(n, INF, dtype=_I64)
    np.minimum.at(fail, failed_tid, failed_time)
    before = time < est[tid]
    step = np.full(len(catalog.BGP_STATES) + 1, -1, dtype=_I64)
    step[list(OPENING_STEPS)] = np.arange(len(OPENING_STEPS))
    rank = step[name]
    # Forward only: each element's step at least the one before it in the tunnel.
    back = np.zeros(tid.size, dtype=bool)
    if tid.size > 1:
        back[1:] = (tid[1:] == tid[:-1]) & before[:-1] & (rank[1:] < rank[:-1])
    bad = np.zeros(n, dtype=bool)
    bad[tid[before & ((rank < 0) | back)]] = True
    clean = (est < INF) & (fail >= est) & ~bad
    return before & clean[tid]


def sessions(br: BgpRows, ctx: Context, lookback_ns: int) -> Sessions:
    """Build the session step function of every BGP tunnel (see :func:`bgp_sessions`)."""
    n = br.tunnels.n
    # BGPStatus rows with a status: UP = established, DOWN = not.
    is_status = br.lookup(s.BGP_TYPE, ("BGPStatus",)) == 0
    status = br.lookup(s.BGP_STATUS, ("UP", "DOWN"))
    r = np.nonzero(is_status & (status >= 0))[0]
    r_tid, r_time = br.tid[r], br.time[r]
    r_val = np.where(status[r] == 0, ESTABLISHED, NOT_ESTABLISHED).astype(_I64)
    r_name = br.messages.state[br.details[r]]
    # IPsec changes of BGP tunnels (context ids map monotonically onto BGP ids).
    bgp_of = np.full(ctx.rows.tunnels.n + 1, -1, dtype=_I64)
    has_ipsec = br.ipsec >= 0
    bgp_of[br.ipsec[has_ipsec]] = np.nonzero(has_ipsec)[0]
    ch = ctx.changes
    c = np.nonzero(bgp_of[ch.tid] >= 0)[0] if ch.tid.size else np.empty(0, dtype=_I64)
    i_tid, i_time, i_state = bgp_of[ch.tid[c]], ch.time[c], ch.state[c].astype(_I64)
    # Resets: every change of IPsec to down after the tunnel's first status record.
    first_rec = np.full(n, INF, dtype=_I64)
    np.minimum.at(first_rec, r_tid, r_time)
    x = np.nonzero((i_state == IPSEC_DOWN) & (i_time >= first_rec[i_tid]))[0]
    # Elements of the BGP step: resets first within an instant, then records in order.
    e_tid = np.concatenate([i_tid[x], r_tid])
    e_time = np.concatenate([i_time[x], r_time])
    e_val = np.concatenate([np.full(x.size, NOT_ESTABLISHED, dtype=_I64), r_val])
    e_name = np.concatenate([np.full(x.size, IDLE, dtype=_I64), r_name])
    e_prio = np.concatenate([np.zeros(x.size, dtype=_I64), np.ones(r.size, dtype=_I64)])
    order = np.lexsort((np.arange(e_tid.size), e_prio, e_time, e_tid))
    e_tid, e_time, e_val, e_name = e_tid[order], e_time[order], e_val[order], e_name[order]
    # A record saying UP while IPsec is down is not believed: no session without IPsec.
    j, j_ok = group_latest(i_tid, i_time, e_tid, e_time)
    if i_state.size:
        e_val = np.where(j_ok & (i_state[j] == IPSEC_DOWN), NOT_ESTABLISHED, e_val)
    # Name: an established element names Established; a not-established one the latest
    # FSM state named, Idle when none was or when that was Established.
    e_name = np.where(e_val == ESTABLISHED, ESTABLISHED_NAME, e_name)
    new_group = np.ones(e_tid.size, dtype=bool)
    new_group[1:] = e_tid[1:] != e_tid[:-1]
    e_name = e_name[ffill_index(e_name >= 0, new_group)] if e_tid.size else e_name
    e_name = np.where(
        (e_val == NOT_ESTABLISHED) & ((e_name < 0) | (e_name == ESTABLISHED_NAME)), IDLE, e_name
    )
    # Of several elements of one instant the last holds.
    last = np.ones(e_tid.size, dtype=bool)
    last[:-1] = (e_tid[1:] != e_tid[:-1]) | (e_time[1:] != e_time[:-1])
    e_tid, e_time, e_val, e_name = e_tid[last], e_time[last], e_val[last], e_name[last]
    # A session first seen coming up: its state before it is first established is unknown.
    err = np.nonzero(br.lookup(s.EVENT, SESSION_CAUSE_EVENTS) >= 0)[0]
    failed_tid = np.concatenate([br.tid[err], i_tid[x]])
    failed_time = np.concatenate([br.time[err], i_time[x]])
    keep = ~opening(e_tid, e_time, e_val, e_name, failed_tid, failed_time, n)
    e_tid, e_time, e_val, e_name = e_tid[keep], e_time[keep], e_val[keep], e_name[keep]
    # Boundaries: NEG_INF per tunnel, every element, every IPsec change.
    b_tid = np.concatenate([np.arange(n, dtype=_I64), e_tid, i_tid])
    b_time = np.concatenate([np.full(n, NEG_INF, dtype=_I64), e_time, i_time])
    order = np.lexsort((b_time, b_tid))
    b_tid, b_time = b_tid[order], b_time[order]
    uniq = np.ones(b_tid.size, dtype=bool)
    uniq[1:] = (b_tid[1:] != b_tid[:-1]) | (b_time[1:] != b_time[:-1])
    b_tid, b_time = b_tid[uniq], b_time[uniq]
    k, k_ok = group_latest(e_tid, e_time, b_tid, b_time)
    j, j_ok = group_latest(i_tid, i_time, b_tid, b_time)
    ipsec = np.where(j_ok, i_state[j] if i_state.size else 0, IPSEC_UNKNOWN)
    observed = has_ipsec[b_tid]
    val = np.where(k_ok, e_val[k] if e_val.size else 0, -1)
    name = np.where(k_ok, e_name[k] if e_name.size else 0, -1)
    state = np.where(
        ~k_ok | (observed & (ipsec == IPSEC_UNKNOWN)),
        UNKNOWN,
        np.where(observed & (ipsec == IPSEC_DOWN), NOT_ESTABLISHED, val),
    )
    name = np.where(
        state == UNKNOWN,
        -1,
        np.where((state == NOT_ESTABLISHED) & (val == ESTABLISHED), IDLE, name),
    )
    seg_end = _next_in_group(b_tid, b_time, INF)
    # IPsec up where it is, or where the tunnel has no IKE log to say otherwise.
    seg_ipsec = np.where(observed, ipsec, IPSEC_UP)
    # Runs of constant (state, name).
    new = np.ones(b_tid.size, dtype=bool)
    new[1:] = (b_tid[1:] != b_tid[:-1]) | (state[1:] != state[:-1]) | (name[1:] != name[:-1])
    run_tid, run_start = b_tid[new], b_time[new]
    run_state, run_name = state[new], name[new]
    run_end = _next_in_group(run_tid, run_start, INF)
    resets = (i_tid[x], i_time[x], cause_names(ch.cause[c[x]]))
    outages = _outages(br, run_tid, run_start, run_state, resets, lookback_ns)
    return Sessions(
        run_tid,
        run_state,
        run_name,
        run_start,
        run_end,
        b_tid,
        b_time,
        seg_end,
        state,
        seg_ipsec,
        outages,
        n,
    )


def _outages(
    br: BgpRows,
    run_tid: np.ndarray,
    run_start: np.ndarray,
    run_state: np.ndarray,
    resets: tuple[np.ndarray, np.ndarray, np.ndarray],
    lookback_ns: int,
) -> SessionOutages:
    """Merge runs by state; give each not-established run its cause.

    A candidate (a BGP error record, or an IPsec reset) explains the first run that
    starts at or after it, if that run is not established and starts at most
    ``lookback_ns`` later; failing that, an error record explains the not-established run
    it falls in. Candidates before a run beat those during it; then the rank of
    :data:`SESSION_CAUSES`; then the latest before, the earliest during.
    """
    new = np.ones(run_tid.size, dtype=bool)
    new[1:] = (run_tid[1:] != run_tid[:-1]) | (run_state[1:] != run_state[:-1])
    g, st, kind = run_tid[new], run_start[new], run_state[new]
    en = _next_in_group(g, st, INF)
    prev = np.full(g.size, UNKNOWN, dtype=_I64)
    nxt = np.full(g.size, UNKNOWN, dtype=_I64)
    if g.size > 1:
        same = g[1:] == g[:-1]
        prev[1:] = np.where(same, kind[:-1], UNKNOWN)
        nxt[:-1] = np.where(same, kind[1:], UNKNOWN)
    # The last known (not unknown) state before each run, across unknown stretches.
    new_group = np.ones(g.size, dtype=bool)
    new_group[1:] = g[1:] != g[:-1]
    has = kind != UNKNOWN
    last_known = ffill_index(has, new_group)
    prev_known = np.full(g.size, UNKNOWN, dtype=_I64)
    if g.size > 1:
        j = last_known[:-1]
        prev_known[1:] = np.where(~new_group[1:] & has[j], kind[j], UNKNOWN)
    rank = br.lookup(s.EVENT, SESSION_CAUSE_EVENTS)
    cr = np.nonzero(rank >= 0)[0]
    x_tid, x_time, x_detail = resets
    c_tid = np.concatenate([x_tid, br.tid[cr]])
    c_time = np.concatenate([x_time, br.time[cr]])
    c_rank = np.concatenate([np.zeros(x_tid.size, dtype=_I64), rank[cr] + 1])
    c_detail = np.concatenate([x_detail, br.messages.detail[br.details[cr]]])
    is_reset = np.arange(c_tid.size) < x_tid.size
    jj = group_searchsorted(g, st, c_tid, c_time, side="left")
    at = np.minimum(jj, max(g.size - 1, 0))
    before = (jj < g.size) & (g[at] == c_tid) & (kind[at] == NOT_ESTABLISHED)
    before &= st[at] - c_time <= lookback_ns
    pv = np.maximum(jj - 1, 0)
    during = ~before & ~is_reset & (jj >= 1) & (g[pv] == c_tid) & (kind[pv] == NOT_ESTABLISHED)
    target = np.where(before, jj, pv)
    ok = np.nonzero(before | during)[0]
    cls = (~before[ok]).astype(_I64)
    tkey = np.where(before[ok], -c_time[ok], c_time[ok])
    order = ok[np.lexsort((tkey, c_rank[ok], cls, target[ok]))]
    best = np.ones(order.size, dtype=bool)
    best[1:] = target[order][1:] != target[order][:-1]
    cause = np.full(g.size, UNEXPLAINED, dtype=object)
    detail = np.full(g.size, None, dtype=object)
    win = order[best]
    cause[target[win]] = np.array(SESSION_CAUSES, dtype=object)[c_rank[win]]
    detail[target[win]] = c_detail[win]
    o = np.nonzero(kind == NOT_ESTABLISHED)[0]
    return SessionOutages(
        g[o],
        st[o],
        en[o],
        prev[o] == ESTABLISHED,
        nxt[o] == ESTABLISHED,
        cause[o],
        detail[o],
        prev_known[o] == ESTABLISHED,
    )


# --- routes -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Routes:
    """Route records by (tunnel, prefix, time), and the session ends that clear routes.

    A session end is the start of an outage whose last known state before it was
    established (:attr:`SessionOutages.clears`): a BGP flap, or a session found not
    established after an unknown stretch. An unknown stretch itself clears nothing: it is a gap in
    what the logs show, not a change (see :meth:`Sessions.ipsec_at`).
    ``next_clear`` is the time of the tunnel's first session end at or after the record
    (``INF`` if none); a held route ends with the prefix's next record or that clear,
    whichever is first (a clear at the same instant as a record applies after it).
    """

    pos: np.ndarray  # row in ``events``
    tid: np.ndarray
    prefix: np.ndarray  # code into prefix_names
    pkey: np.ndarray  # tid * len(prefix_names) + prefix: sorted
    time: np.ndarray
    action: np.ndarray  # ADVERTISED, UPDATED, WITHDRAWN or DENIED
    reason: np.ndarray  # object: the denial reason, None
    next_clear: np.ndarray
    clear: np.ndarray  # index into the clears of the clear ending the record, -1
    ended_by_clear: np.ndarray
    prev_held: np.ndarray
    since: np.ndarray  # for adds: start of the continuous holding the record belongs to
    prefix_names: pd.Index
    clear_tid: np.ndarray
    clear_time: np.ndarray
    clear_cause: np.ndarray  # object

    @property
    def is_add(self) -> np.ndarray:
        """Records that add or replace a route (advertised or updated, not denied)."""
        return self.action <= UPDATED

    def at(self, t: int) -> np.ndarray:
        """Return the records whose route is held at ``t`` [ns], one per held prefix."""
        if self.pkey.size == 0:
            return np.empty(0, dtype=_I64)
        new = np.ones(self.pkey.size, dtype=bool)
        new[1:] = self.pkey[1:] != self.pkey[:-1]
        upk = self.pkey[new]
        idx, ok = group_latest(self.pkey, self.time, upk, np.full(upk.size, t, _I64))
        idx = idx[ok]
        return idx[self.is_add[idx] & (self.next_clear[idx] > t)]


def route_records(br: BgpRows, ss: Sessions) -> Routes:
    """Rebuild the routes of every BGP tunnel from its RouteStatus rows and session ends."""
    is_route = br.lookup(s.BGP_TYPE, ("RouteStatus",)) == 0
    pcodes, pnames = codes_of(br.events[s.BGP_PREFIX])
    prefix = pcodes[br.index]
    status = br.lookup(s.BGP_STATUS, ("ADVERTISED", "UPDATED", "WITHDRAWN"))
    denied = br.lookup(s.EVENT, ("route_denied",)) == 0
    r = np.nonzero(is_route & (prefix >= 0) & ((status >= 0) | denied))[0]
    tid, time, prefix = br.tid[r], br.time[r], prefix[r]
    order = np.lexsort((np.arange(r.size), time, prefix, tid))
    r, tid, time, prefix = r[order], tid[order], time[order], prefix[order]
    action = np.where(denied[r], DENIED, status[r]).astype(_I64)
    reason = br.messages.denied[br.details[r]]
    pkey = tid * max(len(pnames), 1) + prefix
    o = ss.outages
    f = np.nonzero(o.clears)[0]
    c_tid, c_time, c_cause = o.tid[f], o.start[f], o.cause[f]
    nc = group_searchsorted(c_tid, c_time, tid, time, side="left")
    at = np.minimum(nc, max(c_tid.size - 1, 0))
    nc_ok = (nc < c_tid.size) & (c_tid[at] == tid) if c_tid.size else np.zeros(r.size, bool)
    next_clear = np.where(nc_ok, c_time[at] if c_time.size else 0, INF)
    next_rec = _next_in_group(pkey, time, INF)
    is_add = action <= UPDATED
    ended = is_add & (next_clear < next_rec)
    first = np.ones(r.size, dtype=bool)
    first[1:] = pkey[1:] != pkey[:-1]
    prev_held = np.zeros(r.size, dtype=bool)
    prev_held[1:] = ~first[1:] & is_add[:-1] & ~ended[:-1]
    since = time[ffill_index(is_add & ~prev_held, first)]
    return Routes(
        br.index[r],
        tid,
        prefix,
        pkey,
        time,
        action,
        reason,
        next_clear,
        np.where(ended, nc, -1),
        ended,
        prev_held,
        since,
        pnames,
        c_tid,
        c_time,
        c_cause,
    )


@dataclass(frozen=True)
class RouteChanges:
    """Route records and the removals at session ends, by tunnel then time.

    ``src`` indexes the records of :class:`Routes`; removals (``is_clear``) repeat the
    record whose route they end. ``count`` is the number of prefixes the tunnel holds
    after each change.
    """

    src: np.ndarray
    is_clear: np.ndarray
    tid: np.ndarray
    time: np.ndarray
    action: np.ndarray
    reason: np.ndarray  # object
    held: np.ndarray
    count: np.ndarray


def route_changes(rt: Routes) -> RouteChanges:
    """Every route change with the running count of held prefixes per tunnel."""
    n = rt.tid.size
    c = np.nonzero(rt.ended_by_clear)[0]
    src = np.concatenate([np.arange(n, dtype=_I64), c])
    is_clear = np.arange(src.size) >= n
    tid = rt.tid[src]
    time = np.concatenate([rt.time, rt.next_clear[c]])
    action = np.concatenate([rt.action, np.full(c.size, SESSION_DOWN, dtype=_I64)])
    reason = np.concatenate([rt.reason, rt.clear_cause[rt.clear[c]]])
    held = np.concatenate([rt.is_add, np.zeros(c.size, dtype=bool)])
    before = np.concatenate([rt.prev_held, np.zeros(c.size, dtype=bool)])
    delta = np.where(is_clear, -1, held.astype(_I64) - before.astype(_I64))
    # Records before removals of the same instant: a session end applies after them.
    order = np.lexsort((src, is_clear, time, tid))
    tid, time, src, delta = tid[order], time[order], src[order], delta[order]
    total = np.cumsum(delta)
    new = np.ones(tid.size, dtype=bool)
    new[1:] = tid[1:] != tid[:-1]
    base = (total - delta)[ffill_index(new, new)] if tid.size else total
    return RouteChanges(
        src,
        is_clear[order],
        tid,
        time,
        action[order],
        reason[order],
        held[order],
        (total - base).astype(_I64),
    )


# --- reachability -----------------------------------------------------------------------------
#: Causes of reachability outages that BGP adds to the tunnel causes: the BGP outage
#: causes, ``bgp_session_down`` (not established, no reason logged) and ``bgp_no_routes``
#: (established without an accepted route, when routes are required).
REACH_CAUSES = BGP_CAUSE_EVENTS
#: Which rule decided a tunnel's (and connection's) reachability.
ROUTING_RULES = s.ROUTING_RULES


def reachability_intervals(
    ctx: Context,
    br: BgpRows,
    ss: Sessions,
    rt: Routes | None,
    cause_offset: int,
) -> tuple[Intervals, np.ndarray]:
    """Return the context's tunnel intervals with reachability in place of IPsec state.

    For each tunnel with a known BGP session state at some time: up iff IPsec is up and
    the session is not ``not_established`` (an unknown session state leaves IPsec to
    decide), and, when ``rt`` is given and the tunnel has route records, at least one
    route is held. Down pieces keep the IPsec cause, or get ``cause_offset`` + an index
    of :data:`REACH_CAUSES`. Tunnels without BGP keep their intervals. Also returns the
    rule of every context tunnel (index into :data:`ROUTING_RULES`).
    """
    iv = ctx.intervals
    bgp_of, ctx_of, rule, with_routes = _bgp_tunnels(ctx, br, ss, rt)
    if not (bgp_of >= 0).any():
        return iv, rule
    uses = bgp_of[iv.tid] >= 0
    counts = None if rt is None else _route_counts(rt)
    bt, bs, hi_t = _boundaries(iv, uses, ss, ctx_of, counts, ctx.rows.tunnels.n)
    state, cause = _reachability_at(iv, ss, bt, bs, bgp_of, counts, with_routes, cause_offset)
    # Runs of one state; the first piece names the cause.
    new = np.ones(bt.size, dtype=bool)
    new[1:] = (bt[1:] != bt[:-1]) | (state[1:] != state[:-1])
    r_tid, r_start, r_state, r_cause = bt[new], bs[new], state[new], cause[new]
    r_end = _next_in_group(r_tid, r_start, INF)
    last_of = np.ones(r_tid.size, dtype=bool)
    last_of[:-1] = r_tid[1:] != r_tid[:-1]
    r_end = np.where(last_of, hi_t[r_tid], r_end)
    lo, hi = ctx.window
    st, en = np.maximum(r_start, lo), np.minimum(r_end, hi)
    keep = en > st
    rest = np.nonzero(~uses)[0]
    tid = np.concatenate([iv.tid[rest], r_tid[keep]])
    order = np.lexsort((np.concatenate([iv.start[rest], st[keep]]), tid))

    def cat(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.concatenate([a[rest], b[keep]])[order]

    out = Intervals(
        tid[order],
        cat(iv.state, r_state.astype(iv.state.dtype)),
        cat(iv.start, st),
        cat(iv.end, en),
        cat(iv.true_start, r_start),
        cat(iv.true_end, r_end),
        cat(iv.ongoing, r_end > hi),
        cat(iv.cause, r_cause),
    )
    return out, rule


def _bgp_tunnels(
    ctx: Context, br: BgpRows, ss: Sessions, rt: Routes | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Map context and BGP tunnels both ways; the rule of each context tunnel.

    Returns
    -------
    bgp_of, ctx_of, rule, with_routes
        Per context tunnel its BGP tunnel (-1 unless it has IKE rows and a known session
        state); per BGP tunnel its context tunnel (-1 likewise); per context tunnel its
        rule; per BGP tunnel whether it has route records (with ``rt``).
    """
    known = np.zeros(ss.n_tunnels, dtype=bool)
    known[ss.tid[ss.state != UNKNOWN]] = True
    bgp_of = np.full(ctx.rows.tunnels.n, -1, dtype=_I64)
    mine = np.nonzero(known & (br.ipsec >= 0))[0]
    bgp_of[br.ipsec[mine]] = mine
    ctx_of = np.full(ss.n_tunnels, -1, dtype=_I64)
    ctx_of[mine] = br.ipsec[mine]
    rule = np.where(bgp_of >= 0, 1, 0).astype(_I64)
    with_routes = np.zeros(ss.n_tunnels, dtype=bool)
    if rt is not None and mine.size:
        with_routes[rt.tid] = True
        rule[(bgp_of >= 0) & with_routes[np.maximum(bgp_of, 0)]] = 2
    return bgp_of, ctx_of, rule, with_routes


def _route_counts(rt: Routes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(BGP tunnel, time, prefixes held) after the last route change of each instant."""
    rc = route_changes(rt)
    last = np.ones(rc.tid.size, dtype=bool)
    last[:-1] = (rc.tid[1:] != rc.tid[:-1]) | (rc.time[1:] != rc.time[:-1])
    return rc.tid[last], rc.time[last], rc.count[last]


def _boundaries(
    iv: Intervals,
    uses: np.ndarray,
    ss: Sessions,
    ctx_of: np.ndarray,
    counts: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
    n_ctx: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut each BGP-judged context tunnel at its IPsec pieces, BGP segments, route changes.

    Only boundaries within the pieces' true extent count. Returns the distinct
    (context tunnel, time) boundaries, sorted, and each context tunnel's true end.
    """
    p = np.nonzero(uses)[0]
    g_tid = iv.tid[p]
    lo_t = np.full(n_ctx, INF, dtype=_I64)
    hi_t = np.full(n_ctx, NEG_INF, dtype=_I64)
    np.minimum.at(lo_t, g_tid, iv.true_start[p])
    np.maximum.at(hi_t, g_tid, iv.true_end[p])
    b_tid = [g_tid, ctx_of[ss.seg_tid]]
    b_time = [iv.true_start[p], ss.seg_start]
    if counts is not None:
        b_tid.append(ctx_of[counts[0]])
        b_time.append(counts[1])
    bt, bs = np.concatenate(b_tid), np.concatenate(b_time)
    ok = bt >= 0
    ok[ok] = (bs[ok] >= lo_t[bt[ok]]) & (bs[ok] < hi_t[bt[ok]])
    bt, bs = bt[ok], bs[ok]
    order = np.lexsort((bs, bt))
    bt, bs = bt[order], bs[order]
    uniq = np.ones(bt.size, dtype=bool)
    uniq[1:] = (bt[1:] != bt[:-1]) | (bs[1:] != bs[:-1])
    return bt[uniq], bs[uniq], hi_t


def _reachability_at(
    iv: Intervals,
    ss: Sessions,
    bt: np.ndarray,
    bs: np.ndarray,
    bgp_of: np.ndarray,
    counts: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
    with_routes: np.ndarray,
    cause_offset: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Reachability state and cause code from each boundary (context tunnel ``bt``, ``bs``) on.

    Reads the IPsec piece, the BGP segment and outage, and the route count in force there.
    """
    k = group_searchsorted(iv.tid, iv.true_start, bt, bs, side="right") - 1
    ip_state, ip_cause = iv.state[k].astype(_I64), iv.cause[k]
    bg = bgp_of[bt]
    q, q_ok = group_latest(ss.seg_tid, ss.seg_start, bg, bs)
    bgp_state = np.where(q_ok, ss.seg_state[q], UNKNOWN)
    o = ss.outages
    w, w_ok = group_latest(o.tid, o.start, bg, bs)
    names = {c: i for i, c in enumerate(REACH_CAUSES)}
    outage_code = np.array(
        [names.get(c, names["bgp_session_down"]) for c in o.cause.tolist()], dtype=_I64
    )
    bgp_cause = np.where(w_ok, outage_code[w] if o.tid.size else 0, names["bgp_session_down"])
    no_routes = np.zeros(bt.size, dtype=bool)
    if counts is not None:
        c_tid, c_time, c_count = counts
        r, r_ok = group_latest(c_tid, c_time, bg, bs)
        held = np.where(r_ok, c_count[r] if c_tid.size else 0, 0)
        no_routes = with_routes[bg] & (held == 0)
    bgp_down = (ip_state == IPSEC_UP) & (bgp_state == NOT_ESTABLISHED)
    route_down = (ip_state == IPSEC_UP) & (bgp_state == ESTABLISHED) & no_routes
    state = np.where(bgp_down | route_down, IPSEC_DOWN, ip_state)
    cause = np.where(
        bgp_down,
        cause_offset + bgp_cause,
        np.where(route_down, cause_offset + names["bgp_no_routes"], ip_cause),
    )
    return state, np.where(state == IPSEC_DOWN, cause, -2)
