"""The explorer with the customer gateway's log: gateway lanes and a Gateway tab."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

pytest.importorskip("ipywidgets")

from test_plotting_gateway import build_two_sided

from vpnlog_analytics.plotting.timeline import GATEWAY_LANES_ATTR
from vpnlog_analytics.widgets import TABS, explore


@pytest.fixture(scope="module")
def two_sided(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame]:
    return build_two_sided(tmp_path_factory.mktemp("gateway_widgets"))


def _closed(ex: Any) -> Iterator[Any]:
    import matplotlib.pyplot as plt

    yield ex
    plt.close("all")


@pytest.fixture()
def explorer(two_sided) -> Iterator[Any]:
    events, gw = two_sided
    yield from _closed(explore(events, gateway=gw))


def test_the_timeline_draws_the_gateway_lanes(explorer, two_sided) -> None:
    _, gw = two_sided
    ax = explorer.figure.axes[0]
    lanes = getattr(ax, GATEWAY_LANES_ATTR)
    assert len(lanes) == 6  # three connections of two tunnels, each with its gateway's log
    gids = {str(c.get_gid()) for c in ax.collections}
    assert any(g.startswith("gateway:daemon_start:") for g in gids)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "gateway cgw1: clock +3 s, corrected" in labels
    # the skew is estimated once, for every redraw
    assert explorer.gateway.skew["device"].tolist() == ["cgw1", "cgw2", "cgw3"]


def test_the_gateway_tab_shows_skews_and_who_ended_outages(explorer) -> None:
    assert list(explorer._titles)[-1] == "gateway"
    explorer.tabs.selected_index = list(explorer._titles).index("gateway")
    tables = explorer.tables
    assert tables["clock_skew"]["device"].tolist() == ["cgw1", "cgw2", "cgw3"]
    outages = tables["gateway_outages"]
    assert len(outages) == 12
    assert "the gateway's DELETE took it down" in outages["who"].tolist()
    assert "cgw1's clock is 3 s ahead of AWS's" in explorer.view.note
    # picking a tunnel narrows the outages to it
    conn, ip = str(outages["vpn_connection_id"].iloc[0]), str(outages["tunnel_ip"].iloc[0])
    explorer.connection.value = conn
    explorer.tunnel.value = f"{conn} {ip}"
    narrowed = explorer.tables["gateway_outages"]
    assert set(narrowed["tunnel_ip"].astype(str)) == {ip}


def test_without_a_gateway_nothing_changes(two_sided) -> None:
    events, _ = two_sided
    for ex in _closed(explore(events)):
        assert list(ex._titles) == list(TABS)
        assert ex.gateway is None
        assert getattr(ex.figure.axes[0], GATEWAY_LANES_ATTR) == {}
