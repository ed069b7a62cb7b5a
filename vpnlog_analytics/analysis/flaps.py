"""Flaps (up -> down transitions), their frequency per period, and flapping episodes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.tseries.offsets import BaseOffset

from .. import schema as s
from ..options import (
    DEFAULT_CAUSE_LOOKBACK,
    DEFAULT_FLAP_WINDOW,
    DEFAULT_MIN_FLAPS,
    DEFAULT_STALE_AFTER,
    check_positive_int,
    shared_doc,
)
from ._columns import CAUSE, DOWNTIME, END, FLAPS, PERIOD, START
from ._context import Context, EventsLike, context, durations, times
from ._stale import StaleLike
from ._timeline import DOWN, UP, cause_names
from ._window import (
    DurationLike,
    TimeLike,
    period_edges,
    period_index,
    to_ns_duration,
)

__all__ = ["flap_frequency", "flapping_episodes", "flaps"]


@dataclass(frozen=True)
class FlapArrays:
    """The flaps of a window: change index, tunnel, time, downtime (ns, -1 if ongoing)."""

    change: np.ndarray
    tid: np.ndarray
    time: np.ndarray
    downtime: np.ndarray


def flap_arrays(ctx: Context) -> FlapArrays:
    """Find the up -> down changes with ``start <= time < end``."""
    ch = ctx.changes
    lo, hi = ctx.window
    mask = (ch.state == DOWN) & (ch.previous_state() == UP) & (ch.time >= lo) & (ch.time < hi)
    k = np.nonzero(mask)[0]
    restored = (ch.end[k] <= hi) & (ch.next_state()[k] == UP)
    downtime = np.where(restored, ch.end[k] - ch.time[k], -1)
    return FlapArrays(k, ch.tid[k], ch.time[k], downtime)


@shared_doc()
def flaps(
    events: EventsLike,
    *,
    start: TimeLike = None,
    end: TimeLike = None,
    cause_lookback: DurationLike = DEFAULT_CAUSE_LOOKBACK,
    stale_after: StaleLike = DEFAULT_STALE_AFTER,
) -> pd.DataFrame:
    """Return every flap: each time a tunnel went from up to down within the window.

    The tunnel state is the step function of :func:`tunnel_states` (records without phase
    states carry the previous state on; BGP rows are ignored). A flap is a change from
    ``up`` to ``down`` at a time ``start <= time < end``; the first known state of a
    tunnel being ``down`` (``unknown`` -> ``down``) is not a flap. The state before the
    window counts: a tunnel up before ``start`` that goes down inside the window flaps.

    Parameters
    ----------
    {params.events}
    {params.window}
    {params.cause_lookback}
    {params.stale_after}

    Returns
    -------
    pandas.DataFrame
        One row per flap, by tunnel then time: ``vpn_connection_id``, ``tunnel_ip``,
        ``time`` (UTC), ``cause`` (the most specific error event at or at most
        ``cause_lookback`` before it, else ``unexplained``) and ``downtime``: the time
        until the tunnel was up again, NaT while the outage is ongoing at ``end``.

    Examples
    --------
    >>> flaps(events).groupby("cause").size()  # doctest: +SKIP
    """
    ctx = context(events, start, end, cause_lookback, stale_after=stale_after)
    fa = flap_arrays(ctx)
    return pd.DataFrame(
        {
            **ctx.rows.tunnels.columns(fa.tid),
            s.TIME: times(fa.time),
            CAUSE: pd.array(cause_names(ctx.changes.cause[fa.change]), dtype="str"),
            DOWNTIME: durations(fa.downtime, fa.downtime >= 0),
        }
    )


@shared_doc()
def flap_frequency(
    events: EventsLike,
    *,
    freq: str | BaseOffset = "1D",
    start: TimeLike = None,
    end: TimeLike = None,
    stale_after: StaleLike = DEFAULT_STALE_AFTER,
) -> pd.DataFrame:
    """Count the flaps (up -> down transitions, see :func:`flaps`) per tunnel per period.

    Parameters
    ----------
    {params.events}
    freq : str or pandas.DateOffset, default "1D"
        {params.freq.desc}
        E.g. ``"1h"``, ``"1D"``, ``"W-MON"``, ``"MS"``; periods are
        aligned the pandas way (days at midnight UTC).
    {params.window}
    {params.stale_after}

    Returns
    -------
    pandas.DataFrame
        Every (tunnel, period) pair, zeros included: ``vpn_connection_id``, ``tunnel_ip``,
        ``period`` (start of the period, UTC) and ``flaps`` (count).

    Examples
    --------
    >>> hourly = flap_frequency(events, freq="1h")  # doctest: +SKIP
    >>> hourly.pivot(columns="tunnel_ip", index="period", values="flaps")  # doctest: +SKIP
    """
    ctx = context(events, start, end, stale_after=stale_after)
    edges = period_edges(ctx.window, freq)
    fa = flap_arrays(ctx)
    n_tunnels, n_periods = ctx.rows.tunnels.n, edges.size - 1
    period = np.searchsorted(edges, fa.time, side="right") - 1
    counts = np.bincount(fa.tid * n_periods + period, minlength=n_tunnels * n_periods)
    tid = np.repeat(np.arange(n_tunnels, dtype=np.int64), n_periods)
    labels = period_index(edges)
    return pd.DataFrame(
        {
            **ctx.rows.tunnels.columns(tid),
            PERIOD: labels[np.tile(np.arange(n_periods), n_tunnels)],
            FLAPS: counts.astype(np.int64),
        }
    )


def episode_arrays(
    fa: FlapArrays, min_flaps: int, window_ns: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (first flap index, last flap index, tunnel) of every flapping episode."""
    n = fa.tid.size
    j = np.arange(max(n - min_flaps + 1, 0))
    last = j + min_flaps - 1
    dense = (fa.tid[last] == fa.tid[j]) & (fa.time[last] - fa.time[j] <= window_ns)
    j, last = j[dense], last[dense]
    if j.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    # Merge the dense groups of consecutive flaps that share a flap (index space).
    tid = fa.tid[j]
    reach = np.maximum.accumulate(last)  # groups are sorted by j, and tid with it
    new = np.ones(j.size, dtype=bool)
    new[1:] = (tid[1:] != tid[:-1]) | (j[1:] > reach[:-1])
    is_end = np.ones(j.size, dtype=bool)
    is_end[:-1] = new[1:]
    return j[new], reach[is_end], tid[new]


@shared_doc()
def flapping_episodes(
    events: EventsLike,
    *,
    min_flaps: int = DEFAULT_MIN_FLAPS,
    flap_window: DurationLike = DEFAULT_FLAP_WINDOW,
    start: TimeLike = None,
    end: TimeLike = None,
    stale_after: StaleLike = DEFAULT_STALE_AFTER,
) -> pd.DataFrame:
    """Return flapping episodes: runs of at least ``min_flaps`` flaps within ``flap_window``.

    Take a tunnel's flaps (see :func:`flaps`) in time order. Every ``min_flaps``
    consecutive flaps whose first and last are at most ``flap_window`` apart form a dense
    group; groups of the same tunnel that share a flap are merged, transitively. An
    episode is such a maximal merged run: it starts at its first flap, ends at its last
    flap and holds every flap between. Two episodes of a tunnel never share a flap.

    Parameters
    ----------
    {params.events}
    min_flaps : int, default 3
        Flaps needed within ``flap_window`` (at least 1).
    flap_window : str or pandas.Timedelta, default "1h"
        The longest span of ``min_flaps`` consecutive flaps that still counts [s].
    {params.window}
    {params.stale_after}

    Returns
    -------
    pandas.DataFrame
        One row per episode, by tunnel then time: ``vpn_connection_id``, ``tunnel_ip``,
        ``start`` and ``end`` (first and last flap, UTC), ``flaps`` (count).

    Examples
    --------
    >>> flapping_episodes(events, min_flaps=5, flap_window="30min")  # doctest: +SKIP
    """
    min_flaps = check_positive_int("min_flaps", min_flaps)
    window_ns = to_ns_duration("flap_window", flap_window, allow_none=False)
    assert window_ns is not None
    ctx = context(events, start, end, stale_after=stale_after)
    fa = flap_arrays(ctx)
    first, last, tid = episode_arrays(fa, int(min_flaps), window_ns)
    return pd.DataFrame(
        {
            **ctx.rows.tunnels.columns(tid),
            START: times(fa.time[first]),
            END: times(fa.time[last]),
            FLAPS: (last - first + 1).astype(np.int64),
        }
    )
