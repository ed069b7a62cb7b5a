"""plot_coverage draws the reconciliation of the simulated story: artists inspected."""

from __future__ import annotations

from pathlib import Path

import matplotlib.dates as mdates
import pandas as pd
import pytest

from vpnlog_analytics import parse_records
from vpnlog_analytics.analysis.reconcile import reconcile
from vpnlog_analytics.errors import OptionError
from vpnlog_analytics.plotting import save_chart
from vpnlog_analytics.plotting.coverage import plot_coverage
from vpnlog_analytics.simulate.metrics import reconcile_scenario


def test_coverage_chart_shows_the_story(tmp_path: Path) -> None:
    sc = reconcile_scenario("2026-10-21")
    events = parse_records(sc.sim.records[["message", "log_stream", "log_group", "time"]])
    rec = reconcile(events, sc.metrics.metrics, stale_after="10min")
    ax = plot_coverage(rec)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 4 and all(label.startswith("vpn-") for label in labels)
    by_gid: dict[str, list] = {}
    for coll in ax.collections:
        by_gid.setdefault(coll.get_gid(), []).append(coll)
    # One disagreement (c1/t2, 18:00-19:00), drawn as one bar of one hour.
    (dis,) = by_gid["coverage-disagree"]
    start, end = sc.story["disagree"]
    path = dis.get_paths()[0].vertices
    assert mdates.num2date(path[:, 0].min()) == start.to_pydatetime()
    assert mdates.num2date(path[:, 0].max()) == end.to_pydatetime()
    # Logging gaps: before logging on every tunnel and c1/t1's silence.
    assert len(by_gid["coverage-logging_gap"]) == 5
    assert "coverage-no-traffic" in by_gid
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "metrics only (logging gap)" in legend and "logs and metrics disagree" in legend
    assert ax.get_xlabel() == "Time (UTC)"
    out = save_chart(ax, tmp_path / "coverage.png")
    assert out.stat().st_size > 10_000


def test_coverage_needs_a_reconcile_result() -> None:
    with pytest.raises(OptionError, match="reconcile"):
        plot_coverage(pd.DataFrame({"x": [1]}))
