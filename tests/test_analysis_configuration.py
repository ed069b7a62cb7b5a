"""Tunnel options observed in the logs, and drift against the configured options.

The events are written by hand; every expected figure is read off the timeline below
(times in seconds after midnight in the comments):

Tunnel T1 (IKEv2, default options: AWS rekeys 3,600 - 270 * (1 + u) = 3,060..3,330 s
after each SA):
- 00:00:00 SA established (0)
- 00:53:00 AWS rekeys (3,180 s after the SA)           -> aws, 3180
- 01:44:40 the gateway rekeys (3,100 s)                -> cgw, 3100
- 02:38:00 both send a request in the same second, the SA at 02:38:01 (3,201 s) -> both
- 03:00:00 last packet received, 03:00:41 DPD timeout (41 s after the last sign of life)
- 03:30:00 the gateway's packet arrives first, SA at 03:30:01: an establishment, no rekey
- 04:21:41 AWS rekeys (3,100 s after the new SA)      -> aws, 3100

Tunnel T2: only the gateway rekeys, every 2,600 s (00:43:20, 01:26:40): its lifetime is
shorter than AWS's earliest rekey (3,060 s), so AWS's own rekey time never shows.
"""

from __future__ import annotations

import pandas as pd
import pytest
from analysis_fixtures import (
    CGW_DELETE,
    DOWN,
    DPD,
    DPD_V1,
    NEG,
    REKEY,
    T1,
    T2,
    T3,
    UP,
    VPN_A,
    make_events,
    req_received,
    req_sent,
    resp_received,
    resp_sent,
)

from vpnlog_analytics.analysis import diagnose
from vpnlog_analytics.analysis.configuration import (
    AGREES,
    DIFFERS,
    HIDDEN,
    NO_EVIDENCE,
    observed_options,
    option_drift,
    rekey_intervals,
)
from vpnlog_analytics.errors import OptionError
from vpnlog_analytics.io.tunnel_options import tunnel_options_frame

SA = (
    "AWS tunnel Phase 2 SA is established with inbound SPI: 0x{:08x}: outbound SPI: 0x{:08x}: "
    "traffic selectors: 0.0.0.0/0 === 0.0.0.0/0"
)
RECEIVED = "received packet: from cgw-0123abcd [UDP 500] to 1.1.1.1 [UDP 500] (76 bytes)"
D = "2026-10-05 "


def _sa(n: int) -> str:
    return SA.format(n, n + 1)


def _timeline() -> pd.DataFrame:
    rows = [
        (D + "00:00:00", VPN_A, T1, *UP, _sa(1)),
        (D + "00:53:00", VPN_A, T1, *REKEY, req_sent(1)),
        (D + "00:53:00", VPN_A, T1, *REKEY, resp_received(1)),
        (D + "00:53:00", VPN_A, T1, *UP, _sa(3)),
        (D + "01:44:40", VPN_A, T1, *REKEY, req_received(2)),
        (D + "01:44:40", VPN_A, T1, *REKEY, resp_sent(2)),
        (D + "01:44:40", VPN_A, T1, *UP, _sa(5)),
        (D + "02:38:00", VPN_A, T1, *REKEY, req_sent(3)),
        (D + "02:38:00", VPN_A, T1, *REKEY, req_received(4)),
        (D + "02:38:01", VPN_A, T1, *UP, _sa(7)),
        (D + "03:00:00", VPN_A, T1, *UP, RECEIVED),
        (D + "03:00:41", VPN_A, T1, *DOWN, DPD),
        (D + "03:30:00", VPN_A, T1, *NEG, RECEIVED),
        (D + "03:30:01", VPN_A, T1, *UP, _sa(9)),
        (D + "04:21:41", VPN_A, T1, *REKEY, req_sent(5)),
        (D + "04:21:41", VPN_A, T1, *REKEY, resp_received(5)),
        (D + "04:21:41", VPN_A, T1, *UP, _sa(11)),
        (D + "00:00:00", VPN_A, T2, *UP, _sa(21)),
        (D + "00:43:20", VPN_A, T2, *REKEY, req_received(1)),
        (D + "00:43:20", VPN_A, T2, *UP, _sa(23)),
        (D + "01:26:40", VPN_A, T2, *REKEY, req_received(2)),
        (D + "01:26:40", VPN_A, T2, *UP, _sa(25)),
        (D + "04:30:00", VPN_A, T2, *UP, RECEIVED),
    ]
    return make_events(rows)


def _options(**set_on_t1: object) -> pd.DataFrame:
    t1 = {"OutsideIpAddress": T1, **set_on_t1}
    conn = {"VpnConnectionId": VPN_A, "Options": {"TunnelOptions": [t1, {"OutsideIpAddress": T2}]}}
    return tunnel_options_frame([conn])


def test_rekey_intervals_by_initiator_and_interval() -> None:
    table = rekey_intervals(_timeline())
    t1 = table[table.tunnel_ip == T1]
    assert list(t1.initiator) == ["aws", "cgw", "both", "aws"]
    assert list(t1.interval_s) == [3180, 3100, 3201, 3100]
    assert list(t1.collisions) == [False, False, True, False]
    t2 = table[table.tunnel_ip == T2]
    assert list(t2.initiator) == ["cgw", "cgw"] and list(t2.interval_s) == [2600, 2600]


def test_observed_options_per_tunnel() -> None:
    obs = observed_options(_timeline()).set_index("tunnel_ip")
    t1 = obs.loc[T1]
    assert (t1.rekeys, t1.aws_rekeys, t1.cgw_rekeys, t1.collisions) == (4, 2, 1, 1)
    assert (t1.aws_interval_min_s, t1.aws_interval_median_s, t1.aws_interval_max_s) == (
        3100,
        3140,
        3180,
    )
    assert t1.cgw_interval_median_s == 3100
    assert t1.dpd_timeouts == 1 and t1.dpd_delay_median_s == 41
    assert t1.aws_initiated_after_dpd == 0  # the gateway's packet came first
    assert t1.ike_versions_seen == "v2" and not t1.nat_t
    # the SA at 00:00:00 has no record before it: its initiator is not in the log; the one
    # at 03:30:01 follows the gateway's packet
    assert (t1.establishments, t1.aws_establishments, t1.cgw_establishments) == (2, 0, 1)
    t2 = obs.loc[T2]
    assert t2.aws_rekeys == 0 and pd.isna(t2.aws_interval_median_s) and t2.dpd_timeouts == 0
    assert (t2.establishments, t2.aws_establishments, t2.cgw_establishments) == (1, 0, 0)


SENT = "sending packet: from 1.1.1.1 [UDP 500] to cgw-0123abcd [UDP 500] (604 bytes)"
P1_UP = "AWS tunnel Phase 1 SA is established with cgw: 203.0.113.9"


def _selected(phase: int) -> str:
    return f"AWS tunnel has selected proposals for Phase {phase} SA"


def _quick_mode(kind: str, i: int) -> str:
    return f"AWS tunnel {kind} (id={i}) for Quick Mode"


def _establishing() -> pd.DataFrame:
    """Who starts each negotiation that makes an SA anew (a rekey is not one).

    T1 (IKEv2, AWS restarts after DPD):
    - 00:00:00 the gateway's packet, AWS's answer, phase 1 up; SA at 00:00:01 -> cgw
    - 00:53:00 AWS rekeys: a rekey, no establishment
    - 01:30:00 DPD timeout; AWS tries at 01:30:05 and 01:31:20, unanswered
    - 01:33:00 AWS sends, the gateway answers; SA at 01:33:01 -> aws (AWS's 01:31:20
      attempt is 100 s before the negotiation: more than 30 s, not part of it)

    T2 (IKEv1):
    - 00:00:00 AWS sends first, its Quick Mode request; SA at 00:00:01 -> aws
    - 02:00:00 the gateway deletes the IKE SA; 02:00:10 its packet, its Quick Mode
      request; SA at 02:00:11 -> cgw; a second SA at 02:00:12 is the same negotiation's
    - 03:00:00 DPD timeout; an SA at 03:00:30 with no negotiation record between: an
      establishment whose initiator the log does not show
    """
    neg = [
        ("00:00:00", T1, NEG, RECEIVED),
        ("00:00:00", T1, NEG, SENT),
        ("00:00:00", T1, NEG, _selected(1)),
        ("00:00:00", T1, NEG, P1_UP),
        ("00:00:00", T1, NEG, _selected(2)),
        ("00:00:01", T1, UP, _sa(1)),
        ("00:53:00", T1, REKEY, req_sent(1)),
        ("00:53:00", T1, REKEY, resp_received(1)),
        ("00:53:00", T1, UP, _sa(3)),
        ("01:30:00", T1, DOWN, DPD),
        ("01:30:05", T1, NEG, SENT),
        ("01:31:20", T1, NEG, SENT),
        ("01:33:00", T1, NEG, SENT),
        ("01:33:00", T1, NEG, RECEIVED),
        ("01:33:00", T1, NEG, _selected(1)),
        ("01:33:00", T1, NEG, P1_UP),
        ("01:33:00", T1, NEG, _selected(2)),
        ("01:33:01", T1, UP, _sa(5)),
        ("00:00:00", T2, NEG, SENT),
        ("00:00:00", T2, NEG, RECEIVED),
        ("00:00:00", T2, NEG, _selected(1)),
        ("00:00:00", T2, NEG, _quick_mode("is sending request", 7)),
        ("00:00:00", T2, NEG, _quick_mode("processed response", 7)),
        ("00:00:00", T2, NEG, _selected(2)),
        ("00:00:01", T2, UP, _sa(21)),
        ("02:00:00", T2, DOWN, CGW_DELETE),
        ("02:00:10", T2, NEG, RECEIVED),
        ("02:00:10", T2, NEG, SENT),
        ("02:00:10", T2, NEG, _selected(1)),
        ("02:00:10", T2, NEG, _quick_mode("processed request", 8)),
        ("02:00:10", T2, NEG, _quick_mode("is sending response", 8)),
        ("02:00:10", T2, NEG, _selected(2)),
        ("02:00:11", T2, UP, _sa(23)),
        ("02:00:12", T2, UP, _sa(25)),
        ("03:00:00", T2, DOWN, DPD_V1),
        ("03:00:30", T2, UP, _sa(27)),
    ]
    return make_events([(D + t, VPN_A, ip, *state, text) for t, ip, state, text in neg])


@pytest.mark.parametrize(
    ("start", "t1", "t2"),
    [
        (None, (2, 1, 1), (3, 1, 1)),
        (D + "01:00:00", (1, 1, 0), (2, 0, 1)),  # from 01:00: T1's 01:33, T2's 02:00 and 03:00
    ],
)
def test_who_starts_the_negotiations_that_establish_sas(
    start: str | None, t1: tuple[int, int, int], t2: tuple[int, int, int]
) -> None:
    obs = observed_options(_establishing(), start=start).set_index("tunnel_ip")
    cols = ["establishments", "aws_establishments", "cgw_establishments"]
    assert tuple(obs.loc[T1, cols]) == t1
    assert tuple(obs.loc[T2, cols]) == t2
    assert obs.loc[T1, "aws_rekeys"] == (1 if start is None else 0)
    assert list(obs.columns[-3:]) == cols  # new columns go at the end


def _verdicts(drift: pd.DataFrame, tunnel: str) -> dict[str, tuple[object, str]]:
    mine = drift[drift.tunnel_ip == tunnel]
    return {
        p: (o, str(v)) for p, o, v in zip(mine.parameter, mine.observed, mine.verdict, strict=True)
    }


def test_drift_against_the_default_options() -> None:
    drift = option_drift(_options(), _timeline())
    t1 = _verdicts(drift, T1)
    assert t1["phase2_lifetime_s"] == (3140.0, AGREES)  # 3,180 and 3,100 in 3,060..3,330
    assert t1["gateway_phase2_rekey_s"] == (3100.0, AGREES)
    assert t1["rekey_collisions"] == (1, DIFFERS)
    assert t1["dpd_timeout_s"] == (41.0, AGREES)  # 40 s configured, 41 s seen
    assert t1["dpd_timeout_action"] == ("AWS waits", AGREES)  # clear/add: AWS waits
    assert t1["ike_versions"] == ("ikev2", DIFFERS)  # IKEv1 allowed, never used
    t2 = _verdicts(drift, T2)
    assert t2["phase2_lifetime_s"][1] == HIDDEN  # the gateway always came first
    # before AWS's 3,060 s: the gateway rekeys first, as AWS's sample configurations intend
    assert t2["gateway_phase2_rekey_s"] == (2600.0, AGREES)
    assert t2["dpd_timeout_s"][1] == NO_EVIDENCE
    note = drift[(drift.tunnel_ip == T2) & (drift.parameter == "phase2_lifetime_s")].note.iloc[0]
    assert "median 2,600 s" in note


def test_drift_when_the_options_say_otherwise() -> None:
    # a 1,800 s lifetime: AWS would rekey 1,530..1,665 s after each SA, not 3,100..3,180
    opts = _options(
        Phase2LifetimeSeconds=1800,
        RekeyMarginTimeSeconds=135,
        DpdTimeoutSeconds=120,
        DpdTimeoutAction="restart",
        IkeVersions=[{"Value": "ikev2"}],
    )
    t1 = _verdicts(option_drift(opts, _timeline()), T1)
    assert t1["phase2_lifetime_s"] == (3140.0, DIFFERS)
    assert t1["dpd_timeout_s"] == (41.0, DIFFERS)  # 41 s is not 120 s
    assert t1["dpd_timeout_action"] == ("AWS waits", DIFFERS)  # restart: AWS would start
    assert t1["ike_versions"] == ("ikev2", AGREES)


def test_drift_needs_the_options_table() -> None:
    with pytest.raises(OptionError, match="read_tunnel_options"):
        option_drift(pd.DataFrame({"tunnel_ip": [T1]}), _timeline())


def _aws_only() -> pd.DataFrame:
    """Tunnel T3: AWS starts every rekey, 3,200 s apart (in 3,060..3,330)."""
    rows = [(D + "00:00:00", VPN_A, T3, *UP, _sa(31))]
    for k, clock in enumerate(("00:53:20", "01:46:40", "02:40:00"), start=1):
        rows += [
            (D + clock, VPN_A, T3, *REKEY, req_sent(k)),
            (D + clock, VPN_A, T3, *REKEY, resp_received(k)),
            (D + clock, VPN_A, T3, *UP, _sa(31 + 2 * k)),
        ]
    return make_events(rows)


def test_findings_say_what_to_set_and_where() -> None:
    events = pd.concat([_timeline(), _aws_only()], ignore_index=True)
    events = events.sort_values(["vpn_connection_id", "tunnel_ip", "time"], kind="stable")
    conn = {
        "VpnConnectionId": VPN_A,
        "Options": {"TunnelOptions": [{"OutsideIpAddress": t} for t in (T1, T2, T3)]},
    }
    found = diagnose(events.reset_index(drop=True), options=tunnel_options_frame([conn]))
    mine = found[found.rule.astype(str).str.startswith("options_")]
    rules = {(str(r), str(t)) for r, t in zip(mine.rule, mine.tunnel_ip, strict=True)}
    # T1: 1 collision in 4 rekeys (25 % > 10 %); after its DPD timeout (clear/add) the
    # tunnel stayed down 29 min 20 s until the gateway's packet; IKEv1 allowed, unused
    assert ("options_rekey_collision", T1) in rules
    assert ("options_stays_down", T1) in rules
    assert ("options_ike_versions", T1) in rules
    # T3: AWS started all three rekeys: the gateway's lifetime is longer than AWS's
    assert ("options_gateway_lifetime", T3) in rules
    # nothing says the options are not in force: the log follows them
    assert not any(r == "options_not_in_force" for r, _ in rules)
    # T2's gateway rekeys first, which is what AWS's sample configurations intend
    assert not {r for r, t in rules if t == T2} - {"options_ike_versions"}
    down = mine[mine.rule.astype(str) == "options_stays_down"].iloc[0]
    assert "29 min 20 s" in down.evidence and "DPDTimeoutAction=restart" in down.remediation
    collision = mine[mine.rule.astype(str) == "options_rekey_collision"].iloc[0]
    assert "1 of 4 rekeys (25%)" in collision.evidence
    assert collision.first_seen == collision.last_seen == pd.Timestamp(D + "02:38:01", tz="UTC")
    assert "rekey margin of 540 s" in collision.remediation
    longer = mine[mine.rule.astype(str) == "options_gateway_lifetime"].iloc[0]
    assert longer["count"] == 3 and "3,600 s or less" in longer.remediation
    ike = mine[(mine.rule.astype(str) == "options_ike_versions") & (mine.tunnel_ip == T1)]
    assert "IKEVersions=ikev2" in ike.remediation.iloc[0]


def test_findings_when_the_log_does_not_follow_the_options() -> None:
    opts = _options(DpdTimeoutAction="restart")  # but AWS waited after the DPD timeout
    found = diagnose(_timeline(), options=opts)
    stale = found[(found.rule.astype(str) == "options_not_in_force") & (found.tunnel_ip == T1)]
    assert (
        len(stale) == 1 and "configured restart/add, observed AWS waits" in stale.evidence.iloc[0]
    )
    assert not (found.rule.astype(str) == "options_stays_down").any()  # restart: not "neither"


def test_an_interval_across_a_logging_gap_is_not_measured() -> None:
    # SA at 00:00, nothing logged for 3 h (the up state goes stale after 75 min), then a
    # rekey: an SA may have been made unseen, so the 10,800 s are no interval
    rows = [
        (D + "00:00:00", VPN_A, T3, *UP, _sa(41)),
        (D + "03:00:00", VPN_A, T3, *REKEY, req_sent(1)),
        (D + "03:00:00", VPN_A, T3, *UP, _sa(43)),
    ]
    assert rekey_intervals(make_events(rows)).interval_s.isna().all()
    assert list(rekey_intervals(make_events(rows), stale_after=None).interval_s) == [10800]


def test_dpd_timeout_is_measured_only_where_the_log_can_show_it() -> None:
    # the SA at 00:00:00 is the last logged sign of life, the DPD record 20 min later: the
    # gateway's last data packet is not in the log, so 1,200 s says nothing against 40 s
    rows = [
        (D + "00:00:00", VPN_A, T3, *UP, _sa(51)),
        (D + "00:20:00", VPN_A, T3, *DOWN, DPD),
        (D + "00:50:00", VPN_A, T3, *NEG, RECEIVED),
        (D + "00:50:01", VPN_A, T3, *UP, _sa(53)),
    ]
    conn = {"VpnConnectionId": VPN_A, "Options": {"TunnelOptions": [{"OutsideIpAddress": T3}]}}
    drift = option_drift(tunnel_options_frame([conn]), make_events(rows))
    assert _verdicts(drift, T3)["dpd_timeout_s"] == (1200, HIDDEN)
    # T1's 41 s: within a 30 s timeout's slack it agrees; a 60 s timeout it contradicts
    assert _verdicts(option_drift(_options(DpdTimeoutSeconds=30), _timeline()), T1)[
        "dpd_timeout_s"
    ] == (41, AGREES)
    assert _verdicts(option_drift(_options(DpdTimeoutSeconds=60), _timeline()), T1)[
        "dpd_timeout_s"
    ] == (41, DIFFERS)
