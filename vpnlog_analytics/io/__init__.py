"""Loaders: every envelope the logs arrive in, detected by content, into the events table.

How a source becomes the events table, one module a step::

    source: path, glob, s3:// URI, records   reader.py     read_logs, parse_records
      -> format, detected by content         detect.py     sniff (charset.py, decode.py)
      -> envelope family, read into batches  envelopes.py  read_bytes -> Batch (batch.py)
      -> heads cut, bodies made distinct     batch.py      distinct_bodies
      -> records parsed                      records.py    parse_records_unique
      -> classified and checked, per chunk   build.py      parse_part (catalog per template)
      -> merged, deduplicated, sorted        merge.py      merge_parts
      -> events                              (stream.py: iter_events, chunk by chunk)

Beside it: parquet.py writes and reads the events dataset, a Delta Lake table (delta.py: its
log and commits);
metric_files.py and health.py read metrics and maintenance tables from files; issues.py
holds the bad-input policy (raise or skip and count), memory.py returns freed memory.
The byte-level passes run compiled where numba is installed (_kernels.py; skeleton.py
chooses, distinct.py numbers repeats by hashes) and as numpy/Arrow passes elsewhere
(_tokens_numpy.py): one table either way.

io imports no cloud SDK and no :mod:`vpnlog_analytics.aws` (DESIGN.md section 5): remote
URIs are read through the listers of :data:`REMOTE_LISTERS`; the package registers the
``s3://`` one (``aws.list_s3_objects``, imported on first use) when it is imported.
"""

from .gateway import read_gateway_logs
from .parquet import convert_dataset, read_parquet, to_parquet
from .reader import REMOTE_LISTERS, parse_records, read_logs, register_remote, source_names
from .stream import iter_events

__all__ = [
    "REMOTE_LISTERS",
    "convert_dataset",
    "iter_events",
    "parse_records",
    "read_gateway_logs",
    "read_logs",
    "read_parquet",
    "register_remote",
    "source_names",
    "to_parquet",
]
