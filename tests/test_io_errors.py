"""Bad input (DESIGN.md §7): raise naming file and line/offset, or skip and count exactly.

Each broken fixture of ``tests/data/broken`` is a good fixture with one deliberate defect
(see ``make_fixtures.py``); the good-record counts below are counted by hand.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from conftest import DATA

from vpnlog_analytics import (
    FormatError,
    ParseError,
    SourceError,
    VpnLogError,
    parse_records,
    read_logs,
)

VPN = "vpn-0d17975e9b801ddcd"
SA = f"{VPN}-18.143.226.251-IKE.log"
SB = f"{VPN}-52.74.111.174-IKE.log"
TASK = "4e1c7a52-8d0b-4f3e-9a61-2b7d5c9e0f13"
BROKEN = DATA / "broken"

# (fixture, reason, line, offset, good records kept under "skip", skipped counts)
CASES = {
    # line 3 is cut in the middle of its details
    "raw_json": (f"raw/{SA}.jsonl", "broken_json", 3, None, 11, {"broken_json": 1}),
    # stored gzip cut inside line 5 of 6: B1..B4 readable; offset = file size (861)
    "raw_gzip": (f"raw/{SB}.jsonl.gz", "truncated_gzip", None, 861, 4, {"truncated_gzip": 1}),
    # line 4 has no "<time> " prefix
    "s3_no_prefix": (
        f"s3-export/exportedlogs/{TASK}/{SA}/000000.gz",
        "bad_time",
        4,
        None,
        11,
        {"bad_time": 1},
    ),
    # stored gzip cut inside line 4 of 6; offset = file size (745)
    "s3_truncated": (
        f"s3-export/exportedlogs/{TASK}/{SB}/000000.gz",
        "truncated_gzip",
        None,
        745,
        3,
        {"truncated_gzip": 1},
    ),
    # line 4: an extra field; line 9: a missing field; 18 - 2 rows good
    "insights_csv": (
        "insights/logs-insights-results.csv",
        "bad_csv_row",
        4,
        None,
        16,
        {"bad_csv_row": 2},
    ),
    # the array is cut inside its 5th object (line 27, the last): 4 objects are complete
    "insights_json": (
        "insights/logs-insights-results.json",
        "broken_json",
        27,
        None,
        4,
        {"broken_json": 1},
    ),
    # the 3rd of 5 events has no "message"; its object opens on line 17
    "filter_no_message": (
        "cli/filter-log-events-0001.json",
        "missing_fields",
        17,
        None,
        4,
        {"missing_fields": 1},
    ),
    # awslogs.data is not base64: the whole payload is lost; the event opens on line 1
    "lambda_base64": (
        "subscription/lambda-event-0001.json",
        "bad_payload",
        1,
        None,
        0,
        {"bad_payload": 1},
    ),
    # 2nd gzip member fails its CRC: it starts at byte 762 (the size of the 1st member)
    "firehose_crc": (
        "subscription/firehose-object",
        "corrupt_gzip",
        None,
        762,
        12,
        {"corrupt_gzip": 1},
    ),
    # line 2 is a BGP record without "type"
    "bgp_no_type": (
        f"bgp/{VPN}-18.143.226.251-BGP.log.jsonl",
        "missing_fields",
        2,
        None,
        3,
        {"missing_fields": 1},
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_raise_names_file_and_line_or_offset(name):
    rel, reason, line, offset, _, _ = CASES[name]
    path = BROKEN / rel
    with pytest.raises(ParseError) as exc:
        read_logs(str(path))
    err = exc.value
    assert isinstance(err, VpnLogError)
    assert err.source == str(path)
    assert err.reason == reason
    assert err.line == line
    assert err.offset == offset
    assert str(path) in str(err)
    if line is not None:
        assert f"line {line}" in str(err)
    if offset is not None:
        assert f"byte offset {offset}" in str(err)


@pytest.mark.parametrize("name", list(CASES))
def test_skip_keeps_every_good_record_and_counts_the_rest(name):
    rel, _, _, _, kept, skipped = CASES[name]
    df = read_logs(str(BROKEN / rel), errors="skip")
    assert len(df) == kept
    assert df.attrs["skipped"] == skipped
    assert all(str(BROKEN / rel) in e for e in df.attrs["skipped_examples"])
    assert len(df.attrs["skipped_examples"]) >= len(skipped)


def test_offsets_are_the_sizes_derived_by_hand():
    # a truncation is reported at the end of the file; a corrupt member at its start
    assert (BROKEN / CASES["raw_gzip"][0]).stat().st_size == 861
    assert (BROKEN / CASES["s3_truncated"][0]).stat().st_size == 745
    firehose = (BROKEN / CASES["firehose_crc"][0]).read_bytes()
    assert firehose.index(b"\x1f\x8b\x08", 1) == 762


def test_truncated_gzip_keeps_exactly_the_complete_lines():
    df = read_logs(str(BROKEN / CASES["raw_gzip"][0]), errors="skip")
    assert df.details.astype(str).tolist() == [
        "AWS tunnel is sending request (id=41) for CREATE_CHILD_SA",
        "AWS tunnel processed response (id=41) for CREATE_CHILD_SA",
        "AWS tunnel detected a (CHILD_REKEY) collision as CHILD_DELETE",
        "AWS tunnel DPD timed out after 3 retransmits",
    ]


def test_truncated_compressed_gzip_keeps_a_prefix(tmp_path):
    # a level-9 single member cut at 60 %: whatever is kept is a prefix of the records
    good = DATA / f"raw/{SB}.jsonl.gz"
    data = good.read_bytes()
    cut = tmp_path / f"{SB}.jsonl.gz"
    cut.write_bytes(data[: len(data) * 6 // 10])
    df = read_logs(str(cut), errors="skip")
    full = read_logs(str(good)).details.astype(str).tolist()
    got = df.details.astype(str).tolist()
    assert got == full[: len(got)] and len(got) < 6
    assert df.attrs["skipped"] == {"truncated_gzip": 1}


def test_broken_export_tree_raises_at_the_first_bad_file_and_skips_per_reason():
    with pytest.raises(ParseError) as exc:
        read_logs(str(BROKEN / "s3-export"))
    assert exc.value.line == 4 and SA in exc.value.source
    df = read_logs(str(BROKEN / "s3-export"), errors="skip")
    assert len(df) == 11 + 3
    assert df.attrs["skipped"] == {"bad_time": 1, "truncated_gzip": 1}


def test_skip_over_all_broken_fixtures_sums_per_reason():
    df = read_logs(str(BROKEN), errors="skip")
    want: dict[str, int] = {}
    for *_, counts in CASES.values():
        for k, v in counts.items():
            want[k] = want.get(k, 0) + v
    assert df.attrs["skipped"] == want


def test_impossible_timestamp_1970_raises_with_its_line():
    path = DATA / f"records/{SA}.impossible-time.jsonl"
    with pytest.raises(ParseError) as exc:
        read_logs(str(path))
    assert exc.value.line == 2
    assert exc.value.reason == "impossible_time"


def test_impossible_timestamps_are_counted_as_impossible():
    df = read_logs(str(DATA / f"records/{SA}.impossible-time.jsonl"), errors="skip")
    assert len(df) == 2
    assert df.attrs["skipped"] == {"impossible_time": 2}


def test_impossible_timestamps_skip_keeps_the_good_records():
    df = read_logs(str(DATA / f"records/{SA}.impossible-time.jsonl"), errors="skip")
    assert df.time.dt.strftime("%H:%M:%S").tolist() == ["04:55:29", "04:57:55"]
    assert sum(df.attrs["skipped"].values()) == 2


def test_parse_records_reports_position_as_line():
    good = (DATA / f"raw/{SA}.jsonl").read_text().splitlines()
    recs = [good[0], '{"event_timestamp":1724129804,"details":"sending pa', good[1]]
    with pytest.raises(ParseError) as exc:
        parse_records(recs, log_stream=SA)
    assert exc.value.line == 2 and exc.value.reason == "broken_json"
    df = parse_records(recs, log_stream=SA, errors="skip")
    assert len(df) == 2 and df.attrs["skipped"] == {"broken_json": 1}


def test_parse_records_event_without_message():
    events = [{"timestamp": 1724129729000, "logStreamName": SA}]
    with pytest.raises(ParseError) as exc:
        parse_records(events)
    assert exc.value.line == 1 and exc.value.reason == "missing_fields"


def test_parse_records_not_a_record():
    with pytest.raises(ParseError) as exc:
        parse_records([42], log_stream=SA)
    assert exc.value.line == 1


# --- sources and arguments -------------------------------------------------------------------
def test_missing_file_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match="no-such-file.jsonl"):
        read_logs(str(tmp_path / "no-such-file.jsonl"))


def test_empty_glob_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match=r"\*\.gz"):
        read_logs(str(tmp_path / "*.gz"))


def test_unknown_format_named_explicitly_is_a_format_error(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# VPN logs\n\nExported on Tuesday by the network team.\n")
    with pytest.raises(FormatError, match="README.md"):
        read_logs(str(readme))
    assert issubclass(FormatError, VpnLogError)


def test_unknown_format_among_walked_files_is_ignored(tmp_path):
    shutil.copyfile(DATA / f"raw/{SA}.jsonl", tmp_path / f"{SA}.jsonl")
    (tmp_path / "README.md").write_text("# VPN logs\n")
    df = read_logs(str(tmp_path))
    assert len(df) == 12
    assert [Path(p).name for p in df.attrs["ignored_files"]] == ["README.md"]
    assert df.attrs["skipped"] == {}


@pytest.mark.parametrize("fn", ["read_logs", "parse_records"])
def test_bogus_errors_value_lists_the_allowed_ones(fn):
    with pytest.raises(VpnLogError) as exc:
        if fn == "read_logs":
            read_logs(str(DATA / f"raw/{SA}.jsonl"), errors="bogus")
        else:
            parse_records([], errors="bogus")
    assert "bogus" in str(exc.value)
    assert "'raise'" in str(exc.value) and "'skip'" in str(exc.value)


def test_unsupported_source_type_is_a_source_error():
    with pytest.raises(SourceError):
        read_logs(12345)


def test_empty_file_gives_an_empty_table(tmp_path):
    empty = tmp_path / f"{SA}.jsonl"
    empty.write_bytes(b"")
    df = read_logs(str(empty))
    assert len(df) == 0 and df.attrs["skipped"] == {}


def test_errors_skip_on_a_file_like():
    data = (BROKEN / f"raw/{SA}.jsonl").read_bytes()
    df = read_logs(io.BytesIO(data), log_stream=SA, errors="skip")
    assert len(df) == 11 and df.attrs["skipped"] == {"broken_json": 1}
