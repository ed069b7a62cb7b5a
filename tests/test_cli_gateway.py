"""``vpnlog gateway``: both ends of the samples' connection 1 from the terminal (issue 24).

Expected values come from the simulator's truth of the samples' gateway log
(``simulate.sample_gateway_logs``: its clock offset and, per outage episode, who ended it),
never from the command's own output.
"""

from __future__ import annotations

import io
import json
import re
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pandas as pd
import pytest

from vpnlog_analytics.cli import main
from vpnlog_analytics.simulate import SAMPLES_GATEWAY, sample_gateway_logs, sample_simulation

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
GATEWAY = ["--cgw-logs", str(SAMPLES / "gateway"), "--cgw-tz", "Europe/Berlin"]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def truth():
    return sample_gateway_logs(sample_simulation())


def test_the_clock_and_who_ended_each_outage(truth) -> None:
    code, out, err = run("gateway", str(SAMPLES), *GATEWAY)
    assert code == 0
    lines = truth.lines
    assert err.splitlines()[0] == (
        f"vpnlog: read {sum(len(v) for v in lines.values()):,} gateway lines of 1 device "
        f"({SAMPLES_GATEWAY['device']})"
    )
    # the stated interval holds the simulated offset
    m = re.search(
        r"edge-fra1: ([+-][\d.]+) s \(([+-][\d.]+) s to ([+-][\d.]+) s, ([\d,]+) pairs", out
    )
    assert m, out
    low, high = float(m[2]), float(m[3])
    offset = pd.Timedelta(SAMPLES_GATEWAY["offset"]).total_seconds()
    assert low <= offset <= high and int(m[4].replace(",", "")) > 1000


def test_json_verdicts_match_the_truth(truth) -> None:
    code, out, _ = run("gateway", str(SAMPLES), *GATEWAY, "--format", "json")
    assert code == 0
    got = pd.DataFrame(json.loads(out))
    got["start"] = pd.to_datetime(got["start"], utc=True)
    want = truth.verdicts
    merged = want.merge(got, on=["tunnel_ip", "start"], suffixes=("_truth", ""))
    # every episode of the truth is an outage of the command, and only the gateway's tunnels
    assert len(merged) == len(want) == len(got)
    assert merged["ended_by"].tolist() == merged["ended_by_truth"].tolist()
    dpd = merged[merged["ended_by"] == "both"]
    assert len(dpd) == 2 and dpd["dpd_first"].tolist() == dpd["dpd_first_truth"].tolist()


def test_without_the_zone_one_line_names_the_flag() -> None:
    code, _, err = run("gateway", str(SAMPLES), "--cgw-logs", str(SAMPLES / "gateway"))
    assert code == 1
    assert err.startswith("vpnlog: error: ") and "--cgw-tz" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_skew_given_by_hand_is_applied_and_said() -> None:
    code, out, _ = run("gateway", str(SAMPLES), *GATEWAY, "--skew", "2s")
    assert code == 0 and "Gateway times below: corrected by +2 s." in out
    code, out, _ = run("gateway", str(SAMPLES), *GATEWAY, "--skew", "none")
    assert code == 0 and "Gateway times below: not corrected." in out
