"""Loaders: every envelope the logs arrive in, detected by content, into the events table."""

from .parquet import read_parquet, to_parquet
from .reader import parse_records, read_logs
from .stream import iter_events

__all__ = ["iter_events", "parse_records", "read_logs", "read_parquet", "to_parquet"]
