"""Parse distinct log records (IKE JSON, BGP JSON or text lines) into columns.

Real logs repeat themselves: the same packet line, the same states, only the timestamp
differs. Loaders therefore hand this module the *distinct* records (usually with the
leading ``event_timestamp`` cut off) and map the parsed columns back to rows by index.
pyarrow's JSON reader does the work; a per-record Python path takes over only when
that reader cannot (broken JSON, documentation key names, values as strings) so bad
records are named exactly.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from .. import schema as s
from .decode import slice_each, value_bytes
from .skeleton import compiled

__all__ = ["KIND_BGP", "KIND_IKE", "KIND_TEXT", "ParsedRecords", "parse_records_unique"]

KIND_IKE, KIND_BGP, KIND_TEXT = 0, 1, 2

#: Raw JSON keys of an IKE record (canonical names, in the order AWS writes them).
IKE_KEYS = (
    "event_timestamp",
    "timestamp",
    "details",
    "dpd_enabled",
    "nat_t_detected",
    "ike_phase1_state",
    "ike_phase2_state",
)
#: The documentation's field names, accepted as input aliases (declared in schema).
KEY_ALIASES = s.RAW_KEY_ALIASES
BGP_KEYS = ("resource_id", "event_timestamp", "timestamp", "type", "status", "message")
BGP_MESSAGE_KEYS = ("details", "prefix", "asPath", "localPref", "med", "nextHopIp", "weight")
_KNOWN = set(IKE_KEYS) | set(BGP_KEYS) | {"vpn_connection_id", "tunnel_outside_ip"}

_STRING_COLS = (
    "details",
    "ike_phase1_state",
    "ike_phase2_state",
    "timestamp",
    "resource_id",
    "type",
    "status",
    "prefix",
    "asPath",
    "nextHopIp",
    "vpn_connection_id",
    "tunnel_outside_ip",
)
_BOOL_COLS = ("dpd_enabled", "nat_t_detected")
_INT_COLS = ("localPref", "med", "weight")

_MESSAGE_TYPE = pa.struct(
    [
        ("details", pa.string()),
        ("prefix", pa.string()),
        ("asPath", pa.string()),
        ("localPref", pa.int64()),
        ("med", pa.int64()),
        ("nextHopIp", pa.string()),
        ("weight", pa.int64()),
    ]
)
_SCHEMA = pa.schema(
    [
        ("event_timestamp", pa.float64()),
        ("timestamp", pa.string()),
        ("details", pa.string()),
        ("dpd_enabled", pa.bool_()),
        ("nat_t_detected", pa.bool_()),
        ("ike_phase1_state", pa.string()),
        ("ike_phase2_state", pa.string()),
        ("resource_id", pa.string()),
        ("type", pa.string()),
        ("status", pa.string()),
        ("message", _MESSAGE_TYPE),
        ("vpn_connection_id", pa.string()),
        ("tunnel_outside_ip", pa.string()),
    ]
)


@dataclass
class ParsedRecords:
    """Columns of distinct records, aligned with the input list."""

    kind: np.ndarray  # int8: KIND_IKE, KIND_BGP, KIND_TEXT
    columns: dict[str, pa.Array]  # _STRING_COLS, _BOOL_COLS, _INT_COLS, event_timestamp
    bad: list[tuple[int, str, str]] = field(default_factory=list)  # (index, reason, text)
    unknown_keys: list[tuple[int, str]] = field(default_factory=list)  # (index, key)
    unrecognised: list[tuple[int, str]] = field(default_factory=list)  # (index, value)
    #: True where the record itself has an ``event_timestamp`` key (null or not): a
    #: second one after a cut-off head wins, as in JSON parsers the last duplicate does.
    ts_key: np.ndarray | None = None

    def has_ts_key(self) -> np.ndarray:
        """Per record: True where it has its own ``event_timestamp`` key."""
        if self.ts_key is None:
            return np.asarray(self.columns["event_timestamp"].is_valid(), dtype=bool)
        return self.ts_key


def parse_records_unique(records: pa.Array) -> ParsedRecords:
    """Parse distinct raw records (JSON objects or text lines) into typed columns.

    Parameters
    ----------
    records : pyarrow.BinaryArray
        Distinct records, one JSON object or one text line each (surrounding whitespace
        and line terminators are ignored).

    Returns
    -------
    ParsedRecords
        Typed columns in input order, the kind of each record and the records that are
        malformed (index, reason, explanation).
    """
    n = len(records)
    text, valid = _as_text(records)
    bad = [(int(i), "bad_encoding", "not valid UTF-8 text") for i in np.flatnonzero(~valid)]
    # Records arrive with their line terminator; JSON allows " \t\r\n" around a value.
    # Only those that do not start with "{" (text lines, leading blanks) are trimmed here.
    starts = _np_bool(pc.starts_with(text, "{"))
    is_json = starts & valid
    other = np.flatnonzero(~starts & valid)
    if len(other):
        trimmed = pc.utf8_trim(text.take(pa.array(other)), " \t\r\n")
        is_json[other[_np_bool(pc.starts_with(trimmed, "{"))]] = True
    canonical = starts & valid & _np_bool(pc.starts_with(text, _DETAILS_OPEN))
    pieces: list[tuple[np.ndarray, ParsedRecords]] = []
    whole: ParsedRecords | None = None  # canonical parse of every record
    canon_idx = np.flatnonzero(canonical)
    if len(canon_idx):
        sub = text.take(pa.array(canon_idx)) if len(canon_idx) < n else text
        close, tail_idx, tails = _split_tails(sub)
        found = close >= 0
        part, exact = _parse_canonical(
            sub, np.where(found, close, len(_DETAILS_OPEN)), np.maximum(tail_idx, 0), tails
        )
        exact &= found
        if len(canon_idx) == n:
            # every record canonical: the few the split cannot take (a quote in the
            # message, an unusual tail) are parsed below and written over their rows
            whole = part
            canonical[~exact] = False
        elif not exact.all():
            part = _subset(part, exact)
            canonical[canon_idx[~exact]] = False
            canon_idx = canon_idx[exact]
        if whole is None:
            pieces.append((canon_idx, part))
    json_idx = np.flatnonzero(is_json & ~canonical)
    if len(json_idx):
        sub_list = [v.encode().strip(b" \t\r\n") for v in text.take(pa.array(json_idx)).to_pylist()]
        general = _parse_json_fast(sub_list)
        pieces.append((json_idx, general or _parse_json_python(sub_list)))
    text_idx = np.flatnonzero(~is_json & valid)
    if len(text_idx):
        # a text line: its message without any (Unicode) blanks around it
        lines = _empty(len(text_idx))
        lines.columns["details"] = pc.utf8_trim_whitespace(text.take(pa.array(text_idx)))
        lines.kind[:] = KIND_TEXT
        pieces.append((text_idx, lines))
    if whole is None:
        parsed = _assemble(n, pieces)
    else:
        parsed = whole
        for idx, piece in pieces:
            _scatter(parsed, piece, idx)
    parsed.bad = bad + parsed.bad
    _normalise_states(parsed)
    return parsed


def _assemble(n: int, pieces: list[tuple[np.ndarray, ParsedRecords]]) -> ParsedRecords:
    """Put the parsed pieces (each with the positions it covers) into input order.

    One take per column over all pieces; positions no piece covers (bad encodings) stay
    null. A single piece covering every position in order is used as it is.
    """
    if len(pieces) == 1 and len(pieces[0][0]) == n:
        idx, only = pieces[0]
        if np.array_equal(idx, np.arange(n)):
            return only
    covered = sum(len(idx) for idx, _ in pieces)
    if covered < n:
        pieces = [*pieces, (np.zeros(0, np.int64), _empty(0))]
    out = _empty(n)
    if not pieces:
        return out
    pos = np.full(n, -1, dtype=np.int64)
    first = 0
    ts_key = np.zeros(n, dtype=bool)
    for idx, piece in pieces:
        pos[idx] = first + np.arange(len(idx))
        out.kind[idx] = piece.kind
        ts_key[idx] = piece.has_ts_key()
        out.bad.extend((int(idx[i]), r, t) for i, r, t in piece.bad)
        out.unknown_keys.extend((int(idx[i]), k) for i, k in piece.unknown_keys)
        out.unrecognised.extend((int(idx[i]), v) for i, v in piece.unrecognised)
        first += len(idx)
    take = pa.array(pos, mask=pos < 0)
    for name in out.columns:
        arrays = [piece.columns[name] for _, piece in pieces]
        typ = out.columns[name].type
        out.columns[name] = pa.concat_arrays([a.cast(typ) for a in arrays]).take(take)
    out.ts_key = ts_key
    return out


def _np_bool(arr: pa.Array) -> np.ndarray:
    return np.asarray(arr.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _as_text(records: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Binary values as UTF-8 strings; invalid ones become empty and are flagged."""
    try:
        return records.cast(pa.string()), np.ones(len(records), dtype=bool)
    except pa.ArrowInvalid:
        values = records.to_pylist()
        decoded = [_decode(v) for v in values]
        valid = np.array([d is not None for d in decoded], dtype=bool)
        return pa.array([d if d is not None else "" for d in decoded], pa.string()), valid


#: Below this many records the per-record parser is faster than pyarrow's reader.
_ARROW_MIN = 2000
_DETAILS_OPEN = '{"details":"'
_DETAILS_CLOSE = '","dpd_enabled":'
#: Characters a JSON string holds only escaped (quote, backslash) or never (controls).
_SPECIAL = r'["\\\x00-\x1f]'
#: The exact grammar of a canonical tail (what follows the closing quote of details).
_TAIL = (
    r'^","dpd_enabled":(?P<dpd_enabled>true|false),"nat_t_detected":(?P<nat_t_detected>true|false)'
    r',"ike_phase1_state":"(?P<ike_phase1_state>[^"\\\x00-\x1f]*)"'
    r',"ike_phase2_state":"(?P<ike_phase2_state>[^"\\\x00-\x1f]*)"\}[ \t\r\n]*$'
)


#: Tails tried as whole suffixes before the search per record (most files hold one to four).
_TAIL_ROUNDS = 8


def _split_tails(records: pa.Array) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    """Where each canonical record's tail starts, and which distinct tail it is.

    Tails repeat (a few flag and state combinations), so they are found as whole
    suffixes: the tail of the first record not yet placed is taken from a search, and
    every record ending in it is placed at once (one comparison of its last bytes, no
    search). After :data:`_TAIL_ROUNDS` tails the rest are searched one by one. A record
    whose message itself holds ``","dpd_enabled":`` may be split at a later occurrence
    than the first; its message then holds a quote, which :func:`_parse_canonical`
    rejects, so the JSON parser decides, as for any record it cannot split exactly.

    Parameters
    ----------
    records : pyarrow.StringArray
        Records that start with ``{"details":"``.

    Returns
    -------
    close : numpy.ndarray
        Byte position of the tail (``","dpd_enabled":...``) in each record, -1 if none.
    tail_idx : numpy.ndarray
        Per record, its tail (index into ``tails``), -1 if none.
    tails : pyarrow.StringArray
        The distinct tails.
    """
    n = len(records)
    lengths = np.asarray(pc.binary_length(records).to_numpy(zero_copy_only=False), np.int64)
    close = np.full(n, -1, dtype=np.int64)
    tail_idx = np.full(n, -1, dtype=np.int64)
    tails: list[str] = []
    todo = np.arange(n)
    key = _DETAILS_CLOSE.encode()
    for _ in range(_TAIL_ROUNDS):
        if not len(todo):
            break
        first = records[int(todo[0])].as_py().encode()
        at = first.find(key)
        if at < 0:
            break
        tail = first[at:].decode()
        sub = records if len(todo) == n else records.take(pa.array(todo))
        size = len(first) - at
        hit = _np_bool(pc.ends_with(sub, tail)) & (lengths[todo] - size >= len(_DETAILS_OPEN))
        placed = todo[hit]
        close[placed] = lengths[placed] - size
        tail_idx[placed] = len(tails)
        tails.append(tail)
        todo = todo[~hit]
    if len(todo):
        sub = records.take(pa.array(todo))
        at = np.asarray(pc.find_substring(sub, _DETAILS_CLOSE).to_numpy(zero_copy_only=False))
        found = at >= 0
        rest = todo[found]
        enc = pc.dictionary_encode(
            slice_each(sub.filter(pa.array(found)), at[found], lengths[rest]).cast(pa.string())
        )
        close[rest] = at[found]
        tail_idx[rest] = len(tails) + enc.indices.to_numpy(zero_copy_only=False)
        tails.extend(enc.dictionary.to_pylist())
    # never empty: a record without a tail points at one that fails the tail grammar
    return close, tail_idx, pa.array(tails or [""], pa.string())


def _parse_canonical(
    records: pa.Array, close: np.ndarray, tail_idx: np.ndarray, tails: pa.Array
) -> tuple[ParsedRecords, np.ndarray]:
    """Parse records of the canonical key order without a JSON parser per record.

    A record ``{"details":"<text>","dpd_enabled":...}`` (its ``event_timestamp`` already
    cut off) splits at the first ``","dpd_enabled":`` into the message text and a tail
    of flags and states. The split is exact only when the text holds no character a JSON
    string must escape (quote, backslash, control characters) - then the first quote
    after the opening one closes the string - and when the tail matches the grammar of
    the canonical tail exactly (:data:`_TAIL`: both flags as JSON booleans, both states as
    plain strings, nothing after them). Both are checked; every record that fails either
    check is left to the JSON parser (the second return value says which).

    Parameters
    ----------
    records : pyarrow.StringArray
        Records that start with ``{"details":"`` and contain ``","dpd_enabled":``.
    close : numpy.ndarray
        Byte position of the tail ``","dpd_enabled":...`` in each record.
    tail_idx : numpy.ndarray
        Per record, its tail (index into ``tails``).
    tails : pyarrow.StringArray
        The distinct tails (:func:`_split_tails`).

    Returns
    -------
    parsed : ParsedRecords
        Columns for every input record (meaningless where ``exact`` is False).
    exact : numpy.ndarray
        True where the split is exact; False where the JSON parser must decide.
    """
    n = len(records)
    details = slice_each(records, np.full(n, len(_DETAILS_OPEN)), close).cast(pa.string())
    if compiled():
        from ._kernels import plain_ranges

        data, offs = value_bytes(records)
        starts = offs[:-1]
        exact = plain_ranges(data, starts + len(_DETAILS_OPEN), starts + close)
    else:
        exact = ~_np_bool(pc.match_substring_regex(details, _SPECIAL))
    # Tails repeat (a few flag/state combinations): check and read each distinct one once.
    fields = pc.extract_regex(tails, _TAIL)
    tail_ok = _np_bool(pc.is_valid(fields))
    exact &= tail_ok[tail_idx]
    take = pa.array(tail_idx)
    out = _empty(n)
    for name in ("ike_phase1_state", "ike_phase2_state"):
        out.columns[name] = pc.struct_field(fields, name).take(take)
    for name in ("dpd_enabled", "nat_t_detected"):
        out.columns[name] = pc.equal(pc.struct_field(fields, name), "true").take(take)
    out.columns["details"] = details
    return out, exact


def _subset(parsed: ParsedRecords, keep: np.ndarray) -> ParsedRecords:
    """Keep the rows of ``parsed`` where ``keep`` is True (columns only: no issues yet)."""
    mask = pa.array(keep)
    cols = {name: arr.filter(mask) for name, arr in parsed.columns.items()}
    return ParsedRecords(parsed.kind[keep], cols)


def _decode(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _empty(n: int) -> ParsedRecords:
    cols: dict[str, pa.Array] = {c: pa.nulls(n, pa.string()) for c in _STRING_COLS}
    cols.update({c: pa.nulls(n, pa.bool_()) for c in _BOOL_COLS})
    cols.update({c: pa.nulls(n, pa.int64()) for c in _INT_COLS})
    cols["event_timestamp"] = pa.nulls(n, pa.float64())
    return ParsedRecords(np.zeros(n, dtype=np.int8), cols)


def _scatter(dst: ParsedRecords, src: ParsedRecords, idx: np.ndarray) -> None:
    """Write ``src`` (aligned with ``idx``, increasing) into ``dst`` at positions ``idx``.

    One pass per column (``replace_with_mask``): ``dst`` may be a whole file's records
    and ``src`` a few of them.
    """
    n = len(dst.kind)
    if src.ts_key is not None or dst.ts_key is not None:
        mine = dst.has_ts_key().copy()
        mine[idx] = src.has_ts_key()
        dst.ts_key = mine
    if len(idx) == n:
        dst.kind[:] = src.kind
        dst.columns = src.columns
    elif len(idx):
        mask = np.zeros(n, dtype=bool)
        mask[idx] = True
        covered = pa.array(mask)
        for name, arr in src.columns.items():
            old = dst.columns[name]
            if arr.null_count == len(arr) and old.null_count == len(old):
                continue  # null in both (most keys): nothing to write
            dst.columns[name] = pc.replace_with_mask(old, covered, arr.cast(old.type))
        dst.kind[idx] = src.kind
    dst.bad.extend((int(idx[i]), r, t) for i, r, t in src.bad)
    dst.unknown_keys.extend((int(idx[i]), k) for i, k in src.unknown_keys)
    dst.unrecognised.extend((int(idx[i]), v) for i, v in src.unrecognised)


def _parse_json_fast(records: list[bytes]) -> ParsedRecords | None:
    """Parse with pyarrow; ``None`` when only the per-record path can tell what is wrong."""
    if len(records) < _ARROW_MIN or any(b"\n" in r for r in records):
        # few records: Python is quicker than starting the reader; pretty-printed
        # records: pyarrow wants one per line
        return None
    buf = b"\n".join(records)
    try:
        table = pj.read_json(
            io.BytesIO(buf),
            read_options=pj.ReadOptions(block_size=max(1 << 20, min(len(buf) + 1, 1 << 26))),
            parse_options=pj.ParseOptions(
                explicit_schema=_SCHEMA, unexpected_field_behavior="infer"
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    if table.num_rows != len(records):
        return None
    extra = [c for c in table.column_names if c not in _SCHEMA.names]
    if any(c in KEY_ALIASES for c in extra):
        return None
    out = _empty(len(records))
    for name in _SCHEMA.names:
        if name == "message":
            continue
        out.columns[name] = table.column(name).combine_chunks()
    msg = table.column("message").combine_chunks()
    for key in BGP_MESSAGE_KEYS:
        target = "details_bgp" if key == "details" else key
        out.columns[target] = pc.struct_field(msg, key)
    is_bgp = pc.or_(pc.is_valid(table.column("resource_id")), pc.is_valid(msg))
    bgp = np.asarray(is_bgp.combine_chunks().to_numpy(zero_copy_only=False), dtype=bool)
    out.kind[bgp] = KIND_BGP
    if bgp.any():
        out.columns["details"] = pc.if_else(
            pa.array(bgp), out.columns.pop("details_bgp"), out.columns["details"]
        )
    else:
        out.columns.pop("details_bgp")
    for key in extra:
        col = table.column(key)
        for i in np.flatnonzero(np.asarray(col.is_valid().to_numpy(zero_copy_only=False))):
            out.unknown_keys.append((int(i), key))
    _check_required(out)
    # A null is either an absent key or a key written with null, and the two differ for
    # event_timestamp (only a present one beats a cut-off head, see ParsedRecords.ts_key)
    # and for unknown keys (counted when present). Let the per-record parser tell them
    # apart wherever the key's name (or any escape that could spell it) is in the text.
    maybe = np.zeros(len(records), dtype=bool)
    for key in ("event_timestamp", *extra):
        null = np.asarray(table.column(key).is_null(), dtype=bool)
        if null.any():
            name = json.dumps(key, ensure_ascii=False).encode()
            maybe |= null & np.array([name in r or b"\\" in r for r in records], dtype=bool)
    maybe = np.flatnonzero(maybe)
    if len(maybe):
        again = set(maybe.tolist())
        out.bad = [b for b in out.bad if b[0] not in again]
        out.unknown_keys = [u for u in out.unknown_keys if u[0] not in again]
        _scatter(out, _parse_json_python([records[i] for i in maybe]), maybe)
    return out


def _check_required(out: ParsedRecords) -> None:
    """Flag IKE records with neither a message nor states, and BGP records without type."""
    cols = out.columns
    ike = out.kind == KIND_IKE
    has_any = (
        np.asarray(cols["details"].is_valid().to_numpy(zero_copy_only=False))
        | np.asarray(cols["ike_phase1_state"].is_valid().to_numpy(zero_copy_only=False))
        | np.asarray(cols["ike_phase2_state"].is_valid().to_numpy(zero_copy_only=False))
    )
    for i in np.flatnonzero(ike & ~has_any):
        out.bad.append((int(i), "missing_fields", "record has no details and no phase states"))
    bgp = out.kind == KIND_BGP
    has_type = np.asarray(cols["type"].is_valid().to_numpy(zero_copy_only=False))
    for i in np.flatnonzero(bgp & ~has_type):
        out.bad.append((int(i), "missing_fields", "BGP record without 'type'"))


_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def _as_bool(v: Any) -> bool | None:
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return bool(v)
    text = str(v).strip().lower()
    return True if text in _TRUE else False if text in _FALSE else None


def _as_float(v: Any) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _as_int(v: Any) -> int | None:
    f = _as_float(v)
    return None if f is None else int(f)


def _parse_json_python(records: list[bytes]) -> ParsedRecords:
    """Parse record by record: tolerant of aliases and strings, exact about what is bad."""
    n = len(records)
    out = _empty(n)
    out.ts_key = np.zeros(n, dtype=bool)
    rows: dict[str, list[Any]] = {c: [None] * n for c in out.columns}
    for i, raw in enumerate(records):
        try:
            # strict=False: control characters inside strings, as pyarrow's reader takes them
            obj = json.loads(raw, strict=False)
        except (ValueError, UnicodeDecodeError) as exc:
            out.bad.append((i, "broken_json", f"broken JSON ({exc})"))
            continue
        except RecursionError:
            out.bad.append((i, "broken_json", "JSON nested too deeply to be a log record"))
            continue
        if not isinstance(obj, dict):
            out.bad.append((i, "not_a_record", f"expected a JSON object, got {type(obj).__name__}"))
            continue
        obj = {KEY_ALIASES.get(k, k): v for k, v in obj.items()}
        out.ts_key[i] = "event_timestamp" in obj
        for key in obj:
            if key not in _KNOWN:
                out.unknown_keys.append((i, key))
        msg = obj.get("message")
        if obj.get("resource_id") is not None or isinstance(msg, dict):
            out.kind[i] = KIND_BGP
            m = msg if isinstance(msg, dict) else {"details": msg}
            for key in BGP_MESSAGE_KEYS:
                rows[key if key != "details" else "details"][i] = m.get(key)
            if obj.get("type") is None:
                out.bad.append((i, "missing_fields", "BGP record without 'type'"))
        elif all(obj.get(k) is None for k in ("details", "ike_phase1_state", "ike_phase2_state")):
            out.bad.append((i, "missing_fields", "record has no details and no phase states"))
            continue
        ts = obj.get("event_timestamp")
        stamp = obj.get("timestamp")
        if isinstance(stamp, int | float) and not isinstance(stamp, bool) and ts is None:
            ts, stamp = stamp, None  # a numeric "creation timestamp" is an epoch
        rows["event_timestamp"][i] = _as_float(ts)
        rows["timestamp"][i] = None if stamp is None else str(stamp)
        for key in _STRING_COLS:
            if key in ("timestamp", "details") or key in BGP_MESSAGE_KEYS:
                continue
            v = obj.get(key)
            rows[key][i] = None if v is None else str(v)
        if out.kind[i] == KIND_IKE:
            d = obj.get("details")
            rows["details"][i] = None if d is None else str(d)
        for key in _BOOL_COLS:
            rows[key][i] = _as_bool(obj.get(key))
        for key in _INT_COLS:
            rows[key][i] = _as_int(rows[key][i])
        for key in ("prefix", "asPath", "nextHopIp", "details"):
            v = rows[key][i]
            rows[key][i] = None if v is None else str(v)
    for name, arr in out.columns.items():
        out.columns[name] = pa.array(rows[name], arr.type)
    return out


def _normalise_states(parsed: ParsedRecords) -> None:
    """Lower-case phase states; values outside :data:`schema.STATES` become null."""
    allowed = pa.array(list(s.STATES))
    for key in ("ike_phase1_state", "ike_phase2_state"):
        col = pc.utf8_lower(pc.utf8_trim_whitespace(parsed.columns[key]))
        ok = pc.is_in(col, value_set=allowed)
        bad = pc.and_(pc.is_valid(col), pc.invert(ok))
        bad_np = np.asarray(bad.to_numpy(zero_copy_only=False), dtype=bool)
        for i in np.flatnonzero(bad_np):
            parsed.unrecognised.append((int(i), f"{key}={col[int(i)].as_py()!r}"))
        parsed.columns[key] = pc.if_else(bad, pa.scalar(None, pa.string()), col)


def count_keys(pairs: list[tuple[int, str]], weights: np.ndarray) -> dict[str, int]:
    """Count (index, key) pairs weighted by how many rows each distinct record stands for.

    Parameters
    ----------
    pairs : list of (int, str)
        Distinct-record index and key (or value).
    weights : numpy.ndarray
        Rows per distinct record.

    Returns
    -------
    dict
        Key to number of rows.
    """
    counts: Counter[str] = Counter()
    for i, key in pairs:
        counts[key] += int(weights[i])
    return dict(counts)
