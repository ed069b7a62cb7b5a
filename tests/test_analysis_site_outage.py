"""A silent site outage: a down tunnel logs nothing, and its outage lasts until it is up again.

The scenario of the issue, written by hand. A customer site loses power: both tunnels of
one connection hear their gateway last at 01:59:20, AWS probes it (DPD) and declares it dead
at 02:00:00; under the default tunnel options (startup action ``add``, DPD timeout action
``clear``) AWS then waits and nothing is logged until the gateway comes back and negotiates
at 06:59:59, up at 07:00:00. Each up stretch logs a child-SA rekey every 50 minutes. The
window is 00:00-10:00.

Expected values, derived by hand from the rows (DESIGN.md section 4): each tunnel is up
00:00-02:00 (records at most 50 min apart, under ``stale_after``), down 02:00-07:00 (a down
state holds through the silence), up 07:00-10:00 (last rekey 09:30, 30 min before the end);
so each tunnel and the connection have one 5 h outage, ended, cause ``dpd_timeout``, silent
from the DPD record to the first renegotiation record (4 h 59 min 59 s), last heard 01:59:20;
availability over the 10 observed hours is 50 %, time to restore 5 h.
"""

from __future__ import annotations

import pandas as pd
import pytest
from analysis_fixtures import (
    DOWN,
    DPD,
    NEG,
    REKEY,
    T1,
    T2,
    UP,
    VPN_A,
    make_events,
    req_sent,
    resp_received,
    ts,
)

from vpnlog_analytics.analysis import (
    availability,
    connection_states,
    dpd_timeouts,
    flaps,
    outages,
    summary,
    tunnel_states,
)

WINDOW = {"start": "2026-10-21 00:00", "end": "2026-10-21 10:00"}
DAY = "2026-10-21"
CGW_IP = "203.0.113.9"


def _received(ip: str) -> str:
    return f"received packet: from {CGW_IP} [UDP 500] to {ip} [UDP 500] (92 bytes)"


def _sent(ip: str) -> str:
    return f"sending packet: from {ip} [UDP 500] to {CGW_IP} [UDP 500] (92 bytes)"


P1_UP = f"AWS tunnel Phase 1 SA is established with cgw: {CGW_IP}"
P2_UP = (
    "AWS tunnel Phase 2 SA is established with inbound SPI: 0xc0ffee01: outbound SPI: "
    "0x0badf00d: traffic selectors: 0.0.0.0/0 === 0.0.0.0/0"
)


def _rekey(at: str, ip: str, rid: int) -> list[tuple[object, ...]]:
    return [
        (f"{DAY} {at}", VPN_A, ip, *REKEY, req_sent(rid)),
        (f"{DAY} {at}", VPN_A, ip, *UP, resp_received(rid)),
    ]


def site_outage_rows(ip: str, *, down: str = "02:00:00", back: str = "07:00:00") -> list:
    """One tunnel's records: rekeys, the last packet, DPD, silence, renegotiation, rekeys."""
    rows: list[tuple[object, ...]] = []
    for k, at in enumerate(("00:00:00", "00:50:00", "01:40:00")):
        rows += _rekey(at, ip, k)
    rows.append((f"{DAY} 01:59:20", VPN_A, ip, *UP, _received(ip)))
    t_down = pd.Timestamp(f"{DAY} {down}")
    for k in (3, 2, 1):  # unanswered DPD probes while still up
        at = (t_down - pd.Timedelta(seconds=10 * k)).strftime("%H:%M:%S")
        rows.append((f"{DAY} {at}", VPN_A, ip, *UP, _sent(ip)))
    rows.append((f"{DAY} {down}", VPN_A, ip, *DOWN, DPD))
    t_back = pd.Timestamp(f"{DAY} {back}")
    before = (t_back - pd.Timedelta(seconds=1)).strftime("%H:%M:%S")
    rows += [
        (f"{DAY} {before}", VPN_A, ip, *NEG, _received(ip)),
        (f"{DAY} {before}", VPN_A, ip, "established", "negotiating", P1_UP),
        (f"{DAY} {back}", VPN_A, ip, *UP, P2_UP),
    ]
    for k, at in enumerate(("07:50:00", "08:40:00", "09:30:00")):
        rows += _rekey(at, ip, 10 + k)
    return rows


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return make_events(site_outage_rows(T1) + site_outage_rows(T2))


FIVE_HOURS = pd.Timedelta(hours=5)
SILENT = pd.Timedelta(hours=4, minutes=59, seconds=59)


def test_each_tunnel_is_down_five_hours_not_unknown(events: pd.DataFrame) -> None:
    states = tunnel_states(events, **WINDOW)
    for ip in (T1, T2):
        mine = states[states["tunnel_ip"] == ip]
        assert mine["state"].astype(str).tolist() == ["up", "down", "up"]
        down = mine[mine["state"] == "down"].iloc[0]
        assert (down["start"], down["end"]) == (ts(f"{DAY} 02:00"), ts(f"{DAY} 07:00"))
        assert not down["ongoing"]
        assert down["cause"] == "dpd_timeout"
    total = states.groupby("state", observed=True)["duration"].sum()
    assert total["down"] == 2 * FIVE_HOURS
    assert total["up"] == 2 * pd.Timedelta(hours=5)
    assert "unknown" not in total or total["unknown"] == pd.Timedelta(0)


def test_one_connection_outage_of_five_hours(events: pd.DataFrame) -> None:
    conn = outages(events, level="connection", **WINDOW)
    assert len(conn) == 1
    row = conn.iloc[0]
    assert (row["start"], row["end"], row["duration"]) == (
        ts(f"{DAY} 02:00"),
        ts(f"{DAY} 07:00"),
        FIVE_HOURS,
    )
    assert not row["ongoing"]
    assert row["cause"] == "dpd_timeout"
    assert row["silent"] == SILENT
    assert row["last_alive"] == ts(f"{DAY} 01:59:20")


def test_tunnel_outages_say_how_much_was_silent(events: pd.DataFrame) -> None:
    tun = outages(events, **WINDOW)
    assert len(tun) == 2
    assert (tun["duration"] == FIVE_HOURS).all()
    assert (tun["silent"] == SILENT).all()
    assert (tun["last_alive"] == ts(f"{DAY} 01:59:20")).all()
    assert not tun["ongoing"].any()


def test_availability_fifty_percent_with_time_to_restore(events: pd.DataFrame) -> None:
    av = availability(events, **WINDOW).iloc[0]
    assert av["observed"] == pd.Timedelta(hours=10)
    assert av["availability"] == pytest.approx(0.5)
    assert av["mttr"] == FIVE_HOURS
    assert av["outages"] == 1


def test_connection_down_not_unknown(events: pd.DataFrame) -> None:
    cs = connection_states(events, **WINDOW)
    assert cs["state"].astype(str).tolist() == ["up", "down", "up"]
    assert cs.iloc[1]["duration"] == FIVE_HOURS


def test_every_analysis_agrees(events: pd.DataFrame) -> None:
    fl = flaps(events, **WINDOW)
    assert len(fl) == 2  # one up -> down per tunnel
    dpd = dpd_timeouts(events, **WINDOW)
    assert len(dpd) == 2
    assert (dpd["recovery"] == FIVE_HOURS).all()
    summ = summary(events, **WINDOW).set_index("tunnel_ip")
    assert (summ["down_time"] == FIVE_HOURS).all()
    assert (summ["unknown_time"] == pd.Timedelta(0)).all()
    assert (summ["outages"] == 1).all()


def test_window_ending_in_the_silence_is_ongoing(events: pd.DataFrame) -> None:
    tun = outages(events, start=f"{DAY} 00:00", end=f"{DAY} 05:00")
    assert len(tun) == 2
    assert tun["ongoing"].all()
    assert (tun["end"] == ts(f"{DAY} 05:00")).all()
    # The silence is clipped to the window too.
    assert (tun["silent"] == pd.Timedelta(hours=3)).all()


def test_tunnels_dying_apart(events: pd.DataFrame) -> None:
    """Tunnel 2 dies 5 s later and comes back 3 s later: the connection is down in between."""
    rows = site_outage_rows(T1) + site_outage_rows(T2, down="02:00:05", back="07:00:03")
    ev = make_events(rows)
    conn = outages(ev, level="connection", **WINDOW).iloc[0]
    # Down from the second tunnel's DPD (02:00:05) to the first one's return (07:00:00).
    assert (conn["start"], conn["end"]) == (ts(f"{DAY} 02:00:05"), ts(f"{DAY} 07:00:00"))
    # Silent while both are: from 02:00:05 until the first renegotiation record (06:59:59).
    assert conn["silent"] == pd.Timedelta(hours=4, minutes=59, seconds=54)
    assert conn["last_alive"] == ts(f"{DAY} 01:59:20")


def test_reachability_keeps_the_context_options() -> None:
    """The reachability context (routing="auto", with BGP logs) keeps the window and the
    stale_after it was prepared with, so analyses built on it read the same options."""
    import bgp_fixtures as bf

    from vpnlog_analytics.analysis import prepare
    from vpnlog_analytics.analysis.bgp import reachability

    table = bf.events(
        [bf.ike("00:00:00", bf.T1, True), *bf.up_sequence("00:00:05", bf.T1)]
        + [bf.ike("00:30:00", bf.T1, True)]
    )
    ctx = prepare(table, start=f"{bf.DAY} 00:00", end=f"{bf.DAY} 02:00", stale_after="20min")
    out, _ = reachability(ctx, "auto")
    assert out is not ctx  # BGP logs: a context of its own
    assert out.stale_after == pd.Timedelta("20min")
    assert (out.start, out.end) == (ctx.start, ctx.end)
