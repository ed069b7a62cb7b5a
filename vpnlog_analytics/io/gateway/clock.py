"""Device clocks: syslog time stamps read, and local wall times turned into UTC.

Syslog from strongSwan, pluto and the ASA has by default no zone and often no year: it is
the device's local wall time. :class:`LocalClock` reads such times in the device's IANA
zone (``tz=``) with the year given (``year=``) or taken from the AWS window, and settles
the two things a wall clock cannot say:

- **the year at New Year**: the year is that of the file's first line; a later line whose
  month is more than six months before the previous line's starts the next year (a log
  runs forward: December then January);
- **the repeated hour when DST ends**: a wall time that happens twice is read as the first
  occurrence unless that would put it before the previous line of the file; then it is the
  second occurrence (the log is monotonic, so after the clock went back, the repeated hour
  is the later one). A wall time that never happens (the hour skipped when DST starts) is
  a bad line (reason ``nonexistent_local_time``).

Stamps that carry an offset (ISO 8601 / RFC 3339 with ``Z`` or ``+02:00``, RFC 5424) need
neither zone nor year.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from ...errors import OptionError

__all__ = ["BadTime", "LocalClock", "Stamp", "YearRule", "read_stamp", "zone"]

_MONTHS: Final = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
#: ``2024-10-03T11:26:28.123+02:00`` (``T`` or a blank; offset ``Z``, ``+hh:mm``, ``+hhmm``).
ISO: Final = re.compile(
    r"(?P<Y>\d{4})-(?P<m>\d\d)-(?P<d>\d\d)[T ](?P<H>\d\d):(?P<M>\d\d):(?P<S>\d\d)"
    r"(?:[.,](?P<f>\d{1,9}))?(?P<z>Z|[+-]\d\d:?\d\d)?(?=\s|$)"
)
#: ``Oct  3 11:26:28`` (BSD syslog, RFC 3164) and ``Oct 03 2024 11:26:28`` (Cisco ASA).
BSD: Final = re.compile(
    r"(?P<b>[A-Z][a-z]{2}) +(?P<d>\d{1,2}) (?:(?P<Y>\d{4}) )?"
    r"(?P<H>\d\d):(?P<M>\d\d):(?P<S>\d\d)(?:\.(?P<f>\d{1,6}))?(?=[\s:]|$)"
)


class BadTime(ValueError):
    """A time stamp of a recognised line that is no time; ``reason`` is the count key."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Stamp:
    """A time stamp as written: wall-clock fields, and the offset if the line has one."""

    text: str
    year: int | None
    month: int
    day: int
    hour: int
    minute: int
    second: int
    nanosecond: int
    #: Offset from UTC [s]; None: local time of the device.
    offset: int | None


def _fraction_ns(text: str | None) -> int:
    return int((text or "0").ljust(9, "0")[:9])


def _offset(text: str | None) -> int | None:
    if text is None:
        return None
    if text == "Z":
        return 0
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)


def read_stamp(text: str, pos: int = 0) -> tuple[Stamp, int] | None:
    """Read an ISO 8601 or BSD syslog time stamp at ``text[pos:]``.

    Parameters
    ----------
    text : str
        A log line.
    pos : int
        Where the stamp starts.

    Returns
    -------
    (Stamp, int) or None
        The stamp and the position after it; None if no stamp starts there.

    Raises
    ------
    BadTime
        A stamp whose month name or fields are out of range.

    Examples
    --------
    >>> read_stamp("Oct  3 11:26:28 gw charon: x")[0].month
    10
    """
    m = ISO.match(text, pos)
    if m:
        year: int | None = int(m["Y"])
        month = int(m["m"])
        offset = _offset(m["z"])
    else:
        m = BSD.match(text, pos)
        if not m:
            return None
        if m["b"] not in _MONTHS:
            raise BadTime(f"{m['b']!r} is no month name", "bad_time")
        month = _MONTHS[m["b"]]
        year = int(m["Y"]) if m["Y"] else None
        offset = None
    stamp = Stamp(
        m.group(0),
        year,
        month,
        int(m["d"]),
        int(m["H"]),
        int(m["M"]),
        int(m["S"]),
        _fraction_ns(m["f"]),
        offset,
    )
    _check_fields(stamp, year if year is not None else 2000)
    return stamp, m.end()


def _check_fields(st: Stamp, year: int) -> None:
    try:
        dt.datetime(year, st.month, st.day, st.hour, st.minute, st.second)
    except ValueError as exc:
        raise BadTime(f"{st.text!r} is no valid time ({exc})", "bad_time") from None


def zone(tz: str | None) -> ZoneInfo | None:
    """Return the IANA zone named ``tz`` (None for None), or raise naming the option.

    Parameters
    ----------
    tz : str or None
        E.g. ``"Europe/Berlin"``, ``"America/New_York"``, ``"UTC"``.

    Returns
    -------
    zoneinfo.ZoneInfo or None

    Raises
    ------
    OptionError
        A name the zone database does not know.
    """
    if tz is None:
        return None
    if not isinstance(tz, str):
        raise OptionError(f"tz={tz!r}: pass the device's IANA zone name, e.g. tz='Europe/Berlin'")
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise OptionError(
            f"tz={tz!r} is no IANA time zone name; pass the device's zone, e.g. "
            "tz='Europe/Berlin' or tz='UTC' (on the command line --cgw-tz)"
        ) from None


@dataclass(frozen=True)
class YearRule:
    """Where the year of a stamp without one comes from: ``year=``, or the AWS window."""

    year: int | None = None
    window: tuple[pd.Timestamp, pd.Timestamp] | None = None

    def first_year(self, st: Stamp) -> int | None:
        """Return the year of a file's first yearless stamp (None: nothing to take it from)."""
        if self.year is not None:
            return self.year
        if self.window is None:
            return None
        start, end = self.window
        middle = start + (end - start) / 2

        def distance(year: int) -> float:
            try:
                t = pd.Timestamp(year, st.month, st.day, st.hour, tz="UTC")
            except ValueError:  # 29 February of a year without it
                return float("inf")
            return abs((t - middle).total_seconds())

        return min((start.year, end.year), key=distance)


class LocalClock:
    """Turns the stamps of one file, in line order, into UTC nanoseconds.

    Parameters
    ----------
    tz : zoneinfo.ZoneInfo or None
        The device's zone; None: stamps without an offset are refused.
    years : YearRule
        Where a yearless stamp's year comes from.
    source : str
        The file, named in errors.
    """

    def __init__(self, tz: ZoneInfo | None, years: YearRule, source: str) -> None:
        self.tz = tz
        self.years = years
        self.source = source
        self.year: int | None = None
        self.last_month: int | None = None
        self.last_ns: int | None = None

    def to_ns(self, st: Stamp, line: int) -> int:
        """Return the UTC time of a stamp [ns since the epoch].

        Raises
        ------
        OptionError
            A stamp without a zone and no ``tz=``, or without a year and no way to know it.
        BadTime
            A local time that does not exist (skipped by the DST change).
        """
        if st.offset is not None:
            assert st.year is not None  # ISO stamps carry their year
            naive = dt.datetime(st.year, st.month, st.day, st.hour, st.minute, st.second)
            ns = _epoch_ns(naive) - st.offset * 10**9 + st.nanosecond
            self.last_ns = ns
            return ns
        if self.tz is None:
            raise OptionError(
                f"{self.source}, line {line}: the time {st.text!r} carries no time zone (device "
                "local time); pass tz= with the device's IANA zone, e.g. tz='Europe/Berlin' "
                "(on the command line --cgw-tz)"
            )
        year = st.year if st.year is not None else self._year(st, line)
        _check_fields(st, year)
        naive = dt.datetime(year, st.month, st.day, st.hour, st.minute, st.second)
        ns = self._localize(naive, st) + st.nanosecond
        self.last_ns = ns
        return ns

    def _year(self, st: Stamp, line: int) -> int:
        if self.year is None:
            first = self.years.first_year(st)
            if first is None:
                raise OptionError(
                    f"{self.source}, line {line}: the time {st.text!r} carries no year; pass "
                    "year= (e.g. year=2024) or tunnels= with the AWS events, whose time "
                    "window gives it"
                )
            self.year = first
        elif self.last_month is not None and st.month < self.last_month - 6:
            self.year += 1  # December, then January: the log ran into the next year
        self.last_month = st.month
        return self.year

    def _localize(self, naive: dt.datetime, st: Stamp) -> int:
        assert self.tz is not None
        first = naive.replace(tzinfo=self.tz, fold=0)
        second = naive.replace(tzinfo=self.tz, fold=1)
        a = _epoch_ns(first.astimezone(dt.UTC).replace(tzinfo=None))
        b = _epoch_ns(second.astimezone(dt.UTC).replace(tzinfo=None))
        if a == b:
            return a
        # Round trip: a wall time that exists comes back unchanged from UTC.
        back = first.astimezone(dt.UTC).astimezone(self.tz).replace(tzinfo=None)
        if back != naive:
            raise BadTime(
                f"{st.text!r} does not exist in {self.tz.key} (the hour skipped when daylight "
                "saving time starts)",
                "nonexistent_local_time",
            )
        early, late = min(a, b), max(a, b)
        if self.last_ns is not None and early + st.nanosecond < self.last_ns:
            return late
        return early


_EPOCH: Final = dt.datetime(1970, 1, 1)


def _epoch_ns(naive: dt.datetime) -> int:
    delta = naive - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 10**9 + delta.microseconds * 1000
