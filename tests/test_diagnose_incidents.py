"""diagnose(): one finding per incident, whole-connection outages, plain wording.

Simulated scenarios with known incidents (exact ground truth) and hand-built tables.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pandas as pd
import pytest
from analysis_fixtures import DOWN, DPD, T1, T2, UP, VPN_A, make_events, state_rows

import vpnlog_analytics as vl
from vpnlog_analytics.analysis import diagnose
from vpnlog_analytics.simulate import Incident, Simulation, simulate_logs

D = "2024-01-01 "
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@functools.cache
def simulation() -> Simulation:
    """Two days of one dynamically routed connection: tunnel 0 flaps by DPD for 50 min
    (BGP goes down with it every time); tunnel 1 has a PSK mismatch and, later, a
    proposal mismatch; the site loses power once (both tunnels down for 15 min)."""
    return simulate_logs(
        "2026-10-01",
        "2026-10-03",
        connections=1,
        seed=1,
        bgp=True,
        incidents=[
            Incident("dpd_flapping", 0, 0, "2026-10-01 05:00:00", 3000),
            Incident("psk_mismatch", 0, 1, "2026-10-01 10:00:00", 700),
            Incident("no_proposal_match", 0, 1, "2026-10-01 14:00:00", 700),
            Incident("site_outage", 0, "both", "2026-10-02 03:00:00", 900),
        ],
    )


@pytest.fixture(scope="module")
def findings() -> tuple[Simulation, pd.DataFrame]:
    sim = simulation()
    return sim, diagnose(vl.parse_records(sim.records), start=sim.start, end=sim.end)


def _tunnel(sim: Simulation, index: int) -> str:
    return str(sim.tunnels.tunnel_ip[index])


def _rows(f: pd.DataFrame, rule: str, tunnel: str | None = None) -> pd.DataFrame:
    sel = f["rule"] == rule
    if tunnel is not None:
        sel &= f["tunnel_ip"].astype(str) == tunnel
    return f[sel]


def test_psk_mismatch_is_one_finding_naming_both_wordings(findings) -> None:
    """Each failed attempt logs the key mismatch and the AUTHENTICATION_FAILED it answers:
    one mismatch, one finding (the key's fix), with both wordings and counts in evidence."""
    sim, f = findings
    t1 = _tunnel(sim, 1)
    mismatch = _rows(f, "config_mismatch", t1)
    psk = mismatch[mismatch["finding"].str.startswith("Pre-shared key mismatch")]
    assert len(psk) == 1
    assert not mismatch["finding"].str.startswith("IKE authentication failed").any()
    row = psk.iloc[0]
    assert "pre-shared key mismatch" in row["evidence"]
    assert "AUTHENTICATION_FAILED" in row["evidence"]
    attempts = re.findall(r"\((\d+) records\)", row["evidence"])
    assert len(attempts) == 2 and attempts[0] == attempts[1] == str(row["count"])
    assert "pre-shared key" in row["remediation"].lower()


def test_proposal_mismatch_is_one_finding(findings) -> None:
    sim, f = findings
    mismatch = _rows(f, "config_mismatch", _tunnel(sim, 1))
    proposal = mismatch[mismatch["finding"].str.contains("proposal", case=False)]
    assert len(proposal) == 1
    assert "No proposal chosen" in proposal.iloc[0]["evidence"]
    # distinct incidents stay distinct: the key and the proposals are two findings
    assert len(mismatch) == 2


def test_auth_failed_alone_stays_its_own_finding() -> None:
    """An authentication failure without a key mismatch (identity, certificate) is not
    folded into anything: its own finding with its own fix."""
    sim = simulate_logs(
        "2026-10-01",
        "2026-10-02",
        connections=1,
        seed=2,
        incidents=[
            Incident("psk_mismatch", 0, 0, "2026-10-01 03:00:00", 600),
            Incident("auth_failed", 0, 0, "2026-10-01 12:00:00", 600),
        ],
    )
    f = diagnose(vl.parse_records(sim.records), start=sim.start, end=sim.end)
    mismatch = _rows(f, "config_mismatch").set_index(
        _rows(f, "config_mismatch")["finding"].str.split(":").str[0]
    )
    assert sorted(mismatch.index) == ["IKE authentication failed", "Pre-shared key mismatch"]
    # the lone failure's finding holds its own records only, not the key incident's
    alone = mismatch.loc["IKE authentication failed"]
    assert alone["first_seen"] >= pd.Timestamp("2026-10-01 12:00:00", tz="UTC")
    assert "AUTHENTICATION_FAILED" not in mismatch.loc["Pre-shared key mismatch", "finding"]


def test_ipsec_flapping_that_flaps_bgp_is_one_finding(findings) -> None:
    sim, f = findings
    t0 = _tunnel(sim, 0)
    assert _rows(f, "bgp_flapping", t0).empty
    flapping = _rows(f, "flapping", t0)
    assert len(flapping) == 1
    row = flapping.iloc[0]
    assert "BGP" in row["finding"]
    assert "dpd_timeout" in row["evidence"] and "ipsec_down" in row["evidence"]


def test_site_outage_is_one_connection_finding_with_its_cause(findings) -> None:
    sim, f = findings
    down = _rows(f, "connection_down")
    assert len(down) == 1
    row = down.iloc[0]
    assert row["severity"] == "error"
    assert pd.isna(row["tunnel_ip"])
    assert row["vpn_connection_id"] == sim.tunnels.vpn_connection_id[0]
    assert row["count"] == 1
    assert row["first_seen"] == pd.Timestamp("2026-10-02 03:00:00", tz="UTC")
    assert "dpd_timeout" in row["finding"] and "15 min" in row["finding"]
    assert "dpd_timeout" in row["evidence"]
    assert row["remediation"]
    # the same outage as outages(level="connection") reports
    conn = vl.outages(
        vl.parse_records(sim.records), level="connection", start=sim.start, end=sim.end
    )
    assert conn["start"].tolist() == [row["first_seen"]]
    assert conn["end"].tolist() == [row["last_seen"]]
    # the tunnel findings it explains name it
    t1 = _tunnel(sim, 1)
    dpd = _rows(f, "dpd_timeouts", t1).iloc[0]
    assert "connection outage from 2026-10-02 03:00:00 UTC" in dpd["finding"]


def _dpd_events(timeouts: int) -> pd.DataFrame:
    """T1 up from 00:00, with ``timeouts`` DPD timeouts each followed by 5 min down; T2
    up throughout (a single record at each end keeps it known)."""
    recs = state_rows(VPN_A, T1, [(D + "00:00", UP)])
    for i in range(timeouts):
        hour = 1 + 2 * i
        recs += [(D + f"{hour:02d}:00", VPN_A, T1, *DOWN, DPD)]
        recs += state_rows(VPN_A, T1, [(D + f"{hour:02d}:05", UP)])
    recs += state_rows(VPN_A, T1, [(D + "23:00", UP)])
    recs += state_rows(VPN_A, T2, [(D + f"{h:02d}:00", UP) for h in range(0, 24)])
    return make_events(recs)


@pytest.mark.parametrize(("timeouts", "said"), [(1, "1 DPD timeout "), (2, "2 DPD timeouts ")])
def test_counts_are_singular_or_plural(timeouts: int, said: str) -> None:
    f = diagnose(_dpd_events(timeouts), start=D + "00:00", end=D + "23:00", stale_after=None)
    text = _rows(f, "dpd_timeouts").iloc[0]["finding"]
    assert text.startswith(said)
    assert "(s)" not in text and "per observed day" not in text
    assert "0.0" not in text


def test_rates_read_as_people_say_them() -> None:
    """14 timeouts in about 31 observed days: 'about 3 a week', not '0.452 per day'."""
    days = 31
    recs = state_rows(VPN_A, T1, [("2024-01-01 00:00", UP)])
    for i in range(14):
        at = pd.Timestamp("2024-01-01 12:00") + pd.Timedelta(days=2 * i)
        recs += [(str(at), VPN_A, T1, *DOWN, DPD)]
        recs += state_rows(VPN_A, T1, [(str(at + pd.Timedelta(minutes=3)), UP)])
    recs += state_rows(VPN_A, T1, [("2024-02-01 00:00", UP)])
    f = diagnose(make_events(recs), start="2024-01-01", end="2024-02-01", stale_after=None)
    text = _rows(f, "dpd_timeouts").iloc[0]["finding"]
    assert text.startswith(f"14 DPD timeouts in {days} observed days (about 3 a week)")


def test_no_zero_of_them(findings) -> None:
    sim, f = findings
    every = " ".join(f["finding"])
    assert "0 of them" not in every
    assert not re.search(r"\b1 \w+ ?\w*\(s\)", every)
    hold = _rows(f, "bgp_hold_timer")
    assert hold["finding"].str.contains("after IPsec went down").all()


def test_samples_one_finding_per_incident() -> None:
    """The bundled samples: the PSK and proposal incidents are one finding each, and each
    of the three whole-connection outages has its connection finding."""
    f = diagnose(vl.read_logs(SAMPLES / "s3-export"))
    mismatch = _rows(f, "config_mismatch")
    assert len(mismatch) == 2
    down = _rows(f, "connection_down")
    assert down["count"].tolist() == [1, 1, 1]
    assert sorted(down["finding"].str.extract(r"cause (\w+)")[0]) == [
        "bgp_notification_received",
        "dpd_timeout",
        "dpd_timeout",
    ]
