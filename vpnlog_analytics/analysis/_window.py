"""Validation of analysis options: the window, durations, frequencies, maintenance windows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TypeAlias

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import BaseOffset, Tick

from ..errors import OptionError
from ..schema import TIME
from ._columns import END, START

__all__ = [
    "TimeLike",
    "check_choice",
    "period_edges",
    "resolve_exclude",
    "resolve_window",
    "to_ns_duration",
]

TimeLike: TypeAlias = pd.Timestamp | dt.datetime | str | None
DurationLike: TypeAlias = pd.Timedelta | dt.timedelta | str | int | float | None
ExcludeLike: TypeAlias = pd.DataFrame | Iterable[tuple[TimeLike, TimeLike]] | None

_FREQ_EXAMPLES = "'1h', '1D', '7D', 'W-MON', 'MS' (month start), 'QS', 'YS'"


def check_choice(name: str, value: object, allowed: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise naming the allowed values."""
    if not isinstance(value, str) or value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise OptionError(f"{name}={value!r} is not valid; choose one of {choices}")
    return value


def to_timestamp(name: str, value: TimeLike) -> pd.Timestamp:
    """Convert a tz-aware time or a UTC string to a UTC Timestamp (naive strings are UTC)."""
    if isinstance(value, str):
        try:
            ts = pd.Timestamp(value)
        except ValueError as exc:
            raise OptionError(f"{name}={value!r} is not a time: {exc}") from None
        return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    if isinstance(value, dt.datetime):
        ts = pd.Timestamp(value)
        if ts.tzinfo is None:
            raise OptionError(
                f"{name}={value!r} has no time zone; pass a tz-aware time such as "
                f"pd.Timestamp('{ts.isoformat()}', tz='UTC') or a UTC string"
            )
        return ts.tz_convert("UTC")
    raise OptionError(f"{name}={value!r} is not a time; pass a tz-aware Timestamp or a UTC string")


def ts_ns(ts: pd.Timestamp) -> int:
    """Return a Timestamp as integer nanoseconds since the epoch."""
    return int(ts.as_unit("ns").value)


#: The default window ends this long after the last record (the logs' time resolution).
DEFAULT_END_PAD = pd.Timedelta(1, "s")


def resolve_window(events: pd.DataFrame, start: TimeLike, end: TimeLike) -> tuple[int, int] | None:
    """Return the analysis window ``[start, end)`` in ns; ``None`` if it cannot be known.

    Defaults are the first ``time`` of the table and the end of the last logged second
    (last ``time`` + 1 s: records have one-second resolution), so every row, the last
    one too, lies inside the half-open window. ``None`` means the table is empty and a
    bound was not given.
    """
    times = events[TIME]
    lo = to_timestamp("start", start) if start is not None else None
    hi = to_timestamp("end", end) if end is not None else None
    if lo is None or hi is None:
        if times.empty or times.isna().all():
            if lo is None and hi is None:
                return None
            lo = hi if lo is None else lo
            hi = lo if hi is None else hi
        else:
            lo = times.min() if lo is None else lo
            hi = times.max() + DEFAULT_END_PAD if hi is None else hi
    assert lo is not None and hi is not None
    if hi < lo:
        raise OptionError(f"end={hi} is before start={lo}; the window must not be negative")
    return ts_ns(lo), ts_ns(hi)


def to_ns_duration(name: str, value: DurationLike, *, allow_none: bool = True) -> int | None:
    """Convert a duration option (``"120s"``, Timedelta, seconds as a number) to ns."""
    if value is None:
        if allow_none:
            return None
        raise OptionError(f"{name} must be a duration such as '120s' or '1h'")
    try:
        td = (
            pd.Timedelta(value, unit="s") if isinstance(value, int | float) else pd.Timedelta(value)
        )
    except (ValueError, TypeError) as exc:
        raise OptionError(
            f"{name}={value!r} is not a duration ({exc}); use e.g. '120s', '5min', '1h'"
        ) from None
    if pd.isna(td) or td < pd.Timedelta(0):
        raise OptionError(f"{name}={value!r} must be a non-negative duration")
    return int(td.as_unit("ns").value)


def to_offset_checked(freq: str | BaseOffset) -> BaseOffset:
    """Convert a pandas frequency, naming the accepted forms when it is not one."""
    try:
        offset = to_offset(freq)
    except (ValueError, TypeError) as exc:
        raise OptionError(
            f"freq={freq!r} is not a pandas frequency ({exc}); use e.g. {_FREQ_EXAMPLES}"
        ) from None
    if offset is None or (isinstance(offset, Tick) and offset.nanos <= 0):
        raise OptionError(f"freq={freq!r} must be a positive frequency")
    return offset


def period_edges(window: tuple[int, int], freq: str | BaseOffset) -> np.ndarray:
    """Return the edges (ns) of the periods of ``freq`` that cover ``[start, end)``.

    Periods are aligned as pandas aligns them (days at midnight UTC, ``"MS"`` on the first
    of the month); the first may start before the window, the last end after it. An
    empty window has no periods (one edge).
    """
    offset = to_offset_checked(freq)
    lo = pd.Timestamp(window[0], unit="ns", tz="UTC")
    hi = pd.Timestamp(window[1], unit="ns", tz="UTC")
    if isinstance(offset, Tick):
        first = lo.floor(pd.Timedelta(offset.nanos, unit="ns"))
    else:
        first = offset.rollback(lo.normalize())
        if first > lo:  # offsets with an intraday anchor: step back once more
            first = first - offset
    if hi <= lo:
        return np.array([ts_ns(first)], dtype=np.int64)
    edges = pd.date_range(first, hi, freq=offset)
    ns = edges.as_unit("ns").asi8
    if ns[-1] < window[1]:
        ns = np.append(ns, ts_ns(edges[-1] + offset))
    return np.asarray(ns, dtype=np.int64)


def period_index(edges: np.ndarray) -> pd.DatetimeIndex:
    """Return the period labels (their start times) of the periods between ``edges``."""
    return pd.DatetimeIndex(edges[:-1].view("M8[ns]")).tz_localize("UTC")


def resolve_exclude(exclude: ExcludeLike) -> tuple[np.ndarray, np.ndarray]:
    """Return maintenance windows as sorted, merged ``(starts, ends)`` arrays in ns.

    Accepts a sequence of ``(start, end)`` pairs (tz-aware times or UTC strings) or a
    DataFrame with ``start`` and ``end`` columns.
    """
    if exclude is None:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    if isinstance(exclude, pd.DataFrame):
        if START not in exclude.columns or END not in exclude.columns:
            raise OptionError(
                f"exclude DataFrame needs '{START}' and '{END}' columns, "
                f"got {list(exclude.columns)}"
            )
        pairs: list[tuple[TimeLike, TimeLike]] = list(
            zip(exclude[START].tolist(), exclude[END].tolist(), strict=True)
        )
    else:
        try:
            pairs = [tuple(p) for p in exclude]
        except TypeError:
            raise OptionError(
                "exclude must be a list of (start, end) pairs or a DataFrame with "
                f"'{START}' and '{END}' columns, got {type(exclude).__name__}"
            ) from None
    starts, ends = [], []
    for i, pair in enumerate(pairs):
        if len(pair) != 2:
            raise OptionError(f"exclude[{i}] must be a (start, end) pair, got {pair!r}")
        s = ts_ns(to_timestamp(f"exclude[{i}] start", pair[0]))
        e = ts_ns(to_timestamp(f"exclude[{i}] end", pair[1]))
        if e < s:
            raise OptionError(f"exclude[{i}] ends before it starts: {pair!r}")
        if e > s:
            starts.append(s)
            ends.append(e)
    st = np.asarray(starts, dtype=np.int64)
    en = np.asarray(ends, dtype=np.int64)
    order = np.argsort(st, kind="stable")
    st, en = st[order], en[order]
    if st.size == 0:
        return st, en
    # Merge overlapping or touching windows.
    run_end = np.maximum.accumulate(en)
    new = np.ones(st.size, dtype=bool)
    new[1:] = st[1:] > run_end[:-1]
    group = np.cumsum(new) - 1
    merged_start = st[new]
    merged_end = np.full(merged_start.size, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(merged_end, group, en)
    return merged_start, merged_end
