"""The one place for time and option rules: to UTC, windows, choices, durations, frequencies.

Every layer (analysis, plotting, report, explorer, CLI, AWS fetches, Parquet filters, the
simulator) converts its options here, so the same value means the same thing everywhere
and a bad one gets the same message.

**Naive times -- one rule.** Text without an offset is UTC: ``"2026-10-21 09:30"`` is
09:30 UTC, as AWS logs, consoles and the ``vpnlog`` command show times. A time *object*
must carry its time zone: a naive :class:`datetime.datetime` (or naive
:class:`pandas.Timestamp`, or :class:`numpy.datetime64`) raises :class:`OptionError`
naming the fix, because Python code makes naive datetimes in local time
(``datetime.now()``) and reading them as UTC would shift a window silently by the
machine's offset. Aware times in any zone are converted to UTC.

**Default window -- one rule.** An analysis window is half-open, ``[start, end)``. The
default is the span of the records: from the first record's time to the end of the last
record's second (last + 1 s; records have one-second resolution), so every record, the
last one too, lies inside. Views that need round bounds widen that span outward, never
inward: the report to whole UTC days (``align="1D"``), the explorer to its slider's steps.

**Choices** are validated by :func:`check_choice`, whose message lists the allowed values;
**durations** accept ``"120s"``, ``"5min"``, a Timedelta or a number of seconds;
**frequencies** any pandas frequency (``"1h"``, ``"1D"``, ``"MS"``).

This module imports only :mod:`vpnlog_analytics.errors` (DESIGN.md section 5).
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, TypeAlias, TypeVar

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import BaseOffset, Tick

from .errors import OptionError

__all__ = [
    "DEFAULT_CAUSE_LOOKBACK",
    "DEFAULT_COLLISION_THRESHOLD",
    "DEFAULT_END_PAD",
    "DEFAULT_FLAP_WINDOW",
    "DEFAULT_INCIDENT_GAP",
    "DEFAULT_MARGIN",
    "DEFAULT_MIN_FLAPS",
    "DEFAULT_RETRY_BUDGET",
    "DEFAULT_SLA",
    "DEFAULT_STALE_AFTER",
    "SHARED_OPTIONS",
    "WINDOW_COLUMNS",
    "CliFlag",
    "DurationLike",
    "ExcludeLike",
    "FreqLike",
    "SharedOption",
    "TimeLike",
    "check_choice",
    "check_fraction",
    "check_positive_int",
    "default_window",
    "period_edges",
    "period_index",
    "render_shared",
    "resolve_exclude",
    "resolve_window",
    "shared_doc",
    "to_duration",
    "to_ns_duration",
    "to_offset_checked",
    "to_utc",
    "ts_ns",
]

TimeLike: TypeAlias = pd.Timestamp | dt.datetime | str | None
DurationLike: TypeAlias = pd.Timedelta | dt.timedelta | str | int | float | None
FreqLike: TypeAlias = str | BaseOffset
ExcludeLike: TypeAlias = pd.DataFrame | Iterable[tuple[TimeLike, TimeLike]] | None

#: Columns of a table of time windows (exclusions, outages): ``start`` and ``end``.
WINDOW_COLUMNS: Final = ("start", "end")
#: The default window ends this long after the last record (the logs' time resolution).
DEFAULT_END_PAD: Final = pd.Timedelta(1, "s")

# --- defaults of the analysis options (DESIGN.md section 4), declared once -----------------
#: How far before a change to down an error event may be to count as its cause [s].
#: (An object of its own, so a prepared context tells "not passed", this very object, from
#: an explicit "120s".)
DEFAULT_CAUSE_LOOKBACK: Final = pd.Timedelta(seconds=120)
#: A flapping episode: at least this many flaps...
DEFAULT_MIN_FLAPS: Final = 3
#: ...within this long.
DEFAULT_FLAP_WINDOW: Final = "1h"
#: Collision messages of one tunnel at most this far apart are one incident.
DEFAULT_INCIDENT_GAP: Final = "60s"
#: Collision rate (incidents per negotiation) above which the diagnosis reports it.
DEFAULT_COLLISION_THRESHOLD: Final = 0.1
#: AWS's published Site-to-Site VPN availability target (monthly).
DEFAULT_SLA: Final = 0.9995
#: Longest silence an **up** tunnel's state survives (DESIGN.md section 4); a state that is
#: not up holds until the next record, however long the silence. An up tunnel logs at least
#: at every phase 2 (IPsec SA) rekey: AWS caps the phase 2 lifetime at 3,600 s and rekeys
#: before it expires (the default options every 3,060-3,330 s, the most extreme allowed at
#: 3,540 s), and a rekey that fails expires the SA, which is logged too. So the longest
#: normal silence of an up tunnel is one phase 2 lifetime, at most 3,600 s. The default adds
#: 15 minutes of slack for CloudWatch ingestion delay and clock jitter between the records
#: of a rekey: an up tunnel silent for longer than 75 minutes stopped logging (logging
#: disabled, delivery broken, a gap in what was fetched), and is ``unknown`` after that.
#: (An object of its own, so a prepared context tells "not passed" from an explicit value.)
DEFAULT_STALE_AFTER: Final = pd.Timedelta(minutes=75)
#: Added before and after every maintenance event to make its window.
DEFAULT_MARGIN: Final = "15min"
#: How long one AWS call may keep failing with retryable errors before giving up [s].
DEFAULT_RETRY_BUDGET: Final = 600.0

_FREQ_EXAMPLES = "'1h', '1D', '7D', 'W-MON', 'MS' (month start), 'QS', 'YS'"


def check_choice(name: str, value: object, allowed: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise naming the allowed values.

    Parameters
    ----------
    name : str
        The option's name, for the message.
    value : object
        What was passed.
    allowed : sequence of str
        The accepted values.

    Returns
    -------
    str
        ``value``.

    Raises
    ------
    OptionError
        ``"level='tunnels' is not valid; choose one of 'tunnel', 'connection'"``.

    Examples
    --------
    >>> check_choice("level", "tunnel", ("tunnel", "connection"))
    'tunnel'
    """
    if not isinstance(value, str) or value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise OptionError(f"{name}={value!r} is not valid; choose one of {choices}")
    return value


def check_fraction(name: str, value: object, *, inclusive: bool = True) -> float:
    """Return a fraction option (e.g. an SLA of 0.9995) as a float, else raise.

    Parameters
    ----------
    name : str
        The option's name.
    value : object
        What was passed.
    inclusive : bool, default True
        Accept 0 and 1 themselves; False: strictly between.

    Returns
    -------
    float
        The fraction.

    Examples
    --------
    >>> check_fraction("sla", 0.9995)
    0.9995
    """
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if ok:
        v = float(value)  # type: ignore[arg-type]
        ok = 0.0 <= v <= 1.0 if inclusive else 0.0 < v < 1.0
    if not ok:
        raise OptionError(f"{name}={value!r} must be a fraction between 0 and 1 (e.g. 0.9995)")
    return float(value)  # type: ignore[arg-type]


def check_positive_int(name: str, value: object) -> int:
    """Return a count option (at least 1) as an int, else raise.

    Parameters
    ----------
    name : str
        The option's name.
    value : object
        What was passed.

    Returns
    -------
    int
        The count.

    Examples
    --------
    >>> check_positive_int("min_flaps", 3)
    3
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise OptionError(f"{name}={value!r} must be a positive integer")
    return int(value)


# --- reading time text: ISO 8601 and epoch; every other form refused with the fix ----------
#: Accepted examples, quoted by every refusal.
_TIME_EXAMPLES = "2026-10-21, 2026-10-21T09:30Z, 2026-10-21 11:30+02:00 or epoch 1792575000"
_ISO_TIME = r"(?P<time>\d{2}(?::\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)?)"
_ISO_ZONE = r"(?:\s*(?P<zone>Z|UTC|[+-]\d{2}(?::?\d{2})?))?"
#: ISO 8601: a year, year-month or date, then optionally a time ('T' or a space) and an
#: offset ('Z', 'UTC', +hh:mm, +hhmm, +hh).
_ISO = re.compile(rf"\d{{4}}(?:-\d{{2}}(?:-\d{{2}}(?:[T ]{_ISO_TIME}{_ISO_ZONE})?)?)?", re.I)
#: Epoch time: 10 digits are seconds (as ``date +%s`` prints), 13 milliseconds (as
#: CloudWatch prints); an optional fraction. Other digit counts are no epoch time we guess at.
_EPOCH = re.compile(r"@?(?P<int>\d+)(?:\.\d+)?")
_EPOCH_UNITS: Final = {10: "s", 13: "ms"}
_MONTHS: Final = (
    "january february march april may june july august september october november december"
).split()
_MONTH = r"(?P<month>[a-z]{3,9})\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
#: A month by name: "5 Nov 2026", "Nov 5, 2026 09:30Z", the year maybe missing.
_NAMED = re.compile(
    rf"(?:{_DAY}\s+{_MONTH}|(?P<month2>[a-z]{{3,9}})\.?\s+(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?)"
    rf",?(?:\s+(?P<year>\d+))?(?:,?[T ]\s*(?P<rest>.+))?",
    re.I,
)
#: Numbers only: day/month/year, month/day/year, year/month/day with '/', '.' or '-'.
_NUMERIC = re.compile(r"(?P<a>\d{1,4})[/.-](?P<b>\d{1,2})(?:[/.-](?P<c>\d{1,4}))?(?P<rest>[T ].*)?")


def _month(name: str) -> int | None:
    """Return the month number of an English month name or its abbreviation, else None."""
    name = name.lower()
    for i, full in enumerate(_MONTHS, start=1):
        if full.startswith(name) and len(name) >= 3:
            return i
    return None


def _this_year() -> int:
    return pd.Timestamp.now(tz="UTC").year


def _ymd(year: int, month: int, day: int) -> str | None:
    """Return ``YYYY-MM-DD`` of a calendar date, None if there is no such day."""
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _long_date(iso: str) -> str:
    d = dt.date.fromisoformat(iso)
    return f"{d.day} {_MONTHS[d.month - 1].capitalize()} {d.year}"


def _example(month: int, day: int) -> str:
    """Return an ISO date this year for a day and month (a fixed one if there is none)."""
    return _ymd(_this_year(), month, day) or "2026-10-21"


def _refuse_numeric(m: re.Match[str]) -> OptionError:
    """Return the refusal of a date in numbers, not ISO, saying its reading(s) in ISO."""
    a, b, c = m["a"], m["b"], m["c"]
    rest = f" {m['rest'][1:]}" if m["rest"] else ""
    fix = "write it in ISO 8601, year first"
    if c is None:  # "01/11": a day and a month in some order, no year
        return OptionError(f"has no year; {fix} and in full, e.g. {_example(int(b), int(a))}")
    if len(a) == 4:  # "2026/10/21": year first, but not ISO's hyphens
        iso = _ymd(int(a), int(b), int(c))
        if iso is None:
            return OptionError(f"is no calendar date; {fix}, e.g. 2026-10-21")
        return OptionError(f"is not ISO 8601; {fix} with hyphens: {iso}{rest}")
    if len(c) != 4:
        return OptionError(f"has a {len(c)}-digit year; {fix} and in full, e.g. 2026-10-21")
    dm = _ymd(int(c), int(b), int(a))
    md = _ymd(int(c), int(a), int(b))
    if dm and md and dm != md:
        return OptionError(
            f"is ambiguous: {_long_date(dm)} (day/month) or {_long_date(md)} (month/day); "
            f"{fix}: {dm}{rest} or {md}{rest}"
        )
    only = dm or md
    if only is None:
        return OptionError(f"is no calendar date; {fix}, e.g. 2026-10-21")
    # Refused although it has one reading: a form read on the 13th of a month and refused
    # on the 12th would surprise more than a form refused every day with its ISO spelling.
    return OptionError(
        f"is not ISO 8601 (numeric dates are read year first only: day/month and month/day "
        f"look alike); {fix}: {only}{rest}"
    )


def _read_iso(text: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(text)
    except ValueError as exc:
        reason = str(exc).split(":")[0]
        raise OptionError(f"is not a time: {reason}; write e.g. {_TIME_EXAMPLES}") from None
    return ts


def _read_time_text(text: str) -> pd.Timestamp:
    """Read time text: ISO 8601, epoch, a date with its month named; refuse the rest.

    Raises :class:`OptionError` whose message continues the quoted text (``'5 Nov' has no
    year; ...``) and always shows an accepted form.
    """
    text = text.strip()
    if text.lower() == "now":
        return pd.Timestamp.now(tz="UTC")
    if _ISO.fullmatch(text):
        return _read_iso(text)
    if m := _EPOCH.fullmatch(text):
        unit = _EPOCH_UNITS.get(len(m["int"]))
        if unit is None:
            raise OptionError(
                f"is a number with {len(m['int'])} digits: epoch times have 10 (seconds) or 13 "
                f"(milliseconds); for a date write ISO 8601, e.g. 2026-10-21"
            )
        return pd.Timestamp(float(text.lstrip("@")), unit=unit, tz="UTC")
    if (m := _NAMED.fullmatch(text)) and (month := _month(m["month"] or m["month2"])):
        day = int(m["day"] or m["day2"])
        if m["year"] is None or len(m["year"]) != 4:
            what = "no year" if m["year"] is None else "no four-digit year"
            raise OptionError(
                f"has {what}; write the date in ISO 8601, e.g. {_example(month, day)}"
            )
        iso = _ymd(int(m["year"]), month, day)
        if iso is None:
            raise OptionError(f"is no calendar date; write e.g. {_TIME_EXAMPLES}")
        rest = m["rest"]
        if rest and not re.fullmatch(rf"{_ISO_TIME}{_ISO_ZONE}", rest.strip(), re.I):
            raise OptionError(f"has a time that is not hh:mm[:ss]; write e.g. {_TIME_EXAMPLES}")
        return _read_iso(f"{iso} {rest.strip()}" if rest else iso)
    if m := _NUMERIC.fullmatch(text):
        raise _refuse_numeric(m)
    raise OptionError(f"is not a time vpnlog reads; write ISO 8601 or epoch, e.g. {_TIME_EXAMPLES}")


def _in_bounds(ts: pd.Timestamp, name: str, value: object) -> pd.Timestamp:
    """Refuse a time outside what nanosecond times hold (years 1677 to 2262)."""
    try:
        ts.as_unit("ns")
    except (OverflowError, pd.errors.OutOfBoundsDatetime):
        raise OptionError(
            f"{name}={value!r} is outside the times the analysis holds "
            f"({pd.Timestamp.min:%Y-%m-%d} to {pd.Timestamp.max:%Y-%m-%d})"
        ) from None
    return ts


def to_utc(value: object, name: str = "time") -> pd.Timestamp:
    """Convert a time option to a UTC Timestamp: naive text is UTC, naive objects are refused.

    Text is read in one of these forms, nothing else, so no date is silently misread:

    - ISO 8601: ``2026-10-21``, ``2026-10``, ``2026-10-21T09:30``, ``2026-10-21 09:30:15.5``,
      with an offset (``Z``, ``UTC``, ``+02:00``, ``+0200``) or without (UTC);
    - epoch time: 10 digits are seconds (``1792575000``, as ``date +%s`` prints), 13 digits
      milliseconds (as CloudWatch prints), optionally with a fraction;
    - a date with its month named and a four-digit year: ``5 Nov 2026``, ``Nov 5, 2026
      09:30Z`` (unambiguous in every locale);
    - ``now``: the current UTC time.

    Refused with a message that shows the ISO spelling: dates in numbers that are not year
    first (``01/11/2026`` is 1 November or 11 January; ``21/10/2026`` is refused too, so
    whether a form is read does not depend on the day of the month), dates without a year
    (``5 Nov``), two-digit years, and times pandas cannot hold (before 1677, after 2262).

    Parameters
    ----------
    value : str, datetime.datetime or pandas.Timestamp
        Text in a form above, or a tz-aware time in any zone.
    name : str, default "time"
        The option's name, for the message.

    Returns
    -------
    pandas.Timestamp
        tz-aware, UTC.

    Raises
    ------
    OptionError
        Text in no form above, a naive datetime object, or anything else.

    Examples
    --------
    >>> to_utc("2026-10-21 09:30")
    Timestamp('2026-10-21 09:30:00+0000', tz='UTC')
    >>> to_utc("2026-10-21T11:30+02:00")
    Timestamp('2026-10-21 09:30:00+0000', tz='UTC')
    """
    if isinstance(value, str):
        try:
            ts = _read_time_text(value)
        except OptionError as exc:
            raise OptionError(f"{name}={value!r} {exc}") from None
        ts = _in_bounds(ts, name, value)
        return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    if isinstance(value, dt.datetime | np.datetime64) and not pd.isna(value):
        ts = _in_bounds(pd.Timestamp(value), name, value)
        if ts.tzinfo is None:
            raise OptionError(
                f"{name}={value!r} has no time zone; pass a tz-aware time such as "
                f"pd.Timestamp('{ts.isoformat()}', tz='UTC') or a UTC string"
            )
        return ts.tz_convert("UTC")
    raise OptionError(f"{name}={value!r} is not a time; pass a tz-aware Timestamp or a UTC string")


def ts_ns(ts: pd.Timestamp) -> int:
    """Return a Timestamp as integer nanoseconds since the epoch.

    Parameters
    ----------
    ts : pandas.Timestamp
        The time.

    Returns
    -------
    int
        Nanoseconds since 1970-01-01 UTC.
    """
    return int(ts.as_unit("ns").value)


def default_window(
    times: pd.Series | pd.Index, *, align: DurationLike = None
) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """Return the default window of a table's times: its span, widened to ``align``.

    Parameters
    ----------
    times : pandas.Series or pandas.DatetimeIndex
        The ``time`` column (tz-aware UTC).
    align : str or pandas.Timedelta, optional
        Widen the span outward to whole multiples of this duration since the epoch
        (``"1D"``: whole UTC days, ``"1h"``, ``"15min"``); default the span itself.

    Returns
    -------
    (pandas.Timestamp, pandas.Timestamp) or None
        ``[first, last + 1 s)``, widened; None when there is no time at all.

    Examples
    --------
    >>> default_window(events["time"], align="1D")  # doctest: +SKIP
    """
    if len(times) == 0:
        return None
    lo, hi = times.min(), times.max()
    if pd.isna(lo) or pd.isna(hi):
        return None
    hi = hi + DEFAULT_END_PAD
    if align is not None:
        step = to_duration("align", align)
        if step <= pd.Timedelta(0):
            raise OptionError(f"align={align!r} must be a positive duration such as '1D'")
        lo, hi = lo.floor(step), hi.ceil(step)
    return lo, hi


def resolve_window(
    times: pd.Series, start: TimeLike, end: TimeLike, *, align: DurationLike = None
) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """Return the window ``[start, end)`` from the options, filling gaps by the default.

    A bound not given comes from :func:`default_window` of ``times``. With no time in the
    table, a missing bound copies the given one (an empty window); None when neither is
    given.

    Parameters
    ----------
    times : pandas.Series
        The ``time`` column.
    start, end : str, pandas.Timestamp or None
        The options (see :func:`to_utc`).
    align : str, optional
        Passed to :func:`default_window`.

    Returns
    -------
    (pandas.Timestamp, pandas.Timestamp) or None
        The window, UTC.

    Raises
    ------
    OptionError
        A bound is no time, or ``end`` is before ``start``.
    """
    lo = to_utc(start, "start") if start is not None else None
    hi = to_utc(end, "end") if end is not None else None
    if lo is None or hi is None:
        span = default_window(times, align=align)
        if span is None:
            if lo is None and hi is None:
                return None
            lo = hi if lo is None else lo
            hi = lo if hi is None else hi
        else:
            lo = span[0] if lo is None else lo
            hi = span[1] if hi is None else hi
    assert lo is not None and hi is not None
    if hi < lo:
        raise OptionError(f"end={hi} is before start={lo}; the window must not be negative")
    return lo, hi


def to_ns_duration(name: str, value: DurationLike, *, allow_none: bool = True) -> int | None:
    """Convert a duration option (``"120s"``, Timedelta, seconds as a number) to ns.

    Parameters
    ----------
    name : str
        The option's name.
    value : str, pandas.Timedelta, datetime.timedelta, int, float or None
        The duration; a number is seconds [s].
    allow_none : bool, default True
        Accept None (returned as None).

    Returns
    -------
    int or None
        Nanoseconds (non-negative).

    Examples
    --------
    >>> to_ns_duration("cause_lookback", "120s")
    120000000000
    """
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


def to_duration(name: str, value: DurationLike) -> pd.Timedelta:
    """Convert a required duration option to a Timedelta (see :func:`to_ns_duration`).

    Parameters
    ----------
    name : str
        The option's name.
    value : str, pandas.Timedelta, datetime.timedelta, int or float
        The duration; a number is seconds [s].

    Returns
    -------
    pandas.Timedelta
        The duration.

    Examples
    --------
    >>> to_duration("window", "1h")
    Timedelta('0 days 01:00:00')
    """
    ns = to_ns_duration(name, value, allow_none=False)
    assert ns is not None
    return pd.Timedelta(ns, unit="ns")


def to_offset_checked(freq: FreqLike, *, name: str = "freq") -> BaseOffset:
    """Convert a pandas frequency, naming the accepted forms when it is not one.

    Parameters
    ----------
    freq : str or pandas.DateOffset
        ``"1h"``, ``"1D"``, ``"W-MON"``, ``"MS"``, ...
    name : str, default "freq"
        The option's name.

    Returns
    -------
    pandas.DateOffset
        The offset (positive).

    Examples
    --------
    >>> to_offset_checked("1D")
    <Day>
    """
    try:
        offset = to_offset(freq)
    except (ValueError, TypeError) as exc:
        raise OptionError(
            f"{name}={freq!r} is not a pandas frequency ({exc}); use e.g. {_FREQ_EXAMPLES}"
        ) from None
    if offset is None or (isinstance(offset, Tick) and offset.nanos <= 0):
        raise OptionError(f"{name}={freq!r} must be a positive frequency")
    return offset


def period_edges(window: tuple[int, int], freq: FreqLike) -> np.ndarray:
    """Return the edges (ns) of the periods of ``freq`` that cover ``[start, end)``.

    Periods are aligned as pandas aligns them (days at midnight UTC, ``"MS"`` on the first
    of the month); the first may start before the window, the last end after it. An
    empty window has no periods (one edge).

    Parameters
    ----------
    window : (int, int)
        ``start`` and ``end`` in ns.
    freq : str or pandas.DateOffset
        The period length.

    Returns
    -------
    numpy.ndarray
        int64 ns, ascending.
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
    """Return the period labels (their start times) of the periods between ``edges``.

    Parameters
    ----------
    edges : numpy.ndarray
        From :func:`period_edges`.

    Returns
    -------
    pandas.DatetimeIndex
        UTC.
    """
    return pd.DatetimeIndex(edges[:-1].view("M8[ns]")).tz_localize("UTC")


def resolve_exclude(exclude: ExcludeLike) -> tuple[np.ndarray, np.ndarray]:
    """Return maintenance windows as sorted, merged ``(starts, ends)`` arrays in ns.

    Parameters
    ----------
    exclude : list of (start, end) pairs, pandas.DataFrame or None
        Pairs of times (see :func:`to_utc`) or a DataFrame with ``start`` and ``end``
        columns (:data:`WINDOW_COLUMNS`).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        int64 ns; overlapping or touching windows merged.
    """
    start_col, end_col = WINDOW_COLUMNS
    if exclude is None:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    if isinstance(exclude, pd.DataFrame):
        if start_col not in exclude.columns or end_col not in exclude.columns:
            raise OptionError(
                f"exclude DataFrame needs '{start_col}' and '{end_col}' columns, "
                f"got {list(exclude.columns)}"
            )
        pairs: list[tuple[TimeLike, TimeLike]] = list(
            zip(exclude[start_col].tolist(), exclude[end_col].tolist(), strict=True)
        )
    else:
        try:
            pairs = [tuple(p) for p in exclude]
        except TypeError:
            raise OptionError(
                "exclude must be a list of (start, end) pairs or a DataFrame with "
                f"'{start_col}' and '{end_col}' columns, got {type(exclude).__name__}"
            ) from None
    starts, ends = [], []
    for i, pair in enumerate(pairs):
        if len(pair) != 2:
            raise OptionError(f"exclude[{i}] must be a (start, end) pair, got {pair!r}")
        s = ts_ns(to_utc(pair[0], f"exclude[{i}] start"))
        e = ts_ns(to_utc(pair[1], f"exclude[{i}] end"))
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


# --- options shared by many functions, declared once -----------------------------------------
#: Width of a rendered description; the same at any indent, so the text is the same everywhere.
_DOC_WIDTH: Final = 84


@dataclass(frozen=True)
class CliFlag:
    """One ``vpnlog`` flag of a shared option (``--from``: ``dest="start"``)."""

    #: The flag as typed, e.g. ``"--stale-after"``.
    flag: str
    #: The parameter it fills (the attribute of the parsed arguments).
    dest: str
    #: Its ``--help`` text: what the docstring says, in a line.
    help: str


@dataclass(frozen=True)
class SharedOption:
    """An option many functions take: its name, default, documentation and CLI flags.

    The numpydoc entry of every function that takes the option is rendered from this one
    record (:func:`shared_doc`), and the ``vpnlog`` flags are made from it, so the text, the
    default and the flag cannot drift apart.
    """

    #: The parameter name(s) as the numpydoc entry lists them (``"start, end"``).
    name: str
    #: The numpydoc type, with the default (``str or pandas.Timedelta, default "120s"``).
    type: str
    #: The numpydoc description (one paragraph, wrapped when rendered).
    doc: str
    #: The default value (the constant itself, e.g. :data:`DEFAULT_STALE_AFTER`).
    default: object = None
    #: The ``vpnlog`` flags made from it (none: the CLI does not take it).
    cli: tuple[CliFlag, ...] = ()

    @property
    def params(self) -> tuple[str, ...]:
        """Return the parameter names the entry documents."""
        return tuple(n.strip() for n in self.name.split(","))

    @property
    def description(self) -> str:
        """Return the description as rendered (wrapped, not indented)."""
        return textwrap.fill(self.doc, _DOC_WIDTH, break_on_hyphens=False)

    @property
    def numpydoc(self) -> str:
        """Return the whole numpydoc entry (name, type, indented description)."""
        return f"{self.name} : {self.type}\n" + textwrap.indent(self.description, "    ")


def _literal(value: object) -> str:
    """Return a default as the docstrings show it: ``"75min"``, ``"120s"``, ``None``.

    A duration is shown in minutes from 10 minutes up when it is whole minutes, else in
    seconds (``"120s"``, as the look-back is spelled everywhere, not ``"2min"``).
    """
    if isinstance(value, pd.Timedelta):
        seconds = int(value.total_seconds())
        minutes = seconds % 60 == 0 and seconds >= 600
        value = f"{seconds // 60}min" if minutes else f"{seconds}s"
    return f'"{value}"' if isinstance(value, str) else repr(value)


_STALE_MINUTES = int(DEFAULT_STALE_AFTER.total_seconds() // 60)

#: Every shared option, keyed by the name a docstring uses: ``{params.stale_after}``.
SHARED_OPTIONS: Final[Mapping[str, SharedOption]] = {
    # The events option, for functions that also take a prepared context ...
    "events": SharedOption(
        name="events",
        type="pandas.DataFrame or Context",
        doc="The events table (DESIGN.md section 2), or a context from "
        ":func:`~vpnlog_analytics.analysis.prepare`, whose window, ``cause_lookback`` and "
        "``stale_after`` are then used (pass them only to repeat the same values); not "
        "modified.",
    ),
    # ... and for functions that take the table only.
    "events_table": SharedOption(
        name="events",
        type="pandas.DataFrame",
        doc="The events table (DESIGN.md section 2), e.g. from "
        ":func:`~vpnlog_analytics.read_logs`; not modified.",
    ),
    # The analysis window of a table (resolve_window) ...
    "window": SharedOption(
        name="start, end",
        type="pandas.Timestamp or str, optional",
        doc="The analysis window ``[start, end)``: tz-aware times, or text without an offset "
        "read as UTC; default the span of the table, from its first record to the end of "
        "its last record's second.",
        cli=(
            CliFlag(
                "--from",
                "start",
                "start of the analysis window [start, end), UTC; default the first record",
            ),
            CliFlag(
                "--to",
                "end",
                "end of the analysis window [start, end), UTC; default "
                "the end of the last record's second",
            ),
        ),
    ),
    # ... of the metrics table (its points cover whole periods) ...
    "metric_window": SharedOption(
        name="start, end",
        type="pandas.Timestamp or str, optional",
        doc="The window ``[start, end)``: tz-aware times, or text without an offset read as "
        "UTC; default the span of the metric points, from the first point to the end of the "
        "last point's period.",
    ),
    # ... and the window asked of an AWS API (required: there is no table yet).
    "aws_window": SharedOption(
        name="start, end",
        type="str, datetime.datetime or pandas.Timestamp",
        doc="The window ``[start, end)`` asked of AWS: tz-aware times, or text without an "
        "offset read as UTC.",
    ),
    "stale_after": SharedOption(
        name="stale_after",
        type=f"str, pandas.Timedelta, StaleLimits or None, default {_literal(DEFAULT_STALE_AFTER)}",
        doc="Longest silence an up state survives [s]: beyond it the tunnel is ``unknown`` "
        "until its next record; a state that is not up holds until the next record however "
        "long the silence (see :func:`~vpnlog_analytics.analysis.tunnel_states`). Each "
        "tunnel's own: its configured phase 2 lifetime plus 15 min "
        '(:func:`~vpnlog_analytics.analysis.stale_limits`, or ``"auto"`` where the '
        "tunnel options are given). None carries up states on too.",
        default=DEFAULT_STALE_AFTER,
        cli=(
            CliFlag(
                "--stale-after",
                "stale_after",
                "longest silence an up tunnel's state survives before it counts as unknown; "
                "a state that is not up holds until the next record "
                f"(default {_STALE_MINUTES} min; 'auto' takes each tunnel's phase 2 lifetime "
                "+ 15 min from --options; 'none' carries up states on too)",
            ),
        ),
    ),
    "cause_lookback": SharedOption(
        name="cause_lookback",
        type=f"str or pandas.Timedelta, default {_literal(DEFAULT_CAUSE_LOOKBACK)}",
        doc="How far before a change to ``down`` an error record may be to count as its cause [s].",
        default=DEFAULT_CAUSE_LOOKBACK,
    ),
    "min_duration": SharedOption(
        name="min_duration",
        type="str or pandas.Timedelta, optional",
        doc='Shortest outage that counts [s], e.g. ``"120s"``: shorter ones are neither '
        "listed nor counted; default every outage.",
        cli=(CliFlag("--min-duration", "min_duration", "shortest outage that counts, e.g. 120s"),),
    ),
    "exclude": SharedOption(
        name="exclude",
        type="list of (start, end) pairs or pandas.DataFrame, optional",
        doc="Maintenance windows that count as no outage (neither downtime nor observed "
        "time): pairs of tz-aware times or UTC strings, or a DataFrame with ``start`` and "
        "``end`` columns.",
        cli=(
            CliFlag(
                "--exclude",
                "exclude",
                "maintenance window that counts as no outage (repeatable), UTC",
            ),
        ),
    ),
    "routing": SharedOption(
        name="routing",
        # the choices and the default are schema's state values (ROUTING_CHOICES)
        type='{"auto", "ipsec"}, default "auto"',
        doc='``"auto"``: a tunnel with BGP logs is up while its IPsec is up *and* its BGP '
        "session is not known to be down (reachability: no routes, no traffic); tunnels "
        "without BGP logs, and time before a tunnel's first BGP record, are judged by IPsec "
        'alone, so missing BGP records never count as down. ``"ipsec"``: IPsec alone '
        "everywhere.",
        cli=(
            CliFlag(
                "--routing",
                "routing",
                "auto: IPsec and BGP where BGP is logged (reachability); ipsec: IPsec alone",
            ),
        ),
    ),
    "maintenance": SharedOption(
        name="maintenance",
        type="pandas.DataFrame, optional",
        doc="Maintenance windows "
        "(:func:`~vpnlog_analytics.analysis.maintenance_windows`): AWS maintenance and "
        "customer changes, one row per window.",
    ),
    "margin": SharedOption(
        name="margin",
        type=f"str or pandas.Timedelta, default {_literal(DEFAULT_MARGIN)}",
        doc="Added before and after every maintenance event to make its window [s].",
        default=DEFAULT_MARGIN,
        cli=(
            CliFlag(
                "--margin",
                "margin",
                f"added before and after every maintenance event (default {DEFAULT_MARGIN})",
            ),
        ),
    ),
    "require_routes": SharedOption(
        name="require_routes",
        type="bool, default False",
        doc='With ``routing="auto"``, a tunnel with route records is also down while its '
        "session is established but holds no accepted route (cause ``bgp_no_routes``).",
        # no default here: functions spell False, which the literal check would flag; the
        # CLI flag is a switch of the CLI's routing arguments
    ),
    "level": SharedOption(
        name="level",
        # the choices and the default are schema's state values (LEVELS)
        type='{"tunnel", "connection"}, default "tunnel"',
        doc="Outages of single tunnels, or of whole connections.",
    ),
    "freq": SharedOption(
        name="freq",
        # each function has its own default ("1D", availability "MS"): its own entry line
        type="str or pandas.DateOffset",
        doc="Period length, any pandas frequency.",
    ),
    "sla": SharedOption(
        name="sla",
        type=f"float, default {DEFAULT_SLA}",
        doc="Availability target (fraction, AWS's published 99.95 % monthly).",
        default=DEFAULT_SLA,
    ),
    "min_flaps": SharedOption(
        name="min_flaps",
        type=f"int, default {DEFAULT_MIN_FLAPS}",
        doc="Flaps needed within ``flap_window`` (at least 1).",
        default=DEFAULT_MIN_FLAPS,
        cli=(CliFlag("--min-flaps", "min_flaps", "flaps that make an episode"),),
    ),
    "flap_window": SharedOption(
        name="flap_window",
        type=f"str or pandas.Timedelta, default {_literal(DEFAULT_FLAP_WINDOW)}",
        doc="The longest span of ``min_flaps`` consecutive flaps that still counts [s].",
        # no default here: "1h" is also a frequency elsewhere, which the literal check
        # would flag; the default is DEFAULT_FLAP_WINDOW
    ),
    "metrics": SharedOption(
        name="metrics",
        type="pandas.DataFrame",
        doc="The metrics table (``fetch_metrics``): ``time``, ``vpn_connection_id``, "
        "``tunnel_ip``, ``metric``, ``value``, ``period`` [s]; not modified.",
    ),
    "retry_budget": SharedOption(
        name="retry_budget",
        type=f"float, default {DEFAULT_RETRY_BUDGET}",
        doc="Seconds one call may keep failing with retryable errors (throttling, 5xx, "
        "network) before giving up [s].",
        default=DEFAULT_RETRY_BUDGET,
    ),
    "boto3_session": SharedOption(
        name="boto3_session",
        type="boto3.Session, optional",
        doc="The session to use (profile, region, credentials); None: "
        ":func:`~vpnlog_analytics.aws.make_session`, which picks them as the AWS CLI does.",
    ),
    "region": SharedOption(
        name="region",
        type="str, optional",
        doc='The AWS region, e.g. ``"eu-west-1"``: the region of the VPN connection and its '
        "log group; default ``AWS_REGION``, else ``AWS_DEFAULT_REGION``, else the "
        "profile's (as the AWS CLI picks it).",
        cli=(
            CliFlag(
                "--region",
                "region",
                "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's)",
            ),
        ),
    ),
    "profile": SharedOption(
        name="profile",
        type="str, optional",
        doc="A profile of the AWS config files (``aws configure list-profiles``).",
        cli=(
            CliFlag("--profile", "profile", "AWS profile of ~/.aws/config (default: AWS_PROFILE)"),
        ),
    ),
}

_PLACEHOLDER = re.compile(r"^([ \t]*)\{params\.(\w+)(\.desc)?\}[ \t]*$", re.MULTILINE)
_F = TypeVar("_F", bound=Callable[..., object])


def render_shared(doc: str) -> str:
    """Return ``doc`` with each ``{params.<option>}`` line replaced by the declared entry.

    A placeholder stands alone on its line; ``{params.<option>.desc}`` gives the
    description only (under an entry line of the function's own). Lines after it at the
    description's indent continue the entry: what the function adds.

    Parameters
    ----------
    doc : str
        A docstring.

    Returns
    -------
    str
        The docstring, filled.

    Raises
    ------
    KeyError
        A placeholder names no option of :data:`SHARED_OPTIONS`.
    """

    def fill(m: re.Match[str]) -> str:
        indent, key, desc_only = m.groups()
        option = SHARED_OPTIONS[key]
        text = option.description if desc_only else option.numpydoc
        return textwrap.indent(text, indent)

    return _PLACEHOLDER.sub(fill, doc)


def shared_doc(*, own: Mapping[str, str] | None = None) -> Callable[[_F], _F]:
    """Fill a function's docstring from :data:`SHARED_OPTIONS` (``{params.stale_after}``).

    Parameters
    ----------
    own : mapping of str to str, optional
        Shared options this function documents in its own words, each with the reason
        (its meaning differs); recorded as ``__shared_own__`` for the tests.

    Returns
    -------
    callable
        The decorator: returns the function, its ``__doc__`` filled.

    Examples
    --------
    >>> @shared_doc()
    ... def f(events, *, stale_after=DEFAULT_STALE_AFTER):
    ...     '''Do nothing.
    ...
    ...     Parameters
    ...     ----------
    ...     {params.stale_after}
    ...     '''
    >>> "Longest silence" in f.__doc__
    True
    """

    def decorate(func: _F) -> _F:
        if func.__doc__:
            func.__doc__ = render_shared(func.__doc__)
        func.__shared_own__ = dict(own or {})  # type: ignore[attr-defined]
        return func

    return decorate
