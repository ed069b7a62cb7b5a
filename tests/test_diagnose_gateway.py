"""diagnose(gateway=...): findings that use both ends, checked against the simulator's truth.

The fixture is the end-to-end one of ``test_gateway_two_sided`` (three connections, one
gateway each, strongSwan or FortiGate wording, clocks off by known offsets). Every expected
count comes from the simulator's truth (``GatewayLogs.verdicts``: who ended each outage
episode, whose DPD gave up first, restarts, failures only AWS logged; ``truth``: each
line's meaning; ``offsets``), never from the analysis' output.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from two_sided import build

import vpnlog_analytics as vl
from vpnlog_analytics.analysis import diagnose
from vpnlog_analytics.analysis.gateway import FAILURES, NEAREST_RULES, PAIR_RULES
from vpnlog_analytics.errors import OptionError
from vpnlog_analytics.io.gateway import read_gateway_logs
from vpnlog_analytics.io.gateway.columns import FAMILIES
from vpnlog_analytics.simulate.gateway import GatewayLogs

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
GATEWAY_RULES = {
    "path_failure",
    "gateway_restart",
    "one_sided_failure",
    "clock_skew",
    "gateway_unattached",
}
#: The family's own setting each remediation names (one per topic tested).
DPD_SETTING = {"strongswan": "dpdaction=restart", "fortigate": "set dpd on-idle"}
DELETE_SETTING = {"strongswan": "reauth=no", "fortigate": "set keylife"}
PSK_SETTING = {"strongswan": "ipsec.secrets", "fortigate": "set psksecret"}
NTP_SETTING = {"strongswan": "chrony", "fortigate": "set ntpsync enable"}


@pytest.fixture(scope="module", params=["strongswan", "fortigate"])
def case(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    out: Path = tmp_path_factory.mktemp("diagnose_gateway")
    events, logs, gw = build(out, request.param)
    found = diagnose(events, gateway=gw)
    return request.param, events, logs, gw, found, out


def _rows(f: pd.DataFrame, rule: str) -> pd.DataFrame:
    return f[f["rule"] == rule]


def _per_tunnel(f: pd.DataFrame, rule: str) -> dict[str, int]:
    rows = _rows(f, rule)
    return dict(zip(rows["tunnel_ip"].astype(str), rows["count"].astype(int), strict=True))


def _episode_lines(logs: GatewayLogs, episode: int, events: tuple[str, ...]) -> list[str]:
    t = logs.truth
    return t.loc[(t["episode"] == episode) & t["event"].isin(events), "line"].tolist()


# --- without the gateway's log nothing changes ------------------------------------------
def test_without_gateway_logs_the_findings_are_those_of_aws_alone() -> None:
    events = vl.read_logs(SAMPLES)
    before = diagnose(events)
    pd.testing.assert_frame_equal(diagnose(events, gateway=None), before)
    # the skew option means nothing without a gateway log
    pd.testing.assert_frame_equal(diagnose(events, gateway=None, gateway_skew=None), before)
    assert not set(before["rule"]) & GATEWAY_RULES


def test_the_gateway_log_adds_findings_and_never_drops_or_recounts_aws_ones() -> None:
    """The samples' connection 1 with its gateway log: every AWS-side finding is still
    there with its severity, counts and times; its text may only grow."""
    events = vl.read_logs(SAMPLES)
    gw = read_gateway_logs(SAMPLES / "gateway", tz="Europe/Berlin", tunnels=events)
    before = diagnose(events)
    after = diagnose(events, gateway=gw)
    keys = ["severity", "rule", "vpn_connection_id", "tunnel_ip", "count", "first_seen"]
    kept = before.merge(after, on=keys, how="left", suffixes=("", "_after"))
    assert kept["finding_after"].notna().all()
    assert all(a.startswith(b) for a, b in zip(kept["finding_after"], kept["finding"], strict=True))
    assert len(after) == len(before) + after["rule"].isin(GATEWAY_RULES).sum()


# --- each two-sided finding exactly where the truth has it --------------------------------
def test_path_failure_for_each_tunnel_whose_gateway_dpd_gave_up_first(case) -> None:
    family, _, logs, _, f, _ = case
    v = logs.verdicts
    first = v[(v["ended_by"] == "both") & (v["dpd_first"] == "gateway")]
    expected = first.groupby("tunnel_ip").size().to_dict()
    assert expected  # the fixture has such outages
    assert _per_tunnel(f, "path_failure") == expected
    for row in _rows(f, "path_failure").itertuples():
        mine = first[first["tunnel_ip"] == row.tunnel_ip]
        assert row.severity == "warning"
        assert row.first_seen == mine["start"].min() and row.last_seen == mine["start"].max()
        assert "the path between them failed, not the gateway" in row.finding
        assert DPD_SETTING[family] in row.remediation
        # the gateway's DPD line verbatim, for each outage
        for ep in mine["episode"]:
            assert any(line in row.evidence for line in _episode_lines(logs, ep, ("dpd_timeout",)))
        # the tunnel's DPD finding names it
        dpd = f[(f["rule"] == "dpd_timeouts") & (f["tunnel_ip"].astype(str) == row.tunnel_ip)]
        assert dpd["finding"].str.contains(rf"gave up first in {len(mine)} of them").all()
    others = f[(f["rule"] == "dpd_timeouts") & ~f["tunnel_ip"].astype(str).isin(expected)]
    assert not others["finding"].str.contains("path_failure").any()


def test_gateway_delete_quotes_the_gateways_own_delete(case) -> None:
    family, _, logs, _, f, _ = case
    v = logs.verdicts
    deleted = v[v["ended_by"] == "gateway_delete"]
    said = {
        row.tunnel_ip: lines
        for row in deleted.itertuples()
        if (lines := _episode_lines(logs, row.episode, ("delete_ike_sa_sent",)))
    }
    rows = _rows(f, "gateway_delete")
    assert sorted(rows["tunnel_ip"].astype(str)) == sorted(deleted["tunnel_ip"])
    for row in rows.itertuples():
        refined = "the gateway's log shows it sent the DELETE" in row.finding
        assert refined == (row.tunnel_ip in said)
        if refined:
            assert said[row.tunnel_ip][0] in row.evidence
            assert DELETE_SETTING[family] in row.remediation
    # a FortiGate logs no DELETE: its findings stay AWS's
    assert bool(said) == (family == "strongswan")


def test_gateway_restart_that_cut_the_connection(case) -> None:
    _, events, logs, _, f, _ = case
    v = logs.verdicts
    restarted = v[v["gateway_restart"].astype(bool)]
    per_conn = restarted.groupby(["device", "vpn_connection_id"])
    tunnels = events.groupby("vpn_connection_id", observed=True)["tunnel_ip"].nunique()
    rows = _rows(f, "gateway_restart")
    assert len(rows) == per_conn.ngroups == 1
    for (device, conn), mine in per_conn:
        row = rows[rows["vpn_connection_id"] == conn].iloc[0]
        assert row["count"] == mine["restart_at"].nunique()
        cut = mine.groupby("restart_at")["tunnel_ip"].nunique() == tunnels[conn]
        assert row["severity"] == ("error" if cut.any() else "warning")
        assert pd.isna(row["tunnel_ip"])
        assert device in row["finding"] and "customer's side" in row["finding"]
        # on AWS's clock: within the skew's uncertainty of the true boot
        assert abs(row["first_seen"] - mine["restart_at"].min()) <= pd.Timedelta(seconds=2)
        assert "not AWS's" in row["meaning"]
        down = f[(f["rule"] == "connection_down") & (f["vpn_connection_id"] == conn)]
        assert down["finding"].str.contains("the gateway restarted during it").all()


def test_one_sided_failure_where_only_aws_logged_it(case) -> None:
    family, _, logs, _, f, _ = case
    v = logs.verdicts
    only_aws = v[(v["ended_by"] == "negotiation_failure") & (v["visible_on"] == "aws")]
    assert len(only_aws)
    rows = _rows(f, "one_sided_failure")
    assert sorted(rows["tunnel_ip"].astype(str)) == sorted(only_aws["tunnel_ip"])
    for row in rows.itertuples():
        episode = only_aws[only_aws["tunnel_ip"] == row.tunnel_ip].iloc[0]
        assert row.severity == "warning"
        assert row.first_seen == episode["start"]
        assert row.finding.startswith("AWS logged ") and "the gateway did not log" in row.finding
        assert PSK_SETTING[family] in row.remediation
    named = _rows(f, "config_mismatch")
    says = named["finding"].str.contains("one_sided_failure")
    assert sorted(named.loc[says, "tunnel_ip"].astype(str)) == sorted(only_aws["tunnel_ip"])


def test_one_sided_failure_where_only_the_gateway_logged_it(
    case, request: pytest.FixtureRequest
) -> None:
    """AWS's failure records of the episodes the gateway logged too are taken out: the
    gateway's lines are then the only account, quoted with its proposals."""
    family, events, logs, gw, _, _ = case
    v = logs.verdicts
    both = v[(v["ended_by"] == "negotiation_failure") & (v["visible_on"] == "both")]
    drop = pd.Series(False, index=events.index)
    for row in both.itertuples():
        drop |= (
            (events["tunnel_ip"].astype(str) == row.tunnel_ip)
            & events["event"].astype(str).isin(FAILURES)
            & (events["time"] >= row.start - pd.Timedelta(minutes=1))
            & (events["time"] <= row.end)
        )
    f = diagnose(events[~drop], gateway=gw)
    rows = _rows(f, "one_sided_failure")
    mine = rows[rows["finding"].str.startswith("The gateway logged ")]
    assert sorted(mine["tunnel_ip"].astype(str)) == sorted(both["tunnel_ip"])
    for row in mine.itertuples():
        episode = both[both["tunnel_ip"] == row.tunnel_ip].iloc[0]
        lines = _episode_lines(logs, episode["episode"], tuple(FAILURES))
        assert 1 <= row.count <= len(lines)
        assert any(line in row.evidence for line in lines)
        configured = _episode_lines(logs, episode["episode"], ("proposals_configured",))
        offered = re.search(r"the gateway's proposals: (\S+)", row.evidence)
        if offered:
            assert any(offered.group(1) in line for line in configured)


def test_clock_skew_of_each_device_with_its_interval(case) -> None:
    family, _, logs, _, f, _ = case
    rows = _rows(f, "clock_skew")
    served = logs.truth.groupby("device")["vpn_connection_id"].unique()
    assert len(rows) == sum(len(c) for c in served)
    for device, offset in logs.offsets.items():
        mine = rows[rows["finding"].str.contains(f"Gateway {device}'s clock")]
        assert sorted(mine["vpn_connection_id"].astype(str)) == sorted(served[device])
        for row in mine.itertuples():
            low, high = map(float, re.search(r"interval (\S+) s to (\S+) s", row.evidence).groups())
            assert low <= offset.total_seconds() <= high
            assert ("ahead of" if offset > pd.Timedelta(0) else "behind") in row.finding
            big = abs(offset) > pd.Timedelta(seconds=5)
            assert row.severity == ("warning" if big else "info")
            assert NTP_SETTING[family] in row.remediation


def test_clock_skew_that_cannot_be_estimated(case) -> None:
    """One device's lines that pair with AWS's are taken out: its skew is unknown."""
    _, events, logs, gw, _, _ = case
    device = sorted(logs.offsets)[0]
    pairing = {r[1] for r in PAIR_RULES} | {r[1] for r in NEAREST_RULES}
    cut = (gw["device"].astype(str) == device) & gw["event"].astype(str).isin(pairing)
    f = diagnose(events, gateway=gw[~cut])
    rows = _rows(f, "clock_skew")
    mine = rows[rows["finding"].str.contains(f"Gateway {device}'s clock skew could not")]
    conns = logs.truth.loc[logs.truth["device"] == device, "vpn_connection_id"].unique()
    assert sorted(mine["vpn_connection_id"].astype(str)) == sorted(conns)
    assert (mine["severity"] == "warning").all()
    assert mine["meaning"].str.contains("order of the two ends' records").all()


def test_gateway_lines_of_no_aws_tunnel_are_counted_and_named(case) -> None:
    """The gateway of one connection read against the other connections' tunnels only."""
    _, events, logs, _, _, out = case
    t = logs.truth
    device = sorted(logs.offsets)[0]
    conn = t.loc[t["device"] == device, "vpn_connection_id"].iloc[0]
    others = events[events["vpn_connection_id"].astype(str) != conn]
    gw = read_gateway_logs(out / "cgw", tz="Europe/Berlin", tunnels=others)
    f = diagnose(events, gateway=gw, start="2026-09-30", end="2026-10-02")
    rows = _rows(f, "gateway_unattached")
    assert len(rows) == 1
    row = rows.iloc[0]
    # every line of that device but its daemon's start (which names no tunnel)
    mine = t[(t["device"] == device) & (t["event"] != "daemon_start")]
    assert row["count"] == len(mine)
    assert row["severity"] == "info" and pd.isna(row["vpn_connection_id"])
    for name in mine["conn"].unique():
        assert name in row["evidence"]


# --- options ---------------------------------------------------------------------------
def test_skew_applied_or_not_is_said(case) -> None:
    _, events, _, gw, _, _ = case
    none = _rows(diagnose(events, gateway=gw, gateway_skew=None), "clock_skew")
    assert none["meaning"].str.contains("compared as logged").all()
    given = _rows(diagnose(events, gateway=gw, gateway_skew="2s"), "clock_skew")
    assert given["meaning"].str.contains("corrected by the skew given").all()


def test_bad_gateway_arguments_are_refused(case) -> None:
    _, events, _, gw, _, _ = case
    with pytest.raises(OptionError, match="read_gateway_logs"):
        diagnose(events, gateway=gw.drop(columns=["raw"]))
    with pytest.raises(OptionError, match="skew="):
        diagnose(events, gateway=gw, gateway_skew="sideways")


def test_every_gateway_family_has_its_own_advice() -> None:
    from vpnlog_analytics.analysis.findings._family_advice import ANY_GATEWAY, advice_for

    for family in FAMILIES:
        assert advice_for(family) is not ANY_GATEWAY, family
    assert advice_for("panos") is ANY_GATEWAY
