"""The events dataset: a Delta Lake table of the events table, written streaming, read pruned.

Layout (a Delta Lake table: Parquet files in hive partitions, one folder per UTC day,
optionally per connection too, and the transaction log that lists the committed ones)::

    dataset/
      _delta_log/00000000000000000000.json     commit 0: schema, partitioning, files
      _delta_log/00000000000000000001.json     commit 1: an append's files
      date=2026-10-01/part-<write id>-00000-000.parquet
      date=2026-10-02/...

Why Delta Lake (not Apache Iceberg): users have a folder or an S3 prefix and no catalog;
a Delta table is that folder, its commits are atomic without one (see :mod:`.delta`).
A write commits whole or not at all: the files stream out chunk by chunk and are
committed in one transaction at the end, so an interrupted write leaves the table as it
was (its files are orphans no reader lists). Appends running at the same time both land.
Every reader (this module, ``deltalake``, Polars, DuckDB, Spark, Athena) sees the committed
files only.

Each file holds the rows of one chunk of sources for one partition, sorted by tunnel then
time; categorical columns are Parquet dictionary columns; ``time`` is stored in
microseconds (Delta's timestamp), the unsigned integers in the next wider signed type
(Delta has none). Pages carry CRC checksums, verified on every read: a damaged file is
an error that names it, never silently changed rows. The log holds each file's partition
values, row count and time and connection ranges, so a read opens only the files of the
days and connections asked for.

The same table works under an ``s3://bucket/prefix`` (endpoint, region and keys from
``boto3_session=`` or the environment; concurrent commits made safe by S3's conditional
writes, see :mod:`.delta`).

Datasets of earlier versions (a ``_vpnlog_dataset.json`` manifest beside the files) are
still read, and :func:`convert_dataset` turns one into a table.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import time
import uuid
import zlib
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.fs
import pyarrow.parquet as pq

from .. import schema as s
from ..errors import OptionError, SourceError
from ..options import check_choice, to_utc
from . import delta
from .issues import ERRORS_CHOICES
from .reader import Source
from .stream import map_chunks

__all__ = [
    "ParquetSummary",
    "convert_dataset",
    "dataset_connections",
    "dataset_files",
    "is_dataset",
    "read_parquet",
    "to_parquet",
]

log = logging.getLogger(__name__)

#: The manifest file of a dataset written by :func:`to_parquet`.
MANIFEST = "_vpnlog_dataset.json"
#: Version of the layout; bumped when files written earlier can no longer be read.
LAYOUT_VERSION = 1
#: Version of the Delta layout (written in each commit's metadata).
DELTA_LAYOUT_VERSION = 2
#: Partition column holding the UTC day of ``time`` (``YYYY-MM-DD``).
DATE = "date"
PARTITION_COLUMNS = (DATE, s.VPN_CONNECTION_ID)
EXISTING = ("error", "overwrite", "append")
_DAY_NS = 86_400 * 10**9
#: Open categories read back in sorted order, as :func:`read_logs` gives them; the large
#: ones (messages, templates, SPIs) keep their order of appearance.
_UNSORTED = (s.DETAILS, s.TEMPLATE, s.SPI)


@dataclass(frozen=True)
class ParquetSummary:
    """What :func:`to_parquet` wrote.

    Attributes
    ----------
    dataset_dir : pathlib.Path or str
        The dataset folder, or its ``s3://`` URI.
    records : int
        Rows written by this call.
    files_written : int
        Parquet files written by this call.
    sources : int
        Source files read.
    skipped : dict
        Malformed records skipped (reason -> count), under ``errors="skip"``.
    duplicates_dropped : int
        Records seen twice within a chunk of sources and written once.
    days : tuple of str
        The UTC days (``YYYY-MM-DD``) this call wrote to.
    """

    dataset_dir: Path | str
    records: int
    files_written: int
    sources: int
    skipped: dict[str, int] = field(default_factory=dict)
    duplicates_dropped: int = 0
    days: tuple[str, ...] = ()


def arrow_schema() -> pa.Schema:
    """Return the Arrow schema of the events table as stored in Parquet.

    Returns
    -------
    pyarrow.Schema
        ``time`` as ``timestamp[ns, UTC]``, categories as ``dictionary<int32, string>``,
        nullable booleans and integers as ``bool`` / ``int64`` / ``int16``.
    """
    fields = []
    for name, dtype in s.events_dtypes().items():
        if isinstance(dtype, pd.DatetimeTZDtype):
            typ: pa.DataType = pa.timestamp("ns", tz="UTC")
        elif isinstance(dtype, pd.CategoricalDtype):
            typ = pa.dictionary(pa.int32(), pa.string())
        elif isinstance(dtype, pd.BooleanDtype):
            typ = pa.bool_()
        else:  # a nullable integer of its own width
            typ = pa.from_numpy_dtype(dtype.numpy_dtype)  # type: ignore[attr-defined]
        fields.append(pa.field(name, typ))
    return pa.schema(fields)


def _check_partition_by(partition_by: Sequence[str]) -> tuple[str, ...]:
    if isinstance(partition_by, str):
        partition_by = (partition_by,)
    parts = tuple(partition_by)
    allowed = ", ".join(repr(c) for c in PARTITION_COLUMNS)
    bad = [p for p in parts if p not in PARTITION_COLUMNS]
    if bad or len(set(parts)) != len(parts):
        raise OptionError(
            f"partition_by={partition_by!r} is not valid; use a tuple of distinct names "
            f"from {allowed}, e.g. ('date',)"
        )
    return parts


def _read_text(loc: delta.Location, rel: str) -> str | None:
    """Return the text of the file ``rel`` of the dataset, None if there is none."""
    try:
        with loc.fs.open_input_stream(loc.path(rel)) as f:
            return bytes(f.read()).decode()
    except FileNotFoundError:
        return None


def _load_manifest(root: delta.Location) -> dict[str, Any]:
    text = _read_text(root, MANIFEST)
    if text is None:
        raise SourceError(
            f"{root}: not a vpnlog-analytics Parquet dataset (no {MANIFEST}); "
            "write one with vpnlog_analytics.to_parquet()"
        )
    manifest: dict[str, Any] = json.loads(text)
    if manifest.get("layout") != LAYOUT_VERSION:
        raise SourceError(
            f"{root}: dataset layout {manifest.get('layout')!r} is not {LAYOUT_VERSION}; "
            "write it again with this version's to_parquet()"
        )
    return manifest


#: Delta has no unsigned integers: stored in the next wider signed type, read back exactly.
_WIDER = {pa.uint8(): pa.int16(), pa.uint16(): pa.int32(), pa.uint32(): pa.int64()}
#: Partition values of rows without a time (Delta's and Hive's name for null).
_NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"


def storage_schema(partition_by: Sequence[str] = ()) -> pa.Schema:
    """Return the Arrow schema of the data files (partition columns live in the log).

    Parameters
    ----------
    partition_by : sequence of str, default ()
        Partition columns of the table; those among the events columns are not in files.

    Returns
    -------
    pyarrow.Schema
        :func:`arrow_schema` with ``time`` in microseconds and unsigned integers widened.
    """
    fields = []
    for f in arrow_schema():
        if f.name in partition_by:
            continue
        typ = f.type
        if pa.types.is_timestamp(typ):
            typ = pa.timestamp("us", tz="UTC")
        typ = _WIDER.get(typ, typ)
        fields.append(pa.field(f.name, typ))
    return pa.schema(fields)


def table_schema(partition_by: Sequence[str] = ()) -> pa.Schema:
    """Return the table's schema as the Delta log declares it (categories as strings).

    Parameters
    ----------
    partition_by : sequence of str, default ()
        Partition columns; ``date`` (a Delta ``date``) is added after the events columns.

    Returns
    -------
    pyarrow.Schema
        Every events column (strings for categories), then ``date`` if partitioned by it.
    """
    fields = []
    for f in storage_schema():
        typ = f.type.value_type if pa.types.is_dictionary(f.type) else f.type
        fields.append(pa.field(f.name, typ))
    if DATE in partition_by:
        fields.append(pa.field(DATE, pa.date32()))
    return pa.schema(fields)


def _state(root: delta.Location) -> str:
    """Return what ``root`` holds: "missing", "empty", "delta", "legacy", "orphans" or "foreign".

    "orphans" is what a write of ours interrupted before its first commit leaves. On S3
    a prefix without objects is "missing".
    """
    try:
        kind = root.fs.get_file_info(root.base).type
    except OSError as exc:
        raise SourceError(f"{root}: cannot reach the dataset ({exc})") from exc
    if kind == pa.fs.FileType.File:
        raise SourceError(f"{root}: exists and is not a folder")
    if kind == pa.fs.FileType.NotFound:
        return "missing"
    if delta.committed_version(root) is not None:
        return "delta"
    if not delta._listing(root):
        return "empty"
    if root.fs.get_file_info(root.path(MANIFEST)).type == pa.fs.FileType.File:
        return "legacy"
    if delta.is_ours_uncommitted(root):
        return "orphans"
    return "foreign"


def _prepare(root: delta.Location, existing: str, partition_by: tuple[str, ...]) -> str:
    """Check ``root`` against ``existing``; return the commit mode (create/append/overwrite).

    Touches nothing: the folder changes only when the write commits.
    """
    state = _state(root)
    if state in ("missing", "empty"):
        return "create"
    if state == "foreign":
        # Never delete or mix into a folder this package did not write.
        raise SourceError(
            f"{root}: the folder is not empty and holds no Delta table ({delta.DELTA_LOG}) "
            f"nor {MANIFEST}; it is not a dataset written by to_parquet(), so "
            f"existing={existing!r} will not touch it"
        )
    if existing == "error":
        if state == "orphans":
            raise SourceError(
                f"{root}: the folder holds the files of a write that never committed (it was "
                "interrupted), no dataset; pass existing='overwrite' to write the dataset"
            )
        raise SourceError(
            f"{root}: the folder exists and is not empty; pass existing='overwrite' to "
            "replace the dataset or existing='append' to add to it"
        )
    if state == "legacy":
        if existing == "append":
            raise SourceError(
                f"{root}: a dataset of an earlier version ({MANIFEST}); convert it to a "
                f"Delta table first: vpnlog dataset convert {root} (or "
                "vpnlog_analytics.convert_dataset()), then append"
            )
        return "overwrite-legacy"
    if state == "orphans":
        return "create"
    if existing == "append":
        have = delta.table_partition_by(root)
        if have != partition_by:
            raise OptionError(
                f"{root}: the dataset is partitioned by {have!r}; "
                f"append with the same partition_by, not {partition_by!r}"
            )
        return "append"
    return "overwrite"


def _to_table(events: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pandas(
        events[list(s.EVENT_COLUMNS)], schema=schema, preserve_index=False
    ).replace_schema_metadata(None)


#: Dictionaries up to this size are written whole in every piece of a chunk (a few bytes a
#: file; the reader drops unused values of these columns anyway); larger ones, and those
#: read in order of appearance (:data:`_UNSORTED`), keep only the values the piece uses.
_SMALL_DICTIONARY = 256


def _compact(table: pa.Table) -> pa.Table:
    """Drop dictionary values a piece does not use (a chunk's messages span every day)."""
    columns = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        if (
            pa.types.is_dictionary(column.type)
            and column.num_chunks
            and (name in _UNSORTED or len(column.chunk(0).dictionary) > _SMALL_DICTIONARY)
        ):
            arr = column.combine_chunks() if column.num_chunks > 1 else column.chunk(0)
            indices = arr.indices.fill_null(0).to_numpy(zero_copy_only=False)
            valid = arr.is_valid().to_numpy(zero_copy_only=False)
            # which values the piece uses: a count per value (linear), not a sort
            counts = np.bincount(indices[valid], minlength=len(arr.dictionary))
            used = np.flatnonzero(counts)
            if used.size < len(arr.dictionary):
                remap = np.zeros(len(arr.dictionary), dtype=np.int32)
                remap[used] = np.arange(used.size, dtype=np.int32)
                codes = np.where(valid, remap[indices], 0).astype(np.int32)
                column = pa.chunked_array(
                    [
                        pa.DictionaryArray.from_arrays(
                            pa.array(codes, mask=~valid),
                            arr.dictionary.take(pa.array(used, pa.int64())),
                        )
                    ]
                )
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=table.schema)


def _day_label(day: int) -> str:
    return str(np.datetime64(int(day) * _DAY_NS, "ns").astype("datetime64[D]"))


def _split(
    events: pd.DataFrame, partition_by: tuple[str, ...]
) -> Iterable[tuple[dict[str, str], np.ndarray]]:
    """Yield (partition values, row positions in order) of each partition of a chunk."""
    keys: list[np.ndarray] = []
    labels: list[Any] = []
    for col in partition_by:
        if col == DATE:
            ns = events[s.TIME].dt.as_unit("ns").array.asi8
            days = np.floor_divide(ns, _DAY_NS)
            uniq, inverse = np.unique(days, return_inverse=True)
            keys.append(inverse)
            labels.append([_day_label(d) for d in uniq])
        else:
            codes = events[col].cat.codes.to_numpy().astype(np.int64)
            keys.append(codes)
            labels.append([str(c) for c in events[col].cat.categories])
    if not keys:
        yield {}, np.arange(len(events))
        return
    order = np.lexsort(tuple(reversed(keys)))  # stable: rows keep their order
    sorted_keys = np.stack([k[order] for k in keys])
    new = np.ones(len(order), dtype=bool)
    new[1:] = np.any(sorted_keys[:, 1:] != sorted_keys[:, :-1], axis=0)
    bounds = [*np.flatnonzero(new), len(order)]
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        values = {}
        for col, key, lab in zip(partition_by, sorted_keys, labels, strict=True):
            code = int(key[a])
            if code < 0:
                values[col] = "__missing__"
            else:
                values[col] = lab[code]
        yield values, order[a:b]


#: Columns whose min/max statistics the files carry: those one filters rows by (time,
#: connection, tunnel, what happened). Statistics of messages, ids and route fields
#: prune nothing and cost a third of the writing.
STATISTICS_COLUMNS = (
    s.TIME,
    s.VPN_CONNECTION_ID,
    s.TUNNEL_IP,
    s.LOG_TYPE,
    s.PHASE1_STATE,
    s.PHASE2_STATE,
    s.TUNNEL_UP,
    s.EVENT,
    s.SEVERITY,
    s.IKE_VERSION,
)


@dataclass
class _Piece:
    """One file to write: a partition of a chunk, in the files' schema, with its log facts."""

    values: dict[str, str | None]  # partition column -> value
    table: pa.Table
    first: int | None  # ns
    last: int | None
    connections: list[str]
    days: set[str]


@dataclass
class _Encoded:
    """A chunk's events as the files to write, and the chunk's counts (``attrs``)."""

    attrs: dict[str, Any]
    pieces: list[_Piece]


def _pieces(table: pa.Table, values: dict[str, str | None], parts: tuple[str, ...]) -> _Piece:
    """Make a piece of ``table`` (the files' schema plus any partition column) with its facts."""
    time_ns = table.column(s.TIME).cast(pa.int64()).drop_null().to_numpy()
    if s.VPN_CONNECTION_ID in table.column_names:
        conns = pc.unique(table.column(s.VPN_CONNECTION_ID).cast(pa.string())).drop_null()
        connections = sorted(conns.to_pylist())
    else:
        connections = [str(values[s.VPN_CONNECTION_ID])]
    if time_ns.size:
        time_ns = time_ns * 1000  # microseconds -> ns
    return _Piece(
        values,
        table.drop_columns([c for c in parts if c in table.column_names]),
        int(time_ns.min()) if time_ns.size else None,
        int(time_ns.max()) if time_ns.size else None,
        connections,
        {_day_label(d) for d in np.unique(np.floor_divide(time_ns, _DAY_NS))},
    )


def _encode(
    events: pd.DataFrame, parts: tuple[str, ...], schema: pa.Schema, storage: pa.Schema
) -> _Encoded:
    """Split a chunk by partition and encode each piece for Parquet (in a worker thread)."""
    if events.empty:
        return _Encoded(dict(events.attrs), [])
    table = _to_table(events, schema).cast(storage, safe=False)
    splits = list(_split(events, parts))
    # one take puts the rows in partition order; each piece is then a zero-copy slice
    order = np.concatenate([rows for _, rows in splits])
    if not np.array_equal(order, np.arange(len(order))):
        table = table.take(pa.array(order))
    pieces, start = [], 0
    for values, rows in splits:
        clean = {k: (None if v == "__missing__" else v) for k, v in values.items()}
        piece = _compact(table.slice(start, len(rows)))
        pieces.append(_pieces(piece, clean, parts))
        start += len(rows)
    return _Encoded(dict(events.attrs), pieces)


def _footer_crc(data: Any) -> int:
    """Return the CRC-32 of a Parquet file's footer (its metadata, length and magic)."""
    view = memoryview(data)
    length = int.from_bytes(view[-8:-4], "little")
    return zlib.crc32(view[max(0, len(view) - 8 - length) :])


#: A data file's name ends with the CRC-32 of its footer: ``...-f<8 hex digits>.parquet``.
_FOOTER_CRC = re.compile(r"-f([0-9a-f]{8})\.parquet$")


def _write_id() -> str:
    """Return a name prefix unique to one write, sorting in the order writes started."""
    return f"{time.time_ns():019d}-{uuid.uuid4().hex[:8]}"


def _iso_ms(ns: int, *, up: bool) -> str:
    """Format a time as Delta statistics write it (milliseconds), rounded outward."""
    ms = -(-ns // 1_000_000) if up else ns // 1_000_000
    return str(np.datetime64(ms, "ms")) + "Z"


#: Threads writing data files at once, local and on S3 (pyarrow encodes, compresses and
#: sends without the GIL; S3 puts wait on the network).
WRITE_THREADS = {"local": max(2, min(4, os.cpu_count() or 1)), "s3": 8}


@dataclass
class _Writer:
    """Writes the pieces of one call as data files, and the actions that commit them.

    Files are written in worker threads (:meth:`submit`), overlapping with the parsing of
    the next chunks and with each other; :meth:`wait` bounds how many chunks' pieces are
    held in memory. File names carry the chunk and piece numbers, so the order records
    arrived in is kept whatever order the threads finish in.
    """

    root: delta.Location
    compression: str
    write_id: str = field(default_factory=_write_id)
    written: list[str] = field(default_factory=list)
    actions: list[Any] = field(default_factory=list)
    folders: set[str] = field(default_factory=set)
    pending: deque[tuple[int, Future[None]]] = field(default_factory=deque)
    pool: ThreadPoolExecutor | None = None

    def submit(self, piece: _Piece, k: int, j: int) -> None:
        """Write one piece in a worker thread (see :meth:`write`)."""
        if self.pool is None:
            threads = WRITE_THREADS["local" if self.root.local is not None else "s3"]
            self.pool = ThreadPoolExecutor(threads, thread_name_prefix="vpnlog-write")
        self.pending.append((k, self.pool.submit(self.write, piece, k, j)))

    def wait(self, before: int | None = None) -> None:
        """Wait for the files of the chunks before ``before`` (all: None); raise their error."""
        while self.pending and (before is None or self.pending[0][0] < before):
            self.pending.popleft()[1].result()

    def close(self, *, cancel: bool = False) -> None:
        """Stop the threads (after the files being written; the queued ones too unless cancel)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=cancel)
            self.pool = None

    def write(self, piece: _Piece, k: int, j: int) -> None:
        """Write one piece as ``<partitions>/part-<write id>-<chunk>-<piece>-f<crc>.parquet``."""
        rel = "/".join(
            f"{c}={_NULL_PARTITION if v is None else v}" for c, v in piece.values.items()
        )
        stats = [c for c in STATISTICS_COLUMNS if c in piece.table.column_names]
        buf = pa.BufferOutputStream()
        pq.write_table(
            piece.table,
            buf,
            compression=self.compression,
            write_statistics=stats,
            write_page_checksum=True,
        )
        data = buf.getvalue()
        size = data.size
        # the pages carry checksums, the footer none: its CRC goes into the file's name
        name = f"part-{self.write_id}-{k:05d}-{j:03d}-f{_footer_crc(data):08x}.parquet"
        folder, rel = rel, f"{rel}/{name}" if rel else name
        path = self.root.path(rel)
        if self.root.local is not None and folder not in self.folders:
            # S3 has no folders; a local one is made once per write
            os.makedirs(self.root.path(folder), exist_ok=True)
            self.folders.add(folder)
        self.written.append(path)
        with self.root.fs.open_output_stream(path) as out:
            out.write(data)
        facts: dict[str, Any] = {"numRecords": piece.table.num_rows}
        lo: dict[str, Any] = {}
        hi: dict[str, Any] = {}
        if piece.first is not None and piece.last is not None:
            lo[s.TIME], hi[s.TIME] = _iso_ms(piece.first, up=False), _iso_ms(piece.last, up=True)
        if s.VPN_CONNECTION_ID not in piece.values and piece.connections:
            lo[s.VPN_CONNECTION_ID] = piece.connections[0]
            hi[s.VPN_CONNECTION_ID] = piece.connections[-1]
        if lo:
            facts["minValues"], facts["maxValues"] = lo, hi
        stats_json = json.dumps(facts, separators=(",", ":"))
        self.actions.append(delta.add_action(rel, size, piece.values, stats_json))


def to_parquet(
    source: Source | Sequence[Source],
    dataset_dir: str | os.PathLike[str],
    *,
    partition_by: Sequence[str] = (DATE,),
    existing: str = "error",
    log_stream: str | None = None,
    errors: str = "raise",
    files_per_chunk: int = 16,
    compression: str = "zstd",
    boto3_session: Any = None,
) -> ParquetSummary:
    """Convert logs into the events dataset, a Delta Lake table, streaming; commit once.

    Sources are read a few files at a time (:func:`iter_events`), so peak memory is
    bounded by the chunk (``files_per_chunk`` files), whatever the size of the input.
    Each chunk is written as one Parquet file per partition (``date=YYYY-MM-DD`` folders:
    the UTC day of ``time``), its rows sorted by tunnel then time, every events column
    kept in its type (categories as dictionary columns). When every file is written they
    are committed to the table's log in one transaction: a write lands whole or not at
    all, and an interrupted one leaves the dataset as it was.

    Parameters
    ----------
    source : path, directory, glob, file-like object, or a list of these
        As for :func:`read_logs` (``s3://`` prefixes too).
    dataset_dir : str or path-like
        Folder of the dataset (a Delta Lake table), or an ``s3://bucket/prefix``.
    partition_by : tuple of str, default ("date",)
        Partition folders, from ``"date"`` and ``"vpn_connection_id"``. Adding the
        connection makes reading one connection cheaper and writes more, smaller files.
    existing : {"error", "overwrite", "append"}, default "error"
        What to do when ``dataset_dir`` exists and is not empty: raise; replace the
        dataset (in one commit, whatever an interrupted write left there; an earlier
        version's dataset too); or add this call's files to it (same ``partition_by``;
        records are not deduplicated against earlier runs; appends running at the same
        time both land). A non-empty folder that is no dataset of this package is never
        overwritten nor appended to.
    log_stream : str, optional
        Stream name for records that name none.
    errors : {"raise", "skip"}
        As for :func:`read_logs`; skipped records are counted in the summary.
    files_per_chunk : int, default 16
        Source files parsed together; larger is faster, smaller uses less memory.
    compression : str, default "zstd"
        Parquet compression codec (``"zstd"``, ``"snappy"``, ``"gzip"``, ``"none"``).
    boto3_session : boto3.Session, optional
        For ``s3://`` sources and datasets (endpoint, region, keys; default: the
        environment, e.g. ``AWS_ENDPOINT_URL`` for an S3-compatible store).

    Returns
    -------
    ParquetSummary
        ``records``, ``files_written``, ``sources``, ``skipped``, ``duplicates_dropped``,
        ``days`` of this call.

    Raises
    ------
    SourceError
        A source that cannot be read, or ``dataset_dir`` exists under ``existing="error"``.
    OptionError
        An option value that is not allowed.

    Notes
    -----
    Records that two sources share are dropped only within a chunk (see
    :func:`iter_events`). On failure or interruption nothing is committed: the files
    written so far are deleted (or, after a hard kill, left as orphans no reader lists;
    the next ``existing="overwrite"`` write works over them).

    Examples
    --------
    >>> summary = to_parquet("exports/", "events.parquet", existing="overwrite")  # doctest: +SKIP
    >>> summary.records, summary.files_written  # doctest: +SKIP
    (1004030, 112)
    """
    parts = _check_partition_by(partition_by)
    check_choice("existing", existing, EXISTING)
    check_choice("errors", errors, ERRORS_CHOICES)
    if not isinstance(files_per_chunk, int) or files_per_chunk < 1:
        raise OptionError(f"files_per_chunk={files_per_chunk!r} must be an integer >= 1")
    schema, storage = arrow_schema(), storage_schema()
    delta.deltalake()  # a missing package is said before any work
    root = delta.location(dataset_dir, boto3_session=boto3_session)

    def encode(events: pd.DataFrame) -> _Encoded:
        return _encode(events, parts, schema, storage)

    # Each chunk is also encoded (split by partition, compacted) in its worker thread;
    # this thread writes the files in order, then commits them once.
    chunks = map_chunks(
        source,
        encode,
        log_stream=log_stream,
        errors=errors,
        files_per_chunk=files_per_chunk,
        boto3_session=boto3_session,
    )
    _prepare(root, existing, parts)
    # Read the first chunk before touching the folder: a missing source fails first.
    first = next(chunks, None)
    mode = _prepare(root, existing, parts)
    delta.check_conditional_put(root)  # an S3 store unsafe for concurrent commits: refused now
    writer = _Writer(root, compression)
    records = sources = dropped = 0
    skipped: dict[str, int] = {}
    days: set[str] = set()
    try:
        for k, chunk in enumerate(itertools.chain([first] if first is not None else [], chunks)):
            sources += len(chunk.attrs.get("sources", {}))
            dropped += int(chunk.attrs.get("duplicates_dropped", 0))
            for reason, n in chunk.attrs.get("skipped", {}).items():
                skipped[reason] = skipped.get(reason, 0) + int(n)
            for j, piece in enumerate(chunk.pieces):
                writer.submit(piece, k, j)
                records += piece.table.num_rows
                days.update(piece.days)
            del chunk
            writer.wait(before=k)  # the previous chunk's files: two chunks in flight at most
        writer.wait()
        writer.close()
        _commit(root, writer.actions, parts, mode, "write")
    except BaseException:
        writer.close(cancel=True)
        delta.remove_quietly(root, writer.written)  # uncommitted: no reader lists them anyway
        raise
    log.info("wrote %d records in %d files to %s", records, len(writer.written), root)
    return ParquetSummary(
        _shown(root), records, len(writer.written), sources, skipped, dropped, tuple(sorted(days))
    )


def _shown(root: delta.Location) -> Path | str:
    """Return the dataset as a summary names it: the local folder, or the ``s3://`` URI."""
    return Path(root.uri) if root.local is not None else root.uri


def _commit(
    root: delta.Location, actions: list[Any], parts: tuple[str, ...], mode: str, operation: str
) -> None:
    """Commit a write's files in one transaction; then clear an earlier version's files."""
    if not actions and mode == "append":
        return  # nothing to add: no empty commit
    legacy = _legacy_paths(root) if mode == "overwrite-legacy" else []
    if mode == "overwrite":
        # the files this commit removes from the table: deleted once it is committed, so
        # overwriting again and again does not fill the disk (never files of a write in
        # flight, which the table does not list yet)
        legacy = [_file_path(root, e.path) for e in delta.file_entries(root)]
    delta.commit(
        root,
        actions,
        schema=table_schema(parts),
        partition_by=parts,
        mode="overwrite" if mode == "overwrite-legacy" else mode,
        metadata={"vpnlog.operation": operation, "vpnlog.layout": str(DELTA_LAYOUT_VERSION)},
    )
    if legacy:
        # the table is committed: the files it replaced (an old manifest and its files,
        # or the previous version's files) are no dataset any more
        delta.remove_quietly(root, legacy)


def _legacy_paths(root: delta.Location) -> list[str]:
    """Return the manifest of an earlier version's dataset at ``root`` (first), and its files."""
    try:
        manifest = json.loads(_read_text(root, MANIFEST) or "{}")
        files = [root.path(e["path"]) for e in manifest.get("files", [])]
    except (OSError, ValueError, KeyError, TypeError):
        files = []
    return [root.path(MANIFEST), *files]


def convert_dataset(
    dataset_dir: str | os.PathLike[str],
    new_dir: str | os.PathLike[str] | None = None,
    *,
    existing: str = "error",
    compression: str = "zstd",
    boto3_session: Any = None,
) -> ParquetSummary:
    """Convert a dataset of an earlier version (``_vpnlog_dataset.json``) into a Delta table.

    Each file of the old dataset is read (checked against the events schema) and written
    again as a data file of the table, in the same partitions; all of them are committed
    in one transaction. Converted in place, the old manifest and files are deleted only
    once the table is committed: interrupted, the folder is still the old dataset.

    Parameters
    ----------
    dataset_dir : str or path-like
        The old dataset.
    new_dir : str or path-like, optional
        Folder (or ``s3://`` prefix) of the new table; default ``dataset_dir`` itself
        (in place).
    existing : {"error", "overwrite", "append"}, default "error"
        As for :func:`to_parquet`, when ``new_dir`` is another folder that is not empty.
    compression : str, default "zstd"
        Parquet compression codec of the new files.
    boto3_session : boto3.Session, optional
        For ``s3://`` datasets: endpoint, region and keys (default: the environment).

    Returns
    -------
    ParquetSummary
        ``records`` and ``files_written`` of the table; ``sources`` counts the old files.

    Raises
    ------
    SourceError
        ``dataset_dir`` is not a dataset of an earlier version.

    Examples
    --------
    >>> convert_dataset("events.parquet")  # doctest: +SKIP
    """
    check_choice("existing", existing, EXISTING)
    root = delta.location(dataset_dir, boto3_session=boto3_session)
    if _kind(root) != "legacy":
        raise SourceError(f"{root}: already a Delta table: there is nothing to convert")
    delta.deltalake()
    manifest = _load_manifest(root)
    parts = _check_partition_by(tuple(manifest["partition_by"]))
    target = root if new_dir is None else delta.location(new_dir, boto3_session=boto3_session)
    in_place = target.uri == root.uri or (
        root.local is not None
        and target.local is not None
        and target.local.exists()
        and target.local.resolve() == root.local.resolve()
    )
    mode = "overwrite-legacy" if in_place else _prepare(target, existing, parts)
    delta.check_conditional_put(target)
    entries = dataset_files(root)
    writer = _Writer(target, compression)
    schema, storage = arrow_schema(), storage_schema()
    records = 0
    days: set[str] = set()
    try:
        for k, entry in enumerate(entries):
            table = pq.read_table(
                _file_path(root, entry["path"]), schema=schema, filesystem=root.fs
            )
            table = table.cast(storage, safe=False)
            values: dict[str, str | None] = {}
            for segment in entry["path"].split("/")[:-1]:
                name, _, value = segment.partition("=")
                if name in parts:
                    values[name] = None if value in ("__missing__", _NULL_PARTITION) else value
            piece = _pieces(table, values, parts)
            writer.submit(piece, k, 0)
            records += piece.table.num_rows
            days.update(piece.days)
            writer.wait(before=k - 1)
        writer.wait()
        writer.close()
        _commit(target, writer.actions, parts, mode, "convert")
    except BaseException:
        writer.close(cancel=True)
        delta.remove_quietly(target, writer.written)
        raise
    log.info("converted %d records of %s into the Delta table %s", records, root, target)
    return ParquetSummary(
        _shown(target), records, len(writer.written), len(entries), days=tuple(sorted(days))
    )


def _window(start: Any, end: Any) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    lo = None if start is None else to_utc(start, "start")
    hi = None if end is None else to_utc(end, "end")
    if lo is not None and hi is not None and hi < lo:
        raise OptionError(f"end={hi} is before start={lo}")
    return lo, hi


def _check_ids(vpn_connection_ids: str | Iterable[str] | None) -> list[str] | None:
    if vpn_connection_ids is None:
        return None
    ids = [vpn_connection_ids] if isinstance(vpn_connection_ids, str) else list(vpn_connection_ids)
    bad = [i for i in ids if not isinstance(i, str)]
    if bad:
        raise OptionError(f"vpn_connection_ids must be strings such as 'vpn-0abc...', got {bad!r}")
    return ids


def _ns(value: Any) -> int | None:
    """Return a statistics time from the log (a datetime) as ns since the epoch."""
    if value is None:
        return None
    return int(pd.Timestamp(value).as_unit("ns").value)


def _delta_files(
    root: delta.Location, lo_ns: int | None, hi_ns: int | None, wanted: set[str] | None
) -> list[dict[str, Any]]:
    """Return the committed files of the table (from its log) that may hold rows asked for."""
    out = []
    for e in delta.file_entries(root):
        day = e.partition.get(DATE)
        t_lo, t_hi = e.stats.get(s.TIME, (None, None))
        first, last = _ns(t_lo), _ns(t_hi)
        if day is not None and day != _NULL_PARTITION:
            day_ns = int(pd.Timestamp(day, tz="UTC").value)
            first = day_ns if first is None else max(first, day_ns)
            last = day_ns + _DAY_NS - 1 if last is None else min(last, day_ns + _DAY_NS - 1)
        conn = e.partition.get(s.VPN_CONNECTION_ID)
        c_lo, c_hi = (
            (conn, conn) if conn is not None else e.stats.get(s.VPN_CONNECTION_ID, (None, None))
        )
        if lo_ns is not None and last is not None and last < lo_ns:
            continue
        if hi_ns is not None and first is not None and first >= hi_ns:
            continue
        if wanted is not None and c_lo is not None and c_hi is not None:
            if not any(c_lo <= w <= c_hi for w in wanted):
                continue
        out.append(
            {
                "path": e.path,
                DATE: day,
                "first": first,
                "last": last,
                "rows": e.rows,
                "size": e.size,
                "partition": e.partition,
                "min_connection": c_lo,
                "max_connection": c_hi,
            }
        )
    return out


def _legacy_files(
    root: delta.Location, lo_ns: int | None, hi_ns: int | None, wanted: set[str] | None
) -> list[dict[str, Any]]:
    """Return the files of an earlier version's dataset (from its manifest) that may hold rows."""
    manifest = _load_manifest(root)
    out = []
    for entry in manifest["files"]:
        first, last = entry.get("first"), entry.get("last")
        if lo_ns is not None and last is not None and last < lo_ns:
            continue
        if hi_ns is not None and first is not None and first >= hi_ns:
            continue
        if wanted is not None and not wanted.intersection(entry["connections"]):
            continue
        conns = sorted(entry["connections"])
        out.append(
            {
                **entry,
                "min_connection": conns[0] if conns else None,
                "max_connection": conns[-1] if conns else None,
            }
        )
    return out


def _kind(root: delta.Location) -> str:
    """Return "delta" or "legacy", or raise a SourceError saying what the folder is instead."""
    state = _state(root)
    if state in ("delta", "legacy"):
        return state
    if state == "orphans":
        raise SourceError(
            f"{root}: no committed dataset, only the files of a write that was interrupted "
            "before it committed; write it again with to_parquet(..., existing='overwrite')"
        )
    raise SourceError(
        f"{root}: not a vpnlog-analytics Parquet dataset (no {delta.DELTA_LOG} nor "
        f"{MANIFEST}); write one with vpnlog_analytics.to_parquet()"
    )


def is_dataset(path: Any) -> bool:
    """Return whether ``path`` is an events dataset (a Delta table or an older one).

    Parameters
    ----------
    path : str or path-like
        A folder, or an ``s3://`` prefix (a table there has a ``_delta_log``).

    Returns
    -------
    bool
        True for a folder or prefix :func:`read_parquet` reads.
    """
    if not isinstance(path, str | os.PathLike):
        return False
    text = os.fspath(path)
    if "://" in text and not text.lower().startswith(("s3://", "s3a://")):
        return False
    try:
        root = delta.location(text)
        if root.local is not None and not root.local.is_dir():
            return False
        return delta.committed_version(root) is not None or (
            root.local is not None and (root.local / MANIFEST).is_file()
        )
    except (OSError, SourceError):
        return False


def dataset_files(
    dataset_dir: str | os.PathLike[str] | delta.Location,
    *,
    start: Any = None,
    end: Any = None,
    vpn_connection_ids: str | Iterable[str] | None = None,
    boto3_session: Any = None,
) -> list[dict[str, Any]]:
    """Return the committed files a read of this window and these ids opens.

    Parameters
    ----------
    dataset_dir : str or path-like
        A dataset written by :func:`to_parquet` (a folder or an ``s3://`` prefix).
    start, end : pandas.Timestamp or str, optional
        Window ``[start, end)`` (UTC strings or tz-aware); files whose records all lie
        outside it are left out (with date partitions: the other days' folders).
    vpn_connection_ids : str or iterable of str, optional
        Connections; files holding none of them are left out.
    boto3_session : boto3.Session, optional
        For ``s3://`` datasets: endpoint, region and keys (default: the environment).

    Returns
    -------
    list of dict
        ``path`` (relative), ``date`` (its partition, None if not partitioned by date),
        ``first`` and ``last`` time [ns since the epoch] (bounds: to the millisecond
        outward), ``rows``, and ``min_connection`` / ``max_connection`` (the range of
        connection ids in it) of each file; days in order, files of a day in write order.
        Files of a Delta table are those of its latest commit.

    Examples
    --------
    >>> len(dataset_files("events.parquet", start="2026-10-03", end="2026-10-04"))  # doctest: +SKIP
    12
    """
    root = delta.location(dataset_dir, boto3_session=boto3_session)
    kind = _kind(root)
    lo, hi = _window(start, end)
    lo_ns = int(lo.as_unit("ns").value) if lo is not None else None
    hi_ns = int(hi.as_unit("ns").value) if hi is not None else None
    ids = _check_ids(vpn_connection_ids)
    wanted = set(ids) if ids is not None else None
    if kind == "delta":
        out = _delta_files(root, lo_ns, hi_ns, wanted)
    else:
        out = _legacy_files(root, lo_ns, hi_ns, wanted)
    # Day order first; within a day, write order (the order records of a second arrived):
    # file names start with the write's start time, then the chunk.
    return sorted(out, key=lambda e: (e.get(DATE) or "", e["path"].rsplit("/", 1)[-1], e["path"]))


def dataset_connections(
    dataset_dir: str | os.PathLike[str], *, order: str = "sorted", boto3_session: Any = None
) -> list[str]:
    """Return the connection ids of a dataset (from its log; file columns only if needed).

    Parameters
    ----------
    dataset_dir : str or path-like
        A dataset written by :func:`to_parquet` (a folder or an ``s3://`` prefix).
    order : {"sorted", "written"}, default "sorted"
        Sorted ids, or in the order they were first written (connections written in the
        same chunk share files: read together, they open fewer files).
    boto3_session : boto3.Session, optional
        For ``s3://`` datasets: endpoint, region and keys (default: the environment).

    Returns
    -------
    list of str
        Every ``vpn_connection_id`` with at least one row in the dataset.
    """
    check_choice("order", order, ("sorted", "written"))
    root = delta.location(dataset_dir, boto3_session=boto3_session)
    entries = dataset_files(root)
    if _kind(root) == "legacy":
        manifest = _load_manifest(root)
        first = dict.fromkeys(c for e in manifest["files"] for c in e["connections"])
    elif all(e["min_connection"] == e["max_connection"] for e in entries):
        # each file holds one connection (partitioned by it, or one per chunk): the log says
        by_write = sorted(entries, key=lambda e: e["path"].rsplit("/", 1)[-1])
        first = dict.fromkeys(str(e["min_connection"]) for e in by_write if e["min_connection"])
    else:
        by_write = sorted(entries, key=lambda e: e["path"].rsplit("/", 1)[-1])
        data = _dataset(root, by_write, "delta")
        column = data.to_table(columns=[s.VPN_CONNECTION_ID]).column(0)
        first = {}
        for chunk in column.chunks:
            chunk = chunk if pa.types.is_dictionary(chunk.type) else pc.dictionary_encode(chunk)
            used = np.unique(chunk.indices.drop_null().to_numpy(zero_copy_only=False))
            first.update(dict.fromkeys(chunk.dictionary.take(pa.array(used)).to_pylist()))
    return sorted(first) if order == "sorted" else list(first)


#: Verify every page's CRC on read: a flipped byte is an error, never a changed row.
_FORMAT = pads.ParquetFileFormat(
    default_fragment_scan_options=pads.ParquetFragmentScanOptions(page_checksum_verification=True)
)


def _file_path(root: delta.Location, path: str) -> str:
    """Return the ``fs`` path of a file the log or manifest lists (relative, or a URI)."""
    if "://" in path:
        scheme, _, rest = path.partition("://")
        return rest if scheme.lower() in ("s3", "s3a") else path
    return path if path.startswith("/") else root.path(path)


def _check_files(root: delta.Location, entries: list[dict[str, Any]]) -> None:
    """Every file the log lists is there, of the log's size, its footer intact; else an error.

    The footer (not covered by the page checksums) is checked against the CRC in the
    file's name. Local folders only: on S3 each fragment is opened with the log's size (a
    shorter or longer object fails its footer read, named by :func:`_damaged`), saving a
    request per file.
    """
    if root.local is None:
        return
    for e in entries:
        path = _file_path(root, e["path"])
        size = e.get("size")
        if size is None:
            continue
        try:
            have = os.stat(path).st_size
        except FileNotFoundError:
            raise SourceError(
                f"{path}: a data file of the dataset is missing (the table's log lists it); "
                "restore it, or write the dataset again with existing='overwrite'"
            ) from None
        if have != size:
            raise SourceError(
                f"{path}: damaged data file: {have} bytes, the table's log says {size}; "
                "restore it, or write the dataset again with existing='overwrite'"
            )
        want = _FOOTER_CRC.search(path)
        if want is not None:
            with open(path, "rb") as f:
                f.seek(max(0, size - 8))
                length = int.from_bytes(f.read(4), "little")
                f.seek(max(0, size - 8 - length))
                crc = zlib.crc32(f.read())
            if crc != int(want.group(1), 16):
                raise SourceError(
                    f"{path}: damaged data file: its footer (the Parquet metadata) does not "
                    "match the CRC in its name; restore it, or write the dataset again "
                    "with existing='overwrite'"
                )


def _dataset(root: delta.Location, entries: list[dict[str, Any]], kind: str) -> pads.Dataset:
    """Return the Arrow dataset of these files, partition values from the log as columns."""
    if kind == "legacy":
        paths = [_file_path(root, e["path"]) for e in entries]
        return pads.dataset(paths, schema=arrow_schema(), format=_FORMAT, filesystem=root.fs)
    parts = tuple(c for c in PARTITION_COLUMNS if c in (entries[0]["partition"] if entries else {}))
    schema = storage_schema(parts)
    if s.VPN_CONNECTION_ID in parts:
        schema = schema.append(pa.field(s.VPN_CONNECTION_ID, pa.string()))
    fragments = []
    for e in entries:
        expr = pc.scalar(True)
        value = e["partition"].get(s.VPN_CONNECTION_ID)
        if s.VPN_CONNECTION_ID in parts:
            expr = (
                pc.field(s.VPN_CONNECTION_ID).is_null()
                if value is None
                else pc.field(s.VPN_CONNECTION_ID) == pa.scalar(value, pa.string())
            )
        fragments.append(
            _FORMAT.make_fragment(
                _file_path(root, e["path"]),
                filesystem=root.fs,
                partition_expression=expr,
                file_size=e.get("size"),
            )
        )
    return pads.FileSystemDataset(fragments, schema, _FORMAT, root.fs)


def _damaged(
    root: delta.Location, data: pads.Dataset, cols: list[str], exc: BaseException
) -> SourceError:
    """Name the file a failed scan could not read (each file scanned alone)."""
    for fragment in data.get_fragments():
        try:
            fragment.to_table(schema=data.schema, columns=cols)
        except (OSError, pa.ArrowException) as bad:
            if root.local is None and "AWS Error" in str(bad):
                return SourceError(
                    f"s3://{fragment.path}: cannot read this data file of the dataset {root} "
                    f"from S3 ({bad}); check the connection and credentials, then run it again"
                )
            return SourceError(
                f"{fragment.path}: damaged data file of the dataset {root} ({bad}); restore "
                "it, or write the dataset again from the logs with existing='overwrite'"
            )
    return SourceError(f"{root}: the dataset could not be read ({exc}); run it again")


def read_parquet(
    dataset_dir: str | os.PathLike[str],
    *,
    start: Any = None,
    end: Any = None,
    vpn_connection_ids: str | Iterable[str] | None = None,
    columns: Sequence[str] | None = None,
    boto3_session: Any = None,
) -> pd.DataFrame:
    """Read the events table back from a dataset written by :func:`to_parquet`.

    Only committed data is read (the files the Delta table's log lists). Only the files
    of the days in the window and of the connections asked for are opened (from the
    log), only the rows of those connections and times are kept (Arrow filters), and only
    the columns asked for are decoded. Every page's checksum is verified. A dataset of an
    earlier version (``_vpnlog_dataset.json``) is read through its manifest.

    Parameters
    ----------
    dataset_dir : str or path-like
        The dataset folder, or its ``s3://bucket/prefix``.
    start, end : pandas.Timestamp or str, optional
        Keep rows with ``start <= time < end`` (UTC strings or tz-aware). Analyses that
        need the tunnel state at ``start`` should read from a little earlier.
    vpn_connection_ids : str or iterable of str, optional
        Keep these connections only.
    columns : sequence of str, optional
        Events columns to return, in table order; default all.
    boto3_session : boto3.Session, optional
        For ``s3://`` datasets: endpoint, region and keys (default: the environment:
        ``AWS_ENDPOINT_URL``, ``AWS_REGION``, the keys or the default credential chain).

    Returns
    -------
    pandas.DataFrame
        The events table with the dtypes of :func:`schema.events_dtypes`, sorted by
        tunnel then time (records of one second in the order they were written).
        ``vpn_connection_id``, ``tunnel_ip`` and the small open categories have sorted
        categories, as :func:`read_logs` gives them; ``attrs["files_read"]`` counts files.

    Raises
    ------
    SourceError
        The folder is not a dataset written by :func:`to_parquet`, or a data file is
        missing or damaged (the error names it).
    OptionError
        An unknown column, a window that ends before it starts.

    Examples
    --------
    >>> read_parquet("events.parquet", start="2026-10-01", end="2026-10-08",
    ...              vpn_connection_ids=["vpn-0123456789abcdef0"])  # doctest: +SKIP
    """
    root = delta.location(dataset_dir, boto3_session=boto3_session)
    if columns is None:
        wanted = list(s.EVENT_COLUMNS)
    else:
        if isinstance(columns, str):
            columns = [columns]
        unknown = [c for c in columns if c not in s.EVENT_COLUMNS]
        if unknown:
            raise OptionError(
                f"columns {unknown!r} are not events columns; choose from "
                f"{', '.join(s.EVENT_COLUMNS)}"
            )
        wanted = [c for c in s.EVENT_COLUMNS if c in set(columns)]
    kind = _kind(root)
    entries = dataset_files(root, start=start, end=end, vpn_connection_ids=vpn_connection_ids)
    lo, hi = _window(start, end)
    ids = _check_ids(vpn_connection_ids)
    keys = [s.VPN_CONNECTION_ID, s.TUNNEL_IP, s.TIME]
    read_cols = list(dict.fromkeys([*wanted, *keys]))
    if entries:
        _check_files(root, entries)
        data = _dataset(root, entries, kind)
        unit = data.schema.field(s.TIME).type.unit
        cond = None
        if ids is not None:
            cond = pads.field(s.VPN_CONNECTION_ID).isin(ids)
        if lo is not None:
            c = pads.field(s.TIME) >= _time_scalar(lo, unit)
            cond = c if cond is None else cond & c
        if hi is not None:
            c = pads.field(s.TIME) < _time_scalar(hi, unit)
            cond = c if cond is None else cond & c

        def fetch(cols: list[str]) -> pa.Table:
            try:
                table = data.to_table(columns=cols, filter=cond)
            except (OSError, pa.ArrowException) as exc:
                raise _damaged(root, data, cols, exc) from exc
            return _events_types(table)
    else:

        def fetch(cols: list[str]) -> pa.Table:
            return arrow_schema().empty_table().select(cols)

    filtered = any(v is not None for v in (ids, lo, hi))
    try:
        events = _to_events(fetch, wanted, compact=filtered)
    except _Reordered:  # the scans disagree on the row order: read everything at once
        whole = fetch(read_cols)
        events = _to_events(lambda cols: whole.select(cols), wanted, compact=filtered)
    events.attrs = {"files_read": len(entries), "records": len(events)}
    return events


def _time_scalar(ts: pd.Timestamp, unit: str) -> pa.Scalar:
    """``ts`` in the column's unit, rounded up: ``time >= ts`` and ``time < ts`` stay exact."""
    ns = int(ts.as_unit("ns").value)
    per = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}[unit]
    return pa.scalar(-(-ns // per), pa.timestamp(unit, "UTC"))


def _events_types(table: pa.Table) -> pa.Table:
    """Give stored columns the events types where it matters to decoding: ``time`` in ns."""
    if s.TIME in table.column_names:
        i = table.column_names.index(s.TIME)
        if table.schema.field(i).type.unit != "ns":
            table = table.set_column(i, s.TIME, table.column(i).cast(pa.timestamp("ns", tz="UTC")))
    return table


def _dictionary_codes(column: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Codes (-1 for null) and the distinct values of a (dictionary) column."""
    if not pa.types.is_dictionary(column.type):
        column = pa.chunked_array(
            [pc.dictionary_encode(c.cast(pa.string())) for c in column.chunks],
            type=pa.dictionary(pa.int32(), pa.string()),
        )
    if column.num_chunks == 0:
        return np.zeros(0, np.int32), pa.array([], pa.string())
    # one dictionary for every file's piece (a memo table: the values stay distinct)
    unified = column.unify_dictionaries()
    indices = pa.chunked_array([c.indices for c in unified.chunks]).combine_chunks()
    codes = np.asarray(indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int32)
    return codes, unified.chunk(0).dictionary


def _remap(codes: np.ndarray, remap: np.ndarray) -> np.ndarray:
    return np.append(remap, -1).astype(np.int32)[codes]


def _categories(
    codes: np.ndarray, values: pa.Array, dtype: pd.CategoricalDtype, *, sort: bool, compact: bool
) -> tuple[np.ndarray, pd.CategoricalDtype]:
    """Codes into the events dtype's categories: fixed, sorted, or in order of appearance."""
    if dtype.categories is not None:
        fixed = pd.Index(dtype.categories)
        return _remap(codes, fixed.get_indexer(values.to_pylist())), dtype
    if compact and len(values):
        # files hold only the values they use; unused ones appear only after a filter
        used = np.bincount(codes + 1, minlength=len(values) + 1)[1:] > 0
        if not used.all():
            new = np.cumsum(used) - 1
            codes = _remap(codes, np.where(used, new, -1))
            values = values.filter(pa.array(used))
    if sort and len(values):
        order = np.asarray(values.to_pandas().argsort(kind="stable"))
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        codes, values = _remap(codes, rank), values.take(pa.array(order))
    index = pd.Index(values.to_pandas()) if len(values) else pd.Index([], dtype=object)
    fast = getattr(pd.CategoricalDtype, "_from_fastpath", None)
    return codes, (fast(index, False) if fast is not None else pd.CategoricalDtype(index))


class _Reordered(Exception):
    """Two scans of the same files gave their rows in different orders."""


#: Columns read per scan after the keys: the Arrow copy in memory is that many columns.
_COLUMNS_PER_SCAN = 6


def _to_events(fetch: Any, wanted: list[str], *, compact: bool) -> pd.DataFrame:
    """Read the rows (``fetch(columns)`` scans) into the events table, by tunnel then time.

    The key columns are read first (they give the order); the others a few at a time,
    each Arrow column released once converted: the peak is the pandas table plus the
    Arrow copy of a few columns, not of the whole table. Each later scan must return the
    rows in the order of the first (checked on ``time``; else :class:`_Reordered`).
    Dictionary columns become categoricals directly (the dictionaries of all files
    unified once), and the rows are put in order with one take per column.
    """
    dtypes = s.events_dtypes()
    keys = fetch([s.VPN_CONNECTION_ID, s.TUNNEL_IP, s.TIME])
    key_time = keys.column(s.TIME)
    columns = {name: keys.column(name) for name in keys.column_names}
    del keys
    rest = [c for c in wanted if c not in columns]
    scans = [rest[i : i + _COLUMNS_PER_SCAN] for i in range(0, len(rest), _COLUMNS_PER_SCAN)]
    codes: dict[str, tuple[np.ndarray, pd.CategoricalDtype]] = {}
    for key in (s.VPN_CONNECTION_ID, s.TUNNEL_IP):
        c, values = _dictionary_codes(columns.pop(key))
        codes[key] = _categories(c, values, dtypes[key], sort=True, compact=True)
    t_col = columns.pop(s.TIME).combine_chunks()
    t = np.asarray(t_col.cast(pa.int64()).fill_null(np.iinfo(np.int64).min), dtype=np.int64)
    del t_col
    order = _order(codes[s.VPN_CONNECTION_ID][0], codes[s.TUNNEL_IP][0], t)
    out: dict[str, Any] = {}
    for name in wanted:
        if name not in columns and name not in codes and name != s.TIME:
            scan = next(group for group in scans if name in group)
            table = fetch([*scan, s.TIME])
            if table.num_rows != len(t) or not table.column(s.TIME).equals(key_time):
                raise _Reordered
            columns.update({c: table.column(c) for c in scan})
            del table
        dtype = dtypes[name]
        if name == s.TIME:
            values = t if order is None else t[order]
            out[name] = pd.DatetimeIndex(values.view("datetime64[ns]")).tz_localize("UTC")
            continue
        if name in codes:
            c, cat_dtype = codes[name]
        elif isinstance(dtype, pd.CategoricalDtype):
            c, values = _dictionary_codes(columns.pop(name))
            big = name in _UNSORTED
            c, cat_dtype = _categories(c, values, dtype, sort=not big, compact=compact or not big)
        else:
            arr = columns.pop(name).combine_chunks()
            mask = np.asarray(arr.is_null(), dtype=bool)
            if isinstance(dtype, pd.BooleanDtype):
                data = np.asarray(arr.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
                if order is not None:
                    data, mask = data[order], mask[order]
                out[name] = pd.arrays.BooleanArray(data, mask)
            else:
                np_dtype = dtype.numpy_dtype  # type: ignore[attr-defined]
                data = np.asarray(arr.fill_null(0).to_numpy(zero_copy_only=False), dtype=np_dtype)
                if order is not None:
                    data, mask = data[order], mask[order]
                out[name] = pd.arrays.IntegerArray(data, mask)
            del arr
            continue
        if order is not None:
            c = c[order]
        out[name] = pd.Categorical.from_codes(c, dtype=cat_dtype, validate=False)
    return pd.DataFrame(out, copy=False)


def _order(conn: np.ndarray, ip: np.ndarray, t: np.ndarray) -> np.ndarray | None:
    """Row order by tunnel then time (stable), or None when the rows are in order.

    Files hold whole days sorted by tunnel then time, and are read in day order: a
    stable sort by tunnel alone then gives time order within each tunnel, which is
    checked (a full sort is the fallback).
    """
    key = conn.astype(np.int64) * (int(ip.max(initial=0)) + 2) + ip
    if len(key) < 2:
        return None
    dk, dt = np.diff(key), np.diff(t)
    if np.all((dk > 0) | ((dk == 0) & (dt >= 0))):
        return None
    small = key.max() < np.iinfo(np.int16).max and key.min() >= np.iinfo(np.int16).min
    order = np.argsort(key.astype(np.int16) if small else key, kind="stable")
    tt = t[order]
    same = key[order][1:] == key[order][:-1]
    if np.any(same & (tt[1:] < tt[:-1])):
        order = np.lexsort((t, key))
    return order
