"""The simulator's ground truth recovered exactly from its logs, through the loader.

The analyses see the logs only, so they are compared with what the logs let one conclude,
``Simulation.observable_truth(stale_after=...)``; that equals the simulator's ``truth``
(what the tunnels were) wherever no logging gap hides anything.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from analysis_fixtures import plain_states
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


def test_bgp_rows_present(sim) -> None:
    assert (sim.events["log_type"] == "bgp").any()


#: stale_after values: carried (off), the default (75 min), one hour, and one shorter than
#: the idle chatter (2-5 min) so unknown intervals appear all over, also before outages
#: start (only after up records: a down tunnel's silence never goes unknown).
STALE = [None, "75min", "1h", "200s"]


def _truth(sim, stale_after) -> pd.DataFrame:
    """What a log-only analysis must conclude for this stale_after."""
    return sim.observable_truth(stale_after=stale_after)


def test_truth_is_observable_where_no_logging_gap_hides_it(sim) -> None:
    """The simulator's truth (from its plan) is what the logs show, for the default
    stale_after, on every tunnel without a logging gap; a tunnel with one differs only
    inside its gaps (the part after the last record before the gap, up to the next one)."""
    seen = sim.observable_truth()
    gaps = sim.incidents[sim.incidents["kind"] == "logging_gap"]
    gapped = set(",".join(gaps["tunnel_ip"]).split(",")) - {""}
    cols = [*KEYS, "state", "start", "end", "cause"]
    plain = ~sim.truth["tunnel_ip"].isin(gapped)
    assert_frame_equal(
        plain_states(seen.loc[~seen["tunnel_ip"].isin(gapped), cols]),
        plain_states(sim.truth.loc[plain, cols]),
    )
    assert plain.sum() > 0
    st = sim.states
    for g in gaps.itertuples():
        for ip in g.tunnel_ip.split(","):
            times = st.loc[st["tunnel_ip"] == ip, "time"]
            before = times[times < g.start].max()
            after = times[times >= g.end].min()
            after = sim.end if pd.isna(after) else after
            pieces = [(sim.start, before), (after, sim.end)]
            assert _clipped(seen, ip, pieces) == _clipped(sim.truth, ip, pieces)


def _clipped(frame: pd.DataFrame, ip: str, pieces) -> list[tuple]:
    """(state, start, end) of a tunnel's intervals clipped to the pieces of the window."""
    mine = frame[frame["tunnel_ip"] == ip]
    out = []
    for lo, hi in pieces:
        for r in mine.itertuples():
            a, b = max(r.start, lo), min(r.end, hi)
            if a < b:
                out.append((str(r.state), a, b))
    return out


@pytest.mark.parametrize("stale_after", STALE)
def test_states_equal_truth(sim, stale_after) -> None:
    """Every up/down/unknown interval, with its cause; known ones ongoing at the end or
    where the tunnel went silent."""
    truth = _truth(sim, stale_after)
    states = tunnel_states(sim.events, start=sim.start, end=sim.end, stale_after=stale_after)
    # The truth starts at each tunnel's first record; before it the analyses say unknown.
    first = truth.groupby(KEYS)["start"].transform("min")
    lead = (states["state"] == "unknown") & (states["start"] == sim.start)
    seen = states[
        ~lead | (states["end"] > states.groupby(KEYS, observed=True)["end"].transform("min"))
    ]
    cols = [*KEYS, "state", "start", "end", "cause"]
    assert_frame_equal(plain_states(seen[cols]), plain_states(truth[cols]), check_dtype=False)
    assert (first >= sim.start).all()
    known = states[states["state"] != "unknown"]
    nxt = states.groupby(KEYS, observed=True)["state"].shift(-1)
    went_silent = (nxt == "unknown")[known.index]
    assert (known["ongoing"] == ((known["end"] == sim.end) | went_silent)).all()
    if stale_after == "200s":
        assert (truth["state"] == "unknown").sum() > 100
    if stale_after is None:
        assert not (truth["state"] == "unknown").any()


@pytest.mark.parametrize("stale_after", STALE)
def test_tunnel_outages_equal_truth(sim, stale_after) -> None:
    got = outages(
        sim.events, start=sim.start, end=sim.end, stale_after=stale_after, routing="ipsec"
    )
    truth = _truth(sim, stale_after)
    down = truth[truth["state"] == "down"]
    cols = [*KEYS, "start", "end", "cause"]
    assert_frame_equal(plain_states(got[cols]), plain_states(down[cols]), check_dtype=False)


@pytest.mark.parametrize("stale_after", STALE)
def test_flaps_equal_truth(sim, stale_after) -> None:
    truth = _truth(sim, stale_after)
    same = truth[KEYS].shift().eq(truth[KEYS]).all(axis=1)
    prev_up = (truth["state"].shift() == "up") & same
    next_up = (truth["state"].shift(-1) == "up") & truth[KEYS].shift(-1).eq(truth[KEYS]).all(axis=1)
    want = truth[(truth["state"] == "down") & prev_up]
    got = flaps(sim.events, start=sim.start, end=sim.end, stale_after=stale_after)
    assert got["time"].tolist() == want["start"].tolist()
    assert got["cause"].tolist() == want["cause"].tolist()
    # Downtime only where the tunnel was seen up again.
    downtime = (want["end"] - want["start"]).where(next_up[want.index])
    assert got["downtime"].tolist() == downtime.tolist() or (
        got["downtime"].fillna(pd.Timedelta(-1)).tolist()
        == downtime.fillna(pd.Timedelta(-1)).tolist()
    )


def _reference_connection_outages(truth: pd.DataFrame) -> pd.DataFrame:
    """Plain Python: intersect the down intervals of a connection's two tunnels.

    (With unknown intervals in the truth, a tunnel's down interval ends where it goes
    unknown, and the connection is not down while a tunnel is unknown: the intersection
    of the down intervals is still exactly the connection's down time.)"""
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


@pytest.mark.parametrize("stale_after", STALE)
def test_connection_outages_equal_reference(sim, stale_after) -> None:
    got = outages(
        sim.events,
        level="connection",
        start=sim.start,
        end=sim.end,
        stale_after=stale_after,
        routing="ipsec",
    )
    want = _reference_connection_outages(_truth(sim, stale_after))
    cols = ["vpn_connection_id", "start", "end"]
    assert_frame_equal(plain_states(got[cols]), plain_states(want), check_dtype=False)
    if sim.incidents["kind"].astype(str).str.contains("both").any():
        assert len(got) > 0


def _reference_unobserved(truth: pd.DataFrame, start, end) -> pd.Series:
    """Per connection: the time no tunnel is up and some tunnel is unknown (a sweep over
    every interval boundary, looking up each tunnel's state there)."""
    out = {}
    for conn, g in truth.groupby("vpn_connection_id", sort=True):
        bounds = [pd.Series([start, end]), g["start"], g["end"]]
        cuts = np.unique(pd.concat(bounds).dt.tz_convert(None).to_numpy("M8[ns]"))
        mids = cuts[:-1]
        up_any = np.zeros(mids.size, dtype=bool)
        unknown_any = np.zeros(mids.size, dtype=bool)
        for _, t in g.groupby("tunnel_ip"):
            t = t.sort_values("start")
            t0 = t["start"].dt.tz_convert(None).to_numpy("M8[ns]")
            t1 = t["end"].dt.tz_convert(None).to_numpy("M8[ns]")
            idx = np.searchsorted(t0, mids, side="right") - 1
            inside = (idx >= 0) & (t1[np.maximum(idx, 0)] > mids)
            state = np.where(inside, t["state"].to_numpy()[np.maximum(idx, 0)], "unknown")
            up_any |= state == "up"
            unknown_any |= state == "unknown"
        lost = np.diff(cuts)[~up_any & unknown_any].sum()
        out[conn] = pd.Timedelta(int(lost.astype("int64")), "ns")
    return pd.Series(out)


@pytest.mark.parametrize("stale_after", STALE)
def test_availability_downtime_equals_reference(sim, stale_after) -> None:
    """One monthly period: downtime = the reference connection outages' total; observed +
    unobserved = the window, unobserved where no tunnel was up and one was unknown."""
    truth = _truth(sim, stale_after)
    got = availability(
        sim.events, start=sim.start, end=sim.end, stale_after=stale_after, routing="ipsec"
    ).set_index("vpn_connection_id")
    want = _reference_connection_outages(truth)
    total = (want["end"] - want["start"]).groupby(want["vpn_connection_id"]).sum()
    unobserved = _reference_unobserved(truth, sim.start, sim.end)
    for conn in got.index:
        assert got.loc[conn, "downtime"] == total.get(conn, pd.Timedelta(0))
        assert got.loc[conn, "unobserved"] == unobserved[str(conn)]
        assert got.loc[conn, "observed"] == sim.end - sim.start - unobserved[str(conn)]


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
    """IPsec analyses ignore BGP rows; outages do too with routing="ipsec" (with "auto"
    they use reachability, see test_analysis_reachability)."""
    kwargs = {"start": sim.start, "end": sim.end}
    for func in (tunnel_states, flaps, rekey_stats):
        assert_frame_equal(
            plain_states(func(sim.events, **kwargs)),
            plain_states(func(sim.tunnel_events, **kwargs)),
        )
    assert_frame_equal(
        plain_states(outages(sim.events, routing="ipsec", **kwargs)),
        plain_states(outages(sim.tunnel_events, **kwargs)),
    )
