"""How many records of each event kind were logged per period."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import schema as s
from ..options import shared_doc
from ._columns import COUNT, PERIOD
from ._context import EventsLike, context
from ._timeline import STATE_COLUMNS, lookup
from ._window import FreqLike, TimeLike, check_choice, period_edges, period_index

__all__ = ["event_counts"]

_COLUMNS = (*STATE_COLUMNS, s.SEVERITY)


@shared_doc()
def event_counts(
    events: EventsLike,
    *,
    freq: FreqLike = "1D",
    severities: Sequence[str] = ("error", "warning"),
    start: TimeLike = None,
    end: TimeLike = None,
) -> pd.DataFrame:
    """Count the records of each event kind per period, over all tunnels (BGP too).

    Parameters
    ----------
    {params.events}
    freq : str or pandas.DateOffset, default "1D"
        {params.freq.desc}
        Periods are aligned the pandas way.
    severities : sequence of str, default ("error", "warning")
        Severities counted (``info`` is mostly routine chatter).
    {params.window}

    Returns
    -------
    pandas.DataFrame
        Every (period, event) pair of the event kinds logged in the window, zeros
        included, by period then event name: ``period`` (start, UTC), ``event``,
        ``severity``, ``count``.

    Examples
    --------
    >>> event_counts(events, freq="1h", severities=["error"])  # doctest: +SKIP
    """
    for name in severities:
        check_choice("severities", name, s.SEVERITIES)
    ctx = context(events, start, end, columns=_COLUMNS)
    table = ctx.events
    lo, hi = ctx.window
    edges = period_edges(ctx.window, freq)
    time = table[s.TIME].dt.as_unit("ns").array.asi8
    sev = lookup(table[s.SEVERITY], list(severities))
    pick = np.nonzero((sev >= 0) & (time >= lo) & (time < hi))[0]
    kinds = table[s.EVENT].to_numpy(dtype=object, na_value="")[pick]
    sev_names = np.asarray(list(severities), dtype=object)[sev[pick]]
    names, kind = np.unique(kinds.astype(str), return_inverse=True)
    severity = np.empty(names.size, dtype=object)
    severity[kind] = sev_names  # an event name has one severity in the catalogue
    n_per = edges.size - 1
    period = np.searchsorted(edges, time[pick], side="right") - 1
    counts = np.bincount(period * names.size + kind, minlength=n_per * names.size)
    return pd.DataFrame(
        {
            PERIOD: period_index(edges)[np.repeat(np.arange(n_per), names.size)],
            s.EVENT: pd.array(np.tile(names, n_per), dtype="str"),
            s.SEVERITY: pd.Categorical(np.tile(severity, n_per), categories=s.SEVERITIES),
            COUNT: counts.astype(np.int64),
        }
    )
