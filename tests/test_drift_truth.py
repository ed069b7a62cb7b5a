"""Drift verdicts and findings against the simulator's truth: tunnels with known options.

Each tunnel below is simulated from a :class:`TunnelConfig` (AWS's options and the
gateway's own); the simulator writes the ``describe-vpn-connections`` JSON, which is read
back as a user would. The expected verdicts are derived from the configurations by the
rekey rule (a side rekeys ``lifetime - margin * (1 + fuzz * u)`` after each SA; the side
due first starts the rekey), never typed in:

- AWS's window ``[L - m(1 + f), L - m]`` entirely after the gateway's: the gateway always
  rekeys first, AWS's own rekey time is ``hidden`` and the gateway's ``differs`` (shorter);
- entirely before: AWS starts every rekey, its intervals ``agree`` and the gateway's
  lifetime ``differs`` (longer), with the ``options_gateway_lifetime`` finding;
- the same narrow window on both sides: collisions, ``options_rekey_collision``.

After a DPD timeout AWS negotiates first only under ``DPDTimeoutAction=restart`` (or
``StartupAction=start``): the ``dpd_timeout_action`` verdict agrees with each tunnel's
configuration, and the tunnel that waits under ``clear``/``add`` gets
``options_stays_down``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import vpnlog_analytics as vl
from vpnlog_analytics import cli
from vpnlog_analytics.analysis.configuration import AGREES, DIFFERS, HIDDEN
from vpnlog_analytics.simulate import Incident, simulate_logs
from vpnlog_analytics.simulate.options import TunnelConfig

START, END = "2026-10-01", "2026-10-08"
CONFIGS = [
    TunnelConfig(),  # strongSwan from AWS's sample configuration: 2,520..3,060 s
    TunnelConfig(cgw_phase2_lifetime_s=28_800),  # Libreswan's 8 h: AWS always first
    TunnelConfig(cgw_rekey_margin_s=270, cgw_rekey_fuzz_pct=5).set_aws(rekey_fuzz_pct=5),
    TunnelConfig().set_aws(phase2_lifetime_s=1800, rekey_margin_s=135),  # AWS first
    TunnelConfig().set_aws(dpd_timeout_action="restart"),
    TunnelConfig(),
]
INCIDENTS = [
    Incident("dpd_timeout", 2, 0, pd.Timedelta("2D"), pd.Timedelta("40min")),
    Incident("dpd_timeout", 2, 1, pd.Timedelta("3D"), pd.Timedelta("40min")),
]


def _window(cfg: TunnelConfig, side: str) -> tuple[float, float]:
    if side == "aws":
        life, margin, fuzz = cfg.phase2_lifetime_s, cfg.rekey_margin_s, cfg.rekey_fuzz_pct
    else:
        life, margin, fuzz = (
            cfg.cgw_phase2_lifetime_s,
            cfg.cgw_rekey_margin_s,
            cfg.cgw_rekey_fuzz_pct,
        )
    return life - margin * (1 + fuzz / 100), life - margin


@pytest.fixture(scope="module")
def simulated(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    sim = simulate_logs(
        START,
        END,
        connections=3,
        seed=11,
        incidents=INCIDENTS,
        ike_versions=["v2", "v2", "v2"],
        tunnel_options=CONFIGS,
    )
    folder = tmp_path_factory.mktemp("described")
    options = vl.read_tunnel_options(sim.write_describe(folder))
    events = vl.parse_records(sim.records)
    return sim.tunnels, options, events


def _verdicts(drift: pd.DataFrame, ip: str) -> dict[str, str]:
    mine = drift[drift.tunnel_ip.astype(str) == ip]
    return dict(zip(mine.parameter, mine.verdict.astype(str), strict=True))


def test_configured_values_read_back_exactly(simulated: tuple[pd.DataFrame, ...]) -> None:
    tunnels, options, _ = simulated
    merged = tunnels.merge(options, on=["vpn_connection_id", "tunnel_ip"], suffixes=("", "_read"))
    assert len(merged) == len(CONFIGS)
    for col in ("phase2_lifetime_s", "rekey_margin_s", "rekey_fuzz_pct", "dpd_timeout_s"):
        assert (merged[col].astype(int) == merged[f"{col}_read"].astype(int)).all(), col
    assert (merged.dpd_timeout_action == merged.dpd_timeout_action_read.astype(str)).all()


def test_rekey_verdicts_follow_the_configured_windows(simulated: tuple[pd.DataFrame, ...]) -> None:
    tunnels, options, events = simulated
    drift = vl.option_drift(options, events)
    for k, cfg in enumerate(CONFIGS):
        ip = str(tunnels.tunnel_ip.iloc[k])
        got = _verdicts(drift, ip)
        aws, cgw = _window(cfg, "aws"), _window(cfg, "cgw")
        if cgw[1] <= aws[0]:  # the gateway always first (touching: almost surely)
            assert got["phase2_lifetime_s"] == HIDDEN, (k, got)
            assert got["gateway_phase2_rekey_s"] == AGREES, (k, got)  # as intended
        elif aws[1] <= cgw[0]:  # AWS always first
            assert got["phase2_lifetime_s"] == AGREES, (k, got)
            assert got["gateway_phase2_rekey_s"] == DIFFERS, (k, got)
        else:  # the windows overlap: both start rekeys, and some collide
            assert got["phase2_lifetime_s"] == AGREES, (k, got)
            assert "rekey_collisions" in got, (k, got)


def test_dpd_action_verdicts_and_findings(simulated: tuple[pd.DataFrame, ...]) -> None:
    tunnels, options, events = simulated
    drift = vl.option_drift(options, events)
    found = vl.diagnose(events, options=options)
    for k in (4, 5):  # connection 2: restart on tunnel 0, clear on tunnel 1
        ip = str(tunnels.tunnel_ip.iloc[k])
        row = drift[(drift.tunnel_ip.astype(str) == ip) & (drift.parameter == "dpd_timeout_action")]
        assert row.verdict.astype(str).iloc[0] == AGREES, row.note.iloc[0]
        restart = CONFIGS[k].dpd_timeout_action == "restart"
        assert row.observed.iloc[0] == ("AWS initiates" if restart else "AWS waits")
        mine = set(found[found.tunnel_ip.astype(str) == ip].rule.astype(str))
        assert ("options_stays_down" in mine) == (not restart)
        assert "options_not_in_force" not in mine


def test_findings_match_the_configurations(simulated: tuple[pd.DataFrame, ...]) -> None:
    tunnels, options, events = simulated
    found = vl.diagnose(events, options=options)
    rules = {(str(r), str(ip)) for r, ip in zip(found.rule, found.tunnel_ip, strict=True)}
    ips = [str(ip) for ip in tunnels.tunnel_ip]
    assert ("options_gateway_lifetime", ips[1]) in rules  # Libreswan at 8 h
    assert ("options_gateway_lifetime", ips[3]) in rules  # AWS at 1,800 s
    assert ("options_rekey_collision", ips[2]) in rules  # both sides in step
    assert ("options_rekey_collision", ips[0]) not in rules
    assert not any(r == "options_not_in_force" for r, _ in rules)


def test_cli_drift_on_the_written_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sim = simulate_logs(
        START, "2026-10-02", connections=1, seed=3, ike_versions=["v2"], tunnel_options=CONFIGS[:2]
    )
    written = sim.write(tmp_path / "logs", "raw")
    described = sim.write_describe(tmp_path)
    assert written
    code = cli.main(["drift", str(tmp_path / "logs"), "--options", str(described), "--differs"])
    out = capsys.readouterr().out
    assert code == 0 and "gateway_phase2_rekey_s" in out and "differs" in out


def test_drift_and_findings_equal_with_the_tables_given(
    simulated: tuple[pd.DataFrame, ...],
) -> None:
    _, options, events = simulated
    rekeys = vl.rekey_intervals(events)
    drift = vl.option_drift(options, events)
    pd.testing.assert_frame_equal(vl.option_drift(options, events, rekeys=rekeys), drift)
    found = vl.diagnose(events, options=options)
    given = vl.diagnose(events, options=options, drift=drift, rekeys=rekeys)
    pd.testing.assert_frame_equal(given, found)
    # the scenario's rekey and DPD findings are among them
    rules = set(found.rule.astype(str))
    assert {"options_gateway_lifetime", "options_rekey_collision", "options_stays_down"} <= rules


def test_who_establishes_sas_follows_the_simulated_negotiations() -> None:
    # IKEv1 logs who starts Quick Mode, so the simulator's truth names the initiator of
    # every negotiation, establishments included: AWS after a DPD timeout under restart,
    # the gateway after its delete, its wrong key, or a DPD timeout under clear
    configs = [TunnelConfig().set_aws(dpd_timeout_action="restart"), TunnelConfig()]
    incidents = [
        Incident("dpd_timeout", 0, 0, pd.Timedelta("1D"), pd.Timedelta("40min")),
        Incident("dpd_timeout", 0, 1, pd.Timedelta("1D"), pd.Timedelta("40min")),
        Incident("cgw_delete", 0, 0, pd.Timedelta("2D"), pd.Timedelta("1min")),
        Incident("psk_mismatch", 0, 1, pd.Timedelta("2D"), pd.Timedelta("20min")),
    ]
    sim = simulate_logs(
        START,
        "2026-10-04",
        connections=1,
        seed=5,
        incidents=incidents,
        ike_versions=["v1"],
        tunnel_options=configs,
    )
    truth = sim.rekeys[sim.rekeys.purpose == "establish"]
    want = truth.groupby(["tunnel_ip", "initiator"]).size().unstack(fill_value=0)
    obs = vl.observed_options(vl.parse_records(sim.records)).set_index("tunnel_ip")
    restart, clear = (str(ip) for ip in sim.tunnels.tunnel_ip)
    assert dict(want.loc[restart]) == {"aws": 1, "cgw": 1}
    assert dict(want.loc[clear]) == {"aws": 0, "cgw": 2}
    for ip in (restart, clear):
        got = obs.loc[ip]
        assert got.aws_establishments == want.loc[ip, "aws"], ip
        assert got.cgw_establishments == want.loc[ip, "cgw"], ip
        assert got.establishments == want.loc[ip].sum(), ip
