"""The messages the catalogue does not know, grouped by template, so users can report them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import catalog
from .. import schema as s
from ..options import shared_doc
from ._columns import COUNT, EXAMPLE, FIRST_SEEN, LAST_SEEN, SHARE, TUNNELS
from ._context import times
from ._window import TimeLike, resolve_window

__all__ = ["unknown_messages"]

_COLUMNS = (s.TIME, s.VPN_CONNECTION_ID, s.TUNNEL_IP, s.DETAILS, s.EVENT)


@shared_doc()
def unknown_messages(
    events: pd.DataFrame,
    *,
    start: TimeLike = None,
    end: TimeLike = None,
) -> pd.DataFrame:
    """Return the messages no catalogue rule matched, one row per normalised template.

    A record is unknown when its ``event`` is ``unknown``. Its template is the message
    with ids, addresses, hex values and numbers replaced (the ``template`` column of the
    events table, else :func:`vpnlog_analytics.catalog.template` of ``details``), so the
    same line with other SPIs or sequence numbers counts once. Use it to see what the
    catalogue misses on your logs, and to report new messages with a verbatim example.

    Parameters
    ----------
    {params.events_table}
        Tunnel and BGP rows.
    {params.window}

    Returns
    -------
    pandas.DataFrame
        One row per template, most frequent first (ties by template): ``template``,
        ``count`` (records), ``share`` (of all records in the window, 0-1), ``tunnels``
        (distinct tunnels that logged it), ``first_seen``, ``last_seen`` (UTC),
        ``example`` (the earliest such record's verbatim ``details``).

    Examples
    --------
    >>> unknown_messages(events).head(10)  # doctest: +SKIP
    """
    s.validate_events(events, columns=_COLUMNS)
    window = resolve_window(events, start, end)
    time = events[s.TIME]
    if window is None:
        inside = np.zeros(len(events), dtype=bool)
    else:
        ns = time.dt.as_unit("ns").array.asi8
        inside = (ns >= window[0]) & (ns < window[1]) & time.notna().to_numpy()
    is_unknown = (events[s.EVENT] == catalog.UNKNOWN).to_numpy(dtype=bool, na_value=False)
    pick = np.nonzero(inside & is_unknown)[0]
    sub = events.iloc[pick]
    if s.TEMPLATE in events.columns:
        templates = sub[s.TEMPLATE].astype("string")
    else:
        details = sub[s.DETAILS].astype("string")
        distinct = pd.unique(details.dropna())
        templates = details.map({d: catalog.template(d) for d in distinct})
    frame = pd.DataFrame(
        {
            "template": templates.fillna("").to_numpy(dtype=object),
            "time": sub[s.TIME].dt.as_unit("ns").array.asi8,
            "tunnel": (
                sub[s.VPN_CONNECTION_ID].astype(str) + "|" + sub[s.TUNNEL_IP].astype(str)
            ).to_numpy(dtype=object),
            "details": sub[s.DETAILS].astype("string").fillna("").to_numpy(dtype=object),
        }
    )
    total = int(inside.sum())
    # Earliest record first, so each template's example is its first occurrence.
    by = frame.sort_values("time", kind="stable").groupby("template", sort=True)
    out = pd.DataFrame(
        {
            s.TEMPLATE: pd.array(by.size().index, dtype="str"),
            COUNT: by.size().to_numpy(dtype=np.int64),
            TUNNELS: by["tunnel"].nunique().to_numpy(dtype=np.int64),
            FIRST_SEEN: times(by["time"].min().to_numpy()),
            LAST_SEEN: times(by["time"].max().to_numpy()),
            EXAMPLE: pd.array(by["details"].first().to_numpy(), dtype="str"),
        }
    )
    out.insert(2, SHARE, out[COUNT] / total if total else np.nan)
    out = out.sort_values([COUNT, s.TEMPLATE], ascending=[False, True], kind="stable")
    return out.reset_index(drop=True)
