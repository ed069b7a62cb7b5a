"""The events dataset as a Delta Lake table: one commit per write, what readers see, recovery.

Child processes are killed (SIGKILL, SIGINT) at seeded random moments of writes and
appends, then the user's next command runs, then the dataset is compared with a clean run:
nothing lost, nothing duplicated. Two appends run at once in two processes. Flipped bytes
are an error naming the file. Other readers (deltalake's own, Polars) see the same rows.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

from vpnlog_analytics import SourceError, read_logs
from vpnlog_analytics.io import parquet
from vpnlog_analytics.io.parquet import (
    MANIFEST,
    convert_dataset,
    dataset_files,
    read_parquet,
    to_parquet,
)
from vpnlog_analytics.simulate import Incident, simulate_logs

START, END = "2026-10-01", "2026-10-04"
KEYS = ["vpn_connection_id", "tunnel_ip", "time", "details"]


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two parts of an estate: ``a`` (3 connections) and ``b`` (2, one with BGP)."""
    root = tmp_path_factory.mktemp("estate")
    simulate_logs(START, END, connections=3, seed=0, incidents="random").write(
        root / "a", "raw", gzip=True
    )
    story = [
        Incident("both_down", 0, "both", "2026-10-01 23:50:00", "30min"),
        Incident("bgp_cease", 1, "both", "2026-10-02 10:00:00", "20min"),
    ]
    simulate_logs(START, END, connections=2, seed=9, incidents=story, bgp=[1]).write(
        root / "b", "raw", gzip=True
    )
    return root


@pytest.fixture(scope="module")
def expected(raw: Path) -> pd.DataFrame:
    return read_logs(raw)


@pytest.fixture(scope="module")
def clean(raw: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """The tables of clean runs: ``a`` alone, ``a`` then ``b`` appended, ``b`` alone."""
    out = {}
    root = tmp_path_factory.mktemp("clean")
    to_parquet(raw / "a", root / "a")
    out["a"] = read_parquet(root / "a")
    to_parquet(raw / "a", root / "ab")
    to_parquet(raw / "b", root / "ab", existing="append")
    out["ab"] = read_parquet(root / "ab")
    return out


def rows(events: pd.DataFrame) -> list[tuple]:
    """The rows as a sorted list of key tuples (order- and category-independent)."""
    frame = events[KEYS].astype({c: str for c in KEYS if c != "time"})
    return sorted(frame.itertuples(index=False, name=None))


def same_table(back: pd.DataFrame, want: pd.DataFrame) -> bool:
    if len(back) != len(want):
        return False
    for col in ("details", "template", "spi"):
        back = back.assign(**{col: back[col].cat.set_categories(want[col].cat.categories)})
    try:
        pd.testing.assert_frame_equal(back, want)
    except AssertionError:
        return False
    return True


# --- round trip and other readers -------------------------------------------------------------


@pytest.mark.parametrize("partition_by", [("date",), ("date", "vpn_connection_id"), ()])
def test_round_trip_equals_read_logs(
    raw: Path, expected: pd.DataFrame, tmp_path: Path, partition_by: tuple[str, ...]
) -> None:
    summary = to_parquet(raw, tmp_path / "ds", partition_by=partition_by, files_per_chunk=3)
    table = DeltaTable(str(tmp_path / "ds"))
    # one write, one commit: version 0 lists every file written
    assert table.version() == 0
    assert len(table.file_uris()) == summary.files_written
    assert tuple(table.metadata().partition_columns) == partition_by
    back = read_parquet(tmp_path / "ds")
    assert dict(back.dtypes) == dict(expected.dtypes)
    assert same_table(back, expected)


def test_overwrite_deletes_the_files_it_replaced(raw: Path, tmp_path: Path) -> None:
    ds = tmp_path / "ds"
    for _ in range(3):
        to_parquet(raw / "b", ds, existing="overwrite")
    assert DeltaTable(str(ds)).version() == 2
    listed = {Path(u) for u in DeltaTable(str(ds)).file_uris()}
    assert set(ds.rglob("*.parquet")) == listed


def test_other_readers_see_the_same_rows(raw: Path, expected: pd.DataFrame, tmp_path: Path) -> None:
    ds = tmp_path / "ds"
    to_parquet(raw / "a", ds)
    to_parquet(raw / "b", ds, existing="append")
    ours = read_parquet(ds)
    theirs = DeltaTable(str(ds)).to_pyarrow_table().to_pandas()
    assert len(theirs) == len(ours) == len(expected)
    assert rows(theirs) == rows(ours)
    # a partition column beside the events columns, readable by any engine
    assert set(theirs.columns) == {*expected.columns, "date"}
    polars = pytest.importorskip("polars")
    frame = polars.read_delta(str(ds)).to_pandas()
    assert rows(frame) == rows(ours)
    # the committed file list, read as plain Parquet (what DuckDB's read_parquet([...]) does)
    plain = pa.concat_tables(
        [pq.read_table(u) for u in DeltaTable(str(ds)).file_uris()], promote_options="default"
    ).to_pandas()
    assert rows(plain) == rows(ours)


def test_day_pruning_opens_one_days_files(
    raw: Path, expected: pd.DataFrame, tmp_path: Path
) -> None:
    to_parquet(raw, tmp_path / "ds", partition_by=("date", "vpn_connection_id"))
    conn = sorted(expected["vpn_connection_id"].unique().astype(str))[1]
    files = dataset_files(
        tmp_path / "ds", start="2026-10-02", end="2026-10-03", vpn_connection_ids=conn
    )
    assert len(files) == 1 and files[0]["date"] == "2026-10-02"
    back = read_parquet(
        tmp_path / "ds", start="2026-10-02", end="2026-10-03", vpn_connection_ids=conn
    )
    assert back.attrs["files_read"] == 1
    t = expected["time"]
    want = expected[
        (t >= pd.Timestamp("2026-10-02", tz="UTC"))
        & (t < pd.Timestamp("2026-10-03", tz="UTC"))
        & (expected["vpn_connection_id"] == conn)
    ].reset_index(drop=True)
    pd.testing.assert_frame_equal(back, want, check_categorical=False)


# --- interruptions ----------------------------------------------------------------------------

WRITE = """
import sys
from vpnlog_analytics import to_parquet
to_parquet(sys.argv[1], sys.argv[2], existing=sys.argv[3], files_per_chunk=1)
print("done", flush=True)
"""


def child(source: Path, ds: Path, existing: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WRITE, str(source), str(ds), existing],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_at(proc: subprocess.Popen, delay: float, sig: int) -> None:
    time.sleep(delay)
    if proc.poll() is None:
        os.kill(proc.pid, sig)
    proc.communicate(timeout=120)


# delays: some before the first file, most during the files, some after the commit
CASES = [
    (sig, round(random.Random(k).uniform(0.3, 4.0), 2))
    for k, sig in enumerate([signal.SIGKILL, signal.SIGINT] * 4)
]


@pytest.mark.parametrize(("sig", "delay"), CASES)
def test_interrupted_overwrite_then_overwrite(
    raw: Path, clean: dict, tmp_path: Path, sig: int, delay: float
) -> None:
    ds = tmp_path / "ds"
    to_parquet(raw / "b", ds)
    before = read_parquet(ds)
    kill_at(child(raw / "a", ds, "overwrite"), delay, sig)
    # readers see the old table or the new one, whole: never a part of the rows
    now = read_parquet(ds)
    assert same_table(now, before) or same_table(now, clean["a"])
    # the user's next command, as the error of an interrupted write says
    to_parquet(raw / "a", ds, existing="overwrite")
    assert same_table(read_parquet(ds), clean["a"])
    # the files of the replaced versions are gone from disk (only orphans of a kill remain)
    listed = {Path(u) for u in DeltaTable(str(ds)).file_uris()}
    on_disk = set(ds.rglob("*.parquet"))
    assert listed <= on_disk


@pytest.mark.parametrize(("sig", "delay"), CASES)
def test_interrupted_first_write_then_overwrite(
    raw: Path, clean: dict, tmp_path: Path, sig: int, delay: float
) -> None:
    ds = tmp_path / "ds"
    kill_at(child(raw / "a", ds, "error"), delay, sig)
    if ds.exists() and parquet.delta.committed_version(ds) is None and any(ds.iterdir()):
        # orphan files and no commit: every command says so and what to type
        with pytest.raises(SourceError, match="interrupted"):
            read_parquet(ds)
        with pytest.raises(SourceError, match="existing='overwrite'"):
            to_parquet(raw / "a", ds)
    to_parquet(raw / "a", ds, existing="overwrite")
    assert same_table(read_parquet(ds), clean["a"])


@pytest.mark.parametrize(("sig", "delay"), CASES)
def test_interrupted_append_then_append_again(
    raw: Path, clean: dict, tmp_path: Path, sig: int, delay: float
) -> None:
    ds = tmp_path / "ds"
    to_parquet(raw / "a", ds)
    kill_at(child(raw / "b", ds, "append"), delay, sig)
    now = read_parquet(ds)
    landed = same_table(now, clean["ab"])
    assert landed or same_table(now, clean["a"])
    # the table's version says whether the append landed: re-run it only if not
    assert DeltaTable(str(ds)).version() == (1 if landed else 0)
    if not landed:
        to_parquet(raw / "b", ds, existing="append")
    assert same_table(read_parquet(ds), clean["ab"])


# --- concurrency ------------------------------------------------------------------------------


def test_two_appends_at_once_both_land(raw: Path, tmp_path: Path) -> None:
    ds = tmp_path / "ds"
    to_parquet(raw / "a", ds)
    procs = [child(raw / "b", ds, "append") for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    codes = [p.returncode for p in procs]
    for code, (_, err) in zip(codes, outs, strict=True):
        # both land, or one fails with our error saying to run it again
        assert code == 0 or "run it again" in err, err
    landed = codes.count(0)
    assert landed >= 1
    back = read_parquet(ds)
    want = pd.concat([read_logs(raw / "a")] + [read_logs(raw / "b")] * landed)
    assert rows(back) == rows(want)
    assert DeltaTable(str(ds)).version() == landed


def test_two_first_writes_at_once_both_land(raw: Path, tmp_path: Path, expected) -> None:
    ds = tmp_path / "ds"
    procs = [child(raw / part, ds, "append") for part in ("a", "b")]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    assert rows(read_parquet(ds)) == rows(expected)
    assert DeltaTable(str(ds)).version() == 1


# --- integrity --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small(raw: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    ds = tmp_path_factory.mktemp("small") / "ds"
    to_parquet(raw / "b", ds, partition_by=())
    return ds, read_parquet(ds)


@pytest.mark.parametrize("seed", range(40))
def test_flipped_byte_is_an_error_naming_the_file(small, tmp_path: Path, seed: int) -> None:
    ds, want = small
    copy = tmp_path / "ds"
    shutil.copytree(ds, copy)
    path = sorted(copy.rglob("*.parquet"))[0]
    data = bytearray(path.read_bytes())
    pos = random.Random(seed).randrange(len(data))
    data[pos] ^= 1 << random.Random(seed + 1000).randrange(8)
    path.write_bytes(bytes(data))
    try:
        back = read_parquet(copy)
    except SourceError as exc:
        assert path.name in str(exc)
        return
    # a flip the reader cannot see must change nothing it returns
    assert same_table(back, want), f"byte {pos} of {len(data)} changed rows silently"


def test_flipped_byte_in_the_data_pages_is_detected(small, tmp_path: Path) -> None:
    ds, _ = small
    copy = tmp_path / "ds"
    shutil.copytree(ds, copy)
    path = sorted(copy.rglob("*.parquet"))[0]
    meta = pq.ParquetFile(path).metadata
    column = meta.row_group(0).column(list(meta.schema.names).index("details"))
    start = column.data_page_offset
    data = bytearray(path.read_bytes())
    data[start + column.total_compressed_size // 2] ^= 0x10
    path.write_bytes(bytes(data))
    with pytest.raises(SourceError, match=path.name):
        read_parquet(copy)


def test_missing_or_truncated_file_is_named(small, tmp_path: Path) -> None:
    ds, _ = small
    copy = tmp_path / "ds"
    shutil.copytree(ds, copy)
    path = sorted(copy.rglob("*.parquet"))[0]
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(SourceError, match=f"{path.name}.*damaged"):
        read_parquet(copy)
    path.unlink()
    with pytest.raises(SourceError, match=f"{path.name}.*missing"):
        read_parquet(copy)


# --- earlier versions' datasets ---------------------------------------------------------------


def write_legacy(events: pd.DataFrame, root: Path) -> None:
    """A dataset as version 1 wrote it: day folders of Parquet files and a manifest."""
    schema = parquet.arrow_schema()
    entries = []
    day = events["time"].dt.strftime("%Y-%m-%d")
    for k, (label, part) in enumerate(events.groupby(day, sort=True)):
        rel = f"date={label}/part-0000-{k:05d}.parquet"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pandas(part, schema=schema, preserve_index=False)
        pq.write_table(table.replace_schema_metadata(None), root / rel)
        ns = part["time"].array.asi8
        entries.append(
            {
                "path": rel,
                "date": label,
                "first": int(ns.min()),
                "last": int(ns.max()),
                "connections": sorted(part["vpn_connection_id"].astype(str).unique()),
                "rows": len(part),
            }
        )
    manifest = {"layout": 1, "partition_by": ["date"], "runs": 1, "files": entries}
    (root / MANIFEST).write_text(json.dumps(manifest))


@pytest.fixture
def legacy(expected: pd.DataFrame, tmp_path: Path) -> Path:
    root = tmp_path / "old"
    write_legacy(expected, root)
    return root


def test_old_dataset_is_read(legacy: Path, expected: pd.DataFrame) -> None:
    assert same_table(read_parquet(legacy), expected)


def test_old_dataset_converted_to_another_folder(
    legacy: Path, expected: pd.DataFrame, tmp_path: Path
) -> None:
    summary = convert_dataset(legacy, tmp_path / "new")
    assert summary.records == len(expected)
    assert DeltaTable(str(tmp_path / "new")).version() == 0
    assert same_table(read_parquet(tmp_path / "new"), expected)
    assert (legacy / MANIFEST).is_file()  # the old one is left as it was


def test_old_dataset_converted_in_place(legacy: Path, expected: pd.DataFrame) -> None:
    old_files = set(legacy.rglob("part-0000-*.parquet"))
    with pytest.raises(SourceError, match="vpnlog dataset convert"):
        to_parquet(legacy, legacy, existing="append")
    convert_dataset(legacy)
    assert not (legacy / MANIFEST).exists()
    assert not any(p.exists() for p in old_files)
    assert same_table(read_parquet(legacy), expected)
    with pytest.raises(SourceError, match="nothing to convert"):
        convert_dataset(legacy)


def test_overwrite_replaces_an_old_dataset(legacy: Path, raw: Path, clean: dict) -> None:
    to_parquet(raw / "a", legacy, existing="overwrite")
    assert not (legacy / MANIFEST).exists()
    assert same_table(read_parquet(legacy), clean["a"])


def test_cli_converts(legacy: Path, expected: pd.DataFrame, tmp_path: Path, capsys) -> None:
    from vpnlog_analytics.cli import main

    assert main(["dataset", "convert", str(legacy), str(tmp_path / "new")]) == 0
    assert "Delta" in capsys.readouterr().out
    assert same_table(read_parquet(tmp_path / "new"), expected)
    assert main(["dataset", "convert", str(tmp_path / "new")]) == 1
    assert "nothing to convert" in capsys.readouterr().err


def test_without_deltalake_the_error_says_what_to_install(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "deltalake", None)
    with pytest.raises(SourceError, match='pip install "deltalake'):
        to_parquet(tmp_path / "nowhere", tmp_path / "ds")
