"""Customer downtime: outages caused on the customer's side earn no AWS service credit.

The fixture is derived by hand, in minutes. One connection (two tunnels, IPsec and BGP
logs), October 2026 (31 days, 44,640 min), every record at a whole minute on 1 October and
states carried through the silences (``stale_after=None``), so the whole month is observed:

- 10:00-10:30: the gateway sends a BGP Cease on both sessions (``bgp_notification_received``)
  and they come back at 10:30: a 30 min connection outage on the customer's side;
- 20:00-20:20: both tunnels time out on DPD (``dpd_timeout``, the peer silent: the gateway
  or the path, not attributable) and come up at 20:20 with their sessions: a 20 min outage
  on AWS's side.

So downtime 50 min, customer downtime 30 min; availability 1 - 50 / 44,640 = 99.888 %,
below AWS's 99.95 % (10 % tier); AWS-side figure 1 - 20 / (44,640 - 30) = 99.955 %, at
least 99.95 %: no credit. With ``exclude="customer"`` the 30 min count neither as downtime
nor as observed time: observed 44,610 min, downtime 20 min, one outage.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from bgp_fixtures import DPD, NB, T1, T2, VPN, events, fsm, ike, notification

from vpnlog_analytics import schema as s
from vpnlog_analytics.analysis import availability, maintenance_windows, outages
from vpnlog_analytics.analysis.availability import CUSTOMER_CAUSES, EXCLUDE_CHOICES
from vpnlog_analytics.errors import OptionError

MONTH = {"start": "2026-10-01", "end": "2026-11-01", "stale_after": None}
OCTOBER = 44_640  # min
CEASE, DPD_MIN = 30, 20  # min
AVAIL = 1 - (CEASE + DPD_MIN) / OCTOBER
AWS_SIDE = 1 - DPD_MIN / (OCTOBER - CEASE)


def _minutes(value: object) -> float:
    return pd.Timedelta(value).total_seconds() / 60  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def month() -> pd.DataFrame:
    records = []
    for ip in (T1, T2):
        records += [
            ike("00:00:00", ip, True),
            fsm("00:00:00", ip, "OpenConfirm", "Established"),
            notification("10:00:00", ip, "6/2", "Cease/Administrative Shutdown", sent=False),
            fsm("10:30:00", ip, "OpenConfirm", "Established"),
            ike("20:00:00", ip, False, DPD),
            ike("20:20:00", ip, True),  # BGP comes back with the tunnel
            fsm("20:20:00", ip, "OpenConfirm", "Established"),
        ]
    return events(records)


def test_the_fixture_has_one_outage_of_each_side(month: pd.DataFrame) -> None:
    got = outages(month, level="connection", **MONTH)
    assert got["cause"].tolist() == ["bgp_notification_received", "dpd_timeout"]
    assert [_minutes(d) for d in got["duration"]] == [CEASE, DPD_MIN]
    assert NB  # the sessions' neighbour, as the fixture logs it


def test_customer_downtime_and_the_aws_side_figure(month: pd.DataFrame) -> None:
    row = availability(month, **MONTH).iloc[0]
    assert _minutes(row["downtime"]) == CEASE + DPD_MIN
    assert _minutes(row["customer_downtime"]) == CEASE
    assert row["availability"] == pytest.approx(AVAIL)  # the row's own figure keeps it
    assert row["availability_aws_side"] == pytest.approx(AWS_SIDE)
    assert not row["sla_met"]  # 99.888 % misses the 99.95 % target
    # The Cease was the gateway's: AWS's 10 % tier of 99.888 % is not AWS's credit.
    assert row["service_credit"] == 0 and row["credit_basis"] == "month"
    assert row["outages"] == 2


def test_exclude_customer_sets_it_aside_as_an_sla_exclusion(month: pd.DataFrame) -> None:
    row = availability(month, exclude="customer", **MONTH).iloc[0]
    assert _minutes(row["observed"]) == OCTOBER - CEASE
    assert _minutes(row["unobserved"]) == 0  # set aside, not unknown
    assert _minutes(row["downtime"]) == DPD_MIN
    assert _minutes(row["customer_downtime"]) == CEASE  # what was set aside
    assert row["availability"] == pytest.approx(AWS_SIDE)
    assert row["availability_aws_side"] == pytest.approx(AWS_SIDE)
    assert row["outages"] == 1
    assert _minutes(row["max_outage"]) == DPD_MIN and _minutes(row["mttr"]) == DPD_MIN
    assert bool(row["sla_met"]) and row["service_credit"] == 0


def test_aws_side_downtime_still_earns_credit(month: pd.DataFrame) -> None:
    """The DPD outage stays AWS's: a day's view of it keeps its figure (and no credit,
    not a month); over the month, 45 min of DPD would be 1 - 45 / 44,610 = 99.899 %."""
    longer = events(
        [
            r
            for ip in (T1, T2)
            for r in (
                ike("00:00:00", ip, True),
                fsm("00:00:00", ip, "OpenConfirm", "Established"),
                ike("20:00:00", ip, False, DPD),
                ike("20:45:00", ip, True),
                fsm("20:45:00", ip, "OpenConfirm", "Established"),
            )
        ]
    )
    row = availability(longer, **MONTH).iloc[0]
    assert _minutes(row["customer_downtime"]) == 0
    assert row["availability_aws_side"] == row["availability"] == pytest.approx(1 - 45 / OCTOBER)
    assert row["service_credit"] == 10


def test_a_customer_change_makes_the_outage_it_overlaps_the_customers(
    month: pd.DataFrame,
) -> None:
    """A CloudTrail change at 20:05 (a 15 min margin either side) overlaps the DPD outage:
    with maintenance= it is customer downtime too, so all 50 min are the customer's."""
    at = pd.Timestamp("2026-10-01 20:05", tz="UTC")
    change = pd.DataFrame(
        [(VPN, None, at, at, s.CUSTOMER_CHANGE, "cloudtrail", "ModifyVpnTunnelOptions", "r1", "")],
        columns=list(s.MAINTENANCE_COLUMNS),
    )
    windows = maintenance_windows(change, margin="15min")
    row = availability(month, maintenance=windows, **MONTH).iloc[0]
    assert _minutes(row["customer_downtime"]) == CEASE + DPD_MIN
    assert row["availability_aws_side"] == 1.0 and row["service_credit"] == 0
    # Both exclusions: the change window (19:50-20:20) and then every customer outage.
    both = availability(month, maintenance=windows, exclude=["maintenance", "customer"], **MONTH)
    row = both.iloc[0]
    assert _minutes(row["downtime"]) == 0 and row["outages"] == 0
    assert _minutes(row["observed"]) == OCTOBER - CEASE - 30  # the window holds the outage
    assert len(both.attrs["excluded"]) == 1


@pytest.mark.parametrize("bad", ["customers", ["maintenance", "aws"]])
def test_exclude_names_are_checked(month: pd.DataFrame, bad: object) -> None:
    with pytest.raises(OptionError, match="customer"):
        availability(month, exclude=bad, **MONTH)  # type: ignore[arg-type]


def test_the_customer_side_is_declared_once() -> None:
    assert EXCLUDE_CHOICES == ("maintenance", "customer")
    assert set(CUSTOMER_CAUSES) <= set(s.EVENT_NAMES)
    # Not attributable from AWS's log alone: the peer went silent (gateway or path).
    assert "dpd_timeout" not in CUSTOMER_CAUSES
    assert "bgp_hold_timer_expired" not in CUSTOMER_CAUSES
    for cause in ("cgw_delete_ike_sa", "bgp_notification_received", "psk_mismatch"):
        assert cause in CUSTOMER_CAUSES


@pytest.mark.parametrize("freq", ["MS", "1D"])
def test_no_row_shows_a_credit_its_figures_contradict(month: pd.DataFrame, freq: str) -> None:
    table = availability(month, freq=freq, **MONTH)
    months = table[table["credit_basis"] == "month"]
    tiers = np.select(
        [months["availability_aws_side"] < t for t in (0.95, 0.99, 0.9995)], [100, 25, 10], 0
    )
    assert months["service_credit"].tolist() == tiers.tolist()
    assert table.loc[table["credit_basis"] != "month", "service_credit"].isna().all()


@pytest.fixture(scope="module")
def samples() -> pd.DataFrame:
    from vpnlog_analytics import read_logs

    return read_logs(Path(__file__).resolve().parents[1] / "data" / "samples")


def test_the_samples_gateway_cease_earns_no_aws_credit(samples: pd.DataFrame) -> None:
    """vpn-4526a2d74acc68770 was down 25 min 00 s on 2026-10-23 by a BGP Cease from the
    gateway: 99.9440 % of October, customer downtime, so no AWS credit (it showed 10 %).
    vpn-4a37c5a05556a9cf5's 5 h 04 min site outage (DPD timeouts) keeps its 10 %."""
    table = availability(samples, start="2026-10-01", end="2026-11-01").set_index(
        "vpn_connection_id"
    )
    cease = table.loc["vpn-4526a2d74acc68770"]
    assert round(_minutes(cease["customer_downtime"])) == 25
    assert cease["customer_downtime"] == cease["downtime"]
    assert round(cease["availability"], 6) == 0.99944
    assert cease["availability_aws_side"] == 1.0 and cease["service_credit"] == 0
    site = table.loc["vpn-4a37c5a05556a9cf5"]
    assert _minutes(site["customer_downtime"]) == 0 and site["service_credit"] == 10


def test_report_takes_exclude_customer(tmp_path: Path) -> None:
    """build_report(exclude="customer"): the report's availability sets the customer-side
    outage aside (a 30-minute PSK mismatch on both tunnels, simulated), and the manifest
    says so; without it the same outage is downtime, customer downtime, no credit basis."""
    import json

    from vpnlog_analytics import build_report, parse_records
    from vpnlog_analytics.simulate import Incident, simulate_logs

    sim = simulate_logs(
        "2026-10-01",
        "2026-10-03",
        connections=1,
        seed=4,
        incidents=[Incident("psk_mismatch", 0, "both", pd.Timedelta("1D"), pd.Timedelta("30min"))],
    )
    events = parse_records(sim.records)
    window = {"start": "2026-10-01", "end": "2026-10-03"}
    plain = build_report(events, tmp_path / "plain", **window).tables["availability"]
    aside = build_report(events, tmp_path / "aside", exclude="customer", **window)
    row, kept = plain.iloc[0], aside.tables["availability"].iloc[0]
    assert row["downtime"] >= pd.Timedelta("30min")
    assert row["customer_downtime"] == row["downtime"]
    assert kept["downtime"] == pd.Timedelta(0) and kept["availability"] == 1.0
    assert kept["observed"] == row["observed"] - row["customer_downtime"]
    manifest = json.loads(aside.manifest_path.read_text())
    assert manifest["parameters"]["exclude"] == "customer"
