"""AWS service credit: whole calendar months only, AWS's tiers whatever the user's target.

The figures are derived by hand from the scenario, in minutes: April 2024 has 30 days
(43,200 min), May 31 (44,640 min); one tunnel per connection, so a tunnel down is the
connection down, and states hold between the sparse records (``stale_after=None``).

- VPN_A: down 2024-04-10 00:00-00:30 (30 min) and 2024-05-20 00:00-09:00 (540 min).
  April 1 - 30/43,200 = 0.999306: below AWS's 99.95 %, not below 99.0 %: 10 %.
  May 1 - 540/44,640 = 0.987903: below 99.0 %, not below 95.0 %: 25 %.
- VPN_B: down 2024-04-15 00:00 to 04-17 00:00 (2,880 min), up all May.
  April 1 - 2,880/43,200 = 0.933333: below 95.0 %: 100 %. May 1.0: 0 %.
"""

from __future__ import annotations

import pandas as pd
import pytest
from analysis_fixtures import DOWN, PACKET, T1, T3, UP, VPN_A, VPN_B, make_events

from vpnlog_analytics.analysis import availability
from vpnlog_analytics.analysis.availability import CREDIT_BASES, CREDIT_BASIS

UTC = "UTC"
APRIL, MAY = pd.Timestamp("2024-04-01", tz=UTC), pd.Timestamp("2024-05-01", tz=UTC)
WHOLE = {"start": "2024-04-01", "end": "2024-06-01", "stale_after": None}

A_APRIL, A_MAY = 1 - 30 / 43_200, 1 - 540 / 44_640
B_APRIL, B_MAY = 1 - 2_880 / 43_200, 1.0


def scenario() -> pd.DataFrame:
    return make_events(
        [
            ("2024-04-01 00:00", VPN_A, T1, *UP, PACKET),
            ("2024-04-10 00:00", VPN_A, T1, *DOWN, PACKET),
            ("2024-04-10 00:30", VPN_A, T1, *UP, PACKET),
            ("2024-05-20 00:00", VPN_A, T1, *DOWN, PACKET),
            ("2024-05-20 09:00", VPN_A, T1, *UP, PACKET),
            ("2024-04-01 00:00", VPN_B, T3, *UP, PACKET),
            ("2024-04-15 00:00", VPN_B, T3, *DOWN, PACKET),
            ("2024-04-17 00:00", VPN_B, T3, *UP, PACKET),
        ]
    )


def rows(table: pd.DataFrame) -> list[tuple[object, ...]]:
    """(connection, period, availability rounded, sla_met, credit, basis) per row."""
    return [
        (
            str(r.vpn_connection_id),
            r.period,
            round(float(r.availability), 6),
            None if pd.isna(r.sla_met) else bool(r.sla_met),
            None if pd.isna(r.service_credit) else int(r.service_credit),
            str(getattr(r, CREDIT_BASIS)),
        )
        for r in table.itertuples()
    ]


@pytest.mark.parametrize("freq", ["MS", "ME", "M", pd.offsets.MonthBegin(1)])
def test_whole_months_get_awss_tier(freq: object) -> None:
    table = availability(scenario(), freq=freq, **WHOLE)  # type: ignore[arg-type]
    assert rows(table) == [
        (VPN_A, APRIL, round(A_APRIL, 6), False, 10, "month"),
        (VPN_A, MAY, round(A_MAY, 6), False, 25, "month"),
        (VPN_B, APRIL, round(B_APRIL, 6), False, 100, "month"),
        (VPN_B, MAY, 1.0, True, 0, "month"),
    ]
    assert list(table[CREDIT_BASIS].cat.categories) == list(CREDIT_BASES)


@pytest.mark.parametrize("sla", [0.5, 0.98, 0.999, 0.9995, 0.99999])
def test_credit_is_awss_whatever_the_target(sla: float) -> None:
    """The target decides sla_met; AWS's 99.95 / 99.0 / 95.0 % decide the credit."""
    table = availability(scenario(), sla=sla, **WHOLE)
    assert table["service_credit"].tolist() == [10, 25, 100, 0]
    figures = [A_APRIL, A_MAY, B_APRIL, B_MAY]
    assert table["sla_met"].tolist() == [f >= sla for f in figures]


def test_a_target_below_awss_meets_it_beside_a_credit() -> None:
    """--sla 0.999: April's 99.9306 % meets the user's target and is in AWS's 10 % tier."""
    table = availability(scenario(), sla=0.999, **WHOLE)
    april = table.iloc[0]
    assert bool(april["sla_met"]) and april["service_credit"] == 10


def test_at_awss_target_the_verdict_and_the_credit_agree() -> None:
    """With the default target (AWS's 99.95 %) a month meets it iff it earns no credit."""
    table = availability(scenario(), **WHOLE)
    assert (table["sla_met"] == (table["service_credit"] == 0)).all()


@pytest.mark.parametrize("freq", ["1D", "7D", "1h", "2MS", "QS", "YS"])
def test_no_credit_for_periods_that_are_no_month(freq: str) -> None:
    """`--freq 1D` gave 25 % for 2024-04-10 (1 - 30/1,440 = 97.92 %): no month, no credit."""
    table = availability(scenario(), freq=freq, **WHOLE)
    assert table["service_credit"].isna().all()
    assert set(table[CREDIT_BASIS]) == {"not a month"}
    assert table["availability"].notna().all()  # the figure itself is still given


def test_the_day_of_the_short_outage_has_its_figure_but_no_credit() -> None:
    table = availability(scenario(), freq="1D", **WHOLE)
    day = table[(table["vpn_connection_id"] == VPN_A) & (table["period"] == "2024-04-10")]
    assert day["availability"].tolist() == [pytest.approx(1 - 30 / 1_440)]
    assert day["service_credit"].isna().all()


def test_a_window_that_starts_inside_a_month_makes_it_partial() -> None:
    """From 2024-04-05: April is 26 days (37,440 min) of 30, partial, no credit; May whole."""
    table = availability(scenario(), start="2024-04-05", end="2024-06-01", stale_after=None)
    assert rows(table) == [
        (VPN_A, APRIL, round(1 - 30 / 37_440, 6), False, None, "partial month"),
        (VPN_A, MAY, round(A_MAY, 6), False, 25, "month"),
        (VPN_B, APRIL, round(1 - 2_880 / 37_440, 6), False, None, "partial month"),
        (VPN_B, MAY, 1.0, True, 0, "month"),
    ]


def test_a_window_that_ends_inside_a_month_makes_it_partial() -> None:
    """To 2024-05-20 06:00, inside VPN_A's outage: May is partial, April whole."""
    table = availability(scenario(), start="2024-04-01", end="2024-05-20 06:00", stale_after=None)
    assert table["service_credit"].tolist() == [10, pd.NA, 100, pd.NA]
    assert table[CREDIT_BASIS].tolist() == ["month", "partial month"] * 2


def test_a_month_nobody_observed_has_no_credit() -> None:
    """June: both tunnels went silent while up in May (stale after 75 min): unknown all
    month, so NaN availability and an NA verdict and credit, though June is whole."""
    table = availability(scenario(), start="2024-06-01", end="2024-07-01")
    assert table[CREDIT_BASIS].tolist() == ["month", "month"]
    assert table["availability"].isna().all()
    assert table["service_credit"].isna().all() and table["sla_met"].isna().all()
