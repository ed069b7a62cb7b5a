"""reconcile / logging_gaps / reconcile_summary recover the simulator's story exactly.

The expectations are computed second by second, independently of the analysis code:
from the simulation's truth (the tunnel state the logs encode), its records (when the
logs spoke: an up state is known for ``stale_after`` after a record, a down state until
the next record) and the windows the metric simulation was given
(before logging, disagreement, quiet and idle tunnels).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from vpnlog_analytics import parse_records
from vpnlog_analytics.analysis.reconcile import logging_gaps, reconcile, reconcile_summary
from vpnlog_analytics.errors import OptionError
from vpnlog_analytics.simulate.metrics import reconcile_scenario

STALE = 600


@pytest.fixture(scope="module")
def story() -> Any:
    sc = reconcile_scenario("2026-10-21")
    events = parse_records(sc.sim.records[["message", "log_stream", "log_group", "time"]])
    return sc, events


def _seconds(frame: pd.DataFrame, key: tuple[str, str], t0: int, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    part = frame[(frame.vpn_connection_id == key[0]) & (frame.tunnel_ip == key[1])]
    for a, b in zip(part["start"], part["end"], strict=True):
        lo, hi = int(a.value // 10**9) - t0, int(b.value // 10**9) - t0
        out[max(lo, 0) : max(min(hi, n), 0)] = True
    return out


def expected(sc: Any) -> pd.DataFrame:
    """Per tunnel and minute, from per-second arrays."""
    t0 = int(sc.metrics.start.value // 10**9)
    n = int((sc.metrics.end - sc.metrics.start).total_seconds())
    truth = sc.sim.truth
    rows = []
    for key in sorted(set(zip(truth.vpn_connection_id, truth.tunnel_ip, strict=True))):
        true_up = _seconds(truth[truth.state == "up"], key, t0, n)
        rec = sc.sim.records[sc.sim.records.log_stream.str.startswith(f"{key[0]}-{key[1]}-")]
        known = np.zeros(n, dtype=bool)
        secs = sorted(set((rec.time.astype("int64") // 10**9 - t0).tolist()))
        for i, r in enumerate(secs):
            nxt = secs[i + 1] if i + 1 < len(secs) else n
            # An up state is known for at most STALE after a record, a down one until
            # the next record (DESIGN.md section 4).
            known[r : min(nxt, r + STALE) if true_up[r] else nxt] = True
        metric_up = _seconds(sc.metrics.reported_up, key, t0, n)
        flow = _seconds(sc.metrics.traffic, key, t0, n)
        for m in range(n // 60):
            sl = slice(60 * m, 60 * m + 60)
            up = int((true_up[sl] & known[sl]).sum())
            down = int((~true_up[sl] & known[sl]).sum())
            rows.append(
                (*key, m, up, down, 60 - up - down, metric_up[sl].sum() / 60, flow[sl].any())
            )
    cols = ["vpn_connection_id", "tunnel_ip", "minute", "up", "down", "unknown", "state", "flow"]
    return pd.DataFrame(rows, columns=cols)


def test_points_match_the_per_second_truth(story: Any) -> None:
    sc, events = story
    got = reconcile(events, sc.metrics.metrics, stale_after=f"{STALE}s")
    want = expected(sc)
    assert len(got) == len(want) == 4 * 1440
    assert (got["log_up"].dt.total_seconds().to_numpy() == want["up"].to_numpy()).all()
    assert (got["log_down"].dt.total_seconds().to_numpy() == want["down"].to_numpy()).all()
    assert (got["log_unknown"].dt.total_seconds().to_numpy() == want["unknown"].to_numpy()).all()
    np.testing.assert_allclose(got["metric_state"], want["state"], rtol=0, atol=1e-12)
    known = want["up"] + want["down"]
    share = want["up"] / known.where(known > 0)
    status = np.where(
        known == 0,
        "logging_gap",
        np.where((share - want["state"]).abs() <= 0.05, "agree", "disagree"),
    )
    assert (got["status"].astype(str).to_numpy() == status).all()
    assert ((got["data_in"] > 0).to_numpy() == want["flow"].to_numpy()).all()


def test_the_story(story: Any) -> None:
    sc, events = story
    at, tunnels = sc.story, sc.sim.tunnels.set_index(["connection", "tunnel"])
    c1t1, c1t2 = tunnels.loc[(0, 0), "tunnel_ip"], tunnels.loc[(0, 1), "tunnel_ip"]
    c2t1, c2t2 = tunnels.loc[(1, 0), "tunnel_ip"], tunnels.loc[(1, 1), "tunnel_ip"]
    rec = reconcile(events, sc.metrics.metrics, stale_after=f"{STALE}s")
    summary = reconcile_summary(rec).set_index("tunnel_ip")
    # The disagreement: one hour on c1/t2, nowhere else.
    dis = rec[rec.status == "disagree"]
    assert set(dis.tunnel_ip) == {c1t2}
    assert dis.time.min() == at["disagree"][0] and len(dis) == 60
    assert summary.loc[c1t2, "disagreement"] == pd.Timedelta(hours=1)
    assert summary["agreement"].drop(c1t2).eq(1.0).all()
    # Idle: only c2/t2, on every up point; up without traffic: c2/t1 for 90 minutes.
    assert summary["idle"].to_dict() == {c1t1: False, c1t2: False, c2t1: False, c2t2: True}
    quiet = rec[rec.no_traffic]
    assert set(quiet.tunnel_ip) == {c2t1} and len(quiet) == 90
    assert quiet.time.min() == at["quiet"][0]
    assert summary.loc[c2t1, "no_traffic_time"] == pd.Timedelta(minutes=90)
    # Logging gaps: two hours before logging on every tunnel, and c1/t1's silence.
    gaps = logging_gaps(events, sc.metrics.metrics, stale_after=f"{STALE}s")
    before = gaps[gaps.kind == "before_logs"]
    assert len(before) == 4 and (before.duration == pd.Timedelta(hours=2)).all()
    silence = gaps[gaps.kind == "silence"]
    assert silence.tunnel_ip.tolist() == [c1t1]
    rec_c1t1 = sc.sim.records[sc.sim.records.log_stream.str.contains(c1t1)]
    last = rec_c1t1.time[rec_c1t1.time < at["gap"][0]].max()
    # The gap is the silence itself: from the last record before it to the next record.
    assert silence.start.iloc[0] == last
    assert silence.end.iloc[0] == at["gap"][1]  # the first record after the gap
    # The metric time the logs do not know starts stale_after into the silence.
    unknown = silence.duration.iloc[0] - pd.Timedelta(seconds=STALE)
    assert summary.loc[c1t1, "logging_gap"] == pd.Timedelta(hours=2) + unknown


def test_window_and_options(story: Any) -> None:
    sc, events = story
    lo = sc.metrics.start + pd.Timedelta(hours=3)
    part = reconcile(events, sc.metrics.metrics, start=lo, end=lo + pd.Timedelta(minutes=90))
    assert len(part) == 4 * 90 and part.time.min() == lo
    assert (part.status != "logging_gap").all()  # logging is on from 02:00
    with pytest.raises(OptionError, match="tolerance"):
        reconcile(events, sc.metrics.metrics, tolerance=2)
    with pytest.raises(OptionError, match="metrics table lacks"):
        reconcile(events, sc.metrics.metrics.drop(columns="period"))


def test_a_tunnel_without_logs_is_one_logging_gap(story: Any) -> None:
    sc, events = story
    only_c1 = events[events.vpn_connection_id == sc.sim.tunnels.vpn_connection_id.iloc[0]]
    gaps = logging_gaps(only_c1, sc.metrics.metrics, stale_after=f"{STALE}s")
    c2 = gaps[gaps.vpn_connection_id == sc.sim.tunnels.vpn_connection_id.iloc[2]]
    assert len(c2) == 2 and (c2.duration == pd.Timedelta(days=1)).all()
    rec = reconcile(only_c1, sc.metrics.metrics, stale_after=f"{STALE}s")
    assert (rec[rec.vpn_connection_id.isin(c2.vpn_connection_id)].status == "logging_gap").all()
