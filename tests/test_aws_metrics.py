"""fetch_metrics against moto's CloudWatch over real HTTP, behind the fault-injecting proxy.

The data are the simulator's: the reconciliation story's 1-minute ``AWS/VPN`` points,
written with PutMetricData, so every fetched value has an exact expectation. moto's
GetMetricData evaluates MetricStat queries (Average, Sum) but never pages: the proxy splits
responses into ``PartialData`` + ``NextToken`` pages and answers ``InternalError`` results
so the paging and retry paths run over HTTP too. moto's DescribeVpnConnections reports no
tunnel options: the tests set them on moto's in-process model (the server runs in this
process), as ``test_aws_s3_ec2`` does. moto's GetMetricData is slow (it scans every point
per period), so the window written is three hours of the story.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pandas as pd
import pytest
from aws_server import Fault, LocalAws, aws_env
from moto.backends import get_backend

from vpnlog_analytics import parse_records
from vpnlog_analytics import schema as s
from vpnlog_analytics.analysis.reconcile import reconcile
from vpnlog_analytics.aws import AccessDeniedError, _client
from vpnlog_analytics.aws import metrics as am
from vpnlog_analytics.aws.metrics import choose_period, fetch_metrics
from vpnlog_analytics.errors import OptionError
from vpnlog_analytics.simulate.metrics import reconcile_scenario

ACCOUNT = "123456789012"


def _put(cw: Any, metrics: pd.DataFrame) -> None:
    data = [
        {
            "MetricName": str(r.metric),
            "Dimensions": [
                {"Name": "VpnId", "Value": str(r.vpn_connection_id)},
                {"Name": "TunnelIpAddress", "Value": str(r.tunnel_ip)},
            ],
            "Timestamp": r.time.to_pydatetime(),
            "Value": float(r.value),
        }
        for r in metrics.itertuples()
    ]
    for i in range(0, len(data), 1000):
        cw.put_metric_data(Namespace="AWS/VPN", MetricData=data[i : i + 1000])


def _moto_vpn(ec2: Any, ips: list[str]) -> str:
    cgw = ec2.create_customer_gateway(Type="ipsec.1", PublicIp="203.0.113.10", BgpAsn=65000)
    vgw = ec2.create_vpn_gateway(Type="ipsec.1")
    vpn = ec2.create_vpn_connection(
        Type="ipsec.1",
        CustomerGatewayId=cgw["CustomerGateway"]["CustomerGatewayId"],
        VpnGatewayId=vgw["VpnGateway"]["VpnGatewayId"],
    )["VpnConnection"]["VpnConnectionId"]
    conn = get_backend("ec2")[ACCOUNT]["us-east-1"].vpn_connections[vpn]
    conn.options = {"TunnelOptions": [{"OutsideIpAddress": ip} for ip in ips]}
    return str(vpn)


@pytest.fixture(scope="module")
def aws() -> Any:
    local = LocalAws()
    with pytest.MonkeyPatch.context() as mp:
        aws_env(mp, local.endpoint)
        day = pd.Timestamp.now(tz="UTC").floor("D") - pd.Timedelta(days=3)
        sc = reconcile_scenario(day)
        lo, hi = day + pd.Timedelta(hours=9, minutes=30), day + pd.Timedelta(hours=12, minutes=30)
        ec2 = boto3.client("ec2")
        tunnels = sc.sim.tunnels
        rename = {}
        for vpn, part in tunnels.groupby("vpn_connection_id", sort=True):
            rename[vpn] = _moto_vpn(ec2, part["tunnel_ip"].tolist())
        m = sc.metrics.metrics
        m = m[(m.time >= lo) & (m.time < hi)].copy()
        m["vpn_connection_id"] = m["vpn_connection_id"].astype(str).map(rename)
        want = s.tidy_metrics(m)
        _put(boto3.client("cloudwatch"), want)
        yield SimpleNamespace(
            local=local,
            proxy=local.proxy,
            sc=sc,
            want=want,
            lo=lo,
            hi=hi,
            rename=rename,
            ids=sorted(rename.values()),
            day=day,
        )
    local.stop()


@pytest.fixture(autouse=True)
def _env(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    aws_env(monkeypatch, aws.local.endpoint)
    monkeypatch.setattr(_client.Retry, "delay", lambda self, attempt: 0.01 * 2 ** min(attempt, 4))
    aws.proxy.reset()


def fetch(aws: Any, **kw: Any) -> pd.DataFrame:
    kw.setdefault("start", aws.lo)
    kw.setdefault("end", aws.hi)
    return fetch_metrics(aws.ids, calls_per_second=1000, **kw)


def test_fetch_returns_exactly_what_was_written(aws: Any) -> None:
    got = fetch(aws)
    assert got.attrs["fetch"]["period"] == 60  # the window is 3 days old: 1-minute points
    assert len(got) == 4 * 3 * 180
    pd.testing.assert_frame_equal(got, aws.want)
    assert got.attrs["fetch"]["calls"]["DescribeVpnConnections"] == 1
    assert got.attrs["fetch"]["get_metric_data_calls"] == 1  # 12 queries fit one call


def test_every_connection_when_no_ids_are_given(aws: Any) -> None:
    """DescribeVpnConnections lists moto's connections; ListMetrics finds the same tunnels."""
    got = fetch_metrics(start=aws.lo, end=aws.hi, calls_per_second=1000)
    pd.testing.assert_frame_equal(got, aws.want)
    assert got.attrs["fetch"]["tunnels"] == 4
    assert "ListMetrics" in aws.proxy.seen


def test_a_coarser_period_aggregates_average_and_sum(aws: Any) -> None:
    got = fetch(aws, period=300)
    w = aws.want.copy()
    w["time"] = w["time"].dt.floor("5min")
    keys = ["vpn_connection_id", "tunnel_ip", "metric", "time"]
    mean = w.groupby(keys, observed=True)["value"].mean()
    total = w.groupby(keys, observed=True)["value"].sum()
    expect = mean.where(mean.index.get_level_values("metric") == "TunnelState", total)
    expect = expect.reset_index().assign(period=300)
    pd.testing.assert_frame_equal(got, s.tidy_metrics(expect), check_exact=False, rtol=1e-12)
    assert set(got["period"]) == {300}


def test_queries_are_split_and_pages_followed(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(am, "MAX_QUERIES", 5)
    aws.proxy.faults += [Fault("GetMetricData", "page"), Fault("GetMetricData", "page", skip=2)]
    got = fetch(aws)
    pd.testing.assert_frame_equal(got, aws.want)
    assert not aws.proxy.faults
    # 12 queries in calls of 5: 3 calls, two of them answered in two pages.
    assert got.attrs["fetch"]["get_metric_data_calls"] == 3 + 2
    assert got.attrs["fetch"]["calls"]["GetMetricData"] == 5


def test_data_point_cap_splits_queries(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(am, "MAX_DATAPOINTS", 180 * 4)  # four queries of 180 points per call
    got = fetch(aws)
    pd.testing.assert_frame_equal(got, aws.want)
    assert got.attrs["fetch"]["get_metric_data_calls"] == 3


def test_fetch_survives_faults(aws: Any) -> None:
    op = "GetMetricData"
    aws.proxy.faults += [
        Fault(op, "throttle"),
        Fault(op, "500"),
        Fault(op, "drop"),
        Fault(op, "cut"),
        Fault(op, "internal"),
        Fault("ListMetrics", "throttle"),
    ]
    got = fetch(aws)
    assert not aws.proxy.faults
    pd.testing.assert_frame_equal(got, aws.want)
    retries = got.attrs["fetch"]["retries"]
    assert retries["ThrottlingException"] == 2 and retries["InternalFailure"] == 1
    assert retries["IncompleteResponseError"] >= 2  # the cut body and the InternalError result
    assert sum(retries.values()) == 6


def test_cache_fetches_only_missing_days(aws: Any, tmp_path: Path) -> None:
    first = fetch(aws, period=300, cache_dir=str(tmp_path))
    files = sorted(p.relative_to(tmp_path).parts[-2:] for p in tmp_path.rglob("*.parquet"))
    assert files == [(vpn, f"{aws.day:%Y-%m-%d}.parquet") for vpn in aws.ids]
    assert not list(tmp_path.rglob("*.tmp"))
    aws.proxy.reset()
    again = fetch(aws, period=300, cache_dir=str(tmp_path))
    assert "GetMetricData" not in aws.proxy.seen
    pd.testing.assert_frame_equal(first, again)
    assert again.attrs["fetch"]["days_cached"] == 2
    one = fetch_metrics(aws.ids[:1], start=aws.lo, end=aws.hi, period=300, cache_dir=str(tmp_path))
    assert "GetMetricData" not in aws.proxy.seen
    pd.testing.assert_frame_equal(
        one, first[first.vpn_connection_id == aws.ids[0]].pipe(s.tidy_metrics)
    )


def test_reconcile_on_fetched_metrics_equals_the_simulated_ones(aws: Any) -> None:
    sim = aws.sc.sim
    records = sim.records.copy()
    back = {v: k for k, v in aws.rename.items()}
    fetched = fetch(aws).astype({"vpn_connection_id": str})
    fetched["vpn_connection_id"] = fetched["vpn_connection_id"].map(back)
    events = parse_records(records[["message", "log_stream", "log_group", "time"]])
    kw = {"start": aws.lo, "end": aws.hi, "stale_after": "10min"}
    got = reconcile(events, fetched, **kw)
    want = reconcile(events, aws.sc.metrics.metrics, **kw)
    pd.testing.assert_frame_equal(got, want)
    assert (got["status"] == "agree").sum() > 0 and got["no_traffic"].sum() == 30  # 12:00-12:30


def test_access_denied_names_the_permission(aws: Any) -> None:
    aws.proxy.faults.append(Fault("GetMetricData", "denied", message="no"))
    with pytest.raises(AccessDeniedError) as err:
        fetch(aws)
    assert err.value.permission == "cloudwatch:GetMetricData"


def test_period_rules() -> None:
    assert choose_period("2026-10-01", now="2026-10-15 23:00") == 60
    assert choose_period("2026-10-01", now="2026-10-16 01:00") == 300
    assert choose_period("2026-10-01", now="2026-12-03 01:00") == 3600
    with pytest.raises(OptionError, match="multiple of 60"):
        fetch_metrics(start="2026-10-01", end="2026-10-02", period=30)
    old = pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=20)
    with pytest.raises(OptionError, match="period >= 300"):
        fetch_metrics(start=old, end=old + pd.Timedelta(hours=1), period=60)
