"""Loader messages that say plainly what a file is and what to pass (issue 22, item 7)."""

from __future__ import annotations

import gzip
import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from vpnlog_analytics import read_logs
from vpnlog_analytics.cli import main
from vpnlog_analytics.errors import FormatError, ParseError

STREAM = "vpn-2a7c306a956842b51-35.25.129.113-IKE.log"
RECORD = (
    '{"event_timestamp":1790812800,"details":"received packet: from cgw-dcd16d7a2d8720615 '
    '[UDP 500] to 35.25.129.113 [UDP 500] (92 bytes)","dpd_enabled":true,'
    '"nat_t_detected":false,"ike_phase1_state":"established","ike_phase2_state":"established"}'
)
# A CloudWatch export object: "<time> <record>" lines, gzipped.
EXPORT = "".join(
    f"2026-10-01T00:0{i}:00.000Z {RECORD.replace('1790812800', str(1790812800 + 60 * i))}\n"
    for i in range(3)
).encode()


def run(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, err.getvalue()


# --- a .gz that is not gzip, and gzip of no log -------------------------------------------
@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"hello\n", "not gzip data though named .gz but text that is no log format"),
        (gzip.compress(b"hello\n"), "gzip of text that is no log format"),
        (b"\x00\x01\x02binary", "not gzip data though named .gz but binary data"),
    ],
)
def test_walked_gz_file_says_whether_it_is_gzip(tmp_path: Path, data: bytes, what: str) -> None:
    (tmp_path / "bad.gz").write_bytes(data)
    (tmp_path / f"{STREAM}.txt").write_bytes(EXPORT)  # something to read beside it
    df = read_logs(str(tmp_path))
    assert df.attrs["ignored_why"] == {str(tmp_path / "bad.gz"): what}


@pytest.mark.parametrize(
    ("data", "start"),
    [
        (b"hello\n", "text, not gzip data though named .gz, and not a log format"),
        (gzip.compress(b"hello\n"), "gzip of text, not a log format"),
    ],
)
def test_gz_file_given_by_name_says_what_it_is_once(
    tmp_path: Path, data: bytes, start: str
) -> None:
    path = tmp_path / "bad.gz"
    path.write_bytes(data)
    with pytest.raises(FormatError) as exc:
        read_logs(str(path))
    message = str(exc.value)
    assert f"line 1: {start} vpnlog-analytics knows" in message
    assert "no log format" not in message


def test_cli_lists_an_ignored_gz_plainly(tmp_path: Path) -> None:
    (tmp_path / "bad.gz").write_bytes(b"hello\n")
    (tmp_path / "notes.gz").write_bytes(gzip.compress(b"pulled on Tuesday\n"))
    code, err = run("summary", str(tmp_path), "-v")
    assert code != 0
    assert f"vpnlog: ignored {tmp_path / 'bad.gz'}: not gzip data though named .gz but text" in err
    assert f"vpnlog: ignored {tmp_path / 'notes.gz'}: gzip of text that is no log format" in err


# --- a renamed export object: no stream name, so no tunnel -------------------------------
def test_renamed_export_object_asks_for_log_stream(tmp_path: Path) -> None:
    path = tmp_path / "export.gz"
    path.write_bytes(gzip.compress(EXPORT))
    with pytest.raises(ParseError) as exc:
        read_logs(str(path))
    assert exc.value.reason == "no_tunnel"
    message = str(exc.value)
    assert "the file name does not carry the log stream" in message
    assert "log_stream='vpn-<id>-<outside ip>-IKE.log'" in message
    df = read_logs(str(path), errors="skip")
    assert df.attrs["skipped"] == {"no_tunnel": 3}
    assert "the file name does not carry the log stream" in df.attrs["skipped_examples"][0]
    assert len(read_logs(str(path), log_stream=STREAM)) == 3


def test_a_log_stream_that_is_no_tunnels_is_said_to_be(tmp_path: Path) -> None:
    path = tmp_path / "export.gz"
    path.write_bytes(gzip.compress(EXPORT))
    with pytest.raises(ParseError) as exc:
        read_logs(str(path), log_stream="app-server")
    assert "log stream is not a tunnel's" in str(exc.value)


def test_cli_skip_line_names_log_stream_flag(tmp_path: Path) -> None:
    (tmp_path / "export.gz").write_bytes(gzip.compress(EXPORT))
    code, err = run("--skip-bad", "summary", str(tmp_path))
    assert code != 0
    assert err.splitlines()[0] == (
        "vpnlog: skipped 3 records (no_tunnel: 3); -v lists them; no_tunnel: these records "
        "name no tunnel because the file name does not carry the log stream: pass "
        "--log-stream vpn-<id>-<outside ip>-IKE.log"
    )
    code, _ = run("summary", str(tmp_path), "--log-stream", STREAM)
    assert code == 0
