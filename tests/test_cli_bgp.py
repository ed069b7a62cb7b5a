"""``vpnlog bgp`` and ``vpnlog routes``, and ``--routing`` of outages and availability."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout

import pandas as pd
import pytest
from bgp_fixtures import T1, T2, ike, route, routed_simulation, up_sequence

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


@pytest.fixture(scope="module")
def silent_file(tmp_path_factory):
    """T1 up, established 00:00:11, 10.20.0.0/16 advertised at 00:01; its IKE log stops at
    00:02. T2 logs on until 03:00, so the default instant is after 03:00 (the last record):
    T1 has then been silent for 2 h 58 min while up."""
    records = [
        ike("00:00:00", T1, True),
        *up_sequence("00:00:10", T1),
        route("00:01:00", T1, "ADVERTISED", "10.20.0.0/16"),
        ike("00:02:00", T1, True),
        ike("00:00:00", T2, True),
        ike("03:00:00", T2, True),
    ]
    path = tmp_path_factory.mktemp("silent") / "filter-log-events.json"
    path.write_text(json.dumps({"events": records}))
    return str(path)


@pytest.mark.parametrize(
    ("option", "held"),
    [
        ([], None),  # the default (75 min) is shorter than the 2 h 58 min silence
        (["--stale-after", "2h"], None),
        (["--stale-after", "3h"], True),  # longer than the silence: still up, routes held
        (["--stale-after", "none"], True),
    ],
)
def test_routes_stale_after(silent_file, option, held):
    code, out, err = run("routes", silent_file, "--format", "json", *option)
    assert code == 0, err
    rows = json.loads(out)
    assert [(r["tunnel_ip"], r["bgp_prefix"], r["held"]) for r in rows] == [
        (T1, "10.20.0.0/16", held)
    ]
    assert ("not known to be held" in err) is (held is None)
    # at 00:30 the up state still holds under any of them
    code, out, _ = run("routes", silent_file, "--at", "2026-10-01 00:30", "--format", "json")
    assert [r["held"] for r in json.loads(out)] == [True]


def test_bgp_stale_after(silent_file):
    """T1's session is unknown from 00:02 + stale_after (its IPsec state is), to the end."""
    args = ("bgp", silent_file, "--sessions", "--format", "json")
    code, out, err = run(*args, "--stale-after", "30min")
    assert code == 0, err
    last = json.loads(out)[-1]
    assert (last["state"], last["start"]) == ("unknown", "2026-10-01T00:32:00.000Z")
    code, out, _ = run(*args, "--stale-after", "none")
    assert json.loads(out)[-1]["state"] == "established"
    code, out, _ = run("routes", silent_file, "--changes", "--stale-after", "30min")
    assert code == 0 and "advertised" in out
    with pytest.raises(SystemExit) as exc:
        run("routes", silent_file, "--stale-after", "0s")
    assert exc.value.code == 2
