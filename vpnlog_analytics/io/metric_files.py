"""Metrics and maintenance tables saved to files (CSV or Parquet), and read back.

``vpnlog metrics -o metrics.parquet`` and ``vpnlog maintenance -o maintenance.csv`` save
what they fetched, so ``vpnlog reconcile`` / ``availability`` / ``report`` can work offline
and an audit can keep the very figures it used. :func:`read_metrics` also reads a CSV
export of the same columns from elsewhere.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import schema as s
from ..errors import FormatError, SchemaError, SourceError

__all__ = ["read_maintenance_events", "read_metrics", "write_table"]


def _read(path: str | Path) -> pd.DataFrame:
    p = Path(path).expanduser()
    if not p.is_file():
        raise SourceError(f"{p}: no such file")
    if p.suffix.lower() == ".parquet":
        return pd.read_parquet(p)
    if p.suffix.lower() in (".csv", ".txt"):
        return pd.read_csv(p)
    raise FormatError(f"{p}: cannot tell the format; use a .csv or .parquet file")


def read_metrics(path: str | Path) -> pd.DataFrame:
    """Read a metrics table (``fetch_metrics``' columns) from a CSV or Parquet file.

    Parameters
    ----------
    path : str or pathlib.Path
        ``.csv`` or ``.parquet``.

    Returns
    -------
    pandas.DataFrame
        The metrics table (:data:`~vpnlog_analytics.schema.METRIC_COLUMNS`, UTC times).

    Raises
    ------
    SourceError, FormatError, SchemaError
        No such file, an unknown extension, missing columns (named).

    Examples
    --------
    >>> metrics = read_metrics("metrics.parquet")  # doctest: +SKIP
    """
    frame = _read(path)
    try:
        return s.tidy_metrics(frame)
    except SchemaError as exc:
        raise SchemaError(f"{path}: {exc}") from None


def read_maintenance_events(path: str | Path) -> pd.DataFrame:
    """Read a maintenance events table (``fetch_maintenance``' columns) from CSV or Parquet.

    Parameters
    ----------
    path : str or pathlib.Path
        ``.csv`` or ``.parquet``.

    Returns
    -------
    pandas.DataFrame
        The maintenance events table (:data:`~vpnlog_analytics.schema.MAINTENANCE_COLUMNS`).

    Raises
    ------
    SourceError, FormatError, SchemaError
        No such file, an unknown extension, missing columns (named).
    """
    frame = _read(path)
    missing = [c for c in s.MAINTENANCE_COLUMNS if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"{path}: not a maintenance events table, missing {missing} "
            "(write one with vpnlog maintenance -o FILE)"
        )
    frame = frame.astype({c: object for c in s.MAINTENANCE_COLUMNS if c not in ("start", "end")})
    rows = list(frame[list(s.MAINTENANCE_COLUMNS)].itertuples(index=False, name=None))
    return s.maintenance_table(rows)


def write_table(table: pd.DataFrame, path: str | Path) -> Path:
    """Write a metrics or maintenance table to ``.csv`` (times ISO 8601 UTC) or ``.parquet``.

    Parameters
    ----------
    table : pandas.DataFrame
        The table.
    path : str or pathlib.Path
        The file; its extension picks the format; parent folders are created.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    p = Path(path).expanduser()
    p.parent.mkdir(parents=True, exist_ok=True)
    if p.suffix.lower() == ".parquet":
        table.to_parquet(p, index=False)
    elif p.suffix.lower() == ".csv":
        table.to_csv(p, index=False, date_format="%Y-%m-%dT%H:%M:%S%z", lineterminator="\n")
    else:
        raise FormatError(f"{p}: use a .csv or .parquet file name")
    return p
