"""Build small events tables by hand for the analysis tests.

Each row is ``(time, connection, tunnel, phase1, phase2, details)`` with an optional
seventh element ``log_type``; everything else is derived the way the loader derives it:
``tunnel_up`` from the phase states (NA when they are absent), ``event``, ``severity``,
``ike_version`` and ``template`` from :func:`vpnlog_analytics.catalog.classify`, and the
extracted parameters from ``catalog.EXTRACT_PATTERNS``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache

import numpy as np
import pandas as pd

from vpnlog_analytics import catalog, schema

VPN_A = "vpn-0a0a0a0a0a0a0a0a0"
VPN_B = "vpn-0b0b0b0b0b0b0b0b0"
T1 = "1.1.1.1"
T2 = "2.2.2.2"
T3 = "3.3.3.3"
T4 = "4.4.4.4"

PACKET = "sending packet: from 1.1.1.1 [UDP 500] to cgw-0123abcd [UDP 500] (100 bytes)"
DPD = "AWS tunnel DPD timed out after 3 retransmits"
DPD_V1 = "Peer is not responsive - Declaring peer dead"
PSK = "AWS tunnel detected a pre-shared key mismatch with cgw: 203.0.113.9"
TS = "AWS: Traffic Selector: TS_UNACCEPTABLE: received from responder"
PROPOSAL = "No Proposal Match Found by AWS"
P1_TIMEOUT = "AWS tunnel Timeout: deleting un-established Phase 1 IKE_SA with cgw: 203.0.113.9"
CGW_DELETE = "AWS tunnel received DELETE for IKE_SA from CGW"
COLLISION = "AWS tunnel detected a (CHILD_REKEY) collision as CHILD_DELETE"
REDUNDANT = "AWS tunnel (CHILD_SA) redundant SA is being deleted due to detected collision"


def req_sent(i: int) -> str:
    return f"AWS tunnel is sending request (id={i}) for CREATE_CHILD_SA"


def resp_received(i: int) -> str:
    return f"AWS tunnel processed response (id={i}) for CREATE_CHILD_SA"


def req_received(i: int) -> str:
    return f"AWS tunnel processed request (id={i}) for CREATE_CHILD_SA"


def resp_sent(i: int) -> str:
    return f"AWS tunnel is sending response (id={i}) for CREATE_CHILD_SA"


UP = ("established", "established")
DOWN = ("down", "down")
NEG = ("negotiating", "down")
REKEY = ("established", "rekeying")
NONE = (None, None)

Row = Sequence[object]


def ts(value: str) -> pd.Timestamp:
    """UTC Timestamp of a string."""
    return pd.Timestamp(value, tz="UTC")


def _extract(column: str, message: str) -> object:
    for pattern in catalog.EXTRACT_PATTERNS[column]:
        m = re.search(pattern, message)
        if m:
            return m["v"]
    return None


@cache
def _derive(details: str) -> dict[str, object]:
    """Everything the loader derives from a message (cached: tests repeat messages)."""
    rule = catalog.classify(details)
    rid = _extract("request_id", details)
    retry = _extract("retry_count", details)
    return {
        schema.EVENT: rule.event if rule else "unknown",
        schema.SEVERITY: rule.severity if rule else "info",
        schema.IKE_VERSION: rule.ike_version if rule else None,
        schema.TEMPLATE: catalog.template(details),
        schema.SPI: _extract("spi", details),
        schema.REQUEST_ID: int(rid) if rid is not None else None,  # type: ignore[call-overload]
        schema.RETRY_COUNT: int(retry) if retry is not None else None,  # type: ignore[call-overload]
        schema.CGW: _extract("cgw", details),
        schema.DPD_SEQUENCE: int(seq) if (seq := _extract("dpd_sequence", details)) else None,  # type: ignore[call-overload]
    }


def make_events(rows: Iterable[Row], *, sort: bool = True) -> pd.DataFrame:
    """Return an events table (all columns, schema dtypes) from hand-written rows."""
    records = []
    for row in rows:
        time, conn, tunnel, p1, p2, details = row[:6]
        log_type = row[6] if len(row) > 6 else "tunnel"
        up = (
            None
            if p1 is None or p2 is None
            else (p1 in schema.UP_STATES and p2 in schema.UP_STATES)
        )
        records.append(
            {
                schema.TIME: ts(str(time)),
                schema.VPN_CONNECTION_ID: conn,
                schema.TUNNEL_IP: tunnel,
                schema.LOG_TYPE: log_type,
                schema.PHASE1_STATE: p1,
                schema.PHASE2_STATE: p2,
                schema.DPD_ENABLED: True,
                schema.NAT_T_DETECTED: False,
                schema.TUNNEL_UP: up,
                schema.DETAILS: details,
                **_derive(str(details)),
                schema.LOG_GROUP: "/aws/vendedlogs/vpn",
                schema.LOG_STREAM: f"{conn}-{tunnel}-IKE.log",
                schema.SOURCE: "test",
            }
        )
    dtypes = schema.events_dtypes()
    frame = pd.DataFrame.from_records(records, columns=list(dtypes))
    if frame.empty:
        return schema.empty_events()
    frame = frame.astype(dtypes)
    if sort:
        frame = frame.sort_values(
            [schema.VPN_CONNECTION_ID, schema.TUNNEL_IP, schema.TIME], kind="stable"
        ).reset_index(drop=True)
    return frame


def state_rows(
    conn: str,
    tunnel: str,
    spec: Iterable[tuple[str, tuple[str | None, str | None]]],
    *,
    details: str = PACKET,
) -> list[Row]:
    """Rows of one tunnel from ``(time, (phase1, phase2))`` pairs, all with ``details``."""
    return [(t, conn, tunnel, p[0], p[1], details) for t, p in spec]


def expected(
    columns: dict[str, Sequence[object]],
    *,
    conns: Sequence[str] = (VPN_A,),
    ips: Sequence[str] = (T1, T2),
) -> pd.DataFrame:
    """Build an expected result frame with the dtypes analysis results use.

    Times (``start``, ``end``, ``time``, ``period``, ``first_seen``, ``last_seen``) are UTC
    strings, durations strings such as ``"10min"``, ``None`` for NaT/NA.
    """
    frame = pd.DataFrame(columns)
    for col in frame.columns:
        values = list(columns[col])
        if col == schema.VPN_CONNECTION_ID:
            frame[col] = pd.Categorical(values, categories=list(conns))
        elif col == schema.TUNNEL_IP:
            frame[col] = pd.Categorical(values, categories=list(ips))
        elif col in ("start", "end", "time", "period", "first_seen", "last_seen"):
            frame[col] = pd.DatetimeIndex(
                [pd.NaT if v is None else ts(str(v)) for v in values],
                dtype="datetime64[ns, UTC]",
            )
        elif col in (
            "duration",
            "downtime",
            "observed",
            "unobserved",
            "mttr",
            "max_outage",
            "mtbf",
            "recovery",
            "mean_recovery",
            "max_recovery",
            "mean_ack_latency",
            "max_ack_latency",
            "span",
            "up_time",
            "down_time",
            "unknown_time",
            "longest_outage",
        ):
            frame[col] = pd.TimedeltaIndex(
                [pd.NaT if v is None else pd.Timedelta(str(v)) for v in values]
            ).as_unit("ns")
        elif col == "state":
            frame[col] = pd.Categorical(values, categories=["up", "down", "unknown"])
        elif col == "cause":
            frame[col] = pd.array(values, dtype="str")
        elif col == "ongoing":
            frame[col] = pd.array(values, dtype=bool)
        elif col in (
            "flaps",
            "outages",
            "negotiations",
            "collisions",
            "timeouts",
            "recovered",
            "dpd_requests",
            "dpd_acks",
            "longest_unanswered",
        ):
            frame[col] = pd.array(values, dtype="int64")
        elif col == "ack_ratio":
            frame[col] = np.asarray(values, dtype=float)
    return frame


def plain_states(frame: pd.DataFrame) -> pd.DataFrame:
    """A states or truth table with plain columns, to compare analyses with the simulator."""
    out = frame.reset_index(drop=True).copy()
    for col in (schema.VPN_CONNECTION_ID, schema.TUNNEL_IP, "state"):
        if col in out:
            out[col] = out[col].astype(str)
    if "cause" in out:
        out["cause"] = out["cause"].astype(object).where(out["cause"].notna(), None)
    return out
