"""A bare ``build_report(...)`` in a notebook shows where the report is, not its tables."""

from __future__ import annotations

from pathlib import Path

import vpnlog_analytics as vl
from vpnlog_analytics.simulate import simulate_logs


def test_report_repr_is_one_line_naming_the_page(tmp_path: Path) -> None:
    sim = simulate_logs("2026-10-01", "2026-10-02", connections=1, seed=5)
    report = vl.build_report(
        vl.parse_records(sim.records), tmp_path / "rep", start="2026-10-01", end="2026-10-02"
    )
    text = repr(report)
    assert "\n" not in text and len(text) < 300
    assert "index.html" in text
    assert f"{len(report.tables)} CSV tables" in text
    assert f"{len(report.charts)} chart files" in text
