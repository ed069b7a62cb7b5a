"""What AWS logs after a DPD timeout follows the tunnel options; the analyses recover the truth.

Every combination of startup action x DPD timeout action (``start`` on the IKEv2
connection only, the IKEv1 one keeps ``add``) simulates the same incidents: a DPD outage,
a flapping tunnel, a gateway retrying with a wrong key, and two silent whole-site outages.
The expectations come from the injected incidents and from the reference's facts (the
real capture's retry gaps), never from the simulator's own figures.
"""

from __future__ import annotations

import functools
import json

import pandas as pd
import pytest
from analysis_fixtures import plain_states
from pandas.testing import assert_frame_equal

import vpnlog_analytics as vl
from vpnlog_analytics.analysis import outages, tunnel_states
from vpnlog_analytics.errors import OptionError
from vpnlog_analytics.simulate import (
    DPD_TIMEOUT_ACTIONS,
    INCIDENT_KINDS,
    STARTUP_ACTIONS,
    Incident,
    simulate_logs,
)
from vpnlog_analytics.simulate.metrics import simulate_metrics

KEYS = ["vpn_connection_id", "tunnel_ip"]
COLS = [*KEYS, "state", "start", "end", "cause"]
START, END = "2026-10-01", "2026-10-02"
UP = {"established", "rekeying"}
REKEY_INTERVAL = 3600  # the simulator's default child-SA lifetime [s]

SITE_C0 = Incident("site_outage", 0, "both", "2026-10-01 12:00:00", "5h")
SITE_C1 = Incident("site_outage", 1, "both", "2026-10-01 18:00:00", "3h")
DPD_C0 = Incident("dpd_timeout", 0, 0, "2026-10-01 03:00:00", 2400)
INCIDENTS = [
    DPD_C0,
    SITE_C0,
    Incident("psk_mismatch", 1, 0, "2026-10-01 02:00:00", 1200),
    Incident("dpd_flapping", 1, 1, "2026-10-01 05:00:00", 3600),
    SITE_C1,
]
#: The one real capture of AWS resending an unanswered packet (tunnel-behaviour.md) [s].
CAPTURE_GAPS = (75, 141, 268, 300, 300)
COMBOS = [(s, d) for s in STARTUP_ACTIONS for d in DPD_TIMEOUT_ACTIONS]


@functools.cache
def _simulate(startup: str, action: str):
    """Connection 0 is IKEv2 and takes the startup action; connection 1 is IKEv1 ("start"
    is IKEv2 only), so it keeps "add". Both take the DPD timeout action."""
    result = simulate_logs(
        START,
        END,
        connections=2,
        seed=7,
        incidents=INCIDENTS,
        ike_versions=("v2", "v1"),
        startup_action=(startup, startup, "add", "add"),
        dpd_timeout_action=action,
    )
    result.events = vl.parse_records(result.records)
    result.combo = (startup, action)
    return result


def _ids(combos: list[tuple[str, str]]) -> list[str]:
    return [f"{s}-{d}" for s, d in combos]


@pytest.fixture(scope="module", params=COMBOS, ids=_ids(COMBOS))
def sim(request: pytest.FixtureRequest):
    return _simulate(*request.param)


def _ts(value) -> pd.Timestamp:
    return pd.Timestamp(value, tz="UTC")


def _duration(inc: Incident) -> pd.Timedelta:
    d = inc.duration
    return pd.Timedelta(seconds=d) if isinstance(d, (int, float)) else pd.Timedelta(d)


def _span(inc: Incident) -> tuple[pd.Timestamp, pd.Timestamp]:
    t0 = _ts(inc.start)
    return t0, t0 + _duration(inc)


def _ips(sim, connection: int) -> list[str]:
    t = sim.tunnels
    return t.loc[t.connection == connection, "tunnel_ip"].tolist()


def _records(sim, ip: str) -> pd.DataFrame:
    """A tunnel's records: time, details and phase states, in stream order."""
    st = sim.states[sim.states.tunnel_ip == ip]
    return st[["time", "details", "phase1", "phase2"]].reset_index(drop=True)


def _dpd_outages(sim) -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
    """(tunnel, start, end) of every DPD outage of the truth that ended in the window."""
    t = sim.truth
    down = t[(t.state == "down") & (t.cause == "dpd_timeout") & (t.end < sim.end)]
    return list(zip(down.tunnel_ip, down.start, down.end, strict=True))


def _between(sim, ip: str, t0: pd.Timestamp, t1: pd.Timestamp) -> pd.DataFrame:
    """Records strictly after the DPD record and before the first renegotiation record."""
    r = _records(sim, ip)
    return r[(r.time > t0) & (r.time < t1 - pd.Timedelta(seconds=1))]


# --- the truth, recovered by the analyses ---------------------------------------------------
def test_the_analyses_recover_the_truth(sim) -> None:
    states = tunnel_states(sim.events, start=sim.start, end=sim.end)
    assert_frame_equal(plain_states(states[COLS]), plain_states(sim.truth[COLS]), check_dtype=False)
    got = outages(sim.events, start=sim.start, end=sim.end)
    want = sim.truth[sim.truth.state == "down"]
    cols = [*KEYS, "start", "end", "cause"]
    assert_frame_equal(plain_states(got[cols]), plain_states(want[cols]), check_dtype=False)
    # the injected DPD outage is there, with its cause
    t0, t1 = _span(DPD_C0)
    row = got[(got.tunnel_ip == _ips(sim, 0)[0]) & (got.start == t0)]
    assert (row.end.item(), row.cause.item()) == (t1, "dpd_timeout")


def test_observable_truth_equals_truth_without_logging_gaps(sim) -> None:
    assert_frame_equal(sim.observable_truth(), sim.truth)


@pytest.mark.parametrize("inc", [SITE_C0, SITE_C1], ids=["c0-5h", "c1-3h"])
def test_site_outage_is_one_connection_outage(sim, inc) -> None:
    t0, t1 = _span(inc)
    vpn = sim.tunnels.loc[sim.tunnels.connection == inc.connection, "vpn_connection_id"].iloc[0]
    conn = outages(sim.events, level="connection", start=sim.start, end=sim.end)
    mine = conn[(conn.vpn_connection_id == vpn) & (conn.end > t0) & (conn.start < t1)]
    assert len(mine) == 1
    row = mine.iloc[0]
    assert (row.start, row.end) == (t0, t1)
    assert row.duration == _duration(inc)
    assert not row.ongoing
    assert row.cause == "dpd_timeout"
    # both tunnels declare the peer dead at the same second, after unanswered probes
    for ip in _ips(sim, inc.connection):
        r = _records(sim, ip)
        at = r[r.time == t0]
        assert at.details.str.contains("DPD timed out|Declaring peer dead").any()
        probes = r[(r.time >= t0 - pd.Timedelta(seconds=30)) & (r.time < t0)]
        assert len(probes) >= 3 and probes.phase1.isin(UP).all()
    # one tunnel is back at the end of the outage, the other a few seconds later
    t = sim.truth[(sim.truth.vpn_connection_id == vpn) & (sim.truth.start == t0)]
    ends = sorted(t.end)
    assert ends[0] == t1 and pd.Timedelta(0) < ends[1] - t1 <= pd.Timedelta(seconds=20)


# --- what is logged while the peer is gone ----------------------------------------------------
def _reinitiates(sim, ip: str) -> bool:
    row = sim.tunnels[sim.tunnels.tunnel_ip == ip].iloc[0]
    return row.dpd_timeout_action == "restart" or row.startup_action == "start"


def test_options_are_recorded(sim) -> None:
    startup, action = sim.combo
    t = sim.tunnels.sort_values(["connection", "tunnel"])
    assert t.startup_action.tolist() == [startup, startup, "add", "add"]
    assert t.dpd_timeout_action.tolist() == [action] * 4


def test_defaults_are_silent_while_down() -> None:
    """add + clear: nothing between the DPD record and the first renegotiation record."""
    sim = _simulate("add", "clear")
    spans = _dpd_outages(sim)
    assert len(spans) >= 6  # the DPD outage, 4 site-outage tunnels, the flaps
    for ip, t0, t1 in spans:
        assert _between(sim, ip, t0, t1).empty, (ip, t0)
        r = _records(sim, ip)
        assert r.loc[r.time == t0, "details"].str.contains("DPD|peer dead").all()
        assert (r.time == t1 - pd.Timedelta(seconds=1)).any()  # the renegotiation


def _attempts(between: pd.DataFrame) -> pd.DataFrame:
    return between[between.details.str.startswith("sending packet")]


def _check_backoff(attempts: pd.DataFrame, first: pd.Timestamp) -> None:
    assert attempts.time.iloc[0] == first
    gaps = attempts.time.diff().dropna().dt.total_seconds().astype(int).tolist()
    expected = list(CAPTURE_GAPS) + [CAPTURE_GAPS[-1]] * max(0, len(gaps) - len(CAPTURE_GAPS))
    assert all(g <= 300 for g in gaps)
    assert all(abs(g - e) <= 6 for g, e in zip(gaps, expected, strict=False)), gaps
    assert (attempts.phase1 == "negotiating").all()


REINITIATING = [c for c in COMBOS if c[0] == "start" or c[1] == "restart"]


@pytest.mark.parametrize("combo", REINITIATING, ids=_ids(REINITIATING))
def test_aws_reinitiates_with_backoff(combo) -> None:
    """restart, or start: AWS's attempts from the second after the DPD record (clear,
    restart) or after the expired SA is closed (none), at the capture's gaps."""
    sim = _simulate(*combo)
    spans = [s for s in _dpd_outages(sim) if _reinitiates(sim, s[0])]
    long = [s for s in spans if s[2] - s[1] >= pd.Timedelta(hours=1)]
    assert long  # the site outages at least
    for ip, t0, t1 in spans:
        between = _between(sim, ip, t0, t1)
        assert not (between.phase1.isin(UP) & between.phase2.isin(UP)).any()
        first = t0 + pd.Timedelta(seconds=1)
        if sim.combo[1] == "none":
            closed = between[between.details.str.startswith("AWS tunnel is closing CHILD_SA")]
            if closed.empty:
                continue  # the gateway came back before the SA expired
            first = closed.time.iloc[0] + pd.Timedelta(seconds=1)
            between = between[between.time >= first]
        if t1 - first <= pd.Timedelta(seconds=1):
            assert between.empty
            continue
        attempts = _attempts(between)
        _check_backoff(attempts, first)
        # only the attempts and, on IKEv2, "deleting un-established Phase 1" at some of them
        others = between.drop(attempts.index)
        assert others.details.str.contains("deleting un-established Phase 1").all()
        assert set(others.time) <= set(attempts.time)
        v2 = sim.tunnels.loc[sim.tunnels.tunnel_ip == ip, "ike_version"].item() == "v2"
        if v2 and len(attempts) >= 6:
            assert len(others) >= 1
        if not v2:
            assert others.empty
        if t1 - t0 >= pd.Timedelta(hours=1):
            # a long outage: attempts until the gateway is back, none more than 300 s apart
            last = attempts.time.iloc[-1]
            assert t1 - pd.Timedelta(seconds=1) - last <= pd.Timedelta(seconds=300)


NO_ACTION = [c for c in COMBOS if c[1] == "none"]


@pytest.mark.parametrize("combo", NO_ACTION, ids=_ids(NO_ACTION))
def test_no_action_keeps_the_sa_until_its_rekey_fails(combo) -> None:
    """none: the DPD record keeps phase 1 established, phase 2 down; then nothing until
    the SA's next rekey (within a rekey interval of its establishment), which goes
    unanswered and closes the SA."""
    sim = _simulate(*combo)
    expired = 0
    for ip, t0, t1 in _dpd_outages(sim):
        r = _records(sim, ip)
        dpd = r[r.time == t0].iloc[-1]
        assert (dpd.phase1, dpd.phase2) == ("established", "down")
        between = _between(sim, ip, t0, t1)
        established = r[(r.time < t0) & r.details.str.contains("Phase 2 SA is established")]
        sa_from = established.time.max()
        if between.empty:
            # the gateway was back before the SA's rekey was due
            assert t1 - sa_from <= pd.Timedelta(seconds=REKEY_INTERVAL + 60)
            continue
        expired += 1
        burst = between[between.time < between.time.iloc[0] + pd.Timedelta(seconds=70)]
        rekey_at = burst.time.iloc[0]
        # due within one lifetime, or a few seconds after the DPD record when it was due
        assert rekey_at - sa_from <= pd.Timedelta(seconds=REKEY_INTERVAL + 20)
        assert burst.details.iloc[0].startswith("AWS tunnel is sending request (id=")
        closed = burst[burst.details.str.startswith("AWS tunnel is closing CHILD_SA")]
        if t1 - rekey_at > pd.Timedelta(seconds=70):
            assert len(closed) == 1
            assert (closed.phase1.item(), closed.phase2.item()) == ("down", "down")
        assert not (burst.phase1.isin(UP) & burst.phase2.isin(UP)).any()
        rest = between.drop(burst.index)
        if not _reinitiates(sim, ip):
            assert rest.empty  # then silence until the gateway is back
    assert expired >= 4  # the site outages outlast the SAs


# --- options and errors ----------------------------------------------------------------------
def test_site_outage_is_a_kind() -> None:
    assert "site_outage" in INCIDENT_KINDS


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"startup_action": "start"}, "IKEv2"),  # connection 1 is IKEv1
        ({"startup_action": ["start", "start", "add"]}, "startup_action: expected 4"),
        ({"startup_action": "begin"}, "startup_action='begin' is not valid"),
        ({"dpd_timeout_action": "hold"}, "dpd_timeout_action='hold' is not valid"),
    ],
)
def test_bad_options_raise(kwargs, error) -> None:
    with pytest.raises(ValueError, match=error):
        simulate_logs(START, END, connections=2, ike_versions=("v2", "v1"), **kwargs)


def test_start_on_ikev1_is_an_option_error() -> None:
    with pytest.raises(OptionError, match="tunnel 1 of connection 0|connection 0, tunnel 1"):
        simulate_logs(
            START, END, connections=1, ike_versions=("v1",), startup_action=["add", "start"]
        )


# --- logging gaps: the real state carries on, the log tells it late ---------------------------
GAP_INCIDENTS = [
    # down before the gap, back inside it
    Incident("dpd_timeout", 0, 0, "2026-10-01 06:00:00", 1800),
    Incident("logging_gap", 0, 0, "2026-10-01 06:10:00", 3600),
    # down and back inside a gap
    Incident("dpd_timeout", 0, 1, "2026-10-01 09:00:00", 600),
    Incident("logging_gap", 0, 1, "2026-10-01 08:50:00", 1800),
]


@pytest.fixture(scope="module")
def gapped():
    result = simulate_logs(START, END, connections=1, seed=3, incidents=GAP_INCIDENTS)
    result.events = vl.parse_records(result.records)
    return result


def test_recovery_inside_a_gap_reads_down_until_the_next_record(gapped) -> None:
    ip = _ips(gapped, 0)[0]
    down0, back = _ts("2026-10-01 06:00"), _ts("2026-10-01 06:30")
    gap_end = _ts("2026-10-01 07:10")
    truth = gapped.truth[gapped.truth.tunnel_ip == ip]
    assert truth[truth.state == "down"][["start", "end"]].values.tolist() == [[down0, back]]
    seen = gapped.observable_truth()
    seen = seen[seen.tunnel_ip == ip]
    assert seen[seen.state == "down"][["start", "end", "cause"]].values.tolist() == [
        [down0, gap_end, "dpd_timeout"]
    ]
    states = tunnel_states(gapped.events, start=gapped.start, end=gapped.end)
    assert_frame_equal(plain_states(states[COLS]), plain_states(gapped.observable_truth()[COLS]))
    # The metric follows the real state: it shows the recovery no record logged.
    metrics = simulate_metrics(gapped).metrics
    state = metrics[(metrics.tunnel_ip == ip) & (metrics.metric == "TunnelState")]
    state = state.set_index("time")["value"]
    assert (state[back : gap_end - pd.Timedelta(minutes=1)] == 1.0).all()
    assert (state[down0 : back - pd.Timedelta(minutes=1)] == 0.0).all()


def test_outage_inside_a_gap_is_not_seen(gapped) -> None:
    ip = _ips(gapped, 0)[1]
    down0, back = _ts("2026-10-01 09:00"), _ts("2026-10-01 09:10")
    truth = gapped.truth[gapped.truth.tunnel_ip == ip]
    assert truth[truth.state == "down"][["start", "end"]].values.tolist() == [[down0, back]]
    # The last record before the gap said up; the 30-min gap is shorter than stale_after,
    # and logging resumes with an up record: the log shows no outage at all.
    seen = gapped.observable_truth()
    assert (seen[seen.tunnel_ip == ip].state == "up").all()
    # With a stale_after shorter than the gap, its end is unknown, not down.
    short = gapped.observable_truth(stale_after="10min")
    short = short[short.tunnel_ip == ip]
    assert set(short.state) == {"up", "unknown"}
    unknown = short[short.state == "unknown"]
    assert len(unknown) == 1 and unknown.end.item() == _ts("2026-10-01 09:20")
    r = _records(gapped, ip)
    last = r.time[r.time < _ts("2026-10-01 08:50")].max()
    assert unknown.start.item() == last + pd.Timedelta(minutes=10)


def test_gap_records_are_absent_and_json_states_match(gapped) -> None:
    for inc in (GAP_INCIDENTS[1], GAP_INCIDENTS[3]):
        g0, g1 = _span(inc)
        ip = _ips(gapped, 0)[int(inc.tunnel)]
        r = gapped.records[gapped.records.log_stream.str.contains(f"-{ip}-")]
        assert not r.time.between(g0, g1, inclusive="left").any()
        states = [json.loads(m)["ike_phase1_state"] for m in r.message]
        assert states == _records(gapped, ip).phase1.tolist()
