"""How result tables read: one set of formatting rules for the page, the notebook, the terminal.

The report (:func:`~vpnlog_analytics.build_report`), the notebook view
(:func:`~vpnlog_analytics.show`) and the ``vpnlog`` command's tables all format cells
here, so a value reads the same wherever it is shown:

- **durations** the way people say them, two units at most: ``"17 min 05 s"``,
  ``"2 h 03 min"``, ``"3 d 4 h"`` (:func:`format_duration`);
- **times** in UTC without the offset, ``"2026-10-21 09:43:18"``; the headers of time
  columns say ``(UTC)`` (:func:`format_time`);
- **fractions** (``availability``, ``up_share``, ``collision_rate``, ``ack_ratio``,
  ``share``, ``sla``) as
  percentages with the decimals of :data:`PERCENT_DECIMALS`: ``"99.9617 %"``;
  ``service_credit`` (already percent) as ``"10 %"``;
- **causes** as the event name and its plain-language label (``"dpd_timeout: DPD timeout
  (peer silent)"``, from :data:`vpnlog_analytics.catalog.EVENT_LABELS`);
- **booleans** ``yes``/``no``; **counts** (:data:`COUNT_COLUMNS`) with thousands separators;
  **severities** as logged (``error``, ``warning``, ``info``; the notebook colours them);
  missing values as empty cells.

Terminal tables (``headers="terminal"``) keep the column names (``first_seen``) and move
the percent sign into the header of rate columns (``availability_%`` with cells such as
``99.9617``) so the columns stay narrow. CSV and JSON exports are not formatted: they keep
fractions (0-1), seconds or ISO 8601 times, as the analysis returns them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any, Final

import pandas as pd

from . import schema as s
from .catalog import event_label
from .options import check_choice
from .words import duration_parts

__all__ = [
    "COUNT_COLUMNS",
    "PERCENT_DECIMALS",
    "ROUTING_TEXT",
    "SEVERITY_RANK",
    "cause_label",
    "cause_text",
    "csv_frame",
    "format_count",
    "format_duration",
    "format_bytes",
    "format_percent",
    "format_span",
    "format_stale",
    "format_table",
    "format_time",
    "formatters",
    "header",
    "routing_text",
    "sla_text",
    "yes_no",
]

#: Fraction columns shown as percentages, with their decimals (availability needs four
#: to tell 99.95 % from 99.96 %).
PERCENT_DECIMALS: Final = {
    s.AVAILABILITY: 4,
    s.AVAILABILITY_AWS_SIDE: 4,
    s.UP_SHARE: 3,
    s.COLLISION_RATE: 1,
    s.ACK_RATIO: 1,
    s.SHARE: 2,
    "sla": 2,
    # reconciliation with the CloudWatch metrics (analysis.reconcile, report)
    "agreement": 2,
    "metric_state": 1,
    "logged_share": 1,
    "availability_logs": 4,
    "availability_metrics": 4,
    "availability_both": 4,
}
#: Columns that are percentages already (integers).
_PERCENT_VALUES: Final = (s.SERVICE_CREDIT,)
#: Terminal headers of the percent columns (the sign moves into the header).
_TERMINAL_NAMES: Final = {
    s.AVAILABILITY: "availability_%",
    s.AVAILABILITY_AWS_SIDE: "aws_side_%",
    s.UP_SHARE: "up_%",
    s.COLLISION_RATE: "collisions_%",
    s.ACK_RATIO: "ack_%",
    s.SHARE: "share_%",
    "sla": "sla_%",
    s.SERVICE_CREDIT: "credit_%",
    "agreement": "agreement_%",
    "metric_state": "metric_up_%",
    "logged_share": "logged_up_%",
    "availability_logs": "logs_%",
    "availability_metrics": "metrics_%",
    "availability_both": "both_%",
}
#: Byte counts (the ``AWS/VPN`` data metrics), shown in kB / MB / GB.
BYTE_COLUMNS: Final = ("data_in", "data_out")
#: Count columns, shown with thousands separators.
COUNT_COLUMNS: Final = (
    s.RECORDS,
    s.ERRORS,
    s.WARNINGS,
    s.INFOS,
    s.FLAPS,
    s.OUTAGES,
    s.NEGOTIATIONS,
    s.COLLISIONS,
    s.TIMEOUTS,
    s.RECOVERED,
    s.COUNT,
    s.DPD_REQUESTS,
    s.DPD_ACKS,
    s.LONGEST_UNANSWERED,
    s.UNANSWERED,
    s.TUNNELS,
    # the loader's evidence (records = kept + duplicates_dropped + skipped)
    "kept",
    "duplicates_dropped",
    "skipped",
)
#: Order of severities, most serious first.
SEVERITY_RANK: Final = {name: i for i, name in enumerate(s.SEVERITIES)}
HEADERS: Final = ("page", "terminal")


def _missing(value: object) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_duration(value: object) -> str:
    """Return a duration the way people say it: ``"17 min 05 s"``, ``"2 h 03 min"``.

    Parameters
    ----------
    value : pandas.Timedelta, datetime.timedelta or float
        The duration (a number is seconds [s]); NaT/NaN give ``""``.

    Returns
    -------
    str
        Two units at most, the larger first, rounded to the smaller one.

    Examples
    --------
    >>> format_duration(pd.Timedelta("0 days 00:17:05"))
    '17 min 05 s'
    """
    if value is None or value is pd.NaT or value is pd.NA:
        return ""
    seconds = value if isinstance(value, int | float) else pd.Timedelta(value).total_seconds()
    if isinstance(seconds, float) and math.isnan(seconds):
        return ""
    if seconds < 0:
        return "-" + format_duration(-seconds)
    # Two units, rounded to the smaller (words.duration_parts); minutes and seconds
    # after a larger unit take two digits, hours after days one.
    parts = duration_parts(float(seconds))
    return " ".join(
        f"{v:02d} {u}" if i and u in ("min", "s") else f"{v} {u}" for i, (v, u) in enumerate(parts)
    )


#: What each outage rule (``attrs["routing"]`` of outages and summary) counts, in words.
ROUTING_TEXT: Final = {
    "ipsec": "IPsec states",
    "ipsec+bgp": "reachability (IPsec up and BGP established)",
    "ipsec+bgp+routes": "reachability with routes held (IPsec up, BGP established, routes)",
}


def routing_text(rules: object) -> str:
    """Say which rule counted the outages of which tunnels (``attrs["routing"]``).

    Parameters
    ----------
    rules : dict of str to list
        Rule name -> the tunnels ``(connection, tunnel_ip)`` or connections it judged.

    Returns
    -------
    str
        One sentence; empty when ``rules`` names nothing.

    Examples
    --------
    >>> routing_text({"ipsec": [("vpn-1", "1.2.3.4")]})
    'Outages count IPsec states for 1 tunnel.'
    """
    if not isinstance(rules, dict) or not rules:
        return ""
    parts = []
    for rule, judged in rules.items():
        names = [str(x[1]) if isinstance(x, tuple | list) else str(x) for x in judged]
        what = "tunnel" if judged and isinstance(judged[0], tuple | list) else "connection"
        count = f"{len(names)} {what}{'' if len(names) == 1 else 's'}"
        listed = f": {', '.join(names)}" if rule != "ipsec" and len(rules) > 1 else ""
        parts.append(f"{ROUTING_TEXT.get(rule, rule)} for {count}{listed}")
    return "Outages count " + "; ".join(parts) + "."


def format_stale(stale_after: object) -> str:
    """Return a ``stale_after`` rule as a person reads it.

    Parameters
    ----------
    stale_after : pandas.Timedelta, StaleLimits or None
        One limit (``"75 min"``), each tunnel's own
        (:func:`~vpnlog_analytics.analysis.stale_limits`) or None (``"never"``).

    Returns
    -------
    str

    Examples
    --------
    >>> format_stale(pd.Timedelta("75min"))
    '75 min'
    """
    if stale_after is None:
        return "never"
    default = getattr(stale_after, "default", None)
    if default is None:
        return format_span(stale_after)
    return (
        "each tunnel's configured phase 2 lifetime + 15 min "
        f"({format_span(default)} for tunnels without options)"
    )


def format_span(value: object) -> str:
    """Return a parameter's duration in its largest exact unit: ``"1 h"``, ``"30 min"``.

    Parameters
    ----------
    value : str, pandas.Timedelta or float
        The duration (a number is seconds [s]).

    Returns
    -------
    str
        ``"2 d"``, ``"1 h"``, ``"90 min"``, ``"120 s"`` (whole units, no rounding;
        minutes only from 10 min up).

    Examples
    --------
    >>> format_span("1h")
    '1 h'
    """
    if _missing(value):
        return ""
    td = pd.Timedelta(value, unit="s") if isinstance(value, int | float) else pd.Timedelta(value)
    secs = td.total_seconds()
    # Minutes from 10 min up: a look-back reads better as "120 s" than as "2 min".
    for unit, size, least in (("d", 86400, 86400), ("h", 3600, 3600), ("min", 60, 600)):
        if secs >= least and secs % size == 0:
            return f"{int(secs // size)} {unit}"
    return f"{secs:g} s"


def format_time(value: object) -> str:
    """Return a time in UTC without the offset: ``"2026-10-21 09:43:18"``.

    Parameters
    ----------
    value : pandas.Timestamp or datetime.datetime
        A tz-aware time; NaT gives ``""``.

    Returns
    -------
    str
        ``YYYY-MM-DD HH:MM:SS`` (UTC).

    Examples
    --------
    >>> format_time(pd.Timestamp("2026-10-21 09:43:18", tz="UTC"))
    '2026-10-21 09:43:18'
    """
    if _missing(value):
        return ""
    ts = pd.Timestamp(value)
    ts = ts.tz_convert("UTC") if ts.tzinfo is not None else ts
    return f"{ts:%Y-%m-%d %H:%M:%S}"


def format_bytes(value: object) -> str:
    """Return a byte count as people read it: ``3045699183`` -> ``"3.05 GB"`` (SI units).

    Parameters
    ----------
    value : float or int
        Bytes; NaN gives ``""``.

    Returns
    -------
    str

    Examples
    --------
    >>> format_bytes(3045699183)
    '3.05 GB'
    >>> format_bytes(512)
    '512 B'
    """
    if value is None or pd.isna(value):
        return ""
    number = float(value)  # type: ignore[arg-type]
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if number >= size:
            return f"{number / size:.2f} {unit}"
    return f"{number:.0f} B"


def format_percent(value: object, decimals: int = 2, *, unit: bool = True) -> str:
    """Return a fraction as a percentage: ``0.999617`` -> ``"99.9617 %"``.

    Parameters
    ----------
    value : float
        The fraction (0-1); NaN gives ``""``.
    decimals : int, default 2
        Decimals of the percentage.
    unit : bool, default True
        Append ``" %"`` (terminal tables put it in the header instead).

    Returns
    -------
    str
        The percentage.

    Examples
    --------
    >>> format_percent(0.9995, 4)
    '99.9500 %'
    """
    if _missing(value):
        return ""
    text = f"{float(value) * 100:.{decimals}f}"  # type: ignore[arg-type]
    return f"{text} %" if unit else text


def sla_text(sla: float) -> str:
    """Return an SLA target as people write it: ``0.9995`` -> ``"99.95 %"``.

    Parameters
    ----------
    sla : float
        The target (fraction).

    Returns
    -------
    str
        Trailing zeros dropped.

    Examples
    --------
    >>> sla_text(0.9995)
    '99.95 %'
    """
    return f"{float(sla) * 100:.4f}".rstrip("0").rstrip(".") + " %"


def format_count(value: object) -> str:
    """Return a count with thousands separators (``"19,903"``); NA gives ``""``.

    Parameters
    ----------
    value : int
        The count.

    Returns
    -------
    str
        The count as text.

    Examples
    --------
    >>> format_count(19903)
    '19,903'
    """
    return "" if _missing(value) else f"{int(value):,}"  # type: ignore[call-overload]


def yes_no(value: object) -> str:
    """Return ``"yes"``/``"no"`` for a boolean; NA gives ``""``.

    Parameters
    ----------
    value : bool
        The flag.

    Returns
    -------
    str
        ``yes``, ``no`` or empty.
    """
    return "" if _missing(value) else "yes" if bool(value) else "no"


def cause_label(cause: object) -> str:
    """Return the plain-language name of an outage cause (or of several, comma-joined).

    Parameters
    ----------
    cause : str
        A ``cause`` value of :func:`~vpnlog_analytics.analysis.outages`.

    Returns
    -------
    str
        For example ``"DPD timeout (peer silent)"`` for ``"dpd_timeout"``.

    Examples
    --------
    >>> cause_label("psk_mismatch, dpd_timeout")
    'pre-shared key mismatch, DPD timeout (peer silent)'
    """
    if _missing(cause):
        return ""
    parts = [p.strip() for p in str(cause).split(s.CAUSE_SEPARATOR.strip())]
    return s.CAUSE_SEPARATOR.join(event_label(p) for p in parts)


def cause_text(cause: object) -> str:
    """Return a cause as shown in tables: its name and, where it says more, its label.

    Parameters
    ----------
    cause : str
        A ``cause`` value.

    Returns
    -------
    str
        ``"dpd_timeout: DPD timeout (peer silent)"``; ``"unexplained"``.

    Examples
    --------
    >>> cause_text("dpd_timeout")
    'dpd_timeout: DPD timeout (peer silent)'
    """
    if _missing(cause):
        return ""
    label = cause_label(cause)
    return str(cause) if label == str(cause) else f"{cause}: {label}"


def _credit_text(value: object, *, unit: bool = True) -> str:
    if _missing(value):
        return ""
    return f"{int(value)} %" if unit else f"{int(value)}"  # type: ignore[call-overload]


def formatters(frame: pd.DataFrame, *, headers: str = "page") -> dict[Any, Callable[[Any], str]]:
    """Return the cell formatter of every column of a result table that gets one.

    Parameters
    ----------
    frame : pandas.DataFrame
        A result table.
    headers : {"page", "terminal"}, default "page"
        ``terminal``: percent cells without the sign (it moves into the header).

    Returns
    -------
    dict
        Column to a function of one cell returning text; columns without an entry show
        their values as they are (text, categories, floats).
    """
    check_choice("headers", headers, HEADERS)
    unit = headers == "page"
    out: dict[Any, Callable[[Any], str]] = {}
    for col in frame.columns:
        series = frame[col]
        if pd.api.types.is_timedelta64_dtype(series):
            out[col] = format_duration
        elif isinstance(series.dtype, pd.DatetimeTZDtype):
            out[col] = format_time
        elif col in PERCENT_DECIMALS and pd.api.types.is_numeric_dtype(series):
            decimals = PERCENT_DECIMALS[col]
            out[col] = partial(format_percent, decimals=decimals, unit=unit)
        elif col in _PERCENT_VALUES:
            out[col] = partial(_credit_text, unit=unit)
        elif col == s.CAUSE:
            out[col] = cause_text
        elif pd.api.types.is_bool_dtype(series):
            out[col] = yes_no
        elif col in COUNT_COLUMNS and pd.api.types.is_integer_dtype(series):
            out[col] = format_count
        elif col in BYTE_COLUMNS and pd.api.types.is_numeric_dtype(series):
            out[col] = format_bytes
    return out


def header(column: object, frame: pd.DataFrame | None = None, *, headers: str = "page") -> str:
    """Return the header of a column as shown: ``first_seen`` -> ``"first seen (UTC)"``.

    Parameters
    ----------
    column : str
        The column name.
    frame : pandas.DataFrame, optional
        The table (to tell time columns); without it no ``(UTC)`` is added.
    headers : {"page", "terminal"}, default "page"
        ``page``: words and ``(UTC)``; ``terminal``: the name, ``_%`` for percent columns.

    Returns
    -------
    str
        The header.
    """
    check_choice("headers", headers, HEADERS)
    is_time = frame is not None and isinstance(frame[column].dtype, pd.DatetimeTZDtype)
    if headers == "terminal":
        percent = column in PERCENT_DECIMALS or column in _PERCENT_VALUES
        return _TERMINAL_NAMES.get(str(column), str(column)) if percent else str(column)
    text = str(column).replace("_", " ")
    return f"{text} (UTC)" if is_time else text


def format_table(frame: pd.DataFrame, *, headers: str = "page") -> pd.DataFrame:
    """Return a result table as text cells people read, by the rules of this module.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any result of the analysis functions (or the events table); not modified.
    headers : {"page", "terminal"}, default "page"
        Column headers and percent cells for a page / notebook, or for a terminal.

    Returns
    -------
    pandas.DataFrame
        The same rows; formatted columns hold text, the others their values.

    Examples
    --------
    >>> format_table(outages(events, level="connection"))  # doctest: +SKIP
    """
    out = frame.copy()
    for col, fmt in formatters(frame, headers=headers).items():
        out[col] = pd.array([fmt(v) for v in frame[col].tolist()], dtype=object)
    return out.rename(columns=lambda c: header(c, frame, headers=headers))


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a result table for CSV export: durations as seconds, times as ISO 8601 UTC.

    A duration column ``<name>`` becomes ``<name>_s`` (float seconds); times become
    ``2026-10-21T09:43:18Z``; fractions and counts stay as they are.

    Parameters
    ----------
    frame : pandas.DataFrame
        A result table; not modified.

    Returns
    -------
    pandas.DataFrame
        The table to write with ``to_csv``.

    Examples
    --------
    >>> csv_frame(outages(events)).to_csv("outages.csv", index=False)  # doctest: +SKIP
    """
    out = frame.copy()
    for col in list(out.columns):
        if pd.api.types.is_timedelta64_dtype(out[col]):
            out[col] = out[col].dt.total_seconds()
            out = out.rename(columns={col: f"{col}_s"})
        elif isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return out
