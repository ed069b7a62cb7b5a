"""build_report with metrics and maintenance: coverage, both sources, contexts, manifest."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from vpnlog_analytics import parse_records
from vpnlog_analytics.errors import OptionError
from vpnlog_analytics.report import build_report
from vpnlog_analytics.simulate.metrics import reconcile_scenario


def test_report_beyond_the_logs(tmp_path: Path) -> None:
    sc = reconcile_scenario("2026-10-21")
    events = parse_records(sc.sim.records[["message", "log_stream", "log_group", "time"]])
    rep = build_report(
        events,
        tmp_path,
        start=sc.metrics.start,
        end=sc.metrics.end,
        metrics=sc.metrics.metrics,
        maintenance=sc.metrics.maintenance,
        exclude="maintenance",
        stale_after="10min",
    )
    html = rep.index.read_text()
    assert "Coverage: logs and CloudWatch metrics" in html
    assert "Availability from the logs, the metrics and both" in html
    assert (tmp_path / "charts" / "coverage.png").stat().st_size > 10_000
    for name in ("reconciliation", "logging_gaps", "availability_sources", "maintenance_windows"):
        assert (tmp_path / f"{name}.csv").is_file()
    tun = rep.tables["outages_tunnel"]
    contexts = dict(zip(tun["start"], tun["context"], strict=True))
    assert contexts[sc.story["replacement_outage"][0]] == "aws_maintenance"
    assert contexts[sc.story["psk_outage"][0]] == "customer_change"
    side = rep.tables["availability_sources"].set_index("vpn_connection_id")
    c2 = sorted(side.index)[1]
    assert side.loc[c2, "downtime_metrics"] == pd.Timedelta(minutes=20)
    assert side.loc[c2, "downtime_logs"] == pd.Timedelta(minutes=10)  # logs begin at 02:00
    manifest = json.loads(rep.manifest_path.read_text())
    assert manifest["parameters"]["exclude"] == "maintenance"
    reasons = [w["reason"] for w in manifest["maintenance"]["excluded_from_availability"]]
    assert len(reasons) == 3 and any(
        r.startswith("customer change (ModifyVpnTunnelOptions") for r in reasons
    )
    assert manifest["metrics"]["points"] == len(sc.metrics.metrics)
    assert "Excluded from availability" in rep.markdown.read_text()


def test_exclude_maintenance_needs_events(tmp_path: Path) -> None:
    sc = reconcile_scenario("2026-10-21")
    events = parse_records(sc.sim.records[["message", "log_stream", "log_group", "time"]])
    with pytest.raises(OptionError, match="maintenance="):
        build_report(events, tmp_path, start=None, end=None, exclude="maintenance")
