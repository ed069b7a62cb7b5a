"""Loaders: every envelope the logs arrive in, detected by content, into the events table.

io imports no cloud SDK and no :mod:`vpnlog_analytics.aws` (DESIGN.md section 5): remote
URIs are read through the listers of :data:`REMOTE_LISTERS`; the package registers the
``s3://`` one (``aws.list_s3_objects``, imported on first use) when it is imported.
"""

from .parquet import read_parquet, to_parquet
from .reader import REMOTE_LISTERS, parse_records, read_logs, register_remote, source_names
from .stream import iter_events

__all__ = [
    "REMOTE_LISTERS",
    "iter_events",
    "parse_records",
    "read_logs",
    "read_parquet",
    "register_remote",
    "source_names",
    "to_parquet",
]
