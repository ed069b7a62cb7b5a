"""The explorer's Configuration tab: the tunnels' options against what the logs show."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

pytest.importorskip("ipywidgets")

import vpnlog_analytics as v
from vpnlog_analytics.analysis import diagnose, option_drift
from vpnlog_analytics.errors import OptionError
from vpnlog_analytics.io.tunnel_options import read_tunnel_options
from vpnlog_analytics.widgets import TABS, explore
from vpnlog_analytics.widgets import views as views_module

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
C1 = "vpn-2a7c306a956842b51"
C3 = "vpn-4a37c5a05556a9cf5"
#: C3's second tunnel: the gateway's rekeys collide with AWS's (the samples' story).
COLLIDING = f"{C3} 99.149.145.25"
#: The hours of c1's both-tunnels DPD outage on 2026-10-21.
OUTAGE_DAY = ("2026-10-21 09:00", "2026-10-21 11:00")
#: Phase 2 lifetimes set on c1's tunnels in the edited copy of the samples' JSON [s];
#: the samples leave them unset (AWS's default 3,600 s).
LIFETIMES = {"99.133.254.91": 1800, "35.25.129.113": 2700}


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return v.read_logs(SAMPLES / "s3-export")


@pytest.fixture(scope="module")
def options() -> pd.DataFrame:
    return read_tunnel_options(SAMPLES / "describe-vpn-connections.json")


@pytest.fixture()
def edited_json(tmp_path: Path) -> Path:
    """The samples' describe-vpn-connections output with c1's phase 2 lifetimes set."""
    doc = json.loads((SAMPLES / "describe-vpn-connections.json").read_text())
    for conn in doc["VpnConnections"]:
        if conn["VpnConnectionId"] == C1:
            for tunnel in conn["Options"]["TunnelOptions"]:
                tunnel["Phase2LifetimeSeconds"] = LIFETIMES[tunnel["OutsideIpAddress"]]
    path = tmp_path / "describe-vpn-connections.json"
    path.write_text(json.dumps(doc))
    return path


def _closed(ex: Any) -> Iterator[Any]:
    yield ex
    for _, view in ex._views.values():
        if view.figure is not None:
            view.figure.clear()


@pytest.fixture()
def explorer(events: pd.DataFrame, options: pd.DataFrame) -> Iterator[Any]:
    """The explorer on the Events tab (cheap to draw); tests pick, then show the tab."""
    yield from _closed(explore(events, options=options, tab="events"))


def _tab(ex: Any, key: str) -> None:
    ex.tabs.selected_index = list(ex._titles).index(key)


def test_without_options_the_tab_says_how_to_give_them(events: pd.DataFrame) -> None:
    ex = explore(events, tab="configuration")
    assert list(ex.tabs.titles)[-1] == "Configuration"
    note = ex._notes["configuration"].value
    assert "options=read_tunnel_options(" in note
    assert "describe-vpn-connections" in note
    assert "\n" not in note
    assert ex.view.figure is None and ex.view.tables == {}
    assert ex._charts["configuration"].layout.display == "none"
    assert ex._tables["configuration"].value == ""
    assert ex.status.value.startswith("Configuration rendered in ")


def test_tab_shows_the_picked_tunnels_configured_lifetime(
    events: pd.DataFrame, edited_json: Path
) -> None:
    doc = json.loads(edited_json.read_text())
    (c1,) = (c for c in doc["VpnConnections"] if c["VpnConnectionId"] == C1)
    set_in_json = {
        t["OutsideIpAddress"]: t["Phase2LifetimeSeconds"] for t in c1["Options"]["TunnelOptions"]
    }
    options = read_tunnel_options(edited_json)
    for ex in _closed(explore(events, options=options, tab="events")):
        seen = {}
        for ip in sorted(set_in_json):
            ex.tunnel.value = f"{C1} {ip}"
            _tab(ex, "configuration")
            table = ex.tables["tunnel_options"]
            assert table["tunnel_ip"].astype(str).tolist() == [ip]
            (seen[ip],) = table["phase2_lifetime_s"].tolist()
            assert f">{set_in_json[ip]}<" in ex._tables["configuration"].value
            # the chart's AWS rekey band ends at lifetime - margin
            (ax,) = ex.figure.axes
            (band,) = [c for c in ax.collections if c.get_gid() == "aws-window"]
            margin = int(table["rekey_margin_s"].iloc[0])
            assert band.get_paths()[0].vertices[:, 0].max() == pytest.approx(
                (set_in_json[ip] - margin) / 60
            )
        assert seen == set_in_json  # switching tunnel changed it: 1,800 s then 2,700 s


def test_drift_rows_are_option_drift_of_the_window(
    explorer: Any, events: pd.DataFrame, options: pd.DataFrame
) -> None:
    explorer.set_window(*OUTAGE_DAY)
    start, end = explorer.start, explorer.end
    expected = option_drift(options, events, start=start, end=end)
    for conn, tunnel in [(C1, "(all)"), (C3, COLLIDING)]:
        explorer.connection.value = conn
        explorer.tunnel.value = tunnel
        _tab(explorer, "configuration")
        mine = expected["vpn_connection_id"] == conn
        if tunnel != "(all)":
            mine &= expected["tunnel_ip"] == tunnel.split(" ")[1]
        want = expected[mine].reset_index(drop=True)
        assert len(want) >= 5
        pd.testing.assert_frame_equal(explorer.tables["option_drift"], want)
        verdicts = want["verdict"].astype(str).value_counts()
        for verdict, n in verdicts.items():
            assert f"{verdict} {n}" in explorer._notes["configuration"].value
    # a new window, new comparisons
    explorer.set_window("2026-10-01", "2026-10-31")
    month = option_drift(options, events, start=explorer.start, end=explorer.end)
    want = month[(month["tunnel_ip"] == "99.149.145.25")].reset_index(drop=True)
    pd.testing.assert_frame_equal(explorer.tables["option_drift"], want)
    assert not explorer.tables["option_drift"].equals(expected)


def test_findings_are_the_option_findings_of_diagnose(
    explorer: Any, events: pd.DataFrame, options: pd.DataFrame
) -> None:
    explorer.tunnel.value = COLLIDING
    _tab(explorer, "configuration")
    every = diagnose(events, start=explorer.start, end=explorer.end, options=options)
    rule = every["rule"].astype(str)
    want = every[
        rule.str.startswith("options_").to_numpy()
        & (every["tunnel_ip"].astype(str) == "99.149.145.25").to_numpy()
    ]
    got = explorer.tables["option_findings"]
    assert "options_rekey_collision" in set(got["rule"].astype(str))
    cols = ["severity", "rule", "vpn_connection_id", "tunnel_ip", "count", "evidence"]
    pd.testing.assert_frame_equal(
        got[cols].astype(str), want[cols].reset_index(drop=True).astype(str)
    )
    assert f"{len(want)} option findings" in explorer._notes["configuration"].value
    # the Diagnosis tab, given the options too, holds the same option findings
    _tab(explorer, "diagnosis")
    diag = explorer.tables["diagnosis"]
    options_rules = diag[diag["rule"].astype(str).str.startswith("options_").to_numpy()]
    assert options_rules["rule"].astype(str).tolist() == got["rule"].astype(str).tolist()


def test_diagnosis_tab_without_options_has_no_option_findings(events: pd.DataFrame) -> None:
    for ex in _closed(explore(events, tab="events")):
        ex.tunnel.value = COLLIDING
        _tab(ex, "diagnosis")
        rules = ex.tables["diagnosis"]["rule"].astype(str)
        assert not rules.str.startswith("options_").any()


def test_computed_only_when_shown_and_once_per_window(
    events: pd.DataFrame, options: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, str]] = []
    view = views_module.VIEWS["configuration"]

    def counted(sel: views_module.Selection) -> views_module.View:
        calls.append((sel.conn, sel.ip))
        return view(sel)

    monkeypatch.setitem(views_module.VIEWS, "configuration", counted)
    for ex in _closed(explore(events, options=options, tab="events")):
        ex.tunnel.value = COLLIDING
        ex.set_window(*OUTAGE_DAY)
        assert calls == []  # not shown yet
        _tab(ex, "configuration")
        assert calls == [(C3, "99.149.145.25")]
        _tab(ex, "events")
        _tab(ex, "configuration")  # same pick and window: kept
        assert ex.render() == 0.0
        assert len(calls) == 1
        ex.set_window("2026-10-21 08:00", "2026-10-21 11:00")
        assert len(calls) == 2
        ex.tunnel.value = f"{C1} 99.133.254.91"
        assert calls[-1] == (C1, "99.133.254.91")


def test_tunnel_without_options(events: pd.DataFrame, options: pd.DataFrame) -> None:
    fewer = options[options["tunnel_ip"].astype(str) != "99.149.145.25"]
    for ex in _closed(explore(events, options=fewer, tab="events")):
        ex.tunnel.value = COLLIDING
        _tab(ex, "configuration")
        note = ex._notes["configuration"].value
        assert "no tunnel options in " in note and "describe-vpn-connections.json" in note
        assert ex.view.figure is None


def test_export_writes_the_tab(explorer: Any, tmp_path: Path) -> None:
    explorer.tunnel.value = COLLIDING
    _tab(explorer, "configuration")
    names = [p.name for p in explorer.export(tmp_path)]
    assert all(n.startswith(f"configuration_{C3}-99.149.145.25_") for n in names)
    for table in ("tunnel_options", "option_drift", "option_findings"):
        assert sum(n.endswith(f"_{table}.csv") for n in names) == 1, table
    assert sum(n.endswith(".png") for n in names) == 1
    csv = pd.read_csv(next(tmp_path.glob("*_tunnel_options.csv")))
    assert csv["phase2_lifetime_s"].tolist() == [3600]  # unset: AWS's default


def test_options_must_be_the_options_table(events: pd.DataFrame) -> None:
    with pytest.raises(OptionError, match="read_tunnel_options"):
        explore(events, options=pd.DataFrame({"x": [1]}))
    with pytest.raises(OptionError, match="read_tunnel_options"):
        explore(events, options=[1, 2])  # type: ignore[arg-type]
    assert "configuration" in TABS


def test_stale_after_control_offers_each_tunnels_lifetime_with_options(events, options) -> None:
    """With options the "Stale after" control offers each tunnel's own limit, and
    ``stale_after="auto"`` starts there: the explorer's contexts then carry the limits of
    :func:`stale_limits` (the configured lifetime + 15 min per tunnel)."""
    from pandas.testing import assert_frame_equal

    from vpnlog_analytics.analysis import StaleLimits, stale_limits
    from vpnlog_analytics.options import DEFAULT_STALE_AFTER
    from vpnlog_analytics.widgets.explorer import PER_TUNNEL

    ex = explore(events, options=options, stale_after="auto", tab="events")
    labels = [label for label, _ in ex.stale_after.options]
    assert PER_TUNNEL in labels
    assert isinstance(ex.stale, StaleLimits)
    ctx = ex._context(*ex._picked())
    expected = stale_limits(options).for_tunnels(ctx.tunnels)
    assert_frame_equal(ctx.stale_limits, expected)
    # Without options neither the choice nor "auto" has anything to use.
    plain = explore(events, stale_after="auto", tab="events")
    assert PER_TUNNEL not in [label for label, _ in plain.stale_after.options]
    assert plain.stale is DEFAULT_STALE_AFTER
