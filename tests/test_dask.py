"""The Dask path on a local ``dask.distributed`` cluster: results identical to pandas."""

from __future__ import annotations

import ast
import inspect
import pydoc
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from test_parquet import END, START, write_estate

import vpnlog_analytics as va
from vpnlog_analytics import OptionError, VpnLogError, read_logs
from vpnlog_analytics import schema as s
from vpnlog_analytics.io.parquet import read_parquet, to_parquet

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from vpnlog_analytics import dask as vd  # noqa: E402

#: (name, pandas/Dask function, options): the per-tunnel analyses of the Dask path.
CASES = [
    ("outages_tunnel", "outages", {"level": "tunnel"}),
    ("outages_connection", "outages", {"level": "connection", "min_duration": "60s"}),
    ("flaps", "flaps", {}),
    ("rekey_stats", "rekey_stats", {"freq": "1D"}),
    (
        "availability",
        "availability",
        {"freq": "1D", "exclude": [("2026-10-02", "2026-10-02 01:00")]},
    ),
    ("availability_ipsec", "availability", {"freq": "1D", "routing": "ipsec"}),
    ("bgp_sessions", "bgp_sessions", {}),
    ("bgp_outages", "bgp_outages", {"min_duration": "1s"}),
    ("bgp_flaps", "bgp_flaps", {}),
    ("route_events", "route_events", {}),
]


@pytest.fixture(scope="module")
def client() -> Iterator[distributed.Client]:
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_estate(tmp_path_factory.mktemp("estate"))


@pytest.fixture(scope="module")
def events(raw: Path) -> pd.DataFrame:
    return read_logs(raw)


@pytest.fixture(scope="module")
def dataset(raw: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ds") / "events.parquet"
    to_parquet(raw, out, files_per_chunk=3)
    return out


@pytest.fixture(scope="module", params=["dataset", "files"])
def ddf(request: pytest.FixtureRequest, client: distributed.Client, dataset: Path, raw: Path):
    if request.param == "dataset":
        return vd.read_events(dataset, connections_per_partition=2)
    return vd.read_events(raw, files_per_partition=3)


def test_the_estate_has_what_the_comparison_needs(events: pd.DataFrame) -> None:
    assert len(va.outages(events, level="connection")) >= 1
    assert len(va.flaps(events)) >= 3
    assert va.rekey_stats(events)["collisions"].sum() > 0
    assert va.outages(events)["ongoing"].any()


@pytest.mark.parametrize(("name", "fn", "options"), CASES, ids=[c[0] for c in CASES])
def test_dask_equals_pandas(ddf, events: pd.DataFrame, name: str, fn: str, options: dict) -> None:
    expected = getattr(va, fn)(events, start=START, end=END, **options)
    got = getattr(vd, fn)(ddf, start=START, end=END, **options)
    assert len(expected) > 0
    pd.testing.assert_frame_equal(got, expected)


def test_routes_equal_pandas(ddf, events: pd.DataFrame) -> None:
    for at in ("2026-10-02 09:00", "2026-10-02 14:30", None):
        expected = va.routes(events, at=at)
        assert len(expected) > 0
        pd.testing.assert_frame_equal(vd.routes(ddf, at=at), expected)


#: A stale_after shorter than nearly every silence of the estate (records every 2-5 min):
#: up states go unknown in them, so every state result differs from the default's (flaps
#: too: a tunnel going down after an unknown stretch makes no up->down flap).
SHORT_STALE = "1min"
#: The wrappers that build states, with options as in CASES.
STATE_CASES = [c for c in CASES if c[1] != "rekey_stats"]


@pytest.mark.parametrize(("name", "fn", "options"), STATE_CASES, ids=[c[0] for c in STATE_CASES])
def test_dask_equals_pandas_with_another_stale_after(
    ddf, events: pd.DataFrame, name: str, fn: str, options: dict
) -> None:
    expected = getattr(va, fn)(events, start=START, end=END, stale_after=SHORT_STALE, **options)
    got = getattr(vd, fn)(ddf, start=START, end=END, stale_after=SHORT_STALE, **options)
    pd.testing.assert_frame_equal(got, expected)
    # the option reached the kernels: the default gives another result
    assert not expected.equals(getattr(va, fn)(events, start=START, end=END, **options))


def test_routes_equal_pandas_with_another_stale_after(ddf, events: pd.DataFrame) -> None:
    unknown = 0
    for at in ("2026-10-02 09:00", "2026-10-02 14:30", None):
        expected = va.routes(events, at=at, stale_after=SHORT_STALE)
        unknown += int(expected["held"].isna().sum())
        pd.testing.assert_frame_equal(vd.routes(ddf, at=at, stale_after=SHORT_STALE), expected)
    assert unknown > 0  # some tunnels were silent for longer than 1 min at those instants


#: Options of a pandas function the Dask wrapper does not take (inputs it cannot receive).
NOT_ON_DASK = {"availability": {"metrics", "source"}}
#: The wrappers made from a pandas analysis of the same name.
WRAPPED = [n for n in vd.__all__ if hasattr(va, n)]
DASK_SOURCE = Path(vd.__file__).read_text()


def _options(f) -> dict:  # type: ignore[no-untyped-def]
    params = list(inspect.signature(f).parameters.values())[1:]
    return {p.name: p.default for p in params}


def _documented(doc: str) -> list[str]:
    """The names of the entries of a numpydoc Parameters section, in order."""
    body = doc.split("Parameters\n----------\n", 1)[1].split("\n\n", 1)[0]
    lines = [line for line in body.splitlines() if line and not line[0].isspace()]
    return [n.strip() for line in lines for n in line.split(" : ")[0].split(",")]


def test_every_analysis_with_a_kernel_is_wrapped() -> None:
    assert WRAPPED == sorted(
        [
            "availability",
            "bgp_flaps",
            "bgp_outages",
            "bgp_sessions",
            "flaps",
            "outages",
            "rekey_stats",
            "route_events",
            "routes",
        ]
    )
    assert not hasattr(vd, "tunnel_outages")  # the alias is gone: one name per analysis


@pytest.mark.parametrize("fn", WRAPPED)
def test_wrappers_take_the_options_of_their_pandas_function(fn: str) -> None:
    """Same keyword options, same defaults (the same objects: "not passed" is told apart)."""
    want = {k: v for k, v in _options(getattr(va, fn)).items() if k not in NOT_ON_DASK.get(fn, ())}
    got = _options(getattr(vd, fn))
    assert list(got) == list(want)
    for name, default in want.items():
        assert got[name] is default, name
    params = list(inspect.signature(getattr(vd, fn)).parameters.values())
    assert params[0].name == "ddf"
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[1:])


@pytest.mark.parametrize("fn", WRAPPED)
def test_wrapper_docstrings_document_every_option(fn: str) -> None:
    wrapper, pandas_fn = getattr(vd, fn), getattr(va, fn)
    doc = wrapper.__doc__
    assert wrapper.__name__ == fn and wrapper.__module__ == "vpnlog_analytics.dask"
    assert doc.splitlines()[0] == inspect.cleandoc(pandas_fn.__doc__).splitlines()[0]
    assert f":func:`vpnlog_analytics.{fn}`" in doc and "connection" in doc
    assert _documented(doc) == ["ddf", *_options(wrapper)]
    assert "events : " not in doc
    # the pandas Returns section, unchanged
    returns = inspect.cleandoc(pandas_fn.__doc__).split("Returns\n-------\n")[1]
    assert returns.split("\n\n")[0] in doc
    for name in NOT_ON_DASK.get(fn, ()):
        assert f"``{name}``" in doc.split("Parameters")[0]  # named in a sentence, why not
    # help() shows the real options, not **kwargs
    shown = pydoc.render_doc(wrapper, renderer=pydoc.plaintext).split("\n\n", 2)[1]
    assert "**" not in shown and all(f"{o}: " in shown for o in _options(wrapper))


def test_no_wrapper_retypes_a_default() -> None:
    """dask.py defines no wrapper by hand and spells none of the analyses' default values."""
    tree = ast.parse(DASK_SOURCE)
    defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    assert not defined & set(WRAPPED)
    defaults = {
        v
        for fn in WRAPPED
        for v in _options(getattr(va, fn)).values()
        if isinstance(v, str | float | int) and not isinstance(v, bool)
    }
    literals = {
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str | float | int)
    }
    assert defaults and not defaults & literals
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    names |= {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    assert not {n for n in names if n.startswith("DEFAULT_")} - {"DEFAULT_END_PAD"}


def test_options_dask_cannot_take_are_refused_with_the_reason(dataset: Path, client) -> None:
    ddf = vd.read_events(dataset)
    with pytest.raises(OptionError, match="does not take metrics: metric states"):
        vd.availability(ddf, metrics=pd.DataFrame(), start=START, end=END)
    with pytest.raises(OptionError, match="does not take source"):
        vd.availability(ddf, source="both", start=START, end=END)
    with pytest.raises(TypeError, match="typo"):
        vd.flaps(ddf, typo=1)
    with pytest.raises(TypeError):
        vd.flaps(ddf, START)  # options are keyword-only, as in pandas


@pytest.fixture(scope="module")
def windows(events: pd.DataFrame) -> pd.DataFrame:
    """Maintenance windows over a connection outage and a tunnel outage of the estate."""
    conn = va.outages(events, level="connection", start=START, end=END).iloc[0]
    tun = va.outages(events, start=START, end=END)
    tun = tun[tun["vpn_connection_id"] != conn["vpn_connection_id"]].iloc[0]
    rows = pd.DataFrame(
        [
            (conn["vpn_connection_id"], None, conn["start"], conn["start"], "customer_change",
             "cloudtrail", "ModifyVpnConnection", "r1", ""),
            (tun["vpn_connection_id"], tun["tunnel_ip"], tun["start"], tun["start"],
             "aws_maintenance", "health", "AWS_VPN_SINGLE_TUNNEL", "r2", ""),
        ],
        columns=list(s.MAINTENANCE_COLUMNS),
    )  # fmt: skip
    return va.maintenance_windows(rows, margin="15min")


@pytest.mark.parametrize("level", ["tunnel", "connection"])
def test_outages_take_maintenance(ddf, events: pd.DataFrame, windows, level: str) -> None:
    expected = va.outages(events, level=level, start=START, end=END, maintenance=windows)
    got = vd.outages(ddf, level=level, start=START, end=END, maintenance=windows)
    pd.testing.assert_frame_equal(got, expected)
    assert (expected["context"] != "none").any()


def test_availability_takes_maintenance(ddf, events: pd.DataFrame, windows) -> None:
    options = {"freq": "1D", "start": START, "end": END, "maintenance": windows}
    expected = va.availability(events, exclude="maintenance", **options)
    got = vd.availability(ddf, exclude="maintenance", **options)
    pd.testing.assert_frame_equal(got, expected)
    assert got.attrs == expected.attrs and len(expected.attrs["excluded"]) == 2
    assert not expected.equals(va.availability(events, freq="1D", start=START, end=END))


def test_default_window_is_computed_from_the_data(ddf, events: pd.DataFrame) -> None:
    assert vd.time_window(ddf) == (events["time"].min(), events["time"].max() + pd.Timedelta("1s"))
    pd.testing.assert_frame_equal(vd.flaps(ddf), va.flaps(events))
    pd.testing.assert_frame_equal(vd.outages(ddf), va.outages(events))


def test_dataset_partitions_hold_whole_connections(dataset: Path, client) -> None:
    ddf = vd.read_events(dataset, connections_per_partition=2)
    assert ddf.npartitions == 3  # five connections, two per partition
    parts = [p.compute() for p in ddf.to_delayed()]
    conns = [set(p["vpn_connection_id"].astype(str)) for p in parts]
    assert all(conns) and len(set().union(*conns)) == sum(map(len, conns)) == 5
    assert sum(map(len, parts)) == len(read_parquet(dataset))


def test_derived_frame_is_shuffled_and_still_exact(
    dataset: Path, events: pd.DataFrame, client
) -> None:
    ddf = vd.read_events(dataset, connections_per_partition=2)
    derived = ddf[ddf["log_type"] == "tunnel"]  # a new graph: partition alignment not assumed
    got = vd.outages(derived, level="connection", start=START, end=END)
    # without its BGP rows the derived frame is judged by IPsec alone
    expected = va.outages(events, level="connection", start=START, end=END, routing="ipsec")
    pd.testing.assert_frame_equal(got, expected)


def test_dataset_selection_matches_pandas_on_the_same_rows(
    dataset: Path, events: pd.DataFrame, client
) -> None:
    conns = sorted(events["vpn_connection_id"].unique().astype(str))[:2]
    ddf = vd.read_events(
        dataset,
        vpn_connection_ids=conns,
        columns=[
            "time",
            "vpn_connection_id",
            "tunnel_ip",
            "log_type",
            "tunnel_up",
            "event",
            "request_id",
        ],
    )
    sub = events[events["vpn_connection_id"].isin(conns)].reset_index(drop=True)
    for col in ("vpn_connection_id", "tunnel_ip"):
        sub[col] = sub[col].cat.remove_unused_categories()
    pd.testing.assert_frame_equal(
        vd.rekey_stats(ddf, start=START, end=END), va.rekey_stats(sub, start=START, end=END)
    )


def test_bad_options(dataset: Path, raw: Path, events: pd.DataFrame, client) -> None:
    with pytest.raises(OptionError, match="connections_per_partition"):
        vd.read_events(dataset, connections_per_partition=0)
    with pytest.raises(OptionError, match="Parquet dataset"):
        vd.read_events(raw, start=START)
    ddf = vd.read_events(dataset)
    with pytest.raises(OptionError, match="'tunnel', 'connection'"):
        vd.outages(ddf, level="tunnels", start=START, end=END)
    with pytest.raises(VpnLogError, match="dask.dataframe.DataFrame"):
        vd.flaps(events, start=START, end=END)
    with pytest.raises(OptionError, match="freq"):
        vd.rekey_stats(ddf, freq="fortnightly-ish", start=START, end=END)


def test_without_dask_the_error_names_the_extra() -> None:
    code = (
        "import sys\n"
        "sys.modules['dask'] = None\n"
        "sys.modules['dask.dataframe'] = None\n"
        "import vpnlog_analytics\n"
        "try:\n"
        "    import vpnlog_analytics.dask\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert 'pip install "vpnlog-analytics[dask]"' in out.stdout


def test_persisted_frame_keeps_alignment_and_results(
    dataset: Path, events: pd.DataFrame, client
) -> None:
    """persist() loads the table once; the analyses then run on it without a shuffle."""
    persisted = vd.persist(vd.read_events(dataset, connections_per_partition=2))
    assert vd._by_connection(persisted) is persisted  # no shuffle planned
    for fn in ("flaps", "rekey_stats", "availability"):
        pd.testing.assert_frame_equal(
            getattr(vd, fn)(persisted, start=START, end=END),
            getattr(va, fn)(events, start=START, end=END),
        )
    derived = persisted[persisted["log_type"] == "tunnel"]
    assert vd._by_connection(derived) is not derived  # a derived frame is shuffled
