"""Parse and classify the distinct bodies of a few sources' batches into a part (DESIGN.md 2).

Everything here works on integer codes: distinct records are parsed once
(:mod:`.records`), distinct messages are grouped by skeleton and classified once per
template (:mod:`..catalog`), and parameters are taken only from the messages whose
template carries them. :mod:`.merge` then joins the parts into the events table. No
Python object is created per row.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import catalog
from .. import schema as s
from .batch import DistinctBodies
from .decode import (
    NAT,
    TIME_MAX_NS,
    TIME_MIN_NS,
    epoch_to_ns,
    parse_time_strings,
    slice_each,
    value_bytes,
    value_offsets,
)
from .distinct import encode
from .issues import Issues
from .merge import INTS, Part, bucketed, narrow
from .records import KIND_BGP, ParsedRecords, count_keys, parse_records_unique
from .skeleton import KIND_DIGITS, Tokens, compiled, tokenise

__all__ = ["parse_part"]


@dataclass
class _Rows:
    """Per-row arrays of all batches, concatenated."""

    gu: np.ndarray  # global distinct-record index
    head: np.ndarray
    env: np.ndarray
    line: np.ndarray
    src: np.ndarray
    stream: np.ndarray
    group: np.ndarray
    event_id: np.ndarray | None
    sources: list[str]
    formats: list[str]
    streams: list[str | None]
    groups: list[str | None]


def _concat_rows(bodies: list[DistinctBodies]) -> tuple[_Rows, pa.Array]:
    offsets = np.concatenate(([0], np.cumsum([len(p.uniques) for p in bodies])))
    # Records of different files seldom repeat (their messages name the tunnel): the
    # distinct records of each batch are parsed as they are, not encoded once more.
    uniques = pa.concat_arrays([p.uniques.cast(pa.binary()) for p in bodies])
    gmap = np.arange(len(uniques))

    streams: dict[str | None, int] = {}
    groups: dict[str | None, int] = {}
    source_index: dict[str, int] = {}
    formats: list[str] = []
    parts: dict[str, list[np.ndarray]] = defaultdict(list)
    any_ids = any(p.batch.event_ids is not None for p in bodies)
    ids: list[np.ndarray] = []
    for p, off in zip(bodies, offsets[:-1], strict=True):
        b = p.batch
        n = len(b)
        if b.source not in source_index:
            source_index[b.source] = len(source_index)
            formats.append(b.fmt)
        i = source_index[b.source]
        parts["gu"].append(gmap[p.uidx.astype(np.int64) + off])
        parts["head"].append(p.head_ns)
        parts["env"].append(b.env_ns if b.env_ns is not None else np.full(n, NAT, np.int64))
        parts["line"].append(b.line.astype(np.int64))
        parts["src"].append(np.full(n, i, dtype=np.int32))
        smap = np.array([streams.setdefault(x, len(streams)) for x in b.streams or [None]])
        gmap_ = np.array([groups.setdefault(x, len(groups)) for x in b.groups or [None]])
        sidx = b.stream_idx if b.stream_idx is not None else np.zeros(n, np.int32)
        gidx = b.group_idx if b.group_idx is not None else np.zeros(n, np.int32)
        parts["stream"].append(smap[sidx].astype(np.int32))
        parts["group"].append(gmap_[gidx].astype(np.int32))
        if any_ids:
            ids.append(b.event_ids if b.event_ids is not None else np.full(n, None, object))

    def cat(key: str, dtype: Any) -> np.ndarray:
        return np.concatenate(parts[key]) if parts[key] else np.zeros(0, dtype=dtype)

    rows = _Rows(
        gu=cat("gu", np.int64),
        head=cat("head", np.int64),
        env=cat("env", np.int64),
        line=cat("line", np.int64),
        src=cat("src", np.int32),
        stream=cat("stream", np.int32),
        group=cat("group", np.int32),
        event_id=np.concatenate(ids) if ids else None,
        sources=list(source_index),
        formats=formats,
        streams=list(streams),
        groups=list(groups),
    )
    return rows, uniques


def _report(
    rows: _Rows, bad: np.ndarray, reasons: np.ndarray, texts: list[str], issues: Issues
) -> None:
    """Report bad rows grouped by (source, reason): first line and count of each."""
    idx = np.flatnonzero(bad)
    if not len(idx):
        return
    if issues.errors == "raise":
        i = idx[0]
        issues.bad(
            texts[reasons[i]].split("\0")[1],
            source=rows.sources[rows.src[i]],
            line=int(rows.line[i]),
            reason=texts[reasons[i]].split("\0")[0],
        )
    keys = rows.src[idx].astype(np.int64) * len(texts) + reasons[idx]
    uk, first, counts = np.unique(keys, return_index=True, return_counts=True)
    for k, f, c in zip(uk, first, counts, strict=True):
        i = idx[f]
        reason, text = texts[int(k % len(texts))].split("\0")
        issues.bad(
            text,
            source=rows.sources[rows.src[i]],
            line=int(rows.line[i]),
            reason=reason,
            count=int(c),
        )


def _bool_codes(arr: pa.Array) -> np.ndarray:
    """Arrow booleans to int8: 1 true, 0 false, -1 null."""
    values = np.asarray(arr.fill_null(False).to_numpy(zero_copy_only=False), dtype=np.int8)
    valid = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    return np.where(valid, values, -1).astype(np.int8)


def _dict_codes(arr: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Dictionary-encode: codes (-1 for null) and the distinct non-null values."""
    if arr.null_count == 0:
        return encode(arr)  # by hashes where the compiled kernels run
    enc = pc.dictionary_encode(arr, null_encoding="mask")
    codes = np.asarray(enc.indices.fill_null(-1).to_numpy(zero_copy_only=False), np.int64)
    return codes, enc.dictionary


def _fixed_codes(arr: pa.Array, values: tuple[str, ...]) -> np.ndarray:
    """Codes into a fixed category list (-1 for null or unknown)."""
    idx = pc.index_in(arr, value_set=pa.array(list(values)))
    return np.asarray(idx.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)


def _where_literal(arr: pa.Array, literal: str | None, fn: Any, default: pa.Array) -> pa.Array:
    """Apply a vectorised ``fn`` only to values that contain ``literal``.

    Values without the literal take ``default`` at their position. Regex passes cost
    per value; a literal search is nearly free, and most messages lack most literals.
    """
    if literal is None:
        return fn(arr)
    mask = pc.match_substring(arr, literal)
    hits = pc.sum(mask).as_py() or 0
    if hits == 0:
        return default
    if hits == len(arr):
        return fn(arr)
    return pc.replace_with_mask(default, mask, fn(pc.filter(arr, mask)))


def _skeleton(details: pa.Array) -> pa.Array:
    """Skeletons of distinct messages (one regex pass): ids, hex values, numbers -> ``#``."""
    shield, repl, literal = catalog.TEMPLATE_RULES[0]
    skeleton = _where_literal(
        details,
        literal,
        lambda a: pc.replace_substring_regex(a, pattern=shield, replacement=repl),
        details,
    )
    return pc.replace_substring_regex(skeleton, pattern=catalog.SKELETON_PATTERN, replacement="#")


@dataclass
class _Grouping:
    """Distinct messages grouped by skeleton, with their tokens."""

    codes: np.ndarray  # per message, its group
    skeletons: pa.Array  # per group, its skeleton
    tokens: Tokens | None  # per message, its tokens (their skeletons: per group)


def _skeleton_groups(details: pa.Array) -> _Grouping:
    """Group distinct messages by skeleton: per message its group, and the skeletons.

    :func:`.skeleton.tokenise` gives the skeleton (what :func:`_skeleton`, the regex
    pass, gives) and the tokens of every message in one compiled pass over the bytes,
    wherever the tokens sit. The groups keep the numbering of the loader before that pass
    (the order of the ``template`` categories): first the skeletons of messages ``P`` +
    a number [+ ``)``], by the first appearance of their ``P`` (then without ``)`` first),
    then the other skeletons by first appearance.
    """
    if not len(details):
        return _Grouping(np.zeros(0, np.int64), pa.array([], pa.string()), None)
    if not compiled():
        return _skeleton_groups_numpy(details)
    tokens = tokenise(details)
    codes, skeletons = _dict_codes(tokens.skeletons)
    k = len(skeletons)
    combo = _prefix_combos(details, tokens)
    quick = combo >= 0
    big = np.iinfo(np.int64).max
    first_quick = np.full(k, big, dtype=np.int64)
    np.minimum.at(first_quick, codes[quick], combo[quick])
    slow = np.flatnonzero(~quick)
    first_slow = np.full(k, big, dtype=np.int64)
    np.minimum.at(first_slow, codes[slow], slow)
    order = np.lexsort((first_slow, first_quick))
    if np.array_equal(order, np.arange(k)):
        return _Grouping(codes, skeletons, tokens)
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    return _Grouping(rank[codes], skeletons.take(pa.array(order)), tokens)


def _prefix_combos(details: pa.Array, tokens: Tokens) -> np.ndarray:
    """Per message ``P`` + a number [+ ``)``]: rank of ``P``'s first appearance * 2 + ``)``.

    -1 for every other message (see :func:`._kernels.trailing_numbers`). ``P`` is
    told apart by a hash, each checked against the ``P`` of its first message; where two
    differ (a collision), by ``P`` itself.
    """
    from ._kernels import first_seen, same_prefixes, trailing_numbers

    data, offs = value_bytes(details)
    p_len, paren, hashes = trailing_numbers(data, offs, tokens.offsets, tokens.start, tokens.kind)
    out = np.full(len(details), -1, dtype=np.int64)
    quick = np.flatnonzero(p_len >= 0)
    if not len(quick):
        return out
    p_code, first = first_seen(hashes[quick])  # numbered in order of first appearance
    if not same_prefixes(data, offs, p_len, quick, quick[first[p_code]]):
        heads = slice_each(details, np.zeros(len(quick), np.int64), p_len[quick], rows=quick)
        p_code, _ = _dict_codes(heads)
    out[quick] = p_code * 2 + paren[quick]
    return out


#: Bytes a skeleton token may touch: a message that ends ``<P><digits>[)]`` has the
#: skeleton ``skeleton(P) + "#" [+ ")"]`` when P ends in none of these (and not in
#: ``"Phase "``, whose digit the skeleton keeps): ASCII word characters and ``-`` (of
#: ``cgw-``/``vpn-``).
_TOKEN_BYTES = np.zeros(256, dtype=bool)
_TOKEN_BYTES[[ord(c) for c in "0123456789abcdefghijklmnopqrstuvwxyz_-"]] = True
_TOKEN_BYTES[[ord(c) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]] = True


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``concatenate([arange(s, s + c) for s, c in zip(starts, counts)])``, vectorised."""
    total = int(counts.sum())
    ends = np.cumsum(counts)
    return np.arange(total, dtype=np.int64) + np.repeat(starts - (ends - counts), counts)


def _skeleton_groups_numpy(details: pa.Array) -> _Grouping:
    """:func:`_skeleton_groups` without numba (numpy and Arrow passes).

    :func:`.skeleton.tokenise` gives the skeleton (what :func:`_skeleton`, the regex
    pass, gives) and the tokens of a message in one pass over the bytes, wherever the
    tokens sit. Most real messages end in a number (a sequence number, an id, a count):
    for those the skeleton and tokens follow from the rest of the message, ``P``, which
    repeats, so only each distinct ``P`` is tokenised. That is taken only where it gives
    exactly what the whole message gives: the message is ``P``, one or more digits and at
    most one ``)``, and ``P`` is not empty and ends in a byte no token can hold
    (:data:`_TOKEN_BYTES`) and not in ``"Phase "``. Every other message is tokenised
    whole. Groups are numbered by first appearance, those of the shortcut first.
    """
    n = len(details)
    size = _lengths(details)
    no_paren = pc.ascii_rtrim(details, characters=")")
    paren = size - _lengths(no_paren)
    prefix = pc.ascii_rtrim(no_paren, characters="0123456789")
    keep = _lengths(prefix)
    fast = (paren <= 1) & (keep < size - paren) & (keep > 0)
    if fast.any():
        ends = value_offsets(prefix)[1:]
        last = np.frombuffer(prefix.buffers()[2], dtype=np.uint8)[np.maximum(ends - 1, 0)]
        fast &= ~_TOKEN_BYTES[last]
        fast &= ~np.asarray(pc.ends_with(prefix, "Phase ").fill_null(False), dtype=bool)
    slow = np.flatnonzero(~fast)
    quick = np.flatnonzero(fast)
    keys: list[pa.Array] = []
    key_of = np.empty(n, dtype=np.int64)
    counts = np.zeros(n, dtype=np.int64)
    # where each message's tokens come from: a token list of P (quick) or its own (slow)
    p_tok: Tokens | None = None
    s_tok: Tokens | None = None
    p_of = np.zeros(0, np.int64)
    if len(quick):
        p_codes, p_values = _dict_codes(prefix.take(pa.array(quick)))
        combo = p_codes * 2 + paren[quick]
        combos, combo_idx = np.unique(combo, return_inverse=True)
        p_tok = tokenise(p_values)
        heads = p_tok.skeletons.take(pa.array(combos // 2))
        tails = pa.array(np.where(combos % 2 == 1, "#)", "#"), pa.string())
        keys.append(pc.binary_join_element_wise(heads, tails, ""))
        key_of[quick] = combo_idx
        p_of = p_codes
        counts[quick] = np.diff(p_tok.offsets)[p_codes] + 1
    if len(slow):
        whole = details if len(slow) == n else details.take(pa.array(slow))
        s_tok = tokenise(whole)
        key_of[slow] = (len(keys[0]) if keys else 0) + np.arange(len(slow))
        keys.append(s_tok.skeletons)
        counts[slow] = np.diff(s_tok.offsets)
    codes, skeletons = _dict_codes(pa.concat_arrays(keys) if len(keys) > 1 else keys[0])
    offsets = np.concatenate(([0], np.cumsum(counts)))
    start = np.empty(int(offsets[-1]), dtype=np.int64)
    stop = np.empty_like(start)
    kind = np.empty(len(start), dtype=np.int8)
    if s_tok is not None:
        at = _ranges(offsets[slow], counts[slow])
        start[at], stop[at], kind[at] = s_tok.start, s_tok.stop, s_tok.kind
    if p_tok is not None:
        inherited = counts[quick] - 1
        at = _ranges(offsets[quick], inherited)
        src = _ranges(p_tok.offsets[p_of], inherited)
        start[at], stop[at], kind[at] = p_tok.start[src], p_tok.stop[src], p_tok.kind[src]
        # the number that ends the message
        at = offsets[quick] + inherited
        start[at], stop[at], kind[at] = keep[quick], size[quick] - paren[quick], KIND_DIGITS
    tokens = Tokens(skeletons=skeletons, offsets=offsets, start=start, stop=stop, kind=kind)
    return _Grouping(codes[key_of], skeletons, tokens)


def _template_all(details: pa.Array) -> pa.Array:
    out = details
    for pattern, repl, literal in catalog.TEMPLATE_RULES:
        out = _where_literal(
            out,
            literal,
            lambda a, p=pattern, r=repl: pc.replace_substring_regex(a, pattern=p, replacement=r),
            out,
        )
    return out


#: Literals every match of an extraction pattern contains and the template keeps (a
#: gateway id there is ``<cgw>``): the messages of a template that holds none of them
#: hold no match, so each pattern runs only on the messages of the templates that carry
#: its parameter. Keyed by the pattern itself: a pattern changed in the catalogue and not
#: here runs on every message.
_GATES: dict[str, tuple[str, ...]] = {
    r"SPI:\s*(?P<v>0x[0-9a-fA-F]+)": ("SPI:",),
    r"\(id=(?P<v>\d+)\)": ("(id=",),
    r"after (?P<v>\d+) retransmits": (" retransmits",),
    r"(?P<v>cgw-[0-9a-fA-F]+)": ("<cgw>", "cgw-"),
    r"cgw:\s*(?P<v>[^\s,;]+)": ("cgw:",),
    r"sequence number (?P<v>\d+)": ("sequence number ",),
}


#: Extraction patterns whose matches the token kinds decide: the bytes outside the
#: tokens, the kind of each token (:mod:`.skeleton`: digits, ``0x`` hex, ``cgw-``,
#: ``vpn-``) and nothing else tell whether and where they match. Each holds a literal
#: no token can hold or starts with ``cgw-`` (which only a gateway token or the bytes
#: outside tokens hold), and its classes (``\d``, hex digits, ``[^\s,;]``) take every
#: byte of a token kind after its prefix alike. Two messages of one skeleton whose tokens
#: have the same kinds then match at the same token or not at all. Keyed by the pattern:
#: one changed in the catalogue and not here is searched in every message.
_BY_KIND: frozenset[str] = frozenset(
    {
        r"SPI:\s*(?P<v>0x[0-9a-fA-F]+)",
        r"\(id=(?P<v>\d+)\)",
        r"after (?P<v>\d+) retransmits",
        r"(?P<v>cgw-[0-9a-fA-F]+)",
        r"cgw:\s*(?P<v>[^\s,;]+)",
        r"sequence number (?P<v>\d+)",
    }
)


@dataclass
class _Slots:
    """Messages by skeleton group, with their tokens, for parameters taken by slot.

    Messages of one skeleton agree on every byte outside their tokens. Where a
    parameter's pattern matches exactly token ``k`` of a group's first message, every
    message of the group whose tokens have the same kinds has its value in its own
    token ``k`` (see :data:`_BY_KIND`): a slice, no regex per message.
    """

    skeleton: np.ndarray  # per message, its skeleton group
    first: np.ndarray  # per group, its first message
    tokens: Tokens
    same_kinds: np.ndarray  # per message: its tokens have the kinds of its group's first

    @classmethod
    def of(
        cls, skeleton: np.ndarray, first: np.ndarray, skeletons: pa.Array, tokens: Tokens
    ) -> _Slots:
        del skeletons  # the groups and tokens tell all
        if compiled():
            from ._kernels import same_kinds

            same = same_kinds(tokens.offsets, tokens.kind, first[skeleton])
            return cls(skeleton, first, tokens, same)
        # each message's token kinds as one value, encoded: equal codes, equal kinds
        kinds = pa.Array.from_buffers(
            pa.binary(),
            len(skeleton),
            [
                None,
                pa.py_buffer(tokens.offsets.astype(np.int32)),
                pa.py_buffer(tokens.kind.astype(np.uint8)),
            ],
        )
        sig, _ = _dict_codes(kinds)
        same = sig == sig[first[skeleton]] if len(skeleton) else np.zeros(0, bool)
        return cls(skeleton, first, tokens, same)


def _lengths(values: pa.Array) -> np.ndarray:
    """Byte length of each value, from the offsets (no kernel pass over the values)."""
    return np.diff(value_offsets(values))


def _span_pattern(pattern: str) -> str | None:
    """``pattern`` made to capture, as ``pre``, everything before its group ``v``.

    The lazy ``^(?s:.*?)`` prefix finds the leftmost match as a search does, so the
    byte length of ``pre`` is where ``v`` starts. None where ``v`` is not at the top
    level of the pattern.
    """
    at = pattern.find("(?P<v>")
    head = pattern[:at]
    if at < 0 or "(" in head.replace("\\(", "") or "|" in pattern:
        return None
    return f"^(?P<pre>(?s:.*?){head})" + pattern[at:]


def _slot_values(
    details: pa.Array, rows: np.ndarray, pattern: str, slots: _Slots
) -> tuple[np.ndarray, pa.Array]:
    """Values of ``pattern`` taken by token slot where that equals the regex.

    The pattern runs on each group's first message only. Where it matches none, no
    message of the group whose tokens have the same kinds matches (null); where its
    value is exactly token ``k``, each such message gives its token ``k``. Rows of
    other groups, or whose token kinds differ from their first message's, are left to
    the regex.

    Returns
    -------
    (numpy.ndarray, pyarrow.StringArray)
        The rows taken (increasing) and their values (null: no match).
    """
    none = np.zeros(0, np.int64), pa.array([], pa.string())
    span = _span_pattern(pattern) if pattern in _BY_KIND else None
    if span is None or not len(rows):
        return none
    rows = rows[slots.same_kinds[rows]]
    g = slots.skeleton[rows]
    cand = np.flatnonzero(np.bincount(g, minlength=len(slots.first)))
    if not len(cand):
        return none
    reps = slots.first[cand]
    rep_text = details.take(pa.array(reps))
    got = pc.extract_regex(rep_text, span)
    valid = np.asarray(got.is_valid(), dtype=bool)
    pre = np.asarray(pc.binary_length(pc.struct_field(got, "pre")).fill_null(0), np.int64)
    v_len = np.asarray(pc.binary_length(pc.struct_field(got, "v")).fill_null(0), np.int64)
    tok = slots.tokens
    # per candidate group: the token of its first message that the value is, else -1
    slot = np.full(len(cand), -1, dtype=np.int64)
    lo, hi = tok.offsets[reps], tok.offsets[reps + 1]
    count = hi - lo
    idx = np.repeat(np.arange(len(cand)), count)
    t = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count) + lo[idx]
    hit = valid[idx] & (tok.start[t] == pre[idx]) & (tok.stop[t] == pre[idx] + v_len[idx])
    slot[idx[hit]] = (t - lo[idx])[hit]
    slot_of = np.full(int(cand.max()) + 1, -2, dtype=np.int64)  # -2: left to the regex
    slot_of[cand] = np.where(slot >= 0, slot, -2)
    slot_of[cand[~valid]] = -1  # no match in the first message: none in the group
    k = slot_of[g]
    rows, k = rows[k >= -1], k[k >= -1]
    if not len(rows):
        return none
    has = k >= 0
    at = tok.offsets[rows[has]] + k[has]
    values = slice_each(details, tok.start[at], tok.stop[at], rows=rows[has]).cast(pa.string())
    if has.all():
        return rows, values
    where = np.full(len(rows), -1, dtype=np.int64)
    where[has] = np.arange(int(has.sum()))
    return rows, values.take(pa.array(where, mask=where < 0))


def _extract(
    details: pa.Array,
    group: np.ndarray,
    templates: pa.Array,
    patterns: tuple[str, ...],
    slots: _Slots | None = None,
) -> pa.Array:
    """Extract a parameter from the messages whose template carries it (first match wins).

    Parameters
    ----------
    details : pyarrow.StringArray
        Distinct messages.
    group : numpy.ndarray
        Per message, its template (index into ``templates``).
    templates : pyarrow.StringArray
        The distinct templates.
    patterns : tuple of str
        RE2 patterns with one group ``v``, tried in order.
    slots : _Slots, optional
        Skeleton groups and their tokens: where a value is a token it is sliced, not
        searched (:func:`_slot_values`).

    Returns
    -------
    pyarrow.StringArray
        The value per message, null where no pattern matches.
    """
    out: pa.Array = pa.nulls(len(details), pa.string())
    for pattern in patterns:
        gates = _GATES.get(pattern)
        if gates is None:
            rows = np.arange(len(details))
        else:
            may = np.zeros(len(templates), dtype=bool)
            for literal in gates:
                may |= np.asarray(pc.match_substring(templates, literal), dtype=bool)
            rows = np.flatnonzero(may[group]) if may.any() else np.zeros(0, np.int64)
        if not len(rows):
            continue
        pieces: list[tuple[np.ndarray, pa.Array]] = []
        if slots is not None:
            sliced, values = _slot_values(details, rows, pattern, slots)
            if len(sliced):
                pieces.append((sliced, values))
                left = np.ones(len(details), dtype=bool)
                left[sliced] = False
                rows = rows[left[rows]]
        if len(rows):
            sub = details if len(rows) == len(details) else details.take(pa.array(rows))
            pieces.append((rows, pc.struct_field(pc.extract_regex(sub, pattern), "v")))
        if len(pieces) == 1 and len(pieces[0][0]) == len(details):
            got = pieces[0][1]
        else:
            where = np.full(len(details), -1, dtype=np.int64)
            at = 0
            for idx, _ in pieces:
                where[idx] = at + np.arange(len(idx))
                at += len(idx)
            both = pa.concat_arrays([v for _, v in pieces])
            got = both.take(pa.array(where, mask=where < 0))
        out = pc.coalesce(out, got)
    return out


@dataclass
class _Classified:
    """Per distinct record: codes of every derived column."""

    event: np.ndarray
    severity: np.ndarray
    ike: np.ndarray
    detail: np.ndarray
    details: pa.Array
    template: np.ndarray
    templates: pa.Array
    spi: np.ndarray
    spis: pa.Array
    request_id: np.ndarray  # int64, -1 = NA
    retry_count: np.ndarray  # int64, -1 = NA
    cgw: np.ndarray
    cgws: pa.Array
    dpd_sequence: np.ndarray  # int64, -1 = NA


def _classify(parsed: ParsedRecords) -> _Classified:
    """Classify distinct records: cost by template, not by distinct message.

    One regex pass makes the skeleton of every distinct message; messages of one
    skeleton share one template (they differ only in ids, hex values and numbers), so the
    template and the catalogue rule are computed once per skeleton, and each parameter
    pattern runs only on the messages of the templates that carry its parameter
    (:data:`_GATES`).
    """
    # Distinct records are nearly distinct messages: work on the records' messages as they
    # are (a message under two phase states is just classified twice); the merge makes
    # the categories distinct.
    details = parsed.columns["details"]
    has = np.asarray(details.is_valid(), dtype=bool)
    detail_u = np.where(has, np.cumsum(has) - 1, -1)
    darr = details.filter(pa.array(has)) if not has.all() else details
    grouping = _skeleton_groups(darr)
    group, skeletons = grouping.codes, grouping.skeletons
    # per group its first message (np.unique sorts; the codes are 0..k-1)
    first = np.full(len(skeletons), len(group), dtype=np.int64)
    np.minimum.at(first, group, np.arange(len(group)))
    slots = _Slots.of(group, first, skeletons, grouping.tokens) if grouping.tokens else None
    # groups are 0..k-1 (dictionary codes) and every message has one
    group_tmpl, templates = _dict_codes(_template_all(darr.take(pa.array(first))))
    tmpl_d = group_tmpl[group] if len(group) else np.zeros(0, np.int64)
    template_list = templates.to_pylist()
    names = {name: i for i, name in enumerate(catalog.EVENT_NAMES)}
    unknown = names[catalog.UNKNOWN]
    t_event = np.full(len(template_list) + 1, unknown, dtype=np.int64)
    t_sev = np.full(len(templates) + 1, s.SEVERITIES.index("info"), dtype=np.int64)
    t_ike = np.full(len(templates) + 1, -1, dtype=np.int64)
    for i, rule in enumerate(catalog.classify_many(template_list)):
        if rule is not None:
            t_event[i] = names[rule.event]
            t_sev[i] = s.SEVERITIES.index(rule.severity)
            t_ike[i] = -1 if rule.ike_version is None else s.IKE_VERSIONS.index(rule.ike_version)
    # index len(templates) stands for "no details": unknown, info, NA
    tmpl_u = np.where(detail_u >= 0, tmpl_d[np.maximum(detail_u, 0)] if len(tmpl_d) else -1, -1)
    tix = np.where(tmpl_u >= 0, tmpl_u, len(templates))
    event = t_event[tix]
    # BGP route records whose message names nothing known: named after their status
    route = (parsed.kind == KIND_BGP) & (event == unknown)
    if route.any():
        status = parsed.columns["status"].to_pylist()
        for row in np.flatnonzero(route).tolist():
            name = catalog.ROUTE_STATUS_EVENTS.get(str(status[row]).upper())
            if name is not None:
                event[row] = names[name]

    def extract(col: str) -> pa.Array:
        return _extract(darr, tmpl_d, templates, catalog.EXTRACT_PATTERNS[col], slots)

    spi_d, spis = _dict_codes(extract("spi"))
    cgw_d, cgws = _dict_codes(extract("cgw"))

    def num(col: str) -> np.ndarray:
        digits = extract(col)
        # more digits than an int64 holds: stands for a value flagged as out of range
        if (pc.max(pc.binary_length(digits)).as_py() or 0) > 18:
            long = pc.fill_null(pc.greater(pc.utf8_length(digits), 18), False)
            digits = pc.if_else(long, str(_LONG), digits)
        got = pc.cast(digits, pa.int64())
        return np.asarray(got.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)

    def per_u(d_level: np.ndarray) -> np.ndarray:
        padded = np.concatenate((d_level, [-1]))
        return padded[np.where(detail_u >= 0, detail_u, len(d_level))]

    return _Classified(
        event=event,
        severity=t_sev[tix],
        ike=t_ike[tix],
        detail=detail_u,
        details=darr,
        template=tmpl_u,
        templates=templates,
        spi=per_u(spi_d),
        spis=spis,
        request_id=_in_range_u(per_u(num("request_id")), s.REQUEST_ID, parsed),
        retry_count=_in_range_u(per_u(num("retry_count")), s.RETRY_COUNT, parsed),
        cgw=per_u(cgw_d),
        cgws=cgws,
        dpd_sequence=_in_range_u(per_u(num("dpd_sequence")), s.DPD_SEQUENCE, parsed),
    )


#: Stands for an extracted number of more than 18 digits (beyond int64).
_LONG = 10**18 - 1

#: Why records are skipped as ``no_tunnel``: the records name no tunnel and the file they
#: came in names no log stream (a renamed export object) ...
NO_TUNNEL_NO_STREAM = (
    "these records name no tunnel because the file name does not carry the log stream: "
    "pass log_stream='vpn-<id>-<outside ip>-IKE.log' (vpnlog: --log-stream)"
)
#: ... or the log stream they came with is not a tunnel's.
NO_TUNNEL_OTHER_STREAM = (
    "these records name no tunnel and their log stream is not a tunnel's "
    "'vpn-<id>-<outside ip>-IKE.log' (log_stream= and vpnlog's --log-stream name it)"
)


def _in_range_u(values: np.ndarray, name: str, parsed: ParsedRecords) -> np.ndarray:
    return _in_range(values, values >= 0, name, parsed)


def _record_times(parsed: ParsedRecords) -> np.ndarray:
    """Per distinct record: its own time [ns] (event_timestamp, else timestamp), or NAT."""
    et = np.asarray(
        parsed.columns["event_timestamp"].fill_null(np.nan).to_numpy(zero_copy_only=False),
        dtype=np.float64,
    )
    out = epoch_to_ns(et)
    stamp = parsed.columns["timestamp"]
    missing = (out == NAT) & np.asarray(stamp.is_valid().to_numpy(zero_copy_only=False), bool)
    if missing.any():
        out[missing] = parse_time_strings(stamp.filter(pa.array(missing)))
    return out


def _identities(rows: _Rows, parsed: ParsedRecords) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Per row: index into a list of (connection id, tunnel ip), -1 where unknown."""
    idents: dict[tuple[str, str], int] = {}
    stream_ident = np.array(
        [_ident_code(idents, s.parse_stream_name(x) if x else None) for x in rows.streams] + [-1],
        dtype=np.int64,
    )
    rid_codes, rid_arr = _dict_codes(parsed.columns["resource_id"])
    rids = rid_arr.to_pylist()
    rid_ident = np.array(
        [_ident_code(idents, s.parse_stream_name(x)) for x in rids] + [-1], dtype=np.int64
    )
    u_ident = rid_ident[np.where(rid_codes >= 0, rid_codes, len(rids))]
    # Records that name their tunnel in their own keys (vpn_connection_id and
    # tunnel_outside_ip); only those are looked at one by one.
    named = np.asarray(
        pc.and_(
            pc.is_valid(parsed.columns["vpn_connection_id"]),
            pc.is_valid(parsed.columns["tunnel_outside_ip"]),
        ),
        dtype=bool,
    )
    todo = np.flatnonzero((u_ident < 0) & named)
    if len(todo):
        at = pa.array(todo)
        vpn = parsed.columns["vpn_connection_id"].take(at).to_pylist()
        ip = parsed.columns["tunnel_outside_ip"].take(at).to_pylist()
        for i, v, a in zip(todo.tolist(), vpn, ip, strict=True):
            if v and a:
                u_ident[i] = _ident_code(idents, s.StreamId(v.lower(), a.lower(), "tunnel"))
    row = u_ident[rows.gu]
    fall = row < 0
    row[fall] = stream_ident[rows.stream[fall]]
    return row, list(idents)


def _ident_code(idents: dict[tuple[str, str], int], sid: s.StreamId | None) -> int:
    if sid is None:
        return -1
    return idents.setdefault((sid.vpn_connection_id, sid.tunnel_ip), len(idents))


def _in_range(
    values: np.ndarray, valid: np.ndarray, name: str, parsed: ParsedRecords
) -> np.ndarray:
    """Return per distinct record the value, or -1 where absent or outside the dtype.

    A value that does not fit (a negative or too large number) is not silently lost: it
    is counted in ``unrecognised_values`` as ``column=value``.
    """
    info = np.iinfo(INTS[name])
    bad = valid & ((values < max(info.min, 0)) | (values > info.max))
    for i in np.flatnonzero(bad):
        value = int(values[i])
        text = "(more than 18 digits)" if value == _LONG else str(value)
        parsed.unrecognised.append((int(i), f"{name}={text}"))
    return np.where(valid & ~bad, values, -1)


def parse_part(bodies: list[DistinctBodies], issues: Issues) -> Part | None:
    """Parse, classify and check the batches of some sources.

    Parameters
    ----------
    bodies : list of DistinctBodies
        The batches split by :func:`.batch.distinct_bodies`, in source order.
    issues : Issues
        Where malformed records are raised or counted.

    Returns
    -------
    Part or None
        ``None`` when the sources hold no good record.
    """
    if not bodies:
        return None
    rows, uniques = _concat_rows(bodies)
    parsed = parse_records_unique(uniques)
    weights = np.bincount(rows.gu, minlength=len(uniques))
    t, ident, idents, bad = _check_rows(rows, parsed, issues)
    sel = np.flatnonzero(~bad)
    if not len(sel):
        return None
    per_u, cats = _record_columns(parsed)
    # Rows keep only the index of their distinct record: every column is taken per row
    # once, at the merge, after duplicates and order are known.
    ucodes = {name: narrow(values) for name, values in per_u.items()}
    codes = {
        "ident": narrow(ident[sel]),
        s.LOG_STREAM: narrow(rows.stream[sel]),
        s.LOG_GROUP: narrow(rows.group[sel]),
    }
    cats[s.LOG_STREAM] = rows.streams
    cats[s.LOG_GROUP] = rows.groups
    return Part(
        sources=rows.sources,
        formats=rows.formats,
        # CloudWatch export parts 000000.gz, 000001.gz ... of one stream folder are one
        groups=[
            (os.path.dirname(src) or src) if fmt == "s3_export" else src
            for src, fmt in zip(rows.sources, rows.formats, strict=True)
        ],
        src=narrow(rows.src[sel]),
        time=t[sel],
        gu=rows.gu[sel].astype(np.int32),
        ucodes=ucodes,
        codes=codes,
        cats=cats,
        idents=idents,
        event_ids=None if rows.event_id is None else rows.event_id[sel],
        unknown_keys=count_keys(parsed.unknown_keys, weights),
        unrecognised=count_keys(parsed.unrecognised, weights),
    )


def _check_rows(
    rows: _Rows, parsed: ParsedRecords, issues: Issues
) -> tuple[np.ndarray, np.ndarray, list[tuple[str, str]], np.ndarray]:
    """Give every row its time and tunnel, and report the rows that have none.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, list, numpy.ndarray)
        Per row the time [ns] and the tunnel code, the tunnels, and the mask of bad rows
        (reported to ``issues``: raised or counted).
    """
    texts: list[str] = []
    text_index: dict[str, int] = {}

    def code_of(reason: str, text: str) -> int:
        key = f"{reason}\0{text}"
        if key not in text_index:
            text_index[key] = len(texts)
            texts.append(key)
        return text_index[key]

    reason_u = np.full(len(parsed.kind), -1, dtype=np.int64)
    for i, reason, text in parsed.bad:
        reason_u[i] = code_of(reason, text)
    reason_row = reason_u[rows.gu]

    t = rows.head.copy()
    # A record whose body repeats event_timestamp after the cut-off head: the last wins.
    need = (t == NAT) | parsed.has_ts_key()[rows.gu]
    if need.any():
        t[need] = _record_times(parsed)[rows.gu[need]]
        need = t == NAT
        t[need] = rows.env[need]

    def flag(mask: np.ndarray, reason: str, text: str) -> None:
        mask = mask & (reason_row < 0)
        if mask.any():
            reason_row[mask] = code_of(reason, text)

    flag(t == NAT, "missing_time", "record has no time (no event_timestamp, no envelope time)")
    flag(
        (t != NAT) & ((t < TIME_MIN_NS) | (t > TIME_MAX_NS)),
        "impossible_time",
        "timestamp outside 2000-2100 (seconds and milliseconds mixed up?)",
    )
    ident, idents = _identities(rows, parsed)
    # Tunnel records get their tunnel from the stream name: the envelope's, else the file
    # name's (an export object's folder), else log_stream=. A renamed file has none.
    has_stream = np.array([bool(x) for x in rows.streams], dtype=bool)[rows.stream]
    flag((ident < 0) & ~has_stream, "no_tunnel", NO_TUNNEL_NO_STREAM)
    flag((ident < 0) & has_stream, "no_tunnel", NO_TUNNEL_OTHER_STREAM)
    bad = reason_row >= 0
    _report(rows, bad, reason_row, texts, issues)
    return t, ident, idents, bad


def _record_columns(parsed: ParsedRecords) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Classify the distinct records and code every column of them.

    Returns
    -------
    (dict, dict)
        Per column, the codes (or values, -1: absent) per distinct record; per column
        with local categories, those categories.
    """
    cls = _classify(parsed)
    detail_codes, detail_buckets = bucketed(cls.details, cls.detail)
    p1 = _fixed_codes(parsed.columns["ike_phase1_state"], s.STATES)
    p2 = _fixed_codes(parsed.columns["ike_phase2_state"], s.STATES)
    # Kleene AND: a known non-up phase makes the tunnel down even if the other is unknown.
    up = np.where(np.isin(p1, [0, 1]) & np.isin(p2, [0, 1]), 1, -1)
    up = np.where(np.isin(p1, [2, 3]) | np.isin(p2, [2, 3]), 0, up)
    log_type = np.where(
        parsed.kind == KIND_BGP, s.LOG_TYPES.index("bgp"), s.LOG_TYPES.index("tunnel")
    )
    prefix_c, prefixes = _dict_codes(parsed.columns["prefix"])
    aspath_c, aspaths = _dict_codes(parsed.columns["asPath"])
    nexthop_c, nexthops = _dict_codes(parsed.columns["nextHopIp"])

    def ints(col: str, name: str) -> np.ndarray:
        arr = parsed.columns[col]
        values = np.asarray(arr.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)
        return _in_range(values, np.asarray(arr.is_valid(), dtype=bool), name, parsed)

    per_u: dict[str, np.ndarray] = {
        s.LOG_TYPE: log_type,
        s.PHASE1_STATE: p1,
        s.PHASE2_STATE: p2,
        s.EVENT: cls.event,
        s.SEVERITY: cls.severity,
        s.IKE_VERSION: cls.ike,
        s.BGP_TYPE: _fixed_codes(parsed.columns["type"], s.BGP_TYPES),
        s.BGP_STATUS: _fixed_codes(pc.utf8_upper(parsed.columns["status"]), s.BGP_STATUSES),
        s.DPD_ENABLED: _bool_codes(parsed.columns["dpd_enabled"]),
        s.NAT_T_DETECTED: _bool_codes(parsed.columns["nat_t_detected"]),
        s.TUNNEL_UP: up,
        s.DETAILS: detail_codes,
        s.TEMPLATE: cls.template,
        s.SPI: cls.spi,
        s.CGW: cls.cgw,
        s.REQUEST_ID: cls.request_id,
        s.RETRY_COUNT: cls.retry_count,
        s.DPD_SEQUENCE: cls.dpd_sequence,
        s.BGP_PREFIX: prefix_c,
        s.BGP_AS_PATH: aspath_c,
        s.BGP_NEXT_HOP_IP: nexthop_c,
        s.BGP_LOCAL_PREF: ints("localPref", s.BGP_LOCAL_PREF),
        s.BGP_MED: ints("med", s.BGP_MED),
        s.BGP_WEIGHT: ints("weight", s.BGP_WEIGHT),
    }
    cats: dict[str, Any] = {
        s.DETAILS: detail_buckets,
        s.TEMPLATE: cls.templates,
        s.SPI: cls.spis,
        s.CGW: cls.cgws,
        s.BGP_PREFIX: prefixes,
        s.BGP_AS_PATH: aspaths,
        s.BGP_NEXT_HOP_IP: nexthops,
    }
    return per_u, cats
