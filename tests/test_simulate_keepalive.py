"""Tests of the simulator's NAT-T keep-alives and real-log variety (opt-in realism)."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from vpnlog_analytics import read_logs
from vpnlog_analytics.simulate import Incident, simulate_logs

START, END = "2026-10-01", "2026-10-02"
INCIDENTS = [
    Incident("dpd_timeout", 0, 0, "2026-10-01 03:00:00", 600),
    Incident("ts_unacceptable", 0, 1, "2026-10-01 05:00:00", 900),
    Incident("both_down", 1, "both", "2026-10-01 09:00:00", 700),
    Incident("cgw_delete", 1, 0, "2026-10-01 14:00:00", 20),
    Incident("logging_gap", 0, 0, "2026-10-01 18:00:00", 1800),
]
_SEQ = re.compile(r"sequence number (\d+)")


def _sim(**kw):
    return simulate_logs(
        START, END, connections=2, seed=11, incidents=INCIDENTS, ike_versions=("v2", "v1"), **kw
    )


@pytest.fixture(scope="module")
def plain():
    return _sim()


@pytest.fixture(scope="module")
def real():
    return _sim(nat_t=True, varied=True)


def _details(sim) -> pd.Series:
    return sim.records["message"].map(lambda m: json.loads(m)["details"])


def test_truth_rekeys_and_incidents_do_not_change(plain, real):
    pd.testing.assert_frame_equal(plain.truth, real.truth)
    pd.testing.assert_frame_equal(plain.incidents, real.incidents)
    pd.testing.assert_frame_equal(
        plain.rekeys.drop(columns="request_id"), real.rekeys.drop(columns="request_id")
    )
    assert plain.keepalives.empty
    # the only records added are keep-alives; every other record keeps its time
    keep = ~_details(real).str.contains("DPD (?:request|ACK)", regex=True)
    assert real.records.loc[keep, "time"].tolist() == plain.records["time"].tolist()


def test_keepalive_records_are_up_and_say_nat_t(real):
    details = _details(real)
    dpd = details.str.contains("DPD (?:request|ACK)", regex=True).to_numpy()
    states = real.states.loc[real.records.index[dpd]]
    assert len(states) > 30_000  # ~3 lines every 10 s on 4 tunnels for a day, minus outages
    assert (states.phase1 == "established").all() and (states.phase2 == "established").all()
    records = [json.loads(m) for m in real.records["message"]]
    assert all(r["nat_t_detected"] is True for r in records)
    packets = details[details.str.contains("packet:")]
    assert packets.str.contains(r"\[UDP 4500\].*\[UDP 4500\]", regex=True).all()


def test_sequence_numbers_are_consistent(real):
    ka = real.keepalives
    details = _details(real)
    for (vpn, ip), g in ka.groupby(["vpn_connection_id", "tunnel_ip"], sort=False):
        stream = f"{vpn}-{ip}-IKE.log"
        mine = details[real.records.log_stream == stream]
        times = real.records.time[mine.index]
        sent = mine.str.startswith("AWS tunnel is sending a DPD request with sequence number")
        acks = mine.str.startswith("CGW sent DPD ACK")
        sent_seq = mine[sent].str.extract(_SEQ)[0].astype("int64").tolist()
        ack_seq = mine[acks].str.extract(_SEQ)[0].astype("int64").tolist()
        # the table is the log: every request, in order, with its time
        assert sent_seq == g.sequence.tolist()
        assert times[sent[sent].index].tolist() == g.time.tolist()
        # every ACK answers a request of the same tunnel, within a second, once
        acked = g[g.ack_time.notna()]
        assert sorted(ack_seq) == sorted(acked.sequence.tolist())
        lag = (acked.ack_time - acked.time).dt.total_seconds()
        assert lag.isin([0, 1]).all()
        # within one IKE SA the sequence increments by one every ~10 s
        step = np.diff(g.sequence.to_numpy(dtype="int64"))
        gap = np.diff(g.time.astype("int64").to_numpy()) / 1e9
        same_sa = step == 1
        assert same_sa.mean() > 0.99
        assert set(gap[same_sa]) <= {10.0, 11.0} | set(gap[same_sa & (gap > 600)])


def test_acks_go_missing_only_once_the_peer_is_lost(real):
    """The gateway is lost one DPD timeout (the tunnel's ``dpd_timeout_s``, 40 s by
    default) before the DPD record: requests from then on go unanswered, none before."""
    ka = real.keepalives
    missing = ka[ka.ack_time.isna()]
    assert len(missing) > 0
    timeout = real.tunnels.set_index("tunnel_ip").dpd_timeout_s
    assert (timeout == 40).all()
    dpd = real.dpd_timeouts
    assert len(dpd) >= 3
    assert ((dpd.declared - dpd.peer_lost).dt.total_seconds() == 40).all()
    for row in missing.itertuples():
        mine = dpd[dpd.tunnel_ip == row.tunnel_ip]
        assert ((mine.peer_lost <= row.time) & (row.time < mine.declared)).any(), row
    # every DPD timeout has unanswered requests just before it, and no ACK after the loss
    for d in dpd.itertuples():
        mine = ka[(ka.tunnel_ip == d.tunnel_ip) & (ka.time < d.declared)]
        before = mine[mine.time >= d.peer_lost]
        assert len(before) >= 3 and before.ack_time.isna().all(), d
        assert not (mine.ack_time >= d.peer_lost).any()


def test_a_new_ike_sa_restarts_the_sequence_and_phase1_outages_keep_it(real):
    ka = real.keepalives
    tunnel0 = real.tunnels.tunnel_ip[0]  # dpd_timeout at 03:00
    tunnel1 = real.tunnels.tunnel_ip[1]  # ts_unacceptable at 05:00 (Phase 1 stays up)
    g0 = ka[ka.tunnel_ip == tunnel0]
    before = g0[g0.time < "2026-10-01 03:00"].sequence.iloc[-1]
    after = g0[g0.time > "2026-10-01 03:10"].sequence.iloc[0]
    assert after != before + 1
    g1 = ka[ka.tunnel_ip == tunnel1]
    before = g1[g1.time < "2026-10-01 05:00"].sequence.iloc[-1]
    after = g1[g1.time > "2026-10-01 05:15"].sequence.iloc[0]
    assert after == before + 1


def test_variety_makes_messages_distinct(plain, real):
    share_plain = _details(plain).nunique() / len(plain.records)
    share_real = _details(real).nunique() / len(real.records)
    assert share_real >= 0.5 > share_plain
    sizes = _details(real).str.extract(r"\((\d+) bytes\)")[0].dropna().astype(int)
    assert sizes.nunique() > 20 and (sizes % 4 == 0).all() and sizes.min() >= 60


def test_loader_reads_the_sequence_and_the_same_states(real, tmp_path):
    real.write(tmp_path, "raw")
    events = read_logs(tmp_path)
    assert len(events) == len(real.records)
    seq = events["dpd_sequence"]
    has = events.details.astype(str).str.contains("sequence number")
    assert seq[has].notna().all() and seq[~has].isna().all()
    requests = events[events.details.astype(str).str.startswith("AWS tunnel is sending a DPD")]
    got = requests[["tunnel_ip", "dpd_sequence"]].astype({"tunnel_ip": str, "dpd_sequence": int})
    want = real.keepalives[["tunnel_ip", "sequence"]].astype({"sequence": int})
    assert sorted(map(tuple, got.to_numpy().tolist())) == sorted(
        map(tuple, want.to_numpy().tolist())
    )
    assert events.nat_t_detected.all()


def test_nat_t_per_tunnel_and_bad_values():
    sim = simulate_logs(START, "2026-10-01 02:00", connections=1, nat_t=[True, False])
    assert set(sim.keepalives.tunnel_ip) == {sim.tunnels.tunnel_ip[0]}
    with pytest.raises(ValueError, match="nat_t"):
        simulate_logs(START, END, connections=1, nat_t=[True])
    with pytest.raises(ValueError, match="dpd_interval"):
        simulate_logs(START, END, connections=1, nat_t=True, dpd_interval=0)
