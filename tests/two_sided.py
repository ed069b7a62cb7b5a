"""The two-sided scenario the gateway tests share: both ends of three simulated connections.

Eight hours of three connections (IKEv2, IKEv1, IKEv2), one gateway each, with a gateway
delete, a power loss that cut connection 1 (a daemon restart), a proposal mismatch, a DPD
flapping tunnel, PSK mismatches and a DPD timeout; the gateways' clocks run 3.2 s ahead,
41.125 s behind and 0.4 s ahead of AWS's, in zone Europe/Berlin. The simulator's truth
(``GatewayLogs``: ``offsets``, ``verdicts``, ``truth``) is what the tests check against.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import vpnlog_analytics as vl
from vpnlog_analytics.io.gateway import read_gateway_logs
from vpnlog_analytics.simulate import Incident, Simulation, simulate_logs
from vpnlog_analytics.simulate.gateway import GatewayLogs, gateway_logs, write_gateway_logs

START, END = "2026-10-01", "2026-10-01 08:00"
INCIDENTS = [
    Incident("cgw_delete", 0, 1, "2026-10-01 01:00", 20),
    Incident("site_outage", 0, "both", "2026-10-01 03:00", 1800),
    Incident("no_proposal_match", 0, 0, "2026-10-01 05:00", 100),
    Incident("dpd_flapping", 1, 0, "2026-10-01 01:30", 3000),
    Incident("psk_mismatch", 1, 1, "2026-10-01 04:00", 200),
    Incident("psk_mismatch", 2, 0, "2026-10-01 02:00", 200),
    Incident("dpd_timeout", 2, 1, "2026-10-01 06:00", 400),
]
OFFSETS = ["+3.2s", "-41.125s", "+0.4s"]
ZONE = "Europe/Berlin"


def simulation() -> Simulation:
    """Return the AWS side of the scenario."""
    return simulate_logs(
        START, END, connections=3, seed=11, incidents=INCIDENTS, ike_versions=("v2", "v1", "v2")
    )


def build(out: Path, family: str = "strongswan") -> tuple[pd.DataFrame, GatewayLogs, pd.DataFrame]:
    """Simulate, write and read back both ends: (AWS events, the gateway truth, its table)."""
    sim = simulation()
    sim.write(out / "aws", "raw")
    events = vl.read_logs(out / "aws")
    logs = gateway_logs(sim, family=family, offset=OFFSETS, tz=ZONE, seed=5)
    write_gateway_logs(logs, out / "cgw", compress=True)
    return events, logs, read_gateway_logs(out / "cgw", tz=ZONE, tunnels=events)
