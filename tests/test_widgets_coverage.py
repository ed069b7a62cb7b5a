"""The explorer's Coverage tab (present only with metrics) on the simulated story."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("ipywidgets")

from vpnlog_analytics import parse_records
from vpnlog_analytics.errors import OptionError
from vpnlog_analytics.simulate.metrics import reconcile_scenario
from vpnlog_analytics.widgets import TABS, explore


def test_coverage_tab(tmp_path: Path) -> None:
    sc = reconcile_scenario("2026-10-21")
    events = parse_records(sc.sim.records[["message", "log_stream", "log_group", "time"]])
    ex = explore(events, metrics=sc.metrics.metrics, tab="coverage", stale_after="10min")
    assert list(ex.tabs.titles) == [*TABS.values(), "Coverage"]
    assert bytes(ex._charts["coverage"].value).startswith(b"\x89PNG")
    # The slider starts with the logs (02:00): no before-logs gap, c1/t1's silence only.
    gaps = ex.view.tables["logging_gaps"]
    assert gaps["kind"].astype(str).tolist() == ["silence"]
    assert "1 logging gaps" in ex._notes["coverage"].value
    c2 = sorted(sc.sim.tunnels.vpn_connection_id.unique())[1]
    ex.connection.value = c2
    per_tunnel = ex.view.tables["reconciliation"]
    assert set(per_tunnel["vpn_connection_id"]) == {c2}
    assert per_tunnel["idle"].tolist() == [False, True]
    written = ex.export(tmp_path)
    assert any(p.name.endswith("_reconciliation.csv") for p in written)
    plain = explore(events)
    assert list(plain.tabs.titles) == list(TABS.values())  # no metrics, no Coverage tab
    with pytest.raises(OptionError, match="coverage"):
        explore(events, tab="coverage")
