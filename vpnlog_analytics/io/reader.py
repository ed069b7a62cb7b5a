"""``read_logs`` and ``parse_records``: every way the logs reach a user, one events table."""

from __future__ import annotations

import fnmatch
import glob as globmod
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import schema as s
from ..errors import SourceError, VpnLogError
from .batch import Batch, DistinctBodies, distinct_bodies
from .build import parse_part
from .decode import NAT
from .envelopes import Origin, _add_item, _Rows, read_bytes
from .evidence import counts_entry, source_counts
from .issues import Issues
from .memory import release_free_memory
from .merge import Part, merge_parts

__all__ = [
    "REMOTE_LISTERS",
    "RemoteLister",
    "parse_records",
    "read_logs",
    "register_remote",
    "source_names",
]

log = logging.getLogger(__name__)

#: Object CloudWatch writes into an export prefix to test its permissions.
WRITE_TEST_MARKER = "aws-logs-write-test"
#: A file in a folder that lists, one glob per line, the files of that folder that are
#: not logs (a README, notes, ground truth): walking the folder skips them without a word
#: on stderr, and ``attrs["excluded_files"]`` names them.
IGNORE_FILE = ".vpnlogignore"

Source = str | os.PathLike[str] | IO[bytes] | IO[str]

#: Lists the objects of a remote URI: ``(uri, boto3_session)`` -> objects that each have
#: a ``name`` and a ``read()`` returning bytes.
RemoteLister = Callable[[str, Any], Iterable[Any]]
#: Listers of remote sources by URI scheme. io imports no cloud SDK: the package fills in
#: ``"s3"`` (the AWS layer's lister, imported only when an ``s3://`` source is read).
REMOTE_LISTERS: dict[str, RemoteLister] = {}


def register_remote(scheme: str, lister: RemoteLister) -> None:
    """Make ``read_logs`` (and ``iter_events``, ``to_parquet``) read ``<scheme>://`` URIs.

    Parameters
    ----------
    scheme : str
        The URI scheme, e.g. ``"s3"``.
    lister : callable
        ``lister(uri, boto3_session)`` returning the objects to read, each with ``name``
        and ``read()``.
    """
    REMOTE_LISTERS[scheme] = lister


@dataclass(frozen=True)
class _Input:
    """One concrete input: a file path or an already opened file-like object."""

    name: str
    path: Path | None = None
    handle: Any = None
    walked: bool = False

    def read(self) -> bytes:
        if self.path is not None:
            try:
                return self.path.read_bytes()
            except OSError as exc:
                raise SourceError(f"{self.name}: cannot read ({exc.strerror})") from exc
        data = self.handle.read()
        return data.encode() if isinstance(data, str) else bytes(data)


def _is_glob(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def ignore_patterns(folder: Path) -> list[str]:
    """Return the globs a folder's :data:`IGNORE_FILE` lists (none without one).

    Blank lines and ``#`` comments are left out; a pattern matches a file's path
    relative to the folder (``notes/*``) or its name (``*.md``).
    """
    try:
        text = (folder / IGNORE_FILE).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{folder / IGNORE_FILE}: cannot read it ({exc})") from exc
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _ignored_by(patterns: list[str], relative: Path) -> bool:
    text = relative.as_posix()
    return any(
        fnmatch.fnmatchcase(text, p) or fnmatch.fnmatchcase(relative.name, p) for p in patterns
    )


def _expand(
    source: Any, boto3_session: Any = None, excluded: list[str] | None = None
) -> Iterator[_Input]:
    """Yield the inputs a source stands for.

    Files a walked folder's :data:`IGNORE_FILE` lists go into ``excluded`` instead.
    """
    if isinstance(source, list | tuple):
        for item in source:
            yield from _expand(item, boto3_session, excluded)
        return
    if hasattr(source, "read"):
        yield _Input(str(getattr(source, "name", "<file-like>")), handle=source)
        return
    if not isinstance(source, str | os.PathLike):
        raise SourceError(
            f"cannot read logs from a {type(source).__name__}; pass a path, directory, "
            "glob, list of those, or file-like object (records in memory: parse_records)"
        )
    text = os.fspath(source)
    scheme, sep, _ = text.partition("://")
    if sep and scheme.isalnum() and len(scheme) > 1:
        lister = REMOTE_LISTERS.get(scheme)
        if lister is None:
            raise SourceError(f"{text}: cannot read {scheme}:// sources")
        for obj in lister(text, boto3_session):
            yield _Input(obj.name, handle=obj, walked=True)
        return
    path = Path(text).expanduser()
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p, path))
        patterns = ignore_patterns(path)
        for f in files:
            if patterns and _ignored_by(patterns, f.relative_to(path)):
                if excluded is not None:
                    excluded.append(str(f))
            elif f.name != WRITE_TEST_MARKER:
                yield _Input(str(f), path=f, walked=True)
        return
    if path.is_file():
        yield _Input(str(path), path=path)
        return
    if _is_glob(text):
        matches = sorted(globmod.glob(str(path), recursive=True))
        if not matches:
            raise SourceError(f"{text}: the pattern matches no file")
        for m in matches:
            for inp in _expand(m, None, excluded):
                yield _Input(inp.name, path=inp.path, walked=True)
        return
    raise SourceError(f"{text}: no such file or directory")


def source_names(source: Any, *, boto3_session: Any = None) -> list[str]:
    """Return the names of the inputs a source stands for (files of a folder or glob, objects).

    Parameters
    ----------
    source : str, path, file-like, or a list of those
        Anything :func:`read_logs` takes.
    boto3_session : boto3.Session, optional
        For remote (``s3://``) sources.

    Returns
    -------
    list of str
        In the order ``read_logs`` reads them.

    Examples
    --------
    >>> source_names("data/samples/s3-export")[:1]  # doctest: +SKIP
    """
    return [inp.name for inp in _expand(source, boto3_session)]


def _hidden(p: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in p.relative_to(root).parts)


def _default_stream(name: str, log_stream: str | None) -> str | None:
    found = s.stream_name_in(name)
    return found if found is not None else log_stream


#: Folder name under which CloudWatch writes an export (``CreateExportTask``'s default).
EXPORT_PREFIX = "exportedlogs"


def log_named(name: str) -> bool:
    """Tell whether a path or key names a log: a stream name in it, or an export tree.

    Such a file is expected to hold logs: when it cannot be read that is an error (or a
    skipped and counted source), never a file quietly ignored.

    Parameters
    ----------
    name : str
        A path or S3 key.

    Returns
    -------
    bool

    Examples
    --------
    >>> log_named("x/vpn-0d17975e9b801ddcd-18.143.226.251-IKE.log")
    True
    >>> log_named("x/README.md")
    False
    """
    parts = name.replace("\\", "/").split("/")
    return s.stream_name_in(name) is not None or EXPORT_PREFIX in parts[:-1]


@dataclass
class Files:
    """What became of each input file: read, held no records, ignored, or unreadable."""

    read: int = 0
    #: Files that hold no records: zero bytes, only blanks, only control messages.
    empty: list[str] = field(default_factory=list)
    #: Files found by walking a folder that hold no logs, with what they hold instead.
    ignored: dict[str, str] = field(default_factory=dict)
    #: Files a walked folder's ignore file (:data:`IGNORE_FILE`) lists: not read.
    excluded: list[str] = field(default_factory=list)
    #: Files expected to hold logs (named or placed like them) that could not be read:
    #: under ``errors="skip"`` they are counted in ``skipped`` too.
    unreadable: list[str] = field(default_factory=list)

    def add(self, other: Files) -> None:
        """Add the files of another chunk."""
        self.read += other.read
        self.empty.extend(other.empty)
        self.ignored.update(other.ignored)
        self.unreadable.extend(other.unreadable)

    def to_attrs(self, attrs: dict[str, Any]) -> None:
        """Write the counts into a result's ``attrs`` (see :func:`read_logs`)."""
        attrs["files"] = {
            "read": self.read,
            "empty": len(self.empty),
            "ignored": len(self.ignored),
            "unreadable": len(self.unreadable),
            "excluded": len(self.excluded),
        }
        attrs["excluded_files"] = list(self.excluded)
        attrs["empty_files"] = list(self.empty)
        attrs["ignored_files"] = list(self.ignored)
        attrs["ignored_why"] = dict(self.ignored)
        attrs["unreadable_files"] = list(self.unreadable)


def _read_chunk(
    inputs: list[_Input], log_stream: str | None, errors: str
) -> tuple[Part | None, Issues, Files]:
    """Read a few inputs and parse them together (fewer, larger vectorised steps)."""
    issues = Issues(errors)
    bodies: list[DistinctBodies] = []
    files = Files()
    for inp in inputs:
        data = inp.read()
        lenient = inp.walked and not log_named(inp.name)
        origin = Origin(inp.name, issues, _default_stream(inp.name, log_stream), walked=lenient)
        before = sum(issues.skipped.values())
        read = read_bytes(data, origin)
        if read:
            issues.formats.setdefault(inp.name, read[0].fmt)
        batches = [b for b in read if len(b)]
        bodies.extend(distinct_bodies(b) for b in batches)
        if origin.ignored:
            files.ignored.update(origin.ignored)
        elif batches:
            files.read += 1
        elif sum(issues.skipped.values()) > before:
            files.unreadable.append(inp.name)
        else:
            files.empty.append(inp.name)
        del data
    return parse_part(bodies, issues), issues, files


def _chunks(inputs: list[_Input], workers: int) -> list[list[_Input]]:
    """Split inputs, in order, into a few chunks per worker (balance, bounded memory)."""
    count = min(len(inputs), workers * 12)
    bounds = np.linspace(0, len(inputs), count + 1).astype(int)
    return [inputs[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]


def read_logs(
    source: Source | Sequence[Source],
    *,
    log_stream: str | None = None,
    errors: str = "raise",
    progress: bool = False,
    boto3_session: Any = None,
) -> pd.DataFrame:
    """Read VPN tunnel and BGP logs from files in any envelope into the events table.

    The format of each file is detected from its content (gzip or not): raw per-stream
    NDJSON, CloudWatch S3 export objects, Logs Insights CSV/JSON downloads, ``aws logs
    filter-log-events`` / ``get-log-events`` output, subscription payloads (Lambda events,
    Firehose concatenations), pretty-printed records and text-format lines.

    Parameters
    ----------
    source : path, directory, glob, file-like object, or a list of these
        Directories are walked (hidden files, the ``aws-logs-write-test`` marker and the
        files the folder's ``.vpnlogignore`` lists -- one glob per line, e.g.
        ``README.md`` -- are skipped); globs may use ``**``.
    log_stream : str, optional
        Stream name for records whose envelope and file name name none, e.g.
        ``"vpn-0123456789abcdef0-203.0.113.10-IKE.log"``.
    errors : {"raise", "skip"}
        ``"raise"`` stops at the first malformed record with a :class:`ParseError` naming
        the file and line; ``"skip"`` keeps every good record and counts the rest in
        ``df.attrs["skipped"]`` (reason -> records).
    progress : bool
        Show a progress bar over files.
    boto3_session : boto3.Session, optional
        For ``s3://`` sources (``s3://bucket/prefix/`` lists every object under the
        prefix); default: the standard credential chain.

    Returns
    -------
    pandas.DataFrame
        The events table (columns of :data:`schema.EVENT_COLUMNS`), sorted by tunnel then
        time. ``attrs`` hold the records read and what became of them, ``records`` =
        ``kept`` (rows of the table) + ``duplicates_dropped`` (records read before, from
        another source or by the same ``eventId``) + ``skipped`` (reason -> records),
        and the same per source in ``sources`` (name -> ``format`` and those four
        counts, ``records`` being what the file holds); ``skipped_examples``,
        ``unknown_keys``, ``unrecognised_values`` and what became of the files: ``files``
        (counts ``read``, ``empty``, ``ignored``, ``unreadable``, ``excluded``),
        ``excluded_files`` (listed in a walked folder's ``.vpnlogignore``), ``empty_files`` (hold
        no records: zero bytes, only control messages), ``ignored_files`` with
        ``ignored_why`` (found by walking a folder, hold no logs: a README, binary data,
        an unrelated CSV) and ``unreadable_files``.

    Notes
    -----
    Text is decoded from what real tools write: UTF-8 with or without a byte-order mark,
    UTF-16 LE/BE (Windows PowerShell's ``>``) and UTF-32 with a BOM, LF or CRLF lines.
    A file whose name holds a log stream name (``vpn-…-IKE.log``) or that sits in an
    export tree (``exportedlogs/``) must hold logs: if it does not, that is a
    :class:`FormatError` or, under ``errors="skip"``, a source counted under
    ``unrecognised_format``. Other files found by walking a folder that hold no logs are
    listed in ``ignored_files``; an empty file is no error.

    Raises
    ------
    SourceError
        A path that does not exist, a glob that matches nothing, an empty folder.
    ParseError
        Under ``errors="raise"``, the first malformed record.
    FormatError
        Under ``errors="raise"``, a file given by name, or named like a log, that holds
        no log format.

    Examples
    --------
    >>> events = read_logs("data/samples/")  # doctest: +SKIP
    >>> events.groupby(["vpn_connection_id", "tunnel_ip"], observed=True).size()  # doctest: +SKIP
    """
    issues = Issues(errors)
    files = Files()
    inputs = list(_expand(source, boto3_session, files.excluded))
    if not inputs:
        raise SourceError(nothing_to_read(source))
    parts: list[Part] = []
    workers = min(len(inputs), max(1, os.cpu_count() or 1))
    chunks = _chunks(inputs, workers)
    # Chunks of files are parsed in worker threads: decompression and the Arrow kernels
    # release the GIL. Results come back in input order, so an earlier file raises first.
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = pool.map(lambda c: _read_chunk(c, log_stream, errors), chunks)
        try:
            for part, file_issues, chunk_files in _progress(results, chunks, progress):
                files.add(chunk_files)
                if part is not None:
                    parts.append(part)
                issues.update(file_issues)
        except BaseException:
            # A bad record under errors="raise", or Ctrl-C: don't parse the rest first.
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    events = _finish(parts, issues)
    if files.ignored:
        log.info(
            "ignored %d file(s) that hold no logs: %s",
            len(files.ignored),
            ", ".join(f"{k} ({v})" for k, v in files.ignored.items()),
        )
    files.to_attrs(events.attrs)
    return events


def nothing_to_read(source: Any) -> str:
    """Say why a source gave no file to read, in the words of the source.

    Parameters
    ----------
    source : path, glob, list or file-like
        What the caller passed.

    Returns
    -------
    str
        E.g. ``"logs/: the folder is empty (hidden files are not read)"``.
    """
    items = list(source) if isinstance(source, list | tuple) else [source]
    names = [os.fspath(x) if isinstance(x, str | os.PathLike) else repr(x) for x in items]
    if len(names) == 1:
        name = names[0]
        folder = Path(name).expanduser()
        if folder.is_dir():
            if any(p.is_file() and not _hidden(p, folder) for p in folder.rglob("*")):
                return f"{name}: every file of the folder is listed in its {IGNORE_FILE}"
            return f"{name}: the folder is empty (hidden files and folders are not read)"
        return f"{name}: holds no file to read"
    if not names:
        return "no source given: pass files, folders or globs"
    return f"{', '.join(names)}: none of these holds a file to read (empty folders)"


def _progress(it: Iterable[Any], chunks: list[list[_Input]], enabled: bool) -> Iterable[Any]:
    """Yield from ``it`` (one item per chunk), advancing a bar by files."""
    if not enabled:
        yield from it
        return
    from tqdm.auto import tqdm

    with tqdm(total=sum(map(len, chunks)), unit="file", desc="reading logs") as bar:
        for item, chunk in zip(it, chunks, strict=True):
            yield item
            bar.update(len(chunk))


def _finish(parts: list[Part], issues: Issues) -> pd.DataFrame:
    if not parts:
        events = s.empty_events()
        none = np.zeros(0, dtype=np.int64)
        events.attrs = {
            **counts_entry(kept=0, duplicates=0, skipped=issues.skipped),
            "skipped_examples": list(issues.examples),
            "unknown_keys": {},
            "unrecognised_values": {},
            "sources": source_counts([], [], [], none, none, issues.by_source, issues.formats),
        }
        return events
    # The parsing's freed pages go back before the merge allocates the table.
    release_free_memory()
    return merge_parts(parts, issues)


def _single(batch: Batch, issues: Issues) -> pd.DataFrame:
    """Parse one in-memory batch into the events table."""
    part = parse_part([distinct_bodies(batch)] if len(batch) else [], issues)
    return _finish([part] if part is not None else [], issues)


def parse_records(
    records: Iterable[str | bytes | dict[str, Any]] | pd.DataFrame,
    *,
    log_stream: str | None = None,
    errors: str = "raise",
) -> pd.DataFrame:
    """Parse log records already in memory into the events table.

    Parameters
    ----------
    records : iterable of str, bytes or dict, or a DataFrame
        Each item is a tunnel or BGP record (JSON text or a dict), a CloudWatch log event
        (a dict with ``message``, ``timestamp`` [ms], optional ``logStreamName`` and
        ``eventId``, as boto3 returns them), or any envelope dict (a subscription
        payload, a ``filter_log_events`` response). A DataFrame needs a ``message``
        column and may have ``log_stream``, ``log_group``, ``time`` and ``event_id``.
    log_stream : str, optional
        Stream name for records that carry none.
    errors : {"raise", "skip"}
        As for :func:`read_logs`; "line" in messages is the position (1-based).

    Returns
    -------
    pandas.DataFrame
        The events table, as :func:`read_logs` returns it.

    Examples
    --------
    >>> rec = ('{"event_timestamp":1724130813,"details":"AWS tunnel DPD timed out after 3 '
    ...        'retransmits","dpd_enabled":true,"nat_t_detected":false,'
    ...        '"ike_phase1_state":"down","ike_phase2_state":"down"}')
    >>> ev = parse_records([rec], log_stream="vpn-0d17975e9b801ddcd-18.143.226.251-IKE.log")
    >>> ev[["tunnel_ip", "event", "retry_count", "tunnel_up"]].to_dict("records")
    [{'tunnel_ip': '18.143.226.251', 'event': 'dpd_timeout', 'retry_count': 3, 'tunnel_up': False}]
    """
    issues = Issues(errors)
    origin = Origin("<records>", issues, log_stream)
    if isinstance(records, pd.DataFrame):
        return _single(_frame_batch(records, origin), issues)
    if isinstance(records, str | bytes | dict):
        raise VpnLogError("parse_records takes an iterable of records; wrap one in a list")
    rows = _Rows.new()
    for i, rec in enumerate(records, start=1):
        if isinstance(rec, dict):
            _add_item(rec, rows, origin, line=i)
        elif isinstance(rec, str | bytes):
            rows.add(rec.encode() if isinstance(rec, str) else rec, int(NAT), None, None, None, i)
        else:
            issues.bad(
                f"expected str, bytes or dict, got {type(rec).__name__}",
                source=origin.source,
                line=i,
                reason="not_a_record",
            )
    return _single(rows.to_batch(origin, "records"), issues)


def _frame_batch(frame: pd.DataFrame, origin: Origin) -> Batch:
    if "message" not in frame.columns:
        raise VpnLogError("a DataFrame of records needs a 'message' column")
    n = len(frame)
    messages = pa.array(frame["message"].astype(str).to_numpy(dtype=object), pa.string())
    env = np.full(n, NAT, dtype=np.int64)
    if "time" in frame.columns:
        t = pd.to_datetime(frame["time"], utc=True)
        env = np.where(t.isna(), NAT, t.array.asi8).astype(np.int64)

    def codes(col: str, default: str | None) -> tuple[list[str | None], np.ndarray]:
        if col not in frame.columns:
            return [default], np.zeros(n, dtype=np.int32)
        c = pd.Categorical(frame[col])
        names: list[str | None] = [str(x) for x in c.categories]
        names.append(default)
        idx = np.where(c.codes < 0, len(names) - 1, c.codes).astype(np.int32)
        return names, idx

    streams, stream_idx = codes("log_stream", origin.default_stream)
    groups, group_idx = codes("log_group", None)
    ids = frame["event_id"].to_numpy(dtype=object) if "event_id" in frame.columns else None
    return Batch(
        origin.source,
        "records",
        messages.cast(pa.binary()),
        np.arange(1, n + 1),
        env_ns=env,
        streams=streams,
        stream_idx=stream_idx,
        groups=groups,
        group_idx=group_idx,
        event_ids=ids,
    )
