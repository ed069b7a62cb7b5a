"""Encodings real tools write, and what happens to files that hold no logs.

Every good envelope fixture is re-encoded the way Windows tools save text (UTF-8 with a
BOM, PowerShell's UTF-16 LE, UTF-16 BE, UTF-32, CRLF lines) and must read to exactly the
table of the original. Then the file policy: a file named like a log stream, or inside an
export tree, that cannot be read is an error (or skipped and counted); other files of a
walked folder that hold no logs are ignored and listed with what they hold; empty files
are no error and are listed too.
"""

from __future__ import annotations

import codecs
import shutil

import pytest
from conftest import DATA, plain
from envelope_corpus import FIXTURES, SA, SB, TASK

from vpnlog_analytics import FormatError, ParseError, SourceError, read_logs

COLS = [
    "time",
    "vpn_connection_id",
    "tunnel_ip",
    "log_type",
    "phase1_state",
    "phase2_state",
    "tunnel_up",
    "details",
    "event",
    "log_stream",
]


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


ENCODINGS = {
    "utf-8-bom": lambda t: codecs.BOM_UTF8 + t.encode(),
    "utf-16-le-bom": lambda t: t.encode("utf-16"),  # little-endian BOM first on x86
    "utf-16-be-bom": lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
    "utf-16-le-no-bom": lambda t: t.encode("utf-16-le"),
    "utf-32-bom": lambda t: t.encode("utf-32"),
    "crlf": lambda t: _crlf(t).encode(),
    "crlf-utf-16": lambda t: _crlf(t).encode("utf-16"),
    "crlf-utf-8-bom": lambda t: codecs.BOM_UTF8 + _crlf(t).encode(),
}


@pytest.mark.parametrize("encoding", list(ENCODINGS))
@pytest.mark.parametrize("name", list(FIXTURES))
def test_every_envelope_reads_the_same_in_every_encoding(tmp_path, name, encoding):
    fx = FIXTURES[name]
    want = read_logs(str(fx.path))
    assert len(want) > 0
    text = fx.content().decode("utf-8")
    copy = fx.write(tmp_path, fx.pack(ENCODINGS[encoding](text)))
    got = read_logs(str(copy))
    assert plain(got, COLS).equals(plain(want, COLS))
    assert got.attrs["skipped"] == {}
    assert got.attrs["files"] == {
        "read": 1,
        "empty": 0,
        "ignored": 0,
        "unreadable": 0,
        "excluded": 0,
    }


def test_utf16_stream_file_beside_good_ones_is_read_not_ignored(tmp_path):
    # the case: a UTF-16 copy of a stream file in a folder of good files
    shutil.copyfile(DATA / f"raw/{SA}.jsonl", tmp_path / f"{SA}.jsonl")
    b = read_logs(str(DATA / f"raw/{SB}.jsonl.gz"))
    text = "".join(line + "\n" for line in FIXTURES["raw_gzip"].content().decode().splitlines())
    (tmp_path / SB).write_bytes(text.encode("utf-16"))
    df = read_logs(str(tmp_path))
    assert len(df) == 12 + len(b) == 18
    assert df.attrs["ignored_files"] == [] and df.attrs["skipped"] == {}
    assert df.attrs["files"]["read"] == 2


def test_utf16_line_that_does_not_decode_costs_that_line(tmp_path):
    lines = FIXTURES["raw_json"].content().decode().splitlines(keepends=True)
    data = bytearray(codecs.BOM_UTF16_LE)
    for i, line in enumerate(lines, start=1):
        enc = line.encode("utf-16-le")
        if i == 5:
            enc = enc[:20] + b"\x00\xdc" + enc[20:]  # a lone low surrogate
        data += enc
    path = tmp_path / SA
    path.write_bytes(bytes(data))
    with pytest.raises(ParseError) as exc:
        read_logs(str(path))
    assert (exc.value.line, exc.value.reason, exc.value.source) == (5, "bad_encoding", str(path))
    df = read_logs(str(path), errors="skip")
    assert len(df) == 11 and df.attrs["skipped"] == {"bad_encoding": 1}
    good = read_logs(str(FIXTURES["raw_json"].path))
    assert df.details.tolist() == [d for i, d in enumerate(good.details) if i != 4]


def test_utf16_cut_in_the_middle_of_a_character(tmp_path):
    data = FIXTURES["raw_json"].content().decode().encode("utf-16")
    path = tmp_path / SA
    path.write_bytes(data[:-3])  # the newline and half the closing brace of line 12 cut
    with pytest.raises(ParseError) as exc:
        read_logs(str(path))
    assert (exc.value.line, exc.value.reason) == (12, "bad_encoding")
    df = read_logs(str(path), errors="skip")
    assert len(df) == 11 and df.attrs["skipped"] == {"bad_encoding": 1}


# --- files that hold no logs ---------------------------------------------------------------
JUNK = {
    "blob.bin": (bytes(range(256)) * 4, "binary data"),
    "metrics.csv": (b"time,value\n2024-08-20,3\n", "a CSV file without Logs Insights columns"),
    "package.json": (
        b'{"name": "ops-notes", "version": "1.0"}\n',
        "JSON without VPN log records or CloudWatch events",
    ),
    "README.md": (b"# VPN logs\n\nPulled on Tuesday.\n", "text that is no log format"),
}


def test_walked_files_that_hold_no_logs_are_ignored_and_say_what_they_hold(tmp_path):
    shutil.copyfile(DATA / f"raw/{SA}.jsonl", tmp_path / f"{SA}.jsonl")
    for name, (data, _) in JUNK.items():
        (tmp_path / name).write_bytes(data)
    for errors in ("raise", "skip"):
        df = read_logs(str(tmp_path), errors=errors)
        assert len(df) == 12
        why = {k.rsplit("/", 1)[-1]: v for k, v in df.attrs["ignored_why"].items()}
        assert why == {name: what for name, (_, what) in JUNK.items()}
        assert df.attrs["files"] == {
            "read": 1,
            "empty": 0,
            "ignored": 4,
            "unreadable": 0,
            "excluded": 0,
        }
        assert df.attrs["skipped"] == {}


@pytest.mark.parametrize("junk", list(JUNK))
@pytest.mark.parametrize("where", ["stream_name", "export_tree"])
def test_log_named_file_that_cannot_be_read_is_an_error_or_counted(tmp_path, junk, where):
    data, what = JUNK[junk]
    if where == "stream_name":
        path = tmp_path / "logs" / SB
    else:
        path = tmp_path / "exportedlogs" / TASK / "part-0001.gz"
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    shutil.copyfile(DATA / f"raw/{SA}.jsonl", tmp_path / f"{SA}.jsonl")
    if junk == "package.json":
        # JSON where a log must be is read as a record, and that record is malformed
        with pytest.raises(ParseError) as perr:
            read_logs(str(tmp_path))
        assert (perr.value.source, perr.value.line) == (str(path), 1)
        df = read_logs(str(tmp_path), errors="skip")
        assert len(df) == 12 and df.attrs["skipped"] == {"missing_fields": 1}
        assert df.attrs["ignored_files"] == []
        return
    with pytest.raises(FormatError) as exc:
        read_logs(str(tmp_path))
    err = exc.value
    # the error says "text, not a log format ...", not "no log format, not a log format"
    said = "text," if what == "text that is no log format" else what
    assert err.source == str(path) and said in str(err)
    assert (err.line, err.offset) == ((None, 0) if what == "binary data" else (1, None))
    df = read_logs(str(tmp_path), errors="skip")
    assert len(df) == 12
    assert df.attrs["skipped"] == {"unrecognised_format": 1}
    assert df.attrs["unreadable_files"] == [str(path)]
    assert df.attrs["ignored_files"] == []
    assert df.attrs["files"] == {
        "read": 1,
        "empty": 0,
        "ignored": 0,
        "unreadable": 1,
        "excluded": 0,
    }


def test_file_given_by_name_that_holds_no_logs_is_a_format_error(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(JUNK["README.md"][0])
    with pytest.raises(FormatError) as exc:
        read_logs(str(path))
    assert exc.value.source == str(path) and exc.value.line == 1


@pytest.mark.parametrize("content", [b"", b"\n\n  \r\n", codecs.BOM_UTF8, b"\xff\xfe"])
def test_empty_files_are_no_error_and_are_listed(tmp_path, content):
    (tmp_path / SA).write_bytes(content)
    (tmp_path / "logs.jsonl.gz").write_bytes(FIXTURES["raw_gzip"].pack(b""))
    shutil.copyfile(DATA / f"raw/{SB}.jsonl.gz", tmp_path / f"{SB}.jsonl.gz")
    df = read_logs(str(tmp_path))
    assert len(df) == 6 and df.attrs["skipped"] == {}
    names = sorted(p.rsplit("/", 1)[-1] for p in df.attrs["empty_files"])
    assert names == sorted([SA, "logs.jsonl.gz"])
    assert df.attrs["files"] == {
        "read": 1,
        "empty": 2,
        "ignored": 0,
        "unreadable": 0,
        "excluded": 0,
    }


def test_control_message_only_payload_counts_as_empty():
    df = read_logs(str(DATA / "subscription/lambda-event-control.json"))
    assert len(df) == 0
    assert df.attrs["empty_files"] == [str(DATA / "subscription/lambda-event-control.json")]


def test_empty_folder_is_said_in_words(tmp_path):
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / ".hidden").write_text("x")
    with pytest.raises(SourceError) as exc:
        read_logs(str(tmp_path / "logs"))
    assert str(exc.value) == (
        f"{tmp_path / 'logs'}: the folder is empty (hidden files and folders are not read)"
    )
    (tmp_path / "more").mkdir()
    with pytest.raises(SourceError, match="none of these holds a file to read"):
        read_logs([str(tmp_path / "logs"), str(tmp_path / "more")])
