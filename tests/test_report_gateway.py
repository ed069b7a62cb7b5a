"""The report with the customer gateway's log: its section, tables, chart and manifest."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from test_plotting_gateway import build_two_sided

from vpnlog_analytics.report import build_report


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("gateway_report")
    events, gw = build_two_sided(out / "logs")
    window = {"start": "2026-10-01", "end": "2026-10-02"}
    with_gw = build_report(events, out / "with", gateway=gw, **window)
    without = build_report(events, out / "without", **window)
    return with_gw, without, gw


def test_the_section_states_clocks_and_who_took_outages_down(reports) -> None:
    report, _, _ = reports
    md = report.markdown.read_text(encoding="utf-8")
    section = md.split("## The customer gateway's side", 1)[1].split("\n## ", 1)[0]
    assert "cgw1's clock is 3 s ahead of AWS's (2–5 s, 34 pairs)." in section
    assert "cgw2's clock is 41 s behind AWS's" in section
    assert "the gateway's DELETE took it down: 1" in section
    assert "the gateway went down (its IKE daemon restarted): 2" in section
    assert "1 gateway line in the period could not be matched" in section
    assert "charts/gateway_timeline.png" in section
    for name in ("gateway_clock_skew", "gateway_outages", "gateway_restarts",
                 "gateway_one_sided_failures", "gateway_unattached"):  # fmt: skip
        assert f"({name}.csv)" in section, name
        assert (report.out_dir / f"{name}.csv").is_file()
    # the page shows 10 outages of 12, the CSV all
    assert "10 of 12 rows shown" in section
    assert len(pd.read_csv(report.out_dir / "gateway_outages.csv")) == 12
    restarts = pd.read_csv(report.out_dir / "gateway_restarts.csv")
    assert restarts["cut_connection"].tolist() == [True]
    html = report.index.read_text(encoding="utf-8")
    assert 'id="gateway"' in html


def test_the_manifest_lists_the_gateway_logs(reports) -> None:
    report, _, gw = reports
    manifest = json.loads(report.manifest_path.read_text(encoding="utf-8"))
    listed = manifest["gateway_inputs"]
    assert [e["source"] for e in listed] == list(gw.attrs["sources"])
    for entry in listed:
        assert len(entry["sha256"]) == 64 and entry["size"] == Path(entry["path"]).stat().st_size
    outputs = {o["path"] for o in manifest["outputs"]}
    assert {"gateway_outages.csv", "charts/gateway_timeline.png"} <= outputs


def test_without_gateway_logs_the_report_is_unchanged(reports) -> None:
    report, without, _ = reports
    assert "gateway_inputs" not in without.manifest
    assert not [p for p in without.out_dir.rglob("*gateway*")]
    md = without.markdown.read_text(encoding="utf-8")
    assert "The customer gateway's side" not in md
    # every table of the plain report is in the gateway report, the same but the findings
    # (which gain the two-sided ones)
    for name, table in without.tables.items():
        if name != "diagnosis":
            pd.testing.assert_frame_equal(report.tables[name], table, check_like=True)
