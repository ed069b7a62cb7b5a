"""rekey_stats, dpd_timeouts and dpd_stats on hand-built tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from analysis_fixtures import (
    COLLISION,
    DOWN,
    DPD,
    DPD_V1,
    NONE,
    PACKET,
    REDUNDANT,
    T1,
    T2,
    UP,
    VPN_A,
    expected,
    make_events,
    req_received,
    req_sent,
    resp_received,
    resp_sent,
)
from pandas.testing import assert_frame_equal

from vpnlog_analytics.analysis import dpd_stats, dpd_timeouts, rekey_stats

D = "2024-01-01 "
WINDOW = {"start": D + "00:00", "end": D + "02:00"}


def rekey_events() -> pd.DataFrame:
    """T1: AWS-initiated id 1 and gateway-initiated id 1 at 00:00 (two negotiations: each
    side numbers its own), AWS id 2 over 00:30-00:31, gateway id 2 at 01:10. Collision
    messages at 00:30:00, 00:30:40 (40 s later), 00:32:00 (80 s later), 01:20. T2 idle."""
    rows = [
        ("00:00", req_sent(1)),
        ("00:00", resp_received(1)),
        ("00:00", req_received(1)),
        ("00:00", resp_sent(1)),
        ("00:30", req_sent(2)),
        ("00:30", COLLISION),
        ("00:30:40", REDUNDANT),
        ("00:31", resp_received(2)),
        ("00:32", COLLISION),
        ("01:10", req_received(2)),
        ("01:20", REDUNDANT),
    ]
    return make_events(
        [(D + t, VPN_A, T1, *UP, msg) for t, msg in rows]
        + [(D + "00:00", VPN_A, T2, *UP, PACKET), (D + "01:00", VPN_A, T2, *UP, PACKET)]
    )


@pytest.mark.parametrize(
    ("gap", "collisions"),
    [
        ("60s", [2, 1]),  # 00:30 + 00:30:40 one incident, 00:32 a second; 01:20 a third
        ("90s", [1, 1]),  # 40 s and 80 s gaps both within 90 s: one incident in hour 0
        ("30s", [3, 1]),  # every message its own incident
    ],
)
def test_rekey_stats(gap: str, collisions: list[int]) -> None:
    """Hour 0: negotiations AWS#1, CGW#1, AWS#2 = 3; hour 1: CGW#2 = 1. T2 none: NaN."""
    result = rekey_stats(rekey_events(), freq="1h", incident_gap=gap, **WINDOW)
    want = expected(
        {
            "vpn_connection_id": [VPN_A] * 4,
            "tunnel_ip": [T1, T1, T2, T2],
            "period": [D + "00:00", D + "01:00"] * 2,
            "negotiations": [3, 1, 0, 0],
            "collisions": [*collisions, 0, 0],
        }
    )
    want["collision_rate"] = [collisions[0] / 3, collisions[1] / 1, np.nan, np.nan]
    assert_frame_equal(result, want)


def dpd_events() -> pd.DataFrame:
    """T1: up 00:00; DPD 00:10 while still up, down 00:11, up 00:20 (recovery 10 min);
    DPD 00:40 with no outage after (NaT); down 01:00, an IKEv1 DPD line without states at
    01:05 while down, up 01:30 (recovery 25 min); DPD and down at 01:50, still down at
    the window end 02:00 (NaT)."""
    return make_events(
        [
            (D + "00:00", VPN_A, T1, *UP, PACKET),
            (D + "00:10", VPN_A, T1, *UP, DPD),
            (D + "00:11", VPN_A, T1, *DOWN, PACKET),
            (D + "00:20", VPN_A, T1, *UP, PACKET),
            (D + "00:40", VPN_A, T1, *UP, DPD),
            (D + "01:00", VPN_A, T1, *DOWN, PACKET),
            (D + "01:05", VPN_A, T1, *NONE, DPD_V1),
            (D + "01:30", VPN_A, T1, *UP, PACKET),
            (D + "01:50", VPN_A, T1, *DOWN, DPD),
        ]
    )


def test_dpd_timeouts() -> None:
    result = dpd_timeouts(dpd_events(), **WINDOW)
    want = expected(
        {
            "vpn_connection_id": [VPN_A] * 4,
            "tunnel_ip": [T1] * 4,
            "time": [D + "00:10", D + "00:40", D + "01:05", D + "01:50"],
        },
        ips=[T1],
    )
    want["retry_count"] = pd.array([3, 3, None, 3], dtype="Int16")
    want["recovery"] = pd.TimedeltaIndex(["10min", pd.NaT, "25min", pd.NaT]).as_unit("ns")
    want["unanswered"] = pd.array([None] * 4, dtype="Int64")  # no keep-alives logged
    assert_frame_equal(result, want)


@pytest.mark.parametrize(("lookback", "first"), [("120s", "10min"), ("59s", None)])
def test_dpd_recovery_lookback(lookback: str, first: str | None) -> None:
    """The 00:10 timeout is 60 s before the tunnel goes down: outside a 59 s look-back."""
    result = dpd_timeouts(dpd_events(), cause_lookback=lookback, **WINDOW)
    value = result["recovery"].iloc[0]
    assert (pd.isna(value) and first is None) or value == pd.Timedelta(first)


def test_dpd_stats() -> None:
    """Hour 0: timeouts 00:10 (10 min) and 00:40 (none); hour 1: 01:05 (25 min), 01:50.
    The tunnel's state is known all the time (no silence of an hour); no keep-alives."""
    result = dpd_stats(dpd_events(), freq="1h", **WINDOW)
    want = expected(
        {
            "vpn_connection_id": [VPN_A] * 2,
            "tunnel_ip": [T1] * 2,
            "period": [D + "00:00", D + "01:00"],
            "observed": ["60min", "60min"],
            "dpd_requests": [0, 0],
            "dpd_acks": [0, 0],
            "ack_ratio": [np.nan, np.nan],
            "mean_ack_latency": [None, None],
            "max_ack_latency": [None, None],
            "longest_unanswered": [0, 0],
            "timeouts": [2, 2],
            "recovered": [1, 1],
            "mean_recovery": ["10min", "25min"],
            "max_recovery": ["10min", "25min"],
        },
        ips=[T1],
    )
    assert_frame_equal(result, want)
