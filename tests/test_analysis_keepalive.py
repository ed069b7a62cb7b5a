"""DPD keep-alives: dpd_stats and dpd_timeouts on a hand-built table and on the simulator.

The hand-built figures are derived in the comments; the simulator's ground truth
(``Simulation.keepalives``: every request, its sequence number and the time of its ACK)
gives the rest exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from analysis_fixtures import DOWN, PACKET, T1, T2, UP, VPN_A, make_events

from vpnlog_analytics import parse_records
from vpnlog_analytics.analysis import dpd_stats, dpd_timeouts
from vpnlog_analytics.options import DEFAULT_STALE_AFTER
from vpnlog_analytics.simulate import Incident, simulate_logs

D = "2024-01-01 00:"
DPD2 = "AWS tunnel DPD timed out after 3 retransmits"


def req(n: int | None = None) -> str:
    if n is None:
        return "AWS tunnel is sending DPD request"
    return f"AWS tunnel is sending a DPD request with sequence number {n}"


def ack(n: int) -> str:
    return f"CGW sent DPD ACK (sequence number {n})"


def hand_events() -> pd.DataFrame:
    """T1 (NAT-T): 100 acked at once, 101 after 1 s, 102-104 unanswered, then the DPD
    timeout; back up at 02:00; a request without a number answered by the next record
    (an ACK), one without a number unanswered (a request follows), 500 acked after 1 s.
    The generic line before 500 in the same second is the same request logged twice.
    T2: a DPD timeout and no keep-alives at all."""
    rows = [
        ("00:00", req(100), UP),
        ("00:00", ack(100), UP),
        ("00:10", req(101), UP),
        ("00:11", ack(101), UP),
        ("00:20", req(102), UP),
        ("00:30", req(103), UP),
        ("00:40", req(104), UP),
        ("00:45", DPD2, DOWN),
        ("02:00", PACKET, UP),
        ("02:10", req(), UP),
        ("02:10", ack(900), UP),
        ("02:20", req(), UP),
        ("02:30", req(), UP),
        ("02:30", req(500), UP),
        ("02:31", ack(500), UP),
    ]
    events = [(D + t, VPN_A, T1, *state, text) for t, text, state in rows]
    events += [(D + "00:00", VPN_A, T2, *UP, PACKET), (D + "01:00", VPN_A, T2, *DOWN, DPD2)]
    return make_events(events)


def test_keepalive_figures_by_hand() -> None:
    # Requests: 100, 101, 102, 103, 104, generic 02:10, generic 02:20, 500 = 8
    # (the generic 02:30 line is request 500's first line). ACKs: 100, 101, 900, 500 = 4.
    # Answered: 100, 101, the 02:10 one (next record an ACK), 500 = 4 of 8.
    # Latency on pairs matched by number: 100 0 s, 101 1 s, 500 1 s: mean 2/3 s, max 1 s.
    # Longest run of unanswered requests: 102, 103, 104 = 3.
    stats = dpd_stats(hand_events(), freq="1D").set_index("tunnel_ip")
    t1 = stats.loc[T1]
    assert (t1["dpd_requests"], t1["dpd_acks"], t1["ack_ratio"]) == (8, 4, 0.5)
    assert t1["mean_ack_latency"] == pd.Timedelta(666_666_666, "ns")  # 2/3 s, floored to ns
    assert t1["max_ack_latency"] == pd.Timedelta(1, "s")
    assert t1["longest_unanswered"] == 3
    assert t1["timeouts"] == 1
    t2 = stats.loc[T2]
    assert (t2["dpd_requests"], t2["dpd_acks"], t2["longest_unanswered"]) == (0, 0, 0)
    assert np.isnan(t2["ack_ratio"]) and pd.isna(t2["mean_ack_latency"])


def test_unanswered_requests_before_each_timeout_by_hand() -> None:
    # T1's timeout at 00:45 follows 102, 103, 104 unanswered: 3. T2 logged no keep-alive.
    to = dpd_timeouts(hand_events())
    assert to[["tunnel_ip", "unanswered"]].astype({"tunnel_ip": str}).values.tolist() == [
        [T1, 3],
        [T2, pd.NA],
    ]
    assert str(to["unanswered"].dtype) == "Int64"


def test_runs_are_cut_at_period_boundaries() -> None:
    # Per 30 s: [00:00, 00:30) holds 100, 101, 102 (one unanswered); [00:30, 01:00) 103,
    # 104 (two).
    stats = dpd_stats(hand_events(), freq="30s", end="2024-01-01 00:01")
    t1 = stats[stats["tunnel_ip"] == T1]
    assert t1["dpd_requests"].tolist() == [3, 2]
    assert t1["longest_unanswered"].tolist() == [1, 2]
    assert t1["ack_ratio"].tolist() == [2 / 3, 0.0]


def test_observed_time_per_tunnel() -> None:
    # Window 00:00:00 to 00:02:32 (last record + 1 s). T1 known throughout: 152 s. T2 up
    # 00:00, down 01:00, silent after: down holds to the window's end (within the hour).
    stats = dpd_stats(hand_events(), freq="1D").set_index("tunnel_ip")
    assert stats.loc[T1, "observed"] == pd.Timedelta(152, "s")
    assert stats.loc[T2, "observed"] == pd.Timedelta(152, "s")
    short = dpd_stats(hand_events(), freq="1D", stale_after="30s").set_index("tunnel_ip")
    # Up 00:00-00:30 (then stale), down from 01:00 through the silence to 02:32: 122 s.
    assert short.loc[T2, "observed"] == pd.Timedelta(122, "s")


# --- against the simulator's truth ----------------------------------------------------------
@pytest.fixture(scope="module")
def sim():
    incidents = [
        Incident("dpd_timeout", 0, 0, "2026-10-01 03:00:00", 600),
        Incident("dpd_timeout", 0, 1, "2026-10-01 20:00:00", 300),
        Incident("ts_unacceptable", 0, 1, "2026-10-01 05:00:00", 900),
        Incident("both_down", 1, "both", "2026-10-01 09:00:00", 700),
        Incident("logging_gap", 1, 0, "2026-10-01 18:00:00", 7200),
    ]
    result = simulate_logs(
        "2026-10-01",
        "2026-10-02",
        connections=2,
        seed=4,
        incidents=incidents,
        ike_versions=("v2", "v1"),
        nat_t=True,
    )
    result.events = parse_records(result.records)
    return result


def test_idle_nat_t_records_are_no_longer_unknown(sim) -> None:
    events = sim.events
    share_unknown = (events["event"] == "unknown").mean()
    keepalive = events["event"].isin(["dpd_request_sent", "dpd_ack_received"]).mean()
    assert share_unknown == 0.0
    assert keepalive > 0.9  # behind NAT, keep-alives are most of the log


def test_keepalives_equal_truth(sim) -> None:
    got = dpd_stats(sim.events, freq="6h", start=sim.start, end=sim.end)
    ka = sim.keepalives.assign(period=sim.keepalives["time"].dt.floor("6h"))
    ka["answered"] = ka["ack_time"].notna()
    ka["latency"] = ka["ack_time"] - ka["time"]
    keys = ["vpn_connection_id", "tunnel_ip", "period"]
    by = ka.groupby(keys)
    # Longest unanswered run per cell, from the truth in time order (plain Python).
    longest: dict[tuple, int] = {}
    for key, g in by:
        run = best = 0
        for answered in g.sort_values("time")["answered"]:
            run = 0 if answered else run + 1
            best = max(best, run)
        longest[key] = best
    checked = 0
    for row in got.itertuples():
        key = (str(row.vpn_connection_id), str(row.tunnel_ip), row.period)
        if key not in by.groups:
            assert row.dpd_requests == 0
            continue
        g = by.get_group(key)
        assert row.dpd_requests == len(g), key
        assert row.dpd_acks == g["answered"].sum(), key
        assert row.ack_ratio == g["answered"].mean(), key
        lat = g.loc[g["answered"], "latency"]
        assert row.max_ack_latency == lat.max(), key
        assert row.mean_ack_latency == pd.Timedelta(
            int(lat.dt.total_seconds().sum() * 1e9) // len(lat), "ns"
        ), key
        assert row.longest_unanswered == longest[key], key
        checked += 1
    assert checked >= 8


def test_unanswered_before_timeouts_equal_truth(sim) -> None:
    to = dpd_timeouts(sim.events, start=sim.start, end=sim.end)
    assert len(to) >= 4  # two single timeouts and both tunnels of c2
    ka = sim.keepalives
    for row in to.itertuples():
        mine = ka[
            (ka["vpn_connection_id"] == str(row.vpn_connection_id))
            & (ka["tunnel_ip"] == str(row.tunnel_ip))
            & (ka["time"] <= row.time)
        ].sort_values("time")
        run = 0
        for answered in mine["ack_time"].notna():
            run = 0 if answered else run + 1
        assert row.unanswered == run
        assert run >= 2  # the gateway went silent some 30 s before the timeout


def test_keepalives_keep_the_truth_of_states(sim) -> None:
    from vpnlog_analytics.analysis import tunnel_states

    states = tunnel_states(sim.events, start=sim.start, end=sim.end)
    unknown = states[states["state"] == "unknown"]
    # Only the 2-hour logging gap of an up tunnel is unobserved, from the default
    # stale_after (75 min) after the last keep-alive before it to the first record after
    # it (each within seconds of the gap's edges).
    assert len(unknown) == 1
    left = pd.Timedelta("2h") - pd.Timedelta(DEFAULT_STALE_AFTER)
    assert abs(unknown["duration"].item() - left) < pd.Timedelta("30s")
