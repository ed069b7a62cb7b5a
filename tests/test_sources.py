"""metric_states and combined_states against the simulator's truth and hand-made points."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from analysis_fixtures import DOWN, DPD, PACKET, UP, make_events

from vpnlog_analytics import parse_records
from vpnlog_analytics import schema as s
from vpnlog_analytics.analysis.sources import combined_states, metric_states
from vpnlog_analytics.simulate.metrics import reconcile_scenario

T0 = pd.Timestamp("2026-10-05", tz="UTC")


@pytest.fixture(scope="module")
def story() -> Any:
    sc = reconcile_scenario("2026-10-21")
    events = parse_records(sc.sim.records[["message", "log_stream", "log_group", "time"]])
    return sc, events


def _points(values: list[float], tunnel: str = "1.1.1.1") -> pd.DataFrame:
    return s.tidy_metrics(
        pd.DataFrame(
            {
                "time": [T0 + pd.Timedelta(minutes=k) for k in range(len(values))],
                "vpn_connection_id": "vpn-0a",
                "tunnel_ip": tunnel,
                "metric": "TunnelState",
                "value": values,
                "period": 60,
            }
        )
    )


def _spans(frame: pd.DataFrame, state: str) -> list[tuple[pd.Timedelta, pd.Timedelta]]:
    part = frame[frame.state == state]
    return [(a - T0, b - T0) for a, b in zip(part.start, part.end, strict=True)]


def test_an_outage_over_several_points_is_recovered_to_the_second() -> None:
    # 15 s of the second minute up, then down until 30 s into the fifth.
    got = metric_states(_points([1, 0.25, 0, 0, 0.5, 1]))
    assert _spans(got, "down") == [(pd.Timedelta("75s"), pd.Timedelta("270s"))]
    assert got.duration.sum() == pd.Timedelta("6min")


def test_an_outage_inside_one_point_is_placed_at_its_start() -> None:
    got = metric_states(_points([1, 0.5, 1]))
    assert _spans(got, "down") == [(pd.Timedelta("60s"), pd.Timedelta("90s"))]


def test_missing_points_are_unknown() -> None:
    pts = _points([1, 1, 0, 1])
    got = metric_states(pts.drop(index=1), end=T0 + pd.Timedelta("5min"))
    assert _spans(got, "unknown") == [
        (pd.Timedelta("60s"), pd.Timedelta("120s")),
        (pd.Timedelta("240s"), pd.Timedelta("300s")),
    ]


def test_metric_states_equal_the_simulated_truth(story: Any) -> None:
    sc, _ = story
    got = metric_states(sc.metrics.metrics)
    assert (got.state != "unknown").all()
    up = got[got.state == "up"][["vpn_connection_id", "tunnel_ip", "start", "end"]]
    want = sc.metrics.reported_up
    key = ["vpn_connection_id", "tunnel_ip", "start"]
    pd.testing.assert_frame_equal(
        up.astype({"vpn_connection_id": str, "tunnel_ip": str}).sort_values(key, ignore_index=True),
        want.sort_values(key, ignore_index=True),
        check_dtype=False,
    )


def test_combined_states_take_logs_where_they_know(story: Any) -> None:
    sc, events = story
    got = combined_states(events, sc.metrics.metrics, stale_after="10min")
    assert (got.state != "unknown").all()  # the metrics cover the whole day
    t = sc.sim.tunnels
    by_source = got.groupby(["tunnel_ip", "source"], observed=True).duration.sum()
    logs_from = sc.story["logs_from"]
    for ip in t.tunnel_ip:
        head = got[(got.tunnel_ip == ip) & (got.start < logs_from)]
        assert set(head.source) == {"metrics"}  # before logging began
    c1t1 = t.tunnel_ip.iloc[0]
    gap = got[(got.tunnel_ip == c1t1) & (got.source == "metrics") & (got.start >= logs_from)]
    assert gap.end.max() == sc.story["gap"][1]  # the silence is filled from the metrics
    # c2's early outage exists only in the metrics, its 03:00 outage only in the logs.
    c2t1 = t.tunnel_ip.iloc[2]
    down = got[(got.tunnel_ip == c2t1) & (got.state == "down")]
    early = down[down.start < logs_from]
    assert (early.start.iloc[0], early.end.iloc[0]) == sc.story["early_down"][0]
    assert set(early.source) == {"metrics"}
    later = down[(down.start >= logs_from) & (down.start < sc.story["both_down"][1])]
    assert set(later.source) == {"logs"}
    assert by_source[(c1t1, "logs")] + by_source[(c1t1, "metrics")] == pd.Timedelta(days=1)


def test_metric_overrules_a_silent_down_state_where_it_says_up() -> None:
    """A tunnel goes down on DPD at 00:10 and logging stops; it recovered unlogged at 01:30
    (the metric says up from the 90th minute on). Derived by hand: the logged down state
    holds through the silence (00:10 to the window's end, 03:00); the silence is longer
    than stale_after (10 min), so the metric is the check on it: down 00:10-01:30 from the
    logs (the metric agrees), up 01:30-03:00 from the metrics. Up before 00:10 from the
    logs (the record at 00:00, then 10 min until the DPD record)."""
    events = make_events(
        [
            ("2026-10-05 00:00", "vpn-0a", "1.1.1.1", *UP, PACKET),
            ("2026-10-05 00:10", "vpn-0a", "1.1.1.1", *DOWN, DPD),
        ]
    )
    metrics = _points([1.0] * 10 + [0.0] * 80 + [1.0] * 90)
    got = combined_states(events, metrics, stale_after="10min")
    rows = [
        (str(r.state), r.start - T0, r.end - T0, str(r.source)) for r in got.itertuples(index=False)
    ]
    m = pd.Timedelta(minutes=1)
    assert rows == [
        ("up", 0 * m, 10 * m, "logs"),
        ("down", 10 * m, 90 * m, "logs"),
        ("up", 90 * m, 180 * m, "metrics"),
    ]
    # A down tunnel that stays silent while the metric says down stays down from the logs.
    still = combined_states(events, _points([1.0] * 10 + [0.0] * 170), stale_after="10min")
    assert [str(v) for v in still.state] == ["up", "down"]
    assert set(still.source.astype(str)) == {"logs"}
