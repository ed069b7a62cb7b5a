"""Overlap, order and schema of the events table (DESIGN.md §2), and round trips through
every envelope the simulator writes.
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections import Counter

import pandas as pd
import pytest
from conftest import DATA

from vpnlog_analytics import parse_records, read_logs
from vpnlog_analytics.schema import events_dtypes
from vpnlog_analytics.simulate import simulate_logs

VPN = "vpn-0d17975e9b801ddcd"
A, B = "18.143.226.251", "52.74.111.174"
SA = f"{VPN}-{A}-IKE.log"
SB = f"{VPN}-{B}-IKE.log"
INSIGHTS = str(DATA / "insights/logs-insights-results.csv")
EXPORT = str(DATA / "s3-export")
PAGES = [
    str(DATA / "cli/filter-log-events-0001.json"),
    str(DATA / "cli/filter-log-events-0002.json"),
]

# tunnel A's details in stream order (= the expected output order)
A_ORDER = [
    "sending packet",
    "sending packet",
    "sending packet",
    "received packet",
    "AWS tunnel processed request",
    "AWS tunnel has selected",
    "AWS tunnel is sending response",
    "AWS tunnel Phase 2 SA is established",
    "AWS tunnel received DELETE for Phase 2",
    "AWS tunnel is closing CHILD_SA",
    "Peer is not responsive",
    "AWS tunnel received DELETE for IKE_SA",
]


def _starts(df: pd.DataFrame, ip: str) -> list[str]:
    details = df.loc[df.tunnel_ip == ip, "details"].astype(str).tolist()
    return [next(p for p in A_ORDER if d.startswith(p)) for d in details]


# --- overlap -------------------------------------------------------------------------------
def test_export_and_insights_download_of_the_same_hours_drop_duplicates_once():
    df = read_logs([EXPORT, INSIGHTS])
    assert len(df) == 18
    assert df.attrs["duplicates_dropped"] == 18
    # the A2/A3 retransmits appear twice in each source: both kept, both copies dropped
    assert (df.details.astype(str).str.startswith("sending packet")).sum() == 3


def test_partial_overlap_drops_only_the_repeated_occurrences(tmp_path):
    # an Insights download holding A1, A2 (once) and A4: 3 of them repeat export records
    rows = pd.read_csv(INSIGHTS, dtype=str, keep_default_na=False)
    keep = rows[rows["@timestamp"].isin(["2024-08-20 04:55:29.000", "2024-08-20 04:56:44.000"])]
    keep = keep.iloc[[0, 2]]  # 04:56:44 (first copy), 04:55:29
    a4 = rows[rows["@message"].str.contains("received packet")]
    part = pd.concat([a4, keep])
    path = tmp_path / "partial.csv"
    part.to_csv(path, index=False)
    assert len(part) == 3
    df = read_logs([EXPORT, str(path)])
    assert len(df) == 18
    assert df.attrs["duplicates_dropped"] == 3


def test_filter_pages_with_overlapping_event_ids_are_dropped_by_event_id():
    df = read_logs(PAGES)
    assert len(df) == 18
    assert df.attrs["duplicates_dropped"] == 4
    # the two retransmits have distinct event ids: both survive
    assert _starts(df, A).count("sending packet") == 3


def test_an_event_fetched_again_later_is_dropped_by_its_event_id(tmp_path):
    # the same event (same eventId) in a later fetch, with a different ingestionTime
    page = json.loads((DATA / "cli/filter-log-events-0001.json").read_text())
    copy = {"events": [dict(page["events"][0])]}
    copy["events"][0]["ingestionTime"] += 5000
    path = tmp_path / "again.json"
    path.write_text(json.dumps(copy))
    df = read_logs([PAGES[0], str(path)])
    assert len(df) == 10 and df.attrs["duplicates_dropped"] == 1


def test_identical_lines_within_one_source_are_kept():
    for src in (str(DATA / f"raw/{SA}.jsonl"), EXPORT, INSIGHTS, PAGES[0]):
        df = read_logs(src)
        at = df[(df.tunnel_ip == A) & (df.time == pd.Timestamp("2024-08-20 04:56:44", tz="UTC"))]
        assert len(at) == 2, src
        assert df.attrs["duplicates_dropped"] == 0


def test_three_identical_retransmits_in_one_source_and_two_in_another(tmp_path):
    line = (DATA / f"raw/{SA}.jsonl").read_text().splitlines()[1]
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / f"{SA}.jsonl").write_text(f"{line}\n{line}\n{line}\n")
    (tmp_path / "y").mkdir()
    (tmp_path / "y" / f"{SA}.jsonl").write_text(f"{line}\n{line}\n")
    df = read_logs([str(tmp_path / "x"), str(tmp_path / "y")])
    assert len(df) == 3 and df.attrs["duplicates_dropped"] == 2


def test_records_of_non_overlapping_sources_are_not_deduplicated(tmp_path):
    lines = (DATA / f"raw/{SA}.jsonl").read_text().splitlines()
    (tmp_path / "early").mkdir()
    (tmp_path / "late").mkdir()
    (tmp_path / "early" / f"{SA}.jsonl").write_text("\n".join(lines[:3]) + "\n")
    (tmp_path / "late" / f"{SA}.jsonl").write_text("\n".join(lines[3:]) + "\n")
    df = read_logs([str(tmp_path / "late"), str(tmp_path / "early")])
    assert len(df) == 12 and df.attrs["duplicates_dropped"] == 0
    assert _starts(df, A) == A_ORDER


def test_export_parts_split_inside_a_second_of_retransmits_keep_them(tmp_path):
    lines = (DATA / f"raw/{SA}.jsonl").read_text().splitlines()
    stamped = [f"2024-08-20T04:56:44.000Z {m}" for m in lines[1:3]]  # A2, A3 identical
    root = tmp_path / "exportedlogs" / "task" / SA
    root.mkdir(parents=True)
    (root / "000000.gz").write_bytes(gzip.compress(f"{stamped[0]}\n".encode(), mtime=0))
    (root / "000001.gz").write_bytes(gzip.compress(f"{stamped[1]}\n".encode(), mtime=0))
    df = read_logs(str(tmp_path))
    assert len(df) == 2 and df.attrs["duplicates_dropped"] == 0


def test_filter_pages_split_inside_a_second_keep_retransmits_with_distinct_ids(tmp_path):
    page = json.loads((DATA / "cli/filter-log-events-0001.json").read_text())
    a2, a3 = page["events"][4], page["events"][5]  # the two 04:56:44 retransmits
    assert a2["message"] == a3["message"] and a2["eventId"] != a3["eventId"]
    (tmp_path / "p1.json").write_text(json.dumps({"events": page["events"][:5], "nextToken": "x"}))
    (tmp_path / "p2.json").write_text(json.dumps({"events": page["events"][5:]}))
    df = read_logs([str(tmp_path / "p1.json"), str(tmp_path / "p2.json")])
    assert len(df) == 10 and df.attrs["duplicates_dropped"] == 0


# --- order ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "source",
    [
        str(DATA / "raw"),
        EXPORT,
        INSIGHTS,
        str(DATA / "insights/logs-insights-discovered.json"),
        PAGES[0],
        str(DATA / "subscription/firehose"),
    ],
)
def test_sorted_by_tunnel_then_time_same_second_in_source_order(source):
    df = read_logs(source)
    assert df.tunnel_ip.astype(str).tolist()[:1] == [A]
    keys = list(
        zip(df.vpn_connection_id.astype(str), df.tunnel_ip.astype(str), df.time, strict=True)
    )
    assert keys == sorted(keys)
    got = _starts(df, A)
    # the export has lines out of time order, Insights is newest first; the page holds A1..A7
    assert got == A_ORDER[: 7 if source == PAGES[0] else 12]


def test_same_second_records_keep_source_order_even_when_reversed(tmp_path):
    # the 04:57:55 records written in the reverse of stream order: the output follows the file
    lines = (DATA / f"raw/{SA}.jsonl").read_text().splitlines()
    lines[3:8] = lines[3:8][::-1]
    (tmp_path / f"{SA}.jsonl").write_text("\n".join(lines) + "\n")
    df = read_logs(str(tmp_path / f"{SA}.jsonl"))
    assert _starts(df, A)[3:8] == A_ORDER[3:8][::-1]


def test_parse_records_sorts_by_tunnel_then_time_stably():
    b = (DATA / f"cli/{SB}.json").read_text()
    a_lines = (DATA / f"raw/{SA}.jsonl").read_text().splitlines()
    events = [
        {"logStreamName": SB, "timestamp": e["timestamp"], "message": e["message"]}
        for e in json.loads(b)["events"]
    ][::-1] + [{"logStreamName": SA, "timestamp": 0, "message": m} for m in a_lines[::-1]]
    df = parse_records(events)
    assert df.tunnel_ip.astype(str).tolist() == [A] * 12 + [B] * 6
    assert df.time.is_monotonic_increasing is False  # two tunnels, each sorted
    assert df[df.tunnel_ip == B].time.is_monotonic_increasing
    # A's same-second records were given in reverse: they stay reversed
    assert _starts(df, A)[3:8] == A_ORDER[3:8][::-1]


# --- schema --------------------------------------------------------------------------------
def _assert_dtypes(df: pd.DataFrame) -> None:
    want = events_dtypes()
    assert list(df.columns) == list(want)
    for col, dtype in want.items():
        got = df[col].dtype
        if isinstance(dtype, pd.CategoricalDtype) and dtype.categories is None:
            assert isinstance(got, pd.CategoricalDtype) and not got.ordered, col
        else:
            assert got == dtype, (col, got, dtype)


@pytest.mark.parametrize(
    "source", [str(DATA / "raw"), EXPORT, INSIGHTS, str(DATA / "bgp"), str(DATA / "s3-export-text")]
)
def test_dtypes_are_exactly_the_schema(source):
    _assert_dtypes(read_logs(source))


def test_dtypes_of_an_empty_result():
    _assert_dtypes(read_logs(str(DATA / "subscription/lambda-event-control.json")))


# --- round trip against the simulator -------------------------------------------------------
@pytest.fixture(scope="module")
def sim():
    return simulate_logs("2026-10-01", "2026-10-02", connections=3, seed=11, incidents="random")


def _truth(sim) -> tuple[Counter, Counter]:
    rec = sim.records
    parsed = [json.loads(m) for m in rec["message"]]
    triples = Counter(
        (s, t, p["details"]) for s, t, p in zip(rec["log_stream"], rec["time"], parsed, strict=True)
    )
    up = Counter(
        (
            s,
            t,
            p["details"],
            p["ike_phase1_state"] in ("established", "rekeying")
            and p["ike_phase2_state"] in ("established", "rekeying"),
        )
        for s, t, p in zip(rec["log_stream"], rec["time"], parsed, strict=True)
    )
    return triples, up


WRITES = [
    ("raw", {}),
    ("raw", {"gzip": True}),
    ("s3_export", {}),
    ("s3_export", {"time_prefix": "epoch_ms", "shuffle_lines": True}),
    ("s3_export", {"max_lines_per_part": 500}),
    ("insights_csv", {}),
    ("insights_csv", {"fields": "discovered", "time_format": "epoch_ms"}),
    ("insights_json", {}),
    ("insights_json", {"fields": "discovered"}),
    ("filter_log_events", {"pages": 3}),
    ("get_log_events", {}),
    ("lambda_event", {"control_message": True}),
    ("lambda_event", {"events_per_message": 300}),
    ("firehose", {}),
]


def _id(w) -> str:
    e, o = w
    return f"{e}-{'-'.join(map(str, o.values())) or 'default'}"


@pytest.mark.parametrize(("envelope", "options"), WRITES, ids=[_id(w) for w in WRITES])
def test_round_trip_through_every_envelope(sim, tmp_path, envelope, options):
    sim.write(tmp_path, envelope, **options)
    df = read_logs(str(tmp_path))
    assert len(df) == len(sim.records)
    assert df.attrs["skipped"] == {}
    assert df.attrs["duplicates_dropped"] == 0
    triples, up = _truth(sim)
    got = Counter(zip(df.log_stream.astype(str), df.time, df.details.astype(str), strict=True))
    assert got == triples
    got_up = Counter(
        zip(
            df.log_stream.astype(str),
            df.time,
            df.details.astype(str),
            df.tunnel_up.astype(bool),
            strict=True,
        )
    )
    assert got_up == up
    assert df.tunnel_up.notna().all()


def test_round_trip_has_every_tunnel_and_a_known_incident(sim, tmp_path):
    sim.write(tmp_path, "raw")
    df = read_logs(str(tmp_path))
    tunnels = set(zip(sim.tunnels.vpn_connection_id, sim.tunnels.tunnel_ip, strict=True))
    assert (
        set(zip(df.vpn_connection_id.astype(str), df.tunnel_ip.astype(str), strict=True)) == tunnels
    )
    # the random incidents of seed 11: one CGW delete of the IKE SA
    assert (df.event == "cgw_delete_ike_sa").sum() >= 1


def test_memory_per_event_of_a_simulated_day_of_six_tunnels(sim, tmp_path):
    sim.write(tmp_path, "raw", gzip=True)
    df = read_logs(str(tmp_path))
    assert len(df) == len(sim.records) > 3000
    per_row = df.memory_usage(deep=True).sum() / len(df)
    assert per_row < 150, per_row


def test_export_of_a_simulated_day_plus_overlapping_insights_download(sim, tmp_path):
    sim.write(tmp_path / "export", "s3_export")
    sim.write(
        tmp_path,
        "insights_csv",
        start="2026-10-01 06:00",
        end="2026-10-01 09:00",
        filename="insights.csv",
    )
    window = sim.records[
        (sim.records.time >= pd.Timestamp("2026-10-01 06:00", tz="UTC"))
        & (sim.records.time < pd.Timestamp("2026-10-01 09:00", tz="UTC"))
    ]
    df = read_logs([str(tmp_path / "export"), str(tmp_path / "insights.csv")])
    assert len(df) == len(sim.records)
    assert df.attrs["duplicates_dropped"] == len(window)


def test_copy_of_a_fixture_tree_reads_identically(tmp_path):
    shutil.copytree(DATA / "s3-export", tmp_path / "copy")
    a, b = read_logs(EXPORT), read_logs(str(tmp_path / "copy"))
    cols = [c for c in a.columns if c != "source"]
    pd.testing.assert_frame_equal(a[cols], b[cols], check_categorical=False)


# --- merge of many chunks ------------------------------------------------------------------
def test_messages_shared_by_many_files_become_one_category_each(tmp_path):
    """Files are parsed in separate chunks and their messages unified in buckets at the
    merge: a message that several files hold must be one category, with every row intact.

    60 streams; each logs the same three messages plus 40 numbered ones that other
    streams repeat (stream k logs numbers k..k+39), of every length from 1 to 5 digits,
    so equal messages sit in different chunks and buckets. Expected values: the records
    as written.
    """
    written = []
    for k in range(60):
        ip = f"10.0.{k // 250}.{k % 250 + 1}"
        path = tmp_path / f"{VPN}-{ip}-IKE.log"
        lines = []
        texts = ["AWS tunnel is sending DPD request", "sending packet", "x"]
        texts += [
            f"CGW sent DPD ACK (sequence number {7 ** (j % 5 + 1) + j})" for j in range(k, k + 40)
        ]
        for i, text in enumerate(texts):
            rec = {
                "event_timestamp": 1724130813 + i,
                "details": text,
                "dpd_enabled": True,
                "nat_t_detected": True,
                "ike_phase1_state": "established",
                "ike_phase2_state": "established",
            }
            lines.append(json.dumps(rec, separators=(",", ":")))
            written.append((ip, 1724130813 + i, text))
        path.write_text("\n".join(lines) + "\n")
    df = read_logs(tmp_path)
    assert df["details"].cat.categories.is_unique
    assert df["details"].nunique() == len({t for _, _, t in written})
    got = sorted(
        zip(
            df.tunnel_ip.astype(str),
            df.time.astype("int64") // 10**9,
            df.details.astype(str),
            strict=True,
        )
    )
    assert got == sorted(written)
    assert (df["dpd_sequence"].notna() == df["details"].astype(str).str.startswith("CGW")).all()
