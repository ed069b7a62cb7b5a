"""to_parquet / read_parquet: exact round trip, pruning, the ``existing`` modes, bad options."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from deltalake import DeltaTable

from vpnlog_analytics import OptionError, SourceError, read_logs
from vpnlog_analytics.io.parquet import (
    dataset_connections,
    dataset_files,
    read_parquet,
    to_parquet,
)
from vpnlog_analytics.schema import EVENT_COLUMNS, events_dtypes
from vpnlog_analytics.simulate import Incident, simulate_logs

START, END = "2026-10-01", "2026-10-04"


def write_estate(root: Path) -> Path:
    """Three connections with random incidents plus two with a both-down outage at midnight
    (the second of them dynamically routed, with BGP logs and a BGP-only outage)."""
    raw = root / "raw"
    simulate_logs(START, END, connections=3, seed=0, incidents="random").write(
        raw / "random", "raw", gzip=True
    )
    story = [
        Incident("both_down", 0, "both", "2026-10-01 23:50:00", "30min"),
        Incident("dpd_timeout", 1, 0, "2026-10-03 23:30:00", "2h"),  # ongoing at the end
        Incident("rekey_collisions", 0, 1, "2026-10-02 06:00:00", "1D"),
        Incident("bgp_cease", 1, "both", "2026-10-02 10:00:00", "20min"),
        Incident("route_withdrawn", 1, 1, "2026-10-02 14:00:00", "1h"),
    ]
    simulate_logs(START, END, connections=2, seed=9, incidents=story, bgp=[1]).write(
        raw / "story", "raw", gzip=True
    )
    return raw


def same_messages(back: pd.DataFrame, expected: pd.DataFrame) -> pd.DataFrame:
    """Messages, templates and SPIs keep an order of appearance that depends on the files
    read together; give ``back`` the category order of ``expected`` (values unchanged)."""
    back = back.copy()
    for col in ("details", "template", "spi"):
        if col in back.columns:
            assert set(back[col].cat.categories) == set(expected[col].cat.categories)
            back[col] = back[col].cat.reorder_categories(expected[col].cat.categories)
    return back


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_estate(tmp_path_factory.mktemp("estate"))


@pytest.fixture(scope="module")
def expected(raw: Path) -> pd.DataFrame:
    return read_logs(raw)


@pytest.fixture(scope="module")
def dataset(raw: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ds") / "events.parquet"
    to_parquet(raw, out, files_per_chunk=4)
    return out


def test_round_trip_is_exact(dataset: Path, expected: pd.DataFrame) -> None:
    back = read_parquet(dataset)
    assert dict(back.dtypes) == dict(expected.dtypes)
    pd.testing.assert_frame_equal(same_messages(back, expected), expected)


@pytest.mark.parametrize(
    ("partition_by", "files_per_chunk"),
    [(("date",), 1), (("date", "vpn_connection_id"), 100), ((), 100)],
)
def test_round_trip_any_chunking_and_partitioning(
    raw: Path,
    expected: pd.DataFrame,
    tmp_path: Path,
    files_per_chunk: int,
    partition_by: tuple[str, ...],
) -> None:
    summary = to_parquet(
        raw, tmp_path / "ds", partition_by=partition_by, files_per_chunk=files_per_chunk
    )
    assert summary.records == len(expected)
    assert summary.sources == len(expected.attrs["sources"])
    assert summary.days == ("2026-10-01", "2026-10-02", "2026-10-03")
    back = read_parquet(tmp_path / "ds")
    pd.testing.assert_frame_equal(same_messages(back, expected), expected)
    if partition_by:
        dirs = {p.parent.relative_to(tmp_path / "ds") for p in (tmp_path / "ds").rglob("*.parquet")}
        assert all(str(d).startswith("date=2026-10-0") for d in dirs)
        if "vpn_connection_id" in partition_by:
            assert all(d.name.startswith("vpn_connection_id=vpn-") for d in dirs)


def test_summary_and_log(raw: Path, tmp_path: Path, expected: pd.DataFrame) -> None:
    summary = to_parquet(raw, tmp_path / "ds", files_per_chunk=2)
    # the files the Delta log lists are every file written, in one commit
    table = DeltaTable(str(tmp_path / "ds"))
    assert table.version() == 0
    files = dataset_files(tmp_path / "ds")
    assert (
        summary.files_written
        == len(files)
        == len(table.file_uris())
        == len(list((tmp_path / "ds").rglob("*.parquet")))
    )
    assert sum(f["rows"] for f in files) == len(expected) == summary.records
    assert summary.skipped == {}
    assert dataset_connections(tmp_path / "ds") == sorted(
        expected["vpn_connection_id"].unique().astype(str)
    )


def test_days_pruned(dataset: Path, expected: pd.DataFrame) -> None:
    files = dataset_files(dataset, start="2026-10-02", end="2026-10-03")
    assert files and {f["date"] for f in files} == {"2026-10-02"}
    every = dataset_files(dataset)
    assert len(files) < len(every)
    back = read_parquet(dataset, start="2026-10-02 06:00", end="2026-10-03")
    assert back.attrs["files_read"] == len(files)
    t = expected["time"]
    lo, hi = pd.Timestamp("2026-10-02 06:00", tz="UTC"), pd.Timestamp("2026-10-03", tz="UTC")
    want = expected[(t >= lo) & (t < hi)].reset_index(drop=True)
    assert len(back) == len(want) > 0
    pd.testing.assert_frame_equal(back, want, check_categorical=False)
    assert back["time"].min() >= pd.Timestamp("2026-10-02 06:00", tz="UTC")


def test_connections_pruned(raw: Path, tmp_path: Path, expected: pd.DataFrame) -> None:
    # One connection per chunk (two stream files), so each file holds one connection.
    to_parquet(raw, tmp_path / "ds", files_per_chunk=2)
    conns = dataset_connections(tmp_path / "ds")
    pick = conns[1:3]
    files = dataset_files(tmp_path / "ds", vpn_connection_ids=pick)
    # the log keeps each file's range of connection ids: one connection per file here
    assert {f["min_connection"] for f in files} == {f["max_connection"] for f in files} == set(pick)
    back = read_parquet(tmp_path / "ds", vpn_connection_ids=pick)
    assert back.attrs["files_read"] == len(files) < len(dataset_files(tmp_path / "ds"))
    assert list(back["vpn_connection_id"].cat.categories) == pick
    want = read_logs(sorted(p for p in raw.rglob("*.gz") if any(c in p.name for c in pick)))
    pd.testing.assert_frame_equal(same_messages(back, want), want)


def test_rows_filtered_within_a_file(dataset: Path, expected: pd.DataFrame) -> None:
    conn = dataset_connections(dataset)[0]
    back = read_parquet(dataset, vpn_connection_ids=conn, start="2026-10-03")
    assert set(back["vpn_connection_id"].astype(str)) == {conn}
    assert len(back) == int(
        (
            (expected["vpn_connection_id"] == conn)
            & (expected["time"] >= pd.Timestamp("2026-10-03", tz="UTC"))
        ).sum()
    )


def test_columns_selected(dataset: Path, expected: pd.DataFrame) -> None:
    back = read_parquet(dataset, columns=["event", "time", "tunnel_up"])
    assert list(back.columns) == ["time", "tunnel_up", "event"]
    dtypes = events_dtypes()
    assert all(back[c].dtype == dtypes[c] for c in back.columns)
    pd.testing.assert_frame_equal(back, expected[["time", "tunnel_up", "event"]])


def test_nothing_matches_gives_an_empty_events_table(dataset: Path) -> None:
    back = read_parquet(dataset, vpn_connection_ids=["vpn-00000000000000000"])
    assert back.empty and list(back.columns) == list(EVENT_COLUMNS)
    assert back.attrs["files_read"] == 0
    dtypes = events_dtypes()
    for col in ("time", "tunnel_up", "request_id", "event"):
        assert back[col].dtype == dtypes[col]


def test_existing_error_overwrite_append(raw: Path, tmp_path: Path, expected: pd.DataFrame) -> None:
    ds = tmp_path / "ds"
    to_parquet(raw, ds)
    with pytest.raises(SourceError, match="existing='overwrite'"):
        to_parquet(raw, ds)
    to_parquet(raw, ds, existing="overwrite")
    assert len(read_parquet(ds)) == len(expected)
    second = to_parquet(raw, ds, existing="append")
    assert second.records == len(expected)
    both = read_parquet(ds)
    assert len(both) == 2 * len(expected)
    # Every record twice, the earlier run's copy first within each second.
    dedup = both.drop_duplicates(keep="first").reset_index(drop=True)
    assert len(dedup) <= len(expected)
    with pytest.raises(OptionError, match="same partition_by"):
        to_parquet(raw, ds, existing="append", partition_by=("date", "vpn_connection_id"))


def test_append_to_missing_or_empty_folder_creates_it(raw: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert to_parquet(raw, tmp_path / "empty", existing="append").records > 0
    assert to_parquet(raw, tmp_path / "new" / "ds", existing="overwrite").records > 0


@pytest.mark.parametrize("existing", ["overwrite", "append"])
def test_foreign_folder_is_never_touched(raw: Path, tmp_path: Path, existing: str) -> None:
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(SourceError, match="not a dataset written by to_parquet"):
        to_parquet(raw, tmp_path, existing=existing)
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_errors_skip_counts_bad_records(raw: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    one = next(raw.rglob("*.gz"))
    (src).mkdir()
    (src / one.name).write_bytes(one.read_bytes())
    bad = src / "vpn-0123456789abcdef0-203.0.113.10-IKE.log.jsonl"
    good = (
        '{"event_timestamp": 1790000000, "details": "AWS tunnel is sending packet", '
        '"dpd_enabled": true, "nat_t_detected": false, '
        '"ike_phase1_state": "established", "ike_phase2_state": "established"}'
    )
    bad.write_text(good + "\nnot json at all\n")
    with pytest.raises(Exception, match="line"):
        to_parquet(src, tmp_path / "ds1")
    summary = to_parquet(src, tmp_path / "ds2", errors="skip")
    assert sum(summary.skipped.values()) == 1
    assert summary.records == len(read_logs(src / one.name)) + 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"partition_by": ("hour",)}, "partition_by"),
        ({"partition_by": ("date", "date")}, "partition_by"),
        ({"existing": "replace"}, "'error', 'overwrite', 'append'"),
        ({"errors": "ignore"}, "'raise', 'skip'"),
        ({"files_per_chunk": 0}, "files_per_chunk"),
    ],
)
def test_bad_write_options(raw: Path, tmp_path: Path, kwargs: dict, match: str) -> None:
    with pytest.raises(OptionError, match=match):
        to_parquet(raw, tmp_path / "ds", **kwargs)
    assert not (tmp_path / "ds").exists()


def test_bad_read_options(dataset: Path, tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="not events columns"):
        read_parquet(dataset, columns=["nope"])
    with pytest.raises(OptionError, match="before start"):
        read_parquet(dataset, start="2026-10-03", end="2026-10-02")
    with pytest.raises(OptionError, match="not a time"):
        read_parquet(dataset, start="yesterday-ish")
    with pytest.raises(OptionError, match="strings"):
        read_parquet(dataset, vpn_connection_ids=[1])
    with pytest.raises(SourceError, match="not a vpnlog-analytics Parquet dataset"):
        read_parquet(tmp_path)


def test_missing_source_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        to_parquet(tmp_path / "nowhere", tmp_path / "ds")
    assert not (tmp_path / "ds").exists()


def test_records_skipped_in_a_chunk_without_a_good_record_are_counted(tmp_path):
    """A chunk whose every record is malformed still reports them: to_parquet's summary
    and iter_events count them (3 broken lines written by hand, 2 good records)."""
    from vpnlog_analytics import iter_events, to_parquet

    src = tmp_path / "logs"
    src.mkdir()
    good = (
        '{"event_timestamp":1724130813,"details":"AWS tunnel is sending DPD request",'
        '"dpd_enabled":true,"nat_t_detected":true,"ike_phase1_state":"established",'
        '"ike_phase2_state":"established"}'
    )
    (src / "vpn-0d17975e9b801ddcd-18.143.226.251-IKE.log").write_text(good + "\n" + good + "\n")
    (src / "vpn-0d17975e9b801ddcd-52.74.111.174-IKE.log").write_text("{broken\n{\n{x\n")
    summary = to_parquet(src, tmp_path / "ds", errors="skip", files_per_chunk=1)
    assert summary.records == 2
    assert sum(summary.skipped.values()) == 3
    chunks = list(iter_events(src, errors="skip", files_per_chunk=1))
    assert [len(c) for c in chunks] == [2, 0]
    assert sum(chunks[1].attrs["skipped"].values()) == 3
