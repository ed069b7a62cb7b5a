"""A batch of log messages from one source, and the split that makes parsing cheap.

Every envelope reader turns its source into :class:`Batch` objects: the messages as
CloudWatch stores them plus per-row lineage (line, envelope time, stream, group, event
id). :func:`distinct_bodies` then cuts the leading ``"event_timestamp"`` off canonical IKE
records, so the rest of the record (details, flags, states), which repeats across rows,
is parsed once per distinct value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .decode import NAT, epoch_to_ns, value_bytes, value_offsets
from .distinct import number_ranges
from .skeleton import compiled

__all__ = ["Batch", "DistinctBodies", "distinct_bodies"]

_TS_KEY = '{"event_timestamp":'
_TS_LEN = len(_TS_KEY)
_TS_KEY_BYTES = np.frombuffer(_TS_KEY.encode(), dtype=np.uint8)
#: Slice end meaning "to the end" (pyarrow 26 mis-sizes the buffer for stop=None).
_END = 2**31 - 1


@dataclass
class Batch:
    """Messages of one source with their lineage.

    Attributes
    ----------
    source : str
        File, object or label the messages came from.
    fmt : str
        Envelope format name (``raw``, ``s3_export``, ``insights_csv``, ...).
    messages : pyarrow.BinaryArray
        The record as CloudWatch stores it: compact JSON or a text line.
    line : numpy.ndarray
        1-based line (or record) number within the source, for error messages.
    env_ns : numpy.ndarray or None
        Envelope time [ns since epoch, UTC], :data:`decode.NAT` where absent.
    streams : list of str or None
        Distinct log stream names; ``stream_idx`` indexes into it (-1: unknown).
    stream_idx : numpy.ndarray
        Per row, index into ``streams``.
    groups : list of str or None
        Distinct log group names; ``group_idx`` indexes into it (-1: unknown).
    group_idx : numpy.ndarray
    event_ids : numpy.ndarray or None
        CloudWatch ``eventId`` per row (object array, None where absent).
    """

    source: str
    fmt: str
    messages: pa.Array
    line: np.ndarray
    env_ns: np.ndarray | None = None
    streams: list[str | None] | None = None
    stream_idx: np.ndarray | None = None
    groups: list[str | None] | None = None
    group_idx: np.ndarray | None = None
    event_ids: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.line)

    @classmethod
    def single_stream(
        cls,
        source: str,
        fmt: str,
        messages: pa.Array,
        line: np.ndarray,
        *,
        stream: str | None,
        group: str | None = None,
        env_ns: np.ndarray | None = None,
    ) -> Batch:
        """Build a batch whose rows all belong to one stream (and group)."""
        n = len(messages)
        return cls(
            source,
            fmt,
            messages,
            line,
            env_ns=env_ns,
            streams=[stream],
            stream_idx=np.zeros(n, dtype=np.int32),
            groups=[group],
            group_idx=np.zeros(n, dtype=np.int32),
        )


@dataclass
class DistinctBodies:
    """A batch after the split: distinct record bodies and per-row indices into them."""

    batch: Batch
    head_ns: np.ndarray  # event_timestamp from the cut-off head [ns], NAT if not cut
    uniques: pa.Array  # binary: distinct records to parse (JSON objects or text lines)
    uidx: np.ndarray  # int32 per row, index into uniques


def _np_bool(arr: pa.Array) -> np.ndarray:
    return np.asarray(arr.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _cut_compiled(
    msgs: pa.Array,
    head_ns: np.ndarray,
    body: np.ndarray,
    fast_codes: np.ndarray,
    pieces: list[pa.Array],
) -> int:
    """Cut the heads (:func:`distinct_bodies`) with the compiled kernels; return the count.

    The bodies are numbered where they lie in the messages (:func:`.distinct.
    number_ranges`; Arrow views of them where two bodies share a hash); only the distinct
    ones are copied, ``{`` first (codes come in order of first appearance).
    """
    from ._kernels import bodies, cut_heads, views

    count = 0
    data, offs = value_bytes(msgs)
    width, value = cut_heads(data, offs, _TS_KEY_BYTES)
    for w in (10, 13):
        sel = np.flatnonzero(width == w)
        if not len(sel):
            continue
        head_ns[sel] = epoch_to_ns(value[sel])
        cut = _TS_LEN + w + 1
        numbered = number_ranges(data, offs[sel] + cut, offs[sel + 1])
        if numbered is not None:
            codes, firsts = numbered
        else:
            body_views = pa.Array.from_buffers(
                pa.binary_view(),
                len(sel),
                [None, pa.py_buffer(views(data, offs, sel, cut)), pa.py_buffer(data)],
            )
            codes = pc.dictionary_encode(body_views).indices.to_numpy()
            firsts = np.flatnonzero(np.diff(np.maximum.accumulate(codes), prepend=-1) > 0)
        out, out_offs = bodies(data, offs, sel[firsts], cut)
        pieces.append(
            pa.Array.from_buffers(
                pa.binary(), len(firsts), [None, pa.py_buffer(out_offs), pa.py_buffer(out)]
            )
        )
        fast_codes[sel] = codes + count
        count += len(firsts)
        body[sel] = True
    return count


def _cut_arrow(
    msgs: pa.Array,
    head_ns: np.ndarray,
    body: np.ndarray,
    fast_codes: np.ndarray,
    pieces: list[pa.Array],
) -> int:
    """:func:`_cut_compiled` without numba: Arrow kernels over all messages."""
    n = len(msgs)
    count = 0
    starts = np.asarray(pc.starts_with(msgs, _TS_KEY).to_numpy(zero_copy_only=False), dtype=bool)
    comma = pc.find_substring(msgs, ",").to_numpy(zero_copy_only=False)
    for width in (10, 13):
        pos = _TS_LEN + width
        sel = np.flatnonzero(starts & (comma == pos))
        if not len(sel):
            continue
        sub = msgs.take(pa.array(sel)) if len(sel) < n else msgs
        # Cut only `{"event_timestamp":<number>,"...`: a JSON number has no leading
        # zero, and the body `{"...` is valid JSON exactly when the record is.
        ok = _np_bool(pc.equal(pc.binary_slice(sub, pos + 1, pos + 2), b'"')) & ~_np_bool(
            pc.equal(pc.binary_slice(sub, _TS_LEN, _TS_LEN + 1), b"0")
        )
        if not ok.all():
            sel = sel[ok]
            if not len(sel):
                continue
            sub = msgs.take(pa.array(sel))
        heads = pc.binary_slice(sub, _TS_LEN, pos)
        # digits only: a sign or a point is for the JSON parser to judge ("+1" is no JSON)
        digits = _np_bool(pc.match_substring_regex(heads, r"^[0-9]+$"))
        if not digits.all():
            sel, heads = sel[digits], heads.filter(pa.array(digits))
            if not len(sel):
                continue
            sub = msgs.take(pa.array(sel))
        values = pc.cast(heads.cast(pa.string()), pa.int64()).to_numpy()
        head_ns[sel] = epoch_to_ns(values)
        enc = pc.dictionary_encode(pc.binary_slice(sub, pos + 1, _END))
        fast_codes[sel] = enc.indices.to_numpy() + count
        pieces.append(pc.binary_join_element_wise(pa.scalar(b"{"), enc.dictionary, pa.scalar(b"")))
        count += len(enc.dictionary)
        body[sel] = True
    return count


def distinct_bodies(batch: Batch) -> DistinctBodies:
    """Split canonical records into a numeric head and a repeated body.

    A canonical IKE record starts ``{"event_timestamp":<10 or 13 digits>,``; the digits
    become ``head_ns`` and ``{`` + the remainder is the body that is parsed once per
    distinct value. Any other message (BGP, text, other key orders) is its own body.

    Parameters
    ----------
    batch : Batch
        Messages of one source.

    Returns
    -------
    DistinctBodies
        Heads, distinct bodies and row indices. The batch's ``messages`` are released
        (replaced by an empty array): the distinct bodies stand for them.
    """
    msgs = batch.messages
    n = len(msgs)
    head_ns = np.full(n, NAT, dtype=np.int64)
    body = np.zeros(n, dtype=bool)  # rows whose head was cut
    fast_codes = np.zeros(n, dtype=np.int64)
    pieces: list[pa.Array] = []
    count = 0
    if n:
        # the views hold 32-bit offsets: a source of 2 GB or more takes the Arrow kernels
        small = value_offsets(msgs)[-1] < 2**31
        cut = _cut_compiled if small and compiled() else _cut_arrow
        count = cut(msgs, head_ns, body, fast_codes, pieces)
    uidx = np.empty(n, dtype=np.int32)
    uidx[body] = fast_codes[body]
    rest = np.flatnonzero(~body)
    if len(rest):
        sub = msgs.take(pa.array(rest)) if len(rest) < n else msgs
        enc = pc.dictionary_encode(sub)
        uidx[rest] = enc.indices.to_numpy() + count
        pieces.append(enc.dictionary)
    uniques = pa.concat_arrays(pieces) if pieces else pa.array([], pa.binary())
    # The distinct bodies are all that parsing needs: let the source's text go now, not
    # when the whole chunk has been parsed.
    batch.messages = pa.array([], pa.binary())
    return DistinctBodies(batch, head_ns, uniques, uidx)
