"""The loader's compiled kernels (numba, cached on disk): tokens, heads, hashes, escapes.

Skeleton tokens, record heads, hashes of byte ranges and the numbering of repeats by
them (:mod:`.distinct`), the escape check of messages.

One walk over each message's bytes (a word: a maximal run of ASCII ``[0-9A-Za-z_]``
inside one message). Only a word that starts with a digit, ``c`` or ``v`` can be a
token: all digits (``D``, except a single digit after the word ``Phase`` and one space,
which stays, its space made ``_``), ``0x`` + hex digits (``X``), or the word
``cgw``/``vpn`` followed by ``-`` and a run of hex digits that ends a word (``C``/``V``,
one token across the three). The bytes between tokens are copied to the skeleton in one
piece. The functions release the GIL: the loader's worker threads tokenise in parallel.

Imported only when the loader runs them (importing numba costs about 0.2 s); compiled
once per installation (about 8 CPU-seconds) and loaded from numba's on-disk cache after
that (about 0.3 s in a fresh process).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .skeleton import KIND_CGW, KIND_DIGITS, KIND_HEX, KIND_VPN

#: Byte classes: word (``[0-9A-Za-z_]``), digit, hex digit, may start a token (a digit,
#: ``c``, ``v``).
WORD, DIGIT, HEX, LEAD = 1, 2, 4, 8  # WORD must be bit 0 and LEAD bit 3 (see scan)
_CLASS = np.zeros(256, dtype=np.uint8)
for _b in b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_":
    _CLASS[_b] |= WORD
for _b in b"0123456789":
    _CLASS[_b] |= DIGIT
for _b in b"0123456789abcdefABCDEF":
    _CLASS[_b] |= HEX
for _b in b"0123456789cv":
    _CLASS[_b] |= LEAD
del _b


@njit(cache=True, nogil=True)
def _phase_before(data: np.ndarray, at: int) -> bool:
    """Whether the 6 bytes before ``at`` are ``"Phase "`` (``at >= 6``)."""
    return (
        data[np.uint64(at - 6)] == 80
        and data[np.uint64(at - 5)] == 104
        and data[np.uint64(at - 4)] == 97
        and data[np.uint64(at - 3)] == 115
        and data[np.uint64(at - 2)] == 101
        and data[np.uint64(at - 1)] == 32
    )


@njit(cache=True, nogil=True)
def _bound(data: np.ndarray) -> int:
    """At least the number of tokens: bytes that start a word with a digit, c or v."""
    cls = _CLASS
    count = 0
    prev = 0
    for i in range(len(data)):
        c = cls[data[np.uint64(i)]]
        count += (c >> 3) & ~prev & 1  # LEAD here, no WORD before
        prev = c
    return count


def scan(
    data: np.ndarray, offs: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Tokenise messages ``data[offs[i]:offs[i + 1]]``.

    Returns
    -------
    tuple of numpy.ndarray
        The skeletons' bytes and offsets (``n + 1``); the token offsets per message
        (``n + 1``), and per token its start and stop within its message and its kind.
    """
    n = len(offs) - 1
    out = np.empty(len(data), dtype=np.uint8)
    skel_offs = np.empty(n + 1, dtype=np.int64)
    t_offs = np.empty(n + 1, dtype=np.int64)
    # a message may start inside a run of word bytes: one more start each
    cap = _bound(data) + n
    t_start = np.empty(cap, dtype=np.int64)
    t_stop = np.empty(cap, dtype=np.int64)
    t_kind = np.empty(cap, dtype=np.int8)
    t = _scan(data, offs, out, skel_offs, t_offs, t_start, t_stop, t_kind)
    return out[: skel_offs[n]], skel_offs, t_offs, t_start[:t], t_stop[:t], t_kind[:t]


# The kernels write into arrays allocated by their callers and return a count: numpy's
# allocation and slicing cost numba several tenths of a second of compiling each. Bytes
# are read at unsigned positions (np.uint64): numba then skips its negative-index fix,
# which makes this loop about a quarter faster.
@njit(cache=True, nogil=True)
def _scan(
    data: np.ndarray,
    offs: np.ndarray,
    out: np.ndarray,
    skel_offs: np.ndarray,
    t_offs: np.ndarray,
    t_start: np.ndarray,
    t_stop: np.ndarray,
    t_kind: np.ndarray,
) -> int:
    cls = _CLASS
    n = len(offs) - 1
    w = 0
    t = 0
    for m in range(n):
        lo = offs[m]
        hi = offs[m + 1]
        skel_offs[m] = w
        t_offs[m] = t
        seg = lo  # the bytes from seg are copied when a token or the message ends
        prev = 0  # class of the byte before i (0 at the message's start)
        i = lo
        while i < hi:
            b = data[np.uint64(i)]
            c = cls[b]
            if not ((c >> 3) & ~prev & 1):  # no word starts here with a digit, c or v
                prev = c
                i += 1
                continue
            # a word that starts with a digit, "c" or "v": find its end j
            j = i + 1
            digits = c & DIGIT
            while j < hi:
                cj = cls[data[np.uint64(j)]]
                if not (cj & WORD):
                    break
                if not (cj & DIGIT):
                    digits = 0
                j += 1
            kind = 0
            stop = j
            if digits:
                kind = KIND_DIGITS
                if (
                    j - i == 1
                    and i - lo >= 6
                    and _phase_before(data, i)
                    and (i - 6 == lo or not (cls[data[np.uint64(i - 7)]] & WORD))
                ):
                    # "Phase N" names the phase: its space becomes "_", the digit stays
                    for k in range(seg, i - 1):
                        out[np.uint64(w)] = data[np.uint64(k)]
                        w += 1
                    out[np.uint64(w)] = 95
                    w += 1
                    seg = i
                    kind = 0
            elif b == 48:
                if j - i >= 3 and data[np.uint64(i + 1)] == 120:
                    kind = KIND_HEX
                    for k in range(i + 2, j):
                        if not (cls[data[np.uint64(k)]] & HEX):
                            kind = 0
                            break
            elif j - i == 3 and j < hi and data[np.uint64(j)] == 45:
                named = 0
                if b == 99 and data[np.uint64(i + 1)] == 103 and data[np.uint64(i + 2)] == 119:
                    named = KIND_CGW
                elif b == 118 and data[np.uint64(i + 1)] == 112 and data[np.uint64(i + 2)] == 110:
                    named = KIND_VPN
                if named:
                    k = j + 1
                    while k < hi and (cls[data[np.uint64(k)]] & HEX):
                        k += 1
                    if k > j + 1 and (k == hi or not (cls[data[np.uint64(k)]] & WORD)):
                        kind = named
                        stop = k
            if kind:
                for k in range(seg, i):
                    out[np.uint64(w)] = data[np.uint64(k)]
                    w += 1
                out[np.uint64(w)] = 35  # "#"
                w += 1
                seg = stop
                t_start[t] = i - lo
                t_stop[t] = stop - lo
                t_kind[t] = kind
                t += 1
            prev = cls[data[np.uint64(stop - 1)]]
            i = stop
        for k in range(seg, hi):
            out[np.uint64(w)] = data[np.uint64(k)]
            w += 1
    skel_offs[n] = w
    t_offs[n] = t
    return t


def same_kinds(t_offs: np.ndarray, t_kind: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Per message ``m``: its tokens have the kinds, in order, of message ``first[m]``'s."""
    out = np.empty(len(t_offs) - 1, dtype=np.bool_)
    _same_kinds(t_offs, t_kind, first, out)
    return out


@njit(cache=True, nogil=True)
def _same_kinds(t_offs: np.ndarray, t_kind: np.ndarray, first: np.ndarray, out: np.ndarray) -> int:
    n = len(t_offs) - 1
    for m in range(n):
        f = first[m]
        lo, hi = t_offs[m], t_offs[m + 1]
        f_lo = t_offs[f]
        same = hi - lo == t_offs[f + 1] - f_lo
        k = 0
        while same and k < hi - lo:
            same = t_kind[lo + k] == t_kind[f_lo + k]
            k += 1
        out[m] = same
    return n


def trailing_numbers(
    data: np.ndarray, offs: np.ndarray, t_offs: np.ndarray, t_start: np.ndarray, t_kind: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Messages that are ``P`` + a number [+ ``)``]: per message ``P``'s length, or -1.

    ``P`` must not be empty, end in a word byte or ``-``, or end in ``"Phase "``. Also
    per message whether a ``)`` follows the number, and a 64-bit FNV-1a hash of ``P``.
    """
    n = len(offs) - 1
    p_len = np.full(n, -1, dtype=np.int64)
    paren = np.zeros(n, dtype=np.int8)
    hashes = np.zeros(n, dtype=np.int64)
    _trailing_numbers(data, offs, t_offs, t_start, t_kind, p_len, paren, hashes)
    return p_len, paren, hashes


@njit(cache=True, nogil=True)
def _trailing_numbers(
    data: np.ndarray,
    offs: np.ndarray,
    t_offs: np.ndarray,
    t_start: np.ndarray,
    t_kind: np.ndarray,
    p_len: np.ndarray,
    paren: np.ndarray,
    hashes: np.ndarray,
) -> int:
    cls = _CLASS
    n = len(offs) - 1
    for m in range(n):
        lo, hi = offs[m], offs[m + 1]
        last = t_offs[m + 1] - 1
        if last < t_offs[m] or t_kind[last] != KIND_DIGITS:
            continue
        at = t_start[last]
        if at == 0:
            continue
        end = hi - lo
        close = 0
        if data[hi - 1] == 41:  # ")"
            close = 1
        # the number must be the message's last word: only its digits and one ")" follow
        k = lo + at
        while k < hi - close and (cls[data[k]] & DIGIT):
            k += 1
        if k != hi - close or end - close - at < 1:
            continue
        before = data[lo + at - 1]
        if (cls[before] & WORD) or before == 45:
            continue
        if at >= 6 and _phase_before(data, lo + at):
            continue
        h = -3750763034362895579  # FNV-1a 64, its offset basis as int64 (products wrap)
        for q in range(lo, lo + at):
            h = (h ^ data[q]) * 1099511628211
        p_len[m] = at
        paren[m] = close
        hashes[m] = h
    return n


@njit(cache=True, nogil=True)
def same_prefixes(
    data: np.ndarray, offs: np.ndarray, p_len: np.ndarray, ms: np.ndarray, reps: np.ndarray
) -> bool:
    """Whether each message ``ms[i]``'s first ``p_len`` bytes equal ``reps[i]``'s."""
    for i in range(len(ms)):
        m, r = ms[i], reps[i]
        if p_len[m] != p_len[r]:
            return False
        a, b = offs[m], offs[r]
        for k in range(p_len[m]):
            if data[a + k] != data[b + k]:
                return False
    return True


def cut_heads(data: np.ndarray, offs: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per message: the width of a head ``key`` + 10 or 13 digits + ``,"`` that may be cut.

    The digits must not start with ``0`` (a JSON number has no leading zero) and the
    first ``,`` of the message must follow them. Returns the width per message (0: no
    such head) and the head's value.
    """
    width = np.zeros(len(offs) - 1, dtype=np.int8)
    value = np.zeros(len(offs) - 1, dtype=np.int64)
    _cut_heads(data, offs, key, width, value)
    return width, value


@njit(cache=True, nogil=True)
def _cut_heads(
    data: np.ndarray, offs: np.ndarray, key: np.ndarray, width: np.ndarray, value: np.ndarray
) -> int:
    n = len(offs) - 1
    k = len(key)
    for m in range(n):
        lo, hi = offs[m], offs[m + 1]
        if hi - lo < k + 12:
            continue
        same = True
        for q in range(k):
            if data[lo + q] != key[q]:
                same = False
                break
        if not same or data[lo + k] == 48:
            continue
        v = 0
        p = lo + k
        while p < hi and 48 <= data[p] <= 57 and p - lo - k < 14:
            v = v * 10 + (data[p] - 48)
            p += 1
        w = p - lo - k
        if (w == 10 or w == 13) and p + 1 < hi and data[p] == 44 and data[p + 1] == 34:
            width[m] = w
            value[m] = v
    return n


def bodies(
    data: np.ndarray, offs: np.ndarray, rows: np.ndarray, cut: int
) -> tuple[np.ndarray, np.ndarray]:
    """``b"{" + message[cut:]`` for each message of ``rows``: bytes and int32 offsets."""
    out_offs = np.zeros(len(rows) + 1, dtype=np.int32)
    np.cumsum(offs[rows + 1] - offs[rows] - cut + 1, out=out_offs[1:])
    out = np.empty(int(out_offs[-1]), dtype=np.uint8)
    _bodies(data, offs, rows, cut, out)
    return out, out_offs


@njit(cache=True, nogil=True)
def _bodies(data: np.ndarray, offs: np.ndarray, rows: np.ndarray, cut: int, out: np.ndarray) -> int:
    w = 0
    for i in range(len(rows)):
        out[w] = 123  # "{"
        w += 1
        a = offs[rows[i]] + cut
        size = offs[rows[i] + 1] - a
        out[w : w + size] = data[a : a + size]  # one slice: twice the speed of a byte loop
        w += size
    return w


def views(data: np.ndarray, offs: np.ndarray, rows: np.ndarray, cut: int) -> np.ndarray:
    """Arrow ``binary_view`` views of ``message[cut:]`` for each message of ``rows``.

    16 bytes per view (little-endian): the length, then up to 12 bytes inline, or the
    first 4 bytes, buffer 0 and the offset into ``data`` (no copy of the bytes).
    """
    out = np.zeros(16 * len(rows), dtype=np.uint8)
    _views(data, offs, rows, cut, out)
    return out


@njit(cache=True, nogil=True)
def _views(data: np.ndarray, offs: np.ndarray, rows: np.ndarray, cut: int, out: np.ndarray) -> int:
    for i in range(len(rows)):
        a = offs[rows[i]] + cut
        size = offs[rows[i] + 1] - a
        v = 16 * i
        for q in range(4):
            out[v + q] = (size >> (8 * q)) & 255
        if size <= 12:
            for q in range(size):
                out[v + 4 + q] = data[a + q]
        else:
            for q in range(4):
                out[v + 4 + q] = data[a + q]
                out[v + 12 + q] = (a >> (8 * q)) & 255
    return len(rows)


def hash_ranges(data: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """Hash each byte range ``data[starts[i]:stops[i]]`` to 64 bits (int64).

    Eight bytes at a time, each word mixed in by a multiply and a shift. Equal bytes hash
    alike; no hash is free of collisions, so callers compare the ranges of equal hash
    (:func:`same_ranges`).
    """
    out = np.empty(len(starts), dtype=np.int64)
    _hash_ranges(data, starts, stops, out)
    return out


@njit(cache=True, nogil=True)
def _word(data: np.ndarray, q: np.uint64) -> np.int64:
    """Read the eight bytes from ``q`` on as one little-endian int64.

    Indexed by an unsigned position: numba then skips its negative-index fix and LLVM
    makes the eight loads one (four times the speed of a signed index here).
    """
    return (
        np.int64(data[q])
        | (np.int64(data[q + np.uint64(1)]) << 8)
        | (np.int64(data[q + np.uint64(2)]) << 16)
        | (np.int64(data[q + np.uint64(3)]) << 24)
        | (np.int64(data[q + np.uint64(4)]) << 32)
        | (np.int64(data[q + np.uint64(5)]) << 40)
        | (np.int64(data[q + np.uint64(6)]) << 48)
        | (np.int64(data[q + np.uint64(7)]) << 56)
    )


@njit(cache=True, nogil=True)
def _hash_ranges(data: np.ndarray, starts: np.ndarray, stops: np.ndarray, out: np.ndarray) -> int:
    low35 = (1 << 35) - 1  # int64 shifts fill with the sign: mask to shift logically
    eight = np.uint64(8)
    for m in range(len(out)):
        lo, hi = np.uint64(starts[m]), np.uint64(stops[m])
        h = -3750763034362895579 ^ np.int64(hi - lo)  # products wrap (int64)
        q = lo
        while q + eight <= hi:
            h = (h ^ _word(data, q)) * -7046029254386353131
            h ^= (h >> 29) & low35
            q += eight
        if q < hi:  # the last 1-7 bytes
            w = np.int64(0)
            k = 0
            while q < hi:
                w |= np.int64(data[q]) << (8 * k)
                q += np.uint64(1)
                k += 1
            h = (h ^ w) * -7046029254386353131
            h ^= (h >> 29) & low35
        out[m] = h
    return len(out)


def first_seen(hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Give equal hashes one code, counting up in order of first appearance; and each first.

    What ``pandas.factorize`` gives (plus where each value first appears), through an
    open-addressing table sized for the input, each slot a hash and its code side by
    side (one cache miss per lookup): several times faster on a million values.
    """
    size = 1 << max(4, int(2 * len(hashes)).bit_length())
    table = np.zeros(2 * size, dtype=np.int64)
    codes = np.empty(len(hashes), dtype=np.int64)
    firsts = np.empty(len(hashes), dtype=np.int64)
    count = _first_seen(hashes, table, codes, firsts)
    return codes, firsts[:count].copy()


@njit(cache=True, nogil=True)
def _first_seen(
    hashes: np.ndarray, table: np.ndarray, codes: np.ndarray, firsts: np.ndarray
) -> int:
    mask = len(table) // 2 - 1
    count = 0
    for i in range(len(hashes)):
        h = hashes[i]
        slot = (h * -7046029254386353131) >> 20 & mask  # multiplicative mixing (2^64/phi)
        while True:
            at = table[2 * slot + 1]  # 1 + the code of this slot's hash; 0: free
            if at == 0:
                table[2 * slot] = h
                table[2 * slot + 1] = count + 1
                codes[i] = count
                firsts[count] = i
                count += 1
                break
            if table[2 * slot] == h:
                codes[i] = at - 1
                break
            slot = (slot + 1) & mask
    return count


@njit(cache=True, nogil=True)
def same_ranges(
    data: np.ndarray, starts: np.ndarray, stops: np.ndarray, codes: np.ndarray, firsts: np.ndarray
) -> bool:
    """Whether every range ``i`` holds the bytes of range ``firsts[codes[i]]``."""
    eight = np.uint64(8)
    for i in range(len(codes)):
        f = firsts[codes[i]]
        if f == i:
            continue
        a, b = np.uint64(starts[i]), np.uint64(starts[f])
        size = np.uint64(stops[i]) - a
        if np.uint64(stops[f]) - b != size:
            return False
        k = np.uint64(0)
        while k + eight <= size:
            if _word(data, a + k) != _word(data, b + k):
                return False
            k += eight
        while k < size:
            if data[a + k] != data[b + k]:
                return False
            k += np.uint64(1)
    return True


def plain_ranges(data: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """Tell per byte range whether it holds nothing JSON escapes (quote, backslash, < 0x20)."""
    out = np.empty(len(starts), dtype=np.bool_)
    _plain_ranges(data, starts, stops, out)
    return out


@njit(cache=True, nogil=True)
def _plain_ranges(data: np.ndarray, starts: np.ndarray, stops: np.ndarray, out: np.ndarray) -> int:
    one = np.uint64(1)
    for m in range(len(out)):
        bad = np.uint8(0)  # no early exit: the loop vectorises
        q, hi = np.uint64(starts[m]), np.uint64(stops[m])
        while q < hi:
            b = data[q]
            bad |= np.uint8(b < 32) | np.uint8(b == 34) | np.uint8(b == 92)
            q += one
        out[m] = bad == 0
    return len(out)
