"""Readers for every envelope the logs arrive in; each turns bytes into :class:`Batch` es.

The facts behind each reader are in ``reference/log-formats.md``: raw per-stream files,
CloudWatch S3 export objects, Logs Insights downloads (CSV and JSON), ``aws logs
filter-log-events`` / ``get-log-events`` output, subscription payloads (Lambda events and
Firehose concatenations) and the records themselves (IKE and BGP, one per line or
pretty-printed).
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import itertools
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import FormatError
from .batch import Batch
from .charset import NO_LOG_TEXT, describe, to_utf8
from .decode import NAT, epoch_to_ns, gunzip, parse_time_strings, split_lines
from .detect import mentions_logs, sniff
from .health import is_health_document
from .issues import Issues
from .tunnel_options import is_describe_document

__all__ = ["Origin", "read_bytes"]

log = logging.getLogger(__name__)

_B64 = re.compile(rb"^[A-Za-z0-9+/=\s]+$")


@dataclass
class Origin:
    """The origin of the records a reader reads: the source, its defaults, where issues go.

    Everything a reader needs besides the bytes.
    """

    source: str
    issues: Issues
    #: Stream to use when the envelope names none: from the file name, else ``log_stream=``.
    default_stream: str | None
    default_group: str | None = None
    #: The source was found by walking a directory or glob and its name is no log stream's:
    #: files that are no log at all (a README beside the logs) are ignored and listed.
    walked: bool = False
    #: Ignored sources and what they hold instead ("binary data", ...).
    ignored: dict[str, str] = field(default_factory=dict)


def read_bytes(
    data: bytes, origin: Origin, *, depth: int = 0, gzipped: bool = False
) -> list[Batch]:
    """Detect the format of ``data`` and read it into batches.

    Parameters
    ----------
    data : bytes
        The whole content of one source.
    origin : Origin
        Source name, error policy and stream defaults.
    depth : int
        Nesting level (gzip inside gzip, base64 inside JSON); guards against loops.
    gzipped : bool
        ``data`` was inflated from gzip: a file that holds no logs is said to be gzip of what
        it holds.

    Returns
    -------
    list of Batch
        Possibly empty (an empty file, a write-test marker).
    """
    fmt = sniff(data)
    if fmt == "gzip":
        g = gunzip(data)
        if g.error is not None:
            truncated = g.error.startswith("truncated")
            origin.issues.bad(
                f"{g.error}; the records after it are lost",
                source=origin.source,
                reason="truncated_gzip" if truncated else "corrupt_gzip",
                offset=g.error_offset,
            )
            # Under "skip": keep every complete line that was inflated.
            cut = g.data.rfind(b"\n")
            data_ok = g.data[: cut + 1] if truncated and cut >= 0 else g.data
            return read_bytes(data_ok, origin, depth=depth + 1, gzipped=True) if depth < 3 else []
        return read_bytes(g.data, origin, depth=depth + 1, gzipped=True) if depth < 3 else []
    utf8 = to_utf8(data, source=origin.source, issues=origin.issues)
    if utf8 is not data:
        data, fmt = utf8, sniff(utf8)
    if fmt == "json_lines":
        return [_read_json_lines(data, origin)]
    if fmt == "s3_export":
        return [_read_s3_export(data, origin)]
    if fmt == "insights_csv":
        return [_read_insights_csv(data, origin)]
    if fmt == "json_document":
        if origin.walked and not mentions_logs(data):
            origin.ignored[origin.source] = _holds(describe(data), origin, gzipped=gzipped)
            return []
        return _read_json_document(data, origin, depth=depth)
    text = data.strip()
    if not text:
        return []
    if depth < 3 and _B64.match(text[:4096]) and len(text) % 4 == 0:
        try:
            decoded = base64.b64decode(text, validate=False)
        except (binascii.Error, ValueError):
            decoded = b""
        if decoded[:2] == b"\x1f\x8b":
            return read_bytes(decoded, origin, depth=depth + 1)
    # Lines that are neither JSON nor "<time> <message>": text-format records carry no
    # time of their own, so outside an envelope this is not a log file we can read.
    what = describe(data)
    if origin.walked:
        origin.ignored[origin.source] = _holds(what, origin, gzipped=gzipped)
        return []
    # "text that is no log format, not a log format ..." would say it twice
    noun = "text" if what == NO_LOG_TEXT else what
    if gzipped:
        noun = f"gzip of {noun},"
    elif _named_gz(origin):
        noun = f"{noun}, not gzip data though named .gz, and"
    else:
        noun = f"{noun},"
    origin.issues.bad(
        f"{noun} not a log format vpnlog-analytics knows (tunnel/BGP JSON records, "
        "CloudWatch S3 export, Logs Insights CSV/JSON, aws logs CLI JSON, subscription "
        "payload); text-format records are readable only inside an envelope with times",
        source=origin.source,
        reason="unrecognised_format",
        line=None if what == "binary data" else 1,
        offset=0 if what == "binary data" else None,
        error=FormatError,
    )
    return []


def _named_gz(origin: Origin) -> bool:
    return origin.source.lower().endswith(".gz")


def _holds(what: str, origin: Origin, *, gzipped: bool) -> str:
    """Say what an ignored file holds, and whether it is the gzip its name promises.

    E.g. ``"gzip of text that is no log format"``, ``"not gzip data though named .gz but
    binary data"``.
    """
    if gzipped:
        return f"gzip of {what}"
    if _named_gz(origin):
        return f"not gzip data though named .gz but {what}"
    return what


def _read_json_lines(data: bytes, origin: Origin, *, fmt: str = "raw") -> Batch:
    lines, numbers = split_lines(data)
    return Batch.single_stream(
        origin.source, fmt, lines, numbers, stream=origin.default_stream, group=origin.default_group
    )


def _read_s3_export(data: bytes, origin: Origin) -> Batch:
    """Lines ``<ISO time or epoch ms> <message>`` of a CloudWatch export object."""
    lines, numbers = split_lines(data)
    n = len(lines)
    env = np.full(n, NAT, dtype=np.int64)
    msgs: list[pa.Array] = []
    order: list[np.ndarray] = []
    space = pc.find_substring(lines, " ").to_numpy(zero_copy_only=False)
    for pos in np.unique(space):
        rows = np.flatnonzero(space == pos)
        if pos <= 0:
            origin.issues.bad(
                "line has no '<time> <message>' prefix",
                source=origin.source,
                line=int(numbers[rows[0]]),
                reason="bad_line",
                count=len(rows),
            )
            continue
        sub = lines.take(pa.array(rows)) if len(rows) < n else lines
        times = parse_time_strings(pc.binary_slice(sub, 0, int(pos)))
        bad = times == NAT
        if bad.any():
            origin.issues.bad(
                "line does not start with an ISO-8601 or epoch-millisecond time",
                source=origin.source,
                line=int(numbers[rows[bad][0]]),
                reason="bad_time",
                count=int(bad.sum()),
            )
            rows, times, sub = rows[~bad], times[~bad], sub.filter(pa.array(~bad))
        env[rows] = times
        msgs.append(pc.binary_slice(sub, int(pos) + 1, 2**31 - 1))
        order.append(rows)
    keep = np.concatenate(order) if order else np.zeros(0, dtype=np.int64)
    messages = pa.concat_arrays(msgs) if msgs else pa.array([], pa.binary())
    # restore line order (lines were grouped by prefix width above)
    if len(order) > 1:
        sort = np.argsort(keep, kind="stable")
        keep, messages = keep[sort], messages.take(pa.array(sort))
    return Batch.single_stream(
        origin.source,
        "s3_export",
        messages,
        numbers[keep],
        stream=origin.default_stream,
        group=origin.default_group,
        env_ns=env[keep],
    )


# --- envelopes that carry many events with their own stream names ---------------------
@dataclass
class _Rows:
    """Row-wise accumulator for document envelopes (CLI output, Insights, payloads)."""

    messages: list[bytes]
    env_ns: list[int]
    streams: list[str | None]
    groups: list[str | None]
    event_ids: list[str | None]
    lines: list[int]

    @classmethod
    def new(cls) -> _Rows:
        return cls([], [], [], [], [], [])

    def add(
        self,
        message: bytes,
        env_ns: int,
        stream: str | None,
        group: str | None,
        event_id: str | None,
        line: int,
    ) -> None:
        self.messages.append(message)
        self.env_ns.append(env_ns)
        self.streams.append(stream)
        self.groups.append(group)
        self.event_ids.append(event_id)
        self.lines.append(line)

    def to_batch(self, origin: Origin, fmt: str) -> Batch:
        stream_names, stream_idx = _codes(self.streams, origin.default_stream)
        group_names, group_idx = _codes(self.groups, origin.default_group)
        has_ids = any(e is not None for e in self.event_ids)
        return Batch(
            origin.source,
            fmt,
            pa.array(self.messages, pa.binary()),
            np.asarray(self.lines, dtype=np.int64),
            env_ns=np.asarray(self.env_ns, dtype=np.int64),
            streams=stream_names,
            stream_idx=stream_idx,
            groups=group_names,
            group_idx=group_idx,
            event_ids=np.asarray(self.event_ids, dtype=object) if has_ids else None,
        )


def _codes(values: list[str | None], default: str | None) -> tuple[list[str | None], np.ndarray]:
    names: dict[str | None, int] = {}
    idx = np.fromiter(
        (names.setdefault(v if v else default, len(names)) for v in values),
        dtype=np.int32,
        count=len(values),
    )
    return list(names), idx


def _ms_to_ns(value: Any) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return int(NAT)
    return int(epoch_to_ns(np.array([number]))[0])


_RESYNC = re.compile(r"\n(?=[\[{])")
_WS = " \t\r\n"


def _json_values(text: str, origin: Origin) -> Iterator[tuple[Any, int, int, int]]:
    """Yield every JSON value of a text: (value, line, start, end) with start/end offsets.

    The text may hold one document or several back to back (Firehose). The elements of a
    top-level array are yielded one by one, so each keeps its own line and the complete
    elements before a cut survive. A value that does not parse is reported; reading
    resumes at the next line that starts a new object or array.
    """
    decoder = json.JSONDecoder()
    pos, n = 0, len(text)
    in_array = False
    while True:
        while pos < n and text[pos] in _WS:
            pos += 1
        if pos >= n:
            return
        if in_array and text[pos] in ",]":
            in_array = text[pos] == ","
            pos += 1
            continue
        if not in_array and text[pos] == "[":
            in_array = True
            pos += 1
            continue
        try:
            value, end = decoder.raw_decode(text, pos)
        except RecursionError:
            # valid or not, no log record nests this deep: skip the value as a whole
            origin.issues.bad(
                "JSON nested too deeply to be a log record or envelope",
                source=origin.source,
                line=text.count("\n", 0, pos) + 1,
                reason="broken_json",
            )
            pos = _value_end(text, pos)
            continue
        except json.JSONDecodeError as exc:
            origin.issues.bad(
                f"broken JSON ({exc.msg} at column {exc.colno})",
                source=origin.source,
                line=exc.lineno,
                reason="broken_json",
            )
            # resume at the next line that opens a value, even one inside the broken one
            nxt = _RESYNC.search(text, pos + 1)
            if nxt is None:
                return
            pos, in_array = nxt.start() + 1, False
            continue
        yield value, text.count("\n", 0, pos) + 1, pos, end
        pos = end


def _value_end(text: str, pos: int) -> int:
    """End of the JSON value that starts at ``pos``, by matching brackets outside strings."""
    depth, i, n = 0, pos, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def _element_lines(text: str, start: int, end: int, key: str, count: int) -> list[int]:
    """Line of each element of the list under ``key`` in the object text[start:end]."""
    first = text.count("\n", 0, start) + 1
    m = re.compile(r'(?<!\\)"' + re.escape(key) + r'"\s*:\s*\[').search(text, start, end)
    if m is None:
        return [first] * count
    decoder = json.JSONDecoder()
    lines, pos, line, last = [], m.end(), first, start
    for _ in range(count):
        while pos < end and text[pos] in _WS + ",":
            pos += 1
        line += text.count("\n", last, pos)
        last = pos
        lines.append(line)
        try:
            _, pos = decoder.raw_decode(text, pos)
        except (json.JSONDecodeError, RecursionError):
            break
    return lines + [line] * (count - len(lines))


def _utf8(text: str) -> bytes:
    """Encode text back to bytes, bytes that were no UTF-8 as they were (see _text)."""
    return text.encode("utf-8", "surrogateescape")


def _text(data: bytes) -> tuple[str, bool]:
    """Decode UTF-8; bytes that are not UTF-8 are kept as surrogates (and flagged).

    A cp1252 "é" in one event of a document must cost that event, not the document: its
    message keeps the bad bytes, and the record parser names its line.
    """
    try:
        return data.decode("utf-8-sig"), True
    except UnicodeDecodeError:
        return data.decode("utf-8-sig", errors="surrogateescape"), False


def _clean(values: list[str | None]) -> list[str | None]:
    """Names (streams, groups) with bytes that were no UTF-8: those become U+FFFD."""
    return [v if v is None else _utf8(v).decode("utf-8", "replace") for v in values]


def _read_json_document(data: bytes, origin: Origin, *, depth: int) -> list[Batch]:
    text, clean = _text(data)
    rows = _Rows.new()
    fmt = "json"
    batches: list[Batch] = []
    values = _json_values(text, origin)
    first = next(values, None)
    if first is not None and is_health_document(first[0]):
        return _not_logs(origin, "AWS Health events; read them with io.health.read_health_events()")
    if first is not None and is_describe_document(first[0]):
        return _not_logs(
            origin,
            "tunnel options (describe-vpn-connections); read them with read_tunnel_options()",
        )
    for item, line, start, end in itertools.chain([first] if first else [], values):
        kind = _add_item(item, rows, origin, line=line, where=(text, start, end))
        if kind == "lambda_event":
            batches.extend(_read_lambda(item, origin, depth, line=line))
        elif kind:
            fmt = kind
    if rows.messages:
        if not clean:
            rows.streams, rows.groups = _clean(rows.streams), _clean(rows.groups)
        batches.insert(0, rows.to_batch(origin, fmt))
    return batches


def _not_logs(origin: Origin, what: str) -> list[Batch]:
    """Leave out (and list) a file that holds something else than logs, or raise."""
    if origin.walked or origin.issues.errors == "skip":
        log.info("%s: %s (left out)", origin.source, what)
        origin.ignored[origin.source] = what
        return []
    raise FormatError(f"not VPN logs but {what}", source=origin.source, line=1)


def _add_item(
    item: Any,
    rows: _Rows,
    origin: Origin,
    *,
    line: int,
    where: tuple[str, int, int] | None = None,
) -> str | None:
    """Add one JSON value's events to ``rows``; return the envelope kind it showed.

    ``where`` is (text, start, end) of the value, to give nested events their own lines.
    """
    if not isinstance(item, dict):
        origin.issues.bad(
            f"expected a JSON object, got {type(item).__name__}",
            source=origin.source,
            line=line,
            reason="not_a_record",
        )
        return None

    def lines(key: str, count: int) -> list[int]:
        if where is None:
            return [line] * count
        return _element_lines(*where, key, count)

    if "awslogs" in item:
        return "lambda_event"
    if "events" in item and isinstance(item["events"], list):
        events = item["events"]
        is_filter = any(isinstance(e, dict) and "logStreamName" in e for e in events)
        for ev, ln in zip(events, lines("events", len(events)), strict=True):
            _add_event(ev, rows, origin, line=ln, stream=None, group=None)
        return "filter_log_events" if is_filter else "get_log_events"
    if "logEvents" in item or "messageType" in item:
        if item.get("messageType") == "CONTROL_MESSAGE":
            return "subscription"
        events = item.get("logEvents") or []
        for ev, ln in zip(events, lines("logEvents", len(events)), strict=True):
            _add_event(
                ev, rows, origin, line=ln, stream=item.get("logStream"), group=item.get("logGroup")
            )
        return "subscription"
    if any(key.startswith("@") for key in item):
        _add_insights_row(item, rows, origin, line=line)
        return "insights_json"
    if isinstance(item.get("message"), str) and "resource_id" not in item:
        _add_event(item, rows, origin, line=line, stream=None, group=None)
        return "events"
    # a record itself (IKE or BGP), possibly pretty-printed
    msg = _utf8(json.dumps(item, separators=(",", ":"), ensure_ascii=False))
    rows.add(msg, int(NAT), None, None, None, line)
    return "records"


def _add_event(
    ev: Any, rows: _Rows, origin: Origin, *, line: int, stream: str | None, group: str | None
) -> None:
    """One CloudWatch event: ``message`` plus ``timestamp`` [ms] and optional ids."""
    if not isinstance(ev, dict) or not isinstance(ev.get("message"), str):
        origin.issues.bad(
            "log event without a 'message' string",
            source=origin.source,
            line=line,
            reason="missing_fields",
        )
        return
    rows.add(
        _utf8(ev["message"]),
        _ms_to_ns(ev.get("timestamp")),
        ev.get("logStreamName") or stream,
        ev.get("logGroupName") or group,
        ev.get("eventId") or ev.get("id"),
        line,
    )


def _read_lambda(item: dict[str, Any], origin: Origin, depth: int, *, line: int) -> list[Batch]:
    data = item["awslogs"].get("data") if isinstance(item["awslogs"], dict) else None
    if not isinstance(data, str):
        origin.issues.bad(
            "'awslogs' without 'data'", source=origin.source, line=line, reason="missing_fields"
        )
        return []
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        origin.issues.bad(
            f"awslogs.data is not base64 ({exc})",
            source=origin.source,
            line=line,
            reason="bad_payload",
        )
        return []
    return read_bytes(raw, origin, depth=depth + 1) if depth < 3 else []


# --- Logs Insights downloads ------------------------------------------------------------
_DISCOVERED = {
    "event_timestamp": "number",
    "details": "string",
    "dpd_enabled": "bool",
    "nat_t_detected": "bool",
    "ike_phase1_state": "string",
    "ike_phase2_state": "string",
    "timestamp": "string",
}


def _field_record(row: dict[str, Any]) -> bytes:
    """Rebuild a compact record from Insights' auto-discovered fields (values as strings)."""
    rec: dict[str, Any] = {}
    for key, kind in _DISCOVERED.items():
        v = row.get(key)
        if v is None or v == "":
            continue
        if kind == "number":
            try:
                rec[key] = int(float(v))
            except (TypeError, ValueError):
                rec[key] = v
        elif kind == "bool":
            text = str(v).strip().lower()
            rec[key] = True if text == "true" else False if text == "false" else v
        else:
            rec[key] = v
    return _utf8(json.dumps(rec, separators=(",", ":"), ensure_ascii=False))


def _add_insights_row(row: dict[str, Any], rows: _Rows, origin: Origin, *, line: int) -> None:
    stamp = row.get("@timestamp")
    env = int(NAT)
    if stamp not in (None, ""):
        text = _utf8(str(stamp)).decode("utf-8", "replace")  # bytes that were no UTF-8
        env = int(parse_time_strings(pa.array([text]))[0])
    group = row.get("@log")
    if isinstance(group, str) and ":" in group:
        group = group.split(":", 1)[1]  # "<account>:<group>"
    message = row.get("@message")
    if isinstance(message, str) and message:
        body = _utf8(message)
    elif any(k in row for k in _DISCOVERED):
        body = _field_record(row)
    else:
        origin.issues.bad(
            "Insights row has neither @message nor record fields (details, states)",
            source=origin.source,
            line=line,
            reason="missing_fields",
        )
        return
    rows.add(body, env, row.get("@logStream"), group, None, line)


def _read_insights_csv(data: bytes, origin: Origin) -> Batch:
    text, clean = _text(data)
    physical = io.StringIO(text, newline="").readlines()
    header = next(csv.reader(physical[:1]), [])
    rows = _Rows.new()
    # Insights rows never span lines (messages are one-line JSON). A row that does, with
    # the wrong number of fields, is a stray quote swallowing the rows after it: report
    # its first line and read on from the next one.
    pos = 1
    while pos < len(physical):
        reader = csv.reader(physical[pos:])
        start = 0
        for values in reader:
            line, end = pos + start + 1, reader.line_num
            if any(v.strip() for v in values) and len(values) != len(header):
                origin.issues.bad(
                    f"expected {len(header)} CSV fields, got {len(values)}",
                    source=origin.source,
                    line=line,
                    reason="bad_csv_row",
                )
                if end - start > 1:
                    pos += start + 1
                    break
            elif any(v.strip() for v in values):
                _add_insights_row(dict(zip(header, values, strict=True)), rows, origin, line=line)
            start = end
        else:
            break
    if not clean:
        rows.streams, rows.groups = _clean(rows.streams), _clean(rows.groups)
    return rows.to_batch(origin, "insights_csv")
