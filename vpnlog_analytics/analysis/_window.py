"""The analysis window in nanoseconds; every other option rule lives in :mod:`..options`."""

from __future__ import annotations

import pandas as pd

from ..errors import OptionError
from ..options import (
    DurationLike,
    ExcludeLike,
    FreqLike,
    TimeLike,
    check_choice,
    period_edges,
    period_index,
    resolve_exclude,
    to_ns_duration,
    to_utc,
    ts_ns,
)
from ..options import resolve_window as _resolve
from ..schema import TIME

__all__ = [
    "NS_PER_S",
    "DurationLike",
    "ExcludeLike",
    "FreqLike",
    "OptionError",
    "TimeLike",
    "check_choice",
    "period_edges",
    "period_index",
    "resolve_exclude",
    "resolve_window",
    "to_ns_duration",
    "to_timestamp",
    "ts_ns",
]

#: Nanoseconds per second: metric periods [s] to the analysis's int64 times [ns].
NS_PER_S = 1_000_000_000


def to_timestamp(name: str, value: TimeLike) -> pd.Timestamp:
    """Convert a time option to UTC (the one rule of :func:`..options.to_utc`)."""
    return to_utc(value, name)


def resolve_window(events: pd.DataFrame, start: TimeLike, end: TimeLike) -> tuple[int, int] | None:
    """Return the analysis window ``[start, end)`` in ns; ``None`` if it cannot be known.

    The default is the span of the table's ``time`` (see :mod:`vpnlog_analytics.options`):
    first record to the end of the last record's second. ``None`` means the table is empty
    and a bound was not given.
    """
    window = _resolve(events[TIME], start, end)
    return None if window is None else (ts_ns(window[0]), ts_ns(window[1]))
