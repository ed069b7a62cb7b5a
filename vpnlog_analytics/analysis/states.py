"""Tunnel state timelines: when each tunnel was up, down or unknown."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._columns import CAUSE, DURATION, END, ONGOING, START, STATE, STATE_VALUES
from ._context import context, durations, times
from ._timeline import cause_names
from ._window import DurationLike, TimeLike

__all__ = ["tunnel_states"]


def tunnel_states(
    events: pd.DataFrame,
    *,
    start: TimeLike = None,
    end: TimeLike = None,
    cause_lookback: DurationLike = "120s",
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

    Intervals are clipped to the window ``[start, end)``. A state set by a record before
    the window carries into it (a window that starts inside an outage starts ``down``); an
    interval whose true end is after ``end`` (or not yet known) is flagged ``ongoing``.
    Per tunnel, the durations add up to the window exactly.

    Parameters
    ----------
    events : pandas.DataFrame
        The events table (DESIGN.md section 2); not modified.
    start, end : pandas.Timestamp or str, optional
        The analysis window, tz-aware or UTC strings; default from the first ``time`` of
        the table to the end of its last logged second.
    cause_lookback : str or pandas.Timedelta, default "120s"
        How far before a change to ``down`` an error event may be to count as its cause
        [s].

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
    ctx = context(events, start, end, cause_lookback)
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
