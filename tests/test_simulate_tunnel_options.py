"""The simulator follows each side's tunnel options, and reports AWS's side as AWS would.

The expected ranges come from the options and the rule of the reference (strongSwan's:
after a child SA is established at ``t0`` a side rekeys at ``t0 + L - m * (1 + f * U)``,
``U`` uniform in ``[0, 1]``), worked out by hand in each test, never from the simulator.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pandas as pd
import pytest

import vpnlog_analytics as vl
from vpnlog_analytics.analysis import outages
from vpnlog_analytics.errors import OptionError
from vpnlog_analytics.io.tunnel_options import option_default, read_tunnel_options
from vpnlog_analytics.simulate import Incident, TunnelConfig, simulate_logs, write_simulation
from vpnlog_analytics.simulate.options import AWS_DEFAULTS

START, WEEK, FORTNIGHT = "2026-10-01", "2026-10-08", "2026-10-15"
KEYS = ["vpn_connection_id", "tunnel_ip"]

#: AWS at its defaults (L 3,600, m 270, f 100 %) beside the gateway of AWS's sample
#: strongSwan config (L 3,600, m 540, f 100 %).
DEFAULTS = TunnelConfig()
#: A Libreswan-style gateway at its default salifetime of 8 h.
LONG_CGW = TunnelConfig(cgw_phase2_lifetime_s=28_800)
#: A gateway at 30 minutes.
SHORT_CGW = TunnelConfig(cgw_phase2_lifetime_s=1_800)
#: AWS at 3,000 s (m 300, f 100 %) against the default gateway: both can win.
OVERLAP = TunnelConfig().set_aws(phase2_lifetime_s=3_000, rekey_margin_s=300)
#: Both sides at one lifetime and margin, with little or no fuzz.
SAME_NO_FUZZ = TunnelConfig(cgw_rekey_margin_s=270, cgw_rekey_fuzz_pct=0).set_aws(rekey_fuzz_pct=0)
SAME_LOW_FUZZ = TunnelConfig(cgw_rekey_margin_s=270, cgw_rekey_fuzz_pct=5).set_aws(rekey_fuzz_pct=5)


@functools.cache
def _healthy(config: TunnelConfig, version: str = "v2", end: str = WEEK):
    """One connection (two tunnels) without incidents, every tunnel on ``config``."""
    return simulate_logs(
        START, end, connections=1, seed=11, ike_versions=(version,), tunnel_options=config
    )


def _rekey_intervals(sim) -> pd.DataFrame:
    """Per rekey: its initiator(s) and the time since the previous rekey of its tunnel [s].

    The first rekey of each tunnel is left out: its SA was established before the window.
    """
    r = sim.rekeys[sim.rekeys.purpose == "rekey"]
    per = (
        r.groupby([*KEYS, "time"], observed=True)
        .agg(initiator=("initiator", lambda s: "both" if s.nunique() > 1 else s.iloc[0]))
        .reset_index()
    )
    per["interval"] = per.groupby(KEYS).time.diff().dt.total_seconds()
    return per.dropna(subset=["interval"])


def test_aws_defaults_are_the_documented_ones_read_back() -> None:
    """The simulator's AWS defaults equal what the options reader fills in for unset ones."""
    for name, value in AWS_DEFAULTS.items():
        expected = ",".join(value) if isinstance(value, tuple) else value
        assert option_default(name) == expected, name


@pytest.mark.parametrize(
    ("config", "initiator", "low", "high"),
    [
        # gateway: 3600 - 540 * (1 + U) in [2520, 3060]; AWS: 3600 - 270 * (1 + U) in
        # [3060, 3330]: the gateway is always due first.
        (DEFAULTS, "cgw", 2_520, 3_060),
        # gateway: 28800 - 540 * (1 + U) >= 27720: AWS, in [3060, 3330], always first.
        (LONG_CGW, "aws", 3_060, 3_330),
        # gateway: 1800 - 540 * (1 + U) in [720, 1260]: always before AWS.
        (SHORT_CGW, "cgw", 720, 1_260),
    ],
    ids=["defaults", "cgw-8h", "cgw-30min"],
)
def test_the_side_due_first_initiates_within_its_range(config, initiator, low, high) -> None:
    got = _rekey_intervals(_healthy(config))
    assert len(got) > 100
    assert set(got.initiator) == {initiator}
    # whole seconds: the rekey comes in the second its due time falls in
    assert got.interval.between(low, high).all(), got.interval.describe()
    # the draws spread over the range, not in a corner of it
    assert got.interval.min() < low + (high - low) / 4
    assert got.interval.max() > high - (high - low) / 4


def test_either_side_initiates_when_their_ranges_overlap() -> None:
    """AWS at L 3000, m 300, f 100 %: due in [2400, 2700]; the gateway in [2520, 3060].

    AWS initiates whenever it is due first, so its rekeys come 2400-2700 s apart; the
    gateway wins only when it is due before AWS, so its rekeys come 2520-2700 s apart, and
    it wins P(C < A) = (180^2 / 2) / (540 * 300) = 10 % of the time.
    """
    got = _rekey_intervals(_healthy(OVERLAP, end=FORTNIGHT))
    aws, cgw = got[got.initiator == "aws"], got[got.initiator == "cgw"]
    assert aws.interval.between(2_400, 2_700).all()
    assert cgw.interval.between(2_520, 2_700).all()
    assert 0.04 < len(cgw) / len(got) < 0.2


def test_collisions_come_from_the_configuration() -> None:
    """Same lifetime and margin on both sides: without fuzz every IKEv2 rekey collides;
    with 5 % fuzz both are due within 2 s when |U - U'| * 13.5 s < 2 s, P = 2a - a^2 with
    a = 2 / 13.5, about 27 %; with the defaults the sides' ranges touch only at 3060 s,
    so never. IKEv1 has no collision detection: never."""

    def rate(sim) -> float:
        got = _rekey_intervals(sim)
        return float((got.initiator == "both").mean())

    assert rate(_healthy(SAME_NO_FUZZ)) == 1.0
    assert 0.15 < rate(_healthy(SAME_LOW_FUZZ, end=FORTNIGHT)) < 0.4
    assert rate(_healthy(DEFAULTS)) == 0.0
    assert rate(_healthy(LONG_CGW)) == 0.0
    assert rate(_healthy(SAME_NO_FUZZ, "v1")) == 0.0
    # a collision is logged as one: both request ids, the collision and redundant-SA lines
    sim = _healthy(SAME_NO_FUZZ)
    events = vl.parse_records(sim.records)
    assert (events.event == "rekey_collision").sum() == sim.rekeys.collision.sum() // 2


SIGNS_OF_LIFE = (
    "packet_received",
    "dpd_ack_received",
    "child_sa_response_received",
    "child_sa_request_received",
    "phase1_sa_established",
    "phase2_sa_established",
)


@functools.cache
def _dpd_sim(timeout: int, nat_t: bool):
    config = TunnelConfig().set_aws(dpd_timeout_s=timeout)
    incidents = [
        Incident("dpd_timeout", 0, 0, "2026-10-01 03:00:00", 600),
        Incident("dpd_flapping", 0, 1, "2026-10-01 06:00:00", 5400),
        Incident("site_outage", 0, "both", "2026-10-01 14:00:00", "2h"),
    ]
    sim = simulate_logs(
        START,
        "2026-10-02",
        connections=1,
        seed=3,
        incidents=incidents,
        tunnel_options=config,
        nat_t=nat_t,
    )
    sim.events = vl.parse_records(sim.records)
    return sim


@pytest.mark.parametrize("timeout", [40, 120])
@pytest.mark.parametrize("nat_t", [True, False], ids=["nat-t", "no-nat"])
def test_dpd_record_follows_the_peer_loss_by_the_configured_timeout(timeout, nat_t) -> None:
    sim = _dpd_sim(timeout, nat_t)
    dpd = sim.dpd_timeouts
    assert len(dpd) >= 5
    assert ((dpd.declared - dpd.peer_lost).dt.total_seconds() == timeout).all()
    assert (sim.tunnels.dpd_timeout_s == timeout).all()
    ev = sim.events
    for row in dpd.itertuples():
        mine = ev[ev.tunnel_ip == row.tunnel_ip]
        at = mine[mine.time == row.declared]
        assert (at.event == "dpd_timeout").any()
        dying = mine[(mine.time >= row.peer_lost) & (mine.time < row.declared)]
        assert not dying.event.isin(SIGNS_OF_LIFE).any()  # nothing heard once lost
        # AWS probes every 10 s from 10 s after the loss
        probes = dying[dying.details.str.startswith("sending packet")].time
        expected = pd.date_range(
            row.peer_lost + pd.Timedelta(seconds=10), row.declared, freq="10s", inclusive="left"
        )
        assert set(expected) <= set(probes)
    if nat_t:
        # the keep-alives are answered until the loss: the last sign of life logged is
        # within one DPD interval (10 s, plus timer jitter) of it
        got = outages(sim.events, start=sim.start, end=sim.end)
        got = got[got.cause == "dpd_timeout"].merge(
            dpd, left_on=[*KEYS, "start"], right_on=[*KEYS, "declared"]
        )
        assert len(got) == len(dpd)
        lag = (got.start - got.last_alive).dt.total_seconds()
        assert lag.between(timeout, timeout + 12).all(), lag.tolist()


def test_a_dpd_outage_needs_the_gateway_heard_after_the_previous_one() -> None:
    config = TunnelConfig().set_aws(dpd_timeout_s=300)
    incidents = [
        Incident("dpd_timeout", 0, 0, "2026-10-01 03:00:00", 600),
        Incident("dpd_timeout", 0, 0, "2026-10-01 03:12:00", 600),
    ]
    with pytest.raises(ValueError, match="dpd_timeout_s"):
        simulate_logs(
            START, "2026-10-02", connections=1, incidents=incidents, tunnel_options=config
        )


def test_tunnels_carry_both_sides_settings() -> None:
    configs = [LONG_CGW, SAME_LOW_FUZZ, None, OVERLAP]
    sim = simulate_logs(START, "2026-10-02", connections=2, seed=2, tunnel_options=configs)
    t = sim.tunnels.sort_values(["connection", "tunnel"])
    assert t.cgw_phase2_lifetime_s.tolist() == [28_800, 3_600, 3_600, 3_600]
    assert t.cgw_rekey_margin_s.tolist() == [540, 270, 540, 540]
    assert t.rekey_fuzz_pct.tolist() == [100, 5, 100, 100]
    assert t.phase2_lifetime_s.tolist() == [3_600, 3_600, 3_600, 3_000]
    assert t.explicit_options.tolist() == [
        "",
        "rekey_fuzz_pct",
        "",
        "phase2_lifetime_s,rekey_margin_s",
    ]


def test_initiation_arguments_fold_into_the_options() -> None:
    sim = simulate_logs(
        START,
        "2026-10-02",
        connections=1,
        startup_action=("start", "add"),
        dpd_timeout_action="restart",
    )
    t = sim.tunnels.sort_values("tunnel")
    assert t.startup_action.tolist() == ["start", "add"]
    assert t.dpd_timeout_action.tolist() == ["restart", "restart"]
    # set where they change AWS's default, so AWS reports them
    assert t.explicit_options.tolist() == [
        "dpd_timeout_action,startup_action",
        "dpd_timeout_action",
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rekey_margin_s": 2_000}, "rekey_margin_s=2000 is outside"),
        ({"rekey_fuzz_pct": 101}, "rekey_fuzz_pct=101"),
        ({"phase2_lifetime_s": 3_600, "rekey_margin_s": 1_801}, "outside|half"),
        ({"dpd_timeout_action": "hold"}, "dpd_timeout_action='hold' is not valid"),
        ({"ike_versions": ("ikev3",)}, "ike_versions"),
        ({"cgw_phase2_lifetime_s": 600, "cgw_rekey_margin_s": 540}, "gateway's rekey margin"),
        ({"explicit": {"color"}}, "names no AWS option"),
    ],
)
def test_bad_options_raise(kwargs, message) -> None:
    with pytest.raises(OptionError, match=message):
        TunnelConfig(**kwargs)


def test_options_must_allow_the_tunnels_ike_version() -> None:
    v2_only = TunnelConfig().set_aws(ike_versions=("ikev2",))
    with pytest.raises(OptionError, match="IKEv1"):
        simulate_logs(
            START, "2026-10-02", connections=1, ike_versions=("v1",), tunnel_options=v2_only
        )
    with pytest.raises(OptionError, match="rekey_interval"):
        simulate_logs(START, "2026-10-02", connections=1, rekey_interval=1800)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="tunnel_options: expected 2"):
        simulate_logs(START, "2026-10-02", connections=1, tunnel_options=[DEFAULTS])


# --- describe-vpn-connections ------------------------------------------------------------------
@functools.cache
def _described():
    configs = [
        LONG_CGW,
        TunnelConfig().set_aws(phase2_lifetime_s=1_800, dpd_timeout_s=60, ike_versions=("ikev2",)),
        None,
        TunnelConfig().set_aws(
            phase1_lifetime_s=14_400,
            rekey_margin_s=540,
            rekey_fuzz_pct=50,
            replay_window=2_048,
            dpd_timeout_action="restart",
            startup_action="start",
            ike_versions=("ikev2",),
        ),
    ]
    return simulate_logs(
        START,
        "2026-10-02",
        connections=2,
        seed=4,
        tunnel_options=configs,
        bgp=[1],
        ike_versions=("v2", "v2"),
        output_format=["json", "json", "text", "text"],
    )


def test_describe_json_reads_back_to_each_tunnels_aws_options(tmp_path) -> None:
    sim = _described()
    path = sim.write_describe(tmp_path)
    assert path.name == "describe-vpn-connections.json"
    read = read_tunnel_options(path)
    assert len(read) == len(sim.tunnels)
    merged = sim.tunnels.merge(read, on=KEYS, suffixes=("", "_read"))
    assert len(merged) == len(sim.tunnels)
    for row in merged.to_dict("records"):
        for name in AWS_DEFAULTS:
            assert row[f"{name}_read"] == row[name], (row["tunnel_ip"], name)
        explicit = {n for n in row["explicit_options"].split(",") if n}
        defaulted = set(row["defaulted"].split(","))
        assert defaulted & set(AWS_DEFAULTS) == set(AWS_DEFAULTS) - explicit
        assert row["inside_cidr_read"] == row["inside_cidr"]
        assert row["log_enabled"] and row["log_output_format"] == row["output_format"]
        routed = isinstance(row["bgp_log_stream"], str)
        assert bool(row["bgp_log_enabled"]) == routed
        assert bool(row["static_routes_only"]) == (not routed)
        if routed:
            assert (row["aws_asn"], row["cgw_asn_read"], row["bgp_hold_time_s"]) == (
                64512,
                row["cgw_asn"],
                30,
            )
        else:
            assert pd.isna(row["aws_asn"]) and isinstance(row["static_routes"], str)
    # nothing of the gateway's own settings reaches AWS's document
    assert "cgw_" not in path.read_text().replace("cgw-", "")


def test_describe_json_shape() -> None:
    doc = _described().describe_vpn_connections()
    conns = doc["VpnConnections"]
    assert len(conns) == 2
    for conn in conns:
        assert conn["Type"] == "ipsec.1" and conn["Category"] == "VPN"
        assert conn["State"] == "available"
        assert conn["VpnGatewayId"].startswith("vgw-")
        assert conn["CustomerGatewayId"].startswith("cgw-")
        assert conn["CustomerGatewayConfiguration"].startswith("<?xml")
        assert len(conn["Options"]["TunnelOptions"]) == 2
        assert {t["Status"] for t in conn["VgwTelemetry"]} == {"UP"}
    unset = conns[0]["Options"]["TunnelOptions"][0]  # LONG_CGW: AWS at its defaults
    assert set(unset) == {"OutsideIpAddress", "TunnelInsideCidr", "LogOptions"}
    json.dumps(doc)  # plain JSON


def test_write_simulation_writes_the_options_beside_the_logs(tmp_path) -> None:
    written = write_simulation(tmp_path, connections=1, incidents=None)
    describe = tmp_path / "describe-vpn-connections.json"
    assert describe in written
    assert len(read_tunnel_options(describe)) == 2
    # reading the folder as logs leaves the document out, listed
    events = vl.read_logs(tmp_path)
    assert str(describe) in events.attrs["ignored_files"]


# --- the bundled samples -------------------------------------------------------------------------
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def test_samples_carry_their_options_and_tell_them() -> None:
    """data/samples: describe-vpn-connections.json reads back to tunnels.csv's AWS side; at
    least one gateway's lifetime differs from AWS's; the README tells the options."""
    tunnels = pd.read_csv(SAMPLES / "tunnels.csv", keep_default_na=False)
    read = read_tunnel_options(SAMPLES / "describe-vpn-connections.json")
    merged = tunnels.merge(read, on=KEYS, suffixes=("", "_read"))
    assert len(merged) == len(tunnels) == 8
    for name in AWS_DEFAULTS:
        assert (merged[f"{name}_read"].astype(str) == merged[name].astype(str)).all(), name
    assert (tunnels.cgw_phase2_lifetime_s != tunnels.phase2_lifetime_s).sum() >= 2
    assert (tunnels.explicit_options != "").any() and (tunnels.explicit_options == "").any()
    readme = (SAMPLES / "README.md").read_text()
    assert "## Tunnel options, configured versus observed" in readme
    assert "salifetime" in readme and "RekeyFuzzPercentage" in readme
