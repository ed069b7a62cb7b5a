"""The first hour of a new user: each problem of issue 13 as the terminal shows it.

One test per item, asserting the exact line a user sees and the exit code. The corrupted
inputs of the fuzz suite go through the command too: whatever the input, the command ends
with lines that start with ``vpnlog:`` and exit code 0 or 1, never a traceback.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import boto3
import pandas as pd
import pytest
from aws_server import GROUP as _GROUP
from aws_server import LocalAws, aws_env
from conftest import DATA
from envelope_corpus import FIXTURES, SA, SB
from hypothesis import given
from test_fuzz import FUZZ, corrupted_bytes

from vpnlog_analytics import message_catalog
from vpnlog_analytics.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def junk(tmp_path: Path) -> Path:
    """A folder of files that hold no logs: binary data and an unrelated CSV."""
    folder = tmp_path / "junk"
    folder.mkdir()
    (folder / "blob.bin").write_bytes(bytes(range(256)) * 4)
    (folder / "metrics.csv").write_text("time,value\n2024-08-20,3\n")
    return folder


IGNORED = (
    "vpnlog: ignored 2 files that hold no logs (binary data: 1, a CSV file without Logs "
    "Insights columns: 1); -v lists them"
)


# 1. a log file vanishing without a word -----------------------------------------------------
def test_utf16_stream_file_is_read_and_counted(tmp_path: Path) -> None:
    shutil.copyfile(DATA / f"raw/{SA}.jsonl", tmp_path / f"{SA}.jsonl")
    text = FIXTURES["raw_gzip"].content().decode()
    (tmp_path / SB).write_bytes(text.encode("utf-16"))  # PowerShell's "> file"
    code, out, err = run("summary", str(tmp_path))
    assert (code, err) == (0, "")
    assert (
        out.splitlines()[0]
        == "18 records from 2 tunnel(s), 2024-08-20 04:55 to 2024-08-20 05:14 UTC"
    )


def test_ignored_files_are_one_line_and_v_lists_them(tmp_path: Path, junk: Path) -> None:
    shutil.copyfile(DATA / f"raw/{SA}.jsonl", junk / f"{SA}.jsonl")
    code, out, err = run("summary", str(junk))
    assert code == 0 and err == IGNORED + "\n"
    assert out.startswith("12 records from 1 tunnel(s)")
    code, _, err = run("summary", str(junk), "-v")
    assert code == 0
    assert err.splitlines() == [
        f"vpnlog: ignored {junk / 'blob.bin'}: binary data",
        f"vpnlog: ignored {junk / 'metrics.csv'}: a CSV file without Logs Insights columns",
        IGNORED,
    ]


def test_stream_named_file_that_holds_no_logs_is_an_error_or_counted(tmp_path: Path) -> None:
    shutil.copyfile(DATA / f"raw/{SA}.jsonl", tmp_path / f"{SA}.jsonl")
    bad = tmp_path / SB
    bad.write_bytes(bytes(range(256)))
    code, out, err = run("summary", str(tmp_path))
    assert (code, out) == (1, "")
    assert err == (
        f"vpnlog: error: {bad}, byte offset 0: binary data, not a log format vpnlog-analytics "
        "knows (tunnel/BGP JSON records, CloudWatch S3 export, Logs Insights CSV/JSON, aws "
        "logs CLI JSON, subscription payload); text-format records are readable only inside "
        "an envelope with times\n"
    )
    code, out, err = run("summary", str(tmp_path), "--skip-bad")
    assert code == 0 and out.startswith("12 records from 1 tunnel(s)")
    assert err == "vpnlog: skipped 1 malformed record (unrecognised_format: 1); -v lists them\n"


# 2. and 3. no records: one line, exit 1, never a traceback or "Empty DataFrame" --------------
COMMANDS = [
    ["summary"],
    ["outages"],
    ["outages", "--level", "connection"],
    ["availability"],
    ["flaps"],
    ["flaps", "--episodes"],
    ["rekey"],
    ["diagnose"],
    ["report", "-o", "REPORT"],
    ["plot", "timeline", "-o", "CHART.png"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_subcommand_on_no_records_says_so_in_one_line(
    tmp_path: Path, junk: Path, command: list[str]
) -> None:
    argv = [
        a.replace("REPORT", str(tmp_path / "r")).replace("CHART", str(tmp_path / "c"))
        for a in command
    ]
    where = 2 if argv[0] == "plot" else 1
    argv[where:where] = [str(junk)]
    code, out, err = run(*argv)
    tail = ": nothing to diagnose" if argv[0] == "diagnose" else ""
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        IGNORED,
        f"vpnlog: no records found in {junk} (2 files: 2 ignored){tail}",
    ]
    assert not (tmp_path / "r").exists() and not (tmp_path / "c.png").exists()


def test_zero_byte_file_says_it_is_empty(tmp_path: Path) -> None:
    (tmp_path / SA).write_bytes(b"")
    code, out, err = run("summary", str(tmp_path / SA))
    assert (code, out) == (1, "")
    assert err == f"vpnlog: no records found in {tmp_path / SA} (1 file: 1 empty)\n"


def test_window_without_data_names_the_window_and_what_was_read() -> None:
    code, out, err = run("summary", str(DATA / "raw"), "--from", "2027-01-01", "--to", "2027-02-01")
    assert (code, out) == (1, "")
    assert err == (
        f"vpnlog: no records found in {DATA / 'raw'} from 2027-01-01 00:00 to 2027-02-01 "
        "00:00 UTC (2 files: 2 read; 18 records, none in the window)\n"
    )


def test_diagnose_on_records_without_findings_is_not_the_empty_case() -> None:
    code, out, err = run("diagnose", str(DATA / "raw"), "--format", "json")
    assert code == 0 and isinstance(json.loads(out), list)


def test_an_empty_result_of_real_records_is_a_sentence_not_a_frame() -> None:
    code, out, err = run("outages", str(DATA / "raw"), "--level", "connection")
    assert (code, out, err) == (0, "No connection outages.\n", "")
    code, out, _ = run("flaps", str(DATA / "raw"), "--episodes", "--from", "2024-08-20 04:00")
    assert (code, out) == (0, "No flapping episodes from 2024-08-20 04:00 UTC on.\n")
    code, out, _ = run("outages", str(DATA / "raw"), "--level", "connection", "--format", "csv")
    assert out.splitlines()[0].startswith("vpn_connection_id,")  # CSV keeps its header


def test_empty_folder_in_words(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    code, out, err = run("summary", str(tmp_path / "logs"))
    assert (code, out) == (1, "")
    assert err == (
        f"vpnlog: error: {tmp_path / 'logs'}: the folder is empty (hidden files and folders "
        "are not read)\n"
    )


# 4. headers count what is in the window --------------------------------------------------------
def test_summary_header_counts_the_records_in_the_window() -> None:
    window = ["--from", "2026-10-21", "--to", "2026-10-22"]
    code, out, _ = run("summary", str(SAMPLES), *window, "--format", "json")
    rows = json.loads(out)
    in_window = sum(r["records"] for r in rows)
    code, out, _ = run("summary", str(SAMPLES), *window)
    assert code == 0
    header = out.splitlines()[0]
    tunnels = sum(r["records"] > 0 for r in rows)
    assert header.startswith(f"{in_window:,} records from {tunnels} tunnel(s), 2026-10-21 00:")
    assert in_window < 158_948  # not every tunnel record read


#: moto's backends are one per process: a group of these tests' own
GROUP = _GROUP + "-cli-tests"


# 5. AWS: --region / --profile, and errors that name them ---------------------------------------
@pytest.fixture(scope="module")
def aws() -> Any:
    local = LocalAws()
    with pytest.MonkeyPatch.context() as mp:
        aws_env(mp, local.endpoint)
        logs = boto3.client("logs")
        logs.create_log_group(logGroupName=GROUP)
        logs.create_log_stream(logGroupName=GROUP, logStreamName=SA)
        t = pd.Timestamp.now(tz="UTC").floor("D") - pd.Timedelta(days=2)
        sec = t.value // 10**9
        msg = (
            '{"event_timestamp":%d,"details":"AWS tunnel DPD timed out after 3 retransmits",'
            '"dpd_enabled":true,"nat_t_detected":false,"ike_phase1_state":"down",'
            '"ike_phase2_state":"down"}'
        )
        events = [
            {"timestamp": (sec + 60 * i) * 1000, "message": msg % (sec + 60 * i)} for i in range(3)
        ]
        logs.put_log_events(logGroupName=GROUP, logStreamName=SA, logEvents=events)
        yield local, t
    local.stop()


def _fetch_args(t: pd.Timestamp, tmp_path: Path, *extra: str) -> list[str]:
    window = ["--from", f"{t:%Y-%m-%d}", "--to", f"{t + pd.Timedelta(hours=1):%Y-%m-%d %H:%M}"]
    return ["fetch", GROUP, *window, "--cache-dir", str(tmp_path / "cache"), *extra]


def test_fetch_without_region_names_the_flag(
    aws: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local, t = aws
    aws_env(monkeypatch, local.endpoint)
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    code, out, err = run(*_fetch_args(t, tmp_path))
    assert (code, out) == (1, "")
    assert err == (
        "vpnlog: error: no AWS region is configured; pass --region eu-west-1 (the region of "
        "the logs), set AWS_REGION, or give the profile a region (aws configure set region "
        "eu-west-1)\n"
    )
    code, out, err = run(*_fetch_args(t, tmp_path, "--region", "us-east-1"))
    assert code == 0, err
    assert out.splitlines()[0] == f"3 records of 1 tunnel(s) fetched from {GROUP}"


def test_fetch_takes_aws_region_as_the_aws_cli_does(
    aws: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local, t = aws
    aws_env(monkeypatch, local.endpoint)
    monkeypatch.delenv("AWS_DEFAULT_REGION")  # boto3 alone would find no region
    code, out, err = run(*_fetch_args(t, tmp_path))
    assert code == 0, err
    assert out.splitlines()[0] == f"3 records of 1 tunnel(s) fetched from {GROUP}"


def test_fetch_without_credentials_names_profile_and_variables(
    aws: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local, t = aws
    aws_env(monkeypatch, local.endpoint)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    code, out, err = run(*_fetch_args(t, tmp_path))
    assert (code, out) == (1, "")
    assert err == (
        "vpnlog: error: sts:GetCallerIdentity: no AWS credentials found; configure a profile "
        "(aws configure / aws sso login) and pass --profile NAME or set AWS_PROFILE (or set "
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)\n"
    )
    assert "boto3_session" not in err


def test_unknown_profile_names_the_flag(
    aws: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local, t = aws
    aws_env(monkeypatch, local.endpoint)
    code, out, err = run(*_fetch_args(t, tmp_path, "--profile", "nope"))
    assert (code, out) == (1, "")
    assert err.startswith(
        "vpnlog: error: the AWS profile 'nope' (--profile nope) is not configured"
    )


def _help(*argv: str) -> str:
    out = io.StringIO()
    with redirect_stdout(out), pytest.raises(SystemExit) as exit_:
        main([*argv, "--help"])
    assert exit_.value.code == 0
    return out.getvalue()


def test_every_source_subcommand_takes_region_and_profile() -> None:
    for command in ("summary", "outages", "availability", "flaps", "rekey", "diagnose", "report"):
        out = _help(command)
        assert "--region REGION" in out and "--profile PROFILE" in out, command


# 6. -v and --skip-bad before or after the subcommand; the flags named ------------------------
def test_verbose_after_the_subcommand_shows_the_traceback(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="no such file"):
        run("summary", str(tmp_path / "nope"), "-v")
    out = _help("summary")
    assert "-v, --verbose" in out and "--skip-bad" in out


def test_skip_bad_before_the_subcommand() -> None:
    broken = str(DATA / "broken" / "raw")
    assert run("summary", broken)[0] == 1
    code, out, err = run("--skip-bad", "summary", broken)
    assert code == 0 and out.startswith("15 records from 2 tunnel(s)")
    assert err == (
        "vpnlog: skipped 2 malformed records (broken_json: 1, truncated_gzip: 1); -v lists them\n"
    )
    err_io = io.StringIO()
    with redirect_stderr(err_io), pytest.raises(SystemExit) as exit_:
        main(["--skip-bad", "catalog"])
    assert exit_.value.code == 2
    assert err_io.getvalue().splitlines()[-1] == (
        "vpnlog catalog: error: --skip-bad applies to the subcommands that read logs, not catalog"
    )


def test_from_after_to_names_the_flags() -> None:
    with pytest.raises(SystemExit) as exit_:
        run("summary", str(DATA / "raw"), "--from", "2024-09-01", "--to", "2024-08-01")
    assert exit_.value.code == 2


def test_from_after_to_message(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["summary", str(DATA / "raw"), "--from", "2024-09-01", "--to", "2024-08-01"])
    assert capsys.readouterr().err.splitlines()[-1] == (
        "vpnlog summary: error: --from 2024-09-01 00:00 is after --to 2024-08-01 00:00 (UTC): "
        "the window ends before it starts"
    )


# 7. catalog width, percent everywhere, one fact once, one browser line --------------------------
@pytest.mark.parametrize("columns", [80, 100, 120])
def test_catalog_fits_the_terminal(monkeypatch: pytest.MonkeyPatch, columns: int) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    code, out, _ = run("catalog")
    lines = out.splitlines()
    assert code == 0 and max(map(len, lines)) <= columns
    cat = message_catalog()
    assert lines[0].startswith(f"{len(cat)} rules (")
    head = next(i for i, ln in enumerate(lines) if ln.startswith("event "))
    assert lines[head].split() == [
        "event",
        "severity",
        "ike",
        "provenance",
        "pattern",
        "/",
        "source",
    ]
    assert lines[-1] == "--format csv or json has every column (meaning, source, remediation)"
    # wrapped, not cut: every rule's wording and source is on the page, word for word
    text = " ".join(" ".join(lines[head + 1 : -1]).split())
    assert all(" ".join(str(p).split()) in text for p in cat["pattern"])
    assert all(" ".join(f"source: {src}".split()) in text for src in cat["source"])


def test_catalog_csv_and_json_keep_everything() -> None:
    cat = message_catalog()
    _, out, _ = run("catalog", "--format", "csv")
    back = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
    assert back.to_dict("list") == cat.astype(object).where(cat.notna(), "").astype(str).to_dict(
        "list"
    )
    _, out, _ = run("catalog", "--format", "json")
    assert [r["remediation"] for r in json.loads(out)] == cat["remediation"].tolist()


def test_rekey_prints_percent_and_json_keeps_fractions() -> None:
    code, out, _ = run("rekey", str(DATA / "raw"))
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[-1] == "collisions_%"
    assert [ln.split()[-1] for ln in lines[1:]] == ["0.0", "100.0"]
    _, out, _ = run("rekey", str(DATA / "raw"), "--format", "json")
    assert [r["collision_rate"] for r in json.loads(out)] == [0.0, 1.0]


def test_skip_bad_says_its_fact_once() -> None:
    code, _, err = run("summary", str(DATA / "broken" / "insights"), "--skip-bad")
    assert code == 0
    assert err == (
        "vpnlog: skipped 3 malformed records (bad_csv_row: 2, broken_json: 1); -v lists them\n"
    )
    code, _, err = run("summary", str(DATA / "broken" / "insights"), "--skip-bad", "-v")
    lines = err.splitlines()
    assert len(lines) == 4 and lines[-1].startswith("vpnlog: skipped 3 malformed records")
    assert all(ln.startswith(f"vpnlog: skipped {DATA / 'broken' / 'insights'}") for ln in lines[:3])


def test_make_demo_says_open_in_a_browser_once(tmp_path: Path) -> None:
    makefile = (ROOT / "Makefile").read_text()
    demo = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    assert "browser" not in demo  # the report command says it
    code, out, _ = run("report", str(DATA / "raw"), "-o", str(tmp_path / "r"))
    assert code == 0 and sum("browser" in ln for ln in out.splitlines()) == 1


def test_a_bug_is_one_line_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import vpnlog_analytics.analysis as analysis

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(analysis, "rekey_stats", boom)
    code, out, err = run("rekey", str(DATA / "raw"))
    assert (code, out) == (1, "")
    assert err == (
        "vpnlog: internal error: RuntimeError: boom (a bug: please report it with the output "
        "of the same command with -v)\n"
    )


# the fuzz suite's corrupted files, through the command --------------------------------------
@FUZZ
@given(corrupted_bytes())
def test_corrupted_files_end_in_vpnlog_lines_and_exit_0_or_1(
    case: tuple[str, bytes, tuple[str, ...]],
) -> None:
    name, data, _ = case
    with tempfile.TemporaryDirectory() as tmp:
        path = FIXTURES[name].write(Path(tmp), data)
        for argv in (["summary", str(path)], ["summary", "--skip-bad", str(path)]):
            code, out, err = run(*argv)
            assert code in (0, 1), (argv, err)
            assert all(ln.startswith("vpnlog: ") for ln in err.splitlines()), err
            if code == 1:
                assert out == "" and len(err.splitlines()) <= 3
                assert str(path) in err  # the line names the file


def test_bgp_only_source_says_the_summary_counts_tunnel_records() -> None:
    path = DATA / "bgp" / "vpn-0d17975e9b801ddcd-18.143.226.251-BGP.log.jsonl"
    code, out, err = run("summary", str(path))
    assert (code, out) == (1, "")
    assert err == (
        f"vpnlog: no tunnel records found in {path} (4 BGP records only: summary counts "
        "tunnel (IKE) records)\n"
    )
