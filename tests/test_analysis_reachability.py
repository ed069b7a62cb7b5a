"""Reachability: outages and availability with BGP (``routing="auto"``) or IPsec alone.

The simulator's truth gives the expected outages by plain interval arithmetic: a tunnel
is unreachable where its IPsec is down or its BGP session not established, a connection
where all its tunnels are. Hand-built tables cover the options; a property checks that
reachability never finds less downtime than IPsec alone.
"""

from __future__ import annotations

import pandas as pd
import pytest
from bgp_fixtures import (
    DPD,
    HOLD,
    T1,
    T2,
    VPN,
    events,
    fsm,
    ike,
    route,
    routed_simulation,
    status,
    ts,
    up_sequence,
)
from hypothesis import given
from test_analysis_bgp_properties import SETTINGS, build, sequences

import vpnlog_analytics as vl
from vpnlog_analytics.analysis import availability, outages
from vpnlog_analytics.errors import OptionError

IDS = ["vpn_connection_id", "tunnel_ip"]


@pytest.fixture(scope="module")
def sim():
    return routed_simulation()


@pytest.fixture(scope="module")
def ev(sim):
    return vl.parse_records(sim.records)


def _merge(spans):
    out = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _truth_down(sim, vpn, ip, *, bgp=True):
    t = sim.truth
    down = t[(t.vpn_connection_id == vpn) & (t.tunnel_ip == ip) & (t.state == "down")]
    spans = list(zip(down.start, down.end, strict=True))
    if bgp:
        b = sim.bgp.sessions
        b = b[(b.vpn_connection_id == vpn) & (b.tunnel_ip == ip)]
        # the session coming up as logging starts (before it is first established) is no
        # outage: the state before the first record was unknown
        first = b.loc[b.state == "established", "start"].min()
        b = b[(b.state == "not_established") & (b.start >= first)]
        spans += list(zip(b.start, b.end, strict=True))
    return _merge(spans)


def test_tunnel_outages_are_ipsec_or_bgp_down(sim, ev):
    got = outages(ev, start=sim.start, end=sim.end)
    for r in sim.tunnels.itertuples():
        mine = got[(got.vpn_connection_id == r.vpn_connection_id) & (got.tunnel_ip == r.tunnel_ip)]
        want = _truth_down(sim, r.vpn_connection_id, r.tunnel_ip, bgp=r.bgp_log_stream is not None)
        assert list(zip(mine.start, mine.end, strict=True)) == want, r.tunnel_ip


def test_connection_outages_equal_truth(sim, ev):
    got = outages(ev, level="connection", start=sim.start, end=sim.end)
    for vpn, g in sim.tunnels.groupby("vpn_connection_id"):
        spans = [
            _truth_down(sim, vpn, ip, bgp=bool(g.bgp_log_stream.notna().all()))
            for ip in g.tunnel_ip
        ]
        both = [
            (max(a, c), min(b, d))
            for a, b in spans[0]
            for c, d in spans[1]
            if max(a, c) < min(b, d)
        ]
        mine = got[got.vpn_connection_id == vpn]
        assert list(zip(mine.start, mine.end, strict=True)) == both, vpn
    routed = got[got.vpn_connection_id == sim.tunnels.vpn_connection_id[2]]
    # the Cease on both tunnels (IPsec up) is a connection outage only with BGP
    cease = routed[routed.start == pd.Timestamp("2026-10-02 06:00", tz="UTC")]
    assert cease.cause.tolist() == ["bgp_notification_received"]
    ipsec = outages(ev, level="connection", routing="ipsec", start=sim.start, end=sim.end)
    assert not (ipsec.start == pd.Timestamp("2026-10-02 06:00", tz="UTC")).any()


def test_tunnel_causes_name_bgp(sim, ev):
    got = outages(ev, start=sim.start, end=sim.end).set_index(["tunnel_ip", "start"])
    t1, t2 = sim.tunnels.tunnel_ip[2], sim.tunnels.tunnel_ip[3]
    assert got.loc[(t2, pd.Timestamp("2026-10-01 06:00", tz="UTC")), "cause"] == (
        "bgp_hold_timer_expired"
    )
    # an IPsec outage keeps its own cause, and lasts until BGP is back
    dpd = got.loc[(t1, pd.Timestamp("2026-10-01 05:00", tz="UTC"))]
    assert dpd["cause"] == "dpd_timeout"
    assert dpd["end"] > pd.Timestamp("2026-10-01 05:10", tz="UTC")


def test_ipsec_routing_ignores_bgp(sim, ev):
    tunnel_only = vl.parse_records(sim.records[~sim.records.log_stream.str.endswith("-BGP.log")])
    for level in ("tunnel", "connection"):
        a = outages(ev, level=level, routing="ipsec", start=sim.start, end=sim.end)
        b = outages(tunnel_only, level=level, start=sim.start, end=sim.end)
        pd.testing.assert_frame_equal(a, b)


def test_availability_says_which_rule(sim, ev):
    auto = availability(ev, start=sim.start, end=sim.end, freq="1D")
    ipsec = availability(ev, start=sim.start, end=sim.end, freq="1D", routing="ipsec")
    static, routed = sim.tunnels.vpn_connection_id[0], sim.tunnels.vpn_connection_id[2]
    rule = auto.groupby("vpn_connection_id", observed=True)["routing"].first()
    assert rule[static] == "ipsec" and rule[routed] == "ipsec+bgp"
    assert set(ipsec["routing"]) == {"ipsec"}
    assert (auto["downtime"] >= ipsec["downtime"]).all()
    day2 = auto[(auto.vpn_connection_id == routed) & (auto.period == "2026-10-02")].iloc[0]
    ip2 = ipsec[(ipsec.vpn_connection_id == routed) & (ipsec.period == "2026-10-02")].iloc[0]
    # the 15-minute Cease on both tunnels, and the tail of the both-down outage
    assert day2["downtime"] - ip2["downtime"] >= pd.Timedelta(minutes=15)
    with_routes = availability(ev, start=sim.start, end=sim.end, require_routes=True)
    assert set(with_routes.routing) == {"ipsec", "ipsec+bgp+routes"}


def test_routing_is_checked():
    ev = events([ike("00:00:00", T1, True)])
    with pytest.raises(OptionError, match="routing"):
        outages(ev, routing="bgp")


# --- hand-built tables ------------------------------------------------------------------------
def _two_tunnels(*bgp_records):
    """T1 and T2 up from 00:00 to 00:30; BGP as given (on both unless said)."""
    return events(
        [
            ike("00:00:00", T1, True),
            ike("00:00:00", T2, True),
            *bgp_records,
            ike("00:30:00", T1, True),
            ike("00:30:00", T2, True),
        ]
    )


def test_missing_bgp_records_never_count_as_down():
    """T1 has BGP established from 00:01; T2 has no BGP log at all: T2 is judged by IPsec
    (up all along), and T1's time before its first BGP record is not down either."""
    ev = _two_tunnels(fsm("00:01:00", T1, "OpenConfirm", "Established"))
    got = outages(ev, start=ts("00:00:00"), end=ts("00:30:00"))
    assert got.empty
    a = availability(ev, start=ts("00:00:00"), end=ts("00:30:00"), freq="1h")
    assert a["availability"].tolist() == [1.0]


def test_bgp_down_on_both_tunnels_is_a_connection_outage():
    """BGP down on T1 00:05-00:15 (hold timer) and on T2 00:10-00:20: the connection is
    unreachable 00:10-00:15 while IPsec was up on both all along."""
    ev = _two_tunnels(
        *up_sequence("00:00:10", T1),
        fsm("00:00:30", T2, "OpenConfirm", "Established"),
        status("00:05:00", T1, False, HOLD),
        fsm("00:15:00", T1, "OpenConfirm", "Established"),
        status("00:10:00", T2, False, HOLD),
        fsm("00:20:00", T2, "OpenConfirm", "Established"),
    )
    got = outages(ev, level="connection", start=ts("00:00:00"), end=ts("00:30:00"))
    # T1 coming up (00:00:10-00:00:11) overlaps T2 still unknown: not a connection outage
    assert list(zip(got.start, got.end, strict=True)) == [(ts("00:10:00"), ts("00:15:00"))]
    assert got.cause.tolist() == ["bgp_hold_timer_expired"]
    a = availability(ev, start=ts("00:00:00"), end=ts("00:30:00"), freq="1h").iloc[0]
    assert a["downtime"] == pd.Timedelta(minutes=5)
    assert a["availability"] == pytest.approx(1 - 5 / 30)
    assert a["routing"] == "ipsec+bgp"


def test_require_routes():
    """T1 established at 00:01 with route A from 00:02; A withdrawn 00:10-00:12. With
    require_routes T1 is down 00:01-00:02 and 00:10-00:12 (no route held); T2 has BGP
    status records but no route records: the route rule does not apply to it."""
    ev = _two_tunnels(
        fsm("00:01:00", T1, "OpenConfirm", "Established"),
        route("00:02:00", T1, "ADVERTISED", "10.0.0.0/16"),
        route("00:10:00", T1, "WITHDRAWN", "10.0.0.0/16"),
        route("00:12:00", T1, "ADVERTISED", "10.0.0.0/16"),
        fsm("00:01:00", T2, "OpenConfirm", "Established"),
    )
    window = {"start": ts("00:00:00"), "end": ts("00:30:00")}
    assert outages(ev, **window).empty
    got = outages(ev, require_routes=True, **window)
    assert list(zip(got.tunnel_ip.astype(str), got.start, got.end, got.cause, strict=True)) == [
        (T1, ts("00:01:00"), ts("00:02:00"), "bgp_no_routes"),
        (T1, ts("00:10:00"), ts("00:12:00"), "bgp_no_routes"),
    ]
    rules = availability(ev, require_routes=True, **window).routing.tolist()
    assert rules == ["ipsec+bgp+routes"]


def test_ipsec_down_keeps_its_cause_and_bgp_extends_it():
    """IPsec of T1 down 00:10-00:12 (DPD); BGP back only at 00:13: one outage 00:10-00:13."""
    ev = _two_tunnels(
        fsm("00:01:00", T1, "OpenConfirm", "Established"),
        ike("00:10:00", T1, False, DPD),
        ike("00:12:00", T1, True),
        fsm("00:13:00", T1, "OpenConfirm", "Established"),
    )
    got = outages(ev, start=ts("00:00:00"), end=ts("00:30:00"))
    assert list(zip(got.start, got.end, got.cause, strict=True)) == [
        (ts("00:10:00"), ts("00:13:00"), "dpd_timeout")
    ]
    ipsec = outages(ev, routing="ipsec", start=ts("00:00:00"), end=ts("00:30:00"))
    assert list(zip(ipsec.start, ipsec.end, strict=True)) == [(ts("00:10:00"), ts("00:12:00"))]
    assert VPN in set(got.vpn_connection_id.astype(str))


@SETTINGS
@given(sequences)
def test_reachability_downtime_is_at_least_ipsec_downtime(ops):
    ev, _ = build(ops)
    window = {"start": ts("00:00:00"), "end": ts("00:01:00")}
    for level in ("tunnel", "connection"):
        auto = outages(ev, level=level, **window)
        ipsec = outages(ev, level=level, routing="ipsec", **window)
        key = IDS if level == "tunnel" else IDS[:1]
        a = auto.groupby(key, observed=True)["duration"].sum()
        b = ipsec.groupby(key, observed=True)["duration"].sum()
        for k, v in b.items():
            assert a.get(k, pd.Timedelta(0)) >= v
        # every IPsec-only outage lies inside a reachability outage
        for r in ipsec.itertuples():
            sel = auto[auto.vpn_connection_id == r.vpn_connection_id]
            if level == "tunnel":
                sel = sel[sel.tunnel_ip == r.tunnel_ip]
            assert ((sel.start <= r.start) & (sel.end >= r.end)).any()
    for routes_too in (False, True):
        a = availability(ev, freq="1h", require_routes=routes_too, **window)
        b = availability(ev, freq="1h", routing="ipsec", **window)
        assert (a["downtime"].to_numpy() >= b["downtime"].to_numpy()).all()


def test_samples_tell_the_bgp_story():
    """Connection 4 of the samples: BGP shut down on both tunnels for 25 min, IPsec up."""
    from pathlib import Path

    samples = Path(__file__).resolve().parents[1] / "data" / "samples" / "s3-export"
    ev = vl.read_logs(samples)
    tunnels = pd.read_csv(samples.parent / "tunnels.csv")
    routed = tunnels[tunnels["bgp_log_stream"].notna()]
    assert len(routed) == 2 and routed["vpn_connection_id"].nunique() == 1
    c4 = routed["vpn_connection_id"].iloc[0]
    window = {"start": "2026-10-01", "end": "2026-11-01"}
    auto = availability(ev, **window).set_index("vpn_connection_id")
    ipsec = availability(ev, routing="ipsec", **window).set_index("vpn_connection_id")
    assert ipsec.loc[c4, "availability"] == 1.0
    assert auto.loc[c4, "routing"] == "ipsec+bgp" and not auto.loc[c4, "sla_met"]
    out = outages(ev, level="connection", **window)
    mine = out[out["vpn_connection_id"] == c4]
    assert mine["cause"].tolist() == ["bgp_notification_received"]
    assert mine["duration"].iloc[0].round("s") == pd.Timedelta("25min")
    assert auto.loc[c4, "availability"] == pytest.approx(1 - 1500.205 / (31 * 86400))
    readme = (samples.parent / "README.md").read_text()
    assert "Connection 4 (c4, IKEv2, dynamically routed)" in readme
    assert f"{100 * auto.loc[c4, 'availability']:.4f} %" in readme
