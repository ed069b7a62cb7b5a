"""BGP findings of diagnose(): on the simulator's incidents and on hand-built tables."""

from __future__ import annotations

import pandas as pd
import pytest
from bgp_fixtures import (
    HOLD,
    OWN_AS,
    T1,
    T2,
    bad_open,
    events,
    fsm,
    ike,
    max_prefix,
    route,
    routed_simulation,
    status,
    ts,
    up_sequence,
)

import vpnlog_analytics as vl
from vpnlog_analytics.analysis import diagnose


@pytest.fixture(scope="module")
def findings():
    sim = routed_simulation()
    ev = vl.parse_records(sim.records)
    return sim, diagnose(ev, start=sim.start, end=sim.end)


def test_simulated_incidents_are_found(findings):
    sim, f = findings
    bgp = f[f["rule"].str.startswith("bgp_")]
    t1, t2 = sim.tunnels.tunnel_ip[2], sim.tunnels.tunnel_ip[3]
    by = {(r.rule, None if pd.isna(r.tunnel_ip) else str(r.tunnel_ip)): r for r in bgp.itertuples()}
    assert "remote AS 65099, expected AS 65001" in by[("bgp_as_mismatch", t1)].finding
    assert by[("bgp_as_mismatch", t1)].severity == "error"
    exceeded = [r for r in bgp.itertuples() if r.rule == "bgp_max_prefix" and r.severity == "error"]
    assert [str(r.tunnel_ip) for r in exceeded] == [t1]
    assert "received 101 prefixes, limit 100" in exceeded[0].finding
    near = [r for r in bgp.itertuples() if r.rule == "bgp_max_prefix" and r.severity == "warning"]
    assert {str(r.tunnel_ip) for r in near} == {t1, t2}  # both leaks passed the warning
    denied = {
        str(r.tunnel_ip): r.finding for r in bgp.itertuples() if r.rule == "bgp_routes_denied"
    }
    assert "as-path contains our own AS" in denied[t1] and "non-connected next-hop" in denied[t2]
    # tunnel 2 lost its hold timer once with IPsec up (the incident), the rest with IPsec
    hold = by[("bgp_hold_timer", t2)]
    assert "1 with IPsec up and" in hold.finding
    asym = by[("bgp_asymmetric_prefix", None)]
    assert "10.22.0.0/16 only on " + t1 in asym.evidence  # withdrawn on tunnel 2 for 1 h
    down = by[("bgp_down_ipsec_up", t1)]
    assert "bgp_max_prefix_exceeded" in down.evidence  # the longest stretch: 20 min
    assert ("bgp_no_routes", t1) not in by


def test_flapping_and_no_routes():
    """T1: three BGP flaps (hold timer) within 40 min, IPsec up; T2 established, no route."""
    recs = [ike("00:00:00", T1, True), ike("00:00:00", T2, True)]
    for minute in (5, 20, 35):
        recs += [
            fsm(f"00:{minute - 4:02d}:00", T1, "OpenConfirm", "Established"),
            status(f"00:{minute:02d}:00", T1, False, HOLD),
        ]
    recs += [
        fsm("00:01:00", T2, "OpenConfirm", "Established"),
        ike("00:50:00", T1, True),
        ike("00:50:00", T2, True),
    ]
    f = diagnose(events(recs), start=ts("00:00:00"), end=ts("00:50:00"), bgp_down="12min")
    by = {(r.rule, str(r.tunnel_ip)): r for r in f.itertuples()}
    flap = by[("bgp_flapping", T1)]
    assert flap.count == 1 and "3 flaps" in flap.finding
    assert "bgp_hold_timer_expired (3)" in flap.evidence
    assert by[("bgp_no_routes", T2)].severity == "warning"
    # outages of 11, 11 and 15 min: only the last (00:35 to the end) is 12 min or longer
    assert by[("bgp_down_ipsec_up", T1)].count == 1


def test_as_mismatch_and_denied_on_one_tunnel():
    recs = [
        ike("00:00:00", T1, True),
        fsm("00:01:00", T1, "Idle", "Connect"),
        bad_open("00:01:01", T1, 65001, 65000),
        bad_open("00:02:01", T1, 65001, 65000),
        *up_sequence("00:03:00", T1),
        route("00:03:05", T1, "ADVERTISED", "172.31.0.0/16", as_path="65000 64512", details=OWN_AS),
        max_prefix("00:04:00", T1, 85, 100, exceeded=False),
        ike("00:10:00", T1, True),
    ]
    f = diagnose(events(recs), start=ts("00:00:00"), end=ts("00:10:00"))
    rules = dict(zip(f["rule"], f["count"], strict=True))
    assert rules["bgp_as_mismatch"] == 2
    assert rules["bgp_routes_denied"] == 1
    assert rules["bgp_max_prefix"] == 1
    row = f[f["rule"] == "bgp_as_mismatch"].iloc[0]
    assert "expected AS 65000" in row["finding"] and "ASN" in row["remediation"]
