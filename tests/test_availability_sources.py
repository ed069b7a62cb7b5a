"""availability(source=..., exclude="maintenance") on the simulated story, against its truth.

Connection 2 of the story is down twice: 01:00:30-01:10:30, before logging began (only
the metrics see it), and 03:00-03:10 (both tunnels time out on DPD, logged). Connection 1
is never down as a whole. Expected figures are derived from those moments by hand.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from vpnlog_analytics import parse_records
from vpnlog_analytics.analysis import availability
from vpnlog_analytics.analysis.maintenance import maintenance_windows
from vpnlog_analytics.errors import OptionError
from vpnlog_analytics.simulate.metrics import reconcile_scenario

DAY = pd.Timedelta(days=1)


@pytest.fixture(scope="module")
def story() -> Any:
    sc = reconcile_scenario("2026-10-21")
    events = parse_records(sc.sim.records[["message", "log_stream", "log_group", "time"]])
    return sc, events


def _rows(table: pd.DataFrame) -> dict[str, dict[str, Any]]:
    return {str(r["vpn_connection_id"]): r for r in table.to_dict("records")}


def test_metrics_alone_give_the_whole_day(story: Any) -> None:
    sc, events = story
    got = _rows(availability(events, source="metrics", metrics=sc.metrics.metrics, freq="1D"))
    c1, c2 = sorted(got)
    assert got[c2]["downtime"] == pd.Timedelta(minutes=20) and got[c2]["outages"] == 2
    assert got[c2]["observed"] == DAY
    assert got[c2]["availability"] == pytest.approx(1 - 20 / 1440)
    assert got[c1]["downtime"] == pd.Timedelta(0) and got[c1]["observed"] == DAY
    assert got[c2]["source"] == "metrics" and got[c2]["observed_logs"] == pd.Timedelta(0)


def test_logs_alone_start_when_logging_began(story: Any) -> None:
    sc, events = story
    got = _rows(availability(events, freq="1D", start=sc.metrics.start, end=sc.metrics.end))
    c2 = sorted(got)[1]
    assert got[c2]["observed"] == DAY - pd.Timedelta(hours=2)  # nothing logged before 02:00
    assert got[c2]["downtime"] == pd.Timedelta(minutes=10) and "source" not in got[c2]


def test_both_sources_say_which_minute_came_from_where(story: Any) -> None:
    sc, events = story
    table = availability(
        events, source="both", metrics=sc.metrics.metrics, freq="1D", stale_after="10min"
    )
    got = _rows(table)
    c1, c2 = sorted(got)
    assert got[c2]["downtime"] == pd.Timedelta(minutes=20) and got[c2]["observed"] == DAY
    assert got[c2]["observed_metrics"] == pd.Timedelta(hours=2)  # before logging began
    assert got[c2]["observed_logs"] == DAY - pd.Timedelta(hours=2)
    assert got[c2]["source"] == "logs+metrics"
    # c1/t1's silence (from its last record + 10 min to 08:00) is metrics time too.
    recs = sc.sim.records[sc.sim.records.log_stream.str.contains(sc.sim.tunnels.tunnel_ip.iloc[0])]
    last = recs.time[recs.time < sc.story["gap"][0]].max()
    silence = sc.story["gap"][1] - (last + pd.Timedelta(minutes=10))
    assert got[c1]["observed_metrics"] == pd.Timedelta(hours=2) + silence
    assert (table["observed_logs"] + table["observed_metrics"] == table["observed"]).all()


def test_exclude_maintenance_per_connection(story: Any) -> None:
    sc, events = story
    c2 = sorted(sc.sim.tunnels.vpn_connection_id.unique())[1]
    t = sc.story["both_down"][0]
    windows = pd.DataFrame(
        {
            "vpn_connection_id": [c2],
            "tunnel_ip": [None],
            "start": [t - pd.Timedelta(minutes=5)],
            "end": [t + pd.Timedelta(minutes=5)],
            "context": ["aws_maintenance"],
        }
    )
    table = availability(
        events,
        source="metrics",
        metrics=sc.metrics.metrics,
        freq="1D",
        exclude="maintenance",
        maintenance=windows,
    )
    got = _rows(table)
    c1 = sorted(got)[0]
    assert got[c2]["observed"] == DAY - pd.Timedelta(minutes=10)
    assert got[c2]["downtime"] == pd.Timedelta(minutes=15)
    assert got[c1]["observed"] == DAY  # another connection's window excludes nothing here
    assert [w["vpn_connection_id"] for w in table.attrs["excluded"]] == [c2]


def test_maintenance_windows_of_the_story_exclude_c1_time(story: Any) -> None:
    sc, events = story
    windows = maintenance_windows(sc.metrics.maintenance, margin="15min")
    got = _rows(
        availability(
            events,
            source="metrics",
            metrics=sc.metrics.metrics,
            freq="1D",
            exclude="maintenance",
            maintenance=windows,
        )
    )
    c1 = sorted(got)[0]
    # 09:45-10:25 (the Health event and the replacement merge) and 15:05-15:35.
    assert got[c1]["observed"] == DAY - pd.Timedelta(minutes=70)


def test_options_are_checked(story: Any) -> None:
    sc, events = story
    with pytest.raises(OptionError, match="source"):
        availability(events, source="cloudwatch")
    with pytest.raises(OptionError, match="metrics="):
        availability(events, source="both")
    with pytest.raises(OptionError, match="maintenance="):
        availability(events, exclude="maintenance")
