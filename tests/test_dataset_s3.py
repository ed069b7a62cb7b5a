"""The events dataset on S3: moto's server on 127.0.0.1 over real HTTP, no credentials.

A round trip through an ``s3://`` prefix equals the local one; other readers (deltalake's
own) see the same rows; two appends at once from two processes both land or one fails
saying to run it again; a store that ignores conditional writes (a proxy that drops
``If-None-Match``) is refused before anything is committed; reads through the
fault-injecting proxy either return the table or fail with an error that says what
happened; an earlier version's local dataset is converted into a table on S3.
"""

from __future__ import annotations

import http.client
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pandas as pd
import pytest
from aws_server import SECRET, Fault, LocalAws, aws_env
from deltalake import DeltaTable

from vpnlog_analytics import SourceError, read_logs
from vpnlog_analytics.io import delta
from vpnlog_analytics.io.parquet import (
    convert_dataset,
    dataset_connections,
    dataset_files,
    is_dataset,
    read_parquet,
    to_parquet,
)
from vpnlog_analytics.simulate import simulate_logs

START, END = "2026-10-01", "2026-10-03"
BUCKET = "vpn-dataset"
KEYS = ["vpn_connection_id", "tunnel_ip", "time", "details"]


@pytest.fixture(scope="module")
def aws() -> Iterator[LocalAws]:
    local = LocalAws()
    with pytest.MonkeyPatch.context() as mp:
        aws_env(mp, local.moto_endpoint)
        boto3.client("s3").create_bucket(Bucket=BUCKET)
    yield local
    local.stop()


@pytest.fixture(autouse=True)
def _env(aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> None:
    # straight to moto unless a test goes through the proxy; child processes inherit it
    aws_env(monkeypatch, aws.moto_endpoint)
    aws.proxy.reset()


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("estate")
    simulate_logs(START, END, connections=2, seed=4, incidents="random").write(
        root / "a", "raw", gzip=True
    )
    simulate_logs(START, END, connections=1, seed=5, incidents="random").write(
        root / "b", "raw", gzip=True
    )
    return root


@pytest.fixture(scope="module")
def local(raw: Path, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The table of a local round trip of ``a``: what S3 must give back."""
    ds = tmp_path_factory.mktemp("local") / "ds"
    to_parquet(raw / "a", ds)
    return read_parquet(ds)


def objects(prefix: str) -> list[str]:
    s3 = boto3.client("s3")
    found = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix + "/").get("Contents", [])
    return sorted(o["Key"] for o in found)


def same(back: pd.DataFrame, want: pd.DataFrame) -> None:
    for col in ("details", "template", "spi"):
        back = back.assign(**{col: back[col].cat.set_categories(want[col].cat.categories)})
    pd.testing.assert_frame_equal(back.reset_index(drop=True), want.reset_index(drop=True))


def rows(events: pd.DataFrame) -> list[tuple]:
    frame = events[KEYS].astype({c: str for c in KEYS if c != "time"})
    return sorted(frame.itertuples(index=False, name=None))


def storage() -> dict[str, str]:
    return delta.location(f"s3://{BUCKET}").storage_options or {}


# --- round trip -------------------------------------------------------------------------------


@pytest.mark.parametrize("partition_by", [("date",), ("date", "vpn_connection_id")])
def test_round_trip_through_s3_equals_the_local_one(
    raw: Path, local: pd.DataFrame, partition_by: tuple[str, ...]
) -> None:
    uri = f"s3://{BUCKET}/rt-{len(partition_by)}/"
    summary = to_parquet(raw / "a", uri, partition_by=partition_by)
    assert summary.dataset_dir == uri.rstrip("/")
    assert summary.records == len(local)
    assert is_dataset(uri)
    same(read_parquet(uri), local)
    # deltalake's own reader, through the same log, sees the same rows
    table = DeltaTable(uri, storage_options=storage()).to_pyarrow_table()
    assert table.num_rows == len(local)
    # the read goes through the log: a stray object under the prefix is never read
    boto3.client("s3").put_object(
        Bucket=BUCKET, Key=f"rt-{len(partition_by)}/date=2026-10-01/part-stray.parquet", Body=b"x"
    )
    same(read_parquet(uri), local)


def test_pruned_read_on_s3(raw: Path, local: pd.DataFrame) -> None:
    uri = f"s3://{BUCKET}/pruned"
    to_parquet(raw / "a", uri)
    conn = dataset_connections(uri)[0]
    window = {"start": "2026-10-02", "end": "2026-10-03", "vpn_connection_ids": conn}
    part = read_parquet(uri, **window)
    assert part.attrs["files_read"] == len(dataset_files(uri, **window))
    assert part.attrs["files_read"] < len(dataset_files(uri))
    keep = (local["vpn_connection_id"] == conn) & (
        local["time"] >= pd.Timestamp("2026-10-02", tz="UTC")
    )
    assert rows(part) == rows(local[keep])


def test_existing_on_s3(raw: Path, local: pd.DataFrame) -> None:
    uri = f"s3://{BUCKET}/modes"
    to_parquet(raw / "b", uri)
    with pytest.raises(SourceError, match="existing='overwrite'"):
        to_parquet(raw / "a", uri)
    to_parquet(raw / "a", uri, existing="overwrite")
    same(read_parquet(uri), local)
    # the files of the replaced version are deleted once the overwrite is committed
    listed = {f"modes/{e['path']}" for e in dataset_files(uri)}
    data = {k for k in objects("modes") if k.endswith(".parquet") and "/_delta_log/" not in k}
    assert data == listed
    to_parquet(raw / "b", uri, existing="append")
    assert rows(read_parquet(uri)) == rows(pd.concat([local, read_logs(raw / "b")]))
    assert DeltaTable(uri, storage_options=storage()).version() == 2


def test_foreign_prefix_is_never_touched(raw: Path) -> None:
    boto3.client("s3").put_object(Bucket=BUCKET, Key="foreign/notes.txt", Body=b"mine")
    for existing in ("overwrite", "append"):
        with pytest.raises(SourceError, match="not a dataset written by to_parquet"):
            to_parquet(raw / "b", f"s3://{BUCKET}/foreign", existing=existing)
    assert objects("foreign") == ["foreign/notes.txt"]


# --- concurrency ------------------------------------------------------------------------------

WRITE = (
    "import sys; from vpnlog_analytics.io.parquet import to_parquet; "
    "to_parquet(sys.argv[1], sys.argv[2], existing=sys.argv[3])"
)


def test_two_appends_at_once_both_land_on_s3(raw: Path, local: pd.DataFrame) -> None:
    uri = f"s3://{BUCKET}/concurrent"
    to_parquet(raw / "a", uri)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITE, str(raw / "b"), uri, "append"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    codes = [p.returncode for p in procs]
    for code, (_, err) in zip(codes, outs, strict=True):
        # both land, or one fails with our error saying to run it again
        assert code == 0 or "run it again" in err, err
    landed = codes.count(0)
    assert landed >= 1
    want = pd.concat([local] + [read_logs(raw / "b")] * landed)
    assert rows(read_parquet(uri)) == rows(want)
    assert DeltaTable(uri, storage_options=storage()).version() == landed


class _DropConditions(BaseHTTPRequestHandler):
    """A proxy to moto that drops ``If-None-Match``: a store without conditional writes."""

    protocol_version = "HTTP/1.1"
    target: tuple[str, int] = ("127.0.0.1", 0)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        drop = ("host", "content-length", "if-none-match")
        headers = {k: v for k, v in self.headers.items() if k.lower() not in drop}
        headers["Host"] = "{}:{}".format(*self.target)
        headers["Content-Length"] = str(len(body))
        conn = http.client.HTTPConnection(*self.target, timeout=60)
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _handle


def test_store_ignoring_conditional_writes_is_refused(
    aws: LocalAws, raw: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = type("Handler", (_DropConditions,), {"target": aws.moto.get_host_and_port()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        host, port = server.server_address[:2]
        aws_env(monkeypatch, f"http://{host}:{port}")
        uri = f"s3://{BUCKET}/unsafe"
        with pytest.raises(SourceError, match="ignores conditional writes") as info:
            to_parquet(raw / "b", uri)
        assert SECRET not in str(info.value)
        # nothing written, nothing committed (the probe object is deleted)
        assert objects("unsafe") == []
    finally:
        server.shutdown()
    # the honest store (moto itself) is checked too, and passes
    aws_env(monkeypatch, aws.moto_endpoint)
    to_parquet(raw / "b", uri)
    assert not [k for k in objects("unsafe") if delta.PROBE_PREFIX in k]


# --- faults -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def written(aws: LocalAws, raw: Path) -> str:
    uri = f"s3://{BUCKET}/faults"
    with pytest.MonkeyPatch.context() as mp:
        aws_env(mp, aws.moto_endpoint)
        to_parquet(raw / "a", uri)
    return uri


@pytest.mark.parametrize(
    ("op", "kind", "skip"),
    [
        ("GetObject", "500", 0),
        ("GetObject", "throttle", 2),
        ("GetObject", "drop", 1),
        ("GetObject", "cut", 3),
        ("ListObjectsV2", "500", 0),
        ("ListObjectsV2", "drop", 0),
    ],
)
def test_read_through_faults_is_whole_or_a_clear_error(
    aws: LocalAws,
    written: str,
    local: pd.DataFrame,
    monkeypatch: pytest.MonkeyPatch,
    op: str,
    kind: str,
    skip: int,
) -> None:
    aws_env(monkeypatch, aws.endpoint)
    aws.proxy.faults.append(Fault(op, kind, skip=skip))
    try:
        back = read_parquet(written)
    except SourceError as exc:
        # what failed, where, and what to do; never the secret
        assert written in str(exc) and "run it again" in str(exc)
        assert SECRET not in str(exc)
    else:
        same(back, local)
    assert aws.proxy.injected, "the fault was not reached"


# --- conversion and Dask -----------------------------------------------------------------------


def test_old_local_dataset_converted_into_s3(
    raw: Path, local: pd.DataFrame, tmp_path: Path
) -> None:
    from test_dataset_delta import write_legacy

    old = tmp_path / "old"
    write_legacy(read_logs(raw / "a"), old)
    uri = f"s3://{BUCKET}/converted"
    summary = convert_dataset(old, uri)
    assert summary.dataset_dir == uri and summary.records == len(local)
    assert rows(read_parquet(uri)) == rows(local)
    assert (old / "_vpnlog_dataset.json").is_file()  # another target: the old one stays


def test_dask_reads_the_s3_table(raw: Path, local: pd.DataFrame) -> None:
    pytest.importorskip("dask.dataframe")
    from vpnlog_analytics.dask import read_events

    uri = f"s3://{BUCKET}/dask"
    to_parquet(raw / "a", uri)
    ddf = read_events(uri, connections_per_partition=1)
    assert ddf.npartitions == local["vpn_connection_id"].nunique()
    assert rows(ddf.compute(scheduler="sync")) == rows(local)
