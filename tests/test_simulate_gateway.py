"""The simulated customer gateway logs follow the AWS side exactly, up to the device clock.

Every expectation is derived from the simulation's own truth (its records, incidents, DPD
timeouts) and the gateway truth's recorded decisions, never from numbers the code computes.
"""

from __future__ import annotations

import gzip
import re

import pandas as pd
import pytest
from two_sided import simulation

from vpnlog_analytics.simulate.gateway import (
    FAMILIES,
    GATEWAY_EVENTS,
    MAX_DELAY,
    VERDICT_COLUMNS,
    gateway_logs,
    write_gateway_logs,
)

#: Largest |gateway line - AWS logged second|: the true AWS instant is within its second.
JITTER = pd.Timedelta(seconds=1 + MAX_DELAY)
SYSLOG = re.compile(r"^(\w{3}) ([ \d]\d) (\d\d:\d\d:\d\d) (\S+) charon\[(\d+)\]: (\d\d)\[(\w+)\] ")


@pytest.fixture(scope="module")
def sim():
    return simulation()


@pytest.fixture(scope="module", params=FAMILIES)
def logs(request, sim):
    return gateway_logs(
        sim, family=request.param, offset=["+3.2s", "-41.125s", None], tz="Europe/Berlin", seed=5
    )


def _aws(sim, event):
    from vpnlog_analytics.simulate.truth import cause_of

    states = sim.states.copy()
    states["event"] = [cause_of(d) for d in states["details"]]
    return states[states["event"] == event]


def test_every_line_has_its_truth_and_vocabulary(logs):
    truth = logs.truth
    assert sum(len(v) for v in logs.lines.values()) == len(truth)
    for device, lines in logs.lines.items():
        assert truth.loc[truth["device"] == device, "line"].tolist() == lines
    assert set(truth["event"]) <= set(GATEWAY_EVENTS)


def test_device_time_is_true_time_plus_offset_in_its_zone(logs):
    truth = logs.truth
    offsets = truth["device"].map(logs.offsets)
    assert (truth["device_time"] - truth["utc_time"] == offsets).all()
    assert all(str(t.tz) == "Europe/Berlin" for t in truth["device_time"])
    # lines come in device order
    for _, group in truth.groupby("device"):
        assert group["utc_time"].is_monotonic_increasing


def test_strongswan_stamp_is_local_device_time_without_year_or_zone(sim):
    logs = gateway_logs(sim, family="strongswan", offset="+3.2s", seed=5)
    for row in logs.truth.itertuples():
        m = SYSLOG.match(row.line)
        assert m, row.line
        stamp = f"{m.group(1)} {m.group(2)} {m.group(3)}"
        assert stamp == row.device_time.strftime("%b ") + f"{row.device_time.day:>2} " + (
            row.device_time.strftime("%H:%M:%S")
        )
        assert "2026" not in row.line[:16] and "+0" not in row.line[:16]
        assert m.group(4) == row.device


def test_fortigate_tz_and_eventtime_agree_with_date_and_time(sim):
    logs = gateway_logs(sim, family="fortigate", offset="-41.125s", seed=5)
    assert len(logs.truth)
    for row in logs.truth.itertuples():
        fields = dict(re.findall(r'(\w+)=("[^"]*"|\S+)', row.line))
        clock = pd.Timestamp(int(fields["eventtime"]), unit="ns", tz="UTC")
        assert clock == row.utc_time + logs.offsets[row.device]
        local = clock.tz_convert("Europe/Berlin")
        assert fields["tz"].strip('"') == local.strftime("%z")
        assert fields["date"] == local.strftime("%Y-%m-%d")
        assert fields["time"] == local.strftime("%H:%M:%S")


def test_aws_spis_appear_reversed_on_the_gateway_within_jitter(sim):
    logs = gateway_logs(sim, family="strongswan", seed=5)
    truth = logs.truth
    up = _aws(sim, "phase2_sa_established")
    gone = _dead_or_unreachable(sim)
    checked = 0
    for idx, row in up.iterrows():
        aws_in, aws_out = re.findall(r"0x([0-9a-f]{8})", row["details"])[:2]
        if any(a <= row["time"] < b for a, b in gone.get(row["tunnel_ip"], [])):
            continue
        text = f"with SPIs {aws_out}_i {aws_in}_o"
        mine = truth[truth["line"].str.contains(text, regex=False)]
        assert len(mine) == 1, text
        line = mine.iloc[0]
        assert line["aws_index"] == idx and line["tunnel_ip"] == row["tunnel_ip"]
        device_clock = line["device_time"].tz_convert("UTC")
        assert abs(device_clock - logs.offsets[line["device"]] - row["time"]) <= JITTER
        assert (line["spi_in"], line["spi_out"]) == (aws_out, aws_in)
        checked += 1
    assert checked == len(up)


def _dead_or_unreachable(sim):
    """Per tunnel: from the peer's loss to the renegotiation (nothing answered there)."""
    out: dict[str, list] = {}
    for r in sim.dpd_timeouts.itertuples():
        down = sim.truth[
            (sim.truth["tunnel_ip"] == r.tunnel_ip) & (sim.truth["start"] == r.declared)
        ]
        out.setdefault(r.tunnel_ip, []).append(
            (r.peer_lost, down["end"].iloc[0] - pd.Timedelta(1, "s"))
        )
    return out


def test_gateway_deletes_precede_the_aws_record(sim):
    logs = gateway_logs(sim, family="strongswan", seed=5)
    truth = logs.truth
    for event, aws_event in (
        ("delete_ike_sa_sent", "cgw_delete_ike_sa"),
        ("delete_child_sa_sent", "cgw_delete_child_sa"),
    ):
        aws = _aws(sim, aws_event)
        sent = truth[truth["event"] == event]
        assert len(sent) == len(aws) > 0
        for row in sent.itertuples():
            lead = row.aws_true_time - row.utc_time
            assert pd.Timedelta(0) < lead <= pd.Timedelta(seconds=MAX_DELAY)
            assert row.aws_time == sim.records.loc[row.aws_index, "time"]
            assert row.aws_true_time.floor("s") == row.aws_time
            assert row.device_time == row.utc_time + logs.offsets[row.device]
        # the child delete names the gateway's inbound SPI, which AWS logs as received
        for row in sent[sent["event"] == "delete_child_sa_sent"].itertuples():
            details = sim.states.loc[row.aws_index - 1, "details"]
            assert row.spi_in in details and row.line.endswith(row.spi_in)


@pytest.mark.parametrize("family", FAMILIES)
def test_power_loss_is_silence_then_a_daemon_start(sim, family):
    logs = gateway_logs(sim, family=family, seed=5)
    site = sim.incidents[sim.incidents["kind"] == "site_outage"].iloc[0]
    lost = sim.dpd_timeouts[sim.dpd_timeouts["declared"] == site["start"]]["peer_lost"].iloc[0]
    verdicts = logs.verdicts[logs.verdicts["kind"] == "site_outage"]
    assert len(verdicts) == 2 and verdicts["gateway_restart"].all()
    assert (verdicts["ended_by"] == "aws_dpd").all() and (verdicts["visible_on"] == "aws").all()
    boot = verdicts["restart_at"].iloc[0]
    device = verdicts["device"].iloc[0]
    mine = logs.truth[logs.truth["device"] == device]
    assert not ((mine["utc_time"] >= lost) & (mine["utc_time"] < boot)).any()
    starts = mine[mine["event"] == "daemon_start"]
    assert starts["utc_time"].tolist() == [boot]
    after = mine[mine["utc_time"] > boot]
    first_back = verdicts["end"].min() - pd.Timedelta(seconds=1)
    assert boot < first_back and after["utc_time"].min() >= boot
    if family == "strongswan":
        assert "Starting IKE charon daemon (strongSwan 5.9" in starts["line"].iloc[0]
        assert "<" not in starts["line"].iloc[0].split("]: ")[1]
        # IKE_SA numbers start again at 1 after the restart
        ids = after["line"].str.extract(r"IKE_SA aws-c1-t\d\[(\d+)\]")[0].dropna().astype(int)
        assert ids.iloc[0] == 1
    else:
        assert 'logid="0100032009"' in starts["line"].iloc[0]


def test_verdicts_agree_with_the_lines(sim, logs):
    v = logs.verdicts
    assert list(v.columns) == list(VERDICT_COLUMNS)
    down = sim.truth[sim.truth["state"] == "down"]
    assert len(v) == len(down)
    truth = logs.truth
    for row in v.itertuples():
        mine = truth[truth["episode"] == row.episode]
        if row.kind == "cgw_delete":
            assert row.ended_by == "gateway_delete" and row.visible_on == "both"
        if row.path_failure:
            assert row.ended_by == "both"
            gave_up = mine[mine["event"] == "dpd_timeout"]
            assert gave_up["utc_time"].tolist() == [row.gateway_dpd_at]
            assert row.aws_dpd_at == row.start
            lead = (row.aws_dpd_at - row.gateway_dpd_at).total_seconds()
            assert row.dpd_lead_s == pytest.approx(lead)
            assert row.dpd_first == ("gateway" if lead > 0 else "aws")
            lost = sim.dpd_timeouts[
                (sim.dpd_timeouts["tunnel_ip"] == row.tunnel_ip)
                & (sim.dpd_timeouts["declared"] == row.start)
            ]["peer_lost"].iloc[0]
            assert lost < row.gateway_dpd_at < row.end - pd.Timedelta(seconds=1)
        if row.visible_on == "both":
            assert row.gateway_reason in set(mine["line"])
        else:
            assert row.gateway_reason is None
    assert set(v["ended_by"]) >= {"gateway_delete", "aws_dpd", "both", "negotiation_failure"}


def test_failures_seen_on_one_side_only(sim):
    """IKEv1 PSK: the gateway only retransmits; IKEv2 PSK: it is told AUTHENTICATION_FAILED."""
    logs = gateway_logs(sim, family="strongswan", seed=5)
    v = logs.verdicts.set_index("tunnel_ip")
    psk = sim.incidents[sim.incidents["kind"] == "psk_mismatch"]
    versions = sim.tunnels.set_index("tunnel_ip")["ike_version"]
    for ip in psk["tunnel_ip"]:
        row = v.loc[ip]
        if versions[ip] == "v1":
            assert row["visible_on"] == "aws"
        else:
            assert row["visible_on"] == "both"
            assert row["gateway_reason"].endswith("received AUTHENTICATION_FAILED notify error")


def test_same_seed_same_bytes(sim, tmp_path):
    a = write_gateway_logs(sim, tmp_path / "a", family="fortigate", seed=9, compress=True)
    b = write_gateway_logs(sim, tmp_path / "b", family="fortigate", seed=9, compress=True)
    assert (
        [p.name for p in a]
        == [p.name for p in b]
        == [
            "fortigate-fgt1.log.gz",
            "fortigate-fgt2.log.gz",
            "fortigate-fgt3.log.gz",
        ]
    )
    for x, y in zip(a, b, strict=True):
        assert x.read_bytes() == y.read_bytes()
    logs = gateway_logs(sim, family="fortigate", seed=9)
    text = gzip.decompress(a[0].read_bytes()).decode()
    assert text == "".join(line + "\n" for line in logs.lines["fgt1"])
    c = write_gateway_logs(logs, tmp_path / "c")
    assert [p.name for p in c] == [p.name.removesuffix(".gz") for p in a]
    assert not list((tmp_path / "c").glob(".*"))
    other = gateway_logs(sim, family="fortigate", seed=10)
    assert other.lines != logs.lines


def test_dpd_runs_on_the_established_ike_sa_and_new_attempts_are_new_sas(sim):
    """A path failure: the DPD requests and the give-up carry the IKE_SA number (``<conn|N>``)
    of the SA the tunnel last established; every attempt after it is a new number (a real
    charon numbers each IKE_SA once). The reader tells a DPD timeout from a phase 1 timeout
    by exactly this."""
    logs = gateway_logs(sim, family="strongswan", offset=0, tz="UTC", seed=5)
    uid = re.compile(r"<([^|>]+)\|(\d+)> (.*)$")
    for lines in logs.lines.values():
        established: dict[str, str] = {}
        seen: dict[str, set[str]] = {}
        checked = 0
        for line in lines:
            m = uid.search(line)
            if not m:
                continue
            conn, n, text = m.groups()
            if text.startswith("CHILD_SA ") and " established with SPIs " in text:
                established[conn] = n
            elif text.startswith("sending DPD request") and conn in established:
                assert n == established[conn], line
                checked += 1
            elif text.startswith("initiating IKE_SA"):
                assert n not in seen.get(conn, set()), line
            seen.setdefault(conn, set()).add(n)
        if any("sending DPD request" in x for x in lines):
            assert checked
