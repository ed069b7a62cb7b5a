"""``vpnlog bgp`` and ``vpnlog routes``, and ``--routing`` of outages and availability."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout

import pandas as pd
import pytest
from bgp_fixtures import routed_simulation

from vpnlog_analytics.cli import main


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    sim = routed_simulation()
    folder = tmp_path_factory.mktemp("bgp-logs")
    sim.write(folder, "raw")
    return sim, str(folder)


def test_bgp_lists_the_outages_with_causes(logs):
    sim, folder = logs
    code, out, err = run("bgp", folder, "--format", "json", "--min-duration", "60s")
    assert code == 0, err
    rows = json.loads(out)
    truth = sim.bgp.outages[sim.bgp.outages.end - sim.bgp.outages.start >= pd.Timedelta("60s")]
    assert [r["cause"] for r in rows] == truth.cause.tolist()
    assert "6/6 Cease/Other Configuration Change" in {r["cause_detail"] for r in rows}
    code, out, _ = run("bgp", folder, "--sessions", "--format", "csv")
    assert code == 0 and out.startswith("vpn_connection_id,tunnel_ip,state,bgp_state,start,")
    code, out, _ = run("bgp", folder, "--flaps", "--format", "json")
    flaps = json.loads(out)
    assert len(flaps) == len(sim.bgp.outages) - 2  # not the two sessions coming up


def test_routes_at_an_instant_and_changes(logs):
    sim, folder = logs
    code, out, err = run("routes", folder, "--at", "2026-10-01 10:30", "--format", "json")
    assert code == 0, err
    got = {(r["tunnel_ip"], r["bgp_prefix"]) for r in json.loads(out)}
    want = sim.bgp.routes_at("2026-10-01 10:30")
    assert got == set(zip(want.tunnel_ip, want.bgp_prefix, strict=True))
    code, out, _ = run(
        "routes", folder, "--changes", "--prefix", "10.22.0.0/16", "--format", "json"
    )
    rows = json.loads(out)
    assert {r["bgp_prefix"] for r in rows} == {"10.22.0.0/16"}
    assert "withdrawn" in {r["action"] for r in rows}
    code, _, err = run("routes", folder, "--from", "2026-10-01")
    assert code == 1 and "--at" in err


def test_routing_option(logs):
    _, folder = logs
    code, out, _ = run("availability", folder, "--freq", "1D", "--format", "json")
    auto = json.loads(out)
    code, out, _ = run(
        "availability", folder, "--freq", "1D", "--routing", "ipsec", "--format", "json"
    )
    ipsec = json.loads(out)
    assert {r["routing"] for r in auto} == {"ipsec", "ipsec+bgp"}
    assert {r["routing"] for r in ipsec} == {"ipsec"}
    total = [sum((pd.Timedelta(r["downtime"]) for r in t), pd.Timedelta(0)) for t in (auto, ipsec)]
    assert total[0] > total[1]
    code, out, _ = run("outages", folder, "--level", "connection", "--require-routes")
    assert code == 0
    with pytest.raises(SystemExit) as exc:  # wrong usage: argparse exits with 2
        run("outages", folder, "--routing", "bgp")
    assert exc.value.code == 2
