"""The timeline with the customer gateway's lanes: one under each AWS tunnel it serves.

The fixture is the two-sided simulation of ``test_gateway_two_sided`` (three connections,
8 h, strongSwan logs on clocks 3.2 s ahead, 41.125 s behind and 0.4 s ahead of AWS's,
read back in zone Europe/Berlin): a gateway delete, a power loss (daemon restart) that
cut a connection, and DPD path failures. The report and explorer tests import it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba
from two_sided import build

import vpnlog_analytics as vl
from vpnlog_analytics import plotting as vp
from vpnlog_analytics.analysis import clock_skew
from vpnlog_analytics.io.gateway import read_gateway_logs
from vpnlog_analytics.plotting.gateway import clock_text, skew_sentence
from vpnlog_analytics.plotting.timeline import GATEWAY_LANES_ATTR, GATEWAY_SKEW_ATTR

matplotlib.use("Agg")


def build_two_sided(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate, write and read back both ends; return (events, gateway)."""
    events, _, gw = build(out)
    return events, gw


@pytest.fixture(scope="module")
def two_sided(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame]:
    return build_two_sided(tmp_path_factory.mktemp("gateway_plot"))


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _tunnel(gw: pd.DataFrame, device: str, event: str) -> tuple[str, str, pd.Timestamp]:
    """Return (connection, tunnel, device time) of a device's first line of an event."""
    row = gw[(gw["device"] == device) & (gw["event"] == event)].iloc[0]
    return str(row["vpn_connection_id"]), str(row["tunnel_ip"]), row["time"]


def _gids(ax) -> list[str]:
    return [str(a.get_gid()) for a in ax.get_children() if a.get_gid()]


def _labels(ax) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels()]


def test_a_gateway_lane_under_each_tunnel_it_serves(two_sided) -> None:
    events, gw = two_sided
    ax = vp.plot_timeline(events, gateway=gw)
    lanes = vp.timeline_lanes(ax)
    gw_lanes = getattr(ax, GATEWAY_LANES_ATTR)
    tunnels = {k for k in lanes if k[1] is not None}
    assert set(gw_lanes) == tunnels  # every simulated tunnel has its gateway's log
    for key, y in gw_lanes.items():
        assert lanes[key] < y < lanes[key] + 1  # right under its tunnel's lane
        assert f"gateway_lane:{key[1]}" in _gids(ax)
    labels = _labels(ax)
    assert "gateway cgw1: clock +3 s, corrected" in labels
    assert "gateway cgw2: clock \u221241 s, corrected" in labels
    assert ax.get_legend().get_title().get_text().startswith("customer gateway's log")


def test_delete_restart_and_dpd_are_marked_on_their_lanes(two_sided) -> None:
    events, gw = two_sided
    ax = vp.plot_timeline(events, gateway=gw)
    gw_lanes = getattr(ax, GATEWAY_LANES_ATTR)
    by_gid = {a.get_gid(): a for a in ax.collections if a.get_gid()}
    for device, event in (
        ("cgw1", "delete_ike_sa_sent"),
        ("cgw2", "dpd_timeout"),
        ("cgw2", "phase2_sa_established"),
    ):
        conn, ip, _ = _tunnel(gw, device, event)
        coll = by_gid[f"gateway:{event}:{ip}"]
        ys = coll.get_offsets()[:, 1]
        assert np.allclose(ys, gw_lanes[(conn, ip)])
        assert tuple(coll.get_facecolor()[0]) == to_rgba(vp.EVENT_COLORS[event])
    # the daemon's start names no tunnel: it is on both lanes of cgw1, with a line through
    cgw1 = [k for k in gw_lanes if k[0] == _tunnel(gw, "cgw1", "delete_ike_sa_sent")[0]]
    for _, ip in cgw1:
        assert f"gateway:daemon_start:{ip}" in by_gid
    assert "gateway_restart:cgw1" in by_gid
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"sent DELETE (IKE SA)", "DPD gave up: AWS dead", "IKE daemon (re)started"} <= set(
        legend
    )


def test_times_are_on_aws_clock_after_the_correction(two_sided) -> None:
    events, gw = two_sided
    conn, ip, device_time = _tunnel(gw, "cgw2", "dpd_timeout")
    window = {
        "start": device_time - pd.Timedelta("3min"),
        "end": device_time + pd.Timedelta("3min"),
    }
    skew = clock_skew(events, gw).set_index("device").loc["cgw2", "skew"]
    gid = f"gateway:dpd_timeout:{ip}"

    def x_of(ax) -> float:
        coll = next(a for a in ax.collections if a.get_gid() == gid)
        return float(coll.get_offsets()[0, 0])

    fixed = vp.plot_timeline(events, vpn_connection_ids=conn, gateway=gw, **window)
    assert x_of(fixed) == pytest.approx(vp.timeline.to_num([device_time - skew])[0])
    assert getattr(fixed, GATEWAY_SKEW_ATTR)["device"].tolist() == ["cgw1", "cgw2", "cgw3"]
    raw = vp.plot_timeline(events, vpn_connection_ids=conn, gateway=gw, skew=None, **window)
    assert x_of(raw) == pytest.approx(vp.timeline.to_num([device_time])[0])
    assert "gateway cgw2: own clock, not corrected" in _labels(raw)
    assert "device clocks as logged" in raw.get_legend().get_title().get_text()
    given = vp.plot_timeline(events, vpn_connection_ids=conn, gateway=gw, skew="-40s", **window)
    assert x_of(given) == pytest.approx(vp.timeline.to_num([device_time + pd.Timedelta("40s")])[0])
    assert "gateway cgw2: clock \u221240 s (as given), corrected" in _labels(given)


def test_a_zoom_on_one_outage_says_who_spoke_first(two_sided) -> None:
    events, gw = two_sided
    conn, ip, when = _tunnel(gw, "cgw1", "delete_ike_sa_sent")
    ax = vp.plot_timeline(
        events,
        vpn_connection_ids=conn,
        start=when - pd.Timedelta("4min"),
        end=when + pd.Timedelta("4min"),
        gateway=gw,
    )
    notes = {t.get_gid(): t.get_text() for t in ax.texts}
    assert notes[f"ended_by:{ip}"] == "the gateway's DELETE took it down"
    # a DPD path failure: both gave up, the gateway's first
    conn, ip, when = _tunnel(gw, "cgw2", "dpd_timeout")
    ax = vp.plot_timeline(
        events,
        vpn_connection_ids=conn,
        start=when - pd.Timedelta("3min"),
        end=when + pd.Timedelta("5min"),
        gateway=gw,
    )
    notes = {t.get_gid(): t.get_text() for t in ax.texts}
    assert notes[f"ended_by:{ip}"] == "DPD: the gateway gave up first (path failure)"


def test_without_a_gateway_the_figure_is_unchanged(two_sided) -> None:
    events, _ = two_sided
    before = vp.plot_timeline(events)
    after = vp.plot_timeline(events, gateway=None, skew=None)
    assert _gids(before) == _gids(after)
    assert _labels(before) == _labels(after)
    assert not [g for g in _gids(after) if "gateway" in g or g.startswith("ended_by")]
    assert getattr(after, GATEWAY_LANES_ATTR) == {}
    assert before.figure.get_size_inches().tolist() == after.figure.get_size_inches().tolist()


def test_skew_in_words() -> None:
    assert clock_text(pd.Timedelta("3.2s")) == "+3 s"
    assert clock_text(pd.Timedelta("-41.125s")) == "\u221241 s"
    assert clock_text(pd.Timedelta(0)) == "0 s"
    row = {
        "device": "cgw1",
        "skew": pd.Timedelta("3s"),
        "skew_low": pd.Timedelta("1s"),
        "skew_high": pd.Timedelta("5s"),
        "pairs": 34,
    }
    assert skew_sentence(row) == "cgw1's clock is 3 s ahead of AWS's (1–5 s, 34 pairs)"
    behind = {**row, "skew": -pd.Timedelta("41s"), "skew_low": -pd.Timedelta("43s"),
              "skew_high": -pd.Timedelta("39s")}  # fmt: skip
    assert skew_sentence(behind) == "cgw1's clock is 41 s behind AWS's (39–43 s, 34 pairs)"
    zero = {**row, "skew": pd.Timedelta("1s"), "skew_low": -pd.Timedelta("1s")}
    assert skew_sentence(zero).startswith("cgw1's clock agrees with AWS's within")


def test_a_bad_gateway_argument_is_named(two_sided) -> None:
    events, _ = two_sided
    with pytest.raises(vl.VpnLogError, match="read_gateway_logs"):
        vp.plot_timeline(events, gateway=events[["time"]])


def test_a_note_never_covers_the_gateway_marks_of_a_busy_lane() -> None:
    """The samples' 21 October uplink failure: the gateway retries every few seconds for
    17 minutes, so its lane has no room for the note; the note goes on the AWS tunnel's
    lane after that lane's own note, and no gateway mark lies under any note."""
    samples = Path(__file__).resolve().parents[1] / "data" / "samples"
    events = vl.read_logs(samples / "insights-2026-10-21.csv")
    gw = read_gateway_logs(samples / "gateway", tz="Europe/Berlin", tunnels=events)
    conn = "vpn-2a7c306a956842b51"
    ax = vp.plot_timeline(
        events,
        vpn_connection_ids=conn,
        start="2026-10-21 09:38",
        end="2026-10-21 10:05",
        gateway=gw,
    )
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(ax.get_figure(root=True))
    canvas.draw()
    renderer = canvas.get_renderer()
    notes = [t for t in ax.texts if str(t.get_gid()).startswith("ended_by:")]
    assert len(notes) == 2  # both tunnels' DPD outages say who gave up first
    gw_lanes = getattr(ax, GATEWAY_LANES_ATTR)
    boxes = [t.get_window_extent(renderer) for t in notes]
    for line in ax.lines + ax.collections:
        gid = str(line.get_gid())
        if not gid.startswith("gateway:"):
            continue
        offsets = line.get_offsets() if hasattr(line, "get_offsets") else line.get_xydata()
        points = ax.transData.transform(np.asarray(offsets, dtype=float))
        for box in boxes:
            inside = (
                (points[:, 0] > box.x0)
                & (points[:, 0] < box.x1)
                & (points[:, 1] > box.y0)
                & (points[:, 1] < box.y1)
            )
            assert not inside.any(), gid
    # the notes sit on the AWS lanes, not the gateway lanes
    ys = {round(float(t.xy[1]), 3) for t in notes}
    assert not ys & {round(float(y), 3) for y in gw_lanes.values()}
