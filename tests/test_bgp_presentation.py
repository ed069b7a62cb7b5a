"""BGP in the charts and the report: lanes, the route-count chart, the report section."""

from __future__ import annotations

import matplotlib
import pytest
from bgp_fixtures import routed_simulation

import vpnlog_analytics as vl
from vpnlog_analytics import plotting as vp
from vpnlog_analytics.analysis import route_events
from vpnlog_analytics.plotting.timeline import BGP_LANES_ATTR

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def sim():
    return routed_simulation()


@pytest.fixture(scope="module")
def ev(sim):
    return vl.parse_records(sim.records)


def _gids(ax):
    return [c.get_gid() for c in ax.collections if c.get_gid()]


def test_timeline_has_a_bgp_lane_per_routed_tunnel(sim, ev):
    ax = vp.plot_timeline(ev, start="2026-10-02 05:30", end="2026-10-02 06:30")
    bgp_lanes = getattr(ax, BGP_LANES_ATTR)
    routed = sim.tunnels[sim.tunnels.bgp_log_stream.notna()]
    assert set(bgp_lanes) == set(zip(routed.vpn_connection_id, routed.tunnel_ip, strict=True))
    gids = _gids(ax)
    # the Cease on both tunnels: not established on both BGP lanes, IPsec up on both
    for ip in routed.tunnel_ip:
        assert f"bgp:not_established:{ip}" in gids
        assert f"state:down:{ip}" not in gids
    conn = routed.vpn_connection_id.iloc[0]
    assert f"state:down:{conn}" in gids  # the connection lane counts reachability
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels.count("BGP session") == 2
    ax.figure.clf()


def test_timeline_without_bgp_logs_has_no_bgp_lane(sim):
    ev = vl.parse_records(sim.records[~sim.records.log_stream.str.endswith("-BGP.log")])
    ax = vp.plot_timeline(ev, start="2026-10-02 05:30", end="2026-10-02 06:30")
    assert getattr(ax, BGP_LANES_ATTR) == {}
    assert not any(g.startswith("bgp:") for g in _gids(ax))
    assert "BGP session" not in [t.get_text() for t in ax.get_yticklabels()]


def test_route_count_chart(sim, ev, tmp_path):
    changes = route_events(ev)
    ax = vp.plot_route_counts(changes, start=sim.start, end=sim.end)
    lines = ax.get_lines()
    assert len(lines) == 2
    # the max-prefix leak on tunnel 1 reached 101 routes before the session dropped
    assert max(line.get_ydata().max() for line in lines) == 101
    assert ax.get_ylabel().startswith("Routes held")
    path = vp.save_chart(ax, tmp_path / "routes.png")
    assert path.stat().st_size > 1000


def test_report_has_a_bgp_section(sim, ev, tmp_path):
    report = vl.build_report(ev, tmp_path / "r", start=sim.start, end=sim.end)
    md = report.markdown.read_text()
    assert "## BGP sessions and routes" in md
    assert (tmp_path / "r" / "bgp_outages.csv").exists()
    assert (tmp_path / "r" / "charts" / "route_counts.png").exists()
    assert "bgp_notification_received" in (tmp_path / "r" / "bgp_outages.csv").read_text()
    static = vl.parse_records(sim.records[~sim.records.log_stream.str.endswith("-BGP.log")])
    plain = vl.build_report(static, tmp_path / "p", start=sim.start, end=sim.end)
    assert "BGP sessions" not in plain.markdown.read_text()
    assert not (tmp_path / "p" / "bgp_outages.csv").exists()
