"""Stream the events table chunk by chunk, for inputs larger than memory."""

from __future__ import annotations

import itertools
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import pandas as pd

from ..errors import OptionError, SourceError
from .issues import Issues
from .merge import merge_parts
from .reader import Source, _expand, _finish, _read_chunk, nothing_to_read

__all__ = ["iter_events", "map_chunks"]

T = TypeVar("T")


def _chunk_events(
    inputs: list[Any], log_stream: str | None, errors: str, then: Callable[[pd.DataFrame], T]
) -> T:
    """Read one chunk into its events table and apply ``then``, all in the worker thread.

    A chunk without a good record gives an empty table that still counts what was
    skipped (under ``errors="skip"``) and what became of its files.
    """
    part, issues, files = _read_chunk(inputs, log_stream, errors)
    events = merge_parts([part], issues, workers=1) if part is not None else _finish([], issues)
    files.to_attrs(events.attrs)
    return then(events)


def iter_events(
    source: Source | Sequence[Source],
    *,
    log_stream: str | None = None,
    errors: str = "raise",
    files_per_chunk: int = 16,
    boto3_session: Any = None,
) -> Iterator[pd.DataFrame]:
    """Yield the events table of a source in chunks of a few files, in source order.

    Memory stays bounded by the chunk, whatever the size of the input: this is the path
    for converting a large estate (see :func:`vpnlog_analytics.to_parquet`). Each chunk
    is a complete events table of its files, sorted by tunnel then time, with its own
    ``attrs`` (records read = kept + duplicates_dropped + skipped, and sources).

    Parameters
    ----------
    source : path, directory, glob, file-like object, or a list of these
        As for :func:`read_logs`.
    log_stream : str, optional
        Stream name for records that name none.
    errors : {"raise", "skip"}
        As for :func:`read_logs`.
    files_per_chunk : int
        Files parsed together; larger chunks are faster, smaller use less memory.
    boto3_session : boto3.Session, optional
        For ``s3://`` sources.

    Yields
    ------
    pandas.DataFrame
        The events of one chunk of files; empty, with its counts in ``attrs``, where
        every record of the chunk was skipped.

    Notes
    -----
    Records that two sources share are dropped only within a chunk. Sources that
    overlap (an export and a download of the same hours) should be read with
    :func:`read_logs` or placed in the same chunk; files of one export stream are
    adjacent in a walked folder and normally are.

    Examples
    --------
    >>> total = sum(len(chunk) for chunk in iter_events("data/samples/"))  # doctest: +SKIP
    """
    return map_chunks(
        source,
        lambda events: events,
        log_stream=log_stream,
        errors=errors,
        files_per_chunk=files_per_chunk,
        boto3_session=boto3_session,
    )


def map_chunks(
    source: Source | Sequence[Source],
    then: Callable[[pd.DataFrame], T],
    *,
    log_stream: str | None = None,
    errors: str = "raise",
    files_per_chunk: int = 16,
    boto3_session: Any = None,
) -> Iterator[T]:
    """Like :func:`iter_events`, but yield ``then(events)`` of each chunk, in source order.

    ``then`` runs in the worker thread that read the chunk, so work on one chunk (e.g.
    encoding it for Parquet) overlaps with reading the next ones.

    Parameters
    ----------
    source : path, directory, glob, file-like object, or a list of these
        As for :func:`read_logs`.
    then : callable
        Applied to each chunk's events table.
    log_stream, errors, files_per_chunk, boto3_session
        As for :func:`iter_events`.

    Returns
    -------
    iterator
        The results of ``then``, one per chunk (a chunk whose records were all skipped
        gives an empty table that counts them).
    """
    if files_per_chunk < 1:
        raise OptionError(f"files_per_chunk={files_per_chunk} must be at least 1")
    Issues(errors)  # validates the option before any file is read
    inputs = list(_expand(source, boto3_session))
    if not inputs:
        raise SourceError(nothing_to_read(source))
    chunks = [inputs[a : a + files_per_chunk] for a in range(0, len(inputs), files_per_chunk)]
    # Parse and merge the next chunks in worker threads while the caller works on this one
    # (zlib and the Arrow kernels release the GIL); at most `workers` chunks wait, so memory
    # stays bounded by a few chunks whatever the input size.
    workers = max(1, min(len(chunks), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque[Future[Any]] = deque()
        todo = iter(chunks)
        try:
            for chunk in itertools.islice(todo, workers):
                pending.append(pool.submit(_chunk_events, chunk, log_stream, errors, then))
            while pending:
                done = pending.popleft().result()
                nxt = next(todo, None)
                if nxt is not None:
                    pending.append(pool.submit(_chunk_events, nxt, log_stream, errors, then))
                yield done
        finally:
            for future in pending:
                future.cancel()
