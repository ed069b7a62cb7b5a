"""The local Parquet cache of fetched records: one file per log group, selection and day.

Layout: ``<cache_dir>/<account>/<region>/<quoted log group>/<selection>/<YYYY-MM-DD>.parquet``
holding the raw records (``log_stream``, ``time`` [ms], ``message``) of one whole UTC day.
A file is written only when its day was fetched completely and is over, to a temporary
name first and then renamed (atomic on POSIX and Windows), so an interrupted fetch never
leaves a partial day that a later call would read as complete. Nothing but records and
their window is stored: no credentials, tokens or session details.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["RAW_SCHEMA", "DayCache", "load_checked", "store_atomic"]

log = logging.getLogger(__name__)

#: Columns of a cached day (and of every fetched window before parsing).
RAW_SCHEMA = pa.schema(
    [("log_stream", pa.string()), ("time", pa.int64()), ("message", pa.string())]
)
_META_KEY = b"vpnlog_analytics.day"
_VERSION = 1


class DayCache:
    """Whole-day record files of one log group and stream selection.

    Parameters
    ----------
    root : str or pathlib.Path
        The ``cache_dir`` a user passed.
    account, region, log_group : str
        Where the records come from (the same group name in two accounts or regions
        gets two folders).
    selection : str
        ``"all"`` or a key of the stream selection (prefix / connection ids).
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        account: str,
        region: str,
        log_group: str,
        selection: str,
    ) -> None:
        self.base = Path(root).expanduser() / account / region / quote(log_group, safe="")
        self.selection = selection
        self.folder = self.base / selection

    def path(self, day: pd.Timestamp, selection: str | None = None) -> Path:
        """Return the file of ``day`` (for ``selection``, default this cache's)."""
        return self.base / (selection or self.selection) / f"{day:%Y-%m-%d}.parquet"

    def load(self, day: pd.Timestamp, selection: str | None = None) -> pa.Table | None:
        """Return the records of ``day``, or None when not cached (or unreadable)."""
        expect = {"version": _VERSION, "day": f"{day:%Y-%m-%d}"}
        return load_checked(
            self.path(day, selection), RAW_SCHEMA, key=_META_KEY, expect=expect, count="records"
        )

    def store(self, day: pd.Timestamp, table: pa.Table) -> Path:
        """Write the records of a whole, finished day: to a temporary file, then rename.

        Parameters
        ----------
        day : pandas.Timestamp
            Midnight UTC of the day.
        table : pyarrow.Table
            Columns of :data:`RAW_SCHEMA`.

        Returns
        -------
        pathlib.Path
            The cache file.
        """
        path = self.path(day)
        meta = {"version": _VERSION, "day": f"{day:%Y-%m-%d}", "records": table.num_rows}
        store_atomic(path, table, RAW_SCHEMA, key=_META_KEY, meta=meta)
        return path


def load_checked(
    path: Path, schema: pa.Schema, *, key: bytes, expect: dict[str, Any], count: str
) -> pa.Table | None:
    """Return the table of a cache file, or None when it is absent or not what it claims.

    The file's metadata (JSON under ``key``) must hold every item of ``expect`` and, under
    ``count``, the file's number of rows; a file that does not is logged and ignored, so
    its day is fetched again.
    """
    if not path.is_file():
        return None
    try:
        table = pq.read_table(path)
        meta = json.loads((table.schema.metadata or {})[key])
        ok = all(meta.get(k) == v for k, v in expect.items())
        if not ok or meta.get(count) != table.num_rows:
            raise ValueError("metadata does not match the file")
    except (OSError, ValueError, KeyError, pa.ArrowException) as exc:
        log.warning("ignoring unreadable cache file %s (%s); fetching the day again", path, exc)
        return None
    return table.select(schema.names).cast(schema)


def store_atomic(
    path: Path, table: pa.Table, schema: pa.Schema, *, key: bytes, meta: dict[str, Any]
) -> None:
    """Write a cache file with its metadata: to a temporary file, then rename.

    The rename is atomic on POSIX and Windows: an interrupted write never leaves a file
    that :func:`load_checked` would take as complete.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    table = table.cast(schema).replace_schema_metadata({key: json.dumps(meta)})
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    try:
        pq.write_table(table, tmp, compression="zstd")
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
