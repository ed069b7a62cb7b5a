"""``read_gateway_logs``: customer gateway logs into one tidy table, attached to AWS tunnels."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ...errors import OptionError, SourceError
from ..charset import to_utf8
from ..decode import GZIP_MAGIC, gunzip
from ..issues import Issues
from ..reader import _expand, nothing_to_read
from . import columns as c
from .clock import BadTime, LocalClock, YearRule, zone
from .families import BadLine, Parsed, parse_line

__all__ = ["read_gateway_logs"]

log = logging.getLogger(__name__)

_MAX_OTHER_EXAMPLES = 5


@dataclass
class _Rows:
    """The rows read so far, one list per column, and the counts of what was not a row."""

    cols: dict[str, list[Any]] = field(default_factory=lambda: {k: [] for k in c.COLUMNS})
    records: int = 0
    other: int = 0
    other_examples: list[str] = field(default_factory=list)
    families: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, p: Parsed, ns: int, raw: str, source: str, line: int) -> None:
        values = {
            c.TIME: ns,
            c.DEVICE: p.device,
            c.FAMILY: p.family,
            c.CONNECTION: p.connection,
            c.PEER_IP: p.peer_ip,
            c.VPN_CONNECTION_ID: None,
            c.TUNNEL_IP: None,
            c.EVENT: p.event,
            c.SPI_IN: p.spi_in,
            c.SPI_OUT: p.spi_out,
            c.MESSAGE_ID: p.message_id,
            c.REASON: p.reason,
            c.PROPOSALS: p.proposals,
            c.RAW: raw,
            c.SOURCE: source,
            c.LINE: line,
        }
        for k, v in values.items():
            self.cols[k].append(v)
        self.families.setdefault(source, Counter())[p.family] += 1


def _lines(data: bytes, name: str, issues: Issues) -> list[str]:
    if data[:2] == GZIP_MAGIC:
        g = gunzip(data)
        if g.error is not None:
            issues.bad(
                f"{g.error}; the lines after it are lost",
                source=name,
                reason="truncated_gzip" if g.error.startswith("truncated") else "corrupt_gzip",
                offset=g.error_offset,
            )
            cut = g.data.rfind(b"\n")
            data = g.data[: cut + 1] if cut >= 0 else b""
        else:
            data = g.data
    text = to_utf8(data, source=name, issues=issues).decode("utf-8", errors="replace")
    return text.splitlines()


class _Established:
    """Whether each (device, connection)'s IKE SA is up, to tell strongSwan's timeouts apart.

    strongSwan writes ``giving up after N retransmits`` both when an IKE_SA never came up
    (a phase 1 timeout) and when the requests of an established one (DPD, rekeying) go
    unanswered (the peer is dead: a DPD timeout).
    """

    UP = frozenset({"phase1_sa_established", "phase2_sa_established"})
    DOWN = frozenset(
        {"ike_sa_closing", "delete_ike_sa_sent", "delete_ike_sa_received", "phase1_timeout"}
    )

    def __init__(self) -> None:
        self.up: set[tuple[str | None, str | None, int | None]] = set()

    def see(self, p: Parsed) -> None:
        # One IKE_SA by its unique id where the line names it (``<conn|N>``): after a peer
        # dies, the new SAs' failed attempts give up in the same words, as phase 1 timeouts.
        key = (p.device, p.connection, p.sa_id)
        if p.event == "daemon_start":
            self.up = {k for k in self.up if k[0] != p.device}
        elif p.family == "strongswan" and p.event == "phase1_timeout" and key in self.up:
            p.event = "dpd_timeout"
            self.up.discard(key)
        elif p.event in self.UP:
            self.up.add(key)
        elif p.event in self.DOWN:
            self.up.discard(key)


def _read_file(
    name: str, data: bytes, rows: _Rows, issues: Issues, tz: Any, years: YearRule
) -> None:
    clock = LocalClock(tz, years, name)
    state = _Established()
    for number, raw in enumerate(_lines(data, name, issues), start=1):
        if not raw.strip():
            continue
        rows.records += 1
        try:
            parsed = parse_line(raw)
            if parsed is None:
                rows.other += 1
                if len(rows.other_examples) < _MAX_OTHER_EXAMPLES:
                    rows.other_examples.append(f"{name}, line {number}: {raw[:160]}")
                continue
            if parsed.utc_ns is not None:
                ns = parsed.utc_ns
            elif parsed.stamp is not None:
                ns = clock.to_ns(parsed.stamp, number)
            else:
                raise BadLine("no time stamp", "bad_time", parsed.family)
        except (BadLine, BadTime) as exc:
            issues.bad(str(exc), source=name, line=number, reason=exc.reason)
            continue
        state.see(parsed)
        rows.add(parsed, ns, raw, name, number)


def _window(tunnels: pd.DataFrame | None) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    if tunnels is None or c.TIME not in tunnels.columns or not len(tunnels):
        return None
    t = pd.to_datetime(tunnels[c.TIME], utc=True).dropna()
    return (t.min(), t.max()) if len(t) else None


def _tunnel_map(tunnels: pd.DataFrame | None) -> dict[str, str] | None:
    if tunnels is None:
        return None
    if not isinstance(tunnels, pd.DataFrame):
        raise OptionError(
            "tunnels= takes a DataFrame with columns vpn_connection_id and tunnel_ip "
            "(e.g. the AWS events table)"
        )
    missing = [k for k in (c.VPN_CONNECTION_ID, c.TUNNEL_IP) if k not in tunnels.columns]
    if missing:
        raise OptionError(
            f"tunnels= lacks the column(s) {', '.join(missing)}; pass a DataFrame with "
            "vpn_connection_id and tunnel_ip (e.g. the AWS events table)"
        )
    pairs = tunnels[[c.VPN_CONNECTION_ID, c.TUNNEL_IP]].dropna().astype(str).drop_duplicates()
    return dict(zip(pairs[c.TUNNEL_IP], pairs[c.VPN_CONNECTION_ID], strict=True))


def _learn_peers(table: pd.DataFrame) -> None:
    """Fill ``peer_ip`` of a connection's lines from the lines of it that name the peer.

    Per (device or, without one, source; family; connection), in time order: a line takes
    the peer of the last earlier line that named one, else of the first later one.
    """
    named = table[c.CONNECTION].notna()
    if not named.any():
        return
    holder = table[c.DEVICE].where(table[c.DEVICE].notna(), table[c.SOURCE])
    keys = [holder[named], table.loc[named, c.FAMILY], table.loc[named, c.CONNECTION]]
    peers = table.loc[named, c.PEER_IP]
    learned = peers.groupby(keys, sort=False).transform(lambda s: s.ffill().bfill())
    table.loc[named, c.PEER_IP] = peers.fillna(learned)


def _attach(table: pd.DataFrame, tunnel_of: dict[str, str] | None) -> dict[str, int]:
    if tunnel_of is None:
        return {}
    hit = table[c.PEER_IP].map(lambda ip: ip if ip in tunnel_of else None)
    table[c.TUNNEL_IP] = hit
    table[c.VPN_CONNECTION_ID] = hit.map(tunnel_of)
    lost = table[hit.isna()]
    keys = lost[c.CONNECTION].fillna("-") + "/" + lost[c.PEER_IP].fillna("-")
    return {str(k): int(v) for k, v in keys.value_counts(sort=True).items()}


def _frame(rows: _Rows) -> pd.DataFrame:
    col = rows.cols
    table = pd.DataFrame(
        {
            c.TIME: pd.to_datetime(np.asarray(col[c.TIME], dtype=np.int64), utc=True),
            **{k: pd.array(col[k], dtype="string") for k in c.COLUMNS[1:8]},
            c.SPI_IN: pd.array(col[c.SPI_IN], dtype="string"),
            c.SPI_OUT: pd.array(col[c.SPI_OUT], dtype="string"),
            c.MESSAGE_ID: pd.array(col[c.MESSAGE_ID], dtype="Int64"),
            c.REASON: pd.array(col[c.REASON], dtype="string"),
            c.PROPOSALS: pd.array(col[c.PROPOSALS], dtype="string"),
            c.RAW: pd.array(col[c.RAW], dtype="string"),
            c.SOURCE: pd.array(col[c.SOURCE], dtype="string"),
            c.LINE: np.asarray(col[c.LINE], dtype=np.int64),
        },
        columns=list(c.COLUMNS),
    )
    return table


_CATEGORIES = (c.DEVICE, c.FAMILY, c.CONNECTION, c.PEER_IP, c.VPN_CONNECTION_ID, c.TUNNEL_IP)


def read_gateway_logs(
    source: Any,
    *,
    tz: str | None = None,
    year: int | None = None,
    tunnels: pd.DataFrame | None = None,
    errors: str = "raise",
) -> pd.DataFrame:
    """Read customer gateway logs (strongSwan, Libreswan, FortiGate, Cisco ASA) into a table.

    The family of each line is told from its content: strongSwan ``charon`` (BSD syslog,
    ``journalctl`` short and short-iso, RFC 5424 as OPNsense writes it, charon's own file
    log), Libreswan/Openswan ``pluto`` (3.x and >= 4.6 wording), FortiOS event logs
    (``type="event" subtype="vpn"``, IPsec log ids 0101037xxx) and Cisco ASA/FTD
    ``%ASA-<sev>-<id>:`` IPsec messages (602xxx, 713xxx, 715xxx, 750xxx-752xxx, 113019).
    Other lines (other daemons of the same syslog file, FortiOS traffic logs) are counted,
    not kept.

    Parameters
    ----------
    source : path, directory, glob, file-like object, or a list of these
        As for :func:`~vpnlog_analytics.read_logs` (``.gz`` read by content; a folder's
        ``.vpnlogignore`` honoured).
    tz : str, optional
        The device's IANA zone (``"Europe/Berlin"``), required for lines whose time has
        no offset (BSD syslog, ASA); lines with an offset (RFC 5424, ISO 8601 with
        ``+02:00``, FortiGate ``eventtime``/``tz``) need none.
    year : int, optional
        The year of the first line of each file whose times carry none; default: from
        the time window of ``tunnels`` (if it has a ``time`` column); else such lines are
        refused. A later line whose month is more than six months back starts the next
        year (December, then January).
    tunnels : pandas.DataFrame, optional
        Columns ``vpn_connection_id`` and ``tunnel_ip`` (e.g. the AWS events table): a
        line whose ``peer_ip`` is a ``tunnel_ip`` gets that tunnel.
    errors : {"raise", "skip"}
        ``"raise"``: a line of a recognised family that does not parse raises
        :class:`ParseError` naming file and line; ``"skip"``: it is counted.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`~vpnlog_analytics.io.gateway.columns.COLUMNS`: ``time`` (UTC,
        the device clock in its zone, not corrected for skew), ``device``, ``family``,
        ``connection``, ``peer_ip``, ``vpn_connection_id``, ``tunnel_ip``, ``event``,
        ``spi_in``, ``spi_out`` (the gateway's inbound / outbound SPI, ``0x`` + 8 hex
        digits), ``message_id``, ``reason``, ``proposals``, ``raw``, ``source``, ``line``;
        sorted by time (lines of one time keep their file order). ``attrs``: ``records``
        (non-blank lines read) = ``rows`` + sum of ``skipped`` (reason -> lines) +
        ``other_lines``; ``skipped_examples``, ``other_examples``, ``sources`` (file ->
        family -> rows), ``unattached`` ("connection/peer" -> rows without a tunnel,
        when ``tunnels`` is given).

    Notes
    -----
    ``peer_ip`` is the address in the line, else learned for the line's connection from
    its other lines that name one (strongSwan ``establishing``/``established between``,
    ``sending packet``; pluto ``packet from``, ``peer ID is``, ``request from``): the last
    earlier one, else the first later one, per device, family and connection.

    A wall time repeated when daylight saving time ends is its first occurrence unless
    that puts it before the previous line of the file (then the second: a log runs
    forward); a wall time skipped when DST starts is a bad line
    (``nonexistent_local_time``).

    Raises
    ------
    OptionError
        Lines without a zone and no ``tz=``, without a year and no ``year=``/window, a bad
        ``tz`` or ``tunnels``.
    ParseError
        Under ``errors="raise"``, the first bad line.

    Examples
    --------
    >>> gw = read_gateway_logs("cgw/", tz="Europe/Berlin", tunnels=events)  # doctest: +SKIP
    >>> gw.groupby(["tunnel_ip", "event"], observed=True).size()  # doctest: +SKIP
    """
    issues = Issues(errors)
    zone_info = zone(tz)
    if year is not None and (not isinstance(year, int) or not 1970 <= year <= 2200):
        raise OptionError(f"year={year!r}: pass the four-digit year of the logs, e.g. year=2024")
    tunnel_of = _tunnel_map(tunnels)
    years = YearRule(year, _window(tunnels))
    inputs = list(_expand(source))
    if not inputs:
        raise SourceError(nothing_to_read(source))
    rows = _Rows()
    for inp in inputs:
        _read_file(inp.name, inp.read(), rows, issues, zone_info, years)
    table = _frame(rows)
    _learn_peers(table)
    unattached = _attach(table, tunnel_of)
    for k in _CATEGORIES:
        table[k] = table[k].astype("category")
    table[c.EVENT] = pd.Categorical(table[c.EVENT], categories=c.GATEWAY_EVENT_NAMES)
    table = table.sort_values(c.TIME, kind="stable").reset_index(drop=True)
    skipped = dict(issues.skipped)
    table.attrs = {
        "records": rows.records,
        "rows": len(table),
        "skipped": skipped,
        "skipped_examples": list(issues.examples),
        "other_lines": rows.other,
        "other_examples": list(rows.other_examples),
        "sources": {k: dict(v) for k, v in rows.families.items()},
        "unattached": unattached,
    }
    return table
