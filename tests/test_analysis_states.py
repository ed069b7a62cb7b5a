"""tunnel_states and flaps on hand-built tables, answers derived by hand."""

from __future__ import annotations

import pandas as pd
import pytest
from analysis_fixtures import (
    DOWN,
    DPD,
    NONE,
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
    state_rows,
)
from pandas.testing import assert_frame_equal

from vpnlog_analytics.analysis import flap_frequency, flapping_episodes, flaps, tunnel_states

D = "2024-01-01 "


def scenario() -> pd.DataFrame:
    """T1: up 00:00, DPD + down 00:10, a text row 00:20 (no state), up 00:30.
    T2: first record 00:05 down with a PSK mismatch, down again 00:40."""
    return make_events(
        [
            (D + "00:00", VPN_A, T1, *UP, PACKET),
            (D + "00:10", VPN_A, T1, *UP, DPD),
            (D + "00:10", VPN_A, T1, *DOWN, PACKET),
            (D + "00:20", VPN_A, T1, *NONE, "some text-format line"),
            (D + "00:30", VPN_A, T1, *UP, PACKET),
            (D + "00:05", VPN_A, T2, *DOWN, PSK),
            (D + "00:40", VPN_A, T2, *DOWN, PACKET),
        ]
    )


CASES = {
    # Full hour: T1 up 0-10, down 10-30 (DPD at 00:10 explains it; the NA row at 00:20
    # changes nothing), up 30-60 still open at the end. T2 unknown before its first
    # record (0-5), then down to the end, explained by the PSK mismatch at 00:05.
    "hour": (
        (D + "00:00", D + "01:00"),
        [
            (T1, "up", "00:00", "00:10", False, None),
            (T1, "down", "00:10", "00:30", False, "dpd_timeout"),
            (T1, "up", "00:30", "01:00", True, None),
            (T2, "unknown", "00:00", "00:05", False, None),
            (T2, "down", "00:05", "01:00", True, "psk_mismatch"),
        ],
    ),
    # Window starting inside the outages: both start down, causes from before the window.
    "inside_outage": (
        (D + "00:15", D + "01:00"),
        [
            (T1, "down", "00:15", "00:30", False, "dpd_timeout"),
            (T1, "up", "00:30", "01:00", True, None),
            (T2, "down", "00:15", "01:00", True, "psk_mismatch"),
        ],
    ),
    # Window with no records, more than stale_after (75 min) after the last ones (T1 up
    # at 00:30, T2 down at 00:40): T1's up state went stale (unknown throughout); T2's
    # down state holds through the silence, still down at the end (ongoing).
    "no_records": (
        (D + "02:00", D + "03:00"),
        [
            (T1, "unknown", "02:00", "03:00", True, None),
            (T2, "down", "02:00", "03:00", True, "psk_mismatch"),
        ],
    ),
    # Window before any record: unknown throughout; still open at end (first record later).
    "before_records": (
        ("2023-12-31 23:00", "2023-12-31 23:30"),
        [
            (T1, "unknown", "2023-12-31 23:00", "2023-12-31 23:30", True, None),
            (T2, "unknown", "2023-12-31 23:00", "2023-12-31 23:30", True, None),
        ],
    ),
    # Records after the window: T1's outage continues past 00:20, so it is ongoing.
    "records_after": (
        (D + "00:00", D + "00:20"),
        [
            (T1, "up", "00:00", "00:10", False, None),
            (T1, "down", "00:10", "00:20", True, "dpd_timeout"),
            (T2, "unknown", "00:00", "00:05", False, None),
            (T2, "down", "00:05", "00:20", True, "psk_mismatch"),
        ],
    ),
    # Window ending exactly when T1 comes back: its outage ended, it is not ongoing.
    "end_at_change": (
        (D + "00:00", D + "00:30"),
        [
            (T1, "up", "00:00", "00:10", False, None),
            (T1, "down", "00:10", "00:30", False, "dpd_timeout"),
            (T2, "unknown", "00:00", "00:05", False, None),
            (T2, "down", "00:05", "00:30", True, "psk_mismatch"),
        ],
    ),
    # Empty window: no intervals at all.
    "empty_window": ((D + "00:10", D + "00:10"), []),
}


def states_frame(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    def at(v: object) -> str:
        return str(v) if " " in str(v) else D + str(v)

    return expected(
        {
            "vpn_connection_id": [VPN_A] * len(rows),
            "tunnel_ip": [r[0] for r in rows],
            "state": [r[1] for r in rows],
            "start": [at(r[2]) for r in rows],
            "end": [at(r[3]) for r in rows],
            "duration": [pd.Timestamp(at(r[3])) - pd.Timestamp(at(r[2])) for r in rows],
            "ongoing": [r[4] for r in rows],
            "cause": [r[5] for r in rows],
        }
    )


@pytest.mark.parametrize("case", list(CASES))
def test_tunnel_states_windows(case: str) -> None:
    window, rows = CASES[case]
    result = tunnel_states(scenario(), start=window[0], end=window[1])
    assert_frame_equal(result, states_frame(rows))


def test_no_records_carried_without_stale_after() -> None:
    """stale_after=None: the last states carry on into a window without records, ongoing."""
    result = tunnel_states(scenario(), start=D + "02:00", end=D + "03:00", stale_after=None)
    want = [
        (T1, "up", "02:00", "03:00", True, None),
        (T2, "down", "02:00", "03:00", True, "psk_mismatch"),
    ]
    assert_frame_equal(result, states_frame(want))


def test_default_window_is_span_of_data() -> None:
    """Default window 00:00 to 00:40:01: first record to the end of the last logged second."""
    result = tunnel_states(scenario())
    assert result["start"].min() == pd.Timestamp(D + "00:00", tz="UTC")
    assert result["end"].max() == pd.Timestamp(D + "00:40:01", tz="UTC")


def test_input_not_mutated_and_order_free() -> None:
    events = scenario()
    before = events.copy()
    shuffled = events.iloc[[6, 4, 5, 0, 1, 2, 3]]  # same-second rows 1, 2 keep their order
    a = tunnel_states(events, start=D + "00:00", end=D + "01:00")
    b = tunnel_states(shuffled, start=D + "00:00", end=D + "01:00")
    assert_frame_equal(events, before)
    assert_frame_equal(a, b)


def test_identical_timestamps_last_record_wins() -> None:
    """At 00:05 the records say down, up, down: only the last holds (down 00:05-00:10).
    At 00:20 down then up in one second: a zero-length down is no interval and no flap."""
    rows = state_rows(
        VPN_A,
        T1,
        [
            (D + "00:00", UP),
            (D + "00:05", DOWN),
            (D + "00:05", UP),
            (D + "00:05", DOWN),
            (D + "00:10", UP),
            (D + "00:20", DOWN),
            (D + "00:20", UP),
            (D + "00:30", UP),
        ],
    )
    events = make_events(rows)
    result = tunnel_states(events, start=D + "00:00", end=D + "00:30")
    want = states_frame(
        [
            (T1, "up", "00:00", "00:05", False, None),
            (T1, "down", "00:05", "00:10", False, "unexplained"),
            (T1, "up", "00:10", "00:30", True, None),
        ]
    )
    assert_frame_equal(result, want.assign(tunnel_ip=pd.Categorical([T1] * 3, categories=[T1])))
    assert len(flaps(events)) == 1


def test_one_record_tunnel() -> None:
    """One record at 00:05 (up): unknown 00:00-00:05, up 00:05-01:00 ongoing."""
    events = make_events([(D + "00:05", VPN_A, T1, *UP, PACKET)])
    result = tunnel_states(events, start=D + "00:00", end=D + "01:00")
    want = states_frame(
        [(T1, "unknown", "00:00", "00:05", False, None), (T1, "up", "00:05", "01:00", True, None)]
    )
    assert_frame_equal(result, want.assign(tunnel_ip=pd.Categorical([T1] * 2, categories=[T1])))


def test_bgp_rows_never_set_state() -> None:
    """A BGP row of T1 at 00:10 (even one carrying a state) changes nothing; a tunnel with
    only BGP rows (T3) has no state rows at all. The BGP row still widens the default
    window (it starts at 00:00, the first row of the table; it ends at 00:20:01, the end
    of the last logged second)."""
    events = make_events(
        [
            (D + "00:05", VPN_A, T1, *UP, PACKET),
            (D + "00:10", VPN_A, T1, *DOWN, "BGP session state has changed", "bgp"),
            (D + "00:00", VPN_A, T3, *DOWN, "BGP session state has changed", "bgp"),
            (D + "00:20", VPN_A, T1, *UP, PACKET),
        ]
    )
    result = tunnel_states(events)
    want = states_frame(
        [
            (T1, "unknown", "00:00", "00:05", False, None),
            (T1, "up", "00:05", "00:20:01", True, None),
        ]
    )
    assert_frame_equal(result, want.assign(tunnel_ip=pd.Categorical([T1] * 2, categories=[T1])))


def test_empty_table() -> None:
    empty = make_events([])
    for result in (tunnel_states(empty), flaps(empty), flap_frequency(empty)):
        assert result.empty
    assert tunnel_states(empty, start=D + "00:00", end=D + "01:00").empty


FLAP_ROWS = state_rows(
    VPN_A,
    T1,
    [
        (D + "00:00", DOWN),  # unknown -> down: not a flap
        (D + "00:05", UP),
        (D + "00:10", DOWN),  # flap 1, down 1 min
        (D + "00:11", UP),
        (D + "00:20", DOWN),  # flap 2, down 1 min
        (D + "00:21", UP),
        (D + "00:30", DOWN),  # flap 3, down 2.5 h
        (D + "03:00", UP),
        (D + "04:00", DOWN),  # flap 4, ongoing
        (D + "05:00", DOWN),
    ],
) + [(D + "00:29:30", VPN_A, T1, *UP, DPD)]


@pytest.mark.parametrize(
    ("stale_after", "third_downtime"),
    [(None, "150min"), ("1h", "150min"), ("3h", "150min")],
)
def test_flaps(stale_after: str | None, third_downtime: str | None) -> None:
    """Four up->down transitions; the first record being down is no flap. The 00:30 flap
    is explained by the DPD timeout 30 s before; the last one is ongoing at 05:00. The
    00:30 outage is followed by 2.5 h without records: a down state holds through any
    silence, so whatever ``stale_after`` is it lasts 150 min, ended by the 03:00 up
    record."""
    result = flaps(make_events(FLAP_ROWS), stale_after=stale_after)
    want = expected(
        {
            "vpn_connection_id": [VPN_A] * 4,
            "tunnel_ip": [T1] * 4,
            "time": [D + "00:10", D + "00:20", D + "00:30", D + "04:00"],
            "cause": ["unexplained", "unexplained", "dpd_timeout", "unexplained"],
            "downtime": ["1min", "1min", third_downtime, None],
        },
        ips=[T1],
    )
    assert_frame_equal(result, want)


@pytest.mark.parametrize(
    ("lookback", "cause"), [("120s", "dpd_timeout"), ("30s", "dpd_timeout"), ("29s", "unexplained")]
)
def test_cause_lookback(lookback: str, cause: str) -> None:
    """The DPD record is 30 s before the 00:30 flap: inside a look-back of 30 s or more."""
    result = flaps(make_events(FLAP_ROWS), cause_lookback=lookback)
    assert result["cause"].iloc[2] == cause


@pytest.mark.parametrize(
    ("freq", "periods", "counts"),
    [
        ("1h", ["00:00", "01:00", "02:00", "03:00", "04:00", "05:00"], [3, 0, 0, 0, 1, 0]),
        ("2h", ["00:00", "02:00", "04:00"], [3, 0, 1]),
        ("1D", ["00:00"], [4]),
    ],
)
def test_flap_frequency(freq: str, periods: list[str], counts: list[int]) -> None:
    """Window 00:00-05:00:01 (default: to the end of the last logged second); flaps at
    00:10, 00:20, 00:30, 04:00; empty bins are zeros, the 05:00 bin too."""
    result = flap_frequency(make_events(FLAP_ROWS), freq=freq)
    want = expected(
        {
            "vpn_connection_id": [VPN_A] * len(periods),
            "tunnel_ip": [T1] * len(periods),
            "period": [D + p for p in periods],
            "flaps": counts,
        },
        ips=[T1],
    )
    assert_frame_equal(result, want)


@pytest.mark.parametrize(
    ("min_flaps", "window", "episodes"),
    [
        (3, "1h", [("00:10", "00:30", 3)]),  # 3 flaps in 20 min
        (3, "19min", []),  # 00:10..00:30 is 20 min apart
        (2, "10min", [("00:10", "00:30", 3)]),  # pairs (10,20), (20,30) share a flap
        (2, "9min", []),
        (4, "4h", [("00:10", "04:00", 4)]),
        (
            1,
            "0s",
            [
                ("00:10", "00:10", 1),
                ("00:20", "00:20", 1),
                ("00:30", "00:30", 1),
                ("04:00", "04:00", 1),
            ],
        ),
    ],
)
def test_flapping_episodes(
    min_flaps: int, window: str, episodes: list[tuple[str, str, int]]
) -> None:
    result = flapping_episodes(make_events(FLAP_ROWS), min_flaps=min_flaps, flap_window=window)
    want = expected(
        {
            "vpn_connection_id": [VPN_A] * len(episodes),
            "tunnel_ip": [T1] * len(episodes),
            "start": [D + e[0] for e in episodes],
            "end": [D + e[1] for e in episodes],
            "flaps": [e[2] for e in episodes],
        },
        ips=[T1],
    )
    assert_frame_equal(result, want)


def test_two_connections_categories() -> None:
    """Results carry the connections and tunnels of the table as categories."""
    events = make_events(
        [(D + "00:00", VPN_A, T1, *UP, PACKET), (D + "00:00", VPN_B, T2, *DOWN, PACKET)]
    )
    result = tunnel_states(events, end=D + "00:10")
    assert list(result["vpn_connection_id"].cat.categories) == [VPN_A, VPN_B]
    assert result["state"].tolist() == ["up", "down"]
