"""One computation shared by the public functions: rows, window, changes, intervals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._timeline import (
    STATE_COLUMNS,
    Changes,
    Intervals,
    Rows,
    changes,
    intervals,
    prepare,
)
from ._window import DurationLike, TimeLike, resolve_window, to_ns_duration

__all__ = ["Context", "context", "durations", "times"]

_NAT = np.iinfo(np.int64).min


@dataclass(frozen=True)
class Context:
    """Everything the state analyses of one table and window share."""

    rows: Rows
    window: tuple[int, int]
    changes: Changes
    intervals: Intervals
    lookback: int


def context(
    events: pd.DataFrame,
    start: TimeLike,
    end: TimeLike,
    cause_lookback: DurationLike = "120s",
    columns: Sequence[str] = STATE_COLUMNS,
) -> Context:
    """Validate the table and options, then compute the tunnels' state intervals."""
    rows = prepare(events, columns)
    lookback = to_ns_duration("cause_lookback", cause_lookback, allow_none=False)
    assert lookback is not None
    window = resolve_window(events, start, end) or (0, 0)
    ch = changes(rows, lookback)
    return Context(rows, window, ch, intervals(ch, rows.tunnels.n, window), lookback)


def times(ns: np.ndarray, valid: np.ndarray | None = None) -> pd.DatetimeIndex:
    """Return int64 ns as UTC times (NaT where ``valid`` is False)."""
    arr = np.asarray(ns, dtype=np.int64)
    if valid is not None:
        arr = np.where(valid, arr, _NAT)
    return pd.DatetimeIndex(arr.view("M8[ns]")).tz_localize("UTC")


def durations(ns: np.ndarray, valid: np.ndarray | None = None) -> pd.TimedeltaIndex:
    """Return int64 ns as Timedeltas (NaT where ``valid`` is False)."""
    arr = np.asarray(ns, dtype=np.int64)
    if valid is not None:
        arr = np.where(valid, arr, _NAT)
    return pd.TimedeltaIndex(arr.view("m8[ns]"))
