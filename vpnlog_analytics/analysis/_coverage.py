"""What the logs cover: per tunnel, the stretches of a window its logs say nothing about.

The kernel under :mod:`.reconcile` (logging gaps beside the metrics) and :mod:`.sources`
(the metric overrules a logged down state only inside its silence).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import schema as s
from ._context import context
from ._intervals import INF
from ._stale import StaleLike, limit_at
from ._timeline import UNKNOWN, long_silences

__all__ = ["GAP_KINDS", "Stretch", "silences_by_tunnel"]

_I64 = np.int64
_FOREVER = np.iinfo(np.int64).max // 4

#: Kinds of logging gap: before the first record, an up tunnel's silence longer than
#: ``stale_after`` between two records, and one that lasts to the window's end.
GAP_KINDS = ("before_logs", "silence", "after_logs")

Stretch = tuple[int, int, str, int]  # start, end [ns], kind (GAP_KINDS), state in force


def silences_by_tunnel(
    events: pd.DataFrame, lo: int, hi: int, stale_after: StaleLike
) -> dict[tuple[str, str], list[Stretch]]:
    """Per tunnel, the stretches of the window its logs say nothing about.

    Before the first record (``before_logs``, state unknown), and every silence longer
    than ``stale_after`` (None: none), from the record before it to the next record
    (``silence``) or to the window's end (``after_logs``), with the state in force over it
    (:func:`._timeline.long_silences`, the one rule of DESIGN.md section 4): an up
    tunnel's silence is a logging gap, a down tunnel's is the outage itself.
    """
    ctx = context(
        events, pd.Timestamp(lo, tz="UTC"), pd.Timestamp(hi, tz="UTC"), stale_after=stale_after
    )
    rows = ctx.rows
    limit = _FOREVER if ctx.stale is None else ctx.stale
    names = rows.tunnels.columns(np.arange(rows.tunnels.n, dtype=_I64))
    keys = list(
        zip(map(str, names[s.VPN_CONNECTION_ID]), map(str, names[s.TUNNEL_IP]), strict=True)
    )
    out: dict[tuple[str, str], list[Stretch]] = {k: [] for k in keys}
    first = np.full(rows.tunnels.n, INF, dtype=_I64)
    np.minimum.at(first, rows.tid, rows.time)
    for k, key in enumerate(keys):
        if first[k] > lo:
            out[key].append((lo, int(min(first[k], hi)), GAP_KINDS[0], UNKNOWN))
    sil = long_silences(rows, limit)
    for tid, a, b, state in zip(
        sil.tid.tolist(), sil.start.tolist(), sil.end.tolist(), sil.state.tolist(), strict=True
    ):
        last = b == INF
        if last and hi - a <= limit_at(limit, tid):
            continue  # the window ends before the silence is long
        x, y = max(a, lo), min(b, hi)
        if y > x:
            out[keys[tid]].append((x, y, GAP_KINDS[2] if last else GAP_KINDS[1], int(state)))
    return out
