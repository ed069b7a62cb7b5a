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

This module knows Delta, not the events table: schemas and rows come from ``parquet.py``.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..errors import SourceError

__all__ = [
    "DELTA_LOG",
    "commit",
    "committed_version",
    "file_entries",
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


def committed_version(root: Path) -> int | None:
    """Return the latest committed version of the table at ``root`` (None: no commit yet).

    Looks at the log folder only (no deltalake needed): a commit is a file
    ``_delta_log/<20 digits>.json``; temporary files of a commit in flight are not.
    """
    folder = root / DELTA_LOG
    if not folder.is_dir():
        return None
    versions = [
        int(p.name[:20])
        for p in folder.iterdir()
        if p.name.endswith(".json") and len(p.name) == 25 and p.name[:20].isdigit()
    ]
    checkpoints = [
        int(p.name[:20])
        for p in folder.iterdir()
        if p.name.endswith(".checkpoint.parquet") and p.name[:20].isdigit()
    ]
    found = versions + checkpoints
    return max(found) if found else None


def _table(root: Path, version: int | None = None) -> Any:
    dl = deltalake()
    try:
        return dl.DeltaTable(str(root), version=version)
    except dl.exceptions.TableNotFoundError as exc:
        raise SourceError(f"{root}: no committed Delta table here ({exc})") from exc


def table_partition_by(root: Path) -> tuple[str, ...]:
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


def file_entries(root: Path, version: int | None = None) -> list[FileEntry]:
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


def add_action(
    root: Path, path: str, partition: dict[str, str | None], stats: dict[str, Any]
) -> Any:
    """Return the ``AddAction`` of a data file written at ``root / path``."""
    deltalake()  # the clear error first
    from deltalake.transaction import AddAction

    full = root / path
    return AddAction(
        path=path,
        size=full.stat().st_size,
        partition_values=partition,
        modification_time=int(time.time() * 1000),
        data_change=True,
        stats=json.dumps(stats, separators=(",", ":")),
    )


def commit(
    root: Path,
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
    from the table in the same commit; its data files stay on disk until a vacuum).
    """
    dl = deltalake()
    from deltalake.exceptions import CommitFailedError, DeltaError
    from deltalake.transaction import CommitProperties, create_table_with_add_actions

    delta_schema = dl.Schema.from_arrow(schema)
    props = CommitProperties(custom_metadata=metadata)
    last: Exception | None = None
    for attempt in range(COMMIT_ATTEMPTS):
        try:
            if committed_version(root) is None or mode == "overwrite":
                # a new table, or one replaced whole (its partitioning may change)
                create_table_with_add_actions(
                    str(root),
                    delta_schema,
                    actions,
                    mode="overwrite" if mode == "overwrite" else "error",
                    partition_by=list(partition_by) or None,
                    name=TABLE_NAME,
                    description=TABLE_DESCRIPTION,
                    commit_properties=props,
                )
            else:
                table = dl.DeltaTable(str(root))
                have = tuple(table.metadata().partition_columns)
                if have != partition_by:
                    raise SourceError(
                        f"{root}: the table is partitioned by {have!r}; write to it with the "
                        f"same partition_by, not {partition_by!r}"
                    )
                table.create_write_transaction(
                    actions,
                    mode="append",
                    schema=delta_schema,
                    partition_by=list(partition_by) or None,
                    commit_properties=props,
                )
            return int(dl.DeltaTable(str(root)).version())
        except (CommitFailedError, DeltaError) as exc:
            # another writer committed first (or created the table): read the new version
            # and try again; an append never conflicts with an append
            if mode == "overwrite" and "exists" not in str(exc).lower():
                raise SourceError(
                    f"{root}: another write committed to the table while this one overwrote "
                    f"it ({exc}); nothing of this write was committed: run it again"
                ) from exc
            last = exc
            log.info("commit attempt %d to %s failed (%s); retrying", attempt + 1, root, exc)
            time.sleep(0.05 * (attempt + 1))
    raise SourceError(
        f"{root}: could not commit after {COMMIT_ATTEMPTS} attempts ({last}); nothing of this "
        "write was committed: run it again"
    ) from last


def is_ours_uncommitted(root: Path) -> bool:
    """Whether ``root`` holds only what an interrupted write of ours leaves: no commit yet.

    That is partition folders (``date=…``, ``vpn_connection_id=…``) of ``part-*.parquet``
    files, an empty or uncommitted ``_delta_log``, our old manifest's temporary file.
    """
    for entry in root.iterdir():
        name = entry.name
        if name == DELTA_LOG and entry.is_dir():
            continue
        if name.startswith("_vpnlog_dataset.json"):
            continue
        if entry.is_dir() and _is_partition_dir(entry):
            continue
        if entry.is_file() and name.startswith("part-") and name.endswith(".parquet"):
            continue
        return False
    return True


def _is_partition_dir(folder: Path) -> bool:
    if not folder.name.startswith(("date=", "vpn_connection_id=")):
        return False
    for entry in folder.iterdir():
        if entry.is_dir():
            if not _is_partition_dir(entry):
                return False
        elif not (entry.name.startswith("part-") and entry.name.endswith(".parquet")):
            return False
    return True


def remove_quietly(paths: list[Path]) -> None:
    """Delete files this call wrote and did not commit (best effort: orphans are harmless)."""
    for path in paths:
        try:
            os.remove(path)
        except OSError:
            pass
