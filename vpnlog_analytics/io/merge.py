"""Merge parsed parts into the events table (DESIGN.md section 2).

Chunks of sources are parsed independently, in worker threads (:mod:`.build`), each into
a :class:`Part`: per row the index of its distinct record and its lineage, per distinct
record the codes of every column, and local categories. :func:`merge_parts` unifies the
categories (the messages in buckets, on threads; by hashes of their bytes where the
compiled kernels run), drops records that two sources share, sorts by tunnel then time
and builds the columns, releasing each part's arrays as soon as they are copied.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema as s
from .decode import value_bytes, value_offsets
from .evidence import counts_entry, source_counts
from .issues import Issues
from .memory import release_free_memory
from .skeleton import compiled

__all__ = [
    "FIXED",
    "FLAGS",
    "INTS",
    "OPEN",
    "Part",
    "bucketed",
    "merge_parts",
    "narrow",
]


#: Open categorical columns carried as (codes, local categories) until the merge.
OPEN = (
    s.DETAILS,
    s.TEMPLATE,
    s.SPI,
    s.CGW,
    s.BGP_PREFIX,
    s.BGP_AS_PATH,
    s.BGP_NEXT_HOP_IP,
    s.LOG_STREAM,
    s.LOG_GROUP,
)
#: Columns held as int64 codes with -1 for NA: fixed categories, flags, integers.
FIXED = (
    s.LOG_TYPE,
    s.PHASE1_STATE,
    s.PHASE2_STATE,
    s.EVENT,
    s.SEVERITY,
    s.IKE_VERSION,
    s.BGP_TYPE,
    s.BGP_STATUS,
)
#: Large open categories kept in order of appearance (sorting them costs, helps no one).
_UNSORTED = (s.DETAILS, s.TEMPLATE, s.SPI)
FLAGS = (s.DPD_ENABLED, s.NAT_T_DETECTED, s.TUNNEL_UP)
INTS = {
    name: s.events_dtypes()[name].numpy_dtype  # type: ignore[attr-defined]
    for name in (
        s.REQUEST_ID,
        s.RETRY_COUNT,
        s.DPD_SEQUENCE,
        s.BGP_LOCAL_PREF,
        s.BGP_MED,
        s.BGP_WEIGHT,
    )
}


@dataclass
class Part:
    """The rows of a few sources, parsed and classified, as codes into local categories.

    Chunks of sources are parsed independently (in worker threads); :func:`merge_parts`
    unifies their categories, drops cross-source duplicates and sorts.
    """

    sources: list[str]
    formats: list[str]  # envelope format of each source
    #: Per source: sources of one group are one for deduplication (export parts).
    groups: list[str]
    src: np.ndarray  # per row, index into sources
    time: np.ndarray  # int64 ns
    #: Per row: index of its distinct record (into the arrays of ``ucodes``).
    gu: np.ndarray
    #: Per distinct record: codes of the columns that follow from the record alone.
    ucodes: dict[str, np.ndarray]
    #: Per row: codes of the columns that follow from the row's lineage (ident, stream, group).
    codes: dict[str, np.ndarray]
    cats: dict[str, Any]  # list or pyarrow.Array of the local categories
    idents: list[tuple[str, str]]  # cats of codes["ident"]
    event_ids: np.ndarray | None
    unknown_keys: dict[str, int]
    unrecognised: dict[str, int]

    def __len__(self) -> int:
        return len(self.time)

    def release(self) -> None:
        """Drop the arrays (the merge has taken what it needs): memory goes back early."""
        empty = np.zeros(0, dtype=np.int32)
        self.src = self.time = self.gu = empty
        self.ucodes, self.codes, self.cats = {}, {}, {}
        self.event_ids = None


def narrow(values: np.ndarray) -> np.ndarray:
    """Cast ``values`` to the smallest signed integer dtype that holds them (-1 is NA)."""
    if not len(values):
        return values.astype(np.int8)
    lo, hi = int(values.min()), int(values.max())
    for dtype in (np.int8, np.int16, np.int32):
        info = np.iinfo(dtype)
        if info.min <= lo and hi <= info.max:
            return values.astype(dtype)
    return values


#: Open categories as large as the messages are unified in this many independent buckets
#: (equal values always share one), so the merge spreads over the worker threads.
_BUCKETS = 4


def _bucket_of(values: pa.Array) -> np.ndarray:
    """Per value a bucket in ``0.._BUCKETS-1`` from its byte length and last two bytes.

    Equal values always fall in the same bucket; values that differ only in a trailing
    number (sequence numbers, request ids) spread over the buckets.
    """
    n = len(values)
    if not n:
        return np.zeros(0, dtype=np.int8)
    offs = value_offsets(values)
    buf = values.buffers()[2]
    data = np.frombuffer(buf, dtype=np.uint8) if buf is not None else np.zeros(0, np.uint8)
    ends = offs[1:]
    size = ends - offs[:-1]
    key: np.ndarray = size.copy()
    for back in (1, 2):
        has = size >= back  # the value's own bytes only (a 1-byte value has no second-last)
        key[has] += data[ends[has] - back]
    return (key % _BUCKETS).astype(np.int8)


def bucketed(values: pa.Array, codes: np.ndarray) -> tuple[np.ndarray, list[pa.Array]]:
    """Reorder distinct values by bucket: codes into the reordered values and one slice each.

    Parameters
    ----------
    values : pyarrow.StringArray
        Values without nulls.
    codes : numpy.ndarray
        Indices into ``values`` (-1 for NA).

    Returns
    -------
    codes : numpy.ndarray
        The same values' indices into the concatenation of the buckets (-1 kept).
    buckets : list of pyarrow.Array
        :data:`_BUCKETS` zero-copy slices of the reordered values.
    """
    bucket = _bucket_of(values)
    order = np.argsort(bucket, kind="stable")
    inverse = np.empty(len(order) + 1, dtype=np.int64)
    inverse[order] = np.arange(len(order))
    inverse[-1] = -1
    ordered = values.take(pa.array(order)) if len(order) else values
    bounds = np.concatenate(([0], np.cumsum(np.bincount(bucket, minlength=_BUCKETS))))
    slices = [
        ordered.slice(int(a), int(b - a)) for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    ]
    return inverse[codes], slices


def _unify(arrays: list[pa.Array]) -> tuple[pa.Array, list[np.ndarray]]:
    """Unify local dictionaries: the global one and, per array, a remap of its codes.

    Each remap has one entry per local value plus a last ``-1`` (so that code -1, NA,
    maps to -1); nulls map to -1.
    """
    if len(arrays) > 1 and all(a.null_count == 0 for a in arrays):
        # Unify the parts' dictionaries (about twice as fast as encoding them again);
        # the unified dictionary keeps the order of first appearance.
        chunks = pa.chunked_array(
            [
                pa.DictionaryArray.from_arrays(pa.array(np.arange(len(a), dtype=np.int32)), a)
                for a in arrays
            ],
            type=pa.dictionary(pa.int32(), pa.string()),
        ).unify_dictionaries()
        remaps = [
            np.append(chunk.indices.to_numpy(zero_copy_only=False), -1).astype(np.int32)
            for chunk in chunks.chunks
        ]
        dictionary = chunks.chunk(0).dictionary if chunks.num_chunks else pa.array([], pa.string())
        return dictionary, remaps
    sizes = np.cumsum([0] + [len(a) for a in arrays])
    enc = pc.dictionary_encode(pa.concat_arrays(arrays), null_encoding="mask")
    glob = np.asarray(enc.indices.fill_null(-1).to_numpy(zero_copy_only=False), np.int32)
    remaps = [
        np.append(glob[a:b], -1).astype(np.int32)
        for a, b in zip(sizes[:-1], sizes[1:], strict=True)
    ]
    return enc.dictionary, remaps


def _unify_released(arrays: list[pa.Array]) -> tuple[pa.Array, list[np.ndarray]]:
    """:func:`_unify`, then give Arrow's pool back the memory of its hash tables."""
    out = _unify(arrays)
    pa.default_memory_pool().release_unused()
    return out


def _union(parts: list[Part], name: str) -> tuple[pa.Array, list[np.ndarray]]:
    """Unify one open categorical column: global categories and each part's codes.

    The codes are the part's per-row codes (lineage columns) or, for the columns that
    follow from the record, its per-distinct-record codes.
    """
    arrays = [
        pa.array(c, pa.string()) if isinstance(c, list) else c
        for c in (p.cats[name] for p in parts)
    ]
    dictionary, remaps = _unify(arrays)
    return dictionary, [r[_part_codes(p, name)] for p, r in zip(parts, remaps, strict=True)]


def _union_buckets(
    parts: list[Part], name: str, pool: ThreadPoolExecutor
) -> Callable[[], tuple[pa.Array, list[np.ndarray]]]:
    """Start unifying a bucketed column (see :func:`bucketed`) on the pool.

    Returns a function that waits and gives the global categories (the buckets' one
    after another) and each part's per-distinct-record codes.
    """
    futures = [
        # one part (a chunk of a stream of tables): nothing to give back between buckets
        pool.submit(_unify_released if len(parts) > 1 else _unify, [p.cats[name][k] for p in parts])
        for k in range(_BUCKETS)
    ]

    def result() -> tuple[pa.Array, list[np.ndarray]]:
        done = [f.result() for f in futures]
        futures.clear()
        dictionaries = [d for d, _ in done]
        remaps = [r for _, r in done]
        del done
        for p in parts:  # the local dictionaries go before the global one is copied
            del p.cats[name]
        first = np.cumsum([0] + [len(d) for d in dictionaries])
        out = []
        for i, p in enumerate(parts):
            pieces = [
                np.where(rs[i][:-1] >= 0, rs[i][:-1] + off, -1)
                for rs, off in zip(remaps, first[:-1], strict=True)
            ]
            remap = np.concatenate([*pieces, [-1]]).astype(np.int32)
            out.append(remap[p.ucodes[name]])
        if len(parts) > 1:
            release_free_memory()  # the hash tables and local dictionaries, before the copy
        # one array: pandas and Arrow handle chunked categories much more slowly
        return _concat_strings(dictionaries), out

    return result


def _union_hashed(
    parts: list[Part], name: str, pool: ThreadPoolExecutor
) -> tuple[pa.Array, list[np.ndarray]] | None:
    """:func:`_union_buckets` by 64-bit hashes of the values (the compiled kernels).

    The same categories in the same order (first appearance, bucket after bucket) and the
    same codes, without a hash table of the strings: the values are hashed where they
    lie and numbered bucket by bucket on the pool (equal values share a bucket), values
    of equal hash are compared byte for byte, and the values new to the categories are
    copied once, each part's buffer released as soon as it is copied. None where two
    different values share a hash (the Arrow path runs then).
    """
    from ._kernels import first_seen, hash_ranges

    n_parts = len(parts)
    spans = [[value_bytes(a) for a in p.cats[name]] for p in parts]  # [part][bucket]

    def number(k: int) -> tuple[np.ndarray, np.ndarray]:
        """Bucket ``k``'s values, part after part: codes and firsts within the bucket."""
        hashes = [hash_ranges(spans[i][k][0], *_ends(spans[i][k][1])) for i in range(n_parts)]
        return first_seen(np.concatenate(hashes))

    numbered = list(pool.map(number, range(_BUCKETS)))
    # the values in the order of the categories: bucket after bucket, part after part
    segments = [(k, i) for k in range(_BUCKETS) for i in range(n_parts)]
    starts = np.cumsum([0] + [len(spans[i][k][1]) - 1 for k, i in segments])
    counts = np.cumsum([0] + [len(f) for _, f in numbered])
    codes = np.concatenate([c + counts[k] for k, (c, _) in enumerate(numbered)])
    first = np.concatenate([f + starts[k * n_parts] for k, (_, f) in enumerate(numbered)])
    del numbered
    is_first = np.zeros(len(codes), dtype=bool)
    is_first[first] = True
    again = np.flatnonzero(~is_first)
    del is_first
    if len(again):
        values = [parts[i].cats[name][k] for k, i in segments]
        same = pc.equal(_take(values, starts, again), _take(values, starts, first[codes[again]]))
        del values
        if not pc.all(same).as_py():
            return None
    bounds = np.searchsorted(first, starts)
    rows = {ki: first[bounds[j] : bounds[j + 1]] - starts[j] for j, ki in enumerate(segments)}
    out_offs = np.zeros(len(first) + 1, dtype=np.int64)
    np.cumsum(
        np.concatenate(
            [spans[i][k][1][rows[k, i] + 1] - spans[i][k][1][rows[k, i]] for k, i in segments]
            or [np.zeros(0, np.int64)]
        ),
        out=out_offs[1:],
    )
    data = np.empty(int(out_offs[-1]), dtype=np.uint8)

    def copy(i: int) -> np.ndarray:
        """Copy part ``i``'s new values, release its buffer; its codes into the categories."""
        for k in range(_BUCKETS):
            j = k * n_parts + i
            _gather(*spans[i][k], rows.pop((k, i)), data, out_offs[bounds[j] : bounds[j + 1]])
        spans[i] = []
        del parts[i].cats[name]
        remap = np.concatenate(
            [codes[starts[j] : starts[j + 1]] for j in range(i, len(segments), n_parts)] + [[-1]]
        ).astype(np.int32)
        return remap[parts[i].ucodes[name]]

    per_part: list[np.ndarray] = []
    step = max(1, n_parts // 4)
    for lo in range(0, n_parts, step):
        per_part.extend(pool.map(copy, range(lo, min(lo + step, n_parts))))
        if lo + step < n_parts:
            # the copied parts' pages go back as the categories fill (Arrow's pool keeps
            # them otherwise: 90 MB more at the peak for a million messages)
            release_free_memory()
    large = int(out_offs[-1]) >= np.iinfo(np.int32).max
    offsets = out_offs if large else out_offs.astype(np.int32)
    typ = pa.large_string() if large else pa.string()
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    return pa.Array.from_buffers(typ, len(first), buffers), per_part


def _ends(offs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each value starts and stops, from ``len + 1`` offsets."""
    return offs[:-1], offs[1:]


def _take(arrays: list[pa.Array], starts: np.ndarray, at: np.ndarray) -> pa.Array:
    """Values at positions ``at`` of the arrays one after another (``starts``: where each begins).

    Each array gives its own (Arrow's take of a chunked array joins the chunks first).
    """
    order = np.argsort(at, kind="stable")
    cut = np.searchsorted(at[order], starts)
    pieces = [
        a.take(pa.array(at[order[cut[j] : cut[j + 1]]] - starts[j]))
        for j, a in enumerate(arrays)
        if cut[j + 1] > cut[j]
    ]
    back = np.empty(len(order), dtype=np.int64)
    back[order] = np.arange(len(order))
    return pa.concat_arrays(pieces).take(pa.array(back))


def _gather(
    data: np.ndarray, offs: np.ndarray, rows: np.ndarray, out: np.ndarray, at: np.ndarray
) -> None:
    """Copy value ``rows[i]`` of ``data``/``offs`` to ``out`` from ``at[i]`` on (rows ascend).

    Runs of consecutive rows are one copy each: the values new to the categories come in
    long runs (a part's values are distinct; only those an earlier part holds break them).
    """
    if not len(rows):
        return
    breaks = np.flatnonzero(np.diff(rows) != 1) + 1
    first, last = np.r_[0, breaks], np.r_[breaks, len(rows)] - 1
    los, his = offs[rows[first]].tolist(), offs[rows[last] + 1].tolist()
    for lo, hi, w in zip(los, his, at[first].tolist(), strict=True):
        out[w : w + hi - lo] = data[lo:hi]


def _concat_strings(arrays: list[pa.Array]) -> pa.Array:
    """Concatenate string arrays without nulls, dropping each input once it is copied.

    The list is emptied as it goes, so the peak is the result plus one input, not the
    result plus all of them (the message categories are the largest array of a table).
    """
    if not arrays or any(a.null_count for a in arrays):
        out = pa.concat_arrays([a.cast(pa.string()) for a in arrays]) if arrays else None
        arrays.clear()
        return out if out is not None else pa.array([], pa.string())

    arrays[:] = [a.cast(pa.string()) for a in arrays]
    total = sum(int(o[-1] - o[0]) for o in map(value_offsets, arrays))
    count = sum(len(a) for a in arrays)
    large = total >= np.iinfo(np.int32).max
    data = np.empty(total, dtype=np.uint8)
    offsets = np.empty(count + 1, dtype=np.int64 if large else np.int32)
    offsets[0] = 0
    pos = at = 0
    while arrays:
        a = arrays.pop(0)
        offs = value_offsets(a)
        lo, hi = int(offs[0]), int(offs[-1])
        if hi > lo:
            data[pos : pos + hi - lo] = np.frombuffer(a.buffers()[2], dtype=np.uint8)[lo:hi]
        offsets[at : at + len(a) + 1] = offs - lo + pos
        pos += hi - lo
        at += len(a)
        del a, offs
    typ = pa.large_string() if large else pa.string()
    return pa.Array.from_buffers(typ, count, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def _part_codes(part: Part, name: str) -> np.ndarray:
    return part.codes[name] if name in part.codes else part.ucodes[name]


def _take_dtype(n_categories: int) -> type[np.signedinteger[Any]]:
    """Return the code dtype pandas uses for this many categories (it then copies nothing)."""
    for dtype in (np.int8, np.int16, np.int32):
        if n_categories < np.iinfo(dtype).max:
            return dtype
    return np.int64


def _overlapping_streams(group: np.ndarray, stream: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Streams that two source groups both hold over overlapping times (dedup candidates)."""
    # Rows of one source are contiguous: reduce runs of equal (group, stream) first, so
    # only a few spans (not every row) go through the groupby.
    key = group.astype(np.int64) * (int(stream.max()) + 2) + stream + 1
    starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
    frame = pd.DataFrame(
        {
            "group": group[starts],
            "stream": stream[starts],
            "lo": np.minimum.reduceat(t, starts),
            "hi": np.maximum.reduceat(t, starts),
        }
    )
    spans = frame.groupby(["stream", "group"], sort=True).agg(min=("lo", "min"), max=("hi", "max"))
    hits = []
    for code, sp in spans.groupby(level="stream"):
        if len(sp) < 2:
            continue
        sp = sp.sort_values("min")
        reach = sp["max"].cummax().shift().to_numpy()
        if (sp["min"].to_numpy()[1:] <= reach[1:]).any():
            hits.append(code)
    return np.array(hits, dtype=np.int64)


def _dedup(
    group: np.ndarray,
    stream: np.ndarray,
    t: np.ndarray,
    gu: np.ndarray,
    key_cols: list[np.ndarray],
    event_ids: np.ndarray | None,
) -> np.ndarray:
    """Mask of rows to keep after dropping records seen in more than one source.

    Sources are compared by group (the parts of one export stream are one group), and
    only within streams that two groups hold over overlapping times. Two copies carrying
    eventIds are the same record exactly when the ids are equal. Otherwise a record is
    identified by (stream, time, message, phase states, occurrence number within its
    group): identical lines of one source, retransmits, are all kept.
    """
    keep = np.ones(len(t), dtype=bool)
    if len(t) == 0 or int(group.min()) == int(group.max()):
        return keep
    hot = _overlapping_streams(group, stream, t)
    if not len(hot):
        return keep
    sel = np.flatnonzero(np.isin(stream, hot))
    key = pd.DataFrame(
        {"group": group[sel], "stream": stream[sel], "t": t[sel]}
        | {f"k{i}": col[gu[sel]] for i, col in enumerate(key_cols)}
    )
    content = ["stream", "t"] + [f"k{i}" for i in range(len(key_cols))]
    key["occ"] = key.groupby(["group", *content], sort=False).cumcount()
    same = key.duplicated(subset=[*content, "occ"]).to_numpy().copy()
    if event_ids is not None:
        ids = pd.Series(event_ids[sel])
        has = ids.notna().to_numpy()
        # copies that both carry ids: the ids decide, not the content
        first_has = key.assign(has=has).groupby([*content, "occ"])["has"].transform("first")
        same &= ~(has & first_has.to_numpy())
        same[has] |= ids[has].duplicated().to_numpy()
    keep[sel[same]] = False
    return keep


def merge_parts(parts: list[Part], issues: Issues, *, workers: int | None = None) -> pd.DataFrame:
    """Unify parts into the events table: categories, duplicates, order.

    The parts are consumed: their arrays are released as soon as the table no longer
    needs them, so the peak stays close to the table itself. The messages are unified
    on a few threads (the compiled kernels and Arrow's release the GIL); the columns are
    built one after another, each dropping its codes (built on threads, the freed
    temporaries of each thread's heap raised the peak by ~50 MB per million records).

    Parameters
    ----------
    parts : list of Part
        One per chunk of sources, in source order.
    issues : Issues
        The counts of skipped records, copied into ``attrs``.
    workers : int, optional
        Threads to use (default: one per core, at most four); 1 when the caller already
        merges several tables at once in its own threads.

    Returns
    -------
    pandas.DataFrame
        The events table, sorted by tunnel then time (stable: records of one second keep
        their source order), with ``attrs``: ``records`` (read), ``kept``,
        ``duplicates_dropped``, ``skipped`` (reason -> count), where records = kept +
        duplicates_dropped + skipped, ``skipped_examples``, ``unknown_keys``,
        ``unrecognised_values``, ``sources`` (per source the same four counts and its
        ``format``; see :mod:`.evidence`).
    """
    if workers is None:
        workers = max(1, min(os.cpu_count() or 1, _BUCKETS))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vpnlog-merge") as pool:
        return _merge(parts, issues, pool)


def _index_dtype(n: int) -> type[np.signedinteger[Any]]:
    return np.int32 if n < np.iinfo(np.int32).max else np.int64


def _merge(parts: list[Part], issues: Issues, pool: ThreadPoolExecutor) -> pd.DataFrame:
    u_first = np.cumsum([0] + [len(p.ucodes[s.EVENT]) for p in parts])
    cats, ucodes, codes = _unify_codes(parts, pool)
    t = np.concatenate([p.time for p in parts])
    n = len(t)
    first_src = np.cumsum([0] + [len(p.sources) for p in parts])
    src_dtype = _index_dtype(int(first_src[-1]))
    src = np.concatenate(
        [np.add(p.src, first, dtype=src_dtype) for p, first in zip(parts, first_src, strict=False)]
    )
    sources = [name for p in parts for name in p.sources]
    formats = [fmt for p in parts for fmt in p.formats]
    # Per row: the global index of its distinct record; per distinct record: the codes.
    gu_dtype = _index_dtype(int(u_first[-1]))
    gu = np.concatenate(
        [np.add(p.gu, off, dtype=gu_dtype) for p, off in zip(parts, u_first, strict=False)]
    )
    ident, idents = _unify_idents(parts)
    event_ids = _event_ids(parts)
    group_names: dict[str, int] = {}
    group_of = np.array(
        [group_names.setdefault(g, len(group_names)) for p in parts for g in p.groups],
        dtype=src_dtype,
    )
    unknown_keys = _sum_counts(p.unknown_keys for p in parts)
    unrecognised = _sum_counts(p.unrecognised for p in parts)
    for p in parts:
        p.release()
    if len(parts) > 1:
        # the parts' pages, before the columns are built (one part: a chunk of a stream
        # of tables, where trimming each time costs more than it saves)
        release_free_memory()
    keep = _dedup(
        group_of[src],
        codes[s.LOG_STREAM],
        t,
        gu,
        [ucodes[s.DETAILS], ucodes[s.PHASE1_STATE], ucodes[s.PHASE2_STATE]],
        event_ids,
    )
    dropped = int(n - np.count_nonzero(keep))
    conns = sorted({c for c, _ in idents})
    ips = sorted({ip for _, ip in idents})
    conn_of = np.array([conns.index(c) for c, _ in idents] + [-1], dtype=np.int32)
    ip_of = np.array([ips.index(ip) for _, ip in idents] + [-1], dtype=np.int32)
    order = _tunnel_order(conn_of[ident] * np.int64(len(ips) + 1) + ip_of[ident], t, keep)
    del keep
    g_order = gu[order]
    del gu

    # Each column's codes are popped as it is built: the inputs go as the table grows.
    def per_row(name: str, dtype: Any) -> np.ndarray:
        if name in codes:
            return codes.pop(name)[order].astype(dtype, copy=False)
        return ucodes.pop(name).astype(dtype, copy=False)[g_order]

    dtypes = s.events_dtypes()
    names = _unique_names(sources)

    def build(name: str) -> Any:
        if name == s.TIME:
            return pd.DatetimeIndex(t[order].view("datetime64[ns]")).tz_localize("UTC")
        if name == s.VPN_CONNECTION_ID:
            return _categorical(conn_of[ident[order]], conns)
        if name == s.TUNNEL_IP:
            return _categorical(ip_of[ident[order]], ips)
        if name == s.SOURCE:
            c = src[order].astype(_take_dtype(len(sources)), copy=False)
            return pd.Categorical.from_codes(c, names, validate=False)
        if name in OPEN:
            c = per_row(name, _take_dtype(len(cats[name])))
            return _categorical(c, cats[name], sort=name not in _UNSORTED)
        if name in FIXED:
            dtype = dtypes[name]
            c = per_row(name, _take_dtype(len(dtype.categories)))  # type: ignore[attr-defined]
            return pd.Categorical.from_codes(c, dtype=dtype, validate=False)
        u = ucodes.pop(name)[g_order]
        if name in FLAGS:
            return pd.arrays.BooleanArray(u == 1, u < 0)
        values = u.astype(INTS[name])
        mask = u < 0
        values[mask] = 0
        return pd.arrays.IntegerArray(values, mask)

    columns = {name: build(name) for name in s.EVENT_COLUMNS}
    events = pd.DataFrame(columns, copy=False)
    read = np.bincount(src, minlength=len(sources))
    kept = np.bincount(src[order], minlength=len(sources))
    events.attrs = {
        **counts_entry(kept=len(events), duplicates=dropped, skipped=issues.skipped),
        "skipped_examples": list(issues.examples),
        "unknown_keys": unknown_keys,
        "unrecognised_values": unrecognised,
        "sources": source_counts(
            sources, names, formats, read, kept, issues.by_source, issues.formats
        ),
    }
    return events


def _unify_codes(
    parts: list[Part], pool: ThreadPoolExecutor
) -> tuple[dict[str, Any], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Unify the parts' categories and concatenate their codes, releasing each part's.

    Returns
    -------
    (dict, dict, dict)
        Per open column its categories; per column the codes per distinct record
        (``ucodes``) or per row (``codes``, the lineage columns).
    """
    # The messages first, on all threads: their hash tables are gone (and their pages
    # given back) before this thread allocates the other columns.
    cats: dict[str, Any] = {}
    ucodes: dict[str, np.ndarray] = {}  # per distinct record
    hashed = _union_hashed(parts, s.DETAILS, pool) if compiled() else None
    cats[s.DETAILS], per_part = hashed or _union_buckets(parts, s.DETAILS, pool)()
    del hashed
    ucodes[s.DETAILS] = np.concatenate(per_part)
    del per_part
    codes: dict[str, np.ndarray] = {}  # per row (lineage)
    for name in OPEN:
        if name == s.DETAILS:
            continue
        cats[name], per_part = _union(parts, name)
        (codes if name in parts[0].codes else ucodes)[name] = np.concatenate(per_part)
        for p in parts:
            p.cats.pop(name)
            (p.codes if name in p.codes else p.ucodes).pop(name)
    for name in (*FIXED, *FLAGS, *INTS):
        # popped: each part's arrays go as soon as they are copied
        ucodes[name] = np.concatenate([p.ucodes.pop(name) for p in parts])
    return cats, ucodes, codes


def _unify_idents(parts: list[Part]) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Per row the index of its tunnel (-1: none) into the tunnels of all parts."""
    ident_index: dict[tuple[str, str], int] = {}
    ident = np.concatenate(
        [
            np.array(
                [ident_index.setdefault(x, len(ident_index)) for x in p.idents] + [-1],
                dtype=np.int32,
            )[p.codes["ident"]]
            for p in parts
        ]
    )
    return ident, list(ident_index)


def _event_ids(parts: list[Part]) -> np.ndarray | None:
    """Per row the CloudWatch ``eventId`` (None where absent); None when no part has any."""
    if not any(p.event_ids is not None for p in parts):
        return None
    return np.concatenate(
        [p.event_ids if p.event_ids is not None else np.full(len(p), None) for p in parts]
    )


def _tunnel_order(tunnel: np.ndarray, t: np.ndarray, keep: np.ndarray) -> Any:
    """Return the rows to keep by tunnel then time (stable), or ``slice(None)`` for all."""
    n = len(t)
    order: Any = np.flatnonzero(keep).astype(_index_dtype(n))
    tk, tt = tunnel[order], t[order]
    in_order = len(order) < 2 or bool(
        np.all((tk[1:] > tk[:-1]) | ((tk[1:] == tk[:-1]) & (tt[1:] >= tt[:-1])))
    )
    if not in_order:
        order = order[np.lexsort((tt, tk))]
    if len(order) == n and in_order:
        order = slice(None)  # nothing dropped or moved
    return order


def _categorical(
    codes: np.ndarray, categories: pa.Array | list[str], *, sort: bool = True
) -> pd.Categorical:
    """Categorical from codes; sorted categories make listings readable and stable.

    Categories go to pandas as an Index built from Arrow, which is several times faster
    than from a Python list for the large ones (messages differ by SPI and request id).
    They must be distinct (they come from a dictionary encoding): pandas is spared its
    check, a hash table over every category (0.2 s per million messages).
    """
    cats = pa.array(categories, pa.string()) if isinstance(categories, list) else categories
    if sort and len(cats):
        order = pc.sort_indices(cats).to_numpy()
        remap = np.empty(len(cats) + 1, dtype=codes.dtype)  # the codes' width: no wider copy
        remap[order] = np.arange(len(cats))
        remap[-1] = -1
        codes, cats = remap[codes], cats.take(pa.array(order))
    index = pd.Index(cats.to_pandas()) if len(cats) else pd.Index([], dtype=object)
    dtype = _known_unique(index) if cats.null_count == 0 else pd.CategoricalDtype(index)
    return pd.Categorical.from_codes(codes, dtype=dtype, validate=False)


def _known_unique(index: pd.Index) -> pd.CategoricalDtype:
    """Return the dtype of categories known to be distinct, skipping pandas' check."""
    fast = getattr(pd.CategoricalDtype, "_from_fastpath", None)
    if fast is None:  # a pandas without it: pay for the check
        return pd.CategoricalDtype(index)
    dtype: pd.CategoricalDtype = fast(index, False)
    return dtype


def _sum_counts(dicts: Any) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for d in dicts:
        for k, v in d.items():
            total[k] += v
    return dict(total)


def _unique_names(names: list[str]) -> list[str]:
    """Source labels as categories: repeated labels get a ``#k`` suffix to stay distinct."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        k = seen.get(name, 0)
        seen[name] = k + 1
        out.append(name if k == 0 else f"{name}#{k}")
    return out
