"""The ``vpnlog`` command: output on the samples, and one clear line for bad input."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pandas as pd
import pytest

from vpnlog_analytics.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_summary_json_has_one_row_per_sample_tunnel() -> None:
    """The samples hold 4 connections x 2 tunnels (data/samples/tunnels.csv)."""
    code, out, err = run("summary", str(SAMPLES), "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    tunnels = pd.read_csv(SAMPLES / "tunnels.csv")
    got = {(r["vpn_connection_id"], r["tunnel_ip"]) for r in rows}
    assert got == set(zip(tunnels["vpn_connection_id"], tunnels["tunnel_ip"], strict=True))
    assert sum(r["records"] for r in rows) > 100_000


def test_summary_table_names_the_window_and_tunnels() -> None:
    code, out, _ = run("summary", str(SAMPLES))
    assert code == 0
    first = out.splitlines()[0]
    # tunnel records, as the rows count them, and the BGP records beside them: all read
    assert first.startswith("172,882 records from 8 tunnel(s), 2026-10-01 00:00 to 2026-10-31")
    assert first.endswith(f"(and {173_201 - 172_882} BGP records)")
    assert "up_%" in out.splitlines()[1]


def test_missing_file_is_one_line_on_stderr(tmp_path: Path) -> None:
    code, out, err = run("summary", str(tmp_path / "nope.jsonl"))
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1 and "no such file or directory" in err
    assert "Traceback" not in err


def test_malformed_record_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "vpn-0d17975e9b801ddcd-18.143.226.251-IKE.log"
    good = (
        '{"event_timestamp":1724130813,"details":"x","dpd_enabled":true,'
        '"nat_t_detected":false,"ike_phase1_state":"established","ike_phase2_state":"established"}'
    )
    path.write_text(good + "\n" + good[:40] + "\n")
    code, _, err = run("summary", str(path))
    assert code == 1
    assert f"{path}, line 2" in err and "Traceback" not in err
    code, out, err = run("summary", str(path), "--skip-bad", "--format", "csv")
    assert code == 0
    assert err == "vpnlog: skipped 1 malformed record (broken_json: 1); -v lists them\n"
    assert len(pd.read_csv(io.StringIO(out))) == 1


def test_verbose_shows_the_traceback(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="no such file"):
        run("-v", "summary", str(tmp_path / "nope"))


def test_console_script_is_installed() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "vpnlog_analytics.cli", "catalog", "--format", "csv"],
        capture_output=True,
        text=True,
        check=True,
    )
    table = pd.read_csv(io.StringIO(proc.stdout))
    assert {"event", "pattern", "severity", "meaning", "remediation"} <= set(table.columns)
    assert "dpd_timeout" in set(table["event"])


# --- the subcommands of issue 5 -------------------------------------------------------


def test_outages_connection_level_json() -> None:
    code, out, err = run("outages", str(SAMPLES), "--level", "connection", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    # c1's uplink failure, c4's BGP shut down on both tunnels (IPsec up: reachability), and
    # c3's silent site outage, by connection id
    causes = ["dpd_timeout", "bgp_notification_received", "dpd_timeout"]
    assert [r["cause"] for r in rows] == causes
    assert rows[0]["start"].startswith("2026-10-21T09:43:18")
    assert rows[1]["start"].startswith("2026-10-23T10:17:42")
    assert rows[2]["start"].startswith("2026-10-11T00:52:17")
    assert rows[2]["duration"] == "P0DT5H4M41S" and rows[2]["ongoing"] is False
    assert rows[2]["last_alive"].startswith("2026-10-11T00:51:36")


def test_availability_table_in_percent_with_window() -> None:
    code, out, _ = run("availability", str(SAMPLES), "--from", "2026-10-01", "--to", "2026-11-01")
    assert code == 0
    assert "availability_%" in out.splitlines()[0] and "99.9617" in out


def test_availability_says_whose_verdict_each_column_is() -> None:
    """--sla 0.99: the target is the user's, the credit AWS's, in October (31 days).

    vpn-4a37c5a05556a9cf5 was down 5 h 04 min 41 s by DPD timeouts (not attributable to
    the customer): 1 - 18,281 / 2,678,400 s = 99.3175 %, at least 99 % (target met) and
    below AWS's 99.95 % (10 % credit), one row, no contradiction now that the headers say
    target_met and aws_credit_%. vpn-4526a2d74acc68770's 25 min 00 s (99.9440 %) came from
    a BGP Cease the gateway sent: customer downtime, 100 % on AWS's side, no credit.
    """
    code, out, err = run(
        "availability", str(SAMPLES), "--from", "2026-10-01", "--to", "2026-11-01", "--sla", "0.99"
    )
    assert code == 0
    header, *lines = out.splitlines()
    assert "target_met" in header and "aws_credit_%" in header and "credit_basis" in header
    assert "aws_side_%" in header and "customer_downtime" in header
    assert "sla_met" not in header
    (row,) = [line for line in lines if line.startswith("vpn-4a37c5a05556a9cf5")]
    assert "99.3175" in row and " yes " in row and " 10 " in row and " month " in row
    (row,) = [line for line in lines if line.startswith("vpn-4526a2d74acc68770")]
    assert "99.9440" in row and "100.0000" in row and " 0 " in row and "25 min 00 s" in row
    assert "customer downtime in vpn-4526a2d74acc68770" in err


def test_availability_exclude_customer() -> None:
    """--exclude-customer: the Cease's 25 min are neither downtime nor observed time."""
    argv = ("availability", str(SAMPLES), "--from", "2026-10-01", "--to", "2026-11-01")
    code, out, err = run(*argv, "--exclude-customer", "--format", "json")
    assert code == 0, err
    row = next(r for r in json.loads(out) if r["vpn_connection_id"] == "vpn-4526a2d74acc68770")
    assert row["downtime"] == "P0DT0H0M0S" and row["outages"] == 0
    assert row["availability"] == 1.0 and row["service_credit"] == 0
    assert row["customer_downtime"].startswith("P0DT0H25M")
    assert "--exclude-customer set it aside from every figure" in err
    code, _, err = run(*argv, "--exclude-customer", "--exclude", "2026-10-02/2026-10-03")
    assert code != 0 and "--exclude-customer" in err


def test_availability_gives_no_credit_for_days_or_partial_months() -> None:
    code, out, err = run(
        "availability", str(SAMPLES), "--from", "2026-10-01", "--to", "2026-11-01",
        "--freq", "1D", "--format", "json",
    )  # fmt: skip
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 4 * 31
    assert {r["service_credit"] for r in rows} == {None}
    assert {r["credit_basis"] for r in rows} == {"not a month"}
    assert "no AWS service credit with --freq 1D" in err
    # from 21 October: October is partial; the hint names the whole month
    code, out, err = run("availability", str(SAMPLES), "--from", "2026-10-21", "--format", "json")
    assert code == 0
    assert {r["credit_basis"] for r in json.loads(out)} == {"partial month"}
    assert "inside 2026-10); for whole months give e.g. --from 2026-10-01 --to 2026-11-01" in err


@pytest.mark.parametrize(
    ("args", "columns"),
    [
        ((), {"time", "cause", "downtime"}),
        (("--freq", "1D"), {"period", "flaps"}),
        (("--episodes",), {"start", "end", "flaps"}),
    ],
)
def test_flaps_views(args: tuple[str, ...], columns: set[str]) -> None:
    code, out, _ = run("flaps", str(SAMPLES), *args, "--format", "csv")
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert columns <= set(table.columns)
    if args == ("--episodes",):
        assert table["flaps"].tolist() == [5, 5, 4]


def test_rekey_and_diagnose() -> None:
    code, out, _ = run("rekey", str(SAMPLES), "--freq", "7D", "--format", "csv")
    assert code == 0 and "collision_rate" in out.splitlines()[0]
    code, out, _ = run("diagnose", str(SAMPLES))
    assert code == 0
    assert "ERROR   config_mismatch" in out and "fix: " in out


def test_report_writes_the_folder_and_says_where(tmp_path: Path) -> None:
    code, out, err = run("report", str(SAMPLES), "-o", str(tmp_path / "rep"))
    assert code == 0, err
    assert (tmp_path / "rep" / "index.html").is_file()
    assert f"file://{tmp_path}/rep/index.html" in out


@pytest.mark.parametrize("chart", ["timeline", "flap-heatmap", "availability"])
def test_plot_one_chart(tmp_path: Path, chart: str) -> None:
    target = tmp_path / f"{chart}.svg"
    code, out, err = run("plot", chart, str(SAMPLES / "insights-2026-10-21.csv"), "-o", str(target))
    assert code == 0, err
    assert target.read_bytes().startswith(b"<?xml") and str(target) in out


def test_plot_bad_extension_is_one_line(tmp_path: Path) -> None:
    code, _, err = run("plot", "timeline", str(SAMPLES), "-o", str(tmp_path / "x.jpg"))
    assert code == 1 and err.count("\n") == 1 and ".png, .svg or .pdf" in err


def test_simulate_then_read(tmp_path: Path) -> None:
    code, out, _ = run("simulate", str(tmp_path / "sim"), "--connections", "1", "--seed", "2")
    assert code == 0 and "file(s) written" in out
    code, out, _ = run("summary", str(tmp_path / "sim"), "--format", "json")
    assert code == 0 and len(json.loads(out)) == 2


def test_bad_exclude_is_one_line() -> None:
    code, _, err = run("outages", str(SAMPLES), "--exclude", "yesterday")
    assert code == 1 and err.count("\n") == 1 and "START/END" in err


def test_fetch_needs_a_window() -> None:
    code, _, err = run("fetch", "/aws/vendedlogs/vpn")
    assert code == 1 and "--from and --to" in err


def test_cli_import_does_not_load_matplotlib() -> None:
    code = "import sys, vpnlog_analytics.cli\nprint('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- the subcommand table and the old simulator command line --------------------------------------


def test_every_subcommand_is_one_table_entry() -> None:
    """build_parser makes one subparser per SUBCOMMANDS entry, run by its ``_cmd_<name>``."""
    from vpnlog_analytics.cli import SUBCOMMANDS, build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert list(sub.choices) == [c.name for c in SUBCOMMANDS]  # type: ignore[attr-defined]
    for command in SUBCOMMANDS:
        assert command.run.__name__ == f"_cmd_{command.name}"
        assert sub.choices[command.name].get_default("func") is command.run  # type: ignore[attr-defined]


def test_own_arguments_spell_no_shared_flag() -> None:
    """A flag of a shared option comes from SHARED_OPTIONS by name, never as an Arg of its own."""
    from vpnlog_analytics.cli import _NAMED, SUBCOMMANDS, Arg
    from vpnlog_analytics.options import SHARED_OPTIONS

    shared = {f.flag for o in SHARED_OPTIONS.values() for f in o.cli}
    specs = [spec for c in SUBCOMMANDS for spec in c.args]
    specs += [spec for group in _NAMED.values() for spec in group]
    own = {flag for spec in specs if isinstance(spec, Arg) for flag in spec.flags}
    assert own and not own & shared
    assert not set(_NAMED) & set(SHARED_OPTIONS) - {"window"}  # a name means one thing


def test_old_simulate_command_forwards_to_vpnlog_simulate(tmp_path: Path) -> None:
    """``python -m vpnlog_analytics.simulate write|samples`` is ``vpnlog simulate``."""
    from vpnlog_analytics.simulate.__main__ import main as old

    opts = ["--connections", "1", "--seed", "4", "--envelope", "s3_export"]
    out = io.StringIO()
    with redirect_stdout(out):
        assert old(["write", str(tmp_path / "old"), *opts]) == 0
    assert run("simulate", str(tmp_path / "new"), *opts)[0] == 0

    def tree(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    assert tree(tmp_path / "old") == tree(tmp_path / "new") != {}
    with redirect_stderr(io.StringIO()) as err:
        assert old(["bogus"]) == 2
    assert "vpnlog simulate --samples" in err.getvalue()


def test_make_samples_runs_vpnlog_simulate() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "$(BIN)/vpnlog simulate --samples $(SAMPLES)" in makefile
    assert "vpnlog simulate --samples data/samples" in (ROOT / "README.md").read_text()
