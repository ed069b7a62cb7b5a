"""Tunnel options from saved ``describe-vpn-connections`` output and from the live call.

The fixture below is written by hand in the shape of the EC2 API reference
(``VpnConnection``, ``VpnConnectionOptions``, ``TunnelOption``, ``VpnStaticRoute``) and of
the AWS CLI's JSON output; every expected value is read off it: an option present is that
value, an option absent is AWS's documented default (Site-to-Site VPN User Guide, "Tunnel
options"; the defaults table of the project's tunnel-behaviour reference).

moto's DescribeVpnConnections reports no tunnel options, so the live read is answered by
botocore's Stubber with the same documented response; the Stubber checks the request and
the response against EC2's published model.
"""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path
from typing import Any

import boto3
import pandas as pd
import pytest
from botocore.stub import Stubber

from vpnlog_analytics import read_logs as vl_read_logs
from vpnlog_analytics.aws import _client
from vpnlog_analytics.aws.tunnel_options import fetch_tunnel_options
from vpnlog_analytics.errors import OptionError, ParseError, SourceError
from vpnlog_analytics.io.tunnel_options import (
    TUNNEL_OPTION_COLUMNS,
    read_tunnel_options,
    tunnel_options_frame,
)

_XML = """<?xml version="1.0" encoding="UTF-8"?>
<vpn_connection id="vpn-0aaa0000000000001">
  <customer_gateway_id>cgw-0bbb0000000000001</customer_gateway_id>
  <vpn_gateway_id>vgw-0ccc0000000000001</vpn_gateway_id>
  <ipsec_tunnel>
    <customer_gateway>
      <tunnel_outside_address><ip_address>198.51.100.7</ip_address></tunnel_outside_address>
      <bgp><asn>65010</asn><hold_time>30</hold_time></bgp>
    </customer_gateway>
    <vpn_gateway>
      <tunnel_outside_address><ip_address>203.0.113.10</ip_address></tunnel_outside_address>
      <bgp><asn>64512</asn><hold_time>30</hold_time></bgp>
    </vpn_gateway>
  </ipsec_tunnel>
  <ipsec_tunnel>
    <customer_gateway>
      <tunnel_outside_address><ip_address>198.51.100.7</ip_address></tunnel_outside_address>
      <bgp><asn>65010</asn><hold_time>30</hold_time></bgp>
    </customer_gateway>
    <vpn_gateway>
      <tunnel_outside_address><ip_address>203.0.113.20</ip_address></tunnel_outside_address>
      <bgp><asn>64512</asn><hold_time>30</hold_time></bgp>
    </vpn_gateway>
  </ipsec_tunnel>
</vpn_connection>"""

#: Connection 1: tunnel .10 set by hand (IKEv2 only, 1,800 s phase 2, AWS initiates),
#: tunnel .20 never set (every option AWS's default). Connection 2: static, one option.
#: Connection 3: still pending, no tunnel options yet.
DESCRIBE: dict[str, Any] = {
    "VpnConnections": [
        {
            "VpnConnectionId": "vpn-0aaa0000000000001",
            "State": "available",
            "Type": "ipsec.1",
            "CustomerGatewayId": "cgw-0bbb0000000000001",
            "VpnGatewayId": "vgw-0ccc0000000000001",
            "CustomerGatewayConfiguration": _XML,
            "Options": {
                "StaticRoutesOnly": False,
                "TunnelOptions": [
                    {
                        "OutsideIpAddress": "203.0.113.10",
                        "TunnelInsideCidr": "169.254.10.0/30",
                        "Phase1LifetimeSeconds": 14400,
                        "Phase2LifetimeSeconds": 1800,
                        "RekeyMarginTimeSeconds": 300,
                        "RekeyFuzzPercentage": 50,
                        "ReplayWindowSize": 2048,
                        "DpdTimeoutSeconds": 30,
                        "DpdTimeoutAction": "restart",
                        "StartupAction": "start",
                        "IkeVersions": [{"Value": "ikev2"}],
                        "Phase1EncryptionAlgorithms": [{"Value": "AES256-GCM-16"}],
                        "Phase2EncryptionAlgorithms": [{"Value": "AES256-GCM-16"}],
                        "Phase1IntegrityAlgorithms": [{"Value": "SHA2-512"}],
                        "Phase2IntegrityAlgorithms": [{"Value": "SHA2-512"}],
                        "Phase1DHGroupNumbers": [{"Value": 20}, {"Value": 21}],
                        "Phase2DHGroupNumbers": [{"Value": 20}],
                        "EnableTunnelLifecycleControl": True,
                        "LogOptions": {
                            "CloudWatchLogOptions": {
                                "LogEnabled": True,
                                "LogGroupArn": "arn:aws:logs:eu-west-1:111122223333:log-group:vpn",
                                "LogOutputFormat": "text",
                                "BgpLogEnabled": True,
                                "BgpLogOutputFormat": "json",
                            }
                        },
                    },
                    {"OutsideIpAddress": "203.0.113.20", "TunnelInsideCidr": "169.254.20.0/30"},
                ],
            },
            "Routes": [],
            "VgwTelemetry": [],
        },
        {
            "VpnConnectionId": "vpn-0aaa0000000000002",
            "State": "available",
            "Type": "ipsec.1",
            "CustomerGatewayId": "cgw-0bbb0000000000002",
            "Options": {
                "StaticRoutesOnly": True,
                "TunnelOptions": [
                    {"OutsideIpAddress": "192.0.2.30", "Phase2LifetimeSeconds": 3600},
                    {"OutsideIpAddress": "192.0.2.40", "DpdTimeoutSeconds": 45},
                ],
            },
            "Routes": [
                {"DestinationCidrBlock": "10.20.0.0/16", "Source": "Static", "State": "available"},
                {"DestinationCidrBlock": "10.30.0.0/16", "Source": "Static", "State": "available"},
            ],
        },
        {
            "VpnConnectionId": "vpn-0aaa0000000000003",
            "State": "pending",
            "Type": "ipsec.1",
            "CustomerGatewayId": "cgw-0bbb0000000000003",
        },
    ]
}

#: Columns AWS fills when a TunnelOption leaves them out (all but the inside CIDRs).
ALL_DEFAULTED = (
    "phase1_lifetime_s,phase2_lifetime_s,rekey_margin_s,rekey_fuzz_pct,replay_window,"
    "dpd_timeout_s,dpd_timeout_action,startup_action,ike_versions,phase1_encryption,"
    "phase1_integrity,phase1_dh_groups,phase2_encryption,phase2_integrity,phase2_dh_groups,"
    "lifecycle_control,log_enabled,log_output_format,bgp_log_enabled,bgp_log_output_format"
)


def _write(path: Path, doc: Any, *, gz: bool = False) -> Path:
    data = json.dumps(doc, indent=4).encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    return _write(tmp_path / "describe-vpn-connections.json", DESCRIBE)


def _row(frame: pd.DataFrame, ip: str) -> pd.Series:
    rows = frame[frame.tunnel_ip == ip]
    assert len(rows) == 1, ip
    return rows.iloc[0]


def test_set_options_read_exactly(saved: Path) -> None:
    frame = read_tunnel_options(saved)
    assert list(frame.columns) == list(TUNNEL_OPTION_COLUMNS)
    assert list(frame.tunnel_ip) == ["203.0.113.10", "203.0.113.20", "192.0.2.30", "192.0.2.40"]
    t = _row(frame, "203.0.113.10")
    assert t.vpn_connection_id == "vpn-0aaa0000000000001"
    assert (t.phase1_lifetime_s, t.phase2_lifetime_s) == (14400, 1800)
    assert (t.rekey_margin_s, t.rekey_fuzz_pct, t.replay_window) == (300, 50, 2048)
    assert (t.dpd_timeout_s, t.dpd_timeout_action, t.startup_action) == (30, "restart", "start")
    assert t.ike_versions == "ikev2"
    assert t.phase1_dh_groups == "20,21" and t.phase2_dh_groups == "20"
    assert t.phase1_encryption == "AES256-GCM-16" and t.phase2_integrity == "SHA2-512"
    assert t.inside_cidr == "169.254.10.0/30" and pd.isna(t.inside_ipv6_cidr)
    assert bool(t.lifecycle_control) and bool(t.log_enabled) and bool(t.bgp_log_enabled)
    assert (t.log_output_format, t.bgp_log_output_format) == ("text", "json")
    assert (t.aws_asn, t.cgw_asn, t.bgp_hold_time_s) == (64512, 65010, 30)
    assert not bool(t.static_routes_only) and pd.isna(t.static_routes)
    assert t.defaulted == ""
    assert t.source == str(saved)


def test_absent_options_take_the_documented_default_and_say_so(saved: Path) -> None:
    frame = read_tunnel_options(saved)
    t = _row(frame, "203.0.113.20")
    assert (t.phase1_lifetime_s, t.phase2_lifetime_s, t.rekey_margin_s) == (28800, 3600, 270)
    assert (t.rekey_fuzz_pct, t.replay_window, t.dpd_timeout_s) == (100, 1024, 40)
    assert (t.dpd_timeout_action, t.startup_action, t.ike_versions) == (
        "clear",
        "add",
        "ikev1,ikev2",
    )
    assert t.phase1_dh_groups == "2,14,15,16,17,18,19,20,21,22,23,24"
    assert t.phase2_dh_groups == "2,5,14,15,16,17,18,19,20,21,22,23,24"
    assert t.phase2_encryption == "AES128,AES256,AES128-GCM-16,AES256-GCM-16"
    assert not bool(t.log_enabled) and not bool(t.lifecycle_control)
    assert t.defaulted == ALL_DEFAULTED
    assert (t.aws_asn, t.cgw_asn) == (64512, 65010)  # the XML names this tunnel too
    # an option set to its default value is not "defaulted": it was set
    t30 = _row(frame, "192.0.2.30")
    assert t30.phase2_lifetime_s == 3600 and "phase2_lifetime_s" not in t30.defaulted.split(",")
    assert _row(frame, "192.0.2.40").dpd_timeout_s == 45


def test_static_routes_and_pending_connection_counted(saved: Path) -> None:
    frame = read_tunnel_options(saved)
    t = _row(frame, "192.0.2.40")
    assert bool(t.static_routes_only) and t.static_routes == "10.20.0.0/16,10.30.0.0/16"
    assert pd.isna(t.aws_asn) and pd.isna(t.cgw_asn)  # no gateway configuration in the file
    assert frame.attrs["without_options"] == ["vpn-0aaa0000000000003"]
    assert frame.attrs["read"] == 4 and frame.attrs["duplicates"] == 0
    assert frame.attrs["skipped"] == {}


def test_shapes_an_auditor_receives(tmp_path: Path) -> None:
    conns = DESCRIBE["VpnConnections"]
    _write(tmp_path / "a.json.gz", {"VpnConnections": conns[:1]}, gz=True)
    _write(tmp_path / "b.json", conns[1])  # one connection object
    _write(tmp_path / "c.json", {"VpnConnection": conns[2]})  # create-vpn-connection output
    frame = read_tunnel_options(tmp_path)
    assert len(frame) == 4 and frame.attrs["without_options"] == ["vpn-0aaa0000000000003"]
    assert len(frame.attrs["files"]) == 3
    assert len(read_tunnel_options(str(tmp_path / "*.json*"))) == 4
    # a list of connections, as `--query VpnConnections` writes it
    _write(tmp_path / "list.json", conns[:2])
    assert len(read_tunnel_options(tmp_path / "list.json")) == 4


def test_same_tunnel_twice_kept_once_and_counted(tmp_path: Path) -> None:
    a = _write(tmp_path / "monday.json", DESCRIBE)
    b = _write(tmp_path / "tuesday.json", DESCRIBE)
    frame = read_tunnel_options([a, b])
    # tunnels read = kept + duplicates dropped + skipped
    assert frame.attrs["read"] == 8
    assert len(frame) + frame.attrs["duplicates"] + sum(frame.attrs["skipped"].values()) == 8
    assert frame.attrs["duplicates"] == 4


def test_conflicting_options_are_an_error_naming_both_files(tmp_path: Path) -> None:
    a = _write(tmp_path / "before.json", DESCRIBE)
    changed = copy.deepcopy(DESCRIBE)
    changed["VpnConnections"][1]["Options"]["TunnelOptions"][0]["Phase2LifetimeSeconds"] = 2700
    b = _write(tmp_path / "after.json", changed)
    with pytest.raises(ParseError, match=r"192\.0\.2\.30 has other options than in .*before\.json"):
        read_tunnel_options([a, b])
    frame = read_tunnel_options([a, b], errors="skip")
    assert frame.attrs["skipped"] == {"conflicting_options": 1}
    assert _row(frame, "192.0.2.30").phase2_lifetime_s == 3600  # the first file's, said


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("Phase2LifetimeSeconds", 7200, r"Phase2LifetimeSeconds=7200 is outside 900\.\.3600"),
        ("Phase2LifetimeSeconds", "soon", r"'soon' is not a whole number"),
        ("RekeyMarginTimeSeconds", 1200, r"more than half the phase 2 lifetime \(1800 s\)"),
        ("DpdTimeoutAction", "reboot", r"'reboot' is not one of clear, none, restart"),
        ("IkeVersions", "ikev2", r"not a list of \{'Value': \.\.\.\} objects"),
    ],
)
def test_bad_values_name_file_and_tunnel(
    tmp_path: Path, field: str, value: Any, message: str
) -> None:
    doc = copy.deepcopy(DESCRIBE)
    option = doc["VpnConnections"][0]["Options"]["TunnelOptions"][0]
    option[field] = value
    if field == "RekeyMarginTimeSeconds":
        option["Phase2LifetimeSeconds"] = 1800
    path = _write(tmp_path / "bad.json", doc)
    with pytest.raises(ParseError, match=message) as info:
        read_tunnel_options(path)
    assert "bad.json" in str(info.value) and "vpn-0aaa0000000000001 tunnel 203.0.113.10" in str(
        info.value
    )
    frame = read_tunnel_options(path, errors="skip")
    assert frame.attrs["skipped"] == {"bad_option": 1}
    assert len(frame) == 3 and frame.attrs["read"] == 4


def test_files_that_are_not_describe_output(tmp_path: Path) -> None:
    bad = tmp_path / "notes.json"
    bad.write_text("{ not json")
    with pytest.raises(ParseError, match=r"notes\.json.*not JSON.*describe-vpn-connections"):
        read_tunnel_options(bad)
    other = _write(tmp_path / "tunnels.json", {"Tunnels": []})
    with pytest.raises(ParseError, match=r"tunnels\.json: not describe-vpn-connections output"):
        read_tunnel_options(other)
    good = _write(tmp_path / "good.json", DESCRIBE)
    frame = read_tunnel_options([bad, other, good], errors="skip")
    assert frame.attrs["skipped"] == {"not_json": 1, "not_vpn_connections": 1}
    assert len(frame) == 4
    with pytest.raises(SourceError, match="no such file"):
        read_tunnel_options(tmp_path / "missing.json")
    with pytest.raises(SourceError, match="no file matches"):
        read_tunnel_options(str(tmp_path / "*.yaml"))
    with pytest.raises(OptionError, match="errors="):
        read_tunnel_options(good, errors="ignore")


def test_live_read_matches_the_saved_file(saved: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setattr(_client.Retry, "delay", lambda self, attempt: 0.001)
    ec2 = boto3.client("ec2", region_name="eu-west-1")
    stub = Stubber(ec2)
    ids = ["vpn-0aaa0000000000001", "vpn-0aaa0000000000002"]
    wanted = {"VpnConnections": DESCRIBE["VpnConnections"][:2]}
    stub.add_response("describe_vpn_connections", wanted, {"VpnConnectionIds": ids})

    class Session:
        region_name = "eu-west-1"

        def client(self, service: str, **kw: Any) -> Any:
            assert service == "ec2"
            return ec2

    with stub:
        live = fetch_tunnel_options(ids, boto3_session=Session())  # type: ignore[arg-type]
    stub.assert_no_pending_responses()
    offline = read_tunnel_options(saved)
    assert set(live.source) == {"ec2:eu-west-1"}
    pd.testing.assert_frame_equal(live.drop(columns="source"), offline.drop(columns="source"))
    assert live.attrs["without_options"] == []


def test_frame_from_objects_checks_errors_option() -> None:
    with pytest.raises(OptionError):
        tunnel_options_frame([], errors="nope")
    empty = tunnel_options_frame([])
    assert list(empty.columns) == list(TUNNEL_OPTION_COLUMNS) and len(empty) == 0


def test_cli_options_from_a_saved_file(saved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from vpnlog_analytics import cli

    assert cli.main(["options", "--file", str(saved), "--connection", "vpn-0aaa0000000000001"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    row = next(line for line in lines if "203.0.113.10" in line).split()
    # phase 1, phase 2, margin, fuzz, DPD timeout, action, startup, IKE versions: as set
    assert row[2:10] == ["14400", "1800", "300", "50", "30", "restart", "start", "ikev2"]
    assert "20 option(s)" in next(line for line in lines if "203.0.113.20" in line)
    assert "192.0.2.30" not in out and "2 tunnels from 1 file" in out
    assert "pending" not in err  # the pending connection is not among those asked for
    assert cli.main(["options", "--file", str(saved), "--format", "csv"]) == 0
    csv = capsys.readouterr().out.splitlines()
    assert csv[0] == ",".join(TUNNEL_OPTION_COLUMNS)  # every column, in order
    assert len(csv) == 5  # header and four tunnels


def test_cli_options_bad_file_is_one_line(
    tmp_path: Path, saved: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from vpnlog_analytics import cli

    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    assert cli.main(["options", "--file", str(bad)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.json: not JSON" in err[0] and "Traceback" not in err[0]
    assert cli.main(["options", "--file", str(bad), "--file", str(saved), "--skip-bad"]) == 0
    out, err = capsys.readouterr()
    assert "skipped not_json: 1" in err and "4 tunnels from 2 files" in out


def test_a_folder_of_logs_and_options_yields_the_options(tmp_path: Path) -> None:
    # the options file usually sits beside the logs: a walked folder reads its JSON files
    # only and lists the JSON that is not options, without failing on it
    _write(tmp_path / "describe-vpn-connections.json", DESCRIBE)
    (tmp_path / "README.md").write_text("# logs\n")
    (tmp_path / "records.json").write_text('{"event_timestamp": 1, "details": "x"}\n{"a": 2}\n')
    frame = read_tunnel_options(tmp_path)
    assert len(frame) == 4 and frame.attrs["files"] == [
        str(tmp_path / "describe-vpn-connections.json")
    ]
    assert frame.attrs["ignored_files"] == {str(tmp_path / "records.json"): "not_json"}
    (tmp_path / "describe-vpn-connections.json").unlink()
    with pytest.raises(SourceError, match="no describe-vpn-connections output among"):
        read_tunnel_options(tmp_path)


def test_log_readers_name_an_options_file_for_what_it_is(tmp_path: Path) -> None:
    # the AWS CLI writes CustomerGatewayConfiguration (several KiB of XML) first
    conn = {"CustomerGatewayConfiguration": _XML * 4, **DESCRIBE["VpnConnections"][0]}
    _write(tmp_path / "vpn.json", {"VpnConnections": [conn]})
    events = vl_read_logs(tmp_path)
    assert len(events) == 0
    assert "read_tunnel_options" in events.attrs["ignored_why"][str(tmp_path / "vpn.json")]
