"""summary and diagnose on hand-built tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from analysis_fixtures import (
    CGW_DELETE,
    COLLISION,
    DOWN,
    DPD,
    P1_TIMEOUT,
    PACKET,
    PROPOSAL,
    PSK,
    T1,
    T2,
    T3,
    T4,
    TS,
    UP,
    VPN_A,
    VPN_B,
    make_events,
    req_sent,
    state_rows,
)
from test_analysis_outages import WINDOW
from test_analysis_outages import scenario as outage_scenario

from vpnlog_analytics.analysis import diagnose, summary

D = "2024-01-01 "


def test_summary() -> None:
    """Window 00:00-02:00 of the outages scenario.
    T1: 4 records (DPD and PSK are errors); up 0-10 + 30-60 = 40 min, down 20 + 60 = 80;
    flaps at 00:10 and 01:00; longest outage 60 min.
    T2: 4 records (2 gateway deletes = warnings); unknown 0-5, up 5-20 + 40-50 = 25 min,
    down 20 + 70 = 90 min; 2 flaps, longest 70 min. T3: up 45 + 45, down 30, 1 flap."""
    result = summary(outage_scenario(), **WINDOW)
    m = pd.Timedelta(minutes=1)
    assert result["tunnel_ip"].astype(str).tolist() == [T1, T2, T3]
    assert result["records"].tolist() == [4, 4, 3]
    assert result["errors"].tolist() == [2, 0, 0]
    assert result["warnings"].tolist() == [0, 2, 0]
    assert result["infos"].tolist() == [2, 2, 3]
    assert result["up_time"].tolist() == [40 * m, 25 * m, 90 * m]
    assert result["down_time"].tolist() == [80 * m, 90 * m, 30 * m]
    assert result["unknown_time"].tolist() == [0 * m, 5 * m, 0 * m]
    np.testing.assert_allclose(result["up_share"], [40 / 120, 25 / 115, 90 / 120])
    assert result["flaps"].tolist() == [2, 2, 1]
    assert result["outages"].tolist() == [2, 2, 1]
    assert result["longest_outage"].tolist() == [60 * m, 70 * m, 30 * m]
    assert result["first_seen"].iloc[1] == pd.Timestamp(D + "00:05", tz="UTC")
    assert result["negotiations"].tolist() == [0, 0, 0]
    assert result["collision_rate"].isna().all()


def problem_events() -> pd.DataFrame:
    """VPN_A/T1 flaps 3 times in 30 min by DPD, collides on 1 of 2 negotiations, and is
    silent 00:45-05:00 (usual cadence 5 min); VPN_A/T2 logs PSK mismatches and half-open
    Phase 1 and is never up -> T1 alone from 00:00 (except its flaps). VPN_B/T3 has a
    traffic-selector mismatch, T4 a proposal mismatch and a gateway delete; they log only
    every hour or two, which is their usual cadence (no logging gap)."""
    t1 = state_rows(
        VPN_A,
        T1,
        [(D + f"00:{m:02d}", UP if m % 10 != 2 else DOWN) for m in range(0, 45, 5)]
        + [(D + "00:12", DOWN), (D + "00:22", DOWN), (D + "00:32", DOWN)]
        + [(D + "05:00", UP)],
    )
    t1 += [
        (D + "00:11:30", VPN_A, T1, *UP, DPD),
        (D + "00:21:30", VPN_A, T1, *UP, DPD),
        (D + "00:31:30", VPN_A, T1, *UP, DPD),
        (D + "00:40", VPN_A, T1, *UP, req_sent(1)),
        (D + "00:41", VPN_A, T1, *UP, req_sent(2)),
        (D + "00:41", VPN_A, T1, *UP, COLLISION),
    ]
    t2 = [(D + f"0{h}:00", VPN_A, T2, *DOWN, PSK) for h in range(5)]
    t2 += [(D + "00:30", VPN_A, T2, "negotiating", "down", P1_TIMEOUT)]
    vpn_b = [
        (D + "00:00", VPN_B, T3, *UP, PACKET),
        (D + "01:00", VPN_B, T3, *UP, TS),
        (D + "05:00", VPN_B, T3, *UP, PACKET),
        (D + "00:00", VPN_B, T4, *UP, PACKET),
        (D + "02:00", VPN_B, T4, *UP, PROPOSAL),
        (D + "03:00", VPN_B, T4, *UP, CGW_DELETE),
        (D + "05:00", VPN_B, T4, *UP, PACKET),
    ]
    return make_events(t1 + t2 + vpn_b)


def test_diagnose_rules() -> None:
    # States carried through the silences (the tunnels of VPN_B log every hour or two).
    result = diagnose(problem_events(), exposure="2h", stale_after=None)
    found = {(r.rule, str(r.tunnel_ip)) for r in result.itertuples()}
    assert found == {
        ("flapping", T1),
        ("dpd_timeouts", T1),
        ("rekey_collisions", T1),
        ("logging_gap", T1),
        ("config_mismatch", T2),
        ("phase1_incomplete", T2),
        ("never_up", T2),
        ("single_tunnel", "nan"),
        ("connection_down", "nan"),  # T1's three flaps while T2 was never up
        ("config_mismatch", T3),
        ("config_mismatch", T4),
        ("gateway_delete", T4),
    }
    by_rule = result.set_index(["rule", result["tunnel_ip"].astype(str)])
    assert by_rule.loc[("config_mismatch", T2), "count"] == 5
    assert "pre-shared key" in by_rule.loc[("config_mismatch", T2), "remediation"]
    assert by_rule.loc[("dpd_timeouts", T1), "count"] == 3
    assert by_rule.loc[("flapping", T1), "count"] == 1  # one episode of three flaps
    assert result.loc[result["rule"] == "connection_down", "count"].tolist() == [3]
    assert "gateway" in by_rule.loc[("rekey_collisions", T1), "remediation"]
    # Severities come first errors, then warnings.
    order = result["severity"].astype(str).tolist()
    assert order == sorted(order, key=["error", "warning", "info"].index)
    assert list(result.columns[:3]) == ["severity", "rule", "finding"]
    for col in ("evidence", "meaning", "remediation"):
        assert result[col].str.len().min() > 10


def test_diagnose_does_not_read_silence_as_health() -> None:
    """Default stale_after (75 min): T1's last record before its silence is the collision
    at 00:41, the next at 05:00, so it is up (alone) only until 01:56 -- no 2-hour
    single-tunnel stretch any more; its logging gap (4 h 19 min, the silence of an up
    tunnel) names the 3 h 4 min beyond stale_after as unobserved."""
    result = diagnose(problem_events(), exposure="2h")
    assert "single_tunnel" not in set(result["rule"])
    gap = result[(result["rule"] == "logging_gap") & (result["tunnel_ip"].astype(str) == T1)]
    assert gap["finding"].tolist() == [
        "1 logging gap, 4 h 19 min in total, 3 h 4 min of it unobserved"
    ]


@pytest.mark.parametrize("threshold", [0.4, 0.6])
def test_collision_threshold(threshold: float) -> None:
    """T1 has 1 collision incident in 2 negotiations: rate 0.5."""
    result = diagnose(problem_events(), collision_threshold=threshold)
    assert ("rekey_collisions" in set(result["rule"])) == (threshold < 0.5)


def test_healthy_tunnels_have_no_findings() -> None:
    rows = []
    for ip in (T1, T2):
        rows += state_rows(
            VPN_A, ip, [(D + f"0{h}:{m:02d}", UP) for h in range(3) for m in (0, 30)]
        )
    assert diagnose(make_events(rows)).empty
