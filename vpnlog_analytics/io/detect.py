"""Recognise a source's format from its content, never from its name."""

from __future__ import annotations

import csv
import json
import re
from typing import Final

from .decode import GZIP_MAGIC

__all__ = ["FORMATS", "mentions_logs", "sniff"]

#: Every format :func:`sniff` can name.
FORMATS: Final = ("gzip", "json_lines", "json_document", "s3_export", "insights_csv", "text")

_TIME_PREFIX = re.compile(
    rb"^(?:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?|\d{13}) "
)
_RECORD_KEYS: Final = frozenset(
    {
        "event_timestamp",
        "details",
        "ike_phase1_state",
        "ike_phase2_state",
        "dpd_enabled",
        "nat_t_detected",
        "VpnLogDetail",
        "VpnLogCreationTimestamp",
        "TunnelIKEPhase1State",
        "TunnelIKEPhase2State",
    }
)
_CSV_COLUMNS: Final = frozenset({"@timestamp", "@message", "@logStream", "@log", "details"})


def _lines(data: bytes, limit: int = 50, start: int = 0) -> list[bytes]:
    """Return the first non-blank lines of ``data[start:]`` (stripped), at most ``limit``."""
    out: list[bytes] = []
    # Lines as the readers split them (at \n, not \r); a huge first record is whole. Only
    # the lines looked at are copied, never the rest of a large file.
    pos, n = start, len(data)
    while pos < n and len(out) < limit:
        nl = data.find(b"\n", pos)
        end = n if nl < 0 else nl
        line = data[pos:end]
        pos = end + 1
        if line.strip():
            # keep a trailing blank: "<time> " is an export line with an empty message
            out.append(line.lstrip().rstrip(b"\r\n"))
    return out


def _line_format(line: bytes, *, first: bool, after: bytes = b"") -> str | None:
    """Name the format one line shows; None when it shows none (blank, broken, unknown).

    ``after`` is the next non-blank line: ``{`` opens a pretty-printed document when a
    key (or the closing brace) follows.
    """
    if line[:1] == b"{":
        try:
            obj = json.loads(line, strict=False)  # control characters, as the parsers take them
        except (ValueError, RecursionError):
            # a broken record line shows nothing
            opens = line.rstrip() == b"{" and first and after.lstrip()[:1] in (b'"', b"}", b"")
            return "json_document" if opens else None
        if isinstance(obj, dict) and (_RECORD_KEYS & obj.keys() or "resource_id" in obj):
            if isinstance(obj.get("message"), str):
                return "json_document"  # a CloudWatch event that carries a record
            return "json_lines"
        return "json_document"
    if _TIME_PREFIX.match(line):
        return "s3_export"
    if first:
        try:
            header = next(csv.reader([line.decode("utf-8", "replace")]))
        except (csv.Error, StopIteration):
            header = []
        if len(header) > 1 and (_CSV_COLUMNS & set(header)):
            return "insights_csv"
    return None


def sniff(data: bytes) -> str:
    """Name the format of some bytes.

    The first line that shows a format decides, so one broken line at the top of a file
    costs that line, not the file.

    Parameters
    ----------
    data : bytes
        The start (or all) of a source.

    Returns
    -------
    str
        One of :data:`FORMATS`: ``gzip`` (decompress and sniff again), ``json_lines``
        (one tunnel/BGP record per line), ``json_document`` (a JSON value or several back
        to back: CLI output, Insights JSON, subscription payloads, pretty-printed records),
        ``s3_export`` (``<time> <message>`` lines), ``insights_csv`` or ``text``.
    """
    if data[:2] == GZIP_MAGIC:
        return "gzip"
    raw = data[:65536]
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] == b"[":
        return "json_document"
    lines = _lines(data, start=len(raw) - len(head))
    for i, line in enumerate(lines):
        after = lines[i + 1] if i + 1 < len(lines) else b""
        fmt = _line_format(line, first=i == 0, after=after)
        if fmt is not None:
            return fmt
    if lines and lines[0][:1] == b"{":
        return "json_document"  # one broken value (a document cut short)
    return "text"


#: Keys of which a JSON document that holds logs names at least one.
_LOG_KEYS: Final = tuple(
    f'"{k}"'.encode()
    for k in (
        *sorted(_RECORD_KEYS),
        *sorted(_CSV_COLUMNS),
        "resource_id",
        "message",
        "events",
        "logEvents",
        "messageType",
        "awslogs",
    )
)


def mentions_logs(data: bytes) -> bool:
    """Tell whether a JSON document names any key of a log record or CloudWatch envelope.

    A walked folder may hold JSON that has nothing to do with the logs (a
    ``package.json``, a Terraform output): such files are ignored, not errors.

    Parameters
    ----------
    data : bytes
        UTF-8 text of a JSON document.

    Returns
    -------
    bool
        True when the first 64 KiB name a record key (``details``, ``event_timestamp``,
        ``resource_id``, ...) or an envelope key (``events``, ``logEvents``, ``awslogs``,
        ``@message``, ``message``, ...).
    """
    head = data[:65536]
    return any(key in head for key in _LOG_KEYS)
