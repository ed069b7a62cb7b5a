"""Option validation, the error hierarchy, and the layering of the analysis package."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from analysis_fixtures import PACKET, T1, UP, VPN_A, make_events

from vpnlog_analytics import analysis
from vpnlog_analytics.errors import SchemaError, VpnLogError

EVENTS = make_events(
    [("2024-01-01 00:00", VPN_A, T1, *UP, PACKET), ("2024-01-01 01:00", VPN_A, T1, *UP, PACKET)]
)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: analysis.outages(EVENTS, level="tunnels"), "'tunnel', 'connection'"),
        (lambda: analysis.flap_frequency(EVENTS, freq="fortnightly"), "'1h', '1D'"),
        (lambda: analysis.availability(EVENTS, freq="0h"), "positive"),
        (lambda: analysis.tunnel_states(EVENTS, start=dt.datetime(2024, 1, 1)), "tz='UTC'"),
        (lambda: analysis.tunnel_states(EVENTS, start="not a time"), "not a time"),
        (lambda: analysis.tunnel_states(EVENTS, start="2024-02-01", end="2024-01-01"), "before"),
        (lambda: analysis.outages(EVENTS, exclude=[("2024-01-02", "2024-01-01")]), "ends before"),
        (lambda: analysis.outages(EVENTS, exclude=[("2024-01-01",)]), "pair"),
        (lambda: analysis.outages(EVENTS, exclude=pd.DataFrame({"a": [1]})), "'start'"),
        (lambda: analysis.outages(EVENTS, exclude=5), "list of (start, end)"),
        (lambda: analysis.outages(EVENTS, min_duration="soon"), "duration"),
        (lambda: analysis.outages(EVENTS, min_duration="-5s"), "non-negative"),
        (lambda: analysis.flapping_episodes(EVENTS, min_flaps=0), "positive integer"),
        (lambda: analysis.availability(EVENTS, sla=99.95), "fraction"),
        (lambda: analysis.diagnose(EVENTS, gap_factor=0), "positive"),
        (lambda: analysis.tunnel_states(EVENTS, cause_lookback=None), "duration"),
    ],
)
def test_invalid_options_raise_helpfully(call, message: str) -> None:
    with pytest.raises(analysis.OptionError, match=None) as info:
        call()
    assert message in str(info.value)
    assert isinstance(info.value, VpnLogError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "func",
    [
        analysis.tunnel_states,
        analysis.flaps,
        analysis.outages,
        analysis.availability,
        analysis.rekey_stats,
        analysis.dpd_stats,
        analysis.summary,
        analysis.diagnose,
    ],
)
def test_missing_columns_and_input_untouched(func) -> None:
    with pytest.raises(SchemaError, match="tunnel_up|missing"):
        func(EVENTS.drop(columns="tunnel_up"))
    with pytest.raises(SchemaError):
        func(EVENTS.assign(time=EVENTS["time"].dt.tz_localize(None)))
    before = EVENTS.copy()
    func(EVENTS, start="2024-01-01", end=pd.Timestamp("2024-01-02", tz="Europe/Paris"))
    pd.testing.assert_frame_equal(EVENTS, before)


def test_utc_strings_and_tz_aware_times_agree() -> None:
    a = analysis.tunnel_states(EVENTS, start="2024-01-01 00:30", end="2024-01-01T01:00Z")
    b = analysis.tunnel_states(
        EVENTS,
        start=pd.Timestamp("2024-01-01 01:30", tz="Europe/Paris"),
        end=dt.datetime(2024, 1, 1, 1, tzinfo=dt.UTC),
    )
    pd.testing.assert_frame_equal(a, b)


def test_analysis_imports_only_pure_layers() -> None:
    """DESIGN.md section 5: analysis imports only pandas, numpy, the standard library and the
    package's schema, catalog, errors, options and words (never io, aws, plotting,
    matplotlib, boto3)."""
    allowed_top = {
        "__future__",
        "collections",
        "dataclasses",
        "datetime",
        "typing",
        "functools",
        "numpy",
        "pandas",
    }
    allowed_package = {"schema", "catalog", "errors", "options", "words"}
    root = Path(analysis.__file__).parent
    paths = sorted(root.rglob("*.py"))
    assert any(p.parent != root for p in paths), "the findings subpackage is checked too"
    for path in paths:
        # Relative imports this many levels up reach the package (2 from analysis/x.py).
        package_level = len(path.relative_to(root).parts) + 1
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] in allowed_top, (path, alias.name)
            elif isinstance(node, ast.ImportFrom):
                if node.level == 0:
                    assert (node.module or "").split(".")[0] in allowed_top, (path, node.module)
                elif node.level == package_level:
                    names = {node.module} if node.module else {a.name for a in node.names}
                    assert names <= allowed_package, (path, names)
                else:
                    assert 1 <= node.level < package_level, (path, node.module)
