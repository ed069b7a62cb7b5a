"""One row per tunnel: what its logs say about it over the window."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema as s
from ..options import DEFAULT_INCIDENT_GAP, DEFAULT_STALE_AFTER, shared_doc
from ._columns import (
    COLLISION_RATE,
    COLLISIONS,
    DOWN_TIME,
    ERRORS,
    FIRST_SEEN,
    FLAPS,
    INFOS,
    LAST_SEEN,
    LONGEST_OUTAGE,
    NEGOTIATIONS,
    OBSERVED,
    OUTAGES,
    RECORDS,
    SPAN,
    UNKNOWN_TIME,
    UP_SHARE,
    UP_TIME,
    WARNINGS,
)
from ._context import EventsLike, context, durations, times
from ._stale import StaleLike
from ._timeline import DOWN, STATE_COLUMNS, UNKNOWN, UP
from ._window import DurationLike, TimeLike, to_ns_duration
from .bgp import reachability
from .flaps import flap_arrays
from .outages import rules_used
from .rekey import collision_incidents, negotiation_arrays

__all__ = ["summary"]

_I64 = np.int64
_COLUMNS = (*STATE_COLUMNS, s.SEVERITY, s.REQUEST_ID)


@shared_doc()
def summary(
    events: EventsLike,
    *,
    start: TimeLike = None,
    end: TimeLike = None,
    incident_gap: DurationLike = DEFAULT_INCIDENT_GAP,
    stale_after: StaleLike = DEFAULT_STALE_AFTER,
    routing: str = s.ROUTING_AUTO,
    require_routes: bool = False,
) -> pd.DataFrame:
    """Return one row per tunnel summarising its records, states, outages and rekeys.

    Up, down and unknown time, ``up_share``, ``outages`` and ``longest_outage`` count by
    the rule of :func:`outages` (tunnel level) with the same ``routing``: a tunnel with
    BGP logs is up while its IPsec is up and its BGP session established (reachability),
    one without by its IPsec state (:func:`tunnel_states`); ``routing`` says which rule
    each tunnel got, so ``outages`` here is the number of rows :func:`outages` lists for
    the tunnel. ``flaps`` are IPsec flaps (:func:`flaps`; BGP flaps: :func:`bgp_flaps`).
    Negotiations and collision incidents follow :func:`rekey_stats` over the whole
    window. Only ``log_type == "tunnel"`` records count; every tunnel with such a record
    in the table has a row.

    Each tunnel is judged over what it was observed, not over one span for all: its
    state is unknown before its first record and after it went silent while up for
    longer than ``stale_after``, and that time is neither up nor down (a down tunnel's
    silence stays down: DESIGN.md section 4). A tunnel whose logs stop a
    week before the others' has a week of ``unknown_time``, not a week of ``up_time``.

    Parameters
    ----------
    {params.events}
    {params.window}
    incident_gap : str or pandas.Timedelta, default "60s"
        Longest gap between collision messages of one incident [s].
    {params.stale_after}
    {params.routing}
    {params.require_routes}

    Returns
    -------
    pandas.DataFrame
        ``vpn_connection_id``, ``tunnel_ip``; ``first_seen``, ``last_seen`` (first and
        last record in the window, NaT if none), ``span``; ``records`` and the events
        by severity ``errors``, ``warnings``, ``infos``; ``up_time``, ``down_time``,
        ``unknown_time`` (they add up to the window); ``observed`` = up + down time, the
        time this tunnel's state was known; ``up_share`` = up / observed (NaN if never
        known); ``flaps``; ``outages`` (down intervals) and ``longest_outage``;
        ``negotiations``, ``collisions``, ``collision_rate``; ``routing``, the rule the
        states and outages were counted by (``ipsec``, ``ipsec+bgp`` or
        ``ipsec+bgp+routes``), also in ``attrs["routing"]`` as :func:`outages` gives it.

    Examples
    --------
    >>> summary(events).sort_values("up_share")  # doctest: +SKIP
    """
    gap_ns = to_ns_duration("incident_gap", incident_gap, allow_none=False)
    assert gap_ns is not None
    ctx = context(events, start, end, columns=_COLUMNS, stale_after=stale_after)
    # One rule for states and outages, the one outages() counts by.
    judged, rule = reachability(ctx, routing, require_routes)
    rows, iv, n = ctx.rows, judged.intervals, ctx.rows.tunnels.n
    inside = np.nonzero(rows.in_window(ctx.window))[0]
    tid_in = rows.tid[inside]
    records = np.bincount(tid_in, minlength=n).astype(_I64)
    first = np.full(n, np.iinfo(_I64).max, dtype=_I64)
    np.minimum.at(first, tid_in, rows.time[inside])
    last = np.full(n, np.iinfo(_I64).min, dtype=_I64)
    np.maximum.at(last, tid_in, rows.time[inside])
    severity = rows.lookup(s.SEVERITY, s.SEVERITIES)[inside]
    by_sev = [np.bincount(tid_in[severity == i], minlength=n).astype(_I64) for i in range(3)]

    length = iv.end - iv.start
    state_time = [np.zeros(n, dtype=_I64) for _ in range(3)]
    for k, out in zip((UP, DOWN, UNKNOWN), state_time, strict=True):
        np.add.at(out, iv.tid[iv.state == k], length[iv.state == k])
    up_t, down_t, unknown_t = state_time
    known = up_t + down_t
    with np.errstate(divide="ignore", invalid="ignore"):
        up_share = np.where(known > 0, up_t / np.maximum(known, 1), np.nan)
    is_down = iv.state == DOWN
    outages = np.bincount(iv.tid[is_down], minlength=n).astype(_I64)
    longest = np.zeros(n, dtype=_I64)
    np.maximum.at(longest, iv.tid[is_down], length[is_down])
    flaps = np.bincount(flap_arrays(ctx).tid, minlength=n).astype(_I64)

    # One period, the whole window.
    edges = np.array([ctx.window[0], max(ctx.window[1], ctx.window[0] + 1)], dtype=_I64)
    neg = np.bincount(negotiation_arrays(rows, ctx.window, edges).tid, minlength=n)
    col = np.bincount(collision_incidents(rows, ctx.window, gap_ns)[0], minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(neg > 0, col / np.maximum(neg, 1), np.nan)
    seen = records > 0
    table = pd.DataFrame(
        {
            **rows.tunnels.columns(np.arange(n, dtype=_I64)),
            FIRST_SEEN: times(first, seen),
            LAST_SEEN: times(last, seen),
            SPAN: durations(last - first, seen),
            RECORDS: records,
            ERRORS: by_sev[0],
            WARNINGS: by_sev[1],
            INFOS: by_sev[2],
            UP_TIME: durations(up_t),
            DOWN_TIME: durations(down_t),
            UNKNOWN_TIME: durations(unknown_t),
            OBSERVED: durations(known),
            UP_SHARE: up_share,
            FLAPS: flaps,
            OUTAGES: outages,
            LONGEST_OUTAGE: durations(longest),
            NEGOTIATIONS: neg.astype(_I64),
            COLLISIONS: col.astype(_I64),
            COLLISION_RATE: rate,
            s.ROUTING: pd.Categorical.from_codes(rule, categories=pd.Index(s.ROUTING_RULES)),
        }
    )
    table.attrs[s.ROUTING] = rules_used(ctx, rule, s.LEVEL_TUNNEL)
    return table
