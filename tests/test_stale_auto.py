"""``stale_after="auto"``: each tunnel's up state goes stale after its own phase 2 lifetime.

Four simulated tunnels with known AWS phase 2 lifetimes (1,200 s and 1,800 s on one
connection; the default 3,600 s on the other, once left to AWS and once set), each with the
same 50-minute logging gap, both tunnels of a connection at once. The
simulator writes the ``describe-vpn-connections`` JSON, read back as a user would. The
expected limits come from the simulator's own tunnel table (``phase2_lifetime_s``) plus
the default's 15 minutes of slack, never typed in; the expected states from
``Simulation.observable_truth`` with the same per-tunnel limits (its own implementation,
one record at a time). A 50-minute silence outlasts the 1,200 s and 1,800 s tunnels' limits
(35 and 45 min) and not the 3,600 s ones' (75 min), so the rule shows in the unknown time.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from analysis_fixtures import plain_states
from pandas.testing import assert_frame_equal

import vpnlog_analytics as vl
from vpnlog_analytics import cli
from vpnlog_analytics.analysis import (
    OptionError,
    StaleLimits,
    diagnose,
    outages,
    prepare,
    stale_limits,
    tunnel_states,
)
from vpnlog_analytics.options import DEFAULT_STALE_AFTER
from vpnlog_analytics.simulate import Incident, simulate_logs
from vpnlog_analytics.simulate.options import TunnelConfig

START, END = "2026-10-01", "2026-10-04"
SLACK = DEFAULT_STALE_AFTER - pd.Timedelta(seconds=3_600)
GAP = pd.Timedelta("50min")
CONFIGS = [
    TunnelConfig().set_aws(phase2_lifetime_s=1_200),
    TunnelConfig().set_aws(phase2_lifetime_s=1_800),
    TunnelConfig(),
    TunnelConfig().set_aws(phase2_lifetime_s=3_600),
]
#: The same logging gap on every tunnel, a day apart per connection.
INCIDENTS = [
    Incident("logging_gap", c, t, pd.Timedelta(days=1 + c), GAP) for c in (0, 1) for t in (0, 1)
]
KEYS = ["vpn_connection_id", "tunnel_ip"]
COLS = [*KEYS, "state", "start", "end", "cause"]


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory):
    result = simulate_logs(
        START,
        END,
        connections=2,
        seed=3,
        incidents=INCIDENTS,
        ike_versions=["v2", "v2"],
        tunnel_options=CONFIGS,
    )
    folder = tmp_path_factory.mktemp("auto")
    result.options_file = result.write_describe(folder)
    result.write(folder, "raw")
    result.folder = folder
    result.options = vl.read_tunnel_options(result.options_file)
    result.events = vl.parse_records(result.records)
    return result


def _expected_limits(sim) -> pd.Series:
    """Each tunnel's limit from the simulator's configuration: lifetime + slack."""
    t = sim.tunnels.set_index(KEYS)
    return pd.to_timedelta(t["phase2_lifetime_s"], unit="s") + SLACK


def test_limits_are_each_tunnels_configured_lifetime_plus_the_slack(sim) -> None:
    limits = stale_limits(sim.options)
    got = limits.table.set_index(KEYS)["stale_after"].sort_index()
    assert_frame_equal(
        got.to_frame(), _expected_limits(sim).sort_index().rename("stale_after").to_frame()
    )
    # The lifetime AWS was left to is its documented default, and the basis says so.
    basis = limits.table.set_index(KEYS)["basis"]
    left = sim.tunnels[sim.tunnels["explicit_options"].str.contains("phase2") == False]  # noqa: E712
    assert len(left) == 1
    key = tuple(left[KEYS].iloc[0])
    assert "AWS default" in basis.loc[key]
    assert basis.drop(index=[key]).str.contains("configured").all()


def test_states_follow_each_tunnels_limit(sim) -> None:
    """The analyses' states with per-tunnel limits equal the observable truth with them."""
    limits = stale_limits(sim.options)
    truth = sim.observable_truth(stale_after=limits)
    states = tunnel_states(sim.events, start=sim.start, end=sim.end, stale_after=limits)
    lead = (states["state"] == "unknown") & (states["start"] == sim.start)
    assert_frame_equal(
        plain_states(states.loc[~lead, COLS]), plain_states(truth[COLS]), check_dtype=False
    )


def _unknown(states: pd.DataFrame) -> pd.Series:
    """Unknown time per tunnel after its first record."""
    later = states[(states["state"] == "unknown") & (states["start"] > states["start"].min())]
    return later.groupby(KEYS, observed=True)["duration"].sum()


def test_unknown_time_is_the_silence_beyond_each_tunnels_own_limit(sim) -> None:
    """Per tunnel: silence - limit where the silence outlasts the limit, else nothing."""
    limits = _expected_limits(sim)
    states = tunnel_states(sim.events, start=sim.start, end=sim.end, stale_after="auto")
    by_default = _unknown(states)
    auto = _unknown(tunnel_states(prepare_auto(sim)))
    st = sim.states
    for key, limit in limits.items():
        times = st.loc[(st["tunnel_ip"] == key[1]), "time"].sort_values()
        silence = times.diff().max()
        assert silence >= GAP  # the gap is the tunnel's longest silence
        expected = max(silence - limit, pd.Timedelta(0))
        assert auto.get(key, pd.Timedelta(0)) == expected, key
        # Without the options "auto" is the default for every tunnel.
        assert by_default.get(key, pd.Timedelta(0)) == max(
            silence - DEFAULT_STALE_AFTER, pd.Timedelta(0)
        )
    assert (auto > pd.Timedelta(0)).sum() == 2  # the 1,200 s and 1,800 s tunnels


def prepare_auto(sim):
    return prepare(
        sim.events, start=sim.start, end=sim.end, stale_after="auto", options=sim.options
    )


def test_a_prepared_context_carries_the_limits(sim) -> None:
    ctx = prepare_auto(sim)
    assert isinstance(ctx.stale_after, StaleLimits)
    table = ctx.stale_limits.set_index(KEYS)["stale_after"]
    assert (table.sort_index() == _expected_limits(sim).sort_index()).all()
    # Analyses given the context agree with the same limits passed directly, and "auto"
    # takes the context's; another single limit is refused.
    limits = stale_limits(sim.options)
    assert_frame_equal(outages(ctx), outages(sim.events, stale_after=limits))
    assert_frame_equal(outages(ctx, stale_after="auto"), outages(ctx))
    with pytest.raises(OptionError, match="differs from the prepared context"):
        outages(ctx, stale_after="1h")
    # A window of the context keeps the limits.
    assert np.array_equal(ctx.within(end=sim.start + pd.Timedelta("1D")).stale, ctx.stale)


def test_logging_gap_finding_names_each_tunnels_limit(sim) -> None:
    found = diagnose(prepare_auto(sim))
    gaps = found[found["rule"] == "logging_gap"]
    limits = _expected_limits(sim)
    stale = limits[limits < GAP]
    assert set(zip(gaps["vpn_connection_id"], gaps["tunnel_ip"], strict=True)) == set(stale.index)
    for row in gaps.itertuples():
        minutes = int(limits.loc[(row.vpn_connection_id, row.tunnel_ip)].total_seconds() // 60)
        assert f"{minutes} min" in row.meaning


def test_cli_stale_after_auto_reads_the_options(sim, capsys) -> None:
    folder = str(sim.folder)
    code = cli.main(
        ["summary", folder, "--stale-after", "auto", "--options", str(sim.options_file)]
        + ["--format", "csv"]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    got = pd.read_csv(io.StringIO(out.out)).set_index(KEYS)["unknown_time"]
    want = vl.analysis.summary(sim.events, stale_after=stale_limits(sim.options))
    want = want.set_index(KEYS)["unknown_time"]
    plain = vl.analysis.summary(sim.events).set_index(KEYS)["unknown_time"]
    assert (want != plain).any()  # the limits change what is unknown...
    assert len(got) == len(want)  # ...and the command prints the per-tunnel figures
    for key, value in want.items():
        assert pd.Timedelta(got.loc[key]) == value, key
    # Without --options, "auto" says it falls back to the default.
    assert cli.main(["summary", folder, "--stale-after", "auto", "--format", "csv"]) == 0
    assert "without --options: every tunnel takes the default (75 min)" in capsys.readouterr().err


def test_report_and_manifest_say_which_tunnel_used_which_limit(sim, tmp_path: Path) -> None:
    report = vl.build_report(
        sim.events,
        tmp_path / "report",
        start=START,
        end=END,
        stale_after="auto",
        options=sim.options,
    )
    manifest = json.loads(report.manifest_path.read_text())
    params = manifest["parameters"]
    assert params["stale_after"] == "auto"
    assert params["stale_after_s"] == DEFAULT_STALE_AFTER.total_seconds()
    listed = {(t["vpn_connection_id"], t["tunnel_ip"]): t for t in params["stale_after_by_tunnel"]}
    for key, limit in _expected_limits(sim).items():
        assert listed[key]["stale_after_s"] == limit.total_seconds()
        assert f"{int(limit.total_seconds() - SLACK.total_seconds()):,} s" in listed[key]["basis"]
    page = report.index.read_text()
    assert "How long each tunnel&#x27;s up state survives a silence" in page or (
        "How long each tunnel's up state survives a silence" in page
    )
    assert (report.out_dir / "stale_limits.csv").exists()


def test_dask_takes_the_limits(sim, tmp_path: Path) -> None:
    """Per-tunnel limits reach every connection group on Dask, with pandas' results.

    Both tunnels of the first connection go stale inside their gap with the limits (35 and
    45 min against a 50-minute silence), so that connection is unobserved for a while:
    availability's ``unobserved`` differs from the default's, and Dask's equals pandas'.
    """
    pytest.importorskip("dask.dataframe")
    from vpnlog_analytics import dask as vd
    from vpnlog_analytics.io.parquet import to_parquet

    to_parquet(sim.folder, tmp_path / "events.parquet")
    ddf = vd.read_events(tmp_path / "events.parquet")
    limits = stale_limits(sim.options)
    window = {"start": START, "end": END}
    expected = vl.analysis.availability(sim.events, stale_after=limits, **window)
    plain = vl.analysis.availability(sim.events, **window)
    assert (expected["unobserved"] > plain["unobserved"]).sum() == 1
    got = vd.availability(ddf, stale_after=limits, **window)
    assert_frame_equal(
        got.reset_index(drop=True), expected.reset_index(drop=True), check_categorical=False
    )
