"""Configured against observed options, computed once per window (issue 21).

``option_drift``, ``observed_options`` and ``diagnose(options=...)`` accept the rekey table
(and ``diagnose`` the drift) a caller already has. Given or built, the results are the
same: on the bundled samples (a month, four connections) and on the hand timeline of
``test_analysis_configuration``; the simulated scenario is in ``test_drift_truth``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from analysis_fixtures import T1
from test_analysis_configuration import _options, _timeline

import vpnlog_analytics as vl
from vpnlog_analytics import options as o
from vpnlog_analytics.analysis import configuration, diagnose
from vpnlog_analytics.analysis.configuration import (
    observed_options,
    option_drift,
    rekey_intervals,
)
from vpnlog_analytics.errors import OptionError
from vpnlog_analytics.report import analyses as report_analyses

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
#: The whole month, and the day of connection 1's outage (DPD timeouts on both tunnels).
WINDOWS = [{}, {"start": "2026-10-21", "end": "2026-10-22"}]


@pytest.fixture(scope="module")
def samples() -> tuple[pd.DataFrame, pd.DataFrame]:
    events = vl.read_logs(SAMPLES / "s3-export")
    options = vl.read_tunnel_options(SAMPLES / "describe-vpn-connections.json")
    return events, options


@pytest.fixture
def rekey_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the rekey tables built (each is a pass over every tunnel's records)."""
    built: list[int] = []
    build: Callable[[pd.DataFrame], pd.DataFrame] = configuration._rekey_table

    def counted(frame: pd.DataFrame) -> pd.DataFrame:
        built.append(len(frame))
        return build(frame)

    monkeypatch.setattr(configuration, "_rekey_table", counted)
    return built


@pytest.mark.parametrize("window", WINDOWS, ids=["month", "2026-10-21"])
def test_samples_drift_and_findings_equal_with_the_rekeys_given(
    samples: tuple[pd.DataFrame, pd.DataFrame], window: dict[str, Any]
) -> None:
    events, options = samples
    rekeys = rekey_intervals(events, **window)
    drift = option_drift(options, events, **window)
    assert set(drift.verdict.astype(str)) >= {"agrees", "differs", "hidden"}
    pd.testing.assert_frame_equal(option_drift(options, events, rekeys=rekeys, **window), drift)
    pd.testing.assert_frame_equal(
        observed_options(events, rekeys=rekeys, **window), observed_options(events, **window)
    )
    found = diagnose(events, options=options, **window)
    assert found.rule.astype(str).str.startswith("options_").any()
    for given in ({"drift": drift}, {"rekeys": rekeys}, {"drift": drift, "rekeys": rekeys}):
        again = diagnose(events, options=options, **given, **window)
        pd.testing.assert_frame_equal(again, found, obj=str(sorted(given)))


def test_a_wider_rekey_table_is_cut_to_the_window(
    samples: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    events, options = samples
    window = {"start": "2026-10-21", "end": "2026-10-22"}
    month = rekey_intervals(events)
    pd.testing.assert_frame_equal(
        option_drift(options, events, rekeys=month, **window),
        option_drift(options, events, **window),
    )
    pd.testing.assert_frame_equal(
        diagnose(events, options=options, rekeys=month, **window),
        diagnose(events, options=options, **window),
    )


def test_the_rekey_table_is_built_once(
    samples: tuple[pd.DataFrame, pd.DataFrame], rekey_builds: list[int]
) -> None:
    events, options = samples
    option_drift(options, events)
    assert len(rekey_builds) == 1
    diagnose(events, options=options)
    assert len(rekey_builds) == 2
    option_drift(options, events, rekeys=rekey_intervals(events))
    assert len(rekey_builds) == 3


def test_the_report_computes_drift_and_rekeys_once(
    samples: tuple[pd.DataFrame, pd.DataFrame], rekey_builds: list[int]
) -> None:
    events, options = samples
    thresholds: dict[str, Any] = {
        "min_flaps": o.DEFAULT_MIN_FLAPS,
        "flap_window": o.DEFAULT_FLAP_WINDOW,
        "incident_gap": o.DEFAULT_INCIDENT_GAP,
        "collision_threshold": o.DEFAULT_COLLISION_THRESHOLD,
    }
    params = report_analyses.parameters(
        sla=o.DEFAULT_SLA,
        cause_lookback=o.DEFAULT_CAUSE_LOOKBACK,
        min_duration=None,
        stale_after=o.DEFAULT_STALE_AFTER,
        **thresholds,
    )
    window = report_analyses.report_window(events, None, None)
    made = report_analyses.analyse(
        events,
        window,
        params,
        report_analyses.Exclusions.of(None, None),
        exclude=None,
        stale_after=o.DEFAULT_STALE_AFTER,
        metrics=None,
        maintenance=None,
        margin=o.DEFAULT_MARGIN,
        options=options,
    )
    assert len(rekey_builds) == 1
    lo, hi = window
    assert made.rekeys is not None
    pd.testing.assert_frame_equal(made.rekeys, rekey_intervals(events, start=lo, end=hi))
    drift = option_drift(options, events, start=lo, end=hi)
    pd.testing.assert_frame_equal(made.tables["option_drift"], drift)
    found = diagnose(made.ctx, options=options, **thresholds)
    pd.testing.assert_frame_equal(made.tables["diagnosis"], found)


def test_hand_timeline_equal_with_the_tables_given() -> None:
    events, options = _timeline(), _options()
    rekeys = rekey_intervals(events)
    drift = option_drift(options, events)
    pd.testing.assert_frame_equal(option_drift(options, events, rekeys=rekeys), drift)
    found = diagnose(events, options=options)
    assert "options_rekey_collision" in set(found.rule.astype(str))
    pd.testing.assert_frame_equal(
        diagnose(events, options=options, drift=drift, rekeys=rekeys), found
    )


def test_an_empty_window_with_the_tables_given() -> None:
    events, options = _timeline(), _options()
    window = {"start": "2026-10-06", "end": "2026-10-07"}
    rekeys = rekey_intervals(events, **window)
    assert rekeys.empty
    drift = option_drift(options, events, **window)
    pd.testing.assert_frame_equal(option_drift(options, events, rekeys=rekeys, **window), drift)
    assert set(drift[drift.tunnel_ip == T1].verdict.astype(str)) == {"no evidence"}


@pytest.mark.parametrize("name", ["drift", "rekeys"])
def test_tables_given_need_the_options_and_their_columns(name: str) -> None:
    events, options = _timeline(), _options()
    table = option_drift(options, events) if name == "drift" else rekey_intervals(events)
    with pytest.raises(OptionError, match="goes with options="):
        diagnose(events, **{name: table})
    with pytest.raises(OptionError, match=f"{name} lacks tunnel_ip"):
        diagnose(events, options=options, **{name: table.drop(columns="tunnel_ip")})


def test_option_drift_checks_the_rekeys_given() -> None:
    events, options = _timeline(), _options()
    bad = rekey_intervals(events).drop(columns="initiator")
    with pytest.raises(OptionError, match="rekeys lacks initiator: pass the table of rekey"):
        option_drift(options, events, rekeys=bad)
    with pytest.raises(OptionError, match="rekeys lacks initiator"):
        observed_options(events, rekeys=bad)
