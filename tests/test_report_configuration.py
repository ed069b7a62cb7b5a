"""The report's Configuration section: options, drift, findings, and the options file hashed.

The events are the hand-written timeline of ``test_analysis_configuration`` (its module
docstring derives every figure); the options are AWS's defaults for its two tunnels,
saved as ``describe-vpn-connections`` output would be.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
from analysis_fixtures import T1, T2, VPN_A
from test_analysis_configuration import _timeline

from vpnlog_analytics import read_tunnel_options
from vpnlog_analytics.report import build_report


def _saved(tmp_path: Path) -> Path:
    doc = {
        "VpnConnections": [
            {
                "VpnConnectionId": VPN_A,
                "State": "available",
                "Options": {"TunnelOptions": [{"OutsideIpAddress": T1}, {"OutsideIpAddress": T2}]},
            }
        ]
    }
    path = tmp_path / "describe-vpn-connections.json"
    path.write_text(json.dumps(doc))
    return path


def test_report_has_the_configuration_section(tmp_path: Path) -> None:
    saved = _saved(tmp_path)
    options = read_tunnel_options(saved)
    report = build_report(
        _timeline(), tmp_path / "report", start="2026-10-05", end="2026-10-06", options=options
    )
    page = report.index.read_text()
    assert '<section id="configuration">' in page
    assert page.index('id="diagnosis"') < page.index('id="configuration"')
    drift = pd.read_csv(report.out_dir / "option_drift.csv")
    # T1 and T2 each: phase 2 lifetime, the gateway's rekeys, DPD timeout and action, IKE
    # versions; T1 also its one collision
    assert len(drift) == 11
    t2 = drift[(drift.tunnel_ip == T2) & (drift.parameter == "phase2_lifetime_s")]
    assert t2.verdict.iloc[0] == "hidden"
    written = pd.read_csv(report.out_dir / "tunnel_options.csv")
    assert list(written.tunnel_ip) == [T1, T2] and set(written.phase2_lifetime_s) == {3600}
    diagnosis = pd.read_csv(report.out_dir / "diagnosis.csv")
    assert "options_stays_down" in set(diagnosis.rule)
    manifest = json.loads(report.manifest_path.read_text())
    entry = manifest["tunnel_options"][0]
    assert entry["sha256"] == hashlib.sha256(saved.read_bytes()).hexdigest()
    # the drift table lists what does not agree: T1's collision row is there
    assert "both sides rekeyed within 2 s of each other" in page


def test_report_without_options_has_no_section(tmp_path: Path) -> None:
    report = build_report(_timeline(), tmp_path / "r", start="2026-10-05", end="2026-10-06")
    assert 'id="configuration"' not in report.index.read_text()
    assert "tunnel_options" not in json.loads(report.manifest_path.read_text())
