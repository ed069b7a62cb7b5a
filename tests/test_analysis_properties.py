"""Property tests over random event sequences, against a plain-Python reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
from analysis_fixtures import DPD, PACKET, PSK, T1, T2, T3, VPN_A, VPN_B, make_events
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from vpnlog_analytics import schema
from vpnlog_analytics.analysis import availability, flaps, outages, tunnel_states

BASE = pd.Timestamp("2024-01-01", tz="UTC")
TUNNELS = [(VPN_A, T1), (VPN_A, T2), (VPN_B, T3)]
STATES = {"up": ("established", "established"), "down": ("down", "down"), None: (None, None)}
#: A record that shows the gateway alive (a ``last_alive`` candidate).
RECEIVED = "received packet: from 203.0.113.9 [UDP 500] to 1.1.1.1 [UDP 500] (92 bytes)"
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

row = st.tuples(
    st.integers(0, 3),  # tunnel (3 = the second row of VPN_A's T1, for more density)
    st.integers(0, 40),  # minute: small range, so identical timestamps are common
    st.sampled_from(["up", "down", None]),
    st.sampled_from([PACKET, RECEIVED, DPD, PSK]),
)
tables = st.lists(row, min_size=0, max_size=40)
windows = st.tuples(st.integers(-5, 45), st.integers(0, 50)).map(lambda w: (w[0], w[0] + w[1]))


def build(rows: list[tuple[int, int, str | None, str]]) -> pd.DataFrame:
    records = []
    for tunnel, minute, state, details in rows:
        conn, ip = TUNNELS[min(tunnel, 2)]
        t = (BASE + pd.Timedelta(minutes=minute)).isoformat()
        records.append((t, conn, ip, *STATES[state], details))
    return make_events(records)


def at(minute: int) -> pd.Timestamp:
    return BASE + pd.Timedelta(minutes=minute)


def reference_states(events: pd.DataFrame, lo: pd.Timestamp, hi: pd.Timestamp) -> dict:
    """Plain Python: per tunnel, the (state, start, end) list clipped to [lo, hi)."""
    out = {}
    tunnel_rows = events[events["log_type"] == "tunnel"]
    for (conn, ip), grp in tunnel_rows.groupby(["vpn_connection_id", "tunnel_ip"], observed=True):
        last_by_time: dict[pd.Timestamp, str] = {}
        for t, up in zip(grp["time"], grp["tunnel_up"], strict=True):
            if not pd.isna(up):
                last_by_time[t] = "up" if up else "down"
        steps: list[tuple[str, pd.Timestamp]] = []
        for t in sorted(last_by_time):
            if not steps or steps[-1][0] != last_by_time[t]:
                steps.append((last_by_time[t], t))
        bounds = [("unknown", pd.Timestamp.min.tz_localize("UTC"))] + steps
        intervals = []
        for i, (state, t0) in enumerate(bounds):
            t1 = bounds[i + 1][1] if i + 1 < len(bounds) else pd.Timestamp.max.tz_localize("UTC")
            s, e = max(t0, lo), min(t1, hi)
            if e > s:
                intervals.append((state, s, e))
        out[(conn, ip)] = (intervals, steps)
    return out


@SETTINGS
@given(tables, windows)
def test_states_match_reference_and_add_up(rows, window) -> None:
    events = build(rows)
    lo, hi = at(window[0]), at(window[1])
    # The reference carries states through any silence (test_analysis_silence.py has the
    # property with stale_after).
    result = tunnel_states(events, start=lo, end=hi, stale_after=None)
    ref = reference_states(events, lo, hi)
    got = {
        key: list(zip(g["state"].astype(str), g["start"], g["end"], strict=True))
        for key, g in result.groupby(["vpn_connection_id", "tunnel_ip"], observed=True)
    }
    assert got == {k: v[0] for k, v in ref.items() if v[0]}
    for _, g in result.groupby(["vpn_connection_id", "tunnel_ip"], observed=True):
        assert g["duration"].sum() == hi - lo  # up + down + unknown = the window
        assert (g["start"].iloc[1:].to_numpy() == g["end"].iloc[:-1].to_numpy()).all()


@SETTINGS
@given(tables, windows)
def test_flaps_are_up_to_down_transitions(rows, window) -> None:
    events = build(rows)
    lo, hi = at(window[0]), at(window[1])
    expected = 0
    for steps in (v[1] for v in reference_states(events, lo, hi).values()):
        expected += sum(
            1
            for (a, _), (b, t) in zip(steps, steps[1:], strict=False)
            if a == "up" and b == "down" and lo <= t < hi
        )
    assert len(flaps(events, start=lo, end=hi)) == expected


@SETTINGS
@given(tables, windows, st.sampled_from([None, "5min", "75min"]))
def test_outages_disjoint_and_connection_within_tunnels(rows, window, stale) -> None:
    # stale_after 5 min makes up states go stale inside the 40-minute tables; down states
    # hold through silences whatever it is (DESIGN.md section 4).
    events = build(rows)
    lo, hi = at(window[0]), at(window[1])
    keys = ["vpn_connection_id", "tunnel_ip"]
    opts = {"start": lo, "end": hi, "stale_after": stale}
    tunnel = outages(events, **opts)
    conn = outages(events, level="connection", **opts)
    for frame, by in ((tunnel, keys), (conn, keys[:1])):
        for _, g in frame.groupby(by, observed=True):
            assert (g["start"].iloc[1:].to_numpy() >= g["end"].iloc[:-1].to_numpy()).all()
        assert (frame["duration"] > pd.Timedelta(0)).all()
        # The silent share is part of the outage; the last sign of life precedes it.
        assert (frame["silent"] >= pd.Timedelta(0)).all()
        assert (frame["silent"] <= frame["duration"]).all()
        alive = frame["last_alive"].notna()
        assert (frame.loc[alive, "last_alive"] <= frame.loc[alive, "start"]).all()
    states = tunnel_states(events, **opts)
    known = states[states["state"] != "unknown"]
    down = tunnel.groupby(keys, observed=True)["duration"].sum()
    for (c, ip), _ in known.groupby(keys, observed=True):
        conn_down = conn.loc[conn["vpn_connection_id"] == c, "duration"].sum()
        assert conn_down <= down.get((c, ip), pd.Timedelta(0))
    # Availability's downtime is the connection outages' time.
    avail = availability(events, **opts, freq="10min")
    total = avail.groupby("vpn_connection_id", observed=True)["downtime"].sum()
    for c, g in conn.groupby("vpn_connection_id", observed=True):
        assert total[c] == g["duration"].sum()
    assert (avail["downtime"] <= avail["observed"]).all()


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in (schema.VPN_CONNECTION_ID, schema.TUNNEL_IP):
        if col in out:
            out[col] = out[col].astype(str)
    return out.reset_index(drop=True)


def _results(events: pd.DataFrame, lo: pd.Timestamp, hi: pd.Timestamp) -> list[pd.DataFrame]:
    return [
        tunnel_states(events, start=lo, end=hi),
        flaps(events, start=lo, end=hi),
        outages(events, start=lo, end=hi),
        outages(events, level="connection", start=lo, end=hi),
        availability(events, start=lo, end=hi, freq="15min"),
    ]


@SETTINGS
@given(tables, windows, st.randoms(use_true_random=False), st.integers(1, 4))
def test_order_chunks_and_groupby_independent(rows, window, rnd, n_chunks) -> None:
    events = build(rows)
    lo, hi = at(window[0]), at(window[1])
    want = [_normalise(r) for r in _results(events, lo, hi)]
    if events.empty:
        assert all(w.empty for w in want)
        return
    # Shuffle groups of rows sharing (tunnel, time); rows of one second keep their order.
    keys = events[["vpn_connection_id", "tunnel_ip", "time"]].astype(str).agg("|".join, axis=1)
    uniq = list(dict.fromkeys(keys))
    rank = {k: rnd.random() for k in uniq}
    shuffled = events.iloc[np.argsort(keys.map(rank).to_numpy(), kind="stable")]
    # Chunks loaded separately: each with its own categories, concatenated (object dtype).
    cuts = sorted(rnd.randint(0, len(shuffled)) for _ in range(n_chunks - 1))
    parts = np.split(np.arange(len(shuffled)), cuts)
    chunks = [
        shuffled.iloc[p].apply(
            lambda c: (
                c.cat.remove_unused_categories() if isinstance(c.dtype, pd.CategoricalDtype) else c
            )
        )
        for p in parts
    ]
    concatenated = pd.concat(chunks, ignore_index=True)
    for variant in (shuffled, concatenated):
        for got, exp in zip(_results(variant, lo, hi), want, strict=True):
            assert_frame_equal(_normalise(got), exp, check_dtype=False, check_categorical=False)
    # The per-tunnel kernel under groupby-apply (as on Dask) gives the same rows.
    per_tunnel = pd.concat(
        [
            tunnel_states(g, start=lo, end=hi)
            for _, g in events.groupby(["vpn_connection_id", "tunnel_ip"], observed=True)
        ],
        ignore_index=True,
    )
    assert_frame_equal(_normalise(per_tunnel), want[0], check_categorical=False)
