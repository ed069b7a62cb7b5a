"""read_logs("s3://…"), export_logs, list_vpn_tunnels and enable_logging against moto.

moto's DescribeVpnConnections reports no tunnel options or telemetry of its own: the
tests set them on moto's in-process model (the server runs in this process), so the
request and response still go over HTTP. moto has no ModifyVpnTunnelOptions: that one
call (and only it) is answered by botocore's Stubber.
"""

from __future__ import annotations

import gzip
import warnings
from typing import Any

import boto3
import pandas as pd
import pytest
from aws_server import Fault, LocalAws, aws_env, put_records
from botocore.stub import Stubber
from moto.backends import get_backend

from vpnlog_analytics import read_logs
from vpnlog_analytics.aws import (
    RegionMismatchError,
    _client,
    enable_logging,
    export_logs,
    list_vpn_tunnels,
)
from vpnlog_analytics.simulate import simulate_logs

ACCOUNT = "123456789012"
#: moto keeps its state per process: a group of its own, apart from test_aws_fetch.
GROUP = "/aws/vendedlogs/vpn-export"
COLUMNS = [
    "time",
    "vpn_connection_id",
    "tunnel_ip",
    "details",
    "event",
    "phase1_state",
    "tunnel_up",
]


@pytest.fixture(scope="module")
def aws() -> Any:
    local = LocalAws()
    with pytest.MonkeyPatch.context() as mp:
        aws_env(mp, local.endpoint)
        day0 = pd.Timestamp.now(tz="UTC").floor("D") - pd.Timedelta(days=2)
        sim = simulate_logs(
            day0, day0 + pd.Timedelta(hours=12), connections=2, seed=3, chatter=(60, 120)
        )
        put_records(boto3.client("logs"), GROUP, sim.records)
        boto3.client("s3").create_bucket(Bucket="vpn-logs")
        yield local, sim, day0
    local.stop()


@pytest.fixture(autouse=True)
def _env(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    aws_env(monkeypatch, aws[0].endpoint)
    monkeypatch.setattr(_client.Retry, "delay", lambda self, attempt: 0.01)
    aws[0].proxy.reset()


def rows(df: pd.DataFrame) -> pd.DataFrame:
    out = df[COLUMNS].reset_index(drop=True)
    return out.astype({c: object for c in COLUMNS if c != "time"})


def test_export_waits_its_turn_and_read_logs_reads_the_prefix(aws: Any) -> None:
    local, sim, day0 = aws
    # Another export task is active: CreateExportTask refuses once, then we get our turn.
    local.proxy.faults.append(Fault("CreateExportTask", "limit"))
    task = export_logs(
        GROUP,
        start=day0,
        end=day0 + pd.Timedelta(hours=12),
        bucket="vpn-logs",
        prefix="exp",
        poll=0.01,
    )
    assert task.status == "COMPLETED" and task.uri.endswith(f"/{task.task_id}/")
    assert local.proxy.seen.count("CreateExportTask") == 2
    assert "DescribeExportTasks" in local.proxy.seen
    # moto writes <prefix>/<random id>/<stream>/000000.gz (AWS: <prefix>/<task id>/…) and
    # the aws-logs-write-test marker at the bucket root.
    s3 = boto3.client("s3")
    s3.put_object(
        Bucket="vpn-logs", Key="exp/aws-logs-write-test", Body=b"Permission Check Successful"
    )
    events = read_logs("s3://vpn-logs/exp/")
    want = read_logs_expected(sim)
    pd.testing.assert_frame_equal(rows(events), rows(want))
    assert events["source"].astype(str).str.startswith("s3://vpn-logs/exp/").all()


def read_logs_expected(sim: Any) -> pd.DataFrame:
    from vpnlog_analytics import parse_records

    rec = sim.records
    return parse_records(
        pd.DataFrame(
            {
                "message": rec["message"].to_numpy(),
                "log_stream": rec["log_stream"].astype(str).to_numpy(),
            }
        )
    )


def test_read_logs_lists_every_page_and_retries_a_cut_body(aws: Any) -> None:
    local, sim, _ = aws
    stream = str(sim.tunnels["log_stream"].iloc[0])
    msgs = sim.records.loc[sim.records["log_stream"].astype(str) == stream, "message"].tolist()
    parts = [msgs[i::1005] for i in range(1005)]  # > 1000 keys: two ListObjectsV2 pages
    backend = get_backend("s3")[ACCOUNT]["aws"]  # in-process: faster than 1,005 PUTs
    for i, part in enumerate(parts):
        body = gzip.compress(("\n".join(part) + "\n").encode())
        backend.put_object("vpn-logs", f"fh/{stream}/{i:05d}.gz", body)
    local.proxy.reset()
    local.proxy.faults += [Fault("GetObject", "cut", skip=7), Fault("GetObject", "500", skip=3)]
    local.proxy.faults.append(Fault("ListObjectsV2", "throttle", skip=1))
    events = read_logs("s3://vpn-logs/fh")
    assert local.proxy.seen.count("ListObjectsV2") == 3  # 2 pages + 1 throttled retry
    assert not local.proxy.faults
    # Identical records (same second, same line) that landed in different objects count
    # as overlapping sources and are dropped once (DESIGN.md section 2): nothing else is.
    assert len(events) + events.attrs["duplicates_dropped"] == len(msgs)
    want = read_logs_expected(sim)
    want = want[want["log_stream"].astype(str) == stream]
    got = set(zip(events["time"], events["details"].astype(str), strict=True))
    assert got == set(zip(want["time"], want["details"].astype(str), strict=True))


def _vpn(ec2: Any, logging_on: bool) -> str:
    cgw = ec2.create_customer_gateway(Type="ipsec.1", PublicIp="203.0.113.10", BgpAsn=65000)
    vgw = ec2.create_vpn_gateway(Type="ipsec.1")
    vpn = ec2.create_vpn_connection(
        Type="ipsec.1",
        CustomerGatewayId=cgw["CustomerGateway"]["CustomerGatewayId"],
        VpnGatewayId=vgw["VpnGateway"]["VpnGatewayId"],
    )["VpnConnection"]["VpnConnectionId"]
    arn = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{GROUP}"
    conn = get_backend("ec2")[ACCOUNT]["us-east-1"].vpn_connections[vpn]
    cw = (
        {"LogEnabled": True, "LogGroupArn": arn, "LogOutputFormat": "json"}
        if logging_on
        else {"LogEnabled": False}
    )
    conn.options = {
        "TunnelOptions": [
            {
                "OutsideIpAddress": ip,
                "IkeVersions": [{"Value": "ikev2"}],
                "LogOptions": {"CloudWatchLogOptions": cw},
            }
            for ip in ("18.1.1.1", "18.1.1.2")
        ]
    }
    conn.vgw_telemetry = [
        {
            "OutsideIpAddress": "18.1.1.1",
            "Status": "UP",
            "StatusMessage": "",
            "LastStatusChange": "2026-11-01T00:00:00Z",
        },
        {
            "OutsideIpAddress": "18.1.1.2",
            "Status": "DOWN",
            "StatusMessage": "IPSEC IS DOWN",
            "LastStatusChange": "2026-11-02T00:00:00Z",
        },
    ]
    return vpn


def test_list_vpn_tunnels(aws: Any) -> None:
    ec2 = boto3.client("ec2")
    on, off = _vpn(ec2, True), _vpn(ec2, False)
    tunnels = list_vpn_tunnels()
    mine = tunnels[tunnels.vpn_connection_id.isin([on, off])].set_index(
        ["vpn_connection_id", "tunnel_ip"]
    )
    assert len(mine) == 4
    assert mine.loc[(on, "18.1.1.2"), "tunnel_status"] == "DOWN"
    assert mine.loc[(on, "18.1.1.1"), "log_group_arn"].endswith(GROUP)
    assert mine["log_enabled"].tolist().count(True) == 2
    assert (mine["ike_versions"] == "ikev2").all()
    assert str(mine["last_status_change"].dtype) == "datetime64[ns, UTC]"
    assert "pre_shared_key" not in tunnels.to_csv()  # CustomerGatewayConfiguration left out


def test_enable_logging_dry_run_only_reports(aws: Any) -> None:
    vpn = _vpn(boto3.client("ec2"), False)
    arn = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:vpn-logs"
    with pytest.warns(UserWarning) as caught:
        plan = enable_logging(vpn, arn)
    texts = " ".join(str(w.message) for w in caught)
    assert "/aws/vendedlogs/" in texts and "interrupt" in texts
    assert plan["applied"].tolist() == [False, False]
    assert plan["change"].str.contains("LogEnabled=True").all()
    assert "ModifyVpnTunnelOptions" not in aws[0].proxy.seen
    with pytest.raises(RegionMismatchError):
        enable_logging(vpn, "arn:aws:logs:eu-west-1:1:log-group:/aws/vendedlogs/vpn")


def test_enable_logging_applies_one_tunnel_at_a_time(aws: Any) -> None:
    """DescribeVpnConnections goes to moto; ModifyVpnTunnelOptions (absent in moto) to a Stubber."""
    real = boto3.client("ec2")
    vpn = _vpn(real, False)
    arn = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/vendedlogs/vpn"
    stubbed = boto3.client("ec2")
    stubber = Stubber(stubbed)
    for ip in ("18.1.1.1", "18.1.1.2"):
        wanted = {"LogEnabled": True, "LogGroupArn": arn, "LogOutputFormat": "json"}
        stubber.add_response(
            "modify_vpn_tunnel_options",
            {"VpnConnection": {"VpnConnectionId": vpn}},
            {
                "VpnConnectionId": vpn,
                "VpnTunnelOutsideIpAddress": ip,
                "TunnelOptions": {"LogOptions": {"CloudWatchLogOptions": wanted}},
            },
        )

    class Ec2:  # moto for everything, the stubbed client for the one call moto lacks
        meta = real.meta

        def __getattr__(self, name: str) -> Any:
            return getattr(stubbed if name == "modify_vpn_tunnel_options" else real, name)

    class Session:
        def client(self, service: str, **kw: Any) -> Any:
            return Ec2()

    with stubber, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        done = enable_logging(vpn, arn, dry_run=False, boto3_session=Session(), poll=0.01)  # type: ignore[arg-type]
        stubber.assert_no_pending_responses()
    assert done["applied"].tolist() == [True, True]
    assert [str(w.message) for w in caught if "vendedlogs" in str(w.message)] == []
    assert any("interrupt" in str(w.message) for w in caught)
