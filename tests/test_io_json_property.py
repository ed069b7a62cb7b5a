"""Property tests: the loader's shortcuts over JSON text equal a real JSON parser.

Whatever key order, whitespace, escapes, unicode or extra keys a valid tunnel record has,
the events table must be what ``json.loads`` of each record gives. Two oracles:

- the same loader with every shortcut switched off (head cut, canonical split, pyarrow's
  reader), so that every record goes through ``json.loads`` one by one: whole tables
  must be equal, for every envelope;
- ``json.loads`` itself, for the fields a record states directly (details, states,
  flags, time).
"""

from __future__ import annotations

import base64
import csv
import gzip
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vpnlog_analytics import read_logs
from vpnlog_analytics.io import batch, records

STREAM = "vpn-0d17975e9b801ddcd-18.143.226.251-IKE.log"
GROUP = "/aws/vendedlogs/vpn"
BASE = 1_724_130_813
STATES = ("established", "rekeying", "negotiating", "down")
KNOWN = {
    "event_timestamp",
    "timestamp",
    "details",
    "dpd_enabled",
    "nat_t_detected",
    "ike_phase1_state",
    "ike_phase2_state",
    "resource_id",
    "type",
    "status",
    "message",
    "vpn_connection_id",
    "tunnel_outside_ip",
    *records.KEY_ALIASES,
}

# --- records --------------------------------------------------------------------------------
_messages = st.one_of(
    st.text(max_size=60),  # any unicode, quotes, backslashes, control characters
    st.sampled_from(
        [
            "AWS tunnel DPD timed out after 3 retransmits",
            'No Proposal Match Found. Notifying with "No proposal chosen"',
            "sending packet: from 18.143.226.251 [UDP 500] to cgw-0ce820f9dd04721d8 "
            "[UDP 500] (604 bytes)",
            'x","dpd_enabled":true,"nat_t_detected":false,"ike_phase1_state":"down',
            'a\\","dpd_enabled":',
            "C:\\path\\to",
            "caf\u00e9 \U0001f600 \u2028",
        ]
    ),
)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**12), 10**12) | st.text(max_size=10),
    lambda kids: (
        st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=5), kids, max_size=3)
    ),
    max_leaves=5,
)
_state = st.one_of(st.sampled_from(STATES), st.sampled_from(["Established", " down ", "up"]))


@st.composite
def record(draw: st.DrawFn, i: int) -> tuple[str, dict]:
    """One valid JSON record, as text, and the dict it stands for."""
    obj: dict = {}
    if draw(st.integers(0, 9)):
        ms = draw(st.booleans())
        obj["event_timestamp"] = (BASE + 10 * i) * (1000 if ms else 1)
    obj["details"] = draw(_messages)
    for key in ("dpd_enabled", "nat_t_detected"):
        if draw(st.integers(0, 9)):
            obj[key] = draw(st.booleans())
    for key in ("ike_phase1_state", "ike_phase2_state"):
        if draw(st.integers(0, 9)):
            obj[key] = draw(_state)
    extra = draw(
        st.dictionaries(
            st.text(min_size=1, max_size=8).filter(lambda k: k not in KNOWN),
            _json_values,
            max_size=2,
        )
    )
    obj.update(extra)
    keys = draw(st.permutations(list(obj)))
    ws = st.sampled_from(["", "", " ", "\t", "  ", "\r"])
    ascii_only = draw(st.booleans())

    def value(v: object) -> str:
        text = json.dumps(v, ensure_ascii=ascii_only)
        if isinstance(v, str) and draw(st.booleans()):
            text = text.replace("/", "\\/")  # a valid escape json.dumps never writes
        return text

    members = [
        f"{draw(ws)}{json.dumps(k)}{draw(ws)}:{draw(ws)}{value(obj[k])}{draw(ws)}" for k in keys
    ]
    text = "{" + ",".join(members) + "}"
    if draw(st.booleans()):
        pad = st.sampled_from(["", " ", "\t"])  # (a line ending is the envelope's business)
        text = draw(pad) + text + draw(pad)
    assert json.loads(text) == obj
    return text, obj


@st.composite
def batches(draw: st.DrawFn) -> list[tuple[str, dict]]:
    n = draw(st.integers(1, 12))
    out = [draw(record(i)) for i in range(n)]
    # the canonical form too, often: it is what AWS writes and what the shortcut is for
    canonical = draw(st.lists(st.integers(0, n - 1), max_size=n, unique=True))
    for k in canonical:
        obj = out[k][1]
        if set(obj) == {
            "event_timestamp",
            "details",
            "dpd_enabled",
            "nat_t_detected",
            "ike_phase1_state",
            "ike_phase2_state",
        }:
            out[k] = (json.dumps(obj, separators=(",", ":")), obj)
    return out


# --- envelopes ------------------------------------------------------------------------------
def _iso(i: int) -> str:
    return pd.Timestamp(BASE + 10 * i, unit="s", tz="UTC").strftime("%Y-%m-%dT%H:%M:%S.000Z")


def write(envelope: str, lines: list[str], root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    ms = [(BASE + 10 * i) * 1000 for i in range(len(lines))]
    if envelope == "raw":
        path = root / f"{STREAM}.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif envelope == "raw_gz":
        path = root / f"{STREAM}.jsonl.gz"
        path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    elif envelope == "s3_export":
        folder = root / "export" / "task" / STREAM
        folder.mkdir(parents=True)
        body = "".join(f"{_iso(i)} {line}\n" for i, line in enumerate(lines))
        (folder / "000000.gz").write_bytes(gzip.compress(body.encode()))
        path = root / "export"
    elif envelope == "filter_log_events":
        events = [
            {"logStreamName": STREAM, "timestamp": t, "message": m, "eventId": str(i)}
            for i, (t, m) in enumerate(zip(ms, lines, strict=True))
        ]
        path = root / "events.json"
        path.write_text(json.dumps({"events": events}), encoding="utf-8")
    elif envelope == "lambda_event":
        payload = {
            "messageType": "DATA_MESSAGE",
            "owner": "123456789012",
            "logGroup": GROUP,
            "logStream": STREAM,
            "subscriptionFilters": ["f"],
            "logEvents": [
                {"id": str(i), "timestamp": t, "message": m}
                for i, (t, m) in enumerate(zip(ms, lines, strict=True))
            ],
        }
        data = base64.b64encode(gzip.compress(json.dumps(payload).encode())).decode()
        path = root / "lambda.json"
        path.write_text(json.dumps({"awslogs": {"data": data}}), encoding="utf-8")
    elif envelope == "insights_csv":
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["@timestamp", "@message", "@logStream", "@log"])
        for i, m in enumerate(lines):
            stamp = _iso(i).replace("T", " ").rstrip("Z")
            w.writerow([stamp, m.strip(" \t\r"), STREAM, f"123456789012:{GROUP}"])
        path = root / "insights.csv"
        path.write_text(out.getvalue(), encoding="utf-8")
    else:
        raise AssertionError(envelope)
    return path


ENVELOPES = ("raw", "raw_gz", "s3_export", "filter_log_events", "lambda_event", "insights_csv")


def _no_shortcuts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every record through json.loads, one by one."""
    monkeypatch.setattr(batch, "_TS_KEY", "\0never")
    monkeypatch.setattr(records, "_DETAILS_OPEN", "\0never")
    monkeypatch.setattr(records, "_parse_json_fast", lambda recs: None)


def _read(path: Path) -> pd.DataFrame:
    return read_logs(path, errors="skip", log_stream=STREAM)


_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("arrow_min", [records._ARROW_MIN, 1], ids=["python", "pyarrow"])
@pytest.mark.parametrize("envelope", ENVELOPES)
@_SETTINGS
@given(data=batches())
def test_shortcuts_equal_json_loads(envelope, arrow_min, data, tmp_path_factory, monkeypatch):
    monkeypatch.setattr(records, "_ARROW_MIN", arrow_min)
    lines = [text for text, _ in data]
    path = write(envelope, lines, tmp_path_factory.mktemp(envelope))
    fast = _read(path)
    with monkeypatch.context() as m:
        _no_shortcuts(m)
        slow = _read(path)
    # (the order of the large categories - messages, templates - is the order the
    # distinct records were met, which depends on the path: compare values)
    pd.testing.assert_frame_equal(
        fast.drop(columns="source"), slow.drop(columns="source"), check_categorical=False
    )
    assert fast.attrs["skipped"] == slow.attrs["skipped"]
    assert fast.attrs["unknown_keys"] == slow.attrs["unknown_keys"]

    # and directly against json.loads: every record with a time is kept, in time order
    objs = [json.loads(text) for text in lines]
    timed = [envelope not in ("raw", "raw_gz") or "event_timestamp" in o for o in objs]
    assert fast.attrs["skipped"].get("missing_time", 0) == timed.count(False)
    objs = [o for o, keep in zip(objs, timed, strict=True) if keep]
    assert len(fast) == len(objs)
    assert fast["details"].astype(object).tolist() == [o["details"] for o in objs]
    for key, col in (("ike_phase1_state", "phase1_state"), ("ike_phase2_state", "phase2_state")):
        want = [
            o[key].strip().lower() if o.get(key, "").strip().lower() in STATES else None
            for o in objs
        ]
        got = [None if pd.isna(v) else v for v in fast[col]]
        assert got == want
    for key in ("dpd_enabled", "nat_t_detected"):
        got = [None if pd.isna(v) else bool(v) for v in fast[key]]
        assert got == [o.get(key) for o in objs]
    want_t = [i for i, keep in enumerate(timed) if keep]
    assert fast["time"].tolist() == [
        pd.Timestamp(BASE + 10 * i, unit="s", tz="UTC") for i in want_t
    ]


def test_every_key_order_and_separator_of_a_dpd_record():
    """The 1,440 orderings/separator styles of the six keys: all read as json.loads does."""
    import itertools

    from vpnlog_analytics import parse_records

    rec = {
        "event_timestamp": BASE,
        "details": "AWS tunnel DPD timed out after 3 retransmits",
        "dpd_enabled": True,
        "nat_t_detected": False,
        "ike_phase1_state": "down",
        "ike_phase2_state": "down",
    }
    lines = [
        json.dumps({k: rec[k] for k in perm}, separators=sep)
        for perm in itertools.permutations(rec)
        for sep in ((",", ":"), (", ", ": "))
    ]
    df = parse_records(lines, log_stream=STREAM)
    assert len(df) == 1440 and not df.attrs["skipped"]
    assert (df.details == rec["details"]).all()
    assert (df.phase1_state == "down").all() and (df.phase2_state == "down").all()
    assert (~df.tunnel_up).all() and df.dpd_enabled.all() and (~df.nat_t_detected).all()
    assert (df.time == pd.Timestamp(BASE, unit="s", tz="UTC")).all()
    assert (df.event == "dpd_timeout").all() and (df.retry_count == 3).all()


def test_a_repeated_event_timestamp_is_read_as_json_loads_does():
    from vpnlog_analytics import parse_records

    lines = [
        '{"event_timestamp":1724130813,"details":"x","event_timestamp":1724130999}',
        '{"event_timestamp":1724130813,"details":"y","event_timestamp":null,'
        '"timestamp":"2024-08-20 05:20:00.000Z"}',
    ]
    df = parse_records(lines, log_stream=STREAM)
    want = [json.loads(line) for line in lines]
    assert want[0]["event_timestamp"] == 1724130999 and want[1]["event_timestamp"] is None
    assert df.time.tolist() == [
        pd.Timestamp(1724130999, unit="s", tz="UTC"),
        pd.Timestamp("2024-08-20 05:20:00", tz="UTC"),
    ]


def test_records_that_repeat_the_tail_keys_or_have_many_tails_read_as_json_loads_does():
    """Tails are placed as whole suffixes: a record that repeats the flag and state keys
    ends in the same tail as its neighbours although its first split is earlier; and a
    file holds more distinct tails than the suffix rounds try. Expected: json.loads of
    each record (a repeated key: the last one wins)."""
    from vpnlog_analytics import parse_records

    states = ["established", "rekeying", "negotiating", "down"]
    tail = (
        ',"dpd_enabled":true,"nat_t_detected":true,'
        '"ike_phase1_state":"established","ike_phase2_state":"established"}'
    )
    lines = [
        f'{{"event_timestamp":{1724130813 + i},"details":"keep-alive {i}"{tail}' for i in range(3)
    ]
    lines.append(
        '{"event_timestamp":1724130900,"details":"AWS tunnel DPD timed out after 3 retransmits",'
        '"dpd_enabled":false,"nat_t_detected":false,"ike_phase1_state":"down",'
        '"ike_phase2_state":"down"' + tail
    )
    for i, (a, b) in enumerate((a, b) for a in states for b in states):
        for dpd in ("true", "false"):
            lines.append(
                f'{{"event_timestamp":{1724131000 + i},"details":"m {i} {dpd}",'
                f'"dpd_enabled":{dpd},"nat_t_detected":false,'
                f'"ike_phase1_state":"{a}","ike_phase2_state":"{b}"}}'
            )
    df = parse_records(lines, log_stream=STREAM)
    want = pd.DataFrame([json.loads(line) for line in lines])
    want = want.sort_values("event_timestamp", kind="stable").reset_index(drop=True)
    assert df.details.astype(str).tolist() == want.details.tolist()
    assert df.phase1_state.astype(str).tolist() == want.ike_phase1_state.tolist()
    assert df.phase2_state.astype(str).tolist() == want.ike_phase2_state.tolist()
    assert df.dpd_enabled.tolist() == want.dpd_enabled.tolist()
    assert df.nat_t_detected.tolist() == want.nat_t_detected.tolist()
    # the repeated keys: the last ones win, so that DPD timeout leaves the tunnel up
    assert df.loc[df.event == "dpd_timeout", "tunnel_up"].tolist() == [True]


@pytest.mark.parametrize(
    "line",
    [
        '{"event_timestamp":0724130813,"details":"x","ike_phase1_state":"down"}',  # leading 0
        '{"event_timestamp":1724130813,}',  # trailing comma
        '{"details":"a\x01b","dpd_enabled":true,"nat_t_detected":false,'
        '"ike_phase1_state":"down","ike_phase2_state":"down"}',  # raw control character
        '{"details":"a","dpd_enabled":true,"nat_t_detected":false,'
        '"ike_phase1_state":"down","ike_phase2_state":"down"} x',  # text after the record
        '{"details":"a\\q","dpd_enabled":true,"nat_t_detected":false,'
        '"ike_phase1_state":"down","ike_phase2_state":"down"}',  # invalid escape
    ],
)
def test_invalid_json_is_never_read_by_the_shortcut(line):
    from vpnlog_analytics import parse_records

    with pytest.raises(json.JSONDecodeError):
        json.loads(line)
    df = parse_records([line], log_stream=STREAM, errors="skip")
    assert len(df) == 0 and sum(df.attrs["skipped"].values()) == 1
