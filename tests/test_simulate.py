"""Tests of the simulator: determinism, truth consistency, incidents, envelopes, samples."""

from __future__ import annotations

import base64
import csv
import gzip
import json
import re
import zlib
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from vpnlog_analytics.simulate import (
    Incident,
    TunnelConfig,
    compute_truth,
    sample_incidents,
    simulate_logs,
    write_samples,
)

UP = {"established", "rekeying"}
DAY = ("2026-10-01", "2026-10-02")
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"

# kind -> the cause the truth must give the down interval the incident starts
CAUSES = {
    "psk_mismatch": "psk_mismatch",
    "cgw_delete": "cgw_delete_ike_sa",
    "dpd_timeout": "dpd_timeout",
    "no_proposal_match": "no_proposal_match",
    "ts_unacceptable": "ts_unacceptable",
    "phase2_failed": "phase2_failed",
    "auth_failed": "auth_failed",
}

INCIDENTS = [
    Incident("dpd_timeout", 1, 0, "2026-10-01 00:00:00", 300),  # down at the first record
    Incident("psk_mismatch", 0, 0, "2026-10-01 02:00:00", 1200),
    Incident("cgw_delete", 0, 1, "2026-10-01 03:00:00", 15),
    Incident("ts_unacceptable", 2, 0, "2026-10-01 04:00:00", 600),
    Incident("dpd_flapping", 1, 1, "2026-10-01 05:00:00", 3600),
    Incident("phase2_failed", 2, 1, "2026-10-01 06:00:00", 300),
    Incident("no_proposal_match", 1, 0, "2026-10-01 08:00:00", 900),
    Incident("auth_failed", 2, 1, "2026-10-01 09:00:00", 400),
    Incident("rekey_collisions", 2, 0, "2026-10-01 10:00:00", "10h", {"probability": 0.9}),
    Incident("both_down", 0, "both", "2026-10-01 12:00:00", 600),
    Incident("logging_gap", 1, 0, "2026-10-01 14:00:00", 3600),
    Incident("dpd_timeout", 2, 1, "2026-10-01 23:50:00", 1200),  # still down at the end
]


@pytest.fixture(scope="module")
def sim():
    return simulate_logs(
        *DAY,
        connections=3,
        seed=5,
        incidents=INCIDENTS,
        ike_versions=["v2", "v1", "v2"],
        chatter=(60, 180),
        # both sides at a 30-minute child SA, AWS's margin and fuzz at their defaults
        tunnel_options=TunnelConfig(cgw_phase2_lifetime_s=1800).set_aws(phase2_lifetime_s=1800),
        bgp=True,
    )


def tunnel_ip(sim, connection, tunnel):
    t = sim.tunnels
    return t.loc[(t.connection == connection) & (t.tunnel == tunnel), "tunnel_ip"].item()


# --- the oracle: the step function, recomputed from the messages ---------------------------
def oracle_truth(sim):
    rows = []
    for r in sim.tunnels.itertuples():
        g = sim.records[sim.records.log_stream == r.log_stream]
        recs = [json.loads(m) for m in g.message]
        assert [pd.Timestamp(x["event_timestamp"], unit="s", tz="UTC") for x in recs] == list(
            g.time
        )
        ups = [x["ike_phase1_state"] in UP and x["ike_phase2_state"] in UP for x in recs]
        # all records of one second agree, so order within a second cannot matter
        per_second = pd.Series(ups).groupby(g.time.to_numpy()).nunique()
        assert (per_second == 1).all()
        current = None
        for t, up, x in zip(g.time, ups, recs, strict=True):
            if current is None or current["state"] != ("up" if up else "down"):
                if current is not None:
                    current["end"] = t
                    rows.append(current)
                current = {
                    "vpn_connection_id": r.vpn_connection_id,
                    "tunnel_ip": r.tunnel_ip,
                    "state": "up" if up else "down",
                    "start": t,
                    "end": None,
                    "details": x["details"],
                }
        current["end"] = sim.end
        rows.append(current)
    return pd.DataFrame(rows)


def test_truth_matches_the_step_function_of_the_records(sim):
    """With states carried through every silence, the log's truth is the oracle's step
    function of the records."""
    expected = oracle_truth(sim).sort_values(["vpn_connection_id", "tunnel_ip", "start"])
    carried = compute_truth(sim.states, sim.end, stale_after=None)
    got = carried.sort_values(["vpn_connection_id", "tunnel_ip", "start"])
    cols = ["vpn_connection_id", "tunnel_ip", "state", "start", "end"]
    pd.testing.assert_frame_equal(
        got[cols].reset_index(drop=True), expected[cols].reset_index(drop=True)
    )
    assert got["cause"].isna().eq(got["state"].eq("up")).all()


def _merged(truth):
    """Merge consecutive intervals of one tunnel with the same state."""
    rows = []
    for r in truth.sort_values(["vpn_connection_id", "tunnel_ip", "start"]).itertuples():
        last = rows[-1] if rows else None
        if (
            last
            and (last["tunnel_ip"], last["state"]) == (r.tunnel_ip, r.state)
            and last["end"] == r.start
        ):
            last["end"] = r.end
        else:
            rows.append(r._asdict())
    out = pd.DataFrame(rows).drop(columns="Index")
    out["cause"] = out["cause"].astype(object).where(out["cause"].notna(), None)
    return out


def test_observable_truth_reports_the_logging_gap_beyond_stale_after_as_unknown(sim):
    """The 1-hour gap on c2/t1 from 14:00: records stop before it and resume at 15:00.
    The truth knows the tunnel stayed up; from the log, with a 30-minute stale_after, the
    up state holds 30 minutes after the last record and the rest of the gap is unknown.
    With the default (75 min) the gap is too short to go unknown."""
    ip = tunnel_ip(sim, 1, 0)
    times = sim.states.loc[sim.states.tunnel_ip == ip, "time"]
    gap_start = pd.Timestamp("2026-10-01 14:00", tz="UTC")
    last, resume = times[times < gap_start].max(), times[times >= gap_start].min()
    assert resume == pd.Timestamp("2026-10-01 15:00", tz="UTC")
    assert not (sim.truth.state == "unknown").any()
    seen = sim.observable_truth(stale_after="30min")
    unknown = seen[seen.state == "unknown"]
    assert unknown[["tunnel_ip", "start", "end"]].values.tolist() == [
        [ip, last + pd.Timedelta("30min"), resume]
    ]
    assert unknown["cause"].isna().all()
    # Read as up, the unknown interval joins the up ones around it: the truth again.
    filled = _merged(seen.assign(state=seen.state.replace("unknown", "up")))
    cols = ["vpn_connection_id", "tunnel_ip", "state", "start", "end", "cause"]
    pd.testing.assert_frame_equal(
        filled[cols], sim.truth[cols].reset_index(drop=True), check_dtype=False
    )
    pd.testing.assert_frame_equal(sim.observable_truth(), sim.truth)


def test_truth_covers_the_window_without_gaps(sim):
    assert sim.truth["start"].dtype == "datetime64[ns, UTC]"
    for _, g in sim.truth.groupby(["vpn_connection_id", "tunnel_ip"]):
        g = g.sort_values("start")
        assert g["start"].iloc[0] == sim.start
        assert g["end"].iloc[-1] == sim.end
        assert (g["start"].iloc[1:].to_numpy() == g["end"].iloc[:-1].to_numpy()).all()
        assert (g["state"].to_numpy()[1:] != g["state"].to_numpy()[:-1]).all()
        assert (g["end"] > g["start"]).all()


def test_records_shape(sim):
    r = sim.records
    assert list(r.columns) == ["log_group", "log_stream", "time", "message"]
    assert r["time"].dtype == "datetime64[ns, UTC]"
    assert (r["time"].dt.microsecond == 0).all()
    assert r["time"].min() == sim.start and r["time"].max() < sim.end
    first = r[r.log_stream == sim.tunnels.log_stream[0]].iloc[0]
    keys = list(json.loads(first.message))
    assert keys == [
        "event_timestamp",
        "details",
        "dpd_enabled",
        "nat_t_detected",
        "ike_phase1_state",
        "ike_phase2_state",
    ]
    assert '{"event_timestamp":' in first.message and ", " not in first.message[:30]
    assert re.fullmatch(r"vpn-[0-9a-f]{17}-\d+\.\d+\.\d+\.\d+-(IKE|BGP)\.log", first.log_stream)
    # sorted by stream then time, first record of every IKE stream at the start
    assert r.equals(r.sort_values(["log_stream", "time"], kind="stable"))
    for stream in sim.tunnels.log_stream:
        assert r.loc[r.log_stream == stream, "time"].iloc[0] == sim.start


@pytest.mark.parametrize("inc", [i for i in INCIDENTS if i.kind in CAUSES])
def test_each_outage_incident_gives_its_down_interval(sim, inc):
    ip = tunnel_ip(sim, inc.connection, inc.tunnel)
    start = pd.Timestamp(inc.start, tz="UTC")
    end = min(start + pd.Timedelta(seconds=inc.duration), sim.end)
    t = sim.truth
    row = t[(t.tunnel_ip == ip) & (t.start == start)]
    assert len(row) == 1
    assert row.state.item() == "down"
    assert row.cause.item() == CAUSES[inc.kind]
    assert row.end.item() == end


def test_documented_texts_with_filled_placeholders(sim):
    details = Counter(json.loads(m).get("details") for m in sim.records.message)
    cgw_ip = sim.tunnels.loc[sim.tunnels.connection == 0, "cgw_ip"].iloc[0]
    assert details[f"AWS tunnel detected a pre-shared key mismatch with cgw: {cgw_ip}"] >= 40
    assert details["AWS tunnel DPD timed out after 3 retransmits"] >= 2
    assert details["Peer is not responsive - Declaring peer dead"] >= 4
    assert details["AWS tunnel received DELETE for IKE_SA from CGW"] == 1
    assert details["AWS: Traffic Selector: TS_UNACCEPTABLE: received from responder"] >= 20


def test_psk_mismatch_retries_every_10_to_30_s(sim):
    ip = tunnel_ip(sim, 0, 0)
    g = sim.records[sim.records.log_stream.str.contains(f"-{ip}-IKE")]
    psk = g[g.message.str.contains("pre-shared key mismatch")].time
    gaps = psk.diff().dropna().dt.total_seconds()
    assert gaps.between(10, 30).all() and len(psk) == pytest.approx(1200 / 20, rel=0.3)


def test_both_down_is_a_connection_outage_of_the_duration(sim):
    a, b = (sim.truth[sim.truth.tunnel_ip == tunnel_ip(sim, 0, i)] for i in (0, 1))
    overlaps = [
        (max(x.start, y.start), min(x.end, y.end))
        for x in a[a.state == "down"].itertuples()
        for y in b[b.state == "down"].itertuples()
        if max(x.start, y.start) < min(x.end, y.end)
    ]
    start = pd.Timestamp("2026-10-01 12:00:00", tz="UTC")
    assert overlaps == [(start, start + pd.Timedelta(seconds=600))]
    causes = sim.truth[(sim.truth.start <= start) & (sim.truth.end > start)]
    assert set(causes.loc[causes.vpn_connection_id == a.vpn_connection_id.iloc[0], "cause"]) == {
        "dpd_timeout"
    }


def test_dpd_flapping_gives_at_least_three_flaps_in_an_hour(sim):
    t = sim.truth[sim.truth.tunnel_ip == tunnel_ip(sim, 1, 1)]
    flaps = t[(t.state == "down") & t.state.shift().eq("up")]
    window = flaps.start.between(pd.Timestamp("2026-10-01 05:00", tz="UTC"), "2026-10-01 06:00")
    assert window.sum() >= 3
    assert (flaps.cause == "dpd_timeout").all()
    row = sim.incidents[sim.incidents.kind == "dpd_flapping"]
    assert row.notes.item() == f"{window.sum()} DPD outages"


def test_logging_gap_has_no_records_and_stays_up(sim):
    ip = tunnel_ip(sim, 1, 0)
    g0, g1 = pd.Timestamp("2026-10-01 14:00", tz="UTC"), pd.Timestamp("2026-10-01 15:00", tz="UTC")
    r = sim.records[sim.records.log_stream.str.contains(f"-{ip}-")]
    assert not r.time.between(g0, g1, inclusive="left").any()
    assert (r.time == g1).any()  # logging resumes with a record at the end of the gap
    # The tunnel's real state: up throughout.
    t = sim.truth[sim.truth.tunnel_ip == ip]
    covering = t[(t.start <= g0) & (t.end >= g1)]
    assert covering.state.tolist() == ["up"]


def test_rekeys_table_matches_the_messages(sim):
    for r in sim.tunnels.itertuples():
        details = [
            json.loads(m)["details"]
            for m in sim.records.message[sim.records.log_stream == r.log_stream]
        ]
        ids = {int(m) for d in details for m in re.findall(r"\(id=(\d+)\)", d)}
        k = sim.rekeys[sim.rekeys.tunnel_ip == r.tunnel_ip]
        assert set(k.request_id) == ids
        assert k.request_id.is_monotonic_increasing
        collisions = sum("(CHILD_REKEY) collision" in d for d in details)
        assert collisions == k.loc[k.collision, "time"].nunique()
        assert sum("redundant SA is being deleted" in d for d in details) == collisions
        if r.ike_version == "v1":
            assert collisions == 0
            assert any(re.search(r"for Quick Mode$", d) for d in details)


def test_rekey_collisions_raise_the_rate_in_their_window(sim):
    k = sim.rekeys[(sim.rekeys.tunnel_ip == tunnel_ip(sim, 2, 0)) & (sim.rekeys.purpose == "rekey")]
    inside = k.time.between(pd.Timestamp("2026-10-01 10:00", tz="UTC"), "2026-10-01 20:00")
    per_rekey = k.groupby("time").collision.first()
    rate_in = per_rekey[per_rekey.index.isin(k.time[inside])].mean()
    assert rate_in > 0.6
    assert per_rekey[~per_rekey.index.isin(k.time[inside])].mean() < 0.3
    # a collision: both sides initiate in the same second
    both = k[k.collision].groupby("time").initiator.apply(sorted)
    assert (both.apply(tuple) == ("aws", "cgw")).all()


def test_bgp_records(sim):
    bgp = sim.records[sim.records.log_stream.str.endswith("-BGP.log")]
    assert bgp.log_stream.nunique() == 6
    recs = [json.loads(m) for m in bgp.message]
    assert list(recs[0]) == [
        "resource_id",
        "event_timestamp",
        "timestamp",
        "type",
        "status",
        "message",
    ]
    assert all(len(str(x["event_timestamp"])) == 13 for x in recs)
    assert all(re.fullmatch(r"vpn-[0-9a-f]{17}_[\d.]+", x["resource_id"]) for x in recs)
    downs = sum(
        x["status"] == "DOWN" and "Established to Idle" in x["message"]["details"] for x in recs
    )
    # every IPsec outage after the session first came up ends it (not one at the start)
    t = sim.truth
    after_up = t.state.eq("down") & t.groupby(["vpn_connection_id", "tunnel_ip"]).state.shift().eq(
        "up"
    )
    assert downs == int(after_up.sum())


# --- determinism -----------------------------------------------------------------------------
def tree(path):
    return {
        str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()
    }


def test_same_seed_same_bytes_and_other_seed_differs(tmp_path):
    kw = dict(connections=2, incidents="random", chatter=(60, 200))
    a, b = simulate_logs(*DAY, seed=11, **kw), simulate_logs(*DAY, seed=11, **kw)
    c = simulate_logs(*DAY, seed=12, **kw)
    pd.testing.assert_frame_equal(a.records, b.records)
    pd.testing.assert_frame_equal(a.truth, b.truth)
    assert not a.records.message.equals(c.records.message)
    for env in ("s3_export", "firehose", "filter_log_events", "lambda_event"):
        a.write(tmp_path / "a" / env, env)
        b.write(tmp_path / "b" / env, env)
        c.write(tmp_path / "c" / env, env)
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    assert tree(tmp_path / "a") != tree(tmp_path / "c")


def test_random_incidents_are_realistic():
    sim = simulate_logs("2026-10-01", "2026-10-15", connections=3, seed=3, incidents="random")
    assert len(sim.incidents) >= 3
    assert set(sim.truth.cause.dropna()) <= set(CAUSES.values())
    assert len(oracle_truth(sim)) == len(compute_truth(sim.states, sim.end, stale_after=None))


# --- options and errors ----------------------------------------------------------------------
def test_text_output_format():
    sim = simulate_logs(*DAY, connections=1, seed=2, output_format=["text", "json"])
    text_stream = sim.tunnels.log_stream[0]
    msgs = sim.records.message[sim.records.log_stream == text_stream]
    assert msgs.str.startswith(("sending packet", "received packet", "AWS tunnel")).all()
    assert list(sim.tunnels.output_format) == ["text", "json"]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        (
            {"incidents": [Incident("meteor", 0, 0, "2026-10-01 01:00", 60)]},
            "unknown incident kind",
        ),
        ({"incidents": [Incident("ts_unacceptable", 1, 0, "2026-10-01 01:00", 60)]}, "IKEv2"),
        ({"incidents": [Incident("dpd_timeout", 0, 0, "2026-10-03", 60)]}, "outside"),
        (
            {
                "incidents": [
                    Incident("dpd_timeout", 0, 0, "2026-10-01 01:00", 600),
                    Incident("psk_mismatch", 0, 0, "2026-10-01 01:05", 600),
                ]
            },
            "overlap",
        ),
        ({"ike_versions": ["v3", "v1"]}, "ike_versions"),
        ({"incidents": "many"}, "incidents"),
    ],
)
def test_bad_arguments_raise(kwargs, error):
    with pytest.raises(ValueError, match=error):
        simulate_logs(*DAY, connections=2, **kwargs)


def test_unknown_envelope_or_option(tmp_path, sim):
    with pytest.raises(ValueError, match="allowed: raw"):
        sim.write(tmp_path, "carrier_pigeon")
    with pytest.raises(TypeError, match="max_lines_per_part"):
        sim.write(tmp_path, "s3_export", max_lines=3)


# --- envelopes: parse back with the stdlib and compare to the records ------------------------
WINDOW = ("2026-10-01 11:00", "2026-10-01 13:00")


@pytest.fixture(scope="module")
def window(sim):
    r = sim.records
    w = r[
        (r.time >= pd.Timestamp(WINDOW[0], tz="UTC")) & (r.time < pd.Timestamp(WINDOW[1], tz="UTC"))
    ]
    ms = (w.time.astype("int64") // 1_000_000).tolist()
    return Counter(zip(w.log_stream, ms, w.message, strict=True))


def ms_of(iso):
    return int(pd.Timestamp(iso, tz="UTC").value // 1_000_000)


def test_raw(sim, tmp_path, window):
    files = sim.write(tmp_path, "raw", start=WINDOW[0], end=WINDOW[1], gzip=True)
    assert {f.name for f in files} == {s + ".jsonl.gz" for s, _, _ in window}
    got = Counter()
    for f in files:
        for line in gzip.decompress(f.read_bytes()).decode().splitlines():
            json.loads(line)
            got[(f.name.removesuffix(".jsonl.gz"), line)] += 1
    assert got == Counter({(s, m): n for (s, _, m), n in window.items()})


@pytest.mark.parametrize("time_prefix", ["iso", "epoch_ms"])
def test_s3_export(sim, tmp_path, window, time_prefix):
    files = sim.write(
        tmp_path,
        "s3_export",
        start=WINDOW[0],
        end=WINDOW[1],
        time_prefix=time_prefix,
        max_lines_per_part=40,
        shuffle_lines=True,
    )
    marker = [f for f in files if f.name == "aws-logs-write-test"]
    assert len(marker) == 1 and marker[0].parent.parent.name == "exportedlogs"
    task = marker[0].parent
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", task.name
    )
    got, parts = Counter(), Counter()
    for f in files:
        if f in marker:
            continue
        assert f.parent.parent == task and re.fullmatch(r"\d{6}\.gz", f.name)
        lines = gzip.decompress(f.read_bytes()).decode().splitlines()
        assert 1 <= len(lines) <= 40
        parts[f.parent.name] += 1
        for line in lines:
            stamp, message = line.split(" ", 1)
            if time_prefix == "iso":
                assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z", stamp)
                ms = ms_of(stamp)
            else:
                ms = int(stamp)
            got[(f.parent.name, ms, message)] += 1
    assert got == window
    assert max(parts.values()) > 1  # split into 000000.gz, 000001.gz, ...


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize("time_format", ["iso", "epoch_ms"])
def test_insights(sim, tmp_path, window, fmt, time_format):
    (f,) = sim.write(
        tmp_path, f"insights_{fmt}", start=WINDOW[0], end=WINDOW[1], time_format=time_format
    )
    if fmt == "csv":
        with f.open(newline="") as fh:
            rows = list(csv.DictReader(fh))
    else:
        rows = json.loads(f.read_text())
    assert list(rows[0]) == ["@timestamp", "@message", "@logStream", "@log"]
    assert all(isinstance(v, str) for row in rows for v in row.values())
    assert rows[0]["@log"] == "123456789012:/aws/vendedlogs/vpn"
    stamps = [r["@timestamp"] for r in rows]
    if time_format == "iso":
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}", stamps[0])
        ms = [ms_of(s) for s in stamps]
    else:
        ms = [int(s) for s in stamps]
    assert ms == sorted(ms, reverse=True)  # the console's default: newest first
    got = Counter((r["@logStream"], m, r["@message"]) for r, m in zip(rows, ms, strict=True))
    assert got == window


def test_insights_discovered_fields(sim, tmp_path):
    (f,) = sim.write(
        tmp_path, "insights_csv", start=WINDOW[0], end=WINDOW[1], fields="discovered", sort="asc"
    )
    with f.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == [
        "@timestamp",
        "@logStream",
        "details",
        "ike_phase1_state",
        "ike_phase2_state",
        "dpd_enabled",
        "nat_t_detected",
        "event_timestamp",
    ]
    ike = [r for r in rows if r["@logStream"].endswith("IKE.log")]
    assert {r["dpd_enabled"] for r in ike} == {"true"}
    assert all(ms_of(r["@timestamp"]) == int(r["event_timestamp"]) * 1000 for r in ike)


def test_filter_log_events_pages(sim, tmp_path, window):
    files = sim.write(tmp_path, "filter_log_events", start=WINDOW[0], end=WINDOW[1], pages=3)
    assert [f.name for f in files] == [f"filter-log-events-000{i}.json" for i in (1, 2, 3)]
    got, ids = Counter(), set()
    for i, f in enumerate(files):
        body = json.loads(f.read_text())
        assert ("nextToken" in body) == (i < 2)
        for e in body["events"]:
            assert list(e) == ["logStreamName", "timestamp", "message", "ingestionTime", "eventId"]
            assert e["ingestionTime"] > e["timestamp"] and re.fullmatch(r"\d{56}", e["eventId"])
            got[(e["logStreamName"], e["timestamp"], e["message"])] += 1
            ids.add(e["eventId"])
    assert got == window and len(ids) == sum(window.values())
    # the same record keeps its eventId in another write (loaders dedupe on it)
    (again,) = sim.write(
        tmp_path / "again", "filter_log_events", start=WINDOW[0], end="2026-10-01 12:00"
    )
    assert {e["eventId"] for e in json.loads(again.read_text())["events"]} <= ids


def test_get_log_events(sim, tmp_path, window):
    files = sim.write(tmp_path, "get_log_events", start=WINDOW[0], end=WINDOW[1])
    got = Counter()
    for f in files:
        body = json.loads(f.read_text())
        assert set(body) == {"events", "nextForwardToken", "nextBackwardToken"}
        assert body["nextForwardToken"].startswith("f/") and body["nextBackwardToken"].startswith(
            "b/"
        )
        for e in body["events"]:
            assert set(e) == {"timestamp", "message", "ingestionTime"}
            got[(f.name.removesuffix(".json"), e["timestamp"], e["message"])] += 1
    assert got == window


def data_envelopes(payloads):
    got, control = Counter(), 0
    for env in payloads:
        if env["messageType"] == "CONTROL_MESSAGE":
            control += 1
            continue
        assert list(env) == [
            "messageType",
            "owner",
            "logGroup",
            "logStream",
            "subscriptionFilters",
            "logEvents",
        ]
        assert env["owner"] == "123456789012" and env["logGroup"] == "/aws/vendedlogs/vpn"
        for e in env["logEvents"]:
            assert set(e) == {"id", "timestamp", "message"}
            got[(env["logStream"], e["timestamp"], e["message"])] += 1
    return got, control


def test_lambda_event(sim, tmp_path, window):
    files = sim.write(
        tmp_path,
        "lambda_event",
        start=WINDOW[0],
        end=WINDOW[1],
        events_per_message=50,
        control_message=True,
    )
    payloads = []
    for f in files:
        body = json.loads(f.read_text())
        payloads.append(json.loads(gzip.decompress(base64.b64decode(body["awslogs"]["data"]))))
    got, control = data_envelopes(payloads)
    assert got == window and control == 1
    assert max(len(p["logEvents"]) for p in payloads) == 50


def gunzip_members(data):
    out = []
    while data:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out.append(json.loads(d.decompress(data)))
        data = d.unused_data
    return out


def test_firehose(sim, tmp_path, window):
    files = sim.write(tmp_path, "firehose", start=WINDOW[0], end=WINDOW[1], events_per_message=30)
    payloads = []
    for f in files:
        rel = f.relative_to(tmp_path).as_posix()
        assert re.fullmatch(
            r"firehose/2026/10/01/\d\d/vpn-logs-to-s3-1-2026-10-01-[\d-]+-[0-9a-f-]{36}", rel
        )
        members = gunzip_members(f.read_bytes())
        # concatenated, no delimiter: 8 envelopes per object (the default), the last
        # object the rest
        assert len(members) == 8 or (f == files[-1] and 1 <= len(members) < 8)
        payloads += members
    got, control = data_envelopes(payloads)
    assert got == window and control == 1


# --- the bundled samples ---------------------------------------------------------------------
def test_samples_regenerate_identically(tmp_path):
    written = write_samples(tmp_path)
    assert all(p.exists() for p in written)
    committed = {k: v for k, v in tree(SAMPLES).items()}
    assert sorted(tree(tmp_path)) == sorted(committed)
    for name, data in tree(tmp_path).items():
        assert data == committed[name], name
    assert sum(len(v) for v in committed.values()) < 4_000_000


def test_samples_tell_the_story():
    truth = pd.read_csv(SAMPLES / "truth.csv", parse_dates=["start", "end"])
    down = truth[truth.state == "down"]
    assert (down.cause == "psk_mismatch").sum() == 1
    psk = down[down.cause == "psk_mismatch"].iloc[0]
    assert 35 * 60 <= (psk.end - psk.start).total_seconds() <= 45 * 60
    assert (down.cause == "no_proposal_match").sum() == 1
    assert (down.groupby("tunnel_ip").size() >= 12).sum() == 1  # one flapping tunnel
    readme = (SAMPLES / "README.md").read_text()
    assert "python -m vpnlog_analytics.simulate samples data/samples" in readme
    assert "17 min 05 s" in readme
    # The silent site outage: both tunnels of one connection down from the same second,
    # the connection down for the incident's duration.
    (site,) = [i for i in sample_incidents() if i.kind == "site_outage"]
    t0 = pd.Timestamp(site.start, tz="UTC")
    at = down[down.start == t0]
    assert len(at) == 2 and (at.cause == "dpd_timeout").all()
    assert at.end.min() - at.start.min() == pd.Timedelta(seconds=site.duration)
    assert "5 h 04 min 41 s" in readme


def test_sample_site_outage_is_a_night_apart_from_the_other_incidents():
    incidents = sample_incidents()
    (site,) = [i for i in incidents if i.kind == "site_outage"]
    t0 = pd.Timestamp(site.start)
    t1 = t0 + pd.Timedelta(seconds=site.duration)
    assert pd.Timedelta(hours=4) <= t1 - t0 <= pd.Timedelta(hours=6)
    assert t0.hour < 6 and t1.hour < 7  # overnight
    for other in incidents:
        if other is site or other.connection != site.connection:
            continue
        if other.kind == "rekey_collisions":  # all month, only while up
            continue
        a = pd.Timestamp(other.start)
        b = a + pd.Timedelta(seconds=other.duration)
        assert b + pd.Timedelta(days=1) < t0 or a > t1 + pd.Timedelta(days=1), other
