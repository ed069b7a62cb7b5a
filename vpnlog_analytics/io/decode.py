"""Byte-level helpers: gzip members, line splitting and time strings, all vectorised."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "GZIP_MAGIC",
    "TIME_MAX_NS",
    "TIME_MIN_NS",
    "Gunzipped",
    "epoch_to_ns",
    "gunzip",
    "parse_time_strings",
    "slice_each",
    "split_lines",
]

GZIP_MAGIC = b"\x1f\x8b"
#: Missing-value sentinel of int64 nanosecond arrays (numpy's NaT).
NAT = np.iinfo(np.int64).min
#: Record times outside [TIME_MIN_NS, TIME_MAX_NS] are impossible for these logs.
TIME_MIN_NS = 946_684_800 * 10**9  # 2000-01-01
TIME_MAX_NS = 4_102_444_800 * 10**9  # 2100-01-01
_MIN_MS, _MAX_MS = TIME_MIN_NS // 10**6, TIME_MAX_NS // 10**6

_inflate: ModuleType
try:  # zlib-ng (the fast extra): zlib's interface, inflates logs ~2.7x as fast
    from zlib_ng import zlib_ng as _inflate
except ImportError:  # pragma: no cover - the standard library's
    _inflate = zlib


def epoch_to_ns(values: np.ndarray) -> np.ndarray:
    """Epoch seconds or milliseconds (told apart by size) to exact int64 nanoseconds.

    Parameters
    ----------
    values : numpy.ndarray
        Epoch times [s] (10 digits) or [ms] (13 digits); NaN where missing.

    Returns
    -------
    numpy.ndarray
        int64 [ns]; :data:`NAT` where missing; values outside 2000-2100 become a time
        just outside that range (never an overflow), so callers can flag them.
    """
    v = np.asarray(values, dtype=np.float64)
    ms = np.where(v > 1e11, v, v * 1000.0)
    out = np.full(len(v), NAT, dtype=np.int64)
    ok = np.isfinite(ms)
    low, high = ok & (ms < _MIN_MS), ok & (ms > _MAX_MS)
    fine = ok & ~low & ~high
    # milliseconds are exact in float64 (< 2**53); scale in integers
    out[fine] = np.round(ms[fine]).astype(np.int64) * 1_000_000
    out[low] = TIME_MIN_NS - 1
    out[high] = TIME_MAX_NS + 1
    return out


@dataclass(frozen=True)
class Gunzipped:
    """Decompressed content of one gzip source (all members, back to back)."""

    data: bytes
    members: int
    #: Byte offset (in the compressed input) where decompression failed, else None.
    error_offset: int | None = None
    error: str | None = None


def gunzip(raw: bytes) -> Gunzipped:
    """Decompress every gzip member of ``raw``; keep what was readable if it is broken.

    Firehose deliveries are several gzip members back to back and CloudWatch export
    parts may be cut short; both are handled here.

    Parameters
    ----------
    raw : bytes
        Compressed bytes starting with the gzip magic number.

    Returns
    -------
    Gunzipped
        The decompressed bytes, the number of members read and, for a truncated or
        corrupt input, the byte offset of the failure.
    """
    out: list[bytes] = []
    pos = 0
    members = 0
    while pos < len(raw):
        if raw[pos : pos + 2] != GZIP_MAGIC:
            if not raw[pos:].strip(b"\x00 \r\n\t"):
                break  # padding after the last member
            return Gunzipped(b"".join(out), members, pos, "data after the last gzip member")
        d = _inflate.decompressobj(wbits=31)
        try:
            out.append(d.decompress(raw[pos:]))
        except (zlib.error, _inflate.error) as exc:
            return Gunzipped(b"".join(out), members, pos, f"corrupt gzip member ({exc})")
        if not d.eof:
            # Keep what inflated: the caller drops the last (possibly partial) line.
            out.append(d.flush())
            return Gunzipped(b"".join(out), members, len(raw), "truncated gzip member")
        members += 1
        pos = len(raw) - len(d.unused_data)
    return Gunzipped(b"".join(out), members)


def split_lines(data: bytes) -> tuple[pa.BinaryArray, np.ndarray]:
    r"""Split bytes into lines without copying them.

    Parameters
    ----------
    data : bytes
        Decompressed text.

    Returns
    -------
    lines : pyarrow.BinaryArray
        One value per line; a value may keep its terminator (``\n`` or ``\r\n``) so
        that the common case needs no copy. Blank lines are left out.
    line_numbers : numpy.ndarray
        1-based line number of each kept line.
    """
    buf = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(buf == 10)
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [len(buf)]))
    # A carriage return before the newline belongs to the line ending.
    has_cr = ends > starts
    has_cr[has_cr] = buf[ends[has_cr] - 1] == 13
    ends = ends - has_cr
    keep = ends > starts
    if keep.any():
        # Lines of only blanks are blank too; check just those short enough to be.
        short = keep & (ends - starts <= 8)
        for i in np.flatnonzero(short):
            if not data[starts[i] : ends[i]].strip():
                keep[i] = False
    line_numbers = np.flatnonzero(keep) + 1
    starts, ends, has_cr = starts[keep], ends[keep], has_cr[keep]
    if len(starts) == 0:
        return pa.array([], pa.binary()), line_numbers
    if np.all(starts[1:] == ends[:-1] + 1 + has_cr[:-1]):
        # Contiguous lines (no blank ones in between): zero-copy, terminators kept.
        offsets = np.concatenate((starts, [ends[-1]])).astype(np.int64)
        arr = pa.LargeBinaryArray.from_buffers(
            pa.large_binary(), len(starts), [None, pa.py_buffer(offsets), pa.py_buffer(buf)]
        )
        return arr.cast(pa.binary()), line_numbers
    return _slices(buf, starts, ends), line_numbers


def _slices(data: Any, starts: np.ndarray, ends: np.ndarray) -> pa.BinaryArray:
    """Values ``data[starts[i]:ends[i]]`` (non-overlapping, increasing) as one copy."""
    n = len(starts)
    if n == 0:
        return pa.array([], pa.binary())
    offsets = np.empty(2 * n, dtype=np.int64)
    offsets[0::2] = starts
    offsets[1::2] = ends
    both = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), 2 * n - 1, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    return both.take(pa.array(np.arange(0, 2 * n - 1, 2))).cast(pa.binary())


def value_offsets(values: pa.Array) -> np.ndarray:
    """Return where each value of a (large) binary or string array starts and ends.

    Parameters
    ----------
    values : pyarrow.BinaryArray, StringArray or their large variants
        Any array of these types, sliced or not.

    Returns
    -------
    numpy.ndarray
        ``len(values) + 1`` int64 byte positions into the array's data buffer: value
        ``i`` is ``data[offsets[i]:offsets[i + 1]]``.
    """
    large = pa.types.is_large_binary(values.type) or pa.types.is_large_string(values.type)
    raw = np.frombuffer(values.buffers()[1], dtype=np.int64 if large else np.int32)
    return raw[values.offset : values.offset + len(values) + 1].astype(np.int64)


def value_bytes(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Return the bytes an array's values span and where each value lies in them.

    Parameters
    ----------
    values : pyarrow.BinaryArray, StringArray or their large variants
        Any array of these types, sliced or not.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``data``, a uint8 view (no copy) of the bytes from the first value's start to the
        last value's end, and ``len(values) + 1`` int64 offsets into it: value ``i`` is
        ``data[offsets[i]:offsets[i + 1]]``.
    """
    offs = value_offsets(values)
    base = int(offs[0]) if len(values) else 0
    offs -= base
    size = int(offs[-1]) if len(values) else 0
    if not size:
        return np.zeros(0, np.uint8), offs
    return np.frombuffer(values.buffers()[2], dtype=np.uint8, count=size, offset=base), offs


def slice_each(
    values: pa.Array, start: np.ndarray, stop: np.ndarray, rows: np.ndarray | None = None
) -> pa.BinaryArray:
    """Slice every value at its own byte positions: ``values[i][start[i]:stop[i]]``.

    pyarrow slices all values at the same positions only; this builds the per-value
    slices from the offsets buffer in one vectorised copy.

    Parameters
    ----------
    values : pyarrow.BinaryArray or StringArray
        Values without nulls.
    start, stop : numpy.ndarray
        Byte positions within each value, ``0 <= start <= stop <= len(value)``.
    rows : numpy.ndarray, optional
        Slice only these values (increasing indices); ``start`` and ``stop`` are then
        aligned with ``rows``.

    Returns
    -------
    pyarrow.BinaryArray
        The slices (cast to string when they cut at character boundaries).
    """
    base = value_offsets(values)[:-1]
    if rows is not None:
        base = base[rows]
    data = values.buffers()[2]
    return _slices(data, base + np.asarray(start, np.int64), base + np.asarray(stop, np.int64))


def parse_time_strings(values: pa.Array) -> np.ndarray:
    """Parse ISO-8601 strings or epoch-millisecond digit strings to UTC nanoseconds.

    Strings without a zone (Logs Insights' ``2024-08-20 05:13:33.000``) are UTC.

    Parameters
    ----------
    values : pyarrow.Array
        String or binary values; nulls allowed.

    Returns
    -------
    numpy.ndarray
        int64 nanoseconds since the epoch, :data:`NAT` where a value did not parse.
    """
    if pa.types.is_binary(values.type):
        try:
            arr = values.cast(pa.string())
        except pa.ArrowInvalid:  # bytes that are no UTF-8 are no time either
            texts = [
                None if v is None else v.decode("utf-8", "replace") for v in values.to_pylist()
            ]
            arr = pa.array(texts, pa.string())
    else:
        arr = values
    arr = pc.utf8_trim_whitespace(arr)
    out = np.full(len(arr), NAT, dtype=np.int64)
    if len(arr) == 0:
        return out
    digits = pc.fill_null(pc.match_substring_regex(arr, r"^\d{10,13}$"), False)
    dig = np.asarray(digits.to_numpy(zero_copy_only=False), dtype=bool)
    if dig.any():
        out[dig] = epoch_to_ns(pc.cast(pc.filter(arr, digits), pa.int64()).to_numpy())
    rest = ~dig
    if rest.any():
        sub = pc.filter(arr, pa.array(rest))
        out[rest] = _parse_iso(sub)
    return out


def _parse_iso(arr: pa.Array) -> np.ndarray:
    for tz in ("UTC", None):
        try:
            ts = pc.cast(arr, pa.timestamp("ns", tz=tz))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
        return np.asarray(ts.cast(pa.int64()).fill_null(NAT).to_numpy(), dtype=np.int64)
    # Mixed or unusual forms: let pandas try each value, NaT where impossible.
    import pandas as pd

    parsed = pd.to_datetime(
        pd.Series(arr.to_pylist(), dtype=object), utc=True, errors="coerce", format="ISO8601"
    )
    # pandas may pick another unit (microseconds, seconds for year 9999): nanoseconds, as
    # everywhere here; a time beyond them is impossible, just outside 2000-2100, as in
    # epoch_to_ns
    raw = np.asarray(parsed.array.asi8, dtype=np.int64)
    scale = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}[parsed.dt.unit]
    out = np.full(len(raw), NAT, dtype=np.int64)
    ok = raw != NAT
    low, high = ok & (raw < TIME_MIN_NS // scale), ok & (raw > TIME_MAX_NS // scale)
    fine = ok & ~low & ~high
    out[fine] = raw[fine] * scale
    out[low], out[high] = TIME_MIN_NS - 1, TIME_MAX_NS + 1
    return out
