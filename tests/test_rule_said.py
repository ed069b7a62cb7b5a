"""Every view of outages says which rule counted them (issue 22: one rule per view, said).

The BGP tunnels of the samples are the ones with BGP records; every other tunnel is judged
by IPsec states alone (``routing="auto"``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import vpnlog_analytics as vl
from vpnlog_analytics import cli
from vpnlog_analytics.present import routing_text

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@pytest.fixture(scope="module")
def bgp_tunnels() -> list[str]:
    events = vl.read_logs(SAMPLES)
    bgp = events[events["log_type"] == "bgp"]
    return sorted(bgp["tunnel_ip"].astype(str).unique())


def test_routing_text_names_each_rule_and_its_tunnels() -> None:
    rules = {"ipsec": [("c1", "1.1.1.1"), ("c1", "2.2.2.2")], "ipsec+bgp": [("c2", "3.3.3.3")]}
    assert routing_text(rules) == (
        "Outages count IPsec states for 2 tunnels; reachability (IPsec up and BGP "
        "established) for 1 tunnel: 3.3.3.3."
    )
    assert routing_text({"ipsec": ["vpn-1"]}) == "Outages count IPsec states for 1 connection."
    assert routing_text({}) == "" and routing_text(None) == ""


@pytest.mark.parametrize("command", ["outages", "summary"])
def test_outages_and_summary_say_their_rule(command, bgp_tunnels, capsys) -> None:
    assert cli.main([command, str(SAMPLES)]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    n_ipsec = 8 - len(bgp_tunnels)
    assert last == (
        f"Outages count IPsec states for {n_ipsec} tunnels; reachability (IPsec up and BGP "
        f"established) for {len(bgp_tunnels)} tunnels: {', '.join(bgp_tunnels)}."
    )
    # Machine formats stay pure.
    assert cli.main([command, str(SAMPLES), "--format", "csv"]) == 0
    assert "Outages count" not in capsys.readouterr().out


def test_report_says_the_rule_and_lists_it_per_tunnel(tmp_path: Path, bgp_tunnels) -> None:
    events = vl.read_logs(SAMPLES)
    report = vl.build_report(events, tmp_path / "r", start="2026-10-21", end="2026-10-22")
    page = report.markdown.read_text()
    assert f"for {len(bgp_tunnels)} tunnels: {', '.join(bgp_tunnels)}." in page
    tunnels = report.tables["tunnels"].set_index("tunnel_ip")["routing"].astype(str)
    assert set(tunnels[tunnels == "ipsec+bgp"].index) == set(bgp_tunnels)
