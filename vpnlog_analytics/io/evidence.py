"""Record counts that reconcile: records read = kept + duplicates dropped + skipped.

The loader counts every record it parses from a source (a line of a raw or S3 export
file, a row of an Insights CSV, a log event of a CLI or subscription document) exactly
once: kept in the events table, dropped as a duplicate of a record read before (from
another source, or the same ``eventId`` twice), or skipped as malformed (by reason). A
fault that costs a whole source or the rest of it (a truncated gzip member, a file in no
known format) counts as one skipped record, as ``attrs["skipped"]`` always has. The same
identity holds per source and in total, so an auditor who recounts the input files can
make the figures add up; :func:`counts_entry` writes it and :func:`record_counts` reads
it back, for the report, the manifest and the CLI alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["RecordCounts", "counts_entry", "record_counts", "source_counts"]


def counts_entry(*, kept: int, duplicates: int, skipped: Mapping[str, int]) -> dict[str, Any]:
    """Return the counts of a source (or of all sources) as ``attrs`` hold them.

    Parameters
    ----------
    kept : int
        Records kept in the events table.
    duplicates : int
        Records dropped as duplicates of a record read before.
    skipped : mapping of str to int
        Malformed records left out, by reason.

    Returns
    -------
    dict
        ``records`` (read: the sum of the other three), ``kept``, ``duplicates_dropped``
        and ``skipped`` (reason -> records).

    Examples
    --------
    >>> counts_entry(kept=7, duplicates=2, skipped={"bad_time": 1})["records"]
    10
    """
    skip = {str(k): int(v) for k, v in skipped.items() if v}
    return {
        "records": int(kept) + int(duplicates) + sum(skip.values()),
        "kept": int(kept),
        "duplicates_dropped": int(duplicates),
        "skipped": skip,
    }


def source_counts(
    sources: Sequence[str],
    labels: Sequence[str],
    formats: Sequence[str],
    rows: np.ndarray,
    kept: np.ndarray,
    skipped: Mapping[str, Mapping[str, int]],
    skipped_formats: Mapping[str, str],
) -> dict[str, dict[str, Any]]:
    """Return ``attrs["sources"]``: per source its format and :func:`counts_entry`.

    Parameters
    ----------
    sources : sequence of str
        Per parsed source, its name (a name read twice appears twice).
    labels : sequence of str
        Per parsed source, its distinct label (``name#k`` for the k-th repeat).
    formats : sequence of str
        Per parsed source, its envelope format.
    rows, kept : numpy.ndarray
        Per parsed source, the well-formed records read and those kept.
    skipped : mapping
        Per source name, malformed records by reason; sources with no well-formed
        record at all are added after the others.
    skipped_formats : mapping
        Per source name, its envelope format, for those (None: no format known).

    Returns
    -------
    dict
        Label -> ``{"format", "records", "kept", "duplicates_dropped", "skipped"}``.
    """
    out: dict[str, dict[str, Any]] = {}
    counted: set[str] = set()
    for name, label, fmt, n, k in zip(sources, labels, formats, rows, kept, strict=True):
        # A name read twice (the same file given twice) has its skips counted once,
        # with its first label: the totals still add up.
        skips = skipped.get(name, {}) if name not in counted else {}
        counted.add(name)
        out[label] = {"format": fmt, **counts_entry(kept=k, duplicates=n - k, skipped=skips)}
    for name, skips in skipped.items():
        if name not in counted and any(skips.values()):
            label = name or "<no source>"
            out[label] = {
                "format": skipped_formats.get(name),
                **counts_entry(kept=0, duplicates=0, skipped=skips),
            }
    return out


@dataclass(frozen=True)
class RecordCounts:
    """What became of the records read: ``read == kept + duplicates_dropped + skipped_total``."""

    read: int
    kept: int
    duplicates_dropped: int
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def skipped_total(self) -> int:
        """Malformed records left out, all reasons."""
        return sum(self.skipped.values())


def record_counts(attrs: Mapping[str, Any], rows: int) -> RecordCounts:
    """Read the record counts of an events table's ``attrs``.

    Parameters
    ----------
    attrs : mapping
        ``events.attrs`` (or one entry of ``attrs["sources"]``).
    rows : int
        Rows of the table, for ``attrs`` that count nothing (a table built by hand, read
        from Parquet): then every row was read and kept.

    Returns
    -------
    RecordCounts

    Examples
    --------
    >>> record_counts({"records": 5, "kept": 4, "duplicates_dropped": 1, "skipped": {}}, 4).read
    5
    """
    skipped = {str(k): int(v) for k, v in (attrs.get("skipped") or {}).items()}
    duplicates = int(attrs.get("duplicates_dropped", 0))
    if "kept" in attrs:
        kept = int(attrs["kept"])
    else:
        # attrs written before "kept" existed: "records" was what was kept
        kept = int(attrs.get("records", rows))
    read = kept + duplicates + sum(skipped.values())
    return RecordCounts(read, kept, duplicates, skipped)
