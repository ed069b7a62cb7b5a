"""Metrics and maintenance tables written to CSV / Parquet read back unchanged."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from vpnlog_analytics.errors import FormatError, SchemaError, SourceError
from vpnlog_analytics.io.metric_files import read_maintenance_events, read_metrics, write_table
from vpnlog_analytics.simulate.metrics import reconcile_scenario


@pytest.mark.parametrize("ext", ["csv", "parquet"])
def test_round_trip(tmp_path: Path, ext: str) -> None:
    sc = reconcile_scenario("2026-10-21")
    metrics = sc.metrics.metrics
    pd.testing.assert_frame_equal(
        read_metrics(write_table(metrics, tmp_path / f"m.{ext}")), metrics
    )
    events = sc.metrics.maintenance
    back = read_maintenance_events(write_table(events, tmp_path / f"e.{ext}"))
    pd.testing.assert_frame_equal(back, events)


def test_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        read_metrics(tmp_path / "nope.csv")
    (tmp_path / "m.json").write_text("{}")
    with pytest.raises(FormatError):
        read_metrics(tmp_path / "m.json")
    (tmp_path / "m.csv").write_text("time,value\n2026-10-01T00:00:00Z,1\n")
    with pytest.raises(SchemaError, match="m.csv.*metric"):
        read_metrics(tmp_path / "m.csv")
    with pytest.raises(SchemaError, match="vpnlog maintenance"):
        read_maintenance_events(tmp_path / "m.csv")
