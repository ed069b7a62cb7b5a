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


def test_rekey_interval_chart(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from vpnlog_analytics.analysis import rekey_intervals
    from vpnlog_analytics.plotting import plot_rekey_intervals

    options = read_tunnel_options(_saved(tmp_path))
    ax = plot_rekey_intervals(rekey_intervals(_timeline()), options)
    gids = {c.get_gid() for c in ax.collections}
    assert {"aws", "cgw", "both", "aws-window"} <= gids
    # one band per tunnel of the options, from 3,060 s to 3,330 s (51 to 55.5 minutes)
    bands = [c for c in ax.collections if c.get_gid() == "aws-window"]
    assert len(bands) == 2
    x = bands[0].get_paths()[0].vertices[:, 0]
    assert (x.min(), x.max()) == (51.0, 55.5)
    # T1's four rekeys and T2's two, each at its interval in minutes
    dots = {
        c.get_gid(): c.get_offsets()[:, 0] for c in ax.collections if c.get_gid() != "aws-window"
    }
    assert sorted(dots["aws"] * 60) == [3100, 3180]
    assert sorted(dots["cgw"] * 60) == [2600, 2600, 3100]
    assert list(dots["both"] * 60) == [3201]
    ax.figure.savefig(tmp_path / "rekey_intervals.png")
    assert (tmp_path / "rekey_intervals.png").stat().st_size > 10_000
