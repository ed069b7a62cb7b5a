"""The skeleton tokeniser in numpy passes, for installations without numba.

:func:`tokenise` gives what :func:`.skeleton.tokenise`'s compiled pass gives (the tokens
and skeletons of :mod:`.skeleton`'s docstring), from whole-array numpy steps: the words
that start with a digit (found by byte arithmetic; a table lookup per byte costs several
times more), walked to their end (numbers, ``0x`` values), dashes after ``cgw``/``vpn``
walked over hex digits (ids), the ``Phase N`` shield; skeletons come out as one copy of
the pieces between tokens. Messages are taken in 1 MB slices, so the temporaries stay in
cache and in memory the allocator reuses.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .decode import _slices, value_bytes, value_offsets
from .skeleton import KIND_CGW, KIND_DIGITS, KIND_HEX, KIND_VPN, Tokens

_WORDS = np.zeros(256, dtype=bool)
_WORDS[list(b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")] = True
_HEX = np.zeros(256, dtype=bool)
_HEX[list(b"0123456789abcdefABCDEF")] = True
_DIGITS = np.zeros(256, dtype=bool)
_DIGITS[list(b"0123456789")] = True
_X = np.zeros(256, dtype=bool)
_X[ord("x")] = True


def _at(table: np.ndarray, data: np.ndarray, pos: np.ndarray, edge: np.ndarray) -> np.ndarray:
    """``table[data[pos]]``, False where ``edge`` (a message boundary) is True."""
    got = table[data[np.minimum(pos, len(data) - 1)]] if len(data) else np.zeros(len(pos), bool)
    return got & ~edge


def _word_run_ends(
    data: np.ndarray,
    first: np.ndarray,
    is_start: np.ndarray,
    table: np.ndarray,
    *,
    starts_word: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Walk the bytes of ``table`` from each ``first``: where each walk stops.

    Also whether it stops at a word boundary having taken at least one byte.
    """
    stop = first.copy()
    active = np.arange(len(first))
    while len(active):
        pos = stop[active]
        # a walk that starts a word may start at a message's first byte; none runs
        # into the next message
        edge = is_start[pos] & (pos > first[active]) if starts_word else is_start[pos]
        more = _at(table, data, pos, edge)
        stop[active[more]] += 1
        active = active[more]
    ok = (stop > first) & ~_at(_WORDS, data, stop, is_start[stop])
    return stop, ok


def _is_text(data: np.ndarray, pos: np.ndarray, text: bytes) -> np.ndarray:
    """Whether ``data[pos:pos + len(text)] == text`` (``pos`` may be negative: False)."""
    ok = pos >= 0
    for i, byte in enumerate(text):
        ok &= data[np.clip(pos + i, 0, len(data) - 1)] == byte
    return ok


#: Bytes of messages tokenised at once: the temporaries of a slice stay in the cache and
#: in memory the allocator reuses (one pass over all messages at once spent more time
#: in page faults than in the passes).
_SLICE_BYTES = 1 << 20


def tokenise(messages: pa.Array) -> Tokens:
    """:func:`.skeleton.tokenise` in numpy passes, message slices of about 1 MB at a time."""
    n = len(messages)
    offs = value_offsets(messages)
    if n == 0 or offs[-1] - offs[0] <= _SLICE_BYTES:
        return _tokenise(messages)
    cuts = np.searchsorted(offs, np.arange(offs[0], offs[-1], _SLICE_BYTES), side="right") - 1
    cuts = np.unique(np.concatenate((cuts, [n])))  # a few values: np.unique is cheap here
    cuts = cuts[(cuts > 0) | (np.arange(len(cuts)) == 0)]
    parts = [
        _tokenise(messages.slice(lo, hi - lo)) for lo, hi in zip(cuts[:-1], cuts[1:], strict=True)
    ]
    count = np.cumsum([0] + [len(p.start) for p in parts])
    return Tokens(
        skeletons=pa.concat_arrays([p.skeletons for p in parts]),
        offsets=np.concatenate(
            [p.offsets[:-1] + c for p, c in zip(parts, count[:-1], strict=True)] + [count[-1:]]
        ),
        start=np.concatenate([p.start for p in parts]),
        stop=np.concatenate([p.stop for p in parts]),
        kind=np.concatenate([p.kind for p in parts]),
    )


def _tokenise(messages: pa.Array) -> Tokens:
    """:func:`tokenise` of one slice of messages."""
    n = len(messages)
    data, offs = value_bytes(messages)
    size = int(offs[-1]) if n else 0
    # is_start[p]: a message starts at p (or p is the end): no byte before it counts
    is_start = np.zeros(size + 1, dtype=bool)
    is_start[offs] = True

    def word_start(pos: np.ndarray) -> np.ndarray:
        return is_start[pos] | ~_WORDS[data[np.maximum(pos - 1, 0)]]

    # words that start with a digit: numbers, and "0x" hex values
    # byte classes by arithmetic (a 256-entry table lookup per byte costs several times
    # more): ASCII digits, then word bytes (digits, letters, "_")
    digit = np.less(np.subtract(data, 48, dtype=np.uint8), 10)
    word = np.less(np.subtract(np.bitwise_or(data, 32), 97, dtype=np.uint8), 26)
    word |= digit
    word |= data == ord("_")
    after_word = np.empty(size, dtype=bool)
    if size:
        after_word[0] = False
        after_word[1:] = word[:-1]
        after_word[offs[:-1][offs[:-1] < size]] = False
    del word
    lead = np.flatnonzero(digit & ~after_word)
    del after_word, digit
    d_hi, whole = _word_run_ends(data, lead, is_start, _DIGITS, starts_word=True)
    d_lo = lead
    # 0x + hex digits
    zero = np.flatnonzero(~whole & (d_hi - d_lo == 1))
    zero = zero[data[d_lo[zero]] == ord("0")]
    zero = zero[_at(_X, data, d_hi[zero], is_start[d_hi[zero]])]
    x_lo = d_lo[zero]
    x_stop, x_ok = _word_run_ends(data, x_lo + 2, is_start, _HEX)
    x_lo, x_hi = x_lo[x_ok], x_stop[x_ok]
    # cgw-/vpn- + hex digits: a dash after the word "cgw" or "vpn"
    dash = np.flatnonzero(data == ord("-"))
    dash = dash[(dash >= 3) & ~is_start[dash] & ~is_start[np.maximum(dash - 1, 0)]]
    dash = dash[~is_start[np.maximum(dash - 2, 0)] & word_start(dash - 3)]
    c_kind = np.where(_is_text(data, dash - 3, b"cgw"), KIND_CGW, 0)
    c_kind = np.where(_is_text(data, dash - 3, b"vpn"), KIND_VPN, c_kind)
    dash, c_kind = dash[c_kind > 0], c_kind[c_kind > 0]
    c_stop, c_ok = _word_run_ends(data, dash + 1, is_start, _HEX)
    c_lo, c_hi, c_kind = dash[c_ok] - 3, c_stop[c_ok], c_kind[c_ok]
    # a number that is the hex part of an id is no token of its own
    taken = np.zeros(size + 1, dtype=bool)
    taken[c_lo + 4] = True
    whole &= ~taken[d_lo]
    # "Phase" + " " + one digit: shielded, no token
    single = np.flatnonzero(whole & (d_hi - d_lo == 1) & (d_lo >= 6))
    in_one = _is_text(data, d_lo[single] - 6, b"Phase ") & word_start(d_lo[single] - 6)
    for back in range(6):  # "Phase " and the digit belong to one message
        in_one &= ~is_start[d_lo[single] - back]
    shield = single[in_one]
    whole[shield] = False
    starts = np.concatenate((d_lo[whole], x_lo, c_lo))
    stops = np.concatenate((d_hi[whole], x_hi, c_hi))
    kinds = np.concatenate(
        (
            np.full(int(whole.sum()), KIND_DIGITS, np.int8),
            np.full(len(x_lo), KIND_HEX, np.int8),
            c_kind.astype(np.int8),
        )
    )
    order = np.argsort(starts, kind="stable")
    t_start, t_stop, t_kind = starts[order], stops[order], kinds[order]
    t_offsets = np.searchsorted(t_start, offs).astype(np.int64)
    counts = np.diff(t_offsets)
    t_msg = np.repeat(np.arange(n), counts)

    # the skeleton: each token's first byte becomes '#' and the rest goes; a shielded
    # digit's space becomes '_'. Pieces between tokens are copied once, in order.
    out = data.copy()
    out[t_start] = ord("#")
    out[d_lo[shield] - 1] = ord("_")
    lo = np.empty(len(t_start) + n, dtype=np.int64)
    hi = np.empty(len(t_start) + n, dtype=np.int64)
    piece = t_offsets[:-1] + np.arange(n)  # first piece of each message
    first_piece = np.zeros(len(lo), dtype=bool)
    first_piece[piece] = True
    lo[first_piece] = offs[:-1]
    lo[~first_piece] = t_stop
    last_piece = np.zeros(len(lo), dtype=bool)
    last_piece[piece + counts] = True
    hi[last_piece] = offs[1:]
    hi[~last_piece] = t_start + 1
    pieces = _slices(out, lo, hi)
    p_offs = value_offsets(pieces)
    skel_offs = p_offs[np.concatenate((piece, [len(lo)]))]
    skeletons = pa.Array.from_buffers(
        pa.string(),
        n,
        [None, pa.py_buffer(skel_offs.astype(np.int32)), pieces.buffers()[2]],
    )
    base_of = offs[t_msg]
    return Tokens(
        skeletons=skeletons,
        offsets=t_offsets,
        start=t_start - base_of,
        stop=t_stop - base_of,
        kind=t_kind,
    )
