"""The report people finish reading: short tables, outlier-proof charts, one colour per event."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import vpnlog_analytics as vl
from vpnlog_analytics.analysis import prepare, route_events
from vpnlog_analytics.plotting import plot_event_counts, plot_outage_durations, plot_route_counts
from vpnlog_analytics.plotting._style import EVENT_COLORS
from vpnlog_analytics.report import Report
from vpnlog_analytics.report.sections import MAX_ROWS

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def report(samples_report: Report) -> Report:
    """The samples' October report (built once per session, see conftest)."""
    return samples_report


def _tables(page: str) -> dict[str, int]:
    """Rows of every table of the page, by table id."""
    found = re.findall(r'<table id="([^"]+)".*?<tbody>(.*?)</tbody>', page, re.S)
    return {tid: body.count("<tr>") for tid, body in found}


def test_long_tables_are_summarised_with_their_csv_whole(report: Report) -> None:
    page = report.index.read_text()
    rows = _tables(page)
    # the findings are the report's point: all of them stay in the page, with what to
    # change once per rule
    whole = {"findings", "remediation"}
    assert all(n <= MAX_ROWS for tid, n in rows.items() if tid not in whole), rows
    route_csv = pd.read_csv(report.out_dir / "route_events.csv")
    assert len(route_csv) > 100  # every route change of the leak is in the CSV
    assert "210 route changes in" in page or f"{len(route_csv)} route changes in" in page
    tunnel_csv = pd.read_csv(report.out_dir / "outages_tunnel.csv")
    assert rows["tunnel-outages"] < len(tunnel_csv)
    left = len(tunnel_csv) - rows["tunnel-outages"]
    assert f"the other {left} are in outages_tunnel.csv" in page


def test_ids_are_never_broken_mid_token(report: Report) -> None:
    page = report.index.read_text()
    ids = set(re.findall(r"vpn-[0-9a-f]{17}", page))
    assert ids
    for cell in re.findall(r"<td[^>]*>(.*?)</td>", page):
        for vpn in ids & set(re.findall(r"vpn-[0-9a-f]{17}", cell)):
            assert re.search(rf'class="nw">[^<]*{vpn}', cell) or cell.startswith(vpn), cell


def test_route_chart_shows_the_small_withdrawal() -> None:
    events = vl.read_logs(SAMPLES)
    ctx = prepare(events, start="2026-10-01", end="2026-11-01")
    changes = route_events(ctx)
    assert changes["routes"].max() > 50  # the leak
    ax = plot_route_counts(changes)
    low, high = ax.get_ylim()
    assert low == 0 and high < 12  # a 3 -> 2 step is a twelfth of the axis at least
    assert [t.get_gid() for t in ax.texts] == ["peak"]
    ticks = ax.get_yticks()
    assert np.allclose(ticks, np.round(ticks))


def _outages() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "vpn_connection_id": ["vpn-1", "vpn-1", "vpn-1"],
            "tunnel_ip": ["1.1.1.1"] * 3,
            "duration": pd.to_timedelta([30, 90, 4000], unit="s"),
            "cause": ["psk_mismatch", "dpd_timeout", "dpd_timeout"],
        }
    )


def test_one_colour_per_event_across_charts() -> None:
    ax = plot_outage_durations(_outages(), sla=None)
    from matplotlib.colors import to_rgba

    handles, labels = ax.get_legend_handles_labels()
    by_label = {label: h.get_facecolor() for h, label in zip(handles, labels, strict=True)}

    assert by_label["DPD timeout (peer silent)"] == to_rgba(EVENT_COLORS["dpd_timeout"])
    assert by_label["pre-shared key mismatch"] == to_rgba(EVENT_COLORS["psk_mismatch"])
    # the same event in the event-count chart, whatever its rank there
    events = vl.read_logs(SAMPLES / "insights-2026-10-21.csv")
    bars = plot_event_counts(events, freq="1h")
    for container in bars.containers:
        name = re.search(r"\((\w+)\)$", container.get_label())
        if name and name.group(1) in EVENT_COLORS:
            want = to_rgba(EVENT_COLORS[name.group(1)])
            assert container.patches[0].get_facecolor() == want


def test_count_axes_have_integer_ticks_and_no_budget_on_tunnel_outages() -> None:
    ax = plot_outage_durations(_outages(), sla=None)
    assert not [line for line in ax.lines if line.get_gid() == "sla-budget"]
    ticks = ax.get_yticks()
    assert np.allclose(ticks, np.round(ticks))
    events = vl.read_logs(SAMPLES / "insights-2026-10-21.csv")
    bars = plot_event_counts(events, freq="1h")
    ticks = bars.get_yticks()
    assert np.allclose(ticks, np.round(ticks))


def test_report_outage_chart_has_no_budget_line(report: Report) -> None:
    svg = (report.out_dir / "charts" / "outage_durations.svg").read_text()
    assert 'id="sla-budget"' not in svg


def test_a_long_token_is_never_cut_and_prose_is() -> None:
    """A path or id longer than the cell limit stays whole (there is no space to cut at);
    prose is cut at a space with an ellipsis."""
    from vpnlog_analytics.report.render import MAX_CELL_CHARS, _cell_html

    path = "data/samples/s3-export/exportedlogs/" + "x" * MAX_CELL_CHARS + "/000000.gz"
    assert "000000.gz" in _cell_html(path) and "…" not in _cell_html(path)
    prose = "word " * MAX_CELL_CHARS
    visible = _cell_html(prose).split('">', 1)[1]  # after the tooltip of the full text
    assert visible.endswith("…</span>") and len(visible) <= MAX_CELL_CHARS + len(" …</span>")


def test_a_shortened_table_counts_what_is_left_in_words() -> None:
    from vpnlog_analytics.report.render import Table
    from vpnlog_analytics.report.sections import _capped

    frame = pd.DataFrame({"n": range(MAX_ROWS + 1)})
    one = _capped(Table("t", "T", frame), "in manifest.json")
    assert one.note.startswith(f"{MAX_ROWS} of {MAX_ROWS + 1} rows shown (the first); ")
    assert "the other 1 is in manifest.json." in one.note
    two = _capped(Table("t", "T", pd.DataFrame({"n": range(MAX_ROWS + 2)}), "t.csv"))
    assert "the other 2 are in t.csv." in two.note
