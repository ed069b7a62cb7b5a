"""Property tests of the BGP analyses over random record sequences, against plain Python."""

from __future__ import annotations

import pandas as pd
from bgp_fixtures import DPD, EOR, HOLD, NEXT_HOP, OWN_AS, T1, T2, events, fsm, ike, route, status
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vpnlog_analytics.analysis.bgp import bgp_outages, bgp_sessions, route_events, routes

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PREFIXES = ("10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/24")
KINDS = (
    "ADVERTISED",
    "UPDATED",
    "WITHDRAWN",
    "denied",
    "bgp_down",
    "bgp_up",
    "ipsec_down",
    "ipsec_up",
)

op = st.tuples(
    st.sampled_from(KINDS),
    st.integers(0, len(PREFIXES) - 1),
    st.sampled_from([T1, T1, T2]),
    st.integers(0, 2),  # millisecond offset class: equal times are common
)
sequences = st.lists(op, min_size=0, max_size=40)


def clock(i: int, offset: int) -> str:
    """Op ``i`` happens at second 10 + i // 2 (two ops share a second), plus ms."""
    s = 10 + i // 2
    return f"00:{s // 60:02d}:{s % 60:02d}.{offset * 100:03d}"


def build(ops: list[tuple[str, int, str, int]]) -> tuple[pd.DataFrame, list[tuple]]:
    """Records for the ops (IPsec up from 00:00 on both tunnels), and the op timeline."""
    recs = [ike("00:00:00", T1, True), ike("00:00:00", T2, True)]
    timeline = []
    for i, (kind, p, ip, off) in enumerate(ops):
        t = clock(i, off)
        prefix = PREFIXES[p]
        if kind in ("ADVERTISED", "UPDATED", "WITHDRAWN"):
            recs.append(route(t, ip, kind, prefix, med=i))
        elif kind == "denied":
            recs.append(route(t, ip, "UPDATED", prefix, details=OWN_AS if i % 2 else NEXT_HOP))
        elif kind == "bgp_down":
            recs.append(status(t, ip, False, HOLD))
        elif kind == "bgp_up":
            recs.append(fsm(t, ip, "OpenConfirm", "Established"))
        elif kind == "ipsec_down":
            t = t[:8]  # IKE records have whole seconds
            recs.append(ike(t, ip, False, DPD))
        else:
            t = t[:8]
            recs.append(ike(t, ip, True))
        timeline.append((pd.Timestamp(f"2026-10-01 {t}", tz="UTC"), i, kind, prefix, ip))
    return events(recs), timeline


def oracle(timeline: list[tuple], at: pd.Timestamp) -> set[tuple[str, str]]:
    """Replay the documented rules in plain Python, one instant at a time.

    Per tunnel and instant: the last IPsec record sets IPsec; a change to down ends the
    session once any BGP status was logged; the last status record sets the session
    (never established while IPsec is down); route records apply in order; a session
    that was established and is not after the instant loses all its routes.
    """
    held: set[tuple[str, str]] = set()
    bgp: dict[str, bool | None] = {T1: None, T2: None}
    ipsec = {T1: True, T2: True}
    for t in sorted({x[0] for x in timeline}):
        if t > at:
            break
        for ip in (T1, T2):
            mine = [x for x in timeline if x[0] == t and x[4] == ip]
            ip_ops = [x for x in mine if x[2].startswith("ipsec")]
            st_ops = [x for x in mine if x[2] in ("bgp_down", "bgp_up")]
            prior = new = bgp[ip]
            if ip_ops:
                now = ip_ops[-1][2] == "ipsec_up"
                if ipsec[ip] and not now and (prior is not None or st_ops):
                    new = False
                ipsec[ip] = now
            if st_ops:
                new = st_ops[-1][2] == "bgp_up" and ipsec[ip]
            for _, _, kind, prefix, _ in mine:
                if kind in ("ADVERTISED", "UPDATED", "WITHDRAWN", "denied"):
                    held.discard((ip, prefix))
                    if kind in ("ADVERTISED", "UPDATED"):
                        held.add((ip, prefix))
            if prior is True and new is False:
                held = {h for h in held if h[0] != ip}
            bgp[ip] = new
    return held


@SETTINGS
@given(sequences, st.integers(0, 45))
def test_routes_match_a_plain_replay(ops, second):
    ev, timeline = build(ops)
    at = pd.Timestamp("2026-10-01", tz="UTC") + pd.Timedelta(seconds=second, milliseconds=150)
    got = routes(ev, at=at)
    assert set(zip(got["tunnel_ip"].astype(str), got["bgp_prefix"].astype(str), strict=True)) == (
        oracle(timeline, at)
    )


@SETTINGS
@given(sequences, st.integers(0, 45))
def test_route_sets_never_hold_a_withdrawn_or_denied_prefix(ops, second):
    ev, _ = build(ops)
    at = pd.Timestamp("2026-10-01", tz="UTC") + pd.Timedelta(seconds=second)
    held = routes(ev, at=at)
    changes = route_events(ev)
    last = changes[(changes["time"] <= at) & (changes["action"] != "session_down")]
    last = last.groupby(["tunnel_ip", "bgp_prefix"], observed=True).tail(1)
    removed = last[last["action"].isin(["withdrawn", "denied"])]
    bad = set(zip(removed["tunnel_ip"], removed["bgp_prefix"], strict=True))
    assert not bad & set(zip(held["tunnel_ip"], held["bgp_prefix"], strict=True))
    # the running count after the last change at or before ``at`` is the set's size
    count = changes[changes["time"] <= at].groupby("tunnel_ip", observed=True)["routes"].last()
    sizes = held.groupby("tunnel_ip", observed=True).size()
    for ip, n in count.items():
        assert sizes.get(ip, 0) == n


@SETTINGS
@given(sequences, st.integers(0, 30), st.integers(0, 40))
def test_session_intervals_partition_the_window(ops, lo, length):
    ev, _ = build(ops)
    start = pd.Timestamp("2026-10-01", tz="UTC") + pd.Timedelta(seconds=lo)
    end = start + pd.Timedelta(seconds=length)
    got = bgp_sessions(ev, start=start, end=end)
    for _, g in got.groupby("tunnel_ip", observed=True):
        assert g["duration"].sum() == end - start
        assert (g["start"].iloc[1:].to_numpy() == g["end"].iloc[:-1].to_numpy()).all()
        same = (g["state"].iloc[1:].to_numpy() == g["state"].iloc[:-1].to_numpy()) & (
            g["bgp_state"].iloc[1:].astype(str).to_numpy()
            == g["bgp_state"].iloc[:-1].astype(str).to_numpy()
        )
        assert not same.any()
    out = bgp_outages(ev, start=start, end=end)
    down = got[got["state"] == "not_established"].groupby("tunnel_ip", observed=True)["duration"]
    pd.testing.assert_series_equal(
        out.groupby("tunnel_ip", observed=True)["duration"].sum(), down.sum(), check_names=False
    )
    assert (out["ipsec_up_time"] <= out["duration"]).all()


def test_oracle_sees_an_ipsec_reset():
    """The replay itself: an IPsec reset drops T1's routes (a check on the checker)."""
    ops = [("bgp_up", 0, T1, 0), ("ADVERTISED", 0, T1, 1), ("ipsec_down", 0, T1, 0)]
    ev, timeline = build(ops)
    assert oracle(timeline, pd.Timestamp("2026-10-01 00:00:10.500", tz="UTC")) == {
        (T1, PREFIXES[0])
    }
    assert oracle(timeline, pd.Timestamp("2026-10-01 00:00:11", tz="UTC")) == set()
    assert routes(ev, at="2026-10-01 00:00:11").empty
    assert EOR  # the fixtures module is the one the other BGP tests use
