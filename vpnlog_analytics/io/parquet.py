"""A partitioned Parquet dataset of the events table: write by streaming, read back pruned.

Layout (hive partitioning, one folder per UTC day, optionally per connection too)::

    dataset/
      _vpnlog_dataset.json          manifest: schema version, partitioning, files
      date=2026-10-01/part-0000-00000.parquet
      date=2026-10-01/part-0000-00001.parquet
      date=2026-10-02/...

Every file holds the rows of one chunk of sources for one day, sorted by tunnel then
time; categorical columns are Parquet dictionary columns. The manifest lists each file
with its day, connections and row count, so a reader opens only the files of the days
and connections it is asked for.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from .. import schema as s
from ..errors import OptionError, SourceError
from ..options import check_choice, to_utc
from .issues import ERRORS_CHOICES
from .reader import Source
from .stream import map_chunks

__all__ = ["ParquetSummary", "dataset_files", "read_parquet", "to_parquet"]

log = logging.getLogger(__name__)

#: The manifest file of a dataset written by :func:`to_parquet`.
MANIFEST = "_vpnlog_dataset.json"
#: Version of the layout; bumped when files written earlier can no longer be read.
LAYOUT_VERSION = 1
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
    dataset_dir : pathlib.Path
        The dataset folder.
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

    dataset_dir: Path
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


def _load_manifest(root: Path) -> dict[str, Any]:
    path = root / MANIFEST
    if not path.is_file():
        raise SourceError(
            f"{root}: not a vpnlog-analytics Parquet dataset (no {MANIFEST}); "
            "write one with vpnlog_analytics.to_parquet()"
        )
    manifest: dict[str, Any] = json.loads(path.read_text())
    if manifest.get("layout") != LAYOUT_VERSION:
        raise SourceError(
            f"{root}: dataset layout {manifest.get('layout')!r} is not {LAYOUT_VERSION}; "
            "write it again with this version's to_parquet()"
        )
    return manifest


def _save_manifest(root: Path, manifest: dict[str, Any]) -> None:
    tmp = root / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=1))
    os.replace(tmp, root / MANIFEST)


def _prepare_dir(
    root: Path, existing: str, partition_by: tuple[str, ...], *, apply: bool = True
) -> dict[str, Any]:
    """Create, clear or reopen the dataset folder as ``existing`` says; return the manifest.

    With ``apply=False`` only check (raise as it would), touching nothing.
    """
    fresh: dict[str, Any] = {
        "layout": LAYOUT_VERSION,
        "partition_by": list(partition_by),
        "runs": 0,
        "files": [],
    }
    if root.exists() and not root.is_dir():
        raise SourceError(f"{root}: exists and is not a folder")
    if not root.exists() or not any(root.iterdir()):
        if apply:
            root.mkdir(parents=True, exist_ok=True)
        return fresh
    has_manifest = (root / MANIFEST).is_file()
    if existing == "error":
        raise SourceError(
            f"{root}: the folder exists and is not empty; pass existing='overwrite' to "
            "replace the dataset or existing='append' to add to it"
        )
    if not has_manifest:
        # Never delete or mix into a folder this function did not write.
        raise SourceError(
            f"{root}: the folder is not empty and holds no {MANIFEST}; it is not a dataset "
            f"written by to_parquet(), so existing={existing!r} will not touch it"
        )
    if existing == "overwrite":
        if not apply:
            return fresh
        shutil.rmtree(root)
        root.mkdir(parents=True)
        return fresh
    manifest = _load_manifest(root)
    if tuple(manifest["partition_by"]) != partition_by:
        raise OptionError(
            f"{root}: the dataset is partitioned by {tuple(manifest['partition_by'])!r}; "
            f"append with the same partition_by, not {partition_by!r}"
        )
    return manifest


def _to_table(events: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pandas(
        events[list(s.EVENT_COLUMNS)], schema=schema, preserve_index=False
    ).replace_schema_metadata(None)


def _compact(table: pa.Table) -> pa.Table:
    """Drop dictionary values a piece does not use (a chunk's messages span every day)."""
    columns = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type) and column.num_chunks:
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
    """One file to write: a partition of a chunk, encoded, with its manifest facts."""

    values: dict[str, str]  # partition column -> value
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


def _encode(events: pd.DataFrame, parts: tuple[str, ...], schema: pa.Schema) -> _Encoded:
    """Split a chunk by partition and encode each piece for Parquet (in a worker thread)."""
    if events.empty:
        return _Encoded(dict(events.attrs), [])
    table = _to_table(events, schema)
    conn = events[s.VPN_CONNECTION_ID]
    time_ns = events[s.TIME].array.asi8
    pieces = []
    for values, rows in _split(events, parts):
        ns = time_ns[rows]
        ns = ns[ns != np.iinfo(np.int64).min]
        pieces.append(
            _Piece(
                values,
                _compact(table.take(pa.array(rows))),
                int(ns.min()) if ns.size else None,
                int(ns.max()) if ns.size else None,
                sorted(str(c) for c in pd.unique(conn.take(rows).dropna())),
                {_day_label(d) for d in np.unique(np.floor_divide(ns, _DAY_NS))},
            )
        )
    return _Encoded(dict(events.attrs), pieces)


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
    """Convert logs into a partitioned Parquet dataset of the events table, streaming.

    Sources are read a few files at a time (:func:`iter_events`), so peak memory is
    bounded by the chunk (``files_per_chunk`` files), whatever the size of the input.
    Each chunk is written as one file per partition (``date=YYYY-MM-DD`` folders: the
    UTC day of ``time``), its rows sorted by tunnel then time, every events column kept
    in its type (categories as dictionary columns). A manifest,
    ``_vpnlog_dataset.json``, lists the files with their day, connections and rows.

    Parameters
    ----------
    source : path, directory, glob, file-like object, or a list of these
        As for :func:`read_logs` (``s3://`` prefixes too).
    dataset_dir : str or path-like
        Folder of the dataset.
    partition_by : tuple of str, default ("date",)
        Partition folders, from ``"date"`` and ``"vpn_connection_id"``. Adding the
        connection makes reading one connection cheaper and writes more, smaller files.
    existing : {"error", "overwrite", "append"}, default "error"
        What to do when ``dataset_dir`` exists and is not empty: raise; delete the
        dataset and write a new one; or add this call's files to it (same
        ``partition_by``; records are not deduplicated against earlier runs). A
        non-empty folder without a manifest is never overwritten nor appended to.
    log_stream : str, optional
        Stream name for records that name none.
    errors : {"raise", "skip"}
        As for :func:`read_logs`; skipped records are counted in the summary.
    files_per_chunk : int, default 16
        Source files parsed together; larger is faster, smaller uses less memory.
    compression : str, default "zstd"
        Parquet compression codec (``"zstd"``, ``"snappy"``, ``"gzip"``, ``"none"``).
    boto3_session : boto3.Session, optional
        For ``s3://`` sources.

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
    :func:`iter_events`). On failure the files written so far stay listed in the
    manifest, so the dataset remains readable.

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
    root = Path(dataset_dir).expanduser()
    schema = arrow_schema()

    def encode(events: pd.DataFrame) -> _Encoded:
        return _encode(events, parts, schema)

    # Each chunk is also encoded (split by partition, compacted) in its worker thread;
    # this thread writes the files and the manifest in order.
    chunks = map_chunks(
        source,
        encode,
        log_stream=log_stream,
        errors=errors,
        files_per_chunk=files_per_chunk,
        boto3_session=boto3_session,
    )
    _prepare_dir(root, existing, parts, apply=False)
    # Read the first chunk before touching the folder: a missing source fails first.
    first = next(chunks, None)
    manifest = _prepare_dir(root, existing, parts)
    run = int(manifest["runs"])
    manifest["runs"] = run + 1
    records = files = sources = dropped = 0
    skipped: dict[str, int] = {}
    days: set[str] = set()
    try:
        for k, chunk in enumerate(itertools.chain([first] if first is not None else [], chunks)):
            sources += len(chunk.attrs.get("sources", {}))
            dropped += int(chunk.attrs.get("duplicates_dropped", 0))
            for reason, n in chunk.attrs.get("skipped", {}).items():
                skipped[reason] = skipped.get(reason, 0) + int(n)
            for piece in chunk.pieces:
                path = _write_piece(piece, root, f"part-{run:04d}-{k:05d}.parquet", compression)
                manifest["files"].append(
                    {
                        "path": path.relative_to(root).as_posix(),
                        DATE: piece.values.get(DATE),
                        "first": piece.first,
                        "last": piece.last,
                        "connections": piece.connections,
                        "rows": piece.table.num_rows,
                    }
                )
                records += piece.table.num_rows
                files += 1
                days.update(piece.days)
            del chunk
    finally:
        _save_manifest(root, manifest)
    log.info("wrote %d records in %d files to %s", records, files, root)
    return ParquetSummary(root, records, files, sources, skipped, dropped, tuple(sorted(days)))


def _write_piece(piece: _Piece, root: Path, name: str, compression: str) -> Path:
    """Write one piece into its partition folder (made if new); return the file's path."""
    folder = root.joinpath(*(f"{c}={v}" for c, v in piece.values.items()))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    pq.write_table(
        piece.table, path, compression=compression, write_statistics=list(STATISTICS_COLUMNS)
    )
    return path


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


def dataset_files(
    dataset_dir: str | os.PathLike[str],
    *,
    start: Any = None,
    end: Any = None,
    vpn_connection_ids: str | Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """Return the manifest entries of the files a read of this window and these ids opens.

    Parameters
    ----------
    dataset_dir : str or path-like
        A dataset written by :func:`to_parquet`.
    start, end : pandas.Timestamp or str, optional
        Window ``[start, end)`` (UTC strings or tz-aware); files whose records all lie
        outside it are left out (with date partitions: the other days' folders).
    vpn_connection_ids : str or iterable of str, optional
        Connections; files holding none of them are left out.

    Returns
    -------
    list of dict
        ``path`` (relative), ``date`` (its partition, None if not partitioned by date),
        ``first`` and ``last`` time [ns since the epoch], ``connections``, ``rows`` of
        each file; days in order, files of a day in write order.

    Examples
    --------
    >>> len(dataset_files("events.parquet", start="2026-10-03", end="2026-10-04"))  # doctest: +SKIP
    12
    """
    root = Path(dataset_dir).expanduser()
    manifest = _load_manifest(root)
    lo, hi = _window(start, end)
    lo_ns = int(lo.as_unit("ns").value) if lo is not None else None
    hi_ns = int(hi.as_unit("ns").value) if hi is not None else None
    ids = _check_ids(vpn_connection_ids)
    wanted = set(ids) if ids is not None else None
    out = []
    for entry in manifest["files"]:
        first, last = entry.get("first"), entry.get("last")
        if lo_ns is not None and last is not None and last < lo_ns:
            continue
        if hi_ns is not None and first is not None and first >= hi_ns:
            continue
        if wanted is not None and not wanted.intersection(entry["connections"]):
            continue
        out.append(entry)
    # Day order first; within a day, write order (the order records of a second arrived).
    return sorted(out, key=lambda e: (e.get(DATE) or "", e["path"]))


def dataset_connections(dataset_dir: str | os.PathLike[str], *, order: str = "sorted") -> list[str]:
    """Return the connection ids of a dataset (from its manifest, no data read).

    Parameters
    ----------
    dataset_dir : str or path-like
        A dataset written by :func:`to_parquet`.
    order : {"sorted", "written"}, default "sorted"
        Sorted ids, or in the order they were first written (connections written in the
        same chunk share files: read together, they open fewer files).

    Returns
    -------
    list of str
        Every ``vpn_connection_id`` with at least one row in the dataset.
    """
    check_choice("order", order, ("sorted", "written"))
    manifest = _load_manifest(Path(dataset_dir).expanduser())
    first = dict.fromkeys(c for e in manifest["files"] for c in e["connections"])
    return sorted(first) if order == "sorted" else list(first)


def read_parquet(
    dataset_dir: str | os.PathLike[str],
    *,
    start: Any = None,
    end: Any = None,
    vpn_connection_ids: str | Iterable[str] | None = None,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read the events table back from a dataset written by :func:`to_parquet`.

    Only the files of the days in the window and of the connections asked for are
    opened (from the manifest), only the rows of those connections and times are kept
    (Arrow filters), and only the columns asked for are decoded.

    Parameters
    ----------
    dataset_dir : str or path-like
        The dataset folder.
    start, end : pandas.Timestamp or str, optional
        Keep rows with ``start <= time < end`` (UTC strings or tz-aware). Analyses that
        need the tunnel state at ``start`` should read from a little earlier.
    vpn_connection_ids : str or iterable of str, optional
        Keep these connections only.
    columns : sequence of str, optional
        Events columns to return, in table order; default all.

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
        The folder is not a dataset written by :func:`to_parquet`.
    OptionError
        An unknown column, a window that ends before it starts.

    Examples
    --------
    >>> read_parquet("events.parquet", start="2026-10-01", end="2026-10-08",
    ...              vpn_connection_ids=["vpn-0123456789abcdef0"])  # doctest: +SKIP
    """
    root = Path(dataset_dir).expanduser()
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
    entries = dataset_files(root, start=start, end=end, vpn_connection_ids=vpn_connection_ids)
    lo, hi = _window(start, end)
    ids = _check_ids(vpn_connection_ids)
    keys = [s.VPN_CONNECTION_ID, s.TUNNEL_IP, s.TIME]
    read_cols = list(dict.fromkeys([*wanted, *keys]))
    schema = arrow_schema()
    if entries:
        data = pads.dataset(
            [str(root / e["path"]) for e in entries], schema=schema, format="parquet"
        )
        cond = None
        if ids is not None:
            cond = pads.field(s.VPN_CONNECTION_ID).isin(ids)
        if lo is not None:
            c = pads.field(s.TIME) >= pa.scalar(lo.as_unit("ns"), pa.timestamp("ns", "UTC"))
            cond = c if cond is None else cond & c
        if hi is not None:
            c = pads.field(s.TIME) < pa.scalar(hi.as_unit("ns"), pa.timestamp("ns", "UTC"))
            cond = c if cond is None else cond & c

        def fetch(cols: list[str]) -> pa.Table:
            return data.to_table(columns=cols, filter=cond)
    else:

        def fetch(cols: list[str]) -> pa.Table:
            return schema.empty_table().select(cols)

    filtered = any(v is not None for v in (ids, lo, hi))
    try:
        events = _to_events(fetch, wanted, compact=filtered)
    except _Reordered:  # the scans disagree on the row order: read everything at once
        whole = fetch(read_cols)
        events = _to_events(lambda cols: whole.select(cols), wanted, compact=filtered)
    events.attrs = {"files_read": len(entries), "records": len(events)}
    return events


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
