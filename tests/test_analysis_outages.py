"""outages (tunnel and connection level) and availability on a hand-built table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from analysis_fixtures import (
    CGW_DELETE,
    DOWN,
    DPD,
    PACKET,
    PSK,
    T1,
    T2,
    T3,
    UP,
    VPN_A,
    VPN_B,
    expected,
    make_events,
)
from pandas.testing import assert_frame_equal

from vpnlog_analytics.analysis import availability, outages, service_credit
from vpnlog_analytics.schema import ROUTING_RULES

D = "2024-01-01 "
# The scenario's sparse records stand for states that hold until the next record, so
# its cases carry states through silences (stale_after=None); "monthly_stale" and the
# silence tests (test_analysis_silence.py) show the default.
WINDOW = {"start": D + "00:00", "end": D + "02:00", "stale_after": None}
CONNS = [VPN_A, VPN_B]
IPS = [T1, T2, T3]


def scenario() -> pd.DataFrame:
    """VPN_A: T1 up 00:00, down 00:10 (DPD), up 00:30, down 01:00 (PSK mismatch).
    T2 first seen 00:05 up, down 00:20 and 00:50 (gateway deletes), up 00:40.
    VPN_B has one logged tunnel, T3: up 00:00, down 00:45 (no error), up 01:15."""
    return make_events(
        [
            (D + "00:00", VPN_A, T1, *UP, PACKET),
            (D + "00:10", VPN_A, T1, *DOWN, DPD),
            (D + "00:30", VPN_A, T1, *UP, PACKET),
            (D + "01:00", VPN_A, T1, *DOWN, PSK),
            (D + "00:05", VPN_A, T2, *UP, PACKET),
            (D + "00:20", VPN_A, T2, *DOWN, CGW_DELETE),
            (D + "00:40", VPN_A, T2, *UP, PACKET),
            (D + "00:50", VPN_A, T2, *DOWN, CGW_DELETE),
            (D + "00:00", VPN_B, T3, *UP, PACKET),
            (D + "00:45", VPN_B, T3, *DOWN, PACKET),
            (D + "01:15", VPN_B, T3, *UP, PACKET),
        ]
    )


def tunnel_frame(rows: list[tuple[str, str, str, str, bool, str]]) -> pd.DataFrame:
    frame = expected(
        {
            "vpn_connection_id": [r[0] for r in rows],
            "tunnel_ip": [r[1] for r in rows],
            "start": [D + r[2] for r in rows],
            "end": [D + r[3] for r in rows],
            "duration": [pd.Timestamp(D + r[3]) - pd.Timestamp(D + r[2]) for r in rows],
            "ongoing": [r[4] for r in rows],
            "cause": [r[5] for r in rows],
        },
        conns=CONNS,
        ips=IPS,
    )
    # Every record of the scenario changes the state, so each outage is silent from the
    # record that began it to the one that ended it: all of it (as clipped or cut). No
    # record shows the gateway alive (only packets sent): no last sign of life.
    frame["silent"] = frame["duration"]
    frame["last_alive"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
    return frame


def conn_frame(rows: list[tuple[str, str, str, bool, str]]) -> pd.DataFrame:
    frame = tunnel_frame([(r[0], T1, *r[1:]) for r in rows])  # type: ignore[misc]
    return frame.drop(columns="tunnel_ip")


TUNNEL_CASES = {
    # T2's unknown start (00:00-00:05) is no outage.
    "all": (
        {},
        [
            (VPN_A, T1, "00:10", "00:30", False, "dpd_timeout"),
            (VPN_A, T1, "01:00", "02:00", True, "psk_mismatch"),
            (VPN_A, T2, "00:20", "00:40", False, "cgw_delete_ike_sa"),
            (VPN_A, T2, "00:50", "02:00", True, "cgw_delete_ike_sa"),
            (VPN_B, T3, "00:45", "01:15", False, "unexplained"),
        ],
    ),
    # Maintenance 00:25-00:35 cuts T1's first outage short and T2's in two pieces.
    "exclude": (
        {"exclude": [(D + "00:25", D + "00:35")]},
        [
            (VPN_A, T1, "00:10", "00:25", False, "dpd_timeout"),
            (VPN_A, T1, "01:00", "02:00", True, "psk_mismatch"),
            (VPN_A, T2, "00:20", "00:25", False, "cgw_delete_ike_sa"),
            (VPN_A, T2, "00:35", "00:40", False, "cgw_delete_ike_sa"),
            (VPN_A, T2, "00:50", "02:00", True, "cgw_delete_ike_sa"),
            (VPN_B, T3, "00:45", "01:15", False, "unexplained"),
        ],
    ),
    # ...and then pieces under 10 minutes go.
    "exclude_min": (
        {"exclude": [(D + "00:25", D + "00:35")], "min_duration": "10min"},
        [
            (VPN_A, T1, "00:10", "00:25", False, "dpd_timeout"),
            (VPN_A, T1, "01:00", "02:00", True, "psk_mismatch"),
            (VPN_A, T2, "00:50", "02:00", True, "cgw_delete_ike_sa"),
            (VPN_B, T3, "00:45", "01:15", False, "unexplained"),
        ],
    ),
    # A DataFrame of windows works the same; min_duration keeps outages of exactly 30 min.
    "frame_min": (
        {
            "exclude": pd.DataFrame({"start": [D + "00:25"], "end": [D + "00:35"]}),
            "min_duration": "30min",
        },
        [
            (VPN_A, T1, "01:00", "02:00", True, "psk_mismatch"),
            (VPN_A, T2, "00:50", "02:00", True, "cgw_delete_ike_sa"),
            (VPN_B, T3, "00:45", "01:15", False, "unexplained"),
        ],
    ),
}


@pytest.mark.parametrize("case", list(TUNNEL_CASES))
def test_tunnel_outages(case: str) -> None:
    options, rows = TUNNEL_CASES[case]
    result = outages(scenario(), **{**WINDOW, **options})  # type: ignore[arg-type]
    assert_frame_equal(result, tunnel_frame(rows))


CONNECTION_CASES = {
    # VPN_A is cut when both tunnels are down: 00:20-00:30 (T1 down since 00:10 by DPD, T2
    # since 00:20 by a gateway delete) and 01:00 on (T2 since 00:50, T1 since 01:00).
    # VPN_B has one logged tunnel: its outages are the tunnel's.
    "all": (
        {},
        [
            (VPN_A, "00:20", "00:30", False, "dpd_timeout, cgw_delete_ike_sa"),
            (VPN_A, "01:00", "02:00", True, "cgw_delete_ike_sa, psk_mismatch"),
            (VPN_B, "00:45", "01:15", False, "unexplained"),
        ],
    ),
    "exclude_min": (
        {"exclude": [(D + "00:25", D + "00:35")], "min_duration": "5min"},
        [
            (VPN_A, "00:20", "00:25", False, "dpd_timeout, cgw_delete_ike_sa"),
            (VPN_A, "01:00", "02:00", True, "cgw_delete_ike_sa, psk_mismatch"),
            (VPN_B, "00:45", "01:15", False, "unexplained"),
        ],
    ),
    # The window ends at 01:10 inside both outages of VPN_B and VPN_A: both ongoing.
    "short_window": (
        {"end": D + "01:10"},
        [
            (VPN_A, "00:20", "00:30", False, "dpd_timeout, cgw_delete_ike_sa"),
            (VPN_A, "01:00", "01:10", True, "cgw_delete_ike_sa, psk_mismatch"),
            (VPN_B, "00:45", "01:10", True, "unexplained"),
        ],
    ),
}


@pytest.mark.parametrize("case", list(CONNECTION_CASES))
def test_connection_outages(case: str) -> None:
    options, rows = CONNECTION_CASES[case]
    result = outages(scenario(), level="connection", **{**WINDOW, **options})  # type: ignore[arg-type]
    assert_frame_equal(result, conn_frame(rows))


def test_connection_outage_waits_for_unknown_tunnel() -> None:
    """T2's first record (00:05) is after T1 goes down (00:02): while T2 is unknown the
    connection is not counted down; from 00:05 both are down -> outage 00:05-00:10."""
    events = make_events(
        [
            (D + "00:00", VPN_A, T1, *UP, PACKET),
            (D + "00:02", VPN_A, T1, *DOWN, PACKET),
            (D + "00:10", VPN_A, T1, *UP, PACKET),
            (D + "00:05", VPN_A, T2, *DOWN, PACKET),
            (D + "00:20", VPN_A, T2, *DOWN, PACKET),
        ]
    )
    result = outages(events, level="connection")
    assert result[["start", "end"]].astype(str).values.tolist() == [
        ["2024-01-01 00:05:00+00:00", "2024-01-01 00:10:00+00:00"]
    ]


def availability_frame(
    rows: list[tuple[object, ...]], basis: str, customer: list[tuple[str, float]]
) -> pd.DataFrame:
    frame = expected(
        {
            "vpn_connection_id": [r[0] for r in rows],
            "period": [D + str(r[1]) for r in rows],
            "observed": [r[2] for r in rows],
            "unobserved": [r[11] if len(r) > 11 else "0min" for r in rows],
            "downtime": [r[3] for r in rows],
        },
        conns=CONNS,
    )
    frame["customer_downtime"] = pd.TimedeltaIndex([c[0] for c in customer]).as_unit("ns")
    frame["availability"] = np.array([r[4] for r in rows], dtype=float)
    frame["availability_aws_side"] = np.array([c[1] for c in customer], dtype=float)
    frame["outages"] = np.array([r[5] for r in rows], dtype=np.int64)
    for i, col in enumerate(("mttr", "max_outage", "mtbf"), start=6):
        frame[col] = pd.TimedeltaIndex(
            [pd.NaT if r[i] is None else pd.Timedelta(str(r[i])) for r in rows]
        ).as_unit("ns")
    frame["sla_met"] = pd.array([r[9] for r in rows], dtype="boolean")
    # No period here is a whole calendar month (hours, or 2 h of January): AWS credits none
    # (r[10] is the tier the figure falls in, checked against service_credit below).
    frame["service_credit"] = pd.array([pd.NA] * len(rows), dtype="Int64")
    frame["credit_basis"] = pd.Categorical(
        [basis] * len(rows), categories=["month", "partial month", "not a month"]
    )
    # no BGP logs here: every connection is judged by IPsec alone
    frame["routing"] = pd.Categorical(["ipsec"] * len(rows), categories=list(ROUTING_RULES))
    return frame


AVAILABILITY_CASES = {
    # VPN_A hour 0: down 00:20-00:30 (10 of 60 min), restored in it; mtbf (60-10)/1.
    # VPN_A hour 1: down throughout, ongoing: mttr NaT, mtbf 0/1.
    # VPN_B: 00:45-01:15 split 15 + 15 min, counted in both hours, restored in hour 1.
    "hourly": (
        {"freq": "1h"},
        [
            (VPN_A, "00:00", "60min", "10min", 5 / 6, 1, "10min", "10min", "50min", False, 100),
            (VPN_A, "01:00", "60min", "60min", 0.0, 1, None, "60min", "0min", False, 100),
            (VPN_B, "00:00", "60min", "15min", 0.75, 1, None, "30min", "45min", False, 100),
            (VPN_B, "01:00", "60min", "15min", 0.75, 1, "30min", "30min", "45min", False, 100),
        ],
    ),
    # Maintenance 00:25-00:35 is neither observed nor down time.
    "exclude": (
        {"freq": "1h", "exclude": [(D + "00:25", D + "00:35")]},
        [
            (VPN_A, "00:00", "50min", "5min", 0.9, 1, "5min", "5min", "45min", False, 100),
            (VPN_A, "01:00", "60min", "60min", 0.0, 1, None, "60min", "0min", False, 100),
            (VPN_B, "00:00", "50min", "15min", 0.7, 1, None, "30min", "35min", False, 100),
            (VPN_B, "01:00", "60min", "15min", 0.75, 1, "30min", "30min", "45min", False, 100),
        ],
    ),
    # Outages under 20 min do not count: VPN_A's first one is gone, hour 0 is perfect.
    "min_duration": (
        {"freq": "1h", "min_duration": "20min"},
        [
            (VPN_A, "00:00", "60min", "0min", 1.0, 0, None, "0min", None, True, 0),
            (VPN_A, "01:00", "60min", "60min", 0.0, 1, None, "60min", "0min", False, 100),
            (VPN_B, "00:00", "60min", "15min", 0.75, 1, None, "30min", "45min", False, 100),
            (VPN_B, "01:00", "60min", "15min", 0.75, 1, "30min", "30min", "45min", False, 100),
        ],
    ),
    # Default monthly period: one period (the window), 70 of 120 min down for VPN_A.
    "monthly": (
        {},
        [
            (VPN_A, "00:00", "120min", "70min", 50 / 120, 2, "10min", "60min", "25min", False, 100),
            (VPN_B, "00:00", "120min", "30min", 0.75, 1, "30min", "30min", "90min", False, 100),
        ],
    ),
    # stale_after 20 min: only up states go stale. VPN_A: T1's up from 00:30 is unknown
    # 00:50-01:00 (next record 01:00), T2 is unknown 00:00-00:05; down states hold.
    # Connection: outages 00:20-00:30 and 01:00-02:00 (ongoing: the window ends); 00:50-
    # 01:00 T1 unknown while T2 is down: unobserved 10 min. Downtime 10 + 60 = 70 of 110
    # observed minutes; mttr from the restored one (10 min); mtbf (110 - 70) / 2 = 20 min.
    # VPN_B: T3 up 00:00-00:20, unknown to 00:45, down to 01:15 (holds through its
    # silence), up to 01:35, unknown to 02:00: observed 20 + 50 = 70 min, 30 down,
    # mtbf (70 - 30) / 1 = 40 min, unobserved 50 min.
    "monthly_stale": (
        {"stale_after": "20min"},
        [
            (
                VPN_A,
                "00:00",
                "110min",
                "70min",
                40 / 110,
                2,
                "10min",
                "60min",
                "20min",
                False,
                100,
                "10min",
            ),
            (
                VPN_B,
                "00:00",
                "70min",
                "30min",
                40 / 70,
                1,
                "30min",
                "30min",
                "40min",
                False,
                100,
                "50min",
            ),
        ],
    ),
}


#: (customer_downtime, availability_aws_side) of each row of AVAILABILITY_CASES. VPN_A's
#: outage from 01:00 has the causes "cgw_delete_ike_sa, psk_mismatch", both on the
#: customer's side: customer downtime, all of hour 1 (nothing left observed on AWS's side:
#: NaN). Its 00:20 outage names a DPD timeout too: not the customer's. Monthly: 60 of
#: VPN_A's 70 min down are the customer's: 1 - 10 / (120 - 60); with stale_after 20 min,
#: 1 - 10 / (110 - 60). VPN_B's outage names no cause: none.
_NONE = ("0min", 5 / 6)
CUSTOMER_CASES = {
    "hourly": [_NONE, ("60min", np.nan), ("0min", 0.75), ("0min", 0.75)],
    "exclude": [("0min", 0.9), ("60min", np.nan), ("0min", 0.7), ("0min", 0.75)],
    "min_duration": [("0min", 1.0), ("60min", np.nan), ("0min", 0.75), ("0min", 0.75)],
    "monthly": [("60min", 1 - 10 / 60), ("0min", 0.75)],
    "monthly_stale": [("60min", 1 - 10 / 50), ("0min", 40 / 70)],
}


@pytest.mark.parametrize("case", list(AVAILABILITY_CASES))
def test_availability(case: str) -> None:
    options, rows = AVAILABILITY_CASES[case]
    result = availability(scenario(), **{**WINDOW, **options})  # type: ignore[arg-type]
    # hourly periods are no month; the default calendar month is cut to the 2 h window
    basis = "not a month" if "freq" in options else "partial month"
    assert_frame_equal(result, availability_frame(rows, basis, CUSTOMER_CASES[case]))
    assert service_credit(result["availability"]).tolist() == [r[10] for r in rows]


@pytest.mark.parametrize("sla", [0.5, 0.75, 0.9995])
def test_sla_target(sla: float) -> None:
    """VPN_B reaches 0.75 each hour: met iff the target is at most 0.75."""
    result = availability(scenario(), freq="1h", sla=sla, **WINDOW)
    vpn_b = result[result["vpn_connection_id"] == VPN_B]
    assert vpn_b["sla_met"].tolist() == [sla <= 0.75] * 2


def test_availability_unobserved_connection() -> None:
    """A connection whose first record is after the window: observed 0, availability NaN."""
    events = make_events([(D + "03:00", VPN_A, T1, *UP, PACKET)])
    result = availability(events, **WINDOW)
    assert result["observed"].tolist() == [pd.Timedelta(0)]
    assert result["unobserved"].tolist() == [pd.Timedelta("2h")]
    assert np.isnan(result["availability"].iloc[0])
    assert result["sla_met"].isna().all() and result["service_credit"].isna().all()


@pytest.mark.parametrize(
    ("value", "credit"),
    [
        (1.0, 0),
        (0.9995, 0),
        (0.99949, 10),
        (0.99, 10),
        (0.98999, 25),
        (0.95, 25),
        (0.9499, 100),
        (0.0, 100),
    ],
)
def test_service_credit_tiers(value: float, credit: int) -> None:
    """AWS tiers: 10 % below 99.95 %, 25 % below 99.0 %, 100 % below 95.0 %."""
    assert service_credit(np.array([value])).tolist() == [credit]
