"""BGP sessions, flaps, outages and routes: the simulator's truth, and one table per rule.

The hand-built tables go through the real parser (see ``bgp_fixtures``); each expected
value is derived in the test from the records it lists.
"""

from __future__ import annotations

import pandas as pd
import pytest
from bgp_fixtures import (
    DPD,
    EOR,
    HOLD,
    NEXT_HOP,
    OWN_AS,
    T1,
    T2,
    bad_open,
    events,
    fsm,
    ike,
    max_prefix,
    notification,
    route,
    routed_simulation,
    status,
    ts,
    up_sequence,
)

import vpnlog_analytics as vl
from vpnlog_analytics.analysis import prepare
from vpnlog_analytics.analysis.bgp import (
    bgp_flaps,
    bgp_outages,
    bgp_sessions,
    route_events,
    routes,
)
from vpnlog_analytics.simulate import Incident, simulate_logs

IDS = ["vpn_connection_id", "tunnel_ip"]

# --- the simulator's truth ------------------------------------------------------------------


@pytest.fixture(scope="module")
def sim():
    return routed_simulation()


@pytest.fixture(scope="module")
def ev(sim):
    return vl.parse_records(sim.records)


def _str(frame: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    out = frame[cols].copy()
    for c in cols:
        if not pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].astype(object).where(out[c].notna(), None).astype(object)
            out[c] = [None if v is None else str(v) for v in out[c]]
    return out.reset_index(drop=True)


def _first_established(truth: pd.DataFrame, sessions: pd.DataFrame) -> pd.Series:
    """Per row of ``truth``, its tunnel's first established time in the truth's sessions."""
    est = sessions[sessions["state"] == "established"].groupby(IDS, observed=True)["start"].min()
    return pd.Series([est[tuple(k)] for k in truth[IDS].to_numpy()], index=truth.index)


def _seen(sim, table: str) -> pd.DataFrame:
    """The simulator's BGP truth from each session's first establishment on.

    Every session of the simulation comes up as its logging starts (Idle, Connect,
    OpenSent, OpenConfirm, Established: nothing fails on the way). The truth lists that
    opening as not established and as an "unexplained" outage; before the first record
    the state was unknown, so the analysis keeps the opening unknown, no outage.
    """
    truth = getattr(sim.bgp, table)
    kept = truth[truth["start"] >= _first_established(truth, sim.bgp.sessions)]
    return kept.reset_index(drop=True)


def test_sessions_equal_truth(sim, ev):
    got = bgp_sessions(ev, start=sim.start, end=sim.end)
    # before each session was first seen established (it came up as logging started) its
    # state is unknown; the truth starts there
    first = got.groupby(IDS, observed=True).head(1)
    assert (first["state"] == "unknown").all()
    assert (first["start"] == sim.start).all()
    got = got[got["state"] != "unknown"]
    cols = [*IDS, "state", "bgp_state", "start", "end"]
    pd.testing.assert_frame_equal(_str(got, cols), _str(_seen(sim, "sessions"), cols))
    assert set(got["vpn_connection_id"]) == {sim.tunnels.vpn_connection_id[2]}


def test_outages_equal_truth(sim, ev):
    got = bgp_outages(ev, start=sim.start, end=sim.end)
    cols = [*IDS, "start", "end", "cause", "cause_detail"]
    pd.testing.assert_frame_equal(_str(got, cols), _str(_seen(sim, "outages"), cols))
    # the incidents the truth was built from are all there; the sessions coming up as
    # logging started are none of them
    assert set(got["cause"]) == {
        "ipsec_down",
        "bgp_hold_timer_expired",
        "bgp_max_prefix_exceeded",
        "bgp_notification_received",
        "bgp_notification_sent",
    }
    assert got["ongoing"].sum() == 1


def test_bgp_only_outages_have_ipsec_up_all_along(sim, ev):
    got = bgp_outages(ev, start=sim.start, end=sim.end)
    bgp_only = got[got["cause"].str.startswith("bgp_")]
    assert len(bgp_only) == 6
    assert (bgp_only["ipsec_up_time"] == bgp_only["duration"]).all()
    ipsec = got[got["cause"] == "ipsec_down"]
    assert (ipsec["ipsec_up_time"] < ipsec["duration"]).all()


def test_flaps_are_the_outages_after_established(sim, ev):
    flaps = bgp_flaps(ev, start=sim.start, end=sim.end)
    truth = sim.bgp.outages
    # every outage but each tunnel's first (the session coming up) follows an established run
    expected = truth[truth.duplicated(IDS)].reset_index(drop=True)
    assert list(flaps["time"]) == list(expected["start"])
    assert list(flaps["cause"]) == list(expected["cause"])
    restored = expected["end"] < sim.end
    want = (expected["end"] - expected["start"]).where(restored)
    pd.testing.assert_series_equal(flaps["downtime"], want, check_names=False)


def _instants(sim):
    inc = sim.incidents
    times = list(inc["start"]) + list(inc["end"])
    times += [t + pd.Timedelta(seconds=s) for t in list(inc["start"]) for s in (-1, 1, 30, 200)]
    times += list(sim.bgp.routes["start"]) + list(sim.bgp.routes["end"])
    times += list(pd.date_range(sim.start, sim.end, freq="37min"))
    return sorted({t for t in times if sim.start <= t < sim.end})


def test_route_sets_equal_truth_at_chosen_instants(sim, ev):
    cols = [*IDS, "bgp_prefix", "bgp_as_path", "bgp_med", "bgp_next_hop_ip", "since"]
    instants = _instants(sim)
    assert len(instants) > 300
    for at in instants:
        got = routes(ev, at=at)
        want = sim.bgp.routes_at(at)
        pd.testing.assert_frame_equal(
            _str(got, cols).assign(bgp_med=lambda d: d["bgp_med"].astype(int)),
            _str(want, cols).assign(bgp_med=lambda d: d["bgp_med"].astype(int)),
            obj=f"routes at {at}",
        )


def test_route_withdrawn_on_one_tunnel(sim, ev):
    vpn = sim.tunnels.vpn_connection_id[2]
    t1, t2 = sim.tunnels.tunnel_ip[2], sim.tunnels.tunnel_ip[3]
    held = routes(ev, at="2026-10-01 10:30")
    by_tunnel = held.groupby("tunnel_ip", observed=True)["bgp_prefix"].apply(set)
    assert "10.22.0.0/16" in by_tunnel[t1]
    assert "10.22.0.0/16" not in by_tunnel[t2]
    changes = route_events(ev).query("bgp_prefix == '10.22.0.0/16' and tunnel_ip == @t2")
    gone = changes[changes["action"] == "withdrawn"]
    assert list(gone["time"].dt.floor("s")) == [pd.Timestamp("2026-10-01 10:00", tz="UTC")]
    assert vpn in set(held["vpn_connection_id"])


def test_denied_routes_equal_truth(sim, ev):
    denied = route_events(ev).query("action == 'denied'")
    cols = [*IDS, "time", "bgp_prefix", "reason"]
    pd.testing.assert_frame_equal(_str(denied, cols), _str(sim.bgp.denied, cols))
    assert set(denied["reason"]) == {"as-path contains our own AS", "non-connected next-hop"}
    assert not denied["held"].any()


def test_route_counts_follow_route_sets(sim, ev):
    table = route_events(ev)
    for at in _instants(sim)[::10]:
        before = table[table["time"] <= at].groupby(IDS, observed=True).tail(1)
        counts = routes(ev, at=at).groupby(IDS, observed=True).size()
        for row in before.itertuples():
            assert counts.get((row.vpn_connection_id, row.tunnel_ip), 0) == row.routes


def test_static_connection_has_no_bgp(sim, ev):
    static = sim.tunnels.vpn_connection_id[0]
    for frame in (bgp_sessions(ev), bgp_outages(ev), routes(ev), route_events(ev)):
        assert static not in set(frame["vpn_connection_id"].astype(str))


def test_bgp_incident_needs_bgp_on_its_connection():
    with pytest.raises(ValueError, match="no BGP"):
        simulate_logs(
            "2026-10-01",
            "2026-10-02",
            connections=2,
            bgp=[1],
            incidents=[Incident("bgp_hold_timer", 0, 0, "2026-10-01 05:00", 300)],
        )


# --- hand-built tables: session state -------------------------------------------------------
def _states(frame: pd.DataFrame) -> list[tuple[str, str | None, str, str]]:
    return [
        (
            r.state,
            None if pd.isna(r.bgp_state) else r.bgp_state,
            f"{r.start:%H:%M:%S.%f}"[:-3],
            f"{r.end:%H:%M:%S.%f}"[:-3],
        )
        for r in frame.itertuples()
    ]


def test_status_records_set_the_state_and_name_it():
    """IKE up from 00:00. BGP: 00:01 Idle->Connect (DOWN), 00:02 OpenConfirm->Established,
    00:03 a hold timer (DOWN, names nothing: Established -> Idle), 00:04 Idle->Connect.

    The session is first seen coming up (00:01 to 00:02, nothing failing): its state is
    unknown until it is established, as before its first record."""
    ev = events(
        [
            ike("00:00:00", T1, True),
            fsm("00:01:00", T1, "Idle", "Connect"),
            fsm("00:02:00", T1, "OpenConfirm", "Established"),
            status("00:02:30", T1, True, EOR),  # UP without a name: still Established
            status("00:03:00", T1, False, HOLD),
            fsm("00:04:00", T1, "Idle", "Connect"),
            ike("00:05:00", T1, True),
        ]
    )
    got = bgp_sessions(ev, start=ts("00:00:00"), end=ts("00:06:00"))
    assert _states(got) == [
        ("unknown", None, "00:00:00.000", "00:02:00.000"),
        ("established", "Established", "00:02:00.000", "00:03:00.000"),
        ("not_established", "Idle", "00:03:00.000", "00:04:00.000"),
        ("not_established", "Connect", "00:04:00.000", "00:06:00.000"),
    ]
    assert list(got["ongoing"]) == [False, False, False, True]
    assert got["duration"].sum() == pd.Timedelta(minutes=6)


def test_last_record_of_an_instant_holds():
    """Three records at 00:01:00.500: Established, then Established->Idle, then Idle->Connect:
    Connect holds after that instant; no zero-length interval appears."""
    ev = events(
        [
            ike("00:00:00", T1, True),
            fsm("00:00:30", T1, "OpenConfirm", "Established"),
            fsm("00:01:00.500", T1, "OpenConfirm", "Established"),
            fsm("00:01:00.500", T1, "Established", "Idle"),
            fsm("00:01:00.500", T1, "Idle", "Connect"),
        ]
    )
    got = bgp_sessions(ev, start=ts("00:00:00"), end=ts("00:02:00"))
    assert _states(got)[1:] == [
        ("established", "Established", "00:00:30.000", "00:01:00.500"),
        ("not_established", "Connect", "00:01:00.500", "00:02:00.000"),
    ]


def test_ipsec_down_ends_the_session_until_the_log_says_established():
    """IPsec down 00:10-00:12. BGP established at 00:01; the log says nothing at 00:10.
    A record claiming UP at 00:11 (IPsec still down) cannot make it established; after
    IPsec is back at 00:12 it stays not established (Idle) until 00:13, Established."""
    ev = events(
        [
            ike("00:00:00", T1, True),
            *up_sequence("00:01:00", T1),
            ike("00:10:00", T1, False, DPD),
            status("00:11:00", T1, True, EOR),
            ike("00:12:00", T1, True),
            fsm("00:13:00", T1, "OpenConfirm", "Established"),
        ]
    )
    got = bgp_sessions(ev, start=ts("00:00:00"), end=ts("00:20:00"))
    rows = _states(got)
    assert rows[-3:] == [
        ("established", "Established", "00:01:01.000", "00:10:00.000"),
        ("not_established", "Idle", "00:10:00.000", "00:13:00.000"),
        ("established", "Established", "00:13:00.000", "00:20:00.000"),
    ]
    out = bgp_outages(ev, start=ts("00:00:00"), end=ts("00:20:00")).iloc[-1]
    assert (out["cause"], out["cause_detail"]) == ("ipsec_down", "dpd_timeout")
    # IPsec was up from 00:12 to 00:13 of that BGP outage
    assert out["ipsec_up_time"] == pd.Timedelta(minutes=1)


def test_bgp_state_is_unknown_while_the_tunnel_is_not_observed():
    """BGP records from 00:01, the tunnel's first IKE record at 00:05: unknown before it.
    T2 has BGP logs only: judged by them alone from its first record."""
    ev = events(
        [
            fsm("00:01:00", T1, "OpenConfirm", "Established"),
            ike("00:05:00", T1, True),
            fsm("00:02:00", T2, "OpenConfirm", "Established"),
        ]
    )
    got = bgp_sessions(ev, start=ts("00:00:00"), end=ts("00:10:00"))
    t1 = got[got["tunnel_ip"] == T1]
    t2 = got[got["tunnel_ip"] == T2]
    assert _states(t1) == [
        ("unknown", None, "00:00:00.000", "00:05:00.000"),
        ("established", "Established", "00:05:00.000", "00:10:00.000"),
    ]
    assert _states(t2) == [
        ("unknown", None, "00:00:00.000", "00:02:00.000"),
        ("established", "Established", "00:02:00.000", "00:10:00.000"),
    ]
    assert bgp_outages(ev).empty


def test_state_before_the_window_carries_in():
    ev = events(
        [
            ike("00:00:00", T1, True),
            fsm("00:01:00", T1, "OpenConfirm", "Established"),
            status("00:03:00", T1, False, HOLD),
            ike("00:09:00", T1, True),
        ]
    )
    got = bgp_sessions(ev, start=ts("00:02:00"), end=ts("00:04:00"))
    assert _states(got) == [
        ("established", "Established", "00:02:00.000", "00:03:00.000"),
        ("not_established", "Idle", "00:03:00.000", "00:04:00.000"),
    ]
    assert list(got["ongoing"]) == [False, True]


# --- hand-built tables: causes ----------------------------------------------------------------
def _one_outage(records: list, **kw) -> pd.Series:
    ev = events(
        [
            ike("00:00:00", T1, True),
            *up_sequence("00:00:10", T1),
            *records,
            ike("00:30:00", T1, True),
        ]
    )
    out = bgp_outages(ev, **kw)
    return out.iloc[-1]


@pytest.mark.parametrize(
    ("records", "cause", "detail"),
    [
        ([status("00:05:00", T1, False, HOLD)], "bgp_hold_timer_expired", None),
        (
            [notification("00:05:00", T1, "6/4", "Cease/Administrative Reset", sent=True)],
            "bgp_notification_sent",
            "6/4 Cease/Administrative Reset",
        ),
        (
            [notification("00:05:00", T1, "6/2", "Cease/Administrative Shutdown", sent=False)],
            "bgp_notification_received",
            "6/2 Cease/Administrative Shutdown",
        ),
        (
            # exceeded and 6/1 in the same instant: the prefix limit is more specific
            [
                notification("00:05:00", T1, "6/1", "Cease/Maximum Number of Prefixes Reached"),
                max_prefix("00:05:00", T1, 101, 100),
            ],
            "bgp_max_prefix_exceeded",
            "received 101 prefixes, limit 100",
        ),
        (
            # down with no reason; then bad OPENs while it retries: explained from during
            [
                fsm("00:05:00", T1, "Established", "Idle"),
                fsm("00:06:00", T1, "Idle", "Connect"),
                bad_open("00:06:01", T1, 65099, 65000),
                fsm("00:06:02", T1, "OpenSent", "Idle"),
            ],
            "bgp_bad_open",
            "remote AS 65099, expected AS 65000",
        ),
        ([fsm("00:05:00", T1, "Established", "Idle")], "unexplained", None),
    ],
)
def test_outage_causes(records, cause, detail):
    out = _one_outage(records)
    assert out["start"] == ts("00:05:00")
    assert out["cause"] == cause
    assert (None if pd.isna(out["cause_detail"]) else out["cause_detail"]) == detail


@pytest.mark.parametrize(("before", "explained"), [(120, True), (121, False)])
def test_cause_lookback_boundary(before, explained):
    """A hold-timer record ``before`` s before an (otherwise silent) Established->Idle."""
    t = ts("00:10:00") - pd.Timedelta(seconds=before)
    hold = status(f"{t:%H:%M:%S}", T1, True, HOLD)  # logged as UP: the session still stood
    out = _one_outage([hold, fsm("00:10:00", T1, "Established", "Idle")], cause_lookback="120s")
    assert out["cause"] == ("bgp_hold_timer_expired" if explained else "unexplained")


def test_before_beats_during_and_flaps():
    """A Cease at the start beats a bad OPEN during; the session coming up at 00:00:10 (its
    first records) is neither a flap nor an outage; the last outage is still open at the end."""
    ev = events(
        [
            ike("00:00:00", T1, True),
            *up_sequence("00:00:10", T1),
            notification("00:05:00", T1, "6/6", "Cease/Other Configuration Change", sent=False),
            bad_open("00:06:00", T1, 65099, 65000),
            *up_sequence("00:08:00", T1),
            status("00:20:00", T1, False, HOLD),
            ike("00:30:00", T1, True),
        ]
    )
    out = bgp_outages(ev, start=ts("00:00:00"), end=ts("00:30:00"))
    assert list(out["cause"]) == ["bgp_notification_received", "bgp_hold_timer_expired"]
    flaps = bgp_flaps(ev, start=ts("00:00:00"), end=ts("00:30:00"))
    assert list(flaps["time"]) == [ts("00:05:00"), ts("00:20:00")]
    # re-established at 00:08:01 (up_sequence: Established 1 s after its start)
    assert flaps["downtime"].iloc[0] == pd.Timedelta(minutes=3, seconds=1)
    assert pd.isna(flaps["downtime"].iloc[1])
    assert list(out["ongoing"]) == [False, True]
    long = bgp_outages(ev, start=ts("00:00:00"), end=ts("00:30:00"), min_duration="2min")
    assert list(long["start"]) == [ts("00:05:00"), ts("00:20:00")]


# --- hand-built tables: routes -------------------------------------------------------------------
A, B, C = "10.20.0.0/16", "10.21.0.0/16", "172.31.0.0/16"


@pytest.fixture(scope="module")
def route_table():
    """T1 up from 00:00, session established 00:00:11. Records (derivation in the tests):
    00:01 A advertised (med 100), B advertised; 00:02 A updated (med 50); 00:03 B withdrawn;
    00:04 C denied (own AS); 00:05 A denied (next hop): A is gone; 00:06 A advertised;
    00:07 C updated, accepted; 00:10 hold timer: the session ends, A and C are lost;
    00:11 established again, 00:12 A advertised."""
    return events(
        [
            ike("00:00:00", T1, True),
            *up_sequence("00:00:10", T1),
            route("00:01:00", T1, "ADVERTISED", A, med=100),
            route("00:01:00", T1, "ADVERTISED", B),
            route("00:02:00", T1, "UPDATED", A, med=50),
            route("00:03:00", T1, "WITHDRAWN", B),
            route("00:04:00", T1, "UPDATED", C, as_path="65000 64512", details=OWN_AS),
            route("00:05:00", T1, "UPDATED", A, next_hop="10.9.9.9", details=NEXT_HOP),
            route("00:06:00", T1, "ADVERTISED", A, med=70),
            route("00:07:00", T1, "UPDATED", C, med=10),
            status("00:10:00", T1, False, HOLD),
            *up_sequence("00:11:00", T1),
            route("00:12:00", T1, "ADVERTISED", A),
            ike("00:15:00", T1, True),
        ]
    )


@pytest.mark.parametrize(
    ("at", "held"),
    [
        ("00:00:59", {}),
        ("00:01:00", {A: 100, B: 100}),  # records at the instant count
        ("00:02:30", {A: 50, B: 100}),  # updated replaces the attributes
        ("00:03:00", {A: 50}),  # withdrawn removes
        ("00:04:30", {A: 50}),  # denied never adds
        ("00:05:30", {}),  # denied replaces, then is rejected: A is gone
        ("00:07:00", {A: 70, C: 10}),
        ("00:10:00", {}),  # the session ended at 00:10: its routes are gone
        ("00:11:30", {}),
        ("00:12:00", {A: 100}),
    ],
)
def test_routes_at(route_table, at, held):
    got = routes(route_table, at=ts(at))
    assert dict(zip(got["bgp_prefix"].astype(str), got["bgp_med"].astype(int), strict=True)) == held


def test_routes_since_and_updated(route_table):
    got = routes(route_table, at=ts("00:02:30")).set_index("bgp_prefix")
    # A held continuously since 00:01 (the update at 00:02 replaced it in place)
    assert got.loc[A, "since"] == ts("00:01:00")
    assert got.loc[A, "updated"] == ts("00:02:00")
    later = routes(route_table, at=ts("00:06:30")).set_index("bgp_prefix")
    assert later.loc[A, "since"] == ts("00:06:00")  # a new holding after the denial
    assert list(routes(route_table)["bgp_prefix"]) == [A]  # after the last record


def test_route_events_table(route_table):
    got = route_events(route_table)
    rows = [
        (
            f"{r.time:%H:%M:%S}",
            str(r.bgp_prefix),
            r.action,
            None if pd.isna(r.reason) else r.reason,
            r.held,
            r.routes,
        )
        for r in got.itertuples()
    ]
    assert rows == [
        ("00:01:00", A, "advertised", None, True, 1),
        ("00:01:00", B, "advertised", None, True, 2),
        ("00:02:00", A, "updated", None, True, 2),
        ("00:03:00", B, "withdrawn", None, False, 1),
        ("00:04:00", C, "denied", "as-path contains our own AS", False, 1),
        ("00:05:00", A, "denied", "non-connected next-hop", False, 0),
        ("00:06:00", A, "advertised", None, True, 1),
        ("00:07:00", C, "updated", None, True, 2),
        ("00:10:00", A, "session_down", "bgp_hold_timer_expired", False, 1),
        ("00:10:00", C, "session_down", "bgp_hold_timer_expired", False, 0),
        ("00:12:00", A, "advertised", None, True, 1),
    ]
    window = route_events(route_table, start=ts("00:05:00"), end=ts("00:10:00"))
    assert list(window["routes"]) == [0, 1, 2]


def test_tables_without_bgp_are_empty():
    ev = events([ike("00:00:00", T1, True), ike("00:05:00", T1, False, DPD)])
    for frame in (bgp_sessions(ev), bgp_flaps(ev), bgp_outages(ev), routes(ev), route_events(ev)):
        assert frame.empty
        assert "vpn_connection_id" in frame.columns


# --- hand-built tables: routes of a tunnel whose state is unknown ------------------------------
def _held(frame: pd.DataFrame) -> dict[str, bool | None]:
    """Prefix -> ``held`` (True, or None where NA: not known)."""
    return {
        str(p): (None if pd.isna(h) else bool(h))
        for p, h in zip(frame["bgp_prefix"], frame["held"], strict=True)
    }


@pytest.fixture(scope="module")
def silent_table():
    """T1 up from 00:00 (IKE records at 00:00 and 00:02), established 00:00:11, A and B
    advertised at 00:01; then the IKE log is silent for 3 h, until 03:02 (up). No BGP
    record in between: the session never said it changed."""
    return events(
        [
            ike("00:00:00", T1, True),
            *up_sequence("00:00:10", T1),
            route("00:01:00", T1, "ADVERTISED", A),
            route("00:01:00", T1, "ADVERTISED", B),
            ike("00:02:00", T1, True),
            ike("03:02:00", T1, True),
        ]
    )


@pytest.mark.parametrize(
    ("stale_after", "at", "held"),
    [
        # 30 min after the last record, within 1 h: the up state holds, so do the routes
        ("1h", "00:32:00", {A: True, B: True}),
        # the up state holds until 00:02 + 1 h; from then the tunnel is unknown
        ("1h", "01:01:59.999", {A: True, B: True}),
        ("1h", "01:02:00", {A: None, B: None}),
        # 2 h after: unknown; the rows are the routes held when last known
        ("1h", "02:02:00", {A: None, B: None}),
        # logging again at 03:02, no BGP record said otherwise: held again
        ("1h", "03:02:00", {A: True, B: True}),
        # a longer stale_after, or none, carries the up state over the 3 h silence
        ("3h", "02:02:00", {A: True, B: True}),
        (None, "02:02:00", {A: True, B: True}),
        ("30min", "00:32:00", {A: None, B: None}),
    ],
)
def test_routes_of_a_silent_up_tunnel_are_not_known(silent_table, stale_after, at, held):
    got = routes(silent_table, at=ts(at), stale_after=stale_after)
    assert _held(got) == held
    assert str(got["held"].dtype) == "boolean"
    # since and updated are those of the routes as last known
    assert (got["since"] == ts("00:01:00")).all()


def test_the_session_is_unknown_where_the_routes_are(silent_table):
    got = bgp_sessions(silent_table, start=ts("00:00:00"), end=ts("03:10:00"), stale_after="1h")
    # (unknown until the session first seen coming up at 00:00:10 is established)
    assert [(s, a, b) for s, _, a, b in _states(got)][-3:] == [
        ("established", "00:00:11.000", "01:02:00.000"),
        ("unknown", "01:02:00.000", "03:02:00.000"),
        ("established", "03:02:00.000", "03:10:00.000"),
    ]
    # the unknown stretch is no change of the routes: only the two advertisements
    changes = route_events(silent_table, stale_after="1h")
    assert list(changes["action"]) == ["advertised", "advertised"]
    assert list(changes["routes"]) == [1, 2]
    # it is no BGP flap or outage either
    assert bgp_flaps(silent_table, stale_after="1h").empty
    assert bgp_outages(silent_table, stale_after="1h").empty  # coming up at 00:00:10: none


def test_routes_default_instant_is_the_end_of_the_table():
    """T1 logs (IKE) until 00:02 only; T2 logs until 03:00. By default ``at`` is after the
    table's last record (03:00): T1 was silent for 2 h 58 min while up, so with a 1 h
    ``stale_after`` its routes are not known there; with none they are held."""
    ev = events(
        [
            ike("00:00:00", T1, True),
            *up_sequence("00:00:10", T1),
            route("00:01:00", T1, "ADVERTISED", A),
            ike("00:02:00", T1, True),
            ike("00:00:00", T2, True),
            ike("03:00:00", T2, True),
        ]
    )
    assert _held(routes(ev, stale_after="1h")) == {A: None}
    assert _held(routes(ev, stale_after=None)) == {A: True}
    # a prepared context: just before the end of its window
    ctx = prepare(ev, end=ts("00:30:00"), stale_after="1h")
    assert _held(routes(ctx)) == {A: True}


@pytest.mark.parametrize(
    ("stale_after", "gone", "reason"),
    [
        # the up state holds until 01:02: the hold-timer record at 02:30 falls in the
        # unknown stretch (a BGP state is unknown while IPsec is); at 03:00 the tunnel
        # logs again and the session is found not established: A is gone from then
        ("1h", "03:00:00", "unexplained"),
        # carried over the silence: the hold timer at 02:30 is a flap, A is gone then
        (None, "02:30:00", "bgp_hold_timer_expired"),
    ],
)
def test_session_found_down_after_an_unknown_stretch_loses_its_routes(stale_after, gone, reason):
    ev = events(
        [
            ike("00:00:00", T1, True),
            *up_sequence("00:00:10", T1),
            route("00:01:00", T1, "ADVERTISED", A),
            ike("00:02:00", T1, True),
            status("02:30:00", T1, False, HOLD),
            ike("03:00:00", T1, True),
        ]
    )
    changes = route_events(ev, stale_after=stale_after)
    rows = [
        (f"{r.time:%H:%M:%S}", r.action, None if pd.isna(r.reason) else r.reason, r.routes)
        for r in changes.itertuples()
    ]
    assert rows == [("00:01:00", "advertised", None, 1), (gone, "session_down", reason, 0)]
    assert routes(ev, at=ts(gone), stale_after=stale_after).empty
    before = ts(gone) - pd.Timedelta(1, "s")
    assert _held(routes(ev, at=before, stale_after=stale_after)) == {
        A: None if stale_after else True
    }
