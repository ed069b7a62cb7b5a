"""Maintenance awareness: Health files, the Health / EC2 / CloudTrail calls, windows, contexts.

moto implements neither the AWS Health API, nor GetVpnTunnelReplacementStatus, nor
CloudTrail LookupEvents: those calls are answered by botocore's Stubber, which checks
every request and response against the services' published models, with bodies shaped
as the API references document them (rendered from the simulator's ground truth by
``MetricSimulation.replacement_status`` / ``health_api`` / ``lookup_events``).
DescribeVpnConnections is stubbed too in these tests because the status must name the
simulator's tunnels (moto makes up its own connection ids); it runs against moto in
``test_aws_metrics`` and ``test_aws_s3_ec2``. The Health file parser is tested on the
committed fixtures in ``tests/data/health`` (expected rows derived by hand in its README).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pandas as pd
import pytest
from botocore.stub import ANY, Stubber

from vpnlog_analytics import parse_records
from vpnlog_analytics import schema as s
from vpnlog_analytics.analysis import outages
from vpnlog_analytics.analysis.maintenance import label_outages, maintenance_windows
from vpnlog_analytics.aws import _client
from vpnlog_analytics.aws.maintenance import (
    CHANGE_OPERATIONS,
    HealthUnavailableError,
    fetch_cloudtrail_changes,
    fetch_health_events,
    fetch_maintenance,
    fetch_replacement_status,
    replacement_events,
)
from vpnlog_analytics.errors import ParseError
from vpnlog_analytics.io.health import read_health_events
from vpnlog_analytics.simulate.metrics import reconcile_scenario

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def story() -> Any:
    return reconcile_scenario("2026-10-21")


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTDUMMY0000000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "dummy")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setattr(_client.Retry, "delay", lambda self, attempt: 0.001)


class Session:
    """Hands out one stubbed client per service (the Stubbers hold the expected calls)."""

    def __init__(self) -> None:
        self.clients: dict[str, Any] = {}
        self.stubbers: dict[str, Stubber] = {}
        self.regions: dict[str, str] = {}

    def stub(self, service: str, region: str = "eu-west-1") -> Stubber:
        c = boto3.client(service, region_name=region)
        self.clients[service] = c
        self.stubbers[service] = Stubber(c)
        self.stubbers[service].activate()
        return self.stubbers[service]

    def client(self, service: str, **kw: Any) -> Any:
        self.regions[service] = kw.get("region_name") or "eu-west-1"
        return self.clients[service]

    def done(self) -> None:
        for st in self.stubbers.values():
            st.assert_no_pending_responses()


def truth(story: Any, source: str) -> pd.DataFrame:
    m = story.metrics.maintenance
    return m[m[s.EVENT_SOURCE] == source].reset_index(drop=True)


def _describe(story: Any) -> dict[str, Any]:
    conns = []
    for vpn, part in story.sim.tunnels.groupby("vpn_connection_id", sort=True):
        conns.append(
            {
                "VpnConnectionId": vpn,
                "State": "available",
                "CustomerGatewayId": part["cgw_id"].iloc[0],
                "Options": {
                    "TunnelOptions": [{"OutsideIpAddress": ip} for ip in part["tunnel_ip"]]
                },
            }
        )
    return {"VpnConnections": conns}


def stub_replacement(sess: Session, story: Any) -> None:
    st = sess.stub("ec2")
    st.add_response("describe_vpn_connections", _describe(story), {})
    for vpn, part in story.sim.tunnels.groupby("vpn_connection_id", sort=True):
        for ip in part["tunnel_ip"]:
            st.add_response(
                "get_vpn_tunnel_replacement_status",
                story.metrics.replacement_status(vpn, ip),
                {"VpnConnectionId": vpn, "VpnTunnelOutsideIpAddress": ip},
            )


def stub_health(sess: Session, story: Any) -> None:
    events, details, entities = story.metrics.health_api()
    st = sess.stub("health", "us-east-1")
    start = (story.metrics.start - pd.Timedelta(days=7)).to_pydatetime()
    params = {
        "filter": {"services": ["VPN"], "startTimes": [{"from": start, "to": ANY}]},
        "maxResults": 100,
    }
    st.add_client_error("describe_events", "ThrottlingException", http_status_code=400)
    # Two pages: an empty first page with a token is not the end.
    st.add_response("describe_events", {"events": [], "nextToken": "page-2"}, params)
    st.add_response("describe_events", events, {**params, "nextToken": "page-2"})
    arns = [e["arn"] for e in events["events"]]
    st.add_response("describe_event_details", details, {"eventArns": arns})
    st.add_response("describe_affected_entities", entities, {"filter": {"eventArns": arns}})


def stub_cloudtrail(sess: Session, story: Any, start: Any, end: Any) -> None:
    st = sess.stub("cloudtrail")
    changes = story.metrics.lookup_events()
    failed = json.loads(changes["Events"][0]["CloudTrailEvent"])
    failed["errorCode"] = "Client.InvalidParameterValue"
    refused = {
        **changes["Events"][0],
        "EventId": "refused-1",
        "CloudTrailEvent": json.dumps(failed),
    }
    for name in CHANGE_OPERATIONS:
        params = {
            "LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": name}],
            "StartTime": start.to_pydatetime(),
            "EndTime": end.to_pydatetime(),
            "MaxResults": 50,
        }
        if name == "ModifyVpnTunnelOptions":
            st.add_client_error("lookup_events", "ThrottlingException", http_status_code=400)
            st.add_response("lookup_events", {"Events": [refused], "NextToken": "page-2"}, params)
            st.add_response("lookup_events", changes, {**params, "NextToken": "page-2"})
        else:
            st.add_response("lookup_events", {"Events": []}, params)


# --- the Health file parser ----------------------------------------------------------------
@pytest.mark.parametrize("name", ["eventbridge-vpn.json", "eventbridge-vpn.jsonl"])
def test_read_eventbridge_health_file(name: str) -> None:
    got = read_health_events(DATA / "health" / name)
    assert got.attrs["read"] == 3 and got.attrs["not_vpn"] == 1
    assert got[s.VPN_CONNECTION_ID].tolist() == [
        "vpn-04a37c5a05556a9cf",
        "vpn-0d17975e9b801ddcd",
        "vpn-0d17975e9b801ddcd",
    ]
    assert got[s.CONTEXT].tolist() == ["aws_maintenance", "aws_maintenance", "none"]
    assert (got["start"].iloc[:2] == pd.Timestamp("2026-10-12 03:00", tz="UTC")).all()
    assert (got["end"].iloc[:2] == pd.Timestamp("2026-10-12 05:00", tz="UTC")).all()
    assert (
        got["start"].iloc[2] == got["end"].iloc[2] == pd.Timestamp("2026-10-20 06:00:54", tz="UTC")
    )
    assert got[s.KIND].iloc[2] == "AWS_VPN_REDUNDANCY_LOSS"
    assert got[s.TUNNEL_IP].isna().all() and set(got[s.EVENT_SOURCE]) == {"health"}


def test_read_describe_events_output() -> None:
    got = read_health_events(DATA / "health" / "describe-events.json")
    assert got[s.KIND].tolist() == [
        "AWS_VPN_SINGLE_TUNNEL_NOTIFICATION",
        "AWS_VPN_SCHEDULED_CHANGE_FIXTURE",
    ]
    assert got[s.CONTEXT].tolist() == ["none", "aws_maintenance"]
    assert got["start"].iloc[1] == pd.Timestamp("2026-10-21 05:00", tz="UTC")
    assert got["end"].iloc[1] == pd.Timestamp("2026-10-21 07:00", tz="UTC")
    assert got[s.VPN_CONNECTION_ID].isna().all()


def test_broken_health_file_raises_or_counts() -> None:
    broken = DATA / "broken" / "health" / "eventbridge-vpn.json"
    with pytest.raises(ParseError, match="eventbridge-vpn.json.*startTime"):
        read_health_events(broken)
    got = read_health_events(broken, errors="skip")
    assert got.attrs["skipped"] == {"bad_event": 1, "not_health_event": 1}
    assert got[s.KIND].tolist() == ["AWS_VPN_REDUNDANCY_LOSS"]
    assert got.attrs["read"] + sum(got.attrs["skipped"].values()) == 4  # in = out + skipped


def test_simulated_eventbridge_file_round_trips(story: Any, tmp_path: Path) -> None:
    path = tmp_path / "health.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in story.metrics.health_eventbridge()))
    pd.testing.assert_frame_equal(read_health_events(path), truth(story, "health"))


# --- the AWS calls (Stubber) --------------------------------------------------------------
def test_replacement_status(story: Any) -> None:
    sess = Session()
    stub_replacement(sess, story)
    status = fetch_replacement_status(boto3_session=sess)  # type: ignore[arg-type]
    sess.done()
    assert len(status) == 4
    applied = status[status.last_maintenance_applied.notna()]
    assert applied[s.TUNNEL_IP].tolist() == [story.sim.tunnels.tunnel_ip.iloc[1]]
    assert applied.last_maintenance_applied.iloc[0] == story.story["replacement"]
    pd.testing.assert_frame_equal(replacement_events(status), truth(story, "replacement_status"))


def test_health_events_from_the_api(story: Any) -> None:
    sess = Session()
    stub_health(sess, story)
    start, end = story.metrics.start, story.metrics.end
    got = fetch_health_events(start=start, end=end, boto3_session=sess)  # type: ignore[arg-type]
    sess.done()
    assert sess.regions["health"] == "us-east-1"  # the Health API's endpoint
    pd.testing.assert_frame_equal(got, truth(story, "health"))


def test_health_api_needs_a_support_plan(story: Any) -> None:
    sess = Session()
    st = sess.stub("health", "us-east-1")
    st.add_client_error("describe_events", "SubscriptionRequiredException", http_status_code=400)
    with pytest.raises(HealthUnavailableError, match="read_health_events"):
        fetch_health_events(start="2026-10-01", end="2026-10-02", boto3_session=sess)  # type: ignore[arg-type]


def test_cloudtrail_changes(story: Any) -> None:
    sess = Session()
    start, end = story.metrics.start, story.metrics.end
    stub_cloudtrail(sess, story, start, end)
    got = fetch_cloudtrail_changes(start=start, end=end, boto3_session=sess, calls_per_second=1000)  # type: ignore[arg-type]
    sess.done()
    assert got.attrs["failed_calls"] == 1  # the refused call changed nothing
    assert got.attrs["retries"] == {"ThrottlingException": 1}
    pd.testing.assert_frame_equal(got, truth(story, "cloudtrail"))


def test_every_source_windows_and_outage_contexts(
    story: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vpnlog_analytics.aws import maintenance as am

    monkeypatch.setattr(am, "CLOUDTRAIL_RATE", 1000.0)
    sess = Session()
    start, end = story.metrics.start, story.metrics.end
    stub_replacement(sess, story)
    stub_health(sess, story)
    stub_cloudtrail(sess, story, start, end)
    got = fetch_maintenance(start=start, end=end, boto3_session=sess)  # type: ignore[arg-type]
    sess.done()
    pd.testing.assert_frame_equal(got, story.metrics.maintenance)
    assert got.attrs["sources"] == {"replacement_status": 1, "health": 1, "cloudtrail": 1}

    windows = maintenance_windows(got, margin="15min")
    at, t = story.story, story.sim.tunnels
    c1 = t.vpn_connection_id.iloc[0]
    assert sorted(zip(windows[s.TUNNEL_IP].fillna("all"), windows[s.CONTEXT], strict=True)) == [
        (t.tunnel_ip.iloc[1], "aws_maintenance"),  # the replaced tunnel's last maintenance
        (t.tunnel_ip.iloc[0], "customer_change"),  # ModifyVpnTunnelOptions
        ("all", "aws_maintenance"),  # the Health event
    ]
    whole = windows.iloc[0]  # the Health event names the connection, not a tunnel
    assert whole[s.TUNNEL_IP] is None and whole["start"] == at["replacement"] - pd.Timedelta(
        "15min"
    )
    assert whole["end"] == at["replacement"] + pd.Timedelta("25min")  # the event lasted 10 min

    events = parse_records(story.sim.records[["message", "log_stream", "log_group", "time"]])
    labelled = label_outages(outages(events), windows)
    by_tunnel = {(r["tunnel_ip"], r["start"]): r["context"] for r in labelled.to_dict("records")}
    known = {
        (t.tunnel_ip.iloc[1], at["replacement_outage"][0]): "aws_maintenance",
        (t.tunnel_ip.iloc[0], at["psk_outage"][0]): "customer_change",
        (t.tunnel_ip.iloc[2], at["dpd_outage"][0]): "none",
    }
    assert {k: by_tunnel[k] for k in known} == known
    others = {v for k, v in by_tunnel.items() if k not in known}
    assert len(by_tunnel) == 5 and others == {"none"}  # c2's both-tunnel DPD outage
    assert labelled["vpn_connection_id"].iloc[0] in (c1, t.vpn_connection_id.iloc[2])


def test_unavailable_health_is_named_not_fatal(story: Any) -> None:
    sess = Session()
    st = sess.stub("health", "us-east-1")
    st.add_client_error("describe_events", "SubscriptionRequiredException", http_status_code=400)
    got = fetch_maintenance(
        start="2026-10-01",
        end="2026-10-02",
        sources=["health"],
        boto3_session=sess,  # type: ignore[arg-type]
    )
    assert got.empty and "support plan" in got.attrs["unavailable"]["health"]


def test_windows_merge_and_customer_change_wins() -> None:
    t = pd.Timestamp("2026-10-05 10:00", tz="UTC")
    rows = pd.DataFrame(
        [
            ("vpn-0a", "1.1.1.1", t, t, "aws_maintenance", "replacement_status", "Last", "r1", ""),
            ("vpn-0a", "1.1.1.1", t + pd.Timedelta("20min"), t + pd.Timedelta("20min"),
             "aws_maintenance", "health", "X", "r2", ""),
            ("vpn-0a", None, t, t, "customer_change", "cloudtrail", "ModifyVpnConn", "r3", ""),
            ("vpn-0a", None, t, t, "none", "health", "AWS_VPN_REDUNDANCY_LOSS", "r4", ""),
        ],
        columns=list(s.MAINTENANCE_COLUMNS),
    )  # fmt: skip
    w = maintenance_windows(rows, margin="15min")
    # 10:00 ± 15 min and 10:20 ± 15 min overlap: one window 09:45-10:35 naming both sources.
    assert len(w) == 2
    merged = w[w[s.CONTEXT] == "aws_maintenance"].iloc[0]
    assert (merged["start"], merged["end"]) == (
        t - pd.Timedelta("15min"),
        t + pd.Timedelta("35min"),
    )
    assert merged["sources"] == "health, replacement_status" and merged["references"] == "r1, r2"
    out = pd.DataFrame(
        {
            "vpn_connection_id": ["vpn-0a", "vpn-0a", "vpn-0a", "vpn-0b"],
            "tunnel_ip": ["1.1.1.1", "1.1.1.1", "1.1.1.2", "1.1.1.1"],
            "start": [t, t + pd.Timedelta("30min"), t + pd.Timedelta("30min"), t],
            "end": [t + pd.Timedelta("2min")]
            + [t + pd.Timedelta("32min")] * 2
            + [t + pd.Timedelta("5min")],
        }
    )
    got = label_outages(out, w)
    # 10:00 overlaps both: the customer's change wins; 10:30 on the replaced tunnel is AWS
    # maintenance, on the other tunnel nothing (the change window ended 10:15); vpn-0b none.
    assert got["context"].tolist() == ["customer_change", "aws_maintenance", "none", "none"]
    assert "context" not in out.columns  # not modified


def test_read_logs_leaves_health_files_out(tmp_path: Path) -> None:
    """A Health export beside the logs is no log file: listed as ignored, not 'broken'."""
    from vpnlog_analytics import read_logs
    from vpnlog_analytics.errors import FormatError

    for name in ("eventbridge-vpn.json", "describe-events.json"):
        (tmp_path / name).write_bytes((DATA / "health" / name).read_bytes())
    events = read_logs(tmp_path, errors="raise")
    assert len(events) == 0 and not events.attrs.get("skipped")
    assert sorted(Path(p).name for p in events.attrs["ignored_files"]) == [
        "describe-events.json",
        "eventbridge-vpn.json",
    ]
    with pytest.raises(FormatError, match="read_health_events"):
        read_logs(tmp_path / "eventbridge-vpn.json")
