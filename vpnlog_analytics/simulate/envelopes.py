"""Write simulated records in every envelope AWS delivers VPN logs in.

Each writer takes the records of a :class:`~vpnlog_analytics.simulate.Simulation` (or of a
sub-window ``[start, end)``) and writes files of the documented shape (see
``reference/log-formats.md``): raw NDJSON per stream, a CloudWatch S3 export tree, Logs
Insights console downloads (CSV and JSON), ``filter-log-events`` and ``get-log-events``
responses, Lambda subscription events and Firehose objects. Everything is deterministic by
seed: gzip members carry no timestamp, ids and tokens are derived from the records and the
seed, never from the clock.
"""

from __future__ import annotations

import base64
import csv
import gzip
import inspect
import io
import json
import logging
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal, Protocol

import numpy as np
import pandas as pd

from ..options import check_choice, to_utc

__all__ = ["ENVELOPES", "Envelope", "Simulated", "write"]

logger = logging.getLogger(__name__)

Envelope = Literal[
    "raw",
    "s3_export",
    "insights_csv",
    "insights_json",
    "filter_log_events",
    "get_log_events",
    "lambda_event",
    "firehose",
]

_DISCOVERED: Final = (
    "details",
    "ike_phase1_state",
    "ike_phase2_state",
    "dpd_enabled",
    "nat_t_detected",
    "event_timestamp",
)
_CONTROL_TEXT: Final = "CWL CONTROL MESSAGE: Checking health of destination Firehose."


class Simulated(Protocol):
    """What a writer needs of a :class:`~vpnlog_analytics.simulate.Simulation`.

    (A protocol, so this module needs nothing of ``scenario``: the simulation imports its
    writers, never the other way round.)
    """

    records: pd.DataFrame
    tunnels: pd.DataFrame
    seed: int
    account_id: str


@dataclass
class _Batch:
    """The records to write and what every writer derives from them."""

    sim: Simulated
    records: pd.DataFrame  # the window, original index kept (it seeds ids)
    rng: np.random.Generator
    seed: int

    @property
    def ms(self) -> np.ndarray:
        naive = self.records["time"].dt.tz_convert(None).to_numpy()
        return naive.astype("datetime64[ms]").astype("int64")

    def event_ids(self) -> list[str]:
        """56-digit CloudWatch-style event ids, stable for a record across writes."""
        out = []
        for i, ms, stream, msg in zip(
            self.records.index,
            self.ms,
            self.records["log_stream"],
            self.records["message"],
            strict=True,
        ):
            h = zlib.crc32(f"{stream}\n{msg}".encode())
            out.append(f"{int(ms):016d}{int(i):010d}{h:010d}{self.sim.seed % 10**20:020d}")
        return out

    def ingestion_ms(self) -> np.ndarray:
        """Ingestion times [ms]: the event time plus a stable 0.2-5 s delay."""
        delay = np.array([zlib.crc32(str(i).encode()) % 4800 + 200 for i in self.records.index])
        return self.ms + delay.astype("int64")

    def uuid(self) -> str:
        return str(uuid.UUID(bytes=self.rng.bytes(16), version=4))

    def log_field(self, group: str) -> str:
        return f"{self.sim.account_id}:{group}"


# --- small helpers -------------------------------------------------------------------------
def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def _put(path: Path, data: bytes, written: list[Path]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    written.append(path)


def _json(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _iso(ms: int, sep: str = "T", zone: str = "Z") -> str:
    ts = pd.Timestamp(int(ms), unit="ms", tz="UTC")
    return ts.strftime(f"%Y-%m-%d{sep}%H:%M:%S.") + f"{int(ms) % 1000:03d}{zone}"


def _streams(records: pd.DataFrame) -> Iterator[tuple[str, str, pd.DataFrame]]:
    for (group, stream), g in records.groupby(["log_group", "log_stream"], sort=True):
        yield str(group), str(stream), g


def _token(prefix: str, seed: int, *parts: object) -> str:
    h = zlib.crc32(f"{seed}/{'/'.join(map(str, parts))}".encode())
    return f"{prefix}/{h:010d}{seed % 10**20:020d}{h * 7919 % 10**26:026d}/s"


# --- raw -----------------------------------------------------------------------------------
def _write_raw(b: _Batch, out: Path, *, gzip: bool = False) -> list[Path]:
    """Write one file per stream, one message a line.

    Files are ``<stream>.jsonl`` (``.txt`` for text tunnels, whose messages are not JSON),
    with ``.gz`` appended when ``gzip=True``.
    """
    written: list[Path] = []
    text_streams = set(b.sim.tunnels.loc[b.sim.tunnels["output_format"] == "text", "log_stream"])
    for _, stream, g in _streams(b.records):
        data = "".join(m + "\n" for m in g["message"]).encode()
        name = stream + (".txt" if stream in text_streams else ".jsonl")
        if gzip:
            _put(out / (name + ".gz"), _gzip(data), written)
        else:
            _put(out / name, data, written)
    return written


# --- S3 export -----------------------------------------------------------------------------
def _write_s3_export(
    b: _Batch,
    out: Path,
    *,
    prefix: str = "exportedlogs",
    task_id: str | None = None,
    time_prefix: str = "iso",
    max_lines_per_part: int = 100_000,
    shuffle_lines: bool = False,
) -> list[Path]:
    """Write a CloudWatch export tree: ``<prefix>/<task>/<stream>/000000.gz``, ….

    A new part starts every ``max_lines_per_part`` lines; lines are ``<time> <message>``;
    the ``aws-logs-write-test`` marker sits at the task prefix.
    """
    check_choice("time_prefix", time_prefix, ("iso", "epoch_ms"))
    if max_lines_per_part < 1:
        raise ValueError("max_lines_per_part must be at least 1")
    task = task_id or b.uuid()
    root = out / prefix / task
    written: list[Path] = []
    _put(root / "aws-logs-write-test", b"Permission Check Successful", written)
    ms_all = pd.Series(b.ms, index=b.records.index)
    for _, stream, g in _streams(b.records):
        stamps = [_iso(ms) if time_prefix == "iso" else str(ms) for ms in ms_all[g.index]]
        lines = [f"{s} {m}\n" for s, m in zip(stamps, g["message"], strict=True)]
        for part, lo in enumerate(range(0, len(lines), max_lines_per_part)):
            chunk = lines[lo : lo + max_lines_per_part]
            if shuffle_lines:
                chunk = [chunk[i] for i in b.rng.permutation(len(chunk))]
            _put(root / stream / f"{part:06d}.gz", _gzip("".join(chunk).encode()), written)
    return written


# --- Logs Insights downloads ---------------------------------------------------------------
def _insights_rows(b: _Batch, fields: str, time_format: str, sort: str) -> list[dict[str, str]]:
    check_choice("fields", fields, ("message", "discovered"))
    check_choice("time_format", time_format, ("iso", "epoch_ms"))
    check_choice("sort", sort, ("desc", "asc"))
    # the console sorts by @timestamp (default: desc); rows of one second keep stream order
    ms_all = b.ms
    order = np.argsort(-ms_all if sort == "desc" else ms_all, kind="stable")
    messages, streams = b.records["message"].to_numpy(), b.records["log_stream"].to_numpy()
    groups = b.records["log_group"].to_numpy()
    rows: list[dict[str, str]] = []
    for i in order:
        ms, msg, stream = int(ms_all[i]), str(messages[i]), str(streams[i])
        stamp = _iso(ms, " ", "") if time_format == "iso" else str(ms)
        if fields == "message":
            rows.append(
                {
                    "@timestamp": stamp,
                    "@message": msg,
                    "@logStream": stream,
                    "@log": b.log_field(str(groups[i])),
                }
            )
        else:
            rows.append({"@timestamp": stamp, "@logStream": stream, **_discovered(msg)})
    return rows


def _discovered(message: str) -> dict[str, str]:
    """Return the fields Logs Insights discovers in a JSON tunnel record, as strings."""
    try:
        rec = json.loads(message)
    except ValueError:
        rec = {}
    if not isinstance(rec, dict) or "ike_phase1_state" not in rec:
        rec = {}
    out = {}
    for key in _DISCOVERED:
        value = rec.get(key, "")
        out[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out


def _write_insights_csv(
    b: _Batch,
    out: Path,
    *,
    filename: str = "logs-insights-results.csv",
    fields: str = "message",
    time_format: str = "iso",
    sort: str = "desc",
) -> list[Path]:
    """Write a Logs Insights console CSV download (header row, every value a string)."""
    rows = _insights_rows(b, fields, time_format, sort)
    columns = list(rows[0]) if rows else ["@timestamp", "@message", "@logStream", "@log"]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    written: list[Path] = []
    _put(out / filename, buf.getvalue().encode(), written)
    return written


def _write_insights_json(
    b: _Batch,
    out: Path,
    *,
    filename: str = "logs-insights-results.json",
    fields: str = "message",
    time_format: str = "iso",
    sort: str = "desc",
) -> list[Path]:
    """Write a Logs Insights console JSON download: an array of objects keyed by column."""
    rows = _insights_rows(b, fields, time_format, sort)
    written: list[Path] = []
    _put(out / filename, json.dumps(rows, indent=2).encode(), written)
    return written


# --- CloudWatch Logs API responses ---------------------------------------------------------
def _write_filter_log_events(
    b: _Batch, out: Path, *, pages: int = 1, filename: str = "filter-log-events"
) -> list[Path]:
    """Write ``aws logs filter-log-events`` output pages.

    Events of all streams by time, split into ``pages`` files ``<filename>-0001.json`` …,
    each but the last with a ``nextToken``.
    """
    if pages < 1:
        raise ValueError("pages must be at least 1")
    order = np.argsort(b.ms, kind="stable")
    ids, ingest = b.event_ids(), b.ingestion_ms()
    streams, messages, ms = (
        b.records["log_stream"].to_numpy(),
        b.records["message"].to_numpy(),
        b.ms,
    )
    events = [
        {
            "logStreamName": str(streams[i]),
            "timestamp": int(ms[i]),
            "message": str(messages[i]),
            "ingestionTime": int(ingest[i]),
            "eventId": ids[i],
        }
        for i in order
    ]
    written: list[Path] = []
    for p, chunk in enumerate(np.array_split(np.arange(len(events)), pages)):
        body: dict[str, Any] = {"events": [events[i] for i in chunk]}
        if p < pages - 1:
            body["nextToken"] = base64.b64encode(_token("p", b.seed, p + 1).encode()).decode()
        _put(out / f"{filename}-{p + 1:04d}.json", json.dumps(body, indent=2).encode(), written)
    return written


def _write_get_log_events(b: _Batch, out: Path) -> list[Path]:
    """Write ``aws logs get-log-events`` output, one ``<stream>.json`` per stream.

    Events carry no stream name or id; the body has ``nextForwardToken`` and
    ``nextBackwardToken``.
    """
    written: list[Path] = []
    ingest = pd.Series(b.ingestion_ms(), index=b.records.index)
    ms = pd.Series(b.ms, index=b.records.index)
    for _, stream, g in _streams(b.records):
        events = [
            {"timestamp": int(ms[i]), "message": str(m), "ingestionTime": int(ingest[i])}
            for i, m in zip(g.index, g["message"], strict=True)
        ]
        body = {
            "events": events,
            "nextForwardToken": _token("f", b.seed, stream, "end"),
            "nextBackwardToken": _token("b", b.seed, stream, "start"),
        }
        _put(out / f"{stream}.json", json.dumps(body, indent=2).encode(), written)
    return written


# --- subscription filter payloads ----------------------------------------------------------
def _envelopes(
    b: _Batch, events_per_message: int, filter_name: str
) -> list[tuple[int, dict[str, Any]]]:
    """DATA_MESSAGE envelopes (first event time [ms], envelope), per stream in chunks."""
    if events_per_message < 1:
        raise ValueError("events_per_message must be at least 1")
    ids, ms = (
        pd.Series(b.event_ids(), index=b.records.index),
        pd.Series(b.ms, index=b.records.index),
    )
    out = []
    for group, stream, g in _streams(b.records):
        for lo in range(0, len(g), events_per_message):
            part = g.iloc[lo : lo + events_per_message]
            events = [
                {"id": ids[i], "timestamp": int(ms[i]), "message": str(m)}
                for i, m in zip(part.index, part["message"], strict=True)
            ]
            env = {
                "messageType": "DATA_MESSAGE",
                "owner": b.sim.account_id,
                "logGroup": group,
                "logStream": stream,
                "subscriptionFilters": [filter_name],
                "logEvents": events,
            }
            out.append((int(ms[part.index[0]]), env))
    return out


def _control_envelope(ms: int) -> dict[str, Any]:
    return {
        "messageType": "CONTROL_MESSAGE",
        "owner": "CloudwatchLogs",
        "logGroup": "",
        "logStream": "",
        "subscriptionFilters": [],
        "logEvents": [{"id": "", "timestamp": int(ms), "message": _CONTROL_TEXT}],
    }


def _lambda_payload(env: dict[str, Any]) -> bytes:
    data = base64.b64encode(_gzip(_json(env))).decode()
    return json.dumps({"awslogs": {"data": data}}, indent=2).encode()


def _write_lambda_event(
    b: _Batch,
    out: Path,
    *,
    events_per_message: int = 1000,
    control_message: bool = False,
    filter_name: str = "vpn-logs-subscription",
) -> list[Path]:
    """Write Lambda subscription events ``lambda-event-0001.json`` ….

    Each is ``{"awslogs": {"data": base64(gzip(envelope))}}`` with one DATA_MESSAGE; with
    ``control_message=True`` also ``lambda-event-control.json`` (a CONTROL_MESSAGE).
    """
    written: list[Path] = []
    envs = _envelopes(b, events_per_message, filter_name)
    for n, (_, env) in enumerate(envs, start=1):
        _put(out / f"lambda-event-{n:04d}.json", _lambda_payload(env), written)
    if control_message:
        first = int(b.ms.min()) if len(b.records) else 0
        _put(out / "lambda-event-control.json", _lambda_payload(_control_envelope(first)), written)
    return written


def _write_firehose(
    b: _Batch,
    out: Path,
    *,
    prefix: str = "firehose",
    delivery_stream: str = "vpn-logs-to-s3",
    events_per_message: int = 500,
    messages_per_object: int = 8,
    filter_name: str = "vpn-logs-subscription",
) -> list[Path]:
    """Write Firehose S3 objects ``<prefix>/YYYY/MM/DD/HH/<delivery>-1-<time>-<uuid>``.

    Each object is gzip'd envelopes concatenated back to back (no delimiter), in time
    order, with one CONTROL_MESSAGE among them.
    """
    if messages_per_object < 1:
        raise ValueError("messages_per_object must be at least 1")
    envs = sorted(_envelopes(b, events_per_message, filter_name), key=lambda e: e[0])
    if envs:
        at = int(b.rng.integers(0, len(envs) + 1))
        envs.insert(at, (envs[min(at, len(envs) - 1)][0], _control_envelope(envs[0][0])))
    written: list[Path] = []
    for lo in range(0, len(envs), messages_per_object):
        chunk = envs[lo : lo + messages_per_object]
        ms = max(e[0] for e in chunk)
        ts = pd.Timestamp(ms, unit="ms", tz="UTC")
        key = f"{ts:%Y/%m/%d/%H}/{delivery_stream}-1-{ts:%Y-%m-%d-%H-%M-%S}-{b.uuid()}"
        _put(out / prefix / key, b"".join(_gzip(_json(env)) for _, env in chunk), written)
    return written


_WRITERS: Final[dict[str, Callable[..., list[Path]]]] = {
    "raw": _write_raw,
    "s3_export": _write_s3_export,
    "insights_csv": _write_insights_csv,
    "insights_json": _write_insights_json,
    "filter_log_events": _write_filter_log_events,
    "get_log_events": _write_get_log_events,
    "lambda_event": _write_lambda_event,
    "firehose": _write_firehose,
}
#: Every envelope :func:`write` knows.
ENVELOPES: Final = tuple(_WRITERS)


def _window(records: pd.DataFrame, start: Any, end: Any) -> pd.DataFrame:
    keep = pd.Series(True, index=records.index)
    if start is not None:
        keep &= records["time"] >= to_utc(start, "start")
    if end is not None:
        keep &= records["time"] < to_utc(end, "end")
    return records[keep]


def write(
    sim: Simulated,
    out_dir: str | Path,
    envelope: Envelope,
    *,
    start: Any = None,
    end: Any = None,
    seed: int | None = None,
    **options: Any,
) -> list[Path]:
    """Write a simulation's records in one envelope.

    Parameters
    ----------
    sim : Simulation
        The simulation whose ``records`` to write (anything with ``records``, ``seed``
        and ``account_id``).
    out_dir : str or pathlib.Path
        Directory to write into (created).
    envelope : str
        One of :data:`ENVELOPES`:

        - ``raw``: ``<stream>.jsonl`` (``.txt`` for text tunnels); option ``gzip``.
        - ``s3_export``: ``<prefix>/<task-uuid>/<stream>/000000.gz`` + marker; options
          ``prefix`` (``exportedlogs``), ``task_id``, ``time_prefix`` (``iso`` |
          ``epoch_ms``), ``max_lines_per_part`` (100000), ``shuffle_lines``.
        - ``insights_csv`` / ``insights_json``: options ``filename``, ``fields``
          (``message``: ``@timestamp,@message,@logStream,@log``; ``discovered``:
          ``@timestamp,@logStream`` and the record's keys), ``time_format`` (``iso`` =
          ``YYYY-MM-DD HH:MM:SS.mmm`` | ``epoch_ms``), ``sort`` (``desc`` | ``asc``).
        - ``filter_log_events``: options ``pages``, ``filename``.
        - ``get_log_events``: one ``<stream>.json`` per stream.
        - ``lambda_event``: options ``events_per_message``, ``control_message``,
          ``filter_name``.
        - ``firehose``: options ``prefix``, ``delivery_stream``, ``events_per_message``,
          ``messages_per_object``, ``filter_name``.
    start, end : str or pandas.Timestamp, optional
        Write only records in ``[start, end)``.
    seed : int, optional
        Seed of the writer's own draws (task id, shuffles); default: the simulation's.
    **options
        The envelope's options above; an unknown option raises ``TypeError``.

    Returns
    -------
    list of pathlib.Path
        The files written, in writing order.

    Examples
    --------
    >>> sim.write("out", "s3_export", start="2026-10-21", end="2026-10-22")  # doctest: +SKIP
    """
    if envelope not in _WRITERS:
        raise ValueError(f"unknown envelope {envelope!r}; allowed: {', '.join(ENVELOPES)}")
    writer = _WRITERS[envelope]
    params = inspect.signature(writer).parameters
    unknown = sorted(set(options) - set(list(params)[2:]))
    if unknown:
        allowed = ", ".join(list(params)[2:]) or "none"
        raise TypeError(
            f"envelope {envelope!r}: unknown option(s) {', '.join(unknown)}; allowed: {allowed}"
        )
    s = sim.seed if seed is None else seed
    batch = _Batch(sim, _window(sim.records, start, end), np.random.default_rng([s, 7]), s)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = writer(batch, out, **options)
    logger.info("wrote %d file(s) of envelope %s to %s", len(written), envelope, out)
    return written
