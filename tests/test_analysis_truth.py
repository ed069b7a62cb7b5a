"""The simulator's ground truth recovered exactly from its logs, through the loader."""

from __future__ import annotations

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from vpnlog_analytics.analysis import (
    availability,
    flaps,
    outages,
    rekey_stats,
    tunnel_states,
)

simulate = pytest.importorskip("vpnlog_analytics.simulate")
vpnlog = pytest.importorskip("vpnlog_analytics")

KEYS = ["vpn_connection_id", "tunnel_ip"]


@pytest.fixture(scope="module", params=["random", "samples"])
def sim(request: pytest.FixtureRequest):
    """A month of three connections: random incidents (seed 0), and the samples' story."""
    result = simulate.simulate_logs(
        "2026-10-01", "2026-11-01", connections=3, seed=0, incidents=request.param, bgp=True
    )
    records = result.records
    is_bgp = records["log_stream"].str.endswith("-BGP.log")
    # Tunnel and BGP streams are parsed separately and concatenated, as when they come
    # from different log groups (and so the analyses see BGP rows they must ignore).
    result.events = pd.concat(
        [vpnlog.parse_records(records[~is_bgp]), vpnlog.parse_records(records[is_bgp])],
        ignore_index=True,
    )
    result.tunnel_events = vpnlog.parse_records(records[~is_bgp])
    return result


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reset_index(drop=True).copy()
    for col in (*KEYS, "state"):
        if col in out:
            out[col] = out[col].astype(str)
    if "cause" in out:
        out["cause"] = out["cause"].astype(object).where(out["cause"].notna(), None)
    return out


def test_bgp_rows_present(sim) -> None:
    assert (sim.events["log_type"] == "bgp").any()


def test_states_equal_truth(sim) -> None:
    """Every up/down interval, with its cause; the last of each tunnel ongoing at end."""
    states = tunnel_states(sim.events, start=sim.start, end=sim.end)
    known = states[states["state"] != "unknown"]
    cols = [*KEYS, "state", "start", "end", "cause"]
    assert_frame_equal(_plain(known[cols]), _plain(sim.truth[cols]), check_dtype=False)
    assert (known["ongoing"] == (known["end"] == sim.end)).all()
    # Unknown only before a tunnel's first record (when a logging gap opens the window).
    unknown = states[states["state"] == "unknown"]
    assert (unknown["start"] == sim.start).all()


def test_tunnel_outages_equal_truth(sim) -> None:
    got = outages(sim.events, start=sim.start, end=sim.end)
    down = sim.truth[sim.truth["state"] == "down"]
    cols = [*KEYS, "start", "end", "cause"]
    assert_frame_equal(_plain(got[cols]), _plain(down[cols]), check_dtype=False)


def test_flaps_equal_truth(sim) -> None:
    truth = sim.truth
    prev_up = (truth["state"].shift() == "up") & (truth[KEYS].shift().eq(truth[KEYS]).all(axis=1))
    want = truth[(truth["state"] == "down") & prev_up]
    got = flaps(sim.events, start=sim.start, end=sim.end)
    assert got["time"].tolist() == want["start"].tolist()
    assert got["cause"].tolist() == want["cause"].tolist()
    downtime = (want["end"] - want["start"]).where(want["end"] < sim.end)
    assert got["downtime"].tolist() == downtime.tolist() or (
        got["downtime"].fillna(pd.Timedelta(-1)).tolist()
        == downtime.fillna(pd.Timedelta(-1)).tolist()
    )


def _reference_connection_outages(truth: pd.DataFrame) -> pd.DataFrame:
    """Plain Python: intersect the down intervals of a connection's two tunnels."""
    rows = []
    for conn, g in truth.groupby("vpn_connection_id", sort=True):
        tunnels = [
            list(zip(t["start"], t["end"], strict=True))
            for _, t in g[g["state"] == "down"].groupby("tunnel_ip")
        ]
        tunnels += [[]] * (g["tunnel_ip"].nunique() - len(tunnels))  # tunnels never down
        if len(tunnels) == 1:
            rows += [(conn, s, e) for s, e in tunnels[0]]
            continue
        assert len(tunnels) == 2
        for s1, e1 in tunnels[0]:
            for s2, e2 in tunnels[1]:
                s, e = max(s1, s2), min(e1, e2)
                if e > s:
                    rows.append((conn, s, e))
    return pd.DataFrame(sorted(rows), columns=["vpn_connection_id", "start", "end"])


def test_connection_outages_equal_reference(sim) -> None:
    got = outages(sim.events, level="connection", start=sim.start, end=sim.end)
    want = _reference_connection_outages(sim.truth)
    cols = ["vpn_connection_id", "start", "end"]
    assert_frame_equal(_plain(got[cols]), _plain(want), check_dtype=False)
    if sim.incidents["kind"].astype(str).str.contains("both").any():
        assert len(got) > 0


def test_availability_downtime_equals_reference(sim) -> None:
    """One monthly period: downtime = the reference connection outages' total."""
    got = availability(sim.events, start=sim.start, end=sim.end).set_index("vpn_connection_id")
    want = _reference_connection_outages(sim.truth)
    total = (want["end"] - want["start"]).groupby(want["vpn_connection_id"]).sum()
    for conn in got.index:
        assert got.loc[conn, "downtime"] == total.get(conn, pd.Timedelta(0))
        assert got.loc[conn, "observed"] == sim.end - sim.start


def test_rekeys_equal_truth(sim) -> None:
    """Negotiations = the simulator's request ids; collision incidents = its collision times."""
    got = rekey_stats(sim.events, start=sim.start, end=sim.end).set_index([*KEYS, "period"])
    rk = sim.rekeys.assign(period=sim.rekeys["time"].dt.floor("1D"))
    negotiations = rk.groupby([*KEYS, "period"]).size()
    collisions = rk[rk["collision"]].groupby([*KEYS, "period"])["time"].nunique()
    for key, n in got["negotiations"].items():
        k = (str(key[0]), str(key[1]), key[2])
        assert n == negotiations.get(k, 0), k
        assert got.loc[key, "collisions"] == collisions.get(k, 0), k


def test_bgp_rows_change_nothing(sim) -> None:
    kwargs = {"start": sim.start, "end": sim.end}
    for func in (tunnel_states, flaps, outages, rekey_stats):
        assert_frame_equal(
            _plain(func(sim.events, **kwargs)), _plain(func(sim.tunnel_events, **kwargs))
        )
