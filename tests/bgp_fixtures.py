"""Build small events tables with BGP logs by hand, through the real parser.

Each helper returns one CloudWatch log event (``message``, ``timestamp`` [ms],
``logStreamName``) as ``filter_log_events`` returns it; :func:`events` parses a list of
them with :func:`vpnlog_analytics.parse_records`, so the tables are exactly what the
loader makes of real records. Times are ``HH:MM:SS[.fff]`` on :data:`DAY` (UTC).
"""

from __future__ import annotations

import functools
import json
from typing import Any

import pandas as pd

import vpnlog_analytics as vl
from vpnlog_analytics.simulate import Incident, Simulation, simulate_logs

VPN = "vpn-0a0a0a0a0a0a0a0a0"
VPN_B = "vpn-0b0b0b0b0b0b0b0b0"
T1 = "1.1.1.1"
T2 = "2.2.2.2"
NB = "169.254.10.1"
DAY = "2026-10-01"
PACKET = "sending packet: from 1.1.1.1 [UDP 500] to cgw-0123abcd [UDP 500] (100 bytes)"
DPD = "AWS tunnel DPD timed out after 3 retransmits"
HOLD = f"AWS-side peer sent a Hold Timer Expired notification to neighbor {NB}"
EOR = f"AWS-side peer sent an End-of-RIB message to neighbor {NB}"
OWN_AS = "DENIED due to: as-path contains our own AS"
NEXT_HOP = "DENIED due to: non-connected next-hop"


def ts(t: str) -> pd.Timestamp:
    """The UTC time of ``HH:MM:SS[.fff]`` on :data:`DAY`."""
    return pd.Timestamp(f"{DAY} {t}", tz="UTC")


def _ms(t: str) -> int:
    return int(ts(t).value // 1_000_000)


def ike(t: str, ip: str, up: bool, details: str = PACKET, vpn: str = VPN) -> dict[str, Any]:
    """A tunnel (IKE) record: both phases established if ``up``, else down."""
    state = "established" if up else "down"
    record = {
        "event_timestamp": _ms(t) // 1000,
        "details": details,
        "dpd_enabled": True,
        "nat_t_detected": False,
        "ike_phase1_state": state,
        "ike_phase2_state": state,
    }
    return {
        "message": json.dumps(record),
        "timestamp": _ms(t),
        "logStreamName": f"{vpn}-{ip}-IKE.log",
    }


def _bgp(t: str, ip: str, kind: str, status: str, message: dict[str, Any], vpn: str) -> dict:
    record = {
        "resource_id": f"{vpn}_{ip}",
        "event_timestamp": _ms(t),
        "timestamp": ts(t).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "Z",
        "type": kind,
        "status": status,
        "message": message,
    }
    return {
        "message": json.dumps(record),
        "timestamp": _ms(t),
        "logStreamName": f"{vpn}-{ip}-BGP.log",
    }


def status(t: str, ip: str, up: bool, details: str, vpn: str = VPN) -> dict[str, Any]:
    """A ``BGPStatus`` record with status ``UP`` or ``DOWN``."""
    return _bgp(t, ip, "BGPStatus", "UP" if up else "DOWN", {"details": details}, vpn)


def fsm(t: str, ip: str, a: str, b: str, vpn: str = VPN) -> dict[str, Any]:
    """A state change record "from ``a`` to ``b``" (UP iff ``b`` is Established)."""
    text = f"AWS-side peer BGP session state has changed from {a} to {b} with neighbor {NB}"
    return status(t, ip, b == "Established", text, vpn)


def notification(t: str, ip: str, code: str, reason: str, *, sent: bool = True) -> dict:
    """A Cease notification sent to (or received from) the neighbor."""
    text = (
        f"AWS-side peer sent a notification {code} ({reason}) to neighbor {NB}"
        if sent
        else f"AWS-side peer received notification {code} ({reason}) from neighbor {NB}"
    )
    return status(t, ip, False, text)


def bad_open(t: str, ip: str, remote: int, expected: int) -> dict[str, Any]:
    """A bad OPEN with the wrong AS."""
    text = (
        f"AWS-side peer detected a bad OPEN message from neighbor {NB}- remote AS is "
        f"{remote}, expected {expected}"
    )
    return status(t, ip, False, text)


def max_prefix(t: str, ip: str, received: int, limit: int, *, exceeded: bool = True) -> dict:
    """The maximum-prefix messages: exceeded (DOWN) or the warning (UP)."""
    text = (
        f"AWS-side peer detected the maximum prefix limit was exceeded - received {received} "
        f"prefixes from neighbor {NB}, limit is {limit}"
        if exceeded
        else f"AWS-side peer is reporting a maximum prefix limit warning - received "
        f"{received} prefixes from neighbor {NB}, limit is {limit}"
    )
    return status(t, ip, not exceeded, text)


def route(
    t: str,
    ip: str,
    action: str,
    prefix: str,
    *,
    as_path: str = "65000",
    med: int = 100,
    next_hop: str = NB,
    details: str | None = None,
    vpn: str = VPN,
) -> dict[str, Any]:
    """A ``RouteStatus`` record (``ADVERTISED``/``UPDATED``/``WITHDRAWN``)."""
    message: dict[str, Any] = {
        "prefix": prefix,
        "asPath": as_path,
        "localPref": 100,
        "med": med,
        "nextHopIp": next_hop,
        "weight": 32768,
    }
    if details is not None:
        message["details"] = details
    return _bgp(t, ip, "RouteStatus", action, message, vpn)


def up_sequence(t: str, ip: str) -> list[dict[str, Any]]:
    """Idle -> Connect -> OpenSent -> OpenConfirm at ``t``, Established 1 s later."""
    base = ts(t)
    step = [
        (base + pd.Timedelta(milliseconds=10 * i)).strftime("%H:%M:%S.%f")[:-3] for i in range(3)
    ]
    last = (base + pd.Timedelta(seconds=1)).strftime("%H:%M:%S.%f")[:-3]
    return [
        fsm(step[0], ip, "Idle", "Connect"),
        fsm(step[1], ip, "Connect", "OpenSent"),
        fsm(step[2], ip, "OpenSent", "OpenConfirm"),
        fsm(last, ip, "OpenConfirm", "Established"),
    ]


def events(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Parse the records into an events table (the loader's path)."""
    return vl.parse_records(records)


# --- the simulated scenario the BGP tests share ---------------------------------------------
#: Two days of two connections; connection 1 is dynamically routed and has every BGP incident.
INCIDENTS = [
    Incident("dpd_timeout", 1, 0, "2026-10-01 05:00:00", 600),
    Incident("bgp_hold_timer", 1, 1, "2026-10-01 06:00:00", 900),
    Incident("bgp_max_prefix", 1, 0, "2026-10-01 08:00:00", 1200),
    Incident("route_withdrawn", 1, 1, "2026-10-01 10:00:00", 3600),
    Incident("route_denied", 1, 0, "2026-10-01 12:00:00", 3600),
    Incident("route_denied", 1, 1, "2026-10-01 12:30:00", 600, {"reason": "next_hop"}),
    Incident("bgp_max_prefix", 1, 1, "2026-10-01 15:00:00", 900, {"exceed": False}),
    Incident("psk_mismatch", 1, 1, "2026-10-01 18:00:00", 700),
    Incident("bgp_as_mismatch", 1, 0, "2026-10-02 03:00:00", 600, {"remote_as": 65099}),
    Incident("bgp_cease", 1, "both", "2026-10-02 06:00:00", 900),
    Incident("bgp_cease", 1, 0, "2026-10-02 08:00:00", 300, {"code": "6/4", "sent": True}),
    Incident("cgw_delete", 1, 1, "2026-10-02 09:00:00", 14),
    Incident("both_down", 1, "both", "2026-10-02 12:00:00", 400),
    Incident("dpd_timeout", 0, 0, "2026-10-02 13:00:00", 300),  # a static connection
    Incident("dpd_timeout", 1, 1, "2026-10-02 23:50:00", 1200),  # still down at the end
]


@functools.cache
def routed_simulation() -> Simulation:
    """The scenario of :data:`INCIDENTS`, simulated once per test session (do not modify it)."""
    return simulate_logs(
        "2026-10-01",
        "2026-10-03",
        connections=2,
        seed=3,
        bgp=[1],
        incidents=INCIDENTS,
        chatter=(60, 240),
    )
