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
from urllib.parse import quote

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["RAW_SCHEMA", "DayCache"]

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
        path = self.path(day, selection)
        if not path.is_file():
            return None
        try:
            table = pq.read_table(path)
            meta = json.loads((table.schema.metadata or {})[_META_KEY])
            ok = meta.get("version") == _VERSION and meta.get("day") == f"{day:%Y-%m-%d}"
            if not ok or meta.get("records") != table.num_rows:
                raise ValueError("metadata does not match the file")
        except (OSError, ValueError, KeyError, pa.ArrowException) as exc:
            log.warning("ignoring unreadable cache file %s (%s); fetching the day again", path, exc)
            return None
        return table.select(RAW_SCHEMA.names).cast(RAW_SCHEMA)

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
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {"version": _VERSION, "day": f"{day:%Y-%m-%d}", "records": table.num_rows}
        table = table.cast(RAW_SCHEMA).replace_schema_metadata({_META_KEY: json.dumps(meta)})
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
        try:
            pq.write_table(table, tmp, compression="zstd")
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return path
