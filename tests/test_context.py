"""One analysis context per window, connection states and event counts in analysis.

Expected values of the hand fixtures are derived in the comments next to them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from analysis_fixtures import DOWN, DPD, PACKET, PSK, T1, T2, UP, VPN_A, VPN_B, make_events

import vpnlog_analytics as vl
from vpnlog_analytics import analysis
from vpnlog_analytics.errors import OptionError

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
D = "2024-01-01 "


@pytest.fixture(scope="module")
def samples() -> pd.DataFrame:
    return vl.read_logs(SAMPLES / "s3-export")


CALLS = {
    "tunnel_states": lambda e, **w: analysis.tunnel_states(e, **w),
    "connection_states": lambda e, **w: analysis.connection_states(e, **w),
    "flaps": lambda e, **w: analysis.flaps(e, **w),
    "flap_frequency": lambda e, **w: analysis.flap_frequency(e, freq="1D", **w),
    "flapping_episodes": lambda e, **w: analysis.flapping_episodes(e, **w),
    "outages_tunnel": lambda e, **w: analysis.outages(e, **w),
    "outages_connection": lambda e, **w: analysis.outages(e, level="connection", **w),
    "availability": lambda e, **w: analysis.availability(e, freq="7D", **w),
    "rekey_stats": lambda e, **w: analysis.rekey_stats(e, **w),
    "dpd_timeouts": lambda e, **w: analysis.dpd_timeouts(e, **w),
    "dpd_stats": lambda e, **w: analysis.dpd_stats(e, **w),
    "summary": lambda e, **w: analysis.summary(e, **w),
    "diagnose": lambda e, **w: analysis.diagnose(e, **w),
    "event_counts": lambda e, **w: analysis.event_counts(e, **w),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_a_prepared_context_gives_the_same_results(samples: pd.DataFrame, name: str) -> None:
    window = {"start": "2026-10-05", "end": "2026-10-25"}
    ctx = analysis.prepare(samples, **window)
    from_table = CALLS[name](samples, **window)
    pd.testing.assert_frame_equal(CALLS[name](ctx), from_table)
    # the same window given again is accepted; another one is refused
    pd.testing.assert_frame_equal(CALLS[name](ctx, **window), from_table)
    with pytest.raises(OptionError, match="prepared context"):
        CALLS[name](ctx, start="2026-10-06")


def test_within_shares_the_changes_and_equals_a_fresh_context(samples: pd.DataFrame) -> None:
    ctx = analysis.prepare(samples)
    ctx.intervals  # noqa: B018 -- build them
    zoom = ctx.within("2026-10-21 09:00", "2026-10-21 11:00")
    assert zoom.changes is ctx.changes and zoom.rows is ctx.rows
    fresh = analysis.outages(samples, start="2026-10-21 09:00", end="2026-10-21 11:00")
    pd.testing.assert_frame_equal(analysis.outages(zoom), fresh)
    assert analysis.prepare(ctx, start="2026-10-21 09:00", end="2026-10-21 11:00").rows is ctx.rows
    assert zoom.start == pd.Timestamp("2026-10-21 09:00", tz="UTC")


def test_context_cause_lookback_is_its_own() -> None:
    # T1 up 00:00, DPD timeout at 00:05, down at 00:08: 3 min later than the error.
    events = make_events(
        [
            (D + "00:00", VPN_A, T1, *UP, PACKET),
            (D + "00:05", VPN_A, T1, *UP, DPD),
            (D + "00:08", VPN_A, T1, *DOWN, PACKET),
            (D + "00:20", VPN_A, T1, *UP, PACKET),
        ]
    )
    wide = analysis.prepare(events, cause_lookback="300s")
    assert analysis.outages(wide)["cause"].tolist() == ["dpd_timeout"]  # 180 s <= 300 s
    assert analysis.outages(events)["cause"].tolist() == ["unexplained"]  # > 120 s default
    assert analysis.outages(wide, cause_lookback="300s")["cause"].tolist() == ["dpd_timeout"]
    with pytest.raises(OptionError, match="cause_lookback"):
        analysis.outages(wide, cause_lookback="60s")
    assert wide.cause_lookback == pd.Timedelta("300s")


def test_connection_states_by_hand() -> None:
    """VPN_A: T1 up 00:00-00:10, down 00:10-00:30, up after; T2 first seen 00:05 up,
    down 00:20-00:40. Window 00:00-01:00 (explicit).

    00:00-00:05 T1 up, T2 unknown -> up; 00:05-00:10 both up -> up; 00:10-00:20 T1 down,
    T2 up -> degraded; 00:20-00:30 both down -> down; 00:30-00:40 T1 up, T2 down ->
    degraded; 00:40-01:00 both up -> up. VPN_B has only a BGP-less tunnel never known
    (phase states absent): unknown over the whole window.
    """
    events = make_events(
        [
            (D + "00:00", VPN_A, T1, *UP, PACKET),
            (D + "00:05", VPN_A, T2, *UP, PACKET),
            (D + "00:10", VPN_A, T1, *DOWN, PSK),
            (D + "00:20", VPN_A, T2, *DOWN, DPD),
            (D + "00:30", VPN_A, T1, *UP, PACKET),
            (D + "00:40", VPN_A, T2, *UP, PACKET),
            (D + "00:15", VPN_B, T1, None, None, PACKET),
        ]
    )
    got = analysis.connection_states(events, start=D + "00:00", end=D + "01:00")
    rows = [
        (VPN_A, "up", "00:00", "00:10"),
        (VPN_A, "degraded", "00:10", "00:20"),
        (VPN_A, "down", "00:20", "00:30"),
        (VPN_A, "degraded", "00:30", "00:40"),
        (VPN_A, "up", "00:40", "01:00"),
        (VPN_B, "unknown", "00:00", "01:00"),
    ]
    assert [
        (str(r.vpn_connection_id), str(r.state), f"{r.start:%H:%M}", f"{r.end:%H:%M}")
        for r in got.itertuples()
    ] == rows
    assert (got["duration"] == got["end"] - got["start"]).all()
    down = got[got["state"] == "down"]["duration"].sum()
    assert (
        down
        == analysis.outages(events, level="connection", start=D + "00:00", end=D + "01:00")[
            "duration"
        ].sum()
    )


def _reference_connection_states(states: pd.DataFrame) -> pd.DataFrame:
    """The definition plotting used to compute itself, kept as an oracle (per connection)."""
    rows = []
    ns = lambda v: np.asarray(pd.DatetimeIndex(v).as_unit("ns").asi8)  # noqa: E731
    for conn, grp in states.groupby("vpn_connection_id", observed=True, sort=True):
        edges = np.unique(np.concatenate([ns(grp["start"]), ns(grp["end"])]))
        if edges.size < 2:
            continue
        seg = edges[:-1]
        n = {k: np.zeros(seg.size, dtype=np.int64) for k in ("up", "down", "unknown")}
        for _, t in grp.groupby("tunnel_ip", observed=True, sort=False):
            state = t["state"].astype(str).to_numpy()
            if (state == "unknown").all():
                continue
            st, en = ns(t["start"]), ns(t["end"])
            i = np.searchsorted(st, seg, side="right") - 1
            ok = (i >= 0) & (seg < en[np.maximum(i, 0)])
            here = np.where(ok, state[np.maximum(i, 0)], "unknown")
            for k in n:
                n[k] += here == k
        cs = np.select(
            [
                (n["down"] > 0) & (n["up"] == 0) & (n["unknown"] == 0),
                (n["down"] > 0) & (n["up"] > 0),
                n["up"] > 0,
            ],
            ["down", "degraded", "up"],
            default="unknown",
        )
        new = np.ones(seg.size, dtype=bool)
        new[1:] = cs[1:] != cs[:-1]
        first = np.nonzero(new)[0]
        last = np.append(seg[first[1:]], edges[-1])
        rows += [
            (str(conn), str(cs[f]), int(seg[f]), int(e)) for f, e in zip(first, last, strict=True)
        ]
    return pd.DataFrame(rows, columns=["vpn_connection_id", "state", "start", "end"])


@pytest.mark.parametrize(
    "window", [(None, None), ("2026-10-21 09:00", "2026-10-21 11:00"), ("2026-10-02", "2026-10-09")]
)
def test_connection_states_equal_the_former_plotting_definition(
    samples: pd.DataFrame, window: tuple[str | None, str | None]
) -> None:
    start, end = window
    # the former definition knew IPsec alone (no BGP reachability)
    got = analysis.connection_states(samples, start=start, end=end, routing="ipsec")
    want = _reference_connection_states(analysis.tunnel_states(samples, start=start, end=end))
    assert len(got) == len(want) > 3
    assert got["vpn_connection_id"].astype(str).tolist() == want["vpn_connection_id"].tolist()
    assert got["state"].astype(str).tolist() == want["state"].tolist()
    assert got["start"].astype("int64").tolist() == want["start"].tolist()
    assert got["end"].astype("int64").tolist() == want["end"].tolist()


def test_event_counts_by_hand() -> None:
    # Day 1: PSK (error) x2 on VPN_A, DPD (error) x1 on VPN_B; day 2: DPD x1; packets are
    # info and not counted. Window 2024-01-01 to 2024-01-03: two days x two kinds.
    events = make_events(
        [
            ("2024-01-01 00:00", VPN_A, T1, *UP, PSK),
            ("2024-01-01 05:00", VPN_A, T1, *UP, PSK),
            ("2024-01-01 06:00", VPN_B, T2, *UP, DPD),
            ("2024-01-01 07:00", VPN_B, T2, *UP, PACKET),
            ("2024-01-02 08:00", VPN_B, T2, *UP, DPD),
        ]
    )
    got = analysis.event_counts(events, start="2024-01-01", end="2024-01-03")
    assert got["event"].tolist() == ["dpd_timeout", "psk_mismatch"] * 2
    assert got["count"].tolist() == [1, 2, 1, 0]
    assert got["period"].dt.day.tolist() == [1, 1, 2, 2]
    assert set(got["severity"].astype(str)) == {"error"}
    info = analysis.event_counts(events, severities=["info"], start="2024-01-01", end="2024-01-03")
    assert info["count"].sum() == 1
    with pytest.raises(OptionError, match="'error', 'warning', 'info'"):
        analysis.event_counts(events, severities=["fatal"])
