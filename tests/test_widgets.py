"""The explorer driven programmatically, and the readable tables of ``show``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import vpnlog_analytics as v
from vpnlog_analytics.errors import OptionError

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples" / "s3-export"
C1 = "vpn-2a7c306a956842b51"
C2 = "vpn-bffd46ceaea6ae570"


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return v.read_logs(SAMPLES)


@pytest.fixture()
def explorer(events: pd.DataFrame, tmp_path: Path):  # type: ignore[no-untyped-def]
    pytest.importorskip("ipywidgets")
    from vpnlog_analytics.widgets import explore

    ex = explore(events, export_dir=tmp_path / "exports")
    yield ex
    for _, view in ex._views.values():
        if view.figure is not None:
            view.figure.clear()


def _tab(ex, key: str) -> None:  # type: ignore[no-untyped-def]
    from vpnlog_analytics.widgets import TABS

    ex.tabs.selected_index = list(TABS).index(key)


def test_missing_ipywidgets_names_the_extra(events: pd.DataFrame) -> None:
    code = (
        "import sys; sys.modules['ipywidgets'] = None\n"
        "import vpnlog_analytics as v\n"
        "from vpnlog_analytics.widgets import explore, show\n"
        "try:\n"
        "    explore(None)\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert 'pip install "vpnlog-analytics[notebook]"' in out.stdout


def test_widgets_module_imports_without_loading_ipywidgets() -> None:
    code = "import sys, vpnlog_analytics.widgets\nprint('ipywidgets' in sys.modules)\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_explorer_renders_every_tab(explorer) -> None:  # type: ignore[no-untyped-def]
    from vpnlog_analytics.widgets import TABS

    for key in TABS:
        _tab(explorer, key)
        assert explorer.tab == key
        if key == "configuration":  # no options given: a hint, no chart
            assert "options=" in explorer._notes[key].value
            assert explorer.figure is None
            continue
        assert bytes(explorer._charts[key].value).startswith(b"\x89PNG"), key
        assert "<table" in explorer._tables[key].value, key
        assert explorer.figure is not None
    assert explorer.status.value.startswith("Configuration rendered in ")
    assert len(explorer.tabs.children) == len(TABS)
    assert list(explorer.tabs.titles) == list(TABS.values())


def test_tunnel_picker_changes_chart_and_tables(explorer) -> None:  # type: ignore[no-untyped-def]
    before = explorer._charts["timeline"].value
    rows = len(explorer.tables["tunnels"])
    assert rows == 8
    explorer.tunnel.value = f"{C2} 99.132.156.33"
    assert explorer._charts["timeline"].value != before
    assert explorer.tables["tunnels"]["tunnel_ip"].astype(str).tolist() == ["99.132.156.33"]
    assert "tunnel vpn-bffd46ceaea6ae570 99.132.156.33" in explorer._notes["timeline"].value
    ax = explorer.figure.axes[0]
    assert "picked:99.132.156.33" in {p.get_gid() for p in ax.patches}
    labels = [t.get_text() for t in ax.get_yticklabels()]  # its connection, for context
    assert labels == [f"{C2}  (connection)", "tunnel 15.33.136.211", "tunnel 99.132.156.33"]
    _tab(explorer, "diagnosis")
    ips = set(explorer.tables["diagnosis"]["tunnel_ip"].dropna().astype(str))
    assert ips == {"99.132.156.33"}
    _tab(explorer, "outages")
    assert len(explorer.tables["outages_tunnel"]) == 14
    explorer.outage_level.value = "connection"
    assert explorer.tables["outages_connection"].empty  # the other tunnel stayed up
    _tab(explorer, "flaps")
    assert len(explorer.tables["flaps"]) == 14
    assert len(explorer.tables["flapping_episodes"]) == 3


def test_connection_picker_narrows_tunnels(explorer) -> None:  # type: ignore[no-untyped-def]
    explorer.tunnel.value = f"{C2} 99.132.156.33"
    explorer.connection.value = C1
    assert explorer.tunnel.value == "(all)"
    assert list(explorer.tunnel.options) == [
        "(all)",
        f"{C1} 35.25.129.113",
        f"{C1} 99.133.254.91",
    ]
    assert set(explorer.tables["tunnels"]["vpn_connection_id"].astype(str)) == {C1}
    # One render for the connection change, not one more for the tunnel reset.
    assert len(explorer.render_times) == 3


def test_window_and_outage_level(explorer) -> None:  # type: ignore[no-untyped-def]
    _tab(explorer, "outages")
    # every IPsec outage of the truth, and c4's three with IPsec up (reachability): the
    # Cease on both tunnels and the hold timer (the sessions coming up when logging starts
    # are unknown, no outage)
    truth = pd.read_csv(ROOT / "data" / "samples" / "truth.csv")
    assert len(explorer.tables["outages_tunnel"]) == (truth["state"] == "down").sum() + 3
    explorer.outage_level.value = "connection"
    table = explorer.tables["outages_connection"]
    # c1's both-tunnels DPD outage, c4's BGP Cease, c3's silent five-hour site outage
    assert len(table) == 3 and table["duration"].iloc[0] == pd.Timedelta("17min 5s")
    assert table["duration"].iloc[2] == pd.Timedelta(seconds=18281)
    assert "17 min 05 s" in explorer._tables["outages"].value
    explorer.set_window("2026-10-04", "2026-10-05")
    assert (explorer.start, explorer.end) == (
        pd.Timestamp("2026-10-04", tz="UTC"),
        pd.Timestamp("2026-10-05", tz="UTC"),
    )
    assert explorer.tables["outages_connection"].empty
    assert "0 connection outages" in explorer._notes["outages"].value
    explorer.outage_level.value = "tunnel"
    assert len(explorer.tables["outages_tunnel"]) == 5  # the first c2/t2 flapping episode
    with pytest.raises(OptionError):
        explorer.set_window("2026-10-05", "2026-10-04")


def test_bgp_tab(explorer) -> None:  # type: ignore[no-untyped-def]
    _tab(explorer, "bgp")
    assert "BGP outages" in explorer._notes["bgp"].value
    outages = explorer.tables["bgp_outages"]
    assert set(outages["cause"]) >= {"bgp_notification_received", "bgp_hold_timer_expired"}
    assert len(explorer.tables["routes"]) == 6  # three prefixes on each of c4's tunnels
    explorer.connection.value = C1
    assert "no BGP logs" in explorer._notes["bgp"].value
    assert explorer.tables == {} or not explorer.tables.get("bgp_outages", pd.DataFrame()).size


#: C2's first tunnel logs nothing from 11:01:14 to 12:37:44 on 2026-10-09, up on both
#: records (the only silence of more than 10 min in the samples; records every ~3 min
#: around it). In the window 10:00-14:00 the tunnel is unknown from 11:01:14 +
#: stale_after to 12:37:44 when stale_after is shorter than the 1 h 36 min 30 s silence.
SILENCE = pd.Timedelta("1h 36min 30s")


def test_stale_after_control_changes_the_states(explorer) -> None:  # type: ignore[no-untyped-def]
    from vpnlog_analytics.options import DEFAULT_STALE_AFTER
    from vpnlog_analytics.widgets.explorer import NEVER

    assert explorer.stale_after.value is DEFAULT_STALE_AFTER
    assert explorer.stale_after.options[-1] == (NEVER, NEVER)
    explorer.tunnel.value = f"{C2} 15.33.136.211"
    explorer.set_window("2026-10-09 10:00", "2026-10-09 14:00")

    def unknown() -> pd.Timedelta:
        row = explorer.tables["tunnels"].iloc[0]
        assert row["down_time"] == pd.Timedelta(0) and row["up_share"] == 1.0  # up throughout
        return row["unknown_time"]

    assert unknown() == SILENCE - DEFAULT_STALE_AFTER
    for value, want in [
        (pd.Timedelta("15min"), SILENCE - pd.Timedelta("15min")),  # 1 h 21 min 30 s
        (pd.Timedelta("30min"), pd.Timedelta("1h 6min 30s")),
        (pd.Timedelta("2h"), pd.Timedelta(0)),  # longer than the silence: up all along
        (NEVER, pd.Timedelta(0)),
    ]:
        n = len(explorer.render_times)
        explorer.stale_after.value = value
        assert len(explorer.render_times) == n + 1  # the visible tab redrawn at once
        assert unknown() == want, value
    # the other tabs take it when shown: no flap, no outage in the silence either way
    _tab(explorer, "outages")
    assert explorer.tables["outages_tunnel"].empty
    explorer.stale_after.value = pd.Timedelta("30min")
    assert explorer.tables["outages_tunnel"].empty
    _tab(explorer, "timeline")
    assert unknown() == pd.Timedelta("1h 6min 30s")


def test_stale_after_given_to_explore(events: pd.DataFrame) -> None:
    pytest.importorskip("ipywidgets")
    from vpnlog_analytics.widgets import explore
    from vpnlog_analytics.widgets.explorer import NEVER

    ex = explore(
        events,
        start="2026-10-09 10:00",
        end="2026-10-09 14:00",
        stale_after="45min",  # not among the choices: added to them
    )
    assert ex.stale_after.value == pd.Timedelta("45min")
    assert "45 min" in [label for label, _ in ex.stale_after.options]
    table = ex.tables["tunnels"].set_index("tunnel_ip")
    assert table.loc["15.33.136.211", "unknown_time"] == SILENCE - pd.Timedelta("45min")
    assert explore(events, stale_after=None).stale_after.value == NEVER
    with pytest.raises(OptionError, match="stale_after"):
        explore(events, stale_after="0s")


def test_event_type_filter(explorer) -> None:  # type: ignore[no-untyped-def]
    _tab(explorer, "events")
    default = set(explorer.event_types.value)
    assert {"dpd_timeout", "psk_mismatch", "rekey_collision"} <= default
    assert "packet_sent" not in default
    explorer.event_types.value = ("dpd_timeout",)
    table = explorer.tables["events"]
    # one per DPD outage of the truth (both tunnels of c1 on 21 October and of c3 in the
    # site outage among them)
    truth = pd.read_csv(ROOT / "data" / "samples" / "truth.csv")
    dpd_outages = int((truth["cause"] == "dpd_timeout").sum())
    assert len(table) == dpd_outages == 20
    assert set(table["event"].astype(str)) == {"dpd_timeout"}
    _tab(explorer, "timeline")
    gids = {c.get_gid() for c in explorer.figure.axes[0].collections}
    assert "event:dpd_timeout" in gids and "event:psk_mismatch" not in gids
    explorer.event_types.value = ()
    _tab(explorer, "events")
    assert explorer.tables["events"].empty and explorer.figure is None
    assert explorer._charts["events"].layout.display == "none"


def test_event_markers_take_each_events_own_colour(explorer) -> None:  # type: ignore[no-untyped-def]
    """The timeline's event markers have the colour every chart gives the event, whatever
    the order of the picked kinds (rekey collisions outnumber DPD timeouts)."""
    from matplotlib.colors import to_hex

    from vpnlog_analytics.plotting import EVENT_COLORS

    explorer.event_types.value = ("dpd_timeout", "rekey_collision")
    _tab(explorer, "timeline")
    drawn = {c.get_gid(): c for c in explorer.figure.axes[0].collections}
    for kind in ("dpd_timeout", "rekey_collision"):
        face = to_hex(drawn[f"event:{kind}"].get_facecolor()[0])
        assert face == EVENT_COLORS[kind].lower(), kind


def test_other_tabs_follow_the_selection(explorer) -> None:  # type: ignore[no-untyped-def]
    explorer.connection.value = "vpn-4a37c5a05556a9cf5"
    _tab(explorer, "rekey")
    rekey = explorer.tables["rekey_collisions"].set_index("tunnel_ip")
    assert rekey.loc["99.149.145.25", "collisions"] == 212  # as the samples README says
    assert rekey.loc["99.149.145.25", "negotiations"] == 1012
    assert "20.9 %" in explorer._tables["rekey"].value
    _tab(explorer, "diagnosis")
    findings = explorer.tables["diagnosis"]
    assert set(findings["rule"]) >= {"rekey_collisions", "config_mismatch"}
    assert "background-color: #CC79A7" in explorer._tables["diagnosis"].value  # errors coloured


def test_unchanged_controls_do_not_render_again(explorer) -> None:  # type: ignore[no-untyped-def]
    n = len(explorer.render_times)
    assert explorer.render() == 0.0
    _tab(explorer, "flaps")
    _tab(explorer, "timeline")  # rendered before, nothing changed since
    assert len(explorer.render_times) == n + 1


def test_export_writes_chart_and_tables(explorer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    explorer.connection.value = C1
    explorer.set_window("2026-10-21 09:00", "2026-10-21 11:00")
    _tab(explorer, "outages")
    explorer.outage_level.value = "connection"
    explorer.export_button.click()
    folder = tmp_path / "exports"
    stem = f"outages_{C1}_20261021T0900-20261021T1100"
    assert sorted(p.name for p in folder.iterdir()) == [
        f"{stem}.png",
        f"{stem}.svg",
        f"{stem}_outages_connection.csv",
    ]
    assert (folder / f"{stem}.png").read_bytes().startswith(b"\x89PNG")
    assert "<svg" in (folder / f"{stem}.svg").read_text()[:500]
    csv = pd.read_csv(folder / f"{stem}_outages_connection.csv")
    assert csv["duration_s"].tolist() == [1025.0]
    assert csv["start"].tolist() == ["2026-10-21T09:43:18Z"]
    assert "Wrote to" in explorer.status.value and f"{stem}.svg" in explorer.status.value
    written = explorer.export(tmp_path / "other")
    assert len(written) == 3 and all(p.parent == tmp_path / "other" for p in written)


def test_export_failure_is_reported(explorer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "file"
    blocker.write_text("x")
    explorer.export_dir.value = str(blocker / "sub")
    explorer.export_button.click()
    assert explorer.status.value.startswith("<b>Export failed:</b>")


def test_explore_rejects_bad_input(events: pd.DataFrame) -> None:
    pytest.importorskip("ipywidgets")
    from vpnlog_analytics.widgets import explore

    with pytest.raises(OptionError, match="tab="):
        explore(events, tab="nope")
    with pytest.raises(OptionError, match="missing"):
        explore(pd.DataFrame({"x": [1]}))
    with pytest.raises(OptionError, match="events table"):
        explore([1, 2])  # type: ignore[arg-type]


def test_initial_window_and_tab(events: pd.DataFrame) -> None:
    pytest.importorskip("ipywidgets")
    from vpnlog_analytics.widgets import explore

    ex = explore(events, start="2026-10-21 09:10", end="2026-10-21 10:40", tab="outages")
    assert (ex.start, ex.end) == (
        pd.Timestamp("2026-10-21 09:00", tz="UTC"),
        pd.Timestamp("2026-10-21 11:00", tz="UTC"),
    )
    assert ex.tab == "outages" and len(ex.render_times) == 1
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_rerender_is_fast_on_a_month_of_six_tunnels(explorer) -> None:  # type: ignore[no-untyped-def]
    """Record the re-render times (benchmarks/ has the figure; a test asserts no wall time)."""
    explorer.tunnel.value = f"{C1} 99.133.254.91"
    explorer.tunnel.value = "(all)"
    explorer.set_window("2026-10-07", "2026-10-22")
    assert len(explorer.render_times) == 4
    assert all(t > 0 for t in explorer.render_times)


# --- show ---------------------------------------------------------------------------


def test_show_formats_durations_times_percentages(events: pd.DataFrame) -> None:
    from vpnlog_analytics.widgets import show

    avail = v.availability(events)
    html = show(avail).to_html()
    assert "99.9617 %" in html
    assert "17 min 05 s" in html
    assert "period (UTC)" in html and "2026-10-01 00:00:00" in html
    assert "+00:00" not in html
    styled = show(avail)
    pd.testing.assert_frame_equal(styled.data, avail)  # data untouched


def test_show_causes_booleans_and_severity(events: pd.DataFrame) -> None:
    from vpnlog_analytics.widgets import show

    out = v.outages(events, level="connection")
    html = show(out).to_html()
    assert "dpd_timeout: DPD timeout" in html
    assert ">no<" in html  # ongoing
    findings = v.diagnose(events)
    html = show(findings).to_html()
    assert "font-weight: bold" in html and "#F5C765" in html  # error and warning cells


def test_show_caps_rows_and_flags_misses() -> None:
    from vpnlog_analytics.widgets import show

    frame = pd.DataFrame(
        {
            "sla_met": pd.array([True, False] * 150, dtype="boolean"),
            "service_credit": pd.array([0, 10] * 150, dtype="Int64"),
        }
    )
    styled = show(frame, max_rows=10, caption="availability")
    html = styled.to_html()
    assert "availability (first 10 of 300 rows)" in html
    assert len(styled.data) == 10
    assert "10 %" in html and "#F6C9B0" in html
    with pytest.raises(OptionError):
        show([1, 2])  # type: ignore[arg-type]


def test_explore_takes_what_the_explorer_takes() -> None:
    # explore() is the documented door to Explorer: the two signatures must not drift.
    import inspect

    pytest.importorskip("ipywidgets")
    from vpnlog_analytics.widgets.explorer import Explorer, explore

    door = inspect.signature(explore).parameters
    own = dict(inspect.signature(Explorer.__init__).parameters)
    own.pop("self")
    assert list(door) == list(own)
    for name, param in door.items():
        assert (param.kind, param.default) == (own[name].kind, own[name].default), name
