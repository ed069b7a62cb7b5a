"""The shared core: tunnel rows sorted once, state changes, and state intervals in a window.

Everything works on whole arrays: tunnels are integer ids (category codes of
``vpn_connection_id`` and ``tunnel_ip``), times are int64 nanoseconds. The same code runs
on one tunnel (under a distributed ``groupby(...).apply``) or on all tunnels at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from .. import schema as s
from ._columns import BGP_CAUSE_EVENTS, CAUSE_EVENTS, STATE_VALUES, UNEXPLAINED
from ._intervals import INF, NEG_INF
from ._stale import limit_at

__all__ = [
    "Changes",
    "Intervals",
    "Rows",
    "Silences",
    "TunnelKeys",
    "Tunnels",
    "long_silences",
    "rows_of",
    "tunnel_keys",
]

UP, DOWN, UNKNOWN = (STATE_VALUES.index(v) for v in ("up", "down", "unknown"))
_I64 = np.int64
#: Required columns of every state analysis.
STATE_COLUMNS = (s.TIME, s.VPN_CONNECTION_ID, s.TUNNEL_IP, s.LOG_TYPE, s.TUNNEL_UP, s.EVENT)


def codes_of(series: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Return (codes, categories) of a column, categorical or not (NA -> -1)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy().astype(_I64), series.cat.categories
    cat = pd.Categorical(series)
    return cat.codes.astype(_I64), cat.categories


def lookup(series: pd.Series, names: Sequence[str], rows: np.ndarray | None = None) -> np.ndarray:
    """Map each value of a column to its index in ``names`` (-1 if absent or NA)."""
    codes, cats = _codes(series)
    picked = codes if rows is None else codes[rows]
    return _names_table(cats, names)[picked]  # code -1 indexes the final -1 entry


def _names_table(cats: pd.Index, names: Sequence[str]) -> np.ndarray:
    """Index in ``names`` of each category (-1 if absent), then a final -1 for NA."""
    table = np.full(len(cats) + 1, -1, dtype=_I64)
    where = {n: i for i, n in enumerate(names)}
    table[:-1] = [where.get(str(c), -1) for c in cats]
    return table


@dataclass(frozen=True)
class Tunnels:
    """The tunnels of a table: per tunnel id, its connection and outside IP."""

    conn: np.ndarray  # connection id (index into conn_names) per tunnel
    ip: np.ndarray  # index into ip_names per tunnel
    conn_names: pd.Index
    ip_names: pd.Index

    @property
    def n(self) -> int:
        """Number of tunnels."""
        return int(self.conn.size)

    @property
    def n_conn(self) -> int:
        """Number of connections."""
        return len(self.conn_names)

    def conn_column(self, conn: np.ndarray) -> pd.Categorical:
        """Return the ``vpn_connection_id`` column for connection ids."""
        return pd.Categorical.from_codes(conn, categories=self.conn_names)

    def columns(self, tid: np.ndarray) -> dict[str, pd.Categorical]:
        """Return ``vpn_connection_id`` and ``tunnel_ip`` columns for tunnel ids."""
        return {
            s.VPN_CONNECTION_ID: self.conn_column(self.conn[tid]),
            s.TUNNEL_IP: pd.Categorical.from_codes(self.ip[tid], categories=self.ip_names),
        }


@dataclass(frozen=True)
class Rows:
    """The tunnel-log rows of an events table, sorted (stably) by tunnel then time."""

    events: pd.DataFrame
    index: np.ndarray  # position in ``events`` of each row
    tid: np.ndarray
    time: np.ndarray
    tunnels: Tunnels

    def lookup(self, column: str, names: Sequence[str]) -> np.ndarray:
        """Index of each row's ``column`` value in ``names`` (-1 if absent)."""
        codes, cats = self.codes(column)
        return _names_table(cats, names)[codes]

    @cached_property
    def _codes(self) -> dict[str, tuple[np.ndarray, pd.Index]]:
        return {}

    def codes(self, column: str) -> tuple[np.ndarray, pd.Index]:
        """Each row's category code of ``column`` (-1 for NA) and the categories, kept."""
        if column not in self._codes:
            codes, cats = _codes(self.events[column])
            self._codes[column] = (codes[self.index], cats)
        return self._codes[column]

    def first_of_time(self) -> np.ndarray:
        """Position of the first row of each row's (tunnel, time) group."""
        n = self.tid.size
        new = np.ones(n, dtype=bool)
        new[1:] = (self.tid[1:] != self.tid[:-1]) | (self.time[1:] != self.time[:-1])
        return np.maximum.accumulate(np.where(new, np.arange(n, dtype=_I64), 0))

    @cached_property
    def up(self) -> np.ndarray:
        """Each row's ``tunnel_up`` as int8: 1, 0, or -1 where the record has no states."""
        return self.events[s.TUNNEL_UP].to_numpy(dtype=np.int8, na_value=-1)[self.index]

    @cached_property
    def setter(self) -> np.ndarray:
        """Each row's latest row with states at or before it, within its tunnel.

        The tunnel's first row where it has none yet; non-decreasing over all rows.
        """
        n = self.tid.size
        new = np.ones(n, dtype=bool)
        new[1:] = self.tid[1:] != self.tid[:-1]
        return np.maximum.accumulate(np.where((self.up >= 0) | new, np.arange(n, dtype=_I64), 0))

    @cached_property
    def state(self) -> np.ndarray:
        """The state each row leaves its tunnel in: the last state set at or before it.

        Rows without states carry the previous one on; ``UNKNOWN`` before a tunnel's first
        row with states.
        """
        # up is 1, 0 or -1: UP, DOWN or UNKNOWN.
        table = np.empty(3, dtype=np.int8)
        table[[1, 0, -1]] = (UP, DOWN, UNKNOWN)
        return table[self.up[self.setter]]

    @cached_property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Each tunnel id's first row and the row after its last."""
        ids = np.arange(self.tunnels.n, dtype=_I64)
        return _starts(self.tid, ids), _ends(self.tid, ids)

    def same_time(self, positions: np.ndarray, side: str) -> np.ndarray:
        """Return the bounds of each position's (tunnel, time) group.

        Its first row (``side="left"``), or the row after its last (``side="right"``).
        """
        tid, time = self.tid, self.time
        # Most groups are one row: search only where a neighbour shares the time.
        step = 1 if side == "right" else -1
        near = positions + step
        out = np.maximum(near, positions)
        inside = (near >= 0) & (near < tid.size)
        shared = np.zeros(positions.size, dtype=bool)
        shared[inside] = (tid[near[inside]] == tid[positions[inside]]) & (
            time[near[inside]] == time[positions[inside]]
        )
        at = np.nonzero(shared)[0]
        if at.size:
            lo, hi = self.bounds
            g = tid[positions[at]]
            out[at] = _bisect(time, lo[g], hi[g], time[positions[at]], side == "right")
        return out

    def in_window(self, window: tuple[int, int]) -> np.ndarray:
        """Boolean mask of the rows with ``start <= time < end``."""
        return (self.time >= window[0]) & (self.time < window[1])

    def next_after(self, tid: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Time of each tunnel's first row strictly after ``t`` (``INF`` if none)."""
        k = self._search(self.tid, self.time, tid, t, "right")
        found = k < _ends(self.tid, tid)
        return np.where(found, _at(self.time, k), INF)

    def last_at_or_before(self, tid: np.ndarray, t: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Time of each tunnel's last row with ``mask`` at or before ``t`` (``NEG_INF`` if none)."""
        pick = np.nonzero(mask)[0]
        g, times = self.tid[pick], self.time[pick]
        k = self._search(g, times, tid, t, "right") - 1
        found = k >= _starts(g, tid)
        return np.where(found, _at(times, k), NEG_INF)

    @staticmethod
    def _search(
        g: np.ndarray, times: np.ndarray, q_tid: np.ndarray, q_t: np.ndarray, side: str
    ) -> np.ndarray:
        """Position of each query in the rows (sorted by tunnel, then time) of its tunnel."""
        lo, hi = _starts(g, q_tid), _ends(g, q_tid)
        out = np.empty(q_tid.size, dtype=_I64)
        for k in np.unique(q_tid).tolist():
            at = np.nonzero(q_tid == k)[0]
            a, b = int(lo[at[0]]), int(hi[at[0]])
            out[at] = a + np.searchsorted(times[a:b], q_t[at], side=side)  # type: ignore[call-overload]
        return out


def _at(values: np.ndarray, k: np.ndarray) -> np.ndarray:
    """``values[k]`` with positions out of range clipped (callers mask those out)."""
    if values.size == 0:
        return np.zeros(k.size, dtype=values.dtype)
    return values[np.clip(k, 0, values.size - 1)]


def _bisect(
    values: np.ndarray, lo: np.ndarray, hi: np.ndarray, q: np.ndarray, right: bool
) -> np.ndarray:
    """Per query, :func:`numpy.searchsorted` of ``q`` in the sorted ``values[lo:hi]``."""
    lo, hi = lo.astype(_I64), hi.astype(_I64)
    act = np.nonzero(lo < hi)[0]
    while act.size:
        a, b = lo[act], hi[act]
        mid = (a + b) // 2
        v = values[mid]
        go = v <= q[act] if right else v < q[act]
        lo[act] = np.where(go, mid + 1, a)
        hi[act] = np.where(go, b, mid)
        act = act[lo[act] < hi[act]]
    return lo


def _starts(g: np.ndarray, q: np.ndarray) -> np.ndarray:
    return np.searchsorted(g, q, side="left").astype(_I64)


def _ends(g: np.ndarray, q: np.ndarray) -> np.ndarray:
    return np.searchsorted(g, q, side="right").astype(_I64)


@dataclass(frozen=True)
class TunnelKeys:
    """The rows of one log type that name a tunnel and a time, sorted by tunnel then time.

    ``key`` is ``conn * n_ip + ip`` (category codes), so the sort by key is the sort by
    connection then outside IP; ``conn`` and ``ip`` are the codes of every row of the table
    (the columns' own integer dtype: :meth:`key_of` gives the key of any row).
    """

    index: np.ndarray  # position in the table of each kept row
    key: np.ndarray
    time: np.ndarray
    conn: np.ndarray
    ip: np.ndarray
    conn_cats: pd.Index
    ip_cats: pd.Index

    @property
    def n_ip(self) -> int:
        """The key's radix: number of outside IP categories (at least 1)."""
        return max(len(self.ip_cats), 1)

    def key_of(self, positions: np.ndarray) -> np.ndarray:
        """Return the key of the rows of the table at ``positions`` (int64)."""
        return self.conn[positions].astype(_I64) * self.n_ip + self.ip[positions]

    def tunnels(self, run_key: np.ndarray) -> Tunnels:
        """Return the :class:`Tunnels` of the sorted distinct keys ``run_key``."""
        used_conn, t_conn = np.unique(run_key // self.n_ip, return_inverse=True)
        used_ip, t_ip = np.unique(run_key % self.n_ip, return_inverse=True)
        return Tunnels(
            conn=t_conn.astype(_I64),
            ip=t_ip.astype(_I64),
            conn_names=self.conn_cats[used_conn],
            ip_names=self.ip_cats[used_ip],
        )


def _codes(series: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Return (codes, categories) of a column in the codes' own dtype (NA -> -1)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return np.asarray(series.array.codes), series.cat.categories
    cat = pd.Categorical(series)
    return cat.codes, cat.categories


def tunnel_keys(events: pd.DataFrame, log_type: str) -> TunnelKeys:
    """Select the rows of ``log_type`` with a tunnel and a time, sorted by tunnel then time.

    The sort is skipped when the rows already are in order (the loader's order), and is
    stable, so records of the same second keep their order.
    """
    kind = events[s.LOG_TYPE]
    if isinstance(kind.dtype, pd.CategoricalDtype):
        codes = np.asarray(kind.array.codes)
        at = np.nonzero(np.asarray(kind.cat.categories == log_type, dtype=bool))[0]
        is_type = codes == at[0] if at.size else np.zeros(codes.size, dtype=bool)
    else:
        is_type = (kind == log_type).to_numpy(dtype=bool, na_value=False)
    conn, conn_cats = _codes(events[s.VPN_CONNECTION_ID])
    ip, ip_cats = _codes(events[s.TUNNEL_IP])
    stamps = events[s.TIME].array
    if stamps.unit != "ns":
        stamps = stamps.as_unit("ns")
    time = stamps.asi8
    keep = np.nonzero(is_type & (conn >= 0) & (ip >= 0) & (time != np.iinfo(_I64).min))[0]
    n_ip = max(len(ip_cats), 1)
    key = conn[keep].astype(_I64) * n_ip + ip[keep]
    t = time[keep]
    dk, dt = np.diff(key), np.diff(t)
    if not np.all((dk > 0) | ((dk == 0) & (dt >= 0))):
        order = np.lexsort((t, key))  # lexsort is stable
        keep, key, t = keep[order], key[order], t[order]
    return TunnelKeys(keep, key, t, conn, ip, conn_cats, ip_cats)


def rows_of(events: pd.DataFrame, columns: Sequence[str] = STATE_COLUMNS) -> Rows:
    """Validate an events table and return its tunnel-log rows sorted by tunnel then time.

    BGP rows are left out (:func:`tunnel_keys` says how the rows are sorted).
    """
    s.validate_events(events, columns=tuple(dict.fromkeys((*STATE_COLUMNS[:4], *columns))))
    tk = tunnel_keys(events, "tunnel")
    new = np.ones(tk.key.size, dtype=bool)
    new[1:] = tk.key[1:] != tk.key[:-1]
    tid = np.cumsum(new) - 1
    tunnels = tk.tunnels(tk.key[new])
    return Rows(
        events,
        tk.index.astype(_I64, copy=False),
        tid.astype(_I64, copy=False),
        tk.time.astype(_I64, copy=False),
        tunnels,
    )


@dataclass(frozen=True)
class Changes:
    """State changes of every tunnel: where its step function takes a new value.

    ``end`` is the time of the tunnel's next change (``INF`` if none); ``cause`` is, for a
    change to down, the index in :data:`CAUSE_EVENTS` of its cause (-1 unexplained), else -2.
    """

    pos: np.ndarray
    tid: np.ndarray
    time: np.ndarray
    state: np.ndarray
    end: np.ndarray
    cause: np.ndarray

    def first_of_tunnel(self, n_tunnels: int) -> np.ndarray:
        """Time of each tunnel's first change (``INF`` if it never had a known state)."""
        first = np.full(n_tunnels, INF, dtype=_I64)
        new = np.ones(self.tid.size, dtype=bool)
        new[1:] = self.tid[1:] != self.tid[:-1]
        first[self.tid[new]] = self.time[new]
        return first

    def next_state(self) -> np.ndarray:
        """State after each change's interval (``UNKNOWN`` after a tunnel's last change)."""
        nxt = np.full(self.tid.size, UNKNOWN, dtype=np.int8)
        same = self.tid[1:] == self.tid[:-1]
        nxt[:-1][same] = self.state[1:][same]
        return nxt

    def previous_state(self) -> np.ndarray:
        """State before each change (``UNKNOWN`` for a tunnel's first change)."""
        prev = np.full(self.tid.size, UNKNOWN, dtype=np.int8)
        same = self.tid[1:] == self.tid[:-1]
        prev[1:][same] = self.state[:-1][same]
        return prev

    def at(self, rows: Rows, positions: np.ndarray) -> np.ndarray:
        """Index of the first change at or after the timestamp of each row position."""
        first = rows.same_time(np.asarray(positions, dtype=_I64), "left")
        return np.searchsorted(self.pos, first, side="left")


def silences(rows: Rows, stale_ns: int | np.ndarray) -> np.ndarray:
    """Positions of the rows after which their tunnel logs nothing for more than ``stale_ns``.

    ``stale_ns`` is one limit, or one per tunnel id. Every tunnel's last row is one
    (nothing follows it).
    """
    tid, t = rows.tid, rows.time
    if tid.size == 0:
        return np.empty(0, dtype=_I64)
    gap = np.empty(tid.size, dtype=_I64)
    np.subtract(t[1:], t[:-1], out=gap[:-1])
    gap[-1] = INF
    gap[np.nonzero(tid[1:] != tid[:-1])[0]] = INF
    return np.nonzero(gap > limit_at(stale_ns, tid))[0]


@dataclass(frozen=True)
class Silences:
    """Silences of the tunnels longer than a limit: from a record to the tunnel's next one.

    ``pos`` is the row the silence follows, ``end`` the next record's time (``INF`` after a
    tunnel's last record), ``state`` the state in force over it (``UP``, ``DOWN`` or
    ``UNKNOWN`` before any record with states).
    """

    pos: np.ndarray
    tid: np.ndarray
    start: np.ndarray
    end: np.ndarray
    state: np.ndarray


def long_silences(rows: Rows, limit_ns: int | np.ndarray) -> Silences:
    """Every silence longer than ``limit_ns`` (one, or one per tunnel id), with its state.

    The one place that tells an up tunnel's silence (logging stopped: unknown after
    ``stale_after``, a logging gap) from a down tunnel's (the outage itself: a down tunnel
    logs nothing until the customer gateway tries again). DESIGN.md section 4.
    """
    quiet = silences(rows, limit_ns)
    nxt = np.full(quiet.size, INF, dtype=_I64)
    has_next = quiet + 1 < rows.tid.size
    has_next[has_next] = rows.tid[quiet[has_next] + 1] == rows.tid[quiet[has_next]]
    nxt[has_next] = rows.time[quiet[has_next] + 1]
    return Silences(quiet, rows.tid[quiet], rows.time[quiet], nxt, rows.state[quiet])


def changes(rows: Rows, lookback_ns: int, stale_ns: int | np.ndarray | None = None) -> Changes:
    """Compute the state changes and the causes of changes to down.

    Rows with ``tunnel_up`` NA carry no state. Of several records of one second, the last
    one's state holds after that second (a state lasting zero time is not an interval).
    With ``stale_ns`` (one limit, or one per tunnel id), an ``UP`` state holds at most that
    long after the tunnel's last record (of any kind: a record without states still shows
    the tunnel is logging); beyond it the tunnel is ``UNKNOWN`` until a record with
    states. A ``DOWN`` state holds until the next record with states however long the
    silence (DESIGN.md section 4). Such a change to ``UNKNOWN`` has the position of the row
    it follows and comes after that row's own change.
    """
    if stale_ns is None:
        quiet = np.empty(0, dtype=_I64)
    else:
        # Only an up state goes stale (DESIGN section 4): a tunnel that is down or
        # negotiating logs nothing until the gateway tries again, so its state holds.
        quiet = silences(rows, stale_ns)
        quiet = quiet[rows.state[quiet] == UP]
        nxt = quiet + 1
        inside = nxt < rows.tid.size
        nxt = nxt[inside]
        if np.any(
            (rows.tid[nxt] == rows.tid[quiet[inside]])
            & (rows.time[nxt] == rows.time[quiet[inside]])
        ):
            return _changes_merged(rows, lookback_ns, stale_ns)
    result = _changes_of(rows, quiet, stale_ns)
    _assign_causes(rows, result, lookback_ns)
    return result


def _changes_of(rows: Rows, quiet: np.ndarray, stale_ns: int | np.ndarray | None) -> Changes:
    """Find the changes of the sequence of states :func:`_changes_merged` builds.

    That sequence has one element per (tunnel, time) group with states (the state its
    last record with states sets, at that record) and, after each row of ``quiet`` (a
    group's last row, after which an up state goes stale), an ``UNKNOWN`` element. A
    group's element changes the state where the state the group leaves differs from the
    one before it, or where a stale element comes between it and the previous group with
    states; a stale element changes it where a group with states comes between it and the
    previous stale element. Only the rows around changes are searched.
    """
    tid, state, setter = rows.tid, rows.state, rows.setter
    n = tid.size
    if n == 0:
        empty = np.empty(0, dtype=_I64)
        return Changes(empty, empty, empty, np.empty(0, np.int8), empty, empty)
    # The state before each row: the previous row's, UNKNOWN at a tunnel's first row.
    before = np.empty(n, dtype=np.int8)
    before[0] = UNKNOWN
    before[1:] = state[:-1]
    before[1:][tid[1:] != tid[:-1]] = UNKNOWN
    moved = np.nonzero(state != before)[0]
    # Groups with a changed state: the first row after every stale element with states.
    after_quiet = np.searchsorted(setter, setter[quiet], side="right")
    inside = after_quiet < n
    after_quiet = after_quiet[inside][tid[after_quiet[inside]] == tid[quiet[inside]]]
    first = rows.same_time(moved, "left")
    last = rows.same_time(moved, "right") - 1
    moved_group = state[last] != before[first]
    last = np.concatenate([last[moved_group], rows.same_time(after_quiet, "right") - 1])
    known = np.unique(setter[last])
    # A stale element with a group with states since the previous one.
    lead = np.ones(quiet.size, dtype=bool)
    lead[1:] = quiet[:-1] < setter[quiet[1:]]
    quiet = quiet[lead]
    pos = np.concatenate([known, quiet])
    order = np.lexsort((np.arange(pos.size) >= known.size, pos))
    pos = pos[order]
    cg = tid[pos]
    is_stale = order >= known.size
    ct = rows.time[pos]
    if quiet.size:
        limit = limit_at(stale_ns, cg[is_stale])  # type: ignore[arg-type]
        ct[is_stale] = np.minimum(ct[is_stale], INF - limit) + limit
    cs = np.where(is_stale, UNKNOWN, state[pos]).astype(np.int8)
    end = np.full(pos.size, INF, dtype=_I64)
    same = cg[1:] == cg[:-1]
    end[:-1][same] = ct[1:][same]
    cause = np.where(cs == DOWN, -1, -2).astype(_I64)
    return Changes(pos, cg, ct, cs, end, cause)


def _changes_merged(rows: Rows, lookback_ns: int, stale_ns: int | np.ndarray) -> Changes:
    """:func:`changes` by merging the stale elements into every row with states.

    Used when a stale element does not follow the last row of its (tunnel, time) group
    (a limit below zero).
    """
    up = rows.up
    known = np.nonzero(up >= 0)[0]
    kt, kg = rows.time[known], rows.tid[known]
    ks = np.where(up[known] == 1, UP, DOWN).astype(np.int8)
    last = np.ones(known.size, dtype=bool)
    last[:-1] = (kg[1:] != kg[:-1]) | (kt[1:] != kt[:-1])
    known, kt, kg, ks = known[last], kt[last], kg[last], ks[last]
    if stale_ns is not None:
        # Only an up state goes stale (DESIGN section 4): a tunnel that is down or
        # negotiating logs nothing until the gateway tries again, so its state holds.
        quiet = long_silences(rows, stale_ns)
        quiet = quiet.pos[quiet.state == UP]
        limit = limit_at(stale_ns, rows.tid[quiet])
        stale_t = np.minimum(rows.time[quiet], INF - limit) + limit
        known = np.concatenate([known, quiet])
        kt = np.concatenate([kt, stale_t])
        kg = np.concatenate([kg, rows.tid[quiet]])
        ks = np.concatenate([ks, np.full(quiet.size, UNKNOWN, dtype=np.int8)])
        is_stale = np.concatenate(
            [np.zeros(kt.size - quiet.size, np.int8), np.ones(quiet.size, np.int8)]
        )
        order = np.lexsort((is_stale, known))
        known, kt, kg, ks = known[order], kt[order], kg[order], ks[order]
    change = np.ones(known.size, dtype=bool)
    change[1:] = (kg[1:] != kg[:-1]) | (ks[1:] != ks[:-1])
    # A tunnel is unknown before its first record: a first change to UNKNOWN is none.
    first = np.ones(known.size, dtype=bool)
    first[1:] = kg[1:] != kg[:-1]
    change &= ~(first & (ks == UNKNOWN))
    pos, ct, cg, cs = known[change], kt[change], kg[change], ks[change]
    end = np.full(pos.size, INF, dtype=_I64)
    same = cg[1:] == cg[:-1]
    end[:-1][same] = ct[1:][same]
    cause = np.where(cs == DOWN, -1, -2).astype(_I64)
    result = Changes(pos, cg, ct, cs, end, cause)
    _assign_causes(rows, result, lookback_ns)
    return result


def _assign_causes(rows: Rows, ch: Changes, lookback_ns: int) -> None:
    """Give each change to down the most specific error event at or shortly before it.

    An error record explains the tunnel's next change at or after its own second, if that
    change is to down and at most ``lookback_ns`` later; errors logged while the tunnel was
    already down (the next change is to up) explain nothing.
    """
    rank = rows.lookup(s.EVENT, CAUSE_EVENTS)
    cand = np.nonzero(rank >= 0)[0]
    if cand.size == 0 or ch.pos.size == 0:
        return
    k = ch.at(rows, cand)
    ok = k < ch.pos.size
    cand, k = cand[ok], k[ok]
    ok = (
        (ch.tid[k] == rows.tid[cand])
        & (ch.state[k] == DOWN)
        & (ch.time[k] - rows.time[cand] <= lookback_ns)
    )
    cand, k = cand[ok], k[ok]
    # Best per change: lowest rank (most specific), then the latest record.
    order = np.lexsort((-cand, rank[cand], k))
    k, cand = k[order], cand[order]
    first = np.ones(k.size, dtype=bool)
    first[1:] = k[1:] != k[:-1]
    ch.cause[k[first]] = rank[cand[first]]


def cause_names(codes: np.ndarray) -> np.ndarray:
    """Cause event names for cause codes (-1 unexplained, -2 none) as an object array.

    Codes from ``len(CAUSE_EVENTS)`` on name the BGP causes of reachability outages.
    """
    known = (*CAUSE_EVENTS, *BGP_CAUSE_EVENTS)
    names = np.array([*known, UNEXPLAINED, None], dtype=object)
    return names[np.where(codes == -2, len(known) + 1, np.where(codes < 0, len(known), codes))]


@dataclass(frozen=True)
class Intervals:
    """State intervals of every tunnel clipped to a window, ordered by tunnel then time."""

    tid: np.ndarray
    state: np.ndarray
    start: np.ndarray  # clipped to the window
    end: np.ndarray
    true_start: np.ndarray  # NEG_INF for the unknown interval before the first record
    true_end: np.ndarray  # INF while no later change is known
    ongoing: np.ndarray
    cause: np.ndarray  # as Changes.cause, -2 for up and unknown

    def select(self, mask: np.ndarray) -> Intervals:
        """Return the intervals where ``mask`` holds."""
        return Intervals(*(getattr(self, f)[mask] for f in self.__dataclass_fields__))


def intervals(ch: Changes, n_tunnels: int, window: tuple[int, int]) -> Intervals:
    """Clip every tunnel's step function to the window ``[start, end)``.

    A tunnel is unknown before its first known state (over the whole window if it has
    none); an interval whose true end is after the window's end is ``ongoing``, and so is
    a known state followed by unknown time (it still held when the tunnel went silent).
    """
    lo, hi = window
    first = ch.first_of_tunnel(n_tunnels)
    tid = np.concatenate([np.arange(n_tunnels, dtype=_I64), ch.tid])
    state = np.concatenate([np.full(n_tunnels, UNKNOWN, dtype=np.int8), ch.state])
    t0 = np.concatenate([np.full(n_tunnels, NEG_INF, dtype=_I64), ch.time])
    t1 = np.concatenate([first, ch.end])
    cause = np.concatenate([np.full(n_tunnels, -2, dtype=_I64), ch.cause])
    lead_after = np.full(n_tunnels, UNKNOWN, dtype=np.int8)
    heads = _firsts(ch.tid)
    lead_after[ch.tid[heads]] = ch.state[heads]
    after = np.concatenate([lead_after, ch.next_state()])
    start = np.maximum(t0, lo)
    end = np.minimum(t1, hi)
    keep = np.nonzero(end > start)[0]
    keep = keep[np.argsort(tid[keep], kind="stable")]
    return Intervals(
        tid[keep],
        state[keep],
        start[keep],
        end[keep],
        t0[keep],
        t1[keep],
        # Still holding when last known: at the window's end, or when the tunnel went silent.
        (t1[keep] > hi) | ((after[keep] == UNKNOWN) & (state[keep] != UNKNOWN)),
        cause[keep],
    )


def _firsts(tid: np.ndarray) -> np.ndarray:
    """Positions of the first element of each run of equal ``tid``."""
    new = np.ones(tid.size, dtype=bool)
    new[1:] = tid[1:] != tid[:-1]
    return np.nonzero(new)[0]
