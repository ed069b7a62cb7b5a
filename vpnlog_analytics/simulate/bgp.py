"""BGP logs of dynamically routed tunnels, with exact ground truth.

For each tunnel with BGP, the simulator writes what the AWS-side BGP speaker logs
(documented wordings, epoch-millisecond times): the session coming up (Idle → Connect →
OpenSent → OpenConfirm → Established, OPEN messages, End-of-RIB), the routes the customer
gateway advertises (``RouteStatus``), the session going down when the tunnel's IPsec goes
down (hold timer expiry within the 30 s hold time, or at once for a short outage) and the
BGP incidents it injects while IPsec stays up:

- ``bgp_hold_timer``: keepalives stop arriving; the hold timer expires; the session stays
  down (AWS retries the connection) until the end of the incident.
- ``bgp_cease``: a Cease notification (option ``code``, default ``"6/2"``; option
  ``sent`` True if AWS sends it, default False: the gateway does), down until the end.
- ``bgp_as_mismatch``: the gateway's ASN is changed (option ``remote_as``): it ceases the
  session (6/6 Other Configuration Change), then every reconnection fails with a bad OPEN
  naming both AS numbers until the ASN is restored at the end.
- ``bgp_max_prefix``: the gateway leaks routes: the maximum-prefix warning (at 80 % of
  option ``limit``, default 100), then, unless option ``exceed`` is False, the limit is
  exceeded, AWS sends 6/1 and the session is down until the end; without exceeding, the
  leaked routes are withdrawn at the end.
- ``route_withdrawn``: the gateway withdraws one prefix (option ``prefix``, default its
  first) on this tunnel only, and advertises it again at the end.
- ``route_denied``: the gateway advertises a prefix AWS rejects (option ``reason``:
  ``"own_as"``, an AS path with AWS's own AS, or ``"next_hop"``, a next hop that is not
  the neighbor), on every (re-)advertisement, until it stops at the end (withdrawn).

Besides, the gateway re-advertises one prefix with a new MED about every three days
(``UPDATED``). The sessions follow the tunnel's real IPsec state (the simulation's
``truth``, from its plan: also where the IKE log is silent). The ground truth follows the
semantics of :mod:`vpnlog_analytics.analysis.bgp` exactly: session runs of constant
(state, FSM state) from the first BGP record, BGP outages with cause and detail, and
every interval in which a route is held. BGP streams have no logging gaps of their own;
a BGP tunnel should not get a ``logging_gap`` incident (its IKE log goes silent while its
BGP log does not, which the BGP truth does not model).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd

from ..schema import stream_name

__all__ = [
    "AWS_ASN",
    "BGP_INCIDENT_KINDS",
    "BgpIncident",
    "BgpTruth",
    "BgpTunnel",
    "CEASE_REASONS",
    "simulate_tunnel",
]

#: Incident kinds of this module (see the module docstring).
BGP_INCIDENT_KINDS: Final = (
    "bgp_hold_timer",
    "bgp_cease",
    "bgp_as_mismatch",
    "bgp_max_prefix",
    "route_withdrawn",
    "route_denied",
)
#: BGP incidents during which the session is down.
SESSION_DOWN_KINDS: Final = frozenset({"bgp_hold_timer", "bgp_cease", "bgp_as_mismatch"})
#: The AWS side's ASN (the default of virtual private gateways).
AWS_ASN: Final = 64512
HOLD_TIME: Final = 30
#: Cease sub-codes as the AWS page words them (RFC 4486).
CEASE_REASONS: Final = {
    "6/1": "Cease/Maximum Number of Prefixes Reached",
    "6/2": "Cease/Administrative Shutdown",
    "6/3": "Cease/Peer Unconfigured",
    "6/4": "Cease/Administrative Reset",
    "6/5": "Cease/Connection Rejected",
    "6/6": "Cease/Other Configuration Change",
    "6/7": "Cease/Connection Collision Resolution",
}
_DENIED: Final = {
    "own_as": "as-path contains our own AS",
    "next_hop": "non-connected next-hop",
}

# documented texts
_FSM: Final = "AWS-side peer BGP session state has changed from {a} to {b} with neighbor {nb}"
_CONNECT: Final = "AWS-side peer is initiating a connection (via Connect) to neighbor {nb}"
_OPEN_SENT: Final = (
    "AWS-side peer sent an OPEN message to neighbor {nb}- version 4, AS {asn}, holdtime "
    "{hold}, router-id {rid}"
)
_OPEN_RECV: Final = (
    "AWS-side peer received an OPEN message from neighbor {nb}- version 4, AS {asn}, "
    "holdtime {hold}, router-id {rid}}}"
)
_EOR: Final = "AWS-side peer sent an End-of-RIB message to neighbor {nb}"
_UPDATE: Final = "AWS-side peer received update with attributes from neighbor {nb}- AS path: {path}"
_HOLD: Final = "AWS-side peer sent a Hold Timer Expired notification to neighbor {nb}"
_NOTE_SENT: Final = "AWS-side peer sent a notification {code} ({reason}) to neighbor {nb}"
_NOTE_RECV: Final = "AWS-side peer received notification {code} ({reason}) from neighbor {nb}"
_BAD_OPEN: Final = (
    "AWS-side peer detected a bad OPEN message from neighbor {nb}- remote AS is {remote}, "
    "expected {expected}"
)
_WARN: Final = (
    "AWS-side peer is reporting a maximum prefix limit warning - received {n} prefixes from "
    "neighbor {nb}, limit is {limit}"
)
_EXCEEDED: Final = (
    "AWS-side peer detected the maximum prefix limit was exceeded - received {n} prefixes "
    "from neighbor {nb}, limit is {limit}"
)

EST, NOT = "established", "not_established"


@dataclass(frozen=True)
class BgpTunnel:
    """A tunnel's BGP identity and the routes its customer gateway advertises."""

    vpn_id: str
    ip: str
    neighbor: str  # the customer gateway's inside address (169.254.x.y)
    customer_asn: int
    prefixes: tuple[str, ...]
    med: int  # MED the gateway sets on this tunnel (lower = preferred)
    index: int = 0  # the tunnel's index in its connection

    @property
    def resource_id(self) -> str:
        """The ``resource_id`` of the tunnel's BGP records."""
        return f"{self.vpn_id}_{self.ip}"

    @property
    def stream(self) -> str:
        """The BGP log stream name."""
        return stream_name(self.vpn_id, self.ip, "bgp")


@dataclass(frozen=True)
class BgpIncident:
    """One BGP incident on one tunnel, ``[t0, t1)`` [epoch s]."""

    kind: str
    t0: int
    t1: int
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class BgpTruth:
    """The BGP ground truth of a simulation.

    Attributes
    ----------
    sessions : pandas.DataFrame
        ``vpn_connection_id``, ``tunnel_ip``, ``state`` (``established``/
        ``not_established``), ``bgp_state``, ``start``, ``end``: runs of constant state
        and FSM state from each tunnel's first BGP record, the last ending at the end.
    outages : pandas.DataFrame
        ``vpn_connection_id``, ``tunnel_ip``, ``start``, ``end``, ``cause``,
        ``cause_detail``: maximal not-established intervals.
    routes : pandas.DataFrame
        ``vpn_connection_id``, ``tunnel_ip``, ``bgp_prefix``, ``bgp_as_path``,
        ``bgp_med``, ``bgp_next_hop_ip``, ``start``, ``end``, ``since``: one row per
        accepted route record, held in ``[start, end)`` (``end`` = the simulation end if
        never removed); ``since`` = the start of the continuous holding.
    denied : pandas.DataFrame
        ``vpn_connection_id``, ``tunnel_ip``, ``time``, ``bgp_prefix``, ``reason``.
    """

    sessions: pd.DataFrame
    outages: pd.DataFrame
    routes: pd.DataFrame
    denied: pd.DataFrame

    @classmethod
    def empty(cls) -> BgpTruth:
        """Return a truth without BGP tunnels."""
        return cls.build([], [], [], [], pd.Timestamp(0, tz="UTC"))

    @classmethod
    def build(
        cls,
        sessions: list[tuple[Any, ...]],
        outages: list[tuple[Any, ...]],
        routes: list[tuple[Any, ...]],
        denied: list[tuple[Any, ...]],
        end: pd.Timestamp,
    ) -> BgpTruth:
        """Assemble the tables from per-tunnel rows (times in epoch ms, ``None`` = end)."""
        ids = ["vpn_connection_id", "tunnel_ip"]
        tables = (
            (sessions, [*ids, "state", "bgp_state", "start", "end"], ("start", "end")),
            (outages, [*ids, "start", "end", "cause", "cause_detail"], ("start", "end")),
            (
                routes,
                [*ids, "bgp_prefix", "bgp_as_path", "bgp_med", "bgp_next_hop_ip"]
                + ["start", "end", "since"],
                ("start", "end", "since"),
            ),
            (denied, [*ids, "time", "bgp_prefix", "reason"], ("time",)),
        )
        end_ms = int(end.value // 1_000_000)
        frames = []
        for rows, cols, time_cols in tables:
            df = pd.DataFrame(rows, columns=cols)
            for c in time_cols:
                ms = pd.to_numeric(df[c]).astype("float64").fillna(end_ms).astype("int64")
                df[c] = pd.to_datetime(ms, unit="ms", utc=True).astype("datetime64[ns, UTC]")
            frames.append(df)
        return cls(*frames)

    def routes_at(self, at: Any) -> pd.DataFrame:
        """Return the routes held at ``at`` (records at ``at`` count), by tunnel then prefix."""
        t = pd.Timestamp(at)
        t = t.tz_localize("UTC") if t.tzinfo is None else t
        r = self.routes
        held = r[(r["start"] <= t) & (r["end"] > t)]
        return held.sort_values(["vpn_connection_id", "tunnel_ip", "bgp_prefix"]).reset_index(
            drop=True
        )


# --- one tunnel -------------------------------------------------------------------------------
class _Log:
    """Records and truth of one tunnel as they are emitted, in time order."""

    def __init__(self, tunnel: BgpTunnel, rng: np.random.Generator, end_ms: int) -> None:
        self.t = tunnel
        self.rng = rng
        self.end_ms = end_ms
        self.records: list[tuple[int, str, str, dict[str, Any]]] = []
        self.state: str | None = None  # None until the first record
        self.name = ""
        self.runs: list[list[Any]] = []  # [start, state, name]
        self.outages: list[list[Any]] = []  # [start, end, cause, detail]
        self.held: dict[str, list[Any]] = {}  # prefix -> route row being held
        self.routes: list[list[Any]] = []
        self.denied: list[tuple[int, str, str]] = []
        self.now = 0
        self.aws_rid = f"169.254.{int(rng.integers(0, 256))}.{int(rng.integers(1, 255))}"
        self.cgw_rid = f"10.{int(rng.integers(0, 256))}.{int(rng.integers(0, 256))}.1"

    # time
    def at(self, ms: int) -> int:
        self.now = max(self.now + 1, ms)
        return self.now

    # truth
    def set(self, ms: int, state: str, name: str, cause: tuple[str, str | None] | None = None):
        if self.state == state and self.name == name:
            return
        if self.state == EST and state == NOT:
            self.clear(ms)
        if state == NOT and self.state != NOT:
            c, d = cause if cause is not None else ("unexplained", None)
            self.outages.append([ms, None, c, d])
        if state == EST and self.outages and self.outages[-1][1] is None:
            self.outages[-1][1] = ms
        self.state, self.name = state, name
        self.runs.append([ms, state, name])

    def clear(self, ms: int) -> None:
        for row in self.held.values():
            row[5] = ms
        self.held = {}

    # records
    def status(
        self,
        ms: int,
        up: bool,
        text: str,
        cause: tuple[str, str | None] | None = None,
        name: str | None = None,
    ) -> int:
        """Add a BGPStatus record; it sets the state as the analysis reads it."""
        ms = self.at(ms)
        self.records.append((ms, "BGPStatus", "UP" if up else "DOWN", {"details": text}))
        if name is None:
            name = (
                "Established"
                if up
                else (self.name if self.name not in ("", "Established") else "Idle")
            )
        self.set(ms, EST if up else NOT, "Established" if up else name, cause)
        return ms

    def fsm(self, ms: int, a: str, b: str, cause: tuple[str, str | None] | None = None) -> int:
        text = _FSM.format(a=a, b=b, nb=self.t.neighbor)
        return self.status(ms, b == "Established", text, cause, name=b)

    def route(
        self,
        ms: int,
        action: str,
        prefix: str,
        *,
        path: str | None = None,
        med: int | None = None,
        next_hop: str | None = None,
        denied: str | None = None,
    ) -> int:
        ms = self.at(ms)
        path = path or str(self.t.customer_asn)
        med = self.t.med if med is None else med
        nh = next_hop or self.t.neighbor
        message: dict[str, Any] = {
            "prefix": prefix,
            "asPath": path,
            "localPref": 100,
            "med": med,
            "nextHopIp": nh,
            "weight": 32768,
        }
        if denied is not None:
            message["details"] = f"DENIED due to: {denied}"
        self.records.append((ms, "RouteStatus", action, message))
        old = self.held.pop(prefix, None)
        if old is not None:
            old[5] = ms
        if denied is not None:
            self.denied.append((ms, prefix, denied))
        elif action in ("ADVERTISED", "UPDATED"):
            since = old[6] if old is not None else ms
            row = [prefix, path, med, nh, ms, None, since]
            self.held[prefix] = row
            self.routes.append(row)
        return ms


def _ms(seconds: int) -> int:
    return int(seconds) * 1000


def _come_up(log: _Log, ms: int, prefixes: Sequence[tuple[str, str, str | None, str | None]]):
    """Bring the session up from Idle or Active at ``ms``; the gateway advertises."""
    nb, rng = log.t.neighbor, log.rng
    if log.name in ("", "Idle"):
        log.status(ms, False, _CONNECT.format(nb=nb))
        log.fsm(ms + 1, log.name or "Idle", "Connect")
        log.status(
            ms + 3, False, _OPEN_SENT.format(nb=nb, asn=AWS_ASN, hold=HOLD_TIME, rid=log.aws_rid)
        )
        log.fsm(ms + 4, "Connect", "OpenSent")
    else:
        log.fsm(ms, log.name, "OpenSent")
        log.status(
            ms + 3, False, _OPEN_SENT.format(nb=nb, asn=AWS_ASN, hold=HOLD_TIME, rid=log.aws_rid)
        )
    t = ms + int(rng.integers(20, 200))
    log.status(
        t, False, _OPEN_RECV.format(nb=nb, asn=log.t.customer_asn, hold=HOLD_TIME, rid=log.cgw_rid)
    )
    log.fsm(t + 1, "OpenSent", "OpenConfirm")
    est = log.fsm(t + int(rng.integers(30, 400)), "OpenConfirm", "Established")
    log.status(est + 5, True, _EOR.format(nb=nb))
    log.status(est + 60, True, _UPDATE.format(nb=nb, path=log.t.customer_asn))
    t = est + 100
    for prefix, path, next_hop, denied in prefixes:
        log.route(t, "ADVERTISED", prefix, path=path, next_hop=next_hop, denied=denied)
        t += int(rng.integers(5, 40))


def _go_down(log: _Log, ms: int, lines: Sequence[str], cause: tuple[str, str | None]) -> int:
    """Error lines from ``ms`` (all DOWN), then Established -> Idle right after."""
    for text in lines:
        ms = log.status(ms, False, text, cause)
    return log.fsm(ms, "Established", "Idle", cause)


def _retries(log: _Log, ms: int, until: int, bad_open: tuple[int, int] | None = None) -> None:
    """Reconnection attempts every 30-90 s while the session is down (before ``until``)."""
    nb, rng = log.t.neighbor, log.rng
    t = ms + int(rng.integers(30_000, 90_000))
    first = True
    while t + 2_000 < until:
        if bad_open is not None:
            log.status(t, False, _CONNECT.format(nb=nb))
            log.fsm(t + 1, log.name, "Connect")
            log.status(
                t + 3, False, _OPEN_SENT.format(nb=nb, asn=AWS_ASN, hold=HOLD_TIME, rid=log.aws_rid)
            )
            log.fsm(t + 4, "Connect", "OpenSent")
            remote, expected = bad_open
            log.status(
                t + 50, False, _OPEN_RECV.format(nb=nb, asn=remote, hold=HOLD_TIME, rid=log.cgw_rid)
            )
            log.status(t + 51, False, _BAD_OPEN.format(nb=nb, remote=remote, expected=expected))
            log.fsm(t + 52, "OpenSent", "Idle")
        elif first:
            log.status(t, False, _CONNECT.format(nb=nb))
            log.fsm(t + 1, log.name, "Connect")
            log.fsm(t + 2, "Connect", "Active")
        else:
            log.status(t, False, _CONNECT.format(nb=nb))
        first = False
        t += int(rng.integers(30_000, 90_000))


def simulate_tunnel(
    tunnel: BgpTunnel,
    rng: np.random.Generator,
    t_start: int,
    t_end: int,
    ipsec_down: Sequence[tuple[int, int, str]],
    incidents: Sequence[BgpIncident],
) -> _Log:
    """Simulate one tunnel's BGP log in ``[t_start, t_end)`` [epoch s].

    ``ipsec_down`` holds the tunnel's IPsec down intervals ``(start, end, cause)`` [s]
    from the tunnel truth (the last may end at ``t_end``); incidents must not overlap
    them (nor each other) and must leave 60 s of up time around them.
    """
    log = _Log(tunnel, rng, _ms(t_end))
    plan: list[tuple[int, int, str, Any]] = [(a, b, "ipsec", c) for a, b, c in ipsec_down]
    plan += [(i.t0, i.t1, i.kind, i) for i in incidents]
    plan.sort(key=lambda p: p[0])
    for (_, a1, ak, _), (b0, _, bk, _) in zip(plan, plan[1:], strict=False):
        if b0 < a1 + 60:
            raise ValueError(
                f"BGP incident {bk} at {pd.Timestamp(b0, unit='s')} overlaps {ak} on tunnel "
                f"{tunnel.ip} (keep 60 s apart)"
            )
    Entry = tuple[str, str, str | None, str | None]
    advertised: dict[str, Entry] = {
        p: (p, str(tunnel.customer_asn), None, None) for p in tunnel.prefixes
    }
    bad: dict[str, tuple[str, str, str | None, str | None]] = {}
    updates = _update_times(rng, t_start, t_end)
    # The session comes up when logging starts, or when IPsec first comes up.
    up_at = t_start
    for a, b, _ in ipsec_down:
        if a <= up_at < b:
            up_at = b
    # The second tunnel's session comes up a few seconds after the first one's.
    t_up = _ms(up_at) + int(rng.integers(1_000, 5_000)) + 8_000 * tunnel.index

    def table() -> list[tuple[str, str, str | None, str | None]]:
        return [*advertised.values(), *bad.values()]

    if up_at < t_end and t_up < _ms(t_end):
        _come_up(log, t_up, table())
    for t0, t1, kind, what in plan:
        if t0 < up_at:
            continue
        ms0, ms1 = _ms(t0), _ms(min(t1, t_end))
        _do_updates(log, updates, ms0)
        if kind == "ipsec":
            log.set(ms0, NOT, "Idle", ("ipsec_down", what))
            long = t1 - t0 >= HOLD_TIME + 5
            h = int(rng.integers(5_000, HOLD_TIME * 1000)) if long else int(rng.integers(0, 900))
            down = ms0 + h
            if down < log.end_ms:
                lines = [_HOLD.format(nb=tunnel.neighbor)] if long else []
                _go_down(log, down, lines, ("ipsec_down", what))
            if t1 < t_end:
                _come_up(log, _ms(t1) + int(rng.integers(2_000, 8_000)), table())
            continue
        inc: BgpIncident = what
        _incident(log, inc, ms0, ms1, t1 < t_end, advertised, bad, table)
    _do_updates(log, updates, log.end_ms)
    return log


def _update_times(rng: np.random.Generator, t_start: int, t_end: int) -> list[int]:
    out: list[int] = []
    t = t_start
    while True:
        t += int(rng.exponential(3 * 86400)) + 3600
        if t >= t_end:
            return out
        out.append(_ms(t) + int(rng.integers(0, 1000)))


def _do_updates(log: _Log, updates: list[int], until: int) -> None:
    """Attribute updates due before ``until`` (only while established, of held prefixes)."""
    while updates and updates[0] < until:
        t = updates.pop(0)
        if log.state == EST and log.held and t > log.now:
            prefix = sorted(log.held)[int(log.rng.integers(0, len(log.held)))]
            row = log.held[prefix]
            med = int(row[2]) + int(log.rng.choice([-50, 50]))
            log.route(t, "UPDATED", prefix, path=str(row[1]), med=max(med, 0))


def _incident(
    log: _Log,
    inc: BgpIncident,
    ms0: int,
    ms1: int,
    recovers: bool,
    advertised: dict[str, tuple[str, str, str | None, str | None]],
    bad: dict[str, tuple[str, str, str | None, str | None]],
    table: Any,
) -> None:
    nb, opts = log.t.neighbor, inc.options
    if inc.kind in SESSION_DOWN_KINDS:
        if inc.kind == "bgp_hold_timer":
            cause: tuple[str, str | None] = ("bgp_hold_timer_expired", None)
            down = _go_down(log, ms0, [_HOLD.format(nb=nb)], cause)
            _retries(log, down, ms1)
        elif inc.kind == "bgp_cease":
            code = str(opts.get("code", "6/2"))
            reason = CEASE_REASONS[code]
            sent = bool(opts.get("sent", False))
            text = (_NOTE_SENT if sent else _NOTE_RECV).format(code=code, reason=reason, nb=nb)
            event = "bgp_notification_sent" if sent else "bgp_notification_received"
            down = _go_down(log, ms0, [text], (event, f"{code} {reason}"))
            _retries(log, down, ms1)
        else:  # bgp_as_mismatch
            code = "6/6"
            text = _NOTE_RECV.format(code=code, reason=CEASE_REASONS[code], nb=nb)
            cause = ("bgp_notification_received", f"{code} {CEASE_REASONS[code]}")
            down = _go_down(log, ms0, [text], cause)
            remote = int(opts.get("remote_as", log.t.customer_asn + 1))
            _retries(log, down, ms1, bad_open=(remote, log.t.customer_asn))
        if recovers:
            _come_up(log, ms1, table())
        return
    if inc.kind == "bgp_max_prefix":
        limit = int(opts.get("limit", 100))
        exceed = bool(opts.get("exceed", True))
        base = len(log.held)
        target = limit + 1 if exceed else int(np.ceil(0.8 * limit)) + 2
        warn_at = int(np.ceil(0.8 * limit))
        t = ms0
        leaked = []
        for i in range(max(target - base, 0)):
            prefix = f"10.{200 + i // 256}.{i % 256}.0/24"
            log.route(t, "ADVERTISED", prefix)
            leaked.append(prefix)
            n = base + i + 1
            if n == warn_at:
                log.status(t + 1, True, _WARN.format(n=n, nb=nb, limit=limit))
            t += int(log.rng.integers(2, 20))
        if exceed:
            n = base + len(leaked)
            detail = f"received {n} prefixes, limit {limit}"
            cause = ("bgp_max_prefix_exceeded", detail)
            lines = [
                _EXCEEDED.format(n=n, nb=nb, limit=limit),
                _NOTE_SENT.format(code="6/1", reason=CEASE_REASONS["6/1"], nb=nb),
            ]
            down = _go_down(log, t + 1, lines, cause)
            _retries(log, down, ms1)
            if recovers:
                _come_up(log, ms1, table())
        elif recovers:
            t = ms1
            for prefix in leaked:
                log.route(t, "WITHDRAWN", prefix)
                t += int(log.rng.integers(2, 20))
        return
    if inc.kind == "route_withdrawn":
        prefix = str(opts.get("prefix", log.t.prefixes[0]))
        entry = advertised.pop(prefix)
        if log.state == EST:
            log.route(ms0, "WITHDRAWN", prefix)
        if recovers:
            advertised[prefix] = entry
            if log.state == EST:
                log.route(ms1, "ADVERTISED", prefix)
        return
    if inc.kind == "route_denied":
        why = str(opts.get("reason", "own_as"))
        prefix = str(opts.get("prefix", "172.31.0.0/16"))
        path = f"{log.t.customer_asn} {AWS_ASN}" if why == "own_as" else None
        next_hop = "10.99.0.1" if why == "next_hop" else None
        bad[prefix] = (prefix, path or str(log.t.customer_asn), next_hop, _DENIED[why])
        if log.state == EST:
            log.route(ms0, "UPDATED", prefix, path=path, next_hop=next_hop, denied=_DENIED[why])
        if recovers:
            del bad[prefix]
            if log.state == EST:
                log.route(ms1, "WITHDRAWN", prefix, path=path, next_hop=next_hop)
        return
    raise ValueError(f"unknown BGP incident kind {inc.kind!r}")


def tunnel_rows(log: _Log) -> list[tuple[int, str]]:
    """Return the records of a tunnel as ``(time [ms], message JSON)``, in time order."""
    out = []
    for ms, kind, status, message in sorted(log.records, key=lambda r: r[0]):
        stamp = pd.Timestamp(ms, unit="ms", tz="UTC")
        record = {
            "resource_id": log.t.resource_id,
            "event_timestamp": ms,
            "timestamp": stamp.strftime("%Y-%m-%d %H:%M:%S.") + f"{ms % 1000:03d}Z",
            "type": kind,
            "status": status,
            "message": message,
        }
        out.append((ms, json.dumps(record, separators=(",", ":"))))
    return out


def truth_rows(log: _Log) -> tuple[list[tuple[Any, ...]], ...]:
    """Return the truth rows of a tunnel for :meth:`BgpTruth.build`."""
    ids = (log.t.vpn_id, log.t.ip)
    sessions = []
    for i, (start, state, name) in enumerate(log.runs):
        end = log.runs[i + 1][0] if i + 1 < len(log.runs) else None
        sessions.append((*ids, state, name, start, end))
    outages = [(*ids, a, b, c, d) for a, b, c, d in log.outages]
    routes = [(*ids, p, path, med, nh, a, b, since) for p, path, med, nh, a, b, since in log.routes]
    denied = [(*ids, t, p, why) for t, p, why in log.denied]
    return sessions, outages, routes, denied


def bgp_records(
    specs: Sequence[tuple[int, BgpTunnel]],
    ipsec: Sequence[Sequence[tuple[int, int, str]]],
    incidents: Mapping[int, Sequence[BgpIncident]],
    seed: int,
    t_start: int,
    t_end: int,
) -> tuple[list[tuple[int, int, str, str]], BgpTruth]:
    """Simulate the BGP logs of several tunnels.

    Parameters
    ----------
    specs : sequence of (int, BgpTunnel)
        The simulator's tunnel index and BGP identity of each tunnel with BGP.
    ipsec : sequence of sequence of (int, int, str)
        Per tunnel of ``specs``, its IPsec down intervals [epoch s] and their causes.
    incidents : mapping of int to sequence of BgpIncident
        BGP incidents by tunnel index.
    seed : int
        Each tunnel draws from ``numpy.random.default_rng([seed, index, 11])``.
    t_start, t_end : int
        The window [epoch s].

    Returns
    -------
    rows : list of (int, int, str, str)
        ``(tunnel index, time [ms], message JSON, details)`` in time order per tunnel.
    truth : BgpTruth
        The ground truth of every tunnel.
    """
    rows: list[tuple[int, int, str, str]] = []
    parts: tuple[list[tuple[Any, ...]], ...] = ([], [], [], [])
    for (k, tunnel), down in zip(specs, ipsec, strict=True):
        rng = np.random.default_rng([seed, k, 11])
        log = simulate_tunnel(tunnel, rng, t_start, t_end, down, incidents.get(k, ()))
        for ms, message in tunnel_rows(log):
            if ms < _ms(t_end):
                rows.append((k, ms, message, json.loads(message)["message"].get("details", "")))
        for part, got in zip(parts, truth_rows(log), strict=True):
            part += got
    end = pd.Timestamp(t_end, unit="s", tz="UTC")
    sessions, outages, routes, denied = parts
    return rows, BgpTruth.build(sessions, outages, routes, denied, end)
