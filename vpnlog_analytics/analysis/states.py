"""State timelines: when each tunnel was up, down or unknown, and each connection too."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema as s
from ..options import DEFAULT_CAUSE_LOOKBACK, DEFAULT_STALE_AFTER, shared_doc
from ._columns import (
    CAUSE,
    CONNECTION_STATE_VALUES,
    DEGRADED,
    DOWN,
    DURATION,
    END,
    ONGOING,
    START,
    STATE,
    STATE_VALUES,
    UNKNOWN,
    UP,
)
from ._context import EventsLike, context, durations, times
from ._intervals import count_segments, merge_runs
from ._stale import StaleLike
from ._timeline import DOWN as _DOWN
from ._timeline import UNKNOWN as _UNKNOWN
from ._timeline import UP as _UP
from ._timeline import cause_names
from ._window import DurationLike, TimeLike
from .bgp import reachability

__all__ = ["connection_states", "tunnel_states"]


@shared_doc()
def tunnel_states(
    events: EventsLike,
    *,
    start: TimeLike = None,
    end: TimeLike = None,
    cause_lookback: DurationLike = DEFAULT_CAUSE_LOOKBACK,
    stale_after: StaleLike = DEFAULT_STALE_AFTER,
) -> pd.DataFrame:
    """Return every tunnel's state as consecutive intervals within the window.

    A tunnel is (``vpn_connection_id``, ``tunnel_ip``); only ``log_type == "tunnel"``
    records set its state (BGP rows never do). The state is a step function: each record
    with phase states sets it until the next such record -- ``up`` iff both phases are
    ``established`` or ``rekeying`` (the ``tunnel_up`` column), else ``down``. Records
    without states (``tunnel_up`` NA, e.g. text-format logs) carry no state information:
    the previous state carries on. Before a tunnel's first record with states the state
    is ``unknown``. Of several records with the same timestamp, the last one's state holds
    after that instant; a state lasting zero time is no interval.

    **Silence is not health, and not an outage's end.** Staleness is asymmetric
    (DESIGN.md section 4). An ``up`` (or rekeying) state holds at most ``stale_after``
    after the tunnel's latest record (of any kind); after a longer silence the tunnel is
    ``unknown`` -- not observed, neither up nor down -- from ``record + stale_after``
    until its next record with states. An up tunnel logs at least at every phase 2 rekey
    (at most 3,600 s apart; see :data:`~vpnlog_analytics.options.DEFAULT_STALE_AFTER` for
    the default's reasoning), so a longer silence means the logging stopped. A state that
    is **not up** (down, negotiating) holds until the next record with states however long
    the silence: under the default tunnel options AWS never initiates, so a down tunnel
    logs nothing until the customer gateway tries again, for as long as the outage lasts.
    A silent site outage is one ``down`` interval from the DPD record to the record that
    shows the tunnel up again. ``stale_after=None`` carries up states on too.

    Intervals are clipped to the window ``[start, end)``. A state set by a record before
    the window carries into it (a window that starts inside an outage starts ``down``), if
    not stale by then. A known interval whose true end is after ``end`` (or not yet
    known), or an up interval that ends because the tunnel went silent, is flagged
    ``ongoing``: the state still held when it was last known. Per tunnel, the durations
    add up to the window exactly: up + down + unknown = ``end - start``.

    Parameters
    ----------
    {params.events}
    {params.window}
    {params.cause_lookback}
    {params.stale_after}

    Returns
    -------
    pandas.DataFrame
        One row per interval, ordered by tunnel then time: ``vpn_connection_id``,
        ``tunnel_ip``, ``state`` (``up``/``down``/``unknown``), ``start``, ``end`` (UTC),
        ``duration``, ``ongoing`` and ``cause``: for ``down`` intervals the most specific
        error event of the tunnel at or at most ``cause_lookback`` before the change to
        down (``unexplained`` if none); NA for ``up`` and ``unknown``.

    Examples
    --------
    >>> states = tunnel_states(events, start="2024-08-01", end="2024-09-01")  # doctest: +SKIP
    >>> states.groupby("state", observed=True)["duration"].sum()  # doctest: +SKIP
    """
    ctx = context(events, start, end, cause_lookback, stale_after=stale_after)
    iv = ctx.intervals
    return pd.DataFrame(
        {
            **ctx.rows.tunnels.columns(iv.tid),
            STATE: pd.Categorical.from_codes(
                iv.state.astype(np.int64), categories=pd.Index(STATE_VALUES)
            ),
            START: times(iv.start),
            END: times(iv.end),
            DURATION: durations(iv.end - iv.start),
            ONGOING: iv.ongoing,
            CAUSE: pd.array(cause_names(iv.cause), dtype="str"),
        }
    )


@shared_doc()
def connection_states(
    events: EventsLike,
    *,
    start: TimeLike = None,
    end: TimeLike = None,
    stale_after: StaleLike = DEFAULT_STALE_AFTER,
    routing: str = s.ROUTING_AUTO,
) -> pd.DataFrame:
    """Return each connection's state over time, from its tunnels' states.

    A connection is ``down`` while every observed tunnel is down (the outage that cuts
    traffic, as :func:`outages` with ``level="connection"``), ``degraded`` while some
    tunnels are down and others up, ``up`` while the observed tunnels are up (tunnels
    still ``unknown`` do not count), and ``unknown`` while no observed tunnel is up and
    some are unknown -- before their first record, or silent for longer than
    ``stale_after`` after an up state (see :func:`tunnel_states`) -- or no tunnel of the
    connection is observed at all. Down tunnels stay down through their silence, so a
    silent site outage is one ``down`` interval. A tunnel is
    observed when its state is known (up or down) at some time in the window. Per
    connection, the intervals cover the window exactly.

    Parameters
    ----------
    {params.events}
    {params.window}
    {params.stale_after}
    {params.routing}

    Returns
    -------
    pandas.DataFrame
        One row per maximal interval, by connection then time: ``vpn_connection_id``,
        ``state`` (``up``, ``degraded``, ``down``, ``unknown``), ``start``, ``end`` (UTC),
        ``duration``.

    Examples
    --------
    >>> connection_states(events).query("state == 'degraded'")  # doctest: +SKIP
    """
    ctx = context(events, start, end, stale_after=stale_after)
    ctx, _ = reachability(ctx, routing)
    iv = ctx.intervals
    tunnels = ctx.rows.tunnels
    known = iv.state != _UNKNOWN
    observed_tunnel = np.zeros(tunnels.n, dtype=bool)
    observed_tunnel[iv.tid[known]] = True
    # The intervals of an observed tunnel partition the window, so counting them over
    # the connection's segments gives, per segment, how many observed tunnels are in
    # each state.
    pick = observed_tunnel[iv.tid]
    conn = tunnels.conn[iv.tid[pick]]
    g, st, en, counts = count_segments(
        conn, iv.start[pick], iv.end[pick], iv.state[pick].astype(np.int64), len(STATE_VALUES)
    )
    n_up, n_down, n_unknown = counts[:, _UP], counts[:, _DOWN], counts[:, _UNKNOWN]
    names = CONNECTION_STATE_VALUES
    state = np.select(
        [
            (n_down > 0) & (n_up == 0) & (n_unknown == 0),
            (n_down > 0) & (n_up > 0),
            n_up > 0,
        ],
        [names.index(DOWN), names.index(DEGRADED), names.index(UP)],
        default=names.index(UNKNOWN),
    )
    # Connections none of whose tunnels is observed are unknown over the whole window.
    lo, hi = ctx.window
    blind = np.setdiff1d(np.arange(tunnels.n_conn, dtype=np.int64), np.unique(conn))
    if hi > lo and blind.size:
        g = np.concatenate([g, blind])
        st = np.concatenate([st, np.full(blind.size, lo, dtype=np.int64)])
        en = np.concatenate([en, np.full(blind.size, hi, dtype=np.int64)])
        state = np.concatenate([state, np.full(blind.size, names.index(UNKNOWN))])
    # Merge runs of one state per connection into maximal intervals.
    parts = [merge_runs(g, st, en, state == k) + (k,) for k in range(len(names))]
    group = np.concatenate([p[0] for p in parts])
    begin = np.concatenate([p[1] for p in parts])
    finish = np.concatenate([p[2] for p in parts])
    code = np.concatenate([np.full(p[0].size, p[3], dtype=np.int64) for p in parts])
    order = np.lexsort((begin, group))
    group, begin, finish, code = group[order], begin[order], finish[order], code[order]
    return pd.DataFrame(
        {
            s.VPN_CONNECTION_ID: tunnels.conn_column(group),
            STATE: pd.Categorical.from_codes(code, categories=pd.Index(names)),
            START: times(begin),
            END: times(finish),
            DURATION: durations(finish - begin),
        }
    )
