"""The Delta Lake side of the events dataset: the transaction log, its commits and its files.

Why Delta Lake and not Apache Iceberg: our users keep logs in a folder or under an S3
prefix and run no catalog. A Delta table *is* a folder: the Parquet data files plus a
``_delta_log/`` of numbered JSON commits, each written once and atomically (a local
rename, S3's conditional put). Iceberg needs a catalog (SQLite, Glue, S3 Tables) to make a
commit atomic. Readers of a Delta table (``deltalake``, Polars, DuckDB's ``delta``
extension, Spark, Athena) read only the files the log lists, so files of a write that
never committed are invisible to all of them.

How a write commits once: :func:`vpnlog_analytics.io.parquet.to_parquet` writes its data
files with pyarrow as the chunks stream (page checksums on, categories as dictionary
columns, memory bounded by a chunk), collects one ``AddAction`` per file, and commits them
all in a single Delta transaction at the end (:func:`commit`). Interrupted before that
commit, the table is exactly what it was; the files it left are orphans no reader lists.
Appends commit with optimistic concurrency: a concurrent append is no conflict (delta-rs
retries the commit at the next version), and a commit that still fails is retried here a
few times before a :class:`~vpnlog_analytics.errors.SourceError` says what to do.

On S3 (``s3://bucket/prefix``, :func:`location`): deltalake talks to S3 itself and commits a
version by putting ``_delta_log/<version>.json`` with ``If-None-Match: *`` (its default since
1.0, no lock table, no rename): of two writers racing for a version, one gets ``412`` and
retries at the next. AWS S3 honours the condition; a store behind ``AWS_ENDPOINT_URL`` is
checked once (:func:`check_conditional_put`) and refused if it ignores it, so no commit can
silently replace another. Data files are written and read with pyarrow's S3 filesystem;
readers open only the files the log lists, never a listing of the prefix.

This module knows Delta, not the events table: schemas and rows come from ``parquet.py``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pyarrow as pa
import pyarrow.fs as pafs

from ..errors import SourceError

__all__ = [
    "DELTA_LOG",
    "Location",
    "commit",
    "committed_version",
    "file_entries",
    "location",
    "table_partition_by",
]

log = logging.getLogger(__name__)

#: The transaction log folder of a Delta table.
DELTA_LOG = "_delta_log"
#: Name and description our tables carry in their metadata (other tools show them).
TABLE_NAME = "vpnlog events"
TABLE_DESCRIPTION = "AWS Site-to-Site VPN log events (vpnlog-analytics events table)"
#: Commit attempts of one write before the error (each after the table moved on).
COMMIT_ATTEMPTS = 5
#: Name prefix of the object a write puts (and deletes) to check the store's conditional put.
PROBE_PREFIX = "_vpnlog_probe-"
_INSTALL = (
    'pip install "deltalake>=1.6" (a dependency of vpnlog-analytics: '
    "pip install -U vpnlog-analytics)"
)


def deltalake() -> Any:
    """Return the ``deltalake`` module, or raise an error that says how to install it."""
    try:
        import deltalake as dl
    except ImportError as exc:
        raise SourceError(
            f"the events dataset is a Delta Lake table and needs the deltalake package: {_INSTALL}"
        ) from exc
    return dl


@dataclass(frozen=True)
class Location:
    """Where a table lives: a local folder or an ``s3://`` prefix, and how to reach it.

    ``fs`` (a pyarrow filesystem) writes and reads the data files at ``path(rel)``;
    ``uri`` and ``storage_options`` are what ``deltalake`` (its own S3 client) is given.
    """

    #: What the user named: the folder, or ``s3://bucket/prefix`` (no trailing slash).
    uri: str
    fs: pafs.FileSystem = field(repr=False)
    #: The table folder in ``fs``: an absolute local path, or ``bucket/prefix``.
    base: str
    #: For deltalake on S3 (endpoint, region, keys): never logged nor shown.
    storage_options: dict[str, str] | None = field(default=None, repr=False)
    #: The S3 endpoint when it is not AWS's own (an S3-compatible store, a local server).
    endpoint: str | None = None

    @property
    def local(self) -> Path | None:
        """The local folder, or None on S3."""
        return None if self.storage_options is not None else Path(self.base)

    def path(self, rel: str) -> str:
        """Return the ``fs`` path of ``rel`` (POSIX, relative to the table folder)."""
        return f"{self.base}/{rel}" if rel else self.base

    def __str__(self) -> str:
        return self.uri


def _s3_settings(boto3_session: Any) -> dict[str, str]:
    """Endpoint, region and keys for S3: from ``boto3_session`` if given, else the environment.

    Keys not found here are left to each client's own default chain (deltalake's and
    pyarrow's read the same environment, profiles and instance roles).
    """
    env = os.environ
    out: dict[str, str] = {}
    endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL")
    if endpoint:
        out["AWS_ENDPOINT_URL"] = endpoint.rstrip("/")
        if endpoint.startswith("http://"):
            out["AWS_ALLOW_HTTP"] = "true"
    region = getattr(boto3_session, "region_name", None) or (
        env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    )
    if region:
        out["AWS_REGION"] = region
    creds = None
    if boto3_session is not None:
        found = boto3_session.get_credentials()
        creds = found.get_frozen_credentials() if found is not None else None
    if creds is not None:
        out["AWS_ACCESS_KEY_ID"], out["AWS_SECRET_ACCESS_KEY"] = creds.access_key, creds.secret_key
        if creds.token:
            out["AWS_SESSION_TOKEN"] = creds.token
    elif env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"):
        out["AWS_ACCESS_KEY_ID"] = env["AWS_ACCESS_KEY_ID"]
        out["AWS_SECRET_ACCESS_KEY"] = env["AWS_SECRET_ACCESS_KEY"]
        if env.get("AWS_SESSION_TOKEN"):
            out["AWS_SESSION_TOKEN"] = env["AWS_SESSION_TOKEN"]
    return out


def location(dataset_dir: Any, *, boto3_session: Any = None) -> Location:
    """Return the :class:`Location` of a table: a local folder or an ``s3://`` URI.

    S3 settings (endpoint ``AWS_ENDPOINT_URL``, region, keys) come from ``boto3_session``
    when given, else from the environment.
    """
    if isinstance(dataset_dir, Location):
        return dataset_dir
    text = os.fspath(dataset_dir) if isinstance(dataset_dir, os.PathLike) else dataset_dir
    if not isinstance(text, str):
        raise SourceError(f"{dataset_dir!r}: a dataset is a folder or an s3:// URI")
    if "://" not in text:
        root = Path(text).expanduser()
        return Location(str(root), pafs.LocalFileSystem(), str(root.absolute()))
    scheme, _, rest = text.partition("://")
    if scheme.lower() not in ("s3", "s3a"):
        raise SourceError(f"{text}: a dataset is a local folder or an s3:// URI, not {scheme}://")
    bucket, _, prefix = rest.partition("/")
    prefix = prefix.strip("/")
    if not bucket:
        raise SourceError(f"{text}: no bucket; write s3://bucket/prefix")
    settings = _s3_settings(boto3_session)
    endpoint = settings.get("AWS_ENDPOINT_URL")
    kwargs: dict[str, Any] = {
        "region": settings.get("AWS_REGION"),
        "retry_strategy": pafs.AwsStandardS3RetryStrategy(max_attempts=5),
    }
    if "AWS_ACCESS_KEY_ID" in settings:
        kwargs.update(
            access_key=settings["AWS_ACCESS_KEY_ID"],
            secret_key=settings["AWS_SECRET_ACCESS_KEY"],
            session_token=settings.get("AWS_SESSION_TOKEN"),
        )
    if endpoint:
        parts = urlsplit(endpoint)
        kwargs.update(endpoint_override=parts.netloc, scheme=parts.scheme or "https")
    uri = f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}"
    base = f"{bucket}/{prefix}" if prefix else bucket
    return Location(uri, pafs.S3FileSystem(**kwargs), base, settings, endpoint)


def _listing(loc: Location, rel: str = "", *, recursive: bool = False) -> list[pafs.FileInfo]:
    """Return the entries under ``rel`` (none if it does not exist)."""
    selector = pafs.FileSelector(loc.path(rel), allow_not_found=True, recursive=recursive)
    try:
        return list(loc.fs.get_file_info(selector))
    except OSError as exc:
        raise SourceError(f"{loc}: cannot list the dataset ({exc})") from exc


def _version_of(name: str) -> int | None:
    if name.endswith(".json") and len(name) == 25 and name[:20].isdigit():
        return int(name[:20])
    if name.endswith(".checkpoint.parquet") and name[:20].isdigit():
        return int(name[:20])
    return None


def committed_version(root: Any) -> int | None:
    """Return the latest committed version of the table at ``root`` (None: no commit yet).

    Looks at the log folder only (no deltalake needed): a commit is a file
    ``_delta_log/<20 digits>.json``; temporary files of a commit in flight are not.
    """
    loc = location(root)
    found = [_version_of(info.base_name) for info in _listing(loc, DELTA_LOG)]
    versions = [v for v in found if v is not None]
    return max(versions) if versions else None


def _table(root: Any, version: int | None = None) -> Any:
    dl = deltalake()
    loc = location(root)
    try:
        return dl.DeltaTable(loc.uri, version=version, storage_options=loc.storage_options)
    except dl.exceptions.TableNotFoundError as exc:
        raise SourceError(f"{loc}: no committed Delta table here ({exc})") from exc


def table_partition_by(root: Any) -> tuple[str, ...]:
    """Return the partition columns of the committed table at ``root``."""
    return tuple(_table(root).metadata().partition_columns)


@dataclass(frozen=True)
class FileEntry:
    """One data file of a committed table, from its ``add`` action in the log."""

    #: Path relative to the table folder (POSIX), or an absolute URI.
    path: str
    size: int
    rows: int | None
    #: Partition column -> value (``None`` for a null partition).
    partition: dict[str, str | None]
    #: Column -> (min, max) from the file's statistics in the log, where present.
    stats: dict[str, tuple[Any, Any]]


def file_entries(root: Any, version: int | None = None) -> list[FileEntry]:
    """Return the data files of the table's latest (or given) version, from its log."""
    table = _table(root, version)
    actions = pa.table(table.get_add_actions(flatten=True)).to_pylist()
    out = []
    for row in actions:
        partition = {
            k.removeprefix("partition."): (None if v is None else str(v))
            for k, v in row.items()
            if k.startswith("partition.")
        }
        stats = {
            k.removeprefix("min."): (v, row.get("max." + k.removeprefix("min.")))
            for k, v in row.items()
            if k.startswith("min.")
        }
        out.append(
            FileEntry(
                path=row["path"],
                size=int(row["size_bytes"]),
                rows=None if row.get("num_records") is None else int(row["num_records"]),
                partition=partition,
                stats=stats,
            )
        )
    return out


def add_action(path: str, size: int, partition: dict[str, str | None], stats: str) -> Any:
    """Return the ``AddAction`` of a data file written at ``path`` (``size`` bytes).

    ``stats`` is the file's statistics as the log's JSON (``numRecords``, ``minValues``,
    ``maxValues``): the writer knows them, nothing is read back.
    """
    deltalake()  # the clear error first
    from deltalake.transaction import AddAction

    return AddAction(
        path=path,
        size=size,
        partition_values=partition,
        modification_time=int(time.time() * 1000),
        data_change=True,
        stats=stats,
    )


def commit(
    root: Any,
    actions: list[Any],
    *,
    schema: pa.Schema,
    partition_by: tuple[str, ...],
    mode: str,
    metadata: dict[str, str],
) -> int:
    """Commit ``actions`` (files already written) as one transaction; return the version.

    ``mode`` is ``"create"`` (a new table: if another write created it meanwhile, this one
    is appended to it), ``"append"`` or ``"overwrite"`` (every earlier file is removed
    from the table in the same commit; its data files stay until a vacuum).

    On S3 the commit is a conditional put (``If-None-Match: *``, deltalake's default): of
    two writers racing for a version one gets ``412`` and retries at the next. A store
    that ignores the condition would let one commit replace the other, so before the
    first commit to such a store (an endpoint other than AWS's) :func:`check_conditional_put`
    proves it honours it, or refuses.
    """
    dl = deltalake()
    from deltalake.exceptions import CommitFailedError, DeltaError
    from deltalake.transaction import CommitProperties, create_table_with_add_actions

    loc = location(root)
    check_conditional_put(loc)
    delta_schema = dl.Schema.from_arrow(schema)
    props = CommitProperties(custom_metadata=metadata)
    last: Exception | None = None
    for attempt in range(COMMIT_ATTEMPTS):
        try:
            if committed_version(loc) is None or mode == "overwrite":
                # a new table, or one replaced whole (its partitioning may change)
                create_table_with_add_actions(
                    loc.uri,
                    delta_schema,
                    actions,
                    mode="overwrite" if mode == "overwrite" else "error",
                    partition_by=list(partition_by) or None,
                    name=TABLE_NAME,
                    description=TABLE_DESCRIPTION,
                    storage_options=loc.storage_options,
                    commit_properties=props,
                )
            else:
                table = _table(loc)
                have = tuple(table.metadata().partition_columns)
                if have != partition_by:
                    raise SourceError(
                        f"{loc}: the table is partitioned by {have!r}; write to it with the "
                        f"same partition_by, not {partition_by!r}"
                    )
                table.create_write_transaction(
                    actions,
                    mode="append",
                    schema=delta_schema,
                    partition_by=list(partition_by) or None,
                    commit_properties=props,
                )
            return int(_table(loc).version())
        except (CommitFailedError, DeltaError) as exc:
            # another writer committed first (or created the table): read the new version
            # and try again; an append never conflicts with an append
            if mode == "overwrite" and "exists" not in str(exc).lower():
                raise SourceError(
                    f"{loc}: another write committed to the table while this one overwrote "
                    f"it ({exc}); nothing of this write was committed: run it again"
                ) from exc
            last = exc
            log.info("commit attempt %d to %s failed (%s); retrying", attempt + 1, loc, exc)
            time.sleep(0.05 * (attempt + 1))
    raise SourceError(
        f"{loc}: could not commit after {COMMIT_ATTEMPTS} attempts ({last}); nothing of this "
        "write was committed: run it again"
    ) from last


# --- S3: is the commit's conditional put honoured? --------------------------------------------

#: (endpoint, bucket) -> whether the store honours ``If-None-Match: *`` (checked once).
_CONDITIONAL_PUT: dict[tuple[str, str], bool] = {}
_CONDITIONAL_LOCK = threading.Lock()


def check_conditional_put(loc: Location) -> None:
    """Refuse to commit to an S3-compatible store that would let one commit replace another.

    deltalake commits a version by putting ``_delta_log/<version>.json`` with
    ``If-None-Match: *``. AWS S3 honours it (since August 2024); another store (an
    ``AWS_ENDPOINT_URL``) is checked once per bucket and process: an object is put twice
    with the condition, and the second put must fail with ``412``. If it does not, the
    write is refused before its commit (its files are orphans no reader lists).
    """
    if loc.storage_options is None or loc.endpoint is None:
        return  # a local folder (atomic create), or AWS S3 itself
    bucket = loc.base.split("/", 1)[0]
    key = (loc.endpoint, bucket)
    with _CONDITIONAL_LOCK:
        known = _CONDITIONAL_PUT.get(key)
        if known is None:
            known = _CONDITIONAL_PUT[key] = _probe_conditional_put(loc)
    if not known:
        raise SourceError(
            f"{loc}: the S3 store at {loc.endpoint} ignores conditional writes "
            "(PutObject with If-None-Match: * replaced an existing object), so two writes "
            "committing at once could replace each other's commit; nothing of this write "
            "was committed. Use a store that honours If-None-Match (AWS S3, MinIO since "
            "2024), or write to a local folder"
        )


def _probe_conditional_put(loc: Location) -> bool:
    """Put one object twice with ``If-None-Match: *``; True if the second put was refused."""
    opts = loc.storage_options or {}
    probe = loc.path(f"{PROBE_PREFIX}{uuid.uuid4().hex}")
    statuses = []
    try:
        for _ in range(2):
            status, body = _signed_request(opts, "PUT", probe, b"probe", {"If-None-Match": "*"})
            if status not in (200, 412):
                raise SourceError(
                    f"{loc}: cannot write to the bucket (HTTP {status}: "
                    f"{body[:200].decode(errors='replace')})"
                )
            statuses.append(status)
    except OSError as exc:
        raise SourceError(f"{loc}: cannot reach the S3 store at {loc.endpoint} ({exc})") from exc
    finally:
        try:
            _signed_request(opts, "DELETE", probe, b"", {})
        except OSError:
            pass
    log.debug("conditional put probe of %s: %s", loc.endpoint, statuses)
    return statuses == [200, 412]


def _signed_request(
    opts: dict[str, str], method: str, path: str, body: bytes, extra: dict[str, str]
) -> tuple[int, bytes]:
    """One path-style S3 request to ``opts``'s endpoint, signed with AWS Signature V4."""
    endpoint = urlsplit(opts["AWS_ENDPOINT_URL"])
    region = opts.get("AWS_REGION", "us-east-1")
    now = dt.datetime.now(dt.UTC)
    stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    canonical_path = "/" + quote(path, safe="/-_.~")
    headers = {
        "host": endpoint.netloc,
        "x-amz-content-sha256": hashlib.sha256(body).hexdigest(),
        "x-amz-date": stamp,
        **{k.lower(): v for k, v in extra.items()},
    }
    if opts.get("AWS_SESSION_TOKEN"):
        headers["x-amz-security-token"] = opts["AWS_SESSION_TOKEN"]
    if opts.get("AWS_ACCESS_KEY_ID"):
        names = sorted(headers)
        signed = ";".join(names)
        request = "\n".join(
            [
                method,
                canonical_path,
                "",
                *(f"{n}:{headers[n].strip()}" for n in names),
                "",
                signed,
                headers["x-amz-content-sha256"],
            ]
        )
        scope = f"{day}/{region}/s3/aws4_request"
        to_sign = "\n".join(
            ["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(request.encode()).hexdigest()]
        )
        key = ("AWS4" + opts["AWS_SECRET_ACCESS_KEY"]).encode()
        for part in (day, region, "s3", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        headers["authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={opts['AWS_ACCESS_KEY_ID']}/{scope}, "
            f"SignedHeaders={signed}, Signature={signature}"
        )
    conn_type = (
        http.client.HTTPSConnection if endpoint.scheme == "https" else http.client.HTTPConnection
    )
    conn = conn_type(endpoint.netloc, timeout=30)
    try:
        conn.request(method, canonical_path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


# --- what an interrupted write leaves -----------------------------------------------------------


def _is_partition_dir(name: str) -> bool:
    return name.startswith(("date=", "vpn_connection_id="))


def _is_data_file(name: str) -> bool:
    return name.startswith("part-") and name.endswith(".parquet")


def is_ours_uncommitted(root: Any) -> bool:
    """Whether ``root`` holds only what an interrupted write of ours leaves: no commit yet.

    That is partition folders (``date=…``, ``vpn_connection_id=…``) of ``part-*.parquet``
    files, an empty or uncommitted ``_delta_log``, our old manifest's temporary file, a
    conditional-put probe object.
    """
    loc = location(root)
    for info in _listing(loc, recursive=True):
        rel = info.path[len(loc.base) :].strip("/")
        parts = rel.split("/")
        if parts[0] == DELTA_LOG or parts[0].startswith(("_vpnlog_dataset.json", PROBE_PREFIX)):
            continue
        if info.type == pafs.FileType.Directory:
            if all(_is_partition_dir(p) for p in parts):
                continue
            return False
        if all(_is_partition_dir(p) for p in parts[:-1]) and _is_data_file(parts[-1]):
            continue
        return False
    return True


def remove_quietly(loc: Location, paths: list[str]) -> None:
    """Delete files this call wrote and did not commit (best effort: orphans are harmless)."""
    for path in paths:
        try:
            loc.fs.delete_file(path)
        except OSError:
            pass
