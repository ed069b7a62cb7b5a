"""vpnlog metrics / reconcile / maintenance and availability --source, offline.

The story's logs, metrics and maintenance events are written to files (logs as raw
NDJSON, metrics and maintenance events as vpnlog metrics / maintenance -o write them,
the Health events as an EventBridge export); the subcommands read them back. The live
calls of ``metrics`` and ``maintenance`` are tested in test_aws_metrics / test_maintenance.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from vpnlog_analytics.cli import main
from vpnlog_analytics.io.metric_files import write_table
from vpnlog_analytics.simulate.metrics import reconcile_scenario


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("story")
    sc = reconcile_scenario("2026-10-21")
    sc.sim.write(tmp / "logs", "raw")
    write_table(sc.metrics.metrics, tmp / "metrics.parquet")
    write_table(sc.metrics.maintenance, tmp / "maintenance.csv")
    (tmp / "health.json").write_text(json.dumps(sc.metrics.health_eventbridge()))
    return sc, tmp


def test_reconcile_summary_and_gaps(files: Any) -> None:
    sc, tmp = files
    logs, metrics = str(tmp / "logs"), str(tmp / "metrics.parquet")
    code, out, err = run("reconcile", logs, "--metrics", metrics, "--stale-after", "10min",
                         "--format", "json")  # fmt: skip
    assert code == 0, err
    rows = {r["tunnel_ip"]: r for r in json.loads(out)}
    c1t2 = sc.sim.tunnels.tunnel_ip.iloc[1]
    assert pd.Timedelta(rows[c1t2]["disagreement"]) == pd.Timedelta(hours=1)
    code, out, _ = run("reconcile", logs, "--metrics", metrics, "--gaps", "--stale-after", "10min")
    assert code == 0 and out.count("before_logs") == 4 and out.count("silence") == 1


def test_maintenance_from_a_health_file_only(files: Any) -> None:
    sc, tmp = files
    code, out, err = run("maintenance", "--no-aws", "--health-file", str(tmp / "health.json"),
                         "--windows", "--format", "json")  # fmt: skip
    assert code == 0, err
    (window,) = json.loads(out)
    assert window["context"] == "aws_maintenance" and window["sources"] == "health"
    code, _, err = run("maintenance", "--no-aws")
    assert code == 1 and "--health-file" in err


def test_outages_get_context_and_availability_both_sources(files: Any) -> None:
    sc, tmp = files
    logs, metrics = str(tmp / "logs"), str(tmp / "metrics.parquet")
    maint = str(tmp / "maintenance.csv")
    code, out, err = run("outages", logs, "--maintenance", maint, "--format", "json")
    assert code == 0, err
    contexts = sorted(r["context"] for r in json.loads(out))
    assert contexts == ["aws_maintenance", "customer_change", "none", "none", "none"]
    code, out, err = run("availability", logs, "--source", "both", "--metrics", metrics,
                         "--stale-after", "10min", "--freq", "1D", "--maintenance", maint,
                         "--format", "json")  # fmt: skip
    assert code == 0, err
    rows = {r["vpn_connection_id"]: r for r in json.loads(out)}
    c1, c2 = sorted(rows)
    assert pd.Timedelta(rows[c2]["downtime"]) == pd.Timedelta(minutes=20)
    assert rows[c2]["source"] == "logs+metrics"
    # 70 min of c1's maintenance windows excluded (09:45-10:25 and 15:05-15:35)
    assert pd.Timedelta(rows[c1]["observed"]) == pd.Timedelta(minutes=24 * 60 - 70)
    assert "excluded aws_maintenance" in err and "excluded customer_change" in err


def test_reconcile_needs_metrics_file(files: Any, tmp_path: Path) -> None:
    _, tmp = files
    code, _, err = run("reconcile", str(tmp / "logs"), "--metrics", str(tmp_path / "no.csv"))
    assert code == 1 and "no such file" in err and "Traceback" not in err


def test_metrics_needs_a_window() -> None:
    code, _, err = run("metrics")
    assert code == 1 and "--from and --to" in err


def test_metrics_table_reads_back(files: Any) -> None:
    sc, tmp = files
    from vpnlog_analytics.io.metric_files import read_metrics

    pd.testing.assert_frame_equal(read_metrics(tmp / "metrics.parquet"), sc.metrics.metrics)


def test_report_with_metrics_and_maintenance(files: Any, tmp_path: Path) -> None:
    sc, tmp = files
    out = tmp_path / "report"
    code, stdout, err = run(
        "report", str(tmp / "logs"), "-o", str(out), "--metrics", str(tmp / "metrics.parquet"),
        "--maintenance", str(tmp / "maintenance.csv"), "--exclude-maintenance",
        "--stale-after", "10min",
    )  # fmt: skip
    assert code == 0, err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"]["exclude"] == "maintenance"
    assert (out / "reconciliation.csv").is_file() and (out / "charts" / "coverage.svg").is_file()
    code, _, err = run("report", str(tmp / "logs"), "-o", str(out), "--exclude-maintenance")
    assert code == 1 and "--maintenance FILE" in err
