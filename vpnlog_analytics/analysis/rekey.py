"""Child-SA negotiations and rekey collisions per tunnel per period."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.tseries.offsets import BaseOffset

from .. import schema as s
from ..options import DEFAULT_INCIDENT_GAP, shared_doc
from ._columns import (
    AWS_INITIATED_EVENTS,
    CGW_INITIATED_EVENTS,
    COLLISION_EVENTS,
    COLLISION_RATE,
    COLLISIONS,
    NEGOTIATIONS,
    PERIOD,
)
from ._context import EventsLike, context
from ._timeline import STATE_COLUMNS, Rows
from ._window import (
    DurationLike,
    TimeLike,
    period_edges,
    period_index,
    to_ns_duration,
)

__all__ = ["rekey_stats"]

_I64 = np.int64
REKEY_COLUMNS = (*STATE_COLUMNS, s.REQUEST_ID)


@dataclass(frozen=True)
class Negotiations:
    """Distinct negotiations: tunnel, time of first message, initiated by AWS (bool)."""

    tid: np.ndarray
    time: np.ndarray
    aws: np.ndarray


def negotiation_arrays(rows: Rows, window: tuple[int, int], edges: np.ndarray) -> Negotiations:
    """One entry per (tunnel, period, initiator, request id) with a message in the window."""
    kind = rows.lookup(s.EVENT, (*AWS_INITIATED_EVENTS, *CGW_INITIATED_EVENTS))
    rid = rows.events[s.REQUEST_ID].to_numpy(dtype="float64", na_value=np.nan)[rows.index]
    pick = np.nonzero((kind >= 0) & ~np.isnan(rid) & rows.in_window(window))[0]
    period = np.searchsorted(edges, rows.time[pick], side="right") - 1
    aws = kind[pick] < len(AWS_INITIATED_EVENTS)
    frame = pd.DataFrame(
        {
            "t": rows.tid[pick],
            "p": period,
            "a": aws,
            "r": rid[pick].astype(_I64),
            "time": rows.time[pick],
        }
    )
    first = frame.drop_duplicates(["t", "p", "a", "r"], keep="first")
    return Negotiations(
        first["t"].to_numpy(_I64), first["time"].to_numpy(_I64), first["a"].to_numpy(bool)
    )


def collision_incidents(
    rows: Rows, window: tuple[int, int], gap_ns: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (tunnel, first time, row position of first message) of collision incidents.

    Collision messages of a tunnel belong to one incident while each follows the previous
    one by at most ``gap_ns``; an incident counts where its first message is.
    """
    pick = np.nonzero(rows.lookup(s.EVENT, COLLISION_EVENTS) >= 0)[0]
    tid, t = rows.tid[pick], rows.time[pick]
    new = np.ones(pick.size, dtype=bool)
    new[1:] = (tid[1:] != tid[:-1]) | (t[1:] - t[:-1] > gap_ns)
    keep = new & (t >= window[0]) & (t < window[1])
    return tid[keep], t[keep], pick[keep]


@shared_doc()
def rekey_stats(
    events: EventsLike,
    *,
    freq: str | BaseOffset = "1D",
    incident_gap: DurationLike = DEFAULT_INCIDENT_GAP,
    start: TimeLike = None,
    end: TimeLike = None,
) -> pd.DataFrame:
    """Return child-SA negotiations, rekey collisions and their ratio per tunnel per period.

    A **negotiation** is one CREATE_CHILD_SA (IKEv2) or Quick Mode (IKEv1) exchange,
    initiated by either side: the distinct request ids of the negotiation messages
    (``child_sa_request_sent``/``child_sa_response_received`` for exchanges AWS
    initiated, ``child_sa_request_received``/``child_sa_response_sent`` for the gateway's;
    each side numbers its own requests, so the initiator is part of the identity),
    counted per tunnel per period. Messages without a request id are not counted.

    A **collision incident** is a burst of ``rekey_collision``/``redundant_sa_deleted``
    messages of one tunnel, each at most ``incident_gap`` after the previous one; it
    counts in the period of its first message. ``collision_rate = collisions /
    negotiations``, NaN when there was no negotiation.

    Parameters
    ----------
    {params.events}
    freq : str or pandas.DateOffset, default "1D"
        Period length, any pandas frequency.
    incident_gap : str or pandas.Timedelta, default "60s"
        Longest gap between collision messages of one incident [s].
    {params.window}

    Returns
    -------
    pandas.DataFrame
        Every (tunnel, period) pair: ``vpn_connection_id``, ``tunnel_ip``, ``period``,
        ``negotiations``, ``collisions`` (counts), ``collision_rate`` (ratio).

    Examples
    --------
    >>> rekey_stats(events, freq="7D").query("collision_rate > 0.1")  # doctest: +SKIP
    """
    gap_ns = to_ns_duration("incident_gap", incident_gap, allow_none=False)
    assert gap_ns is not None
    ctx = context(events, start, end, columns=REKEY_COLUMNS)
    rows, window = ctx.rows, ctx.window
    edges = period_edges(window, freq)
    n_tunnels, n_per = rows.tunnels.n, edges.size - 1
    size = n_tunnels * n_per
    neg = negotiation_arrays(rows, window, edges)
    neg_cell = neg.tid * n_per + np.searchsorted(edges, neg.time, side="right") - 1
    negotiations = np.bincount(neg_cell, minlength=size).astype(_I64)
    ctid, ctime, _ = collision_incidents(rows, window, gap_ns)
    col_cell = ctid * n_per + np.searchsorted(edges, ctime, side="right") - 1
    collisions = np.bincount(col_cell, minlength=size).astype(_I64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(negotiations > 0, collisions / np.maximum(negotiations, 1), np.nan)
    tid = np.repeat(np.arange(n_tunnels, dtype=_I64), n_per)
    return pd.DataFrame(
        {
            **rows.tunnels.columns(tid),
            PERIOD: period_index(edges)[np.tile(np.arange(n_per), n_tunnels)],
            NEGOTIATIONS: negotiations,
            COLLISIONS: collisions,
            COLLISION_RATE: rate,
        }
    )
