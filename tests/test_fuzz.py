"""Fuzzing the loaders: corrupted copies of every envelope fixture through ``read_logs``.

What must hold for any corruption (DESIGN.md section 7):

- under ``errors="raise"`` the only exception that escapes is a :class:`VpnLogError` that
  names the source and a position (line or byte offset);
- under ``errors="skip"`` nothing escapes, every good record comes out and every dropped
  one is counted: records in = records out + skipped + duplicates dropped.

**Records in** is defined per kind of corruption, and the test computes it without the
code under test's framing where it can:

- *Line files* (raw NDJSON, S3 export lines, Insights CSV rows, BGP lines), edited line by
  line (drop, duplicate, cut, flip a byte, garbage, a huge record, deep JSON, random keys,
  impossible times, missing fields, cp1252 bytes, blank lines, a cut at any offset, then
  any of the encodings Windows tools write): one record in per non-blank line after the
  header. Each such line is also read alone (at the same path, with the header); the
  corrupted file must give exactly the sum of those: the same rows, the same skipped
  counts. So a bad line costs one record and never a neighbour, and a good line (an
  untouched one, a huge one, one with unknown keys) always comes out.
- *Documents* (CLI output, Insights JSON, Lambda and Firehose payloads, pretty-printed
  records), edited event by event while the JSON stays valid (drop, duplicate, random
  keys, impossible times, message missing or not a string, an event that is no object,
  deep JSON, the record edits above): one record in per event, checked the same way.
- *Bytes* of the stored file (truncation at any offset, flipped, inserted or deleted bytes,
  also inside gzip): the framing itself is broken, so a count of records in cannot be
  known (a truncated gzip member hides how many records followed). What holds: nothing
  escapes but located errors, and a record of the original that does not come out is never
  lost silently: the result counts a skipped record or lists the file as empty.
- *Overlapping sources*: a corrupted copy read together with its original: the copy's
  good records are dropped as duplicates, so out + skipped + duplicates = both inputs.

Hypothesis runs derandomised with a bounded number of examples (a few seconds per test);
``VPNLOG_FUZZ=deep`` runs many more, randomised.
"""

from __future__ import annotations

import base64
import copy
import csv
import gzip
import io
import json
import os
import string
import tempfile
from collections import Counter
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
from envelope_corpus import FIXTURES, Fixture
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_io_encodings import ENCODINGS

from vpnlog_analytics import VpnLogError, read_logs

settings.register_profile(
    "fuzz",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "fuzz-deep",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUZZ = settings.get_profile("fuzz-deep" if os.environ.get("VPNLOG_FUZZ") == "deep" else "fuzz")

Row = tuple[str, str, int, str, str, str]

LINE_FIXTURES = [k for k, f in FIXTURES.items() if f.layout == "lines"]
DOC_FIXTURES = [k for k, f in FIXTURES.items() if f.layout == "document"]

#: How the record sits in a line of each line fixture.
LINE_SHAPE = {
    "raw_json": "json",
    "raw_gzip": "json",
    "doc_names": "json",
    "bgp_lines": "json",
    "s3_export_a": "prefixed_json",
    "s3_export_b": "prefixed_json",
    "s3_export_text": "prefixed_text",
    "insights_csv": "csv_message",
    "insights_discovered_csv": "csv_fields",
}
_TIME_KEYS = ("event_timestamp", "timestamp", "VpnLogCreationTimestamp")
#: Values no record time can have: before 2000, after 2100, or no number at all.
BAD_TIMES = [0, -1, 5, 946684799, 4102444801, 4102444801000, 10**16, 9 * 10**18, 1e300]
BAD_TIMES += ["not a time", "", None, True, [], {}, "9999-12-31T23:59:59Z"]


# --- reading and comparing -------------------------------------------------------------------
def rows(df: pd.DataFrame) -> Counter[Row]:
    """The records of an events table as a multiset of comparable tuples."""

    def text(col: str) -> list[str]:
        return [str(v) for v in df[col].astype(object)]  # NA as "nan": equal to itself

    return Counter(
        zip(
            text("vpn_connection_id"),
            text("tunnel_ip"),
            df["time"].array.asi8.tolist(),
            text("details"),
            text("phase1_state"),
            text("phase2_state"),
            strict=True,
        )
    )


def outcome(path: Path | list[Path]) -> tuple[Counter[Row], Counter[str], int, pd.DataFrame]:
    """Read under ``errors="skip"``: rows, skipped counts, duplicates dropped, the table."""
    src = [str(p) for p in path] if isinstance(path, list) else str(path)
    df = read_logs(src, errors="skip")
    return rows(df), Counter(df.attrs["skipped"]), int(df.attrs["duplicates_dropped"]), df


def assert_located(path: Path) -> None:
    """Under ``errors="raise"``: success, or a VpnLogError naming the source and a position."""
    try:
        read_logs(str(path))
    except VpnLogError as exc:
        assert getattr(exc, "source", None) == str(path), repr(exc)
        assert exc.line is not None or exc.offset is not None, repr(exc)  # type: ignore[attr-defined]
        assert str(path) in str(exc)


def assert_sum_of_units(
    whole: Path, alone: list[tuple[Counter[Row], Counter[str]]], *, survivors: int
) -> int:
    """The corrupted file reads to the sum of its units read one by one; return records in."""
    got, skipped, dups, _ = outcome(whole)
    want: Counter[Row] = sum((r for r, _ in alone), Counter())
    want_skipped: Counter[str] = sum((s for _, s in alone), Counter())
    if not got and not dups and not want and 1 <= skipped.total() <= len(alone):
        # No line shows a log format: the file is one unrecognised source (or broken
        # documents swallowing the lines after them). Fine only because no line of it
        # holds a good record, and the loss is counted.
        assert_located(whole)
        return skipped.total()
    # records in = out + skipped + duplicates
    assert got.total() + skipped.total() + dups == len(alone)
    # the reason may differ: a unit alone can decide the format of its file
    assert skipped.total() == want_skipped.total()
    assert not (got - want), "a record came out that no unit holds"
    assert (want - got).total() == dups
    assert got.total() >= survivors - dups
    assert_located(whole)
    return len(alone)


def _write(root: Path, fx: Fixture, content: bytes) -> Path:
    return fx.write(root, fx.pack(content))


def _alone(fx: Fixture, content: bytes) -> tuple[Counter[Row], Counter[str]]:
    """Read one unit on its own, at the fixture's path; it is exactly one record in."""
    with tempfile.TemporaryDirectory() as tmp:
        got, skipped, dups, _ = outcome(_write(Path(tmp), fx, content))
    assert got.total() + skipped.total() == 1, (content[:200], got, skipped)
    assert dups == 0
    return got, skipped


# --- record edits (shared by lines and documents) --------------------------------------------
def _details_slot(rec: dict[str, Any]) -> tuple[dict[str, Any], str] | None:
    for key in ("details", "VpnLogDetail"):
        if isinstance(rec.get(key), str):
            return rec, key
    msg = rec.get("message")
    if isinstance(msg, dict) and isinstance(msg.get("details"), str):
        return msg, "details"
    return None


#: A record edit: (name, whether the record must still come out, the edit). The edit
#: changes the record in place; False means it does not apply to this record.
RecordEdit = tuple[str, bool, Callable[[dict[str, Any]], bool]]


def _huge(n: int) -> Callable[[dict[str, Any]], bool]:
    def edit(rec: dict[str, Any]) -> bool:
        slot = _details_slot(rec)
        if slot is None:
            return False
        slot[0][slot[1]] += " " + "x" * n
        return True

    return edit


def _keys(extra: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
    def edit(rec: dict[str, Any]) -> bool:
        rec.update(extra)
        return True

    return edit


def _deep(depth: int) -> Callable[[dict[str, Any]], bool]:
    def edit(rec: dict[str, Any]) -> bool:
        rec["zz_deep"] = _Raw("[" * depth + "]" * depth)
        return True

    return edit


def _bad_time(value: Any) -> Callable[[dict[str, Any]], bool]:
    def edit(rec: dict[str, Any]) -> bool:
        keys = [k for k in _TIME_KEYS if k in rec]
        for k in keys:
            rec[k] = value
        return bool(keys)

    return edit


def _drop_fields(rec: dict[str, Any]) -> bool:
    for k in ("details", "VpnLogDetail", "ike_phase1_state", "ike_phase2_state", "message"):
        rec.pop(k, None)
    for k in ("TunnelIKEPhase1State", "TunnelIKEPhase2State", "type"):
        rec.pop(k, None)
    return True


class _Raw(str):
    """JSON text spliced in verbatim (deep nesting json.dumps would refuse)."""


def dumps(obj: Any, **kw: Any) -> str:
    """json.dumps that splices :class:`_Raw` values in as they are."""
    marks: dict[str, str] = {}

    def swap(o: Any) -> Any:
        if isinstance(o, _Raw):
            key = f"\x00raw{len(marks)}\x00"
            marks[json.dumps(key)] = str(o)
            return key
        if isinstance(o, dict):
            return {k: swap(v) for k, v in o.items()}
        if isinstance(o, list):
            return [swap(v) for v in o]
        return o

    text = json.dumps(swap(obj), **kw)
    for k, v in marks.items():
        text = text.replace(k, v)
    return text


keys_text = st.text(string.ascii_letters + string.digits + "_-. @$", min_size=1, max_size=12)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63),
    st.floats(allow_nan=False),
    st.text(max_size=30),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys_text, inner, max_size=3),
    max_leaves=6,
)
extra_keys = st.dictionaries(
    keys_text.map(lambda k: "zz_" + k), json_values, min_size=1, max_size=5
)
record_edits: st.SearchStrategy[RecordEdit] = st.one_of(
    st.integers(1, 2_000_000).map(lambda n: ("huge", True, _huge(n))),
    extra_keys.map(lambda d: ("random_keys", True, _keys(d))),
    st.integers(2, 100_000).map(lambda d: ("deep", False, _deep(d))),
    st.sampled_from(BAD_TIMES).map(lambda v: ("bad_time", False, _bad_time(v))),
    st.just(("drop_fields", False, _drop_fields)),
)


# --- line files ------------------------------------------------------------------------------
def _csv_row(line: bytes) -> list[str]:
    return next(csv.reader([line.decode()]))


def _csv_line(values: list[str]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(values)
    return buf.getvalue().encode()


def edit_line(name: str, line: bytes, header: list[str], edit: RecordEdit) -> bytes | None:
    """Apply a record edit to the record of one line; None where it does not apply."""
    shape = LINE_SHAPE[name]
    _, _, fn = edit
    if b"[[[[[[[[" in line:
        return None  # made deep by an earlier edit: json.loads would recurse too deep
    try:
        if shape == "json":
            rec = json.loads(line)
            return dumps(rec).encode() if isinstance(rec, dict) and fn(rec) else None
        if shape == "prefixed_json":
            stamp, _, body = line.partition(b" ")
            rec = json.loads(body)
            return stamp + b" " + dumps(rec).encode() if fn(rec) else None
        if shape == "prefixed_text":
            stamp, _, body = line.partition(b" ")
            rec = {"details": body.decode()}
            if not fn(rec) or not isinstance(rec.get("details"), str) or len(rec) > 1:
                return None
            return stamp + b" " + rec["details"].encode()
        values = _csv_row(line)
        row = dict(zip(header, values, strict=True))
        if shape == "csv_message":
            rec = json.loads(row["@message"])
            if not fn(rec):
                return None
            row["@message"] = dumps(rec)
        else:
            rec = dict(row)
            strings = all(isinstance(v, str) for v in rec.values())
            if not fn(rec) or set(rec) != set(row) or not strings:
                return None
            row = rec
        return _csv_line([row[h] for h in header])
    except (ValueError, StopIteration):
        return None


@cache
def _line_unit(name: str, line: bytes) -> tuple[Counter[Row], Counter[str]]:
    """One line read after a good line of the fixture, that line's part only.

    The good line first keeps the format of the file what it is: a file of one broken line
    alone shows no format at all (the rule for that case is in assert_sum_of_units).
    """
    fx = FIXTURES[name]
    lines = fx.content().split(b"\n")
    head, anchor = lines[: fx.header_lines], lines[fx.header_lines]
    with tempfile.TemporaryDirectory() as tmp:
        base, _, _, _ = outcome(_write(Path(tmp) / "a", fx, b"\n".join([*head, anchor]) + b"\n"))
        both = b"\n".join([*head, anchor, line]) + b"\n"
        got, skipped, dups, _ = outcome(_write(Path(tmp) / "b", fx, both))
    assert base.total() == 1 and not (base - got) and dups == 0
    got -= base
    assert got.total() + skipped.total() == 1, (line[:200], got, skipped)
    return got, skipped


@st.composite
def corrupted_lines(draw: st.DrawFn) -> tuple[str, list[bytes], list[bool], bytes | None, str]:
    """A line fixture with edits: (name, lines, must-survive flags, cut, encoding)."""
    name = draw(st.sampled_from(LINE_FIXTURES))
    fx = FIXTURES[name]
    all_lines = fx.content().split(b"\n")
    head = all_lines[: fx.header_lines]
    header = _csv_row(head[0]) if head else []
    lines = [ln for ln in all_lines[fx.header_lines :] if ln.strip()]
    survive = [True] * len(lines)
    forbidden = b'\n\r"' if head else b"\n"
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(
            st.sampled_from(["drop", "dup", "cut", "flip", "garbage", "record", "cp1252", "blank"])
        )
        if op == "drop":
            del lines[i], survive[i]
        elif op == "dup":
            lines.insert(i, lines[i])
            survive.insert(i, survive[i])
        elif op == "cut" and len(lines[i]) > 1:
            lines[i] = lines[i][: draw(st.integers(1, len(lines[i]) - 1))]
            survive[i] = False
        elif op == "flip" and lines[i]:
            pos = draw(st.integers(0, len(lines[i]) - 1))
            byte = draw(st.integers(0, 255).filter(lambda b: bytes([b]) not in forbidden))
            lines[i] = lines[i][:pos] + bytes([byte]) + lines[i][pos + 1 :]
            survive[i] = False  # a flipped byte may or may not leave a good record
        elif op == "garbage":
            junk = draw(st.binary(min_size=1, max_size=300))
            junk = bytes(b for b in junk if bytes([b]) not in forbidden) or b"?"
            lines[i], survive[i] = junk, False
        elif op == "record":
            edit = draw(record_edits)
            new = edit_line(name, lines[i], header, edit)
            if new is not None:
                lines[i] = new
                survive[i] = survive[i] and edit[1]
        elif op == "cp1252":
            text = lines[i].decode("utf-8", "replace").replace("AWS", "AWS\u00e9", 1)
            lines[i] = text.encode("cp1252", "replace")
            survive[i] = survive[i] and b"\xe9" not in lines[i]
        elif op == "blank":
            lines.insert(i, draw(st.sampled_from([b"", b" ", b"\t", b"\r"])))
            survive.insert(i, True)
    cut = None
    if draw(st.booleans()) and lines:
        body = b"\n".join(lines)
        k = draw(st.integers(1, len(body)))
        cut = body[:k]
    encoding = draw(st.sampled_from(["none", *ENCODINGS]))
    return name, lines, survive, cut, encoding


@FUZZ
@given(corrupted_lines(), st.booleans())
def test_line_files_read_to_the_sum_of_their_lines(case, with_original) -> None:
    name, lines, survive, cut, encoding = case
    fx = FIXTURES[name]
    head = fx.content().split(b"\n")[: fx.header_lines]
    if cut is not None:
        kept = cut.split(b"\n")
        # lines wholly before the cut keep their fate; the one the cut goes through may not
        survive = survive[: len(kept)]
        if kept and kept[-1] != lines[len(kept) - 1]:
            survive[-1] = False
        lines = kept
    units = [(ln, ok) for ln, ok in zip(lines, survive, strict=False) if ln.strip()]
    content = b"\n".join([*head, *lines]) + (b"\n" if cut is None else b"")
    if encoding == "utf-16-le-no-bom" and len(content) < 4:
        encoding = "none"  # UTF-16 without a BOM is recognised from 4 characters on
    if content[:1] == b"\x00":
        encoding = "none"  # UTF-16 LE's BOM and a NUL are UTF-32 LE's BOM: ambiguous
    if encoding != "none":
        try:
            content = ENCODINGS[encoding](content.decode("utf-8"))
        except UnicodeDecodeError:
            pass  # bytes that are no UTF-8 stay as they are
    alone = [_line_unit(name, ln) for ln, _ in units]
    for (ln, ok), (got, _) in zip(units, alone, strict=True):
        if ok:
            assert got.total() == 1, f"a good line was lost: {ln[:200]!r}"
    with tempfile.TemporaryDirectory() as tmp:
        whole = _write(Path(tmp) / "copy", fx, content)
        records_in = assert_sum_of_units(whole, alone, survivors=sum(ok for _, ok in units))
        if with_original:
            got, skipped, dups, _ = outcome([fx.path, whole])
            base, _, _, _ = outcome(fx.path)
            assert got.total() + skipped.total() + dups == base.total() + records_in
            assert not (base - got), "an original record was lost"


# --- documents -------------------------------------------------------------------------------
def _json_values(text: str) -> list[Any]:
    dec, pos, out = json.JSONDecoder(), 0, []
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos >= len(text):
            return out
        value, pos = dec.raw_decode(text, pos)
        out.append(value)


class Doc:
    """A document fixture as a list of events, and the way back to bytes."""

    def __init__(self, name: str) -> None:
        self.name = name
        text = FIXTURES[name].content().decode()
        if name in ("filter_log_events", "get_log_events"):
            self.top = json.loads(text)
            self.items = [{"ev": e} for e in self.top["events"]]
        elif name in ("insights_json", "insights_discovered_json"):
            self.items = [{"ev": e} for e in json.loads(text)]
        elif name in ("lambda_event", "firehose"):
            payloads = []
            if name == "lambda_event":
                self.top = json.loads(text)
                data = base64.b64decode(self.top["awslogs"]["data"])
                payloads = [json.loads(gzip.decompress(data))]
            else:
                payloads = _json_values(text)
            # control messages hold no records: kept in the document, no unit of their own
            self.control = [p for p in payloads if p.get("messageType") == "CONTROL_MESSAGE"]
            payloads = [p for p in payloads if p not in self.control]
            self.items = [
                {"meta": {k: v for k, v in p.items() if k != "logEvents"}, "ev": e}
                for p in payloads
                for e in p["logEvents"]
            ]
        else:  # records themselves, pretty-printed one after the other
            self.items = [{"ev": v} for v in _json_values(text)]

    def build(self, items: list[dict[str, Any]]) -> bytes:
        name = self.name
        evs = [it["ev"] for it in items]
        if name in ("filter_log_events", "get_log_events"):
            return dumps({**self.top, "events": evs}, indent=4).encode()
        if name in ("insights_json", "insights_discovered_json"):
            return dumps(evs, indent=2).encode()
        if name in ("lambda_event", "firehose"):
            groups: list[tuple[dict[str, Any], list[Any]]] = []
            for it in items:
                if groups and groups[-1][0] == it["meta"]:
                    groups[-1][1].append(it["ev"])
                else:
                    groups.append((it["meta"], [it["ev"]]))
            if not groups:
                groups = [({**self.items[0]["meta"]}, [])]
            payloads = [json.dumps(p) for p in self.control]
            payloads += [dumps({**m, "logEvents": e}) for m, e in groups]
            if name == "firehose":
                return "".join(payloads).encode()
            data = base64.b64encode(gzip.compress("".join(payloads).encode(), mtime=0)).decode()
            return dumps({**self.top, "awslogs": {"data": data}}, indent=2).encode()
        return "\n".join(dumps(e, indent=4) for e in evs).encode() + b"\n"


_RECORD_DOCS = ("pretty_records", "bgp_examples")
#: Documents whose events are top-level JSON values (elements of a top-level array).
_TOP_LEVEL = ("insights_json", "insights_discovered_json", *_RECORD_DOCS)


def edit_event(name: str, ev: Any, edit: RecordEdit) -> Any | None:
    """Apply a record edit to the record an event carries; None where it does not apply."""
    _, _, fn = edit
    if not isinstance(ev, dict):
        return None
    ev = copy.deepcopy(ev)  # the edits change nested values in place
    key = "@message" if name == "insights_json" else "message"
    if name in ("insights_discovered_json",):
        rec = dict(ev)
        if not fn(rec) or not all(isinstance(v, str) for v in rec.values()) or set(rec) != set(ev):
            return None
        return rec
    if name in _RECORD_DOCS:
        return ev if fn(ev) else None
    try:
        rec = json.loads(ev[key])
    except (KeyError, TypeError, ValueError, RecursionError):
        return None
    if not isinstance(rec, dict) or not fn(rec):
        return None
    try:
        ev[key] = dumps(rec, separators=(",", ":"))
    except RecursionError:  # a record made deep by an earlier edit
        return None
    return ev


@cache
def _doc(name: str) -> Doc:
    return Doc(name)


def _doc_unit(name: str, item: dict[str, Any]) -> tuple[Counter[Row], Counter[str]]:
    return _alone(FIXTURES[name], _doc(name).build([item]))


@cache
def _original_unit(name: str, i: int) -> tuple[Counter[Row], Counter[str]]:
    return _doc_unit(name, _doc(name).items[i])


@st.composite
def corrupted_docs(
    draw: st.DrawFn,
) -> tuple[str, list[dict[str, Any]], list[int | None], list[bool], str]:
    """A document fixture with event edits: (name, items, original index, survive, encoding)."""
    name = draw(st.sampled_from(DOC_FIXTURES))
    doc = _doc(name)
    items = [dict(it) for it in doc.items]
    origin: list[int | None] = list(range(len(items)))
    survive = [True] * len(items)
    events_key = "@message" if name == "insights_json" else "message"
    for _ in range(draw(st.integers(1, 4))):
        if not items:
            break
        i = draw(st.integers(0, len(items) - 1))
        op = draw(
            st.sampled_from(
                ["drop", "dup", "event_keys", "event_time", "message", "not_object"]
                + ["record", "deep"]
            )
        )
        ev = items[i]["ev"]
        new: Any = None
        ok = survive[i]
        if op == "drop":
            del items[i], origin[i], survive[i]
            continue
        if op == "dup":
            items.insert(i, dict(items[i]))
            origin.insert(i, origin[i])
            survive.insert(i, survive[i])
            continue
        if op == "event_keys" and isinstance(ev, dict) and name not in _RECORD_DOCS:
            new = {**ev, **draw(extra_keys)}
        elif op == "event_time" and isinstance(ev, dict) and "timestamp" in ev:
            new, ok = {**ev, "timestamp": draw(st.sampled_from(BAD_TIMES))}, False
        elif op == "message" and isinstance(ev, dict) and events_key in ev:
            value = draw(st.sampled_from([None, 42, {}, [], True, "", "not json"]) | st.just(...))
            new = {k: v for k, v in ev.items() if k != events_key}
            if value is not ...:
                new[events_key] = value
            ok = False
        elif op == "not_object" and (name not in _TOP_LEVEL or i > 0):
            # Values back to back at the top: an array there is a container of values, not
            # one; and a file that opens with a scalar is no JSON document at all.
            values = [42, "text", None, True] + ([] if name in _TOP_LEVEL else [[], [1, 2]])
            new, ok = draw(st.sampled_from(values)), False
        elif op == "deep" and isinstance(ev, dict):
            # Inside an envelope object (CLI output, a subscription payload) the events are
            # not values of their own: nesting past what Python's JSON parser takes (~1000
            # levels) there breaks the envelope as one value. Top-level values (Insights
            # JSON rows, pretty-printed records) are units of their own at any depth.
            top_level = name in _TOP_LEVEL
            depth = draw(st.integers(2, 100_000 if top_level else 400))
            new, ok = {**ev, "zz_deep": _Raw("[" * depth + "]" * depth)}, False
        elif op == "record":
            edit = draw(record_edits)
            new = edit_event(name, ev, edit)
            ok = ok and edit[1]
        if new is not None:
            items[i] = {**items[i], "ev": new}
            origin[i], survive[i] = None, ok
    if name in _TOP_LEVEL:
        # a file that opens with a scalar is no JSON document: put an object first
        first = next((i for i, it in enumerate(items) if isinstance(it["ev"], dict)), 0)
        if items:
            items.insert(0, items.pop(first))
            origin.insert(0, origin.pop(first))
            survive.insert(0, survive.pop(first))
    encoding = draw(st.sampled_from(["none", *ENCODINGS]))
    return name, items, origin, survive, encoding


@FUZZ
@given(corrupted_docs())
def test_documents_read_to_the_sum_of_their_events(case) -> None:
    name, items, origin, survive, encoding = case
    fx = FIXTURES[name]
    content = _doc(name).build(items)
    if encoding == "utf-16-le-no-bom" and len(content) < 4:
        encoding = "none"  # UTF-16 without a BOM is recognised from 4 characters on
    if encoding != "none":
        content = ENCODINGS[encoding](content.decode("utf-8"))
    alone = [
        _original_unit(name, o) if o is not None else _doc_unit(name, it)
        for it, o in zip(items, origin, strict=True)
    ]
    for it, ok, (got, _) in zip(items, survive, alone, strict=True):
        if ok:
            assert got.total() == 1, f"a good event was lost: {str(it)[:300]}"
    with tempfile.TemporaryDirectory() as tmp:
        whole = _write(Path(tmp), fx, content)
        assert_sum_of_units(whole, alone, survivors=sum(survive))


# --- bytes -----------------------------------------------------------------------------------
#: Byte edits that may remove whole records without a trace (a cut at a line end).
REMOVING = ("truncate", "delete")


@st.composite
def corrupted_bytes(draw: st.DrawFn) -> tuple[str, bytes, tuple[str, ...]]:
    """Any fixture's stored bytes, truncated, flipped, with bytes inserted or deleted."""
    name = draw(st.sampled_from(list(FIXTURES)))
    data = bytearray(FIXTURES[name].path.read_bytes())
    ops: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["truncate", "flip", "insert", "delete"]))
        ops.append(op)
        if not data:
            break
        pos = draw(st.integers(0, len(data) - 1))
        if op == "truncate":
            del data[pos:]
        elif op == "flip":
            data[pos] = draw(st.integers(0, 255))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=64))
        else:
            del data[pos : pos + draw(st.integers(1, 64))]
    return name, bytes(data), tuple(ops)


@FUZZ
@given(corrupted_bytes())
def test_broken_bytes_never_lose_records_silently(case) -> None:
    name, data, ops = case
    fx = FIXTURES[name]
    base, _, _, _ = outcome(fx.path)
    with tempfile.TemporaryDirectory() as tmp:
        path = fx.write(Path(tmp), data)
        assert_located(path)
        got, skipped, _, df = outcome(path)
        # A flipped byte may change what a record says, even its stream or time: count
        # records, not which ones. Plain text cut (or cut out) at line ends is a shorter
        # file that no reader can tell from a complete one: those records are not in it.
        # gzip knows its own end, so there every loss must show.
        undetectable = not fx.gzipped and any(op in REMOVING for op in ops)
        if got.total() < base.total() and not undetectable:
            assert skipped.total() > 0 or df.attrs["empty_files"] == [str(path)], (
                f"{base.total() - got.total()} record(s) lost without a word"
            )


# --- what the fuzzing found, kept as plain examples -------------------------------------------
def _raw_with(tmp: Path, i: int, line: bytes) -> Path:
    fx = FIXTURES["raw_json"]
    lines = fx.content().split(b"\n")
    lines[i] = line
    return fx.write(tmp, b"\n".join(lines))


def test_found_invalid_utf8_in_the_time_costs_one_record(tmp_path: Path) -> None:
    path = _raw_with(tmp_path, 1, b'{"event_timestamp":\x00\x00\x801724129804,"details":"x"}')
    df = read_logs(str(path), errors="skip")
    assert len(df) == 11 and df.attrs["skipped"] and sum(df.attrs["skipped"].values()) == 1


def test_found_deep_json_costs_one_record(tmp_path: Path) -> None:
    path = _raw_with(tmp_path, 3, b'{"details":"x","zz":' + b"[" * 50_000 + b"]" * 50_000 + b"}")
    df = read_logs(str(path), errors="skip")
    assert len(df) == 11 and df.attrs["skipped"] == {"broken_json": 1}
    assert_located(path)


def test_found_a_broken_first_line_does_not_decide_the_format(tmp_path: Path) -> None:
    for first in (b"\x00garbage", b"{", b'{"event_timestamp":17241'):
        path = _raw_with(tmp_path, 0, first)
        df = read_logs(str(path), errors="skip")
        assert len(df) == 11 and sum(df.attrs["skipped"].values()) == 1, first


def test_found_times_of_a_batch_with_one_bad_time_stay_nanoseconds(tmp_path: Path) -> None:
    fx = FIXTURES["s3_export_text"]
    lines = fx.content().split(b"\n")
    lines[0] = b"\x00" + lines[0][1:]  # one time that does not parse: pandas parses the rest
    df = read_logs(str(fx.write(tmp_path, b"\n".join(lines))), errors="skip")
    assert df.attrs["skipped"] == {"bad_time": 1}
    assert df.time.dt.strftime("%H:%M:%S").tolist() == ["05:00:31", "05:00:31", "05:01:02"]


def test_found_a_stray_csv_quote_costs_its_row_only(tmp_path: Path) -> None:
    fx = FIXTURES["insights_csv"]
    lines = fx.content().split(b"\n")
    lines[1] = lines[1][:24] + b'"'  # the @message field opens and never closes
    df = read_logs(str(fx.write(tmp_path, b"\n".join(lines))), errors="skip")
    assert len(df) == 17 and df.attrs["skipped"] == {"bad_csv_row": 1}


def test_found_invalid_utf8_in_an_export_time_costs_that_line(tmp_path: Path) -> None:
    fx = FIXTURES["s3_export_a"]
    lines = fx.content().split(b"\n")
    lines[2] = b"\x80" + lines[2][1:]
    df = read_logs(str(fx.write(tmp_path, b"\n".join(lines))), errors="skip")
    assert len(df) == 11 and sum(df.attrs["skipped"].values()) == 1


def test_found_a_year_9999_text_time_is_impossible_not_a_crash(tmp_path: Path) -> None:
    rec = json.loads(FIXTURES["bgp_lines"].content().split(b"\n")[0])
    rec["event_timestamp"] = rec["timestamp"] = "9999-12-31T23:59:59Z"
    path = _raw_with(tmp_path, 0, json.dumps(rec).encode())
    df = read_logs(str(path), errors="skip")
    assert len(df) == 11 and df.attrs["skipped"] == {"impossible_time": 1}


def test_found_a_control_character_in_a_string_is_kept_alone_or_not(tmp_path: Path) -> None:
    line = FIXTURES["raw_json"].content().split(b"\n")[0].replace(b'"sending', b'"\x00ending')
    alone = FIXTURES["raw_json"].write(tmp_path / "alone", line + b"\n")
    assert len(read_logs(str(alone))) == 1
    assert len(read_logs(str(_raw_with(tmp_path / "all", 0, line)))) == 12


def test_found_a_huge_record_after_a_broken_first_line_decides_the_format(tmp_path: Path) -> None:
    lines = FIXTURES["raw_json"].content().split(b"\n")
    lines[1] = lines[1].replace(b'"sending', b'"' + b"x" * 100_000 + b" sending")
    path = _raw_with(tmp_path, 0, b"\x00")
    path.write_bytes(b"\n".join([b"\x00", *lines[1:]]))
    df = read_logs(str(path), errors="skip")
    assert len(df) == 11 and df.attrs["skipped"] == {"missing_time": 1}
