"""Every envelope of log-formats.md read into the events table, compared with a hand table.

The fixtures (``tests/data``, see ``make_fixtures.py``) all hold the same 18 records of two
tunnels of ``vpn-0d17975e9b801ddcd``; :data:`EXPECTED` is their events table written out
by hand from the record text (times from the epoch seconds, events from DESIGN.md §3).
"""

from __future__ import annotations

import gzip
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import DATA, plain
from pandas.testing import assert_frame_equal

from vpnlog_analytics import ParseError, parse_records, read_logs

VPN = "vpn-0d17975e9b801ddcd"
A, B = "18.143.226.251", "52.74.111.174"
SA = f"{VPN}-{A}-IKE.log"
SB = f"{VPN}-{B}-IKE.log"
CGW = "cgw-0ce820f9dd04721d8"
TS = "traffic selectors: 10.0.0.0/16 === 192.168.1.0/24"
EST, REK, NEG, DOWN = "established", "rekeying", "negotiating", "down"

PKT_A = f"sending packet: from {A} [UDP 500] to {CGW} [UDP 500] (604 bytes)"
# (time UTC, ip, phase1, phase2, dpd, nat_t, up, details, event, severity, ike, spi,
#  request_id, retry_count, cgw) -- sorted by tunnel (A < B as strings) then time, records
#  of one second in stream order.
ROWS = [
    (
        "04:55:29",
        A,
        EST,
        EST,
        True,
        False,
        True,
        PKT_A,
        "packet_sent",
        "info",
        None,
        None,
        None,
        None,
        CGW,
    ),
    (
        "04:56:44",
        A,
        EST,
        EST,
        True,
        False,
        True,
        PKT_A,
        "packet_sent",
        "info",
        None,
        None,
        None,
        None,
        CGW,
    ),
    (
        "04:56:44",
        A,
        EST,
        EST,
        True,
        False,
        True,
        PKT_A,
        "packet_sent",
        "info",
        None,
        None,
        None,
        None,
        CGW,
    ),
    (
        "04:57:55",
        A,
        EST,
        EST,
        True,
        False,
        True,
        f"received packet: from {CGW} [UDP 500] to {A} [UDP 500] (300 bytes)",
        "packet_received",
        "info",
        None,
        None,
        None,
        None,
        CGW,
    ),
    (
        "04:57:55",
        A,
        EST,
        EST,
        True,
        False,
        True,
        "AWS tunnel processed request (id=526265123) for Quick Mode",
        "child_sa_request_received",
        "info",
        "v1",
        None,
        526265123,
        None,
        None,
    ),
    (
        "04:57:55",
        A,
        EST,
        EST,
        True,
        False,
        True,
        "AWS tunnel has selected proposals for Phase 2 SA",
        "proposals_selected",
        "info",
        None,
        None,
        None,
        None,
        None,
    ),
    (
        "04:57:55",
        A,
        EST,
        EST,
        True,
        False,
        True,
        "AWS tunnel is sending response (id=526265123) for Quick Mode",
        "child_sa_response_sent",
        "info",
        "v1",
        None,
        526265123,
        None,
        None,
    ),
    (
        "04:57:55",
        A,
        EST,
        EST,
        True,
        False,
        True,
        f"AWS tunnel Phase 2 SA is established with inbound SPI: 0xc46b9fa3: outbound SPI: 0xdb3ca7bd: {TS}",  # noqa: E501
        "phase2_sa_established",
        "info",
        None,
        "0xc46b9fa3",
        None,
        None,
        None,
    ),
    (
        "05:02:52",
        A,
        EST,
        EST,
        True,
        False,
        True,
        "AWS tunnel received DELETE for Phase 2 SA with SPI: 0xdb3ca7bb",
        "cgw_delete_child_sa",
        "info",
        None,
        "0xdb3ca7bb",
        None,
        None,
        None,
    ),
    (
        "05:02:52",
        A,
        EST,
        EST,
        True,
        False,
        True,
        f"AWS tunnel is closing CHILD_SA with inbound SPI: 0xc7070eb4: outbound SPI: 0xdb3ca7bb: {TS}",  # noqa: E501
        "child_sa_closing",
        "info",
        None,
        "0xc7070eb4",
        None,
        None,
        None,
    ),
    (
        "05:13:33",
        A,
        DOWN,
        DOWN,
        True,
        False,
        False,
        "Peer is not responsive - Declaring peer dead",
        "dpd_timeout",
        "error",
        "v1",
        None,
        None,
        None,
        None,
    ),
    (
        "05:14:05",
        A,
        NEG,
        DOWN,
        True,
        False,
        False,
        "AWS tunnel received DELETE for IKE_SA from CGW",
        "cgw_delete_ike_sa",
        "warning",
        None,
        None,
        None,
        None,
        None,
    ),
    (
        "04:55:00",
        B,
        EST,
        REK,
        True,
        True,
        True,
        "AWS tunnel is sending request (id=41) for CREATE_CHILD_SA",
        "child_sa_request_sent",
        "info",
        "v2",
        None,
        41,
        None,
        None,
    ),
    (
        "04:55:00",
        B,
        EST,
        EST,
        True,
        True,
        True,
        "AWS tunnel processed response (id=41) for CREATE_CHILD_SA",
        "child_sa_response_received",
        "info",
        "v2",
        None,
        41,
        None,
        None,
    ),
    (
        "04:56:00",
        B,
        EST,
        EST,
        True,
        True,
        True,
        "AWS tunnel detected a (CHILD_REKEY) collision as CHILD_DELETE",
        "rekey_collision",
        "warning",
        "v2",
        None,
        None,
        None,
        None,
    ),
    (
        "05:00:00",
        B,
        DOWN,
        DOWN,
        True,
        True,
        False,
        "AWS tunnel DPD timed out after 3 retransmits",
        "dpd_timeout",
        "error",
        "v2",
        None,
        None,
        3,
        None,
    ),
    (
        "05:00:30",
        B,
        NEG,
        DOWN,
        True,
        True,
        False,
        "AWS tunnel detected a pre-shared key mismatch with cgw: 52.221.80.17",
        "psk_mismatch",
        "error",
        "v2",
        None,
        None,
        None,
        "52.221.80.17",
    ),
    (
        "05:01:35",
        B,
        EST,
        EST,
        True,
        True,
        True,
        "AWS tunnel Phase 1 IKE_SA is established with cgw: 52.221.80.17",
        "phase1_sa_established",
        "info",
        None,
        None,
        None,
        None,
        "52.221.80.17",
    ),
]
RECORD_COLS = [
    "phase1_state",
    "phase2_state",
    "dpd_enabled",
    "nat_t_detected",
    "tunnel_up",
    "details",
    "event",
    "severity",
    "ike_version",
    "spi",
    "request_id",
    "retry_count",
    "cgw",
]
COLS = ["time", "vpn_connection_id", "tunnel_ip", "log_type", *RECORD_COLS, "log_stream"]
ALL_COLS = [*COLS, "log_group"]


def expected(rows=ROWS, *, group: str | None = None, stream: bool = True) -> pd.DataFrame:
    """The hand table of ``rows``; ``log_group`` is ``group`` on every row."""
    out = []
    for r in rows:
        t, ip, rest = r[0], r[1], r[2:]
        out.append(
            {
                "time": pd.Timestamp(f"2024-08-20 {t}", tz="UTC"),
                "vpn_connection_id": VPN,
                "tunnel_ip": ip,
                "log_type": "tunnel",
                **dict(zip(RECORD_COLS, rest, strict=True)),
                "log_stream": (SA if ip == A else SB) if stream else None,
                "log_group": group,
            }
        )
    frame = pd.DataFrame({c: pd.Series([o[c] for o in out], dtype=object) for c in ALL_COLS})
    frame["time"] = pd.Series([o["time"] for o in out], dtype="datetime64[ns, UTC]")
    return frame


def check(df: pd.DataFrame, exp: pd.DataFrame, cols: list[str] = ALL_COLS) -> None:
    assert_frame_equal(plain(df, cols), exp[cols].reset_index(drop=True))


GROUP = "vpns2s/log"
# (sources relative to tests/data, log_group the envelope carries)
ENVELOPES = {
    "raw": (["raw"], None),
    "raw_files": ([f"raw/{SA}.jsonl", f"raw/{SB}.jsonl.gz"], None),
    "s3_export": (["s3-export"], None),
    "insights_csv": (["insights/logs-insights-results.csv"], GROUP),
    "insights_csv_discovered": (["insights/logs-insights-discovered.csv"], None),
    "insights_json": (["insights/logs-insights-results.json"], GROUP),
    "insights_json_discovered": (["insights/logs-insights-discovered.json"], None),
    "filter_log_events": (
        ["cli/filter-log-events-0001.json", "cli/filter-log-events-0002.json"],
        None,
    ),
    "get_log_events": ([f"cli/{SA}.json", f"cli/{SB}.json"], None),
    "lambda_event": (
        [
            "subscription/lambda-event-0001.json",
            "subscription/lambda-event-0002.json",
            "subscription/lambda-event-control.json",
        ],
        GROUP,
    ),
    "firehose": (["subscription/firehose"], GROUP),
}


def load(name: str, **kw) -> pd.DataFrame:
    sources, _ = ENVELOPES[name]
    paths = [str(DATA / s) for s in sources]
    return read_logs(paths if len(paths) > 1 else paths[0], **kw)


@pytest.mark.parametrize("name", list(ENVELOPES))
def test_every_envelope_reads_to_the_hand_table(name):
    df = load(name)
    check(df, expected(group=ENVELOPES[name][1]))
    # filter-log-events page 2 repeats 4 events of page 1: 22 read, 18 kept
    repeats = 4 if name == "filter_log_events" else 0
    assert df.attrs["kept"] == 18
    assert df.attrs["records"] == 18 + repeats == len(df) + df.attrs["duplicates_dropped"]
    assert df.attrs["skipped"] == {}


@pytest.mark.parametrize("name", list(ENVELOPES))
def test_same_records_through_any_envelope_give_the_same_table(name):
    lineage = {"source", "log_group"}
    base = load("raw")
    df = load(name)
    cols = [c for c in base.columns if c not in lineage]
    assert_frame_equal(
        df[cols].reset_index(drop=True), base[cols].reset_index(drop=True), check_categorical=False
    )


def test_control_message_and_marker_add_no_rows():
    df = read_logs(str(DATA / "subscription/lambda-event-control.json"))
    assert len(df) == 0
    assert "CONTROL" not in " ".join(map(str, read_logs(str(DATA / "subscription")).details))


def test_sources_attr_names_every_file_with_its_records():
    df = load("filter_log_events")
    counts = {Path(k).name: v for k, v in df.attrs["sources"].items()}
    # each page is credited with the events it holds (10 and 12); page 2 repeats 4
    # events of page 1: dropped as duplicates there
    assert {k: v["records"] for k, v in counts.items()} == {
        "filter-log-events-0001.json": 10,
        "filter-log-events-0002.json": 12,
    }
    assert counts["filter-log-events-0001.json"]["kept"] == 10
    assert counts["filter-log-events-0002.json"]["kept"] == 8
    assert counts["filter-log-events-0002.json"]["duplicates_dropped"] == 4


# --- detection by content, not by name -------------------------------------------------
MISLEADING = [
    (f"raw/{SA}.jsonl", f"{SA}.txt"),
    (f"raw/{SB}.jsonl.gz", f"{SB}.bin"),
    (
        f"s3-export/exportedlogs/4e1c7a52-8d0b-4f3e-9a61-2b7d5c9e0f13/{SA}/000000.gz",
        f"{SA}/part.txt",
    ),
    ("insights/logs-insights-results.csv", "results.json"),
    ("insights/logs-insights-discovered.json", "results.csv"),
    ("cli/filter-log-events-0001.json", "page.csv"),
    ("subscription/lambda-event-0001.json", "event.gz"),
    ("bgp/bgp-log-examples.json", "bgp.txt"),
]


@pytest.mark.parametrize(("src", "dst"), MISLEADING)
def test_format_is_detected_by_content(tmp_path, src, dst):
    target = tmp_path / dst
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DATA / src, target)
    got = read_logs(str(target))
    want = read_logs(str(DATA / src))
    assert len(got) > 0
    cols = [c for c in want.columns if c != "source"]
    assert_frame_equal(got[cols], want[cols], check_categorical=False)


# --- one envelope at a time, the parts not covered above ---------------------------------
def test_s3_export_single_object_takes_ids_from_key_path():
    part = DATA / f"s3-export/exportedlogs/4e1c7a52-8d0b-4f3e-9a61-2b7d5c9e0f13/{SB}/000001.gz"
    check(read_logs(str(part)), expected(ROWS[16:]))


def test_s3_export_epoch_ms_and_iso_prefixes_in_one_tree():
    df = read_logs(str(DATA / "s3-export"))
    # B's parts use epoch-ms prefixes, A's ISO: both give exact seconds
    assert df.loc[df.tunnel_ip == B, "time"].dt.strftime("%H:%M:%S").tolist() == [
        "04:55:00",
        "04:55:00",
        "04:56:00",
        "05:00:00",
        "05:00:30",
        "05:01:35",
    ]


def test_text_format_lines_inside_an_s3_export_are_kept_with_states_na():
    df = read_logs(str(DATA / "s3-export-text"))
    got = plain(df, ["time", "vpn_connection_id", "tunnel_ip", *RECORD_COLS])
    na4 = [None] * 4
    want = pd.DataFrame(
        {
            "time": pd.to_datetime(
                [
                    "2024-08-20 05:00:01",
                    "2024-08-20 05:00:31",
                    "2024-08-20 05:00:31",
                    "2024-08-20 05:01:02",
                ],
                utc=True,
            ).astype("datetime64[ns, UTC]"),
            "vpn_connection_id": ["vpn-0e2e5dd1c3f9a8b71"] * 4,
            "tunnel_ip": ["3.105.12.200"] * 4,
            "phase1_state": na4,
            "phase2_state": na4,
            "dpd_enabled": na4,
            "nat_t_detected": na4,
            "tunnel_up": na4,
            "details": [
                "sending packet: from 3.105.12.200 [UDP 4500] to 198.51.100.7 [UDP 4500] "
                "(92 bytes)",
                "AWS tunnel DPD timed out after 5 retransmits",
                "AWS tunnel received DELETE for Phase 2 SA with SPI: 0x8a1f22c4",
                "AWS tunnel is sending request (id=7) for CREATE_CHILD_SA",
            ],
            "event": ["packet_sent", "dpd_timeout", "cgw_delete_child_sa", "child_sa_request_sent"],
            "severity": ["info", "error", "info", "info"],
            "ike_version": [None, "v2", None, "v2"],
            "spi": [None, None, "0x8a1f22c4", None],
            "request_id": [None, None, None, 7],
            "retry_count": [None, 5, None, None],
            "cgw": na4,
        },
        dtype=object,
    )
    want["time"] = want["time"].astype("datetime64[ns, UTC]")
    assert_frame_equal(got, want)
    assert df.log_type.astype(str).tolist() == ["tunnel"] * 4


def test_pretty_printed_records_back_to_back():
    df = read_logs(str(DATA / f"records/{SA}.pretty.json"))
    check(df, expected(ROWS[:2]), COLS)


# --- BGP records ----------------------------------------------------------------------------
BGP_COLS = [
    "time",
    "vpn_connection_id",
    "tunnel_ip",
    "log_type",
    "tunnel_up",
    "details",
    "event",
    "bgp_type",
    "bgp_status",
    "bgp_prefix",
    "bgp_as_path",
    "bgp_local_pref",
    "bgp_med",
    "bgp_next_hop_ip",
    "bgp_weight",
]


def _bgp_frame(rows):
    want = pd.DataFrame(rows, columns=BGP_COLS, dtype=object)
    want["time"] = pd.to_datetime(want["time"], utc=True).astype("datetime64[ns, UTC]")
    return want


def test_bgp_documentation_examples_pretty_printed():
    df = read_logs(str(DATA / "bgp/bgp-log-examples.json"))
    want = _bgp_frame(
        [
            (
                "2025-11-08 05:26:13.243",
                "vpn-1234abcd",
                "1.2.3.4",
                "bgp",
                None,
                "DENIED due to: as-path contains our own AS",
                "route_denied",
                "RouteStatus",
                "UPDATED",
                "172.31.0.0/16",
                "64512",
                100,
                100,
                "169.254.50.85",
                32768,
            ),
            (
                "2025-11-08 05:40:29.641",
                "vpn-1234abcd",
                "1.2.3.4",
                "bgp",
                None,
                "AWS-side peer BGP session state has changed from OpenConfirm to Established "
                "with neighbor 169.254.50.85",
                "bgp_session_up",
                "BGPStatus",
                "UP",
                None,
                None,
                None,
                None,
                None,
                None,
            ),
        ]
    )
    assert_frame_equal(plain(df, BGP_COLS[1:]), want[BGP_COLS[1:]])


def test_bgp_ndjson_epoch_ms_with_stream_and_resource_id():
    df = read_logs(str(DATA / f"bgp/{VPN}-{A}-BGP.log.jsonl"))
    nb = "169.254.44.85"
    want = _bgp_frame(
        [
            (
                "2024-08-20 05:13:33.250",
                VPN,
                A,
                "bgp",
                None,
                f"AWS-side peer BGP session state has changed from Established to Idle with neighbor {nb}",  # noqa: E501
                "bgp_session_down",
                "BGPStatus",
                "DOWN",
                None,
                None,
                None,
                None,
                None,
                None,
            ),
            (
                "2024-08-20 05:14:10.500",
                VPN,
                A,
                "bgp",
                None,
                f"AWS-side peer BGP session state has changed from Idle to Connect with neighbor {nb}",  # noqa: E501
                "bgp_state_change",
                "BGPStatus",
                "DOWN",
                None,
                None,
                None,
                None,
                None,
                None,
            ),
            (
                "2024-08-20 05:14:21.000",
                VPN,
                A,
                "bgp",
                None,
                f"AWS-side peer BGP session state has changed from OpenConfirm to Established with neighbor {nb}",  # noqa: E501
                "bgp_session_up",
                "BGPStatus",
                "UP",
                None,
                None,
                None,
                None,
                None,
                None,
            ),
            (
                "2024-08-20 05:14:22.125",
                VPN,
                A,
                "bgp",
                None,
                None,
                "route_advertised",
                "RouteStatus",
                "ADVERTISED",
                "10.20.0.0/16",
                "65000",
                100,
                0,
                "169.254.44.86",
                0,
            ),
        ]
    )
    assert_frame_equal(plain(df, BGP_COLS[1:]), want[BGP_COLS[1:]])
    assert df.attrs["skipped"] == {}


def test_bgp_epoch_ms_times_are_exact():
    df = read_logs(
        [str(DATA / "bgp/bgp-log-examples.json"), str(DATA / f"bgp/{VPN}-{A}-BGP.log.jsonl")]
    )
    assert sorted(df.time.astype("int64").tolist()) == [
        1724130813250000000,
        1724130850500000000,
        1724130861000000000,
        1724130862125000000,
        1762579573243000000,
        1762580429641000000,
    ]


def test_ike_record_with_epoch_ms_in_another_key_order_is_exact():
    rec = (
        '{"details":"AWS tunnel DPD timed out after 3 retransmits","event_timestamp":'
        '1724130000123,"ike_phase1_state":"down","ike_phase2_state":"down"}'
    )
    df = parse_records([rec], log_stream=SB)
    assert df.time.astype("int64").tolist() == [1724130000123000000]


def test_ike_record_with_epoch_ms_canonical_order_is_exact():
    rec = (
        '{"event_timestamp":1724130000123,"details":"AWS tunnel DPD timed out after 3 '
        'retransmits","dpd_enabled":true,"nat_t_detected":false,"ike_phase1_state":"down",'
        '"ike_phase2_state":"down"}'
    )
    df = parse_records([rec], log_stream=SB)
    assert df.time.astype("int64").tolist() == [1724130000123000000]


def test_bgp_and_tunnel_records_of_one_tunnel_interleave_by_time():
    df = read_logs([str(DATA / f"bgp/{VPN}-{A}-BGP.log.jsonl"), str(DATA / "raw")])
    a = df[df.tunnel_ip == A]
    assert a.log_type.astype(str).tolist() == ["tunnel"] * 11 + ["bgp"] + ["tunnel"] + ["bgp"] * 3
    assert a.time.is_monotonic_increasing


# --- the documentation's field names --------------------------------------------------------
def test_documentation_field_names_capitalised_states_and_string_booleans():
    df = read_logs(str(DATA / f"records/{SA}.doc-names.jsonl"))
    rows = [ROWS[0], ROWS[10], ("05:14:05", *ROWS[11][1:])]
    check(df, expected(rows), COLS)
    assert df.attrs["unrecognised_values"] == {}


def test_older_documentation_names_carry_connection_id_and_outside_ip():
    df = read_logs(str(DATA / "records/older-doc-names.jsonl"))
    got = plain(df, ["vpn_connection_id", "tunnel_ip", "details", "event", "retry_count"])
    assert got.values.tolist() == [
        [VPN, A, "Peer is not responsive - Declaring peer dead", "dpd_timeout", None],
        [VPN, B, "AWS tunnel DPD timed out after 4 retransmits", "dpd_timeout", 4],
    ]


def test_stream_name_that_names_no_tunnel_needs_log_stream():
    path = str(DATA / "records/tunnel-records.jsonl")
    with pytest.raises(ParseError) as exc:
        read_logs(path)
    assert exc.value.reason == "no_tunnel"
    assert exc.value.line == 1
    assert "log_stream" in str(exc.value)
    skipped = read_logs(path, errors="skip")
    assert len(skipped) == 0 and skipped.attrs["skipped"] == {"no_tunnel": 3}
    check(read_logs(path, log_stream=SA), expected(ROWS[:3]), COLS)


def test_file_name_stream_wins_over_log_stream_argument():
    df = read_logs(str(DATA / f"raw/{SB}.jsonl.gz"), log_stream=SA)
    assert set(df.tunnel_ip.astype(str)) == {B}


def test_underscore_and_ipv6_stream_names():
    rec = json.dumps(
        {
            "event_timestamp": 1724129729,
            "details": "x",
            "dpd_enabled": True,
            "nat_t_detected": False,
            "ike_phase1_state": "established",
            "ike_phase2_state": "established",
        },
        separators=(",", ":"),
    )
    df = parse_records([rec], log_stream=f"{VPN}_{A}-IKE.log")
    assert (str(df.vpn_connection_id[0]), str(df.tunnel_ip[0])) == (VPN, A)
    df = parse_records([rec], log_stream=f"{VPN}-2600:1f18:abcd::12-IKE.log")
    assert (str(df.vpn_connection_id[0]), str(df.tunnel_ip[0])) == (VPN, "2600:1f18:abcd::12")


# --- parse_records: records in memory ----------------------------------------------------------
def _messages(stream: str) -> list[str]:
    name = "raw/" + (f"{SA}.jsonl" if stream == SA else f"{SB}.jsonl.gz")
    data = (DATA / name).read_bytes()
    data = gzip.decompress(data) if name.endswith(".gz") else data
    return data.decode().splitlines()


def test_parse_records_json_strings():
    check(parse_records(_messages(SA), log_stream=SA), expected(ROWS[:12]), COLS)


def test_parse_records_bytes():
    recs = [m.encode() for m in _messages(SB)]
    check(parse_records(recs, log_stream=SB), expected(ROWS[12:]), COLS)


def test_parse_records_dicts():
    recs = [json.loads(m) for m in _messages(SA)]
    check(parse_records(recs, log_stream=SA), expected(ROWS[:12]), COLS)


def test_parse_records_boto3_events():
    events = []
    for stream in (SA, SB):
        for i, m in enumerate(_messages(stream)):
            ts = json.loads(m)["event_timestamp"] * 1000
            events.append(
                {
                    "logStreamName": stream,
                    "timestamp": ts,
                    "message": m,
                    "ingestionTime": ts + 900,
                    "eventId": f"{ts:016d}{i:040d}",
                }
            )
    check(parse_records(events), expected(), COLS)


def test_parse_records_filter_log_events_response_dict():
    page = json.loads((DATA / "cli/filter-log-events-0001.json").read_text())
    df = parse_records([page])
    assert len(df) == 10


def test_parse_records_dataframe():
    frame = pd.DataFrame(
        {
            "message": _messages(SA) + _messages(SB),
            "log_stream": [SA] * 12 + [SB] * 6,
            "log_group": GROUP,
        }
    )
    check(parse_records(frame), expected(group=GROUP))


def test_parse_records_one_string_is_refused():
    from vpnlog_analytics import VpnLogError

    with pytest.raises(VpnLogError, match="iterable"):
        parse_records(_messages(SA)[0], log_stream=SA)


# --- file-like objects, directories, globs, lists ------------------------------------------------
def test_file_like_bytes_with_log_stream():
    data = (DATA / f"raw/{SA}.jsonl").read_bytes()
    check(read_logs(io.BytesIO(data), log_stream=SA), expected(ROWS[:12]), COLS)


def test_file_like_gzip_bytes():
    data = (DATA / f"raw/{SB}.jsonl.gz").read_bytes()
    check(read_logs(io.BytesIO(data), log_stream=SB), expected(ROWS[12:]), COLS)


def test_file_like_text():
    text = (DATA / "insights/logs-insights-results.csv").read_text()
    check(read_logs(io.StringIO(text)), expected(group=GROUP))


def test_open_file_handle_takes_stream_from_its_name():
    with open(DATA / f"raw/{SA}.jsonl", "rb") as fh:
        check(read_logs(fh), expected(ROWS[:12]), COLS)


def test_directory_walk_skips_marker_and_ignores_non_log_files(tmp_path):
    shutil.copytree(DATA / "s3-export", tmp_path / "export")
    (tmp_path / "export" / "README.md").write_text("# Export of vpns2s/log\n\nPulled by ops.\n")
    (tmp_path / "export" / "notes.txt").write_text("ticket 4711: tunnel 2 flapping\n")
    df = read_logs(str(tmp_path / "export"))
    check(df, expected())
    ignored = sorted(Path(p).name for p in df.attrs["ignored_files"])
    assert ignored == ["README.md", "notes.txt"]
    assert not any("aws-logs-write-test" in k for k in df.attrs["sources"])


def test_glob_and_list_of_sources():
    g = read_logs(str(DATA / "raw" / "vpn-*"))
    check(g, expected())
    rec = read_logs(str(DATA / "**" / "000001.gz"))
    assert len(rec) == 2
    mixed = read_logs([str(DATA / f"raw/{SA}.jsonl"), Path(DATA / f"cli/{SB}.json")])
    check(mixed, expected(), COLS)
