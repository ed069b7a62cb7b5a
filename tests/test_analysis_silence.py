"""Honest silence: an up state holds at most ``stale_after`` after a record (DESIGN.md §4).

Hand-built tables; every expected interval is derived by hand in the comments: an up state
set at ``t`` holds until the tunnel's next record, but no longer than ``t + stale_after``
(default 75 min); beyond that the tunnel is ``unknown`` until its next record with states.
A state that is not up holds until the next record with states however long the silence:
a down tunnel logs nothing until the customer gateway tries again.
"""

from __future__ import annotations

import pandas as pd
import pytest
from analysis_fixtures import (
    DOWN,
    DPD,
    NONE,
    PACKET,
    T1,
    T2,
    UP,
    VPN_A,
    make_events,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from vpnlog_analytics import OptionError
from vpnlog_analytics.analysis import (
    availability,
    diagnose,
    dpd_timeouts,
    flaps,
    outages,
    summary,
    tunnel_states,
)
from vpnlog_analytics.options import DEFAULT_STALE_AFTER

D = "2024-01-01 "
H = pd.Timedelta("1h")
#: The default stale_after (75 min), which the expected intervals below are built from.
STALE = pd.Timedelta(DEFAULT_STALE_AFTER)


def at(v: str) -> pd.Timestamp:
    return pd.Timestamp(v if " " in v else D + v, tz="UTC")


def states(rows: list[tuple[str, str, str, str, bool]]) -> pd.DataFrame:
    """(tunnel, state, start, end, ongoing) of VPN_A, cause as the states give it."""
    return pd.DataFrame(
        {
            "tunnel_ip": [r[0] for r in rows],
            "state": [r[1] for r in rows],
            "start": pd.DatetimeIndex([at(r[2]) for r in rows]).as_unit("ns"),
            "end": pd.DatetimeIndex([at(r[3]) for r in rows]).as_unit("ns"),
            "ongoing": [r[4] for r in rows],
        }
    )


def got(result: pd.DataFrame) -> pd.DataFrame:
    out = result[["tunnel_ip", "state", "start", "end", "ongoing"]].reset_index(drop=True)
    return out.astype({"tunnel_ip": str, "state": str})


def scenario() -> pd.DataFrame:
    """T1: up 00:00 and 00:30, silent until 03:00 (up), a stateless line 03:50, up 04:40.
    T2: down 00:10 on DPD, silent until 02:30 (up), nothing after."""
    return make_events(
        [
            (D + "00:00", VPN_A, T1, *UP, PACKET),
            (D + "00:30", VPN_A, T1, *UP, PACKET),
            (D + "03:00", VPN_A, T1, *UP, PACKET),
            (D + "03:50", VPN_A, T1, *NONE, "some text-format line"),
            (D + "04:40", VPN_A, T1, *UP, PACKET),
            (D + "00:10", VPN_A, T2, *DOWN, DPD),
            (D + "02:30", VPN_A, T2, *UP, PACKET),
        ]
    )


WINDOW = {"start": D + "00:00", "end": D + "05:00"}


def test_states_go_unknown_after_stale_after() -> None:
    # T1: up 00:00-01:30 (last record 00:30 + 1 h), unknown to 03:00, up again; the
    # stateless line at 03:50 shows it is logging, so up holds to 04:40 and beyond (the
    # window ends 05:00 < 04:40 + 1 h: ongoing). T2: unknown before 00:10, down through
    # the silence to 02:30 (ended by the up record), up to 03:30 (its last record + 1 h),
    # unknown to the end.
    result = tunnel_states(scenario(), **WINDOW, stale_after="1h")
    want = states(
        [
            (T1, "up", "00:00", "01:30", True),
            (T1, "unknown", "01:30", "03:00", False),
            (T1, "up", "03:00", "05:00", True),
            (T2, "unknown", "00:00", "00:10", False),
            (T2, "down", "00:10", "02:30", False),
            (T2, "up", "02:30", "03:30", True),
            (T2, "unknown", "03:30", "05:00", True),
        ]
    )
    assert_frame_equal(got(result), want)
    assert result["cause"].tolist()[4] == "dpd_timeout"
    # The default (75 min) keeps T1 up to 01:45 and T2 up to 03:45.
    default = got(tunnel_states(scenario(), **WINDOW))
    assert default.iloc[0]["end"] == at("01:45")
    assert default.iloc[-2]["end"] == at("03:45")
    for _, g in result.groupby("tunnel_ip", observed=True):
        assert g["duration"].sum() == 5 * H  # up + down + unknown = the window


def test_stale_after_none_carries_states() -> None:
    result = tunnel_states(scenario(), **WINDOW, stale_after=None)
    want = states(
        [
            (T1, "up", "00:00", "05:00", True),
            (T2, "unknown", "00:00", "00:10", False),
            (T2, "down", "00:10", "02:30", False),
            (T2, "up", "02:30", "05:00", True),
        ]
    )
    assert_frame_equal(got(result), want)


def test_shorter_stale_after() -> None:
    # 45 min: T1 up to 01:15; after 03:00 up to 03:45 (the stateless line at 03:50 comes
    # too late to refresh it), unknown to 04:40 (the 03:50 line has no state), up.
    result = tunnel_states(scenario(), **WINDOW, stale_after="45min")
    t2 = got(result[result["tunnel_ip"] == T2])
    assert t2.values.tolist()[1] == [T2, "down", at("00:10"), at("02:30"), False]
    t1 = got(result[result["tunnel_ip"] == T1])
    assert t1.values.tolist() == [
        [T1, "up", at("00:00"), at("01:15"), True],
        [T1, "unknown", at("01:15"), at("03:00"), False],
        [T1, "up", at("03:00"), at("03:45"), True],
        [T1, "unknown", at("03:45"), at("04:40"), False],
        [T1, "up", at("04:40"), at("05:00"), True],
    ]


@pytest.mark.parametrize("value", ["0s", "-5min", "soon", [1]])
def test_stale_after_must_be_a_positive_duration(value: object) -> None:
    with pytest.raises(OptionError, match="stale_after"):
        tunnel_states(scenario(), stale_after=value)  # type: ignore[arg-type]


def test_outage_through_silence_ends_when_back_up() -> None:
    # T2's outage: 00:10 to 02:30, through 2 h 20 min of silence, ended by the up record
    # (not ongoing); the start (unknown -> down) is no flap; the DPD timeout's recovery is
    # known, whatever stale_after is; the whole outage was silent, and nothing before the
    # DPD record showed the gateway alive.
    for stale in ("1h", "10min", None):
        out = outages(scenario(), **WINDOW, stale_after=stale)
        assert out[["tunnel_ip", "start", "end", "ongoing", "cause", "silent"]].astype(
            {"tunnel_ip": str}
        ).values.tolist() == [
            [T2, at("00:10"), at("02:30"), False, "dpd_timeout", pd.Timedelta("2h20min")]
        ]
        assert out["last_alive"].isna().all()
        assert flaps(scenario(), **WINDOW, stale_after=stale).empty
        recovery = dpd_timeouts(scenario(), **WINDOW, stale_after=stale)["recovery"]
        assert recovery.tolist() == [pd.Timedelta("2h20min")]


def test_flap_after_silence_is_not_counted() -> None:
    # up 00:00, silent, down 02:00 (unknown -> down: the transition was not seen), up 02:10.
    events = make_events(
        [
            (D + "00:00", VPN_A, T1, *UP, PACKET),
            (D + "02:00", VPN_A, T1, *DOWN, DPD),
            (D + "02:10", VPN_A, T1, *UP, PACKET),
        ]
    )
    assert flaps(events, **WINDOW).empty
    carried = flaps(events, **WINDOW, stale_after=None)
    assert carried["time"].tolist() == [at("02:00")]
    assert carried["downtime"].tolist() == [pd.Timedelta("10min")]


def test_connection_unobserved_when_no_tunnel_up_and_one_unknown() -> None:
    # Connection (default 75 min): T1 up 00:00-01:45, unknown 01:45-03:00, up after; T2
    # unknown to 00:10, down 00:10-02:30 (through its silence), up after. Known (a tunnel
    # up, or all observed down): 00:00-01:45 (T1 up), 02:30-05:00 (T2 up): 4 h 15 min;
    # 01:45-02:30 nobody up and T1 unknown (it may have carried traffic): 45 min
    # unobserved. No connection outage: T1 is never down.
    result = availability(scenario(), freq="1D", **WINDOW)
    assert result["observed"].tolist() == [pd.Timedelta("4h15min")]
    assert result["unobserved"].tolist() == [pd.Timedelta("45min")]
    assert result["downtime"].tolist() == [pd.Timedelta(0)]
    assert result["availability"].tolist() == [1.0]
    carried = availability(scenario(), freq="1D", **WINDOW, stale_after=None)
    assert carried["observed"].tolist() == [5 * H]
    assert carried["unobserved"].tolist() == [pd.Timedelta(0)]


def test_connection_outage_through_silence() -> None:
    # Both down 00:00 on DPD, T1 logs a down line at 00:20 then stops, T2 stays down and
    # logs every 30 min until 02:00, then up. T1's down state holds through its silence,
    # so the connection is down 00:00 to 02:00, when T2 comes up: restored, not ongoing.
    # Up after (T1 still down, T2 up).
    events = make_events(
        [
            (D + "00:00", VPN_A, T1, *DOWN, DPD),
            (D + "00:20", VPN_A, T1, *DOWN, PACKET),
            (D + "00:00", VPN_A, T2, *DOWN, DPD),
            (D + "00:30", VPN_A, T2, *DOWN, PACKET),
            (D + "01:00", VPN_A, T2, *DOWN, PACKET),
            (D + "01:30", VPN_A, T2, *DOWN, PACKET),
            (D + "02:00", VPN_A, T2, *UP, PACKET),
        ]
    )
    window = {"start": D + "00:00", "end": D + "03:00"}
    conn = outages(events, level="connection", **window)
    assert conn[["start", "end", "ongoing"]].values.tolist() == [[at("00:00"), at("02:00"), False]]
    # Silent while both were: after its DPD record T1 is silent until 00:20, T2 until
    # 00:30; the overlap is 00:00-00:20.
    assert conn["silent"].tolist() == [pd.Timedelta("20min")]
    av = availability(events, freq="1D", **window)
    # observed: down 00:00-02:00, up 02:00-03:00 = 3 h, nothing unobserved
    assert av["observed"].tolist() == [pd.Timedelta("3h")]
    assert av["unobserved"].tolist() == [pd.Timedelta(0)]
    assert av["downtime"].tolist() == [pd.Timedelta("2h")]
    assert av["mttr"].tolist() == [pd.Timedelta("2h")]
    assert av["outages"].tolist() == [1]


def test_two_captures_years_apart() -> None:
    """A frame joining a capture of December 2022 with one of October 2024: the tunnel is
    up for the minutes of each capture (plus ``stale_after``), unknown for the years between."""
    a, b = "2022-12-14 08:00:", "2024-10-02 11:30:"
    events = make_events(
        [(a + f"{s:02d}", VPN_A, T1, *UP, PACKET) for s in (0, 10, 20)]
        + [(b + f"{s:02d}", VPN_A, T1, *UP, PACKET) for s in (0, 10, 20)]
        + [(b + f"{s:02d}", VPN_A, T2, *UP, PACKET) for s in (5, 15)]
    )
    result = tunnel_states(events)
    t1 = got(result[result["tunnel_ip"] == T1]).values.tolist()
    end = pd.Timestamp(b + "21", tz="UTC")  # last record + 1 s: the default window's end
    assert t1 == [
        [T1, "up", at(a + "00"), at(a + "20") + STALE, True],
        [T1, "unknown", at(a + "20") + STALE, at(b + "00"), False],
        [T1, "up", at(b + "00"), end, True],
    ]
    # T2 starts in 2024: unknown before; nobody is up in between.
    t2 = got(result[result["tunnel_ip"] == T2]).values.tolist()
    assert t2 == [
        [T2, "unknown", at(a + "00"), at(b + "05"), False],
        [T2, "up", at(b + "05"), end, True],
    ]
    between = (at(a + "20") + STALE, at(b + "00"))
    up = result[(result["state"] == "up") & (result["start"] < between[1])]
    assert (up["end"] <= between[0]).all()
    s = summary(events).set_index("tunnel_ip")
    assert s.loc[T1, "up_time"] == STALE + pd.Timedelta("20s") + pd.Timedelta("21s")
    assert s.loc[T1, "observed"] == s.loc[T1, "up_time"]
    assert s.loc[T1, "unknown_time"] == (end - at(a + "00")) - s.loc[T1, "up_time"]
    av = availability(events, freq="YS")
    assert av["unobserved"].sum() == between[1] - between[0]
    assert (av["observed"] + av["unobserved"]).sum() == end - at(a + "00")
    # Without the rule, the two years would count as up.
    carried = summary(events, stale_after=None).set_index("tunnel_ip")
    assert carried.loc[T1, "up_time"] == end - at(a + "00")


def test_logging_gap_finding_names_the_unobserved_time() -> None:
    # Records every 5 min, a 3-hour silence of an up tunnel from 06:00 to 09:00: the gap
    # is the silence (3 h, from the last record); 3 h - 75 min = 1 h 45 min unobserved.
    rows = [
        (f"2024-01-01 {h:02d}:{m:02d}", VPN_A, T1, *UP, PACKET)
        for h in range(6)
        for m in (0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55)
    ]
    rows += [(D + "06:00", VPN_A, T1, *UP, PACKET), (D + "09:00", VPN_A, T1, *UP, PACKET)]
    result = diagnose(make_events(rows))
    gap = result[result["rule"] == "logging_gap"]
    assert gap["finding"].tolist() == ["1 logging gap, 3 h in total, 1 h 45 min of it unobserved"]
    assert "unobserved" in gap["meaning"].item()
    carried = diagnose(make_events(rows), stale_after=None)
    assert carried.loc[carried["rule"] == "logging_gap", "finding"].tolist() == [
        "1 logging gap, 3 h in total"
    ]


# --- property: up + down + unknown = window, against a plain-Python reference ----------
BASE = pd.Timestamp("2024-01-01", tz="UTC")
row = st.tuples(
    st.integers(0, 1),  # tunnel
    st.integers(0, 300),  # minute
    st.sampled_from(["up", "down", None]),
)
SPEC = {"up": UP, "down": DOWN, None: NONE}


def reference(events: pd.DataFrame, lo: pd.Timestamp, hi: pd.Timestamp, stale: pd.Timedelta):
    """Per tunnel, [(state, start, end)] clipped to [lo, hi), written the obvious way."""
    out = {}
    for ip, g in events.groupby("tunnel_ip", observed=True):
        steps: dict[pd.Timestamp, str] = {}  # time -> state set there (last row wins)
        times = sorted(set(g["time"]))
        for t, up in zip(g["time"], g["tunnel_up"], strict=True):
            if not pd.isna(up):
                steps[t] = "up" if up else "down"
        current = "unknown"
        for t, nxt in zip(times, [*times[1:], None], strict=True):
            current = steps.get(t, current)
            # Only an up state goes stale; down holds through any silence.
            if current == "up" and (nxt is None or nxt - t > stale):
                steps.setdefault(t + stale, "unknown")
        bounds = [(pd.Timestamp.min.tz_localize("UTC"), "unknown")] + sorted(steps.items())
        merged: list[tuple[pd.Timestamp, str]] = []
        for t, state in bounds:
            if not merged or merged[-1][1] != state:
                merged.append((t, state))
        intervals = []
        for i, (t0, state) in enumerate(merged):
            t1 = merged[i + 1][0] if i + 1 < len(merged) else pd.Timestamp.max.tz_localize("UTC")
            s, e = max(t0, lo), min(t1, hi)
            if e > s:
                intervals.append((state, s, e))
        out[str(ip)] = intervals
    return out


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(row, min_size=1, max_size=30),
    st.tuples(st.integers(-30, 320), st.integers(0, 400)),
    st.sampled_from(["20min", "1h", "90min"]),
)
def test_states_with_stale_after_match_reference_and_add_up(rows, window, stale) -> None:
    events = make_events(
        [
            ((BASE + pd.Timedelta(minutes=m)).isoformat(), VPN_A, (T1, T2)[k], *SPEC[s], PACKET)
            for k, m, s in rows
        ]
    )
    lo = BASE + pd.Timedelta(minutes=window[0])
    hi = lo + pd.Timedelta(minutes=window[1])
    result = tunnel_states(events, start=lo, end=hi, stale_after=stale)
    ref = reference(events, lo, hi, pd.Timedelta(stale))
    have = {
        str(ip): list(zip(g["state"].astype(str), g["start"], g["end"], strict=True))
        for ip, g in result.groupby("tunnel_ip", observed=True)
    }
    assert have == {k: v for k, v in ref.items() if v}
    for _, g in result.groupby("tunnel_ip", observed=True):
        assert g["duration"].sum() == hi - lo
    # Availability: observed + unobserved = the window, downtime <= observed.
    av = availability(events, freq="1D", start=lo, end=hi, stale_after=stale)
    assert (av["observed"] + av["unobserved"]).sum() == hi - lo
    assert (av["downtime"] <= av["observed"]).all()
