"""One finding as a record, and the wording every diagnosis rule shares."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ... import schema as s
from ...words import duration_parts, plural
from .._timeline import Tunnels
from ..flaps import FlapArrays, episode_arrays

__all__ = [
    "Finding",
    "details",
    "episodes_by_tunnel",
    "finding_rule",
    "finding_text",
    "fmt",
    "plural",
    "span_rate",
    "tunnel_names",
    "when",
]

_DAY = 86_400 * 10**9


@dataclass(frozen=True)
class Finding:
    """One finding, before it becomes a row of :func:`diagnose`."""

    severity: str
    rule: str
    finding: str
    vpn_connection_id: str | None  # None: of no AWS connection (gateway lines)
    tunnel_ip: str | None  # None at connection level
    count: int
    first: int
    last: int
    evidence: str
    meaning: str
    remediation: str


def tunnel_names(tunnels: Tunnels, tid: int) -> tuple[str, str]:
    """Return (``vpn_connection_id``, ``tunnel_ip``) of a tunnel id."""
    return str(tunnels.conn_names[tunnels.conn[tid]]), str(tunnels.ip_names[tunnels.ip[tid]])


def details(events: pd.DataFrame, index: np.ndarray, position: int) -> str:
    """Return the verbatim message of a sorted row (``index`` maps rows to ``events``)."""
    value = events[s.DETAILS].iloc[int(index[position])]
    return "" if pd.isna(value) else str(value)


def fmt(ns: float | int) -> str:
    """Format a duration in ns for people: '2 h 5 min', '40 s', '10 min'.

    Two units, rounded to the smaller (:func:`~vpnlog_analytics.words.duration_parts`,
    the rule every view shares); a zero second unit is left out.
    """
    parts = duration_parts(float(ns) / 1e9)
    return " ".join(f"{v} {u}" for i, (v, u) in enumerate(parts) if v or not i)


def span_rate(n: int, observed_ns: float) -> str:
    """Say how often ``n`` events came in the observed time, the way people say it.

    'in 31 observed days' and, for two or more over at least two days, a rounded rate
    ('about 3 a week'); never a fraction per day.
    """
    days = float(observed_ns) / _DAY
    span = f"in {round(days):,} observed days" if days >= 2 else f"in {fmt(observed_ns)} observed"
    if n < 2 or days < 2:
        return span
    for unit, length in (("day", 1), ("week", 7), ("month", 30)):
        per = n / days * length
        if per >= 1:
            return f"{span} (about {round(per):,} a {unit})"
    return span


def when(ns: int) -> str:
    """Format a time in ns for people, in UTC."""
    return pd.Timestamp(ns, unit="ns", tz="UTC").strftime("%Y-%m-%d %H:%M:%S UTC")


def finding_rule(event: str) -> str:
    """Return the diagnosis rule that reports an event (declared in the event registry)."""
    rule = s.EVENT_SPECS[event].finding
    if rule is None:
        raise KeyError(f"event {event!r} declares no finding in vpnlog_analytics.schema.EVENTS")
    return rule


def finding_text(event: str) -> tuple[str, str]:
    """Return what the finding about an event means and what to change (event registry).

    The finding's own texts where it says more than one record does, else the event's.
    """
    spec = s.EVENT_SPECS[event]
    return (
        spec.meaning if spec.finding_meaning is None else spec.finding_meaning,
        spec.remediation if spec.finding_remediation is None else spec.finding_remediation,
    )


def episodes_by_tunnel(
    fa: FlapArrays, causes: np.ndarray, min_flaps: int, window_ns: int
) -> Iterator[tuple[int, int, int, int, int, str]]:
    """Summarise the flapping episodes of each tunnel (IPsec or BGP flaps alike).

    ``causes`` names the cause of each flap of ``fa``.

    Yields
    ------
    tid, episodes, flaps, first, last, listed
        The tunnel, its number of episodes and of flaps in them, the first and last flap
        time [ns], and the flaps' causes with their counts, most frequent first.
    """
    first, last, tid = episode_arrays(fa, min_flaps, window_ns)
    for t in np.unique(tid):
        sel = np.nonzero(tid == t)[0]
        in_ep = np.concatenate([np.arange(first[i], last[i] + 1) for i in sel])
        names, counts = np.unique(causes[in_ep], return_counts=True)
        order = np.argsort(-counts, kind="stable")
        listed = ", ".join(f"{names[i]} ({counts[i]})" for i in order)
        yield (
            int(t),
            int(sel.size),
            int(in_ep.size),
            int(fa.time[first[sel[0]]]),
            int(fa.time[last[sel[-1]]]),
            listed,
        )
