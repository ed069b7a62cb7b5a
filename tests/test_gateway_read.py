"""read_gateway_logs: each family's lines to the right event, time, SPIs, peer and tunnel.

Fixtures are in tests/data/gateway (its README cites the grammar source of every line).
Expected values are derived by hand from the fixture lines.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pandas as pd
import pytest

from vpnlog_analytics import schema as s
from vpnlog_analytics.errors import OptionError, ParseError
from vpnlog_analytics.io.gateway import (
    COLUMNS,
    GATEWAY_EVENT_NAMES,
    SHARED_EVENTS,
    read_gateway_logs,
)
from vpnlog_analytics.io.gateway.rules import LIBRESWAN_RULES, first_match

DATA = Path(__file__).parent / "data" / "gateway"
TUNNELS = pd.DataFrame(
    {
        "vpn_connection_id": ["vpn-0a1b2c3d4e5f60718", "vpn-0a1b2c3d4e5f60718"],
        "tunnel_ip": ["203.0.113.10", "203.0.113.20"],
    }
)


def _utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def _rows(table: pd.DataFrame) -> list[dict[str, object]]:
    cols = ["event", "connection", "peer_ip", "spi_in", "spi_out", "message_id", "reason"]
    out = table[cols].astype(object).where(table[cols].notna(), None)
    return out.to_dict("records")


def _r(
    event: str,
    connection: str | None = None,
    peer_ip: str | None = None,
    spi_in: str | None = None,
    spi_out: str | None = None,
    message_id: int | None = None,
    reason: str | None = None,
) -> dict[str, object]:
    return dict(
        event=event,
        connection=connection,
        peer_ip=peer_ip,
        spi_in=spi_in,
        spi_out=spi_out,
        message_id=message_id,
        reason=reason,
    )


def _identity(table: pd.DataFrame) -> None:
    a = table.attrs
    assert a["records"] == len(table) + sum(a["skipped"].values()) + a["other_lines"]


def test_vocabulary_shared_names_are_aws_event_names() -> None:
    assert set(SHARED_EVENTS) <= set(s.EVENT_NAMES)
    assert len(set(GATEWAY_EVENT_NAMES)) == len(GATEWAY_EVENT_NAMES)
    assert GATEWAY_EVENT_NAMES[-1] == "unknown"


def test_strongswan_syslog() -> None:
    gw = read_gateway_logs(DATA / "strongswan.log", tz="Europe/Berlin", year=2024)
    assert list(gw.columns) == list(COLUMNS)
    assert str(gw["time"].dtype) == "datetime64[ns, UTC]"
    assert (gw["family"] == "strongswan").all() and (gw["device"] == "gw").all()
    # 23 lines: systemd and kernel are other daemons
    assert gw.attrs["records"] == 23 and gw.attrs["other_lines"] == 2 and len(gw) == 21
    _identity(gw)
    # CEST is UTC+2
    assert gw["time"].iloc[0] == _utc("2024-10-03 09:26:21")
    assert gw["time"].iloc[-1] == _utc("2024-10-03 09:44:30")
    a, b = "203.0.113.10", "203.0.113.20"
    assert _rows(gw) == [
        _r("daemon_start"),
        _r("initiating", "aws1", a),
        _r("proposals_configured", "aws1", a),
        _r("packet_sent", "aws1", a),
        _r("phase1_sa_established", "aws1", a),
        _r("phase2_sa_established", "aws1", a, "0xc5f602ad", "0x09b7ea2c"),
        _r("dpd_request_sent", "aws1", a),
        _r("retransmit", "aws1", a, None, None, 12),
        # the IKE_SA was established: strongSwan's "giving up" is a DPD timeout here
        _r("dpd_timeout", "aws1", a),
        # a received DELETE names the peer's inbound SPI = the gateway's outbound one
        _r("delete_child_sa_received", "aws2", b, None, "0x0a1b2c3d"),
        _r("child_sa_closing", "aws2", b, "0xce1f2a3b", "0x0a1b2c3d"),
        _r("delete_child_sa_sent", "aws2", b, "0xce1f2a3b"),
        _r("ike_sa_closing", "aws2", b),
        _r("delete_ike_sa_sent", "aws2", b),
        _r("auth_failed", "aws1", a, None, None, None, "AUTHENTICATION_FAILED"),
        _r("proposals_received", "aws1", a),
        _r("no_proposal_match", "aws1", a),
        _r("no_proposal_chosen", "aws3", None, None, None, None, "NO_PROPOSAL_CHOSEN"),
        _r("no_ike_config", None, "198.51.100.77", None, None, None, "NO_PROPOSAL_CHOSEN"),
        _r("psk_mismatch", "aws2", b),
        _r("delete_ike_sa_received", "aws2", b),
    ]
    assert gw["proposals"].iloc[15] == "IKE:3DES_CBC/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024"
    assert gw["raw"].iloc[1].startswith("Oct  3 11:26:24 gw charon[1234]: 12[IKE]")
    assert gw["line"].iloc[1] == 3 and gw["source"].iloc[1].endswith("strongswan.log")
    assert gw["vpn_connection_id"].isna().all()  # no tunnels given


@pytest.fixture
def aws_window() -> pd.DataFrame:
    t = TUNNELS.copy()
    t["time"] = [_utc("2024-10-01"), _utc("2024-10-31")]
    return t


def test_attached_by_peer(aws_window: pd.DataFrame) -> None:
    gw = read_gateway_logs(DATA / "strongswan.log", tz="Europe/Berlin", tunnels=aws_window)
    assert gw["time"].iloc[0] == _utc("2024-10-03 09:26:21")  # the year from the window
    aws1 = gw[gw["connection"] == "aws1"]
    assert (aws1["tunnel_ip"] == "203.0.113.10").all()
    assert (aws1["vpn_connection_id"] == "vpn-0a1b2c3d4e5f60718").all()
    assert (gw.loc[gw["connection"] == "aws2", "tunnel_ip"] == "203.0.113.20").all()
    assert gw.attrs["unattached"] == {"-/-": 1, "aws3/-": 1, "-/198.51.100.77": 1}
    assert gw["tunnel_ip"].isna().sum() == 3


def test_journal_and_rfc5424_carry_their_zone() -> None:
    j = read_gateway_logs(DATA / "strongswan-journal.log")  # no tz, no year needed
    assert list(j["event"]) == ["daemon_start", "phase1_sa_established", "phase2_sa_established"]
    assert j["time"].iloc[2] == _utc("2024-10-03 09:26:25.250")
    assert (j["spi_in"].iloc[2], j["spi_out"].iloc[2]) == ("0xc5f602ad", "0x09b7ea2c")
    o = read_gateway_logs(DATA / "opnsense-rfc5424.log")
    assert list(o["event"]) == ["initiating", "proposals_selected", "delete_ike_sa_received"]
    assert list(o["time"]) == [_utc(f"2024-10-03 09:26:2{i}") for i in (4, 5, 6)]
    assert (o["device"] == "fw.example.net").all() and (o["connection"] == "con1").all()
    assert (o["peer_ip"] == "203.0.113.10").all()  # learned from "initiating ... to"
    assert o["proposals"].iloc[1] == "IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/ECP_256"


def test_libreswan_both_wordings(aws_window: pd.DataFrame) -> None:
    t = aws_window.assign(time=[_utc("2024-06-01"), _utc("2024-06-30")])
    gw = read_gateway_logs(DATA / "libreswan.log", tz="America/New_York", tunnels=t)
    assert gw.attrs["records"] == 23 and gw.attrs["other_lines"] == 1 and len(gw) == 22
    _identity(gw)
    assert gw["time"].iloc[0] == _utc("2024-06-02 09:10:00")  # EDT is UTC-4
    a, b, c1 = "203.0.113.10", "203.0.113.20", "awstunnel1/0x1"
    assert _rows(gw) == [
        # Libreswan 3.20
        _r("daemon_start"),
        _r("initiating", c1, a),
        _r("unknown", c1, a),  # "Main mode peer ID is" (<= 3.20) names the peer
        _r("phase1_sa_established", c1, a),
        _r("child_sa_request_sent", c1, a, None, None, 0xBD2103F0),
        # {ESP=>0x99e449b2 <0x4edb3379}: => is outbound
        _r("phase2_sa_established", c1, a, "0x4edb3379", "0x99e449b2"),
        _r("delete_child_sa_received", c1, a, None, "0xd7c9d296"),
        _r("dpd_timeout", c1, a),
        # 3.20 says nothing of a notification: a closing, not a DELETE sent
        _r("child_sa_closing", c1, a),
        _r("unknown", None, b),
        _r("phase1_timeout", "awstunnel2"),
        # >= 4.6
        _r("initiating", "aws-t2", b),
        _r("phase1_sa_established", "aws-t2", b),
        _r("phase2_sa_established", "aws-t2", b, "0xf4fab030", "0xf03f8e61"),
        _r("delete_ike_sa_sent", "aws-t2", b),
        # 5.0: the state's name before "max number of retransmissions"
        _r("daemon_start"),
        _r("phase1_timeout", "awstunnel2"),
        _r("dpd_timeout", "aws-t2", b),  # the established IKE SA stopped answering
        _r("child_sa_closing", "aws-t2", b),  # "NOT sending notification"
        _r("dpd_timeout", c1, a),  # "DPD action - putting connection into hold"
        _r("phase2_failed", c1, a),  # STATE_QUICK_I1: max number of retransmissions
        _r("delete_ike_sa_sent", c1, a),  # "deleting ISAKMP SA (MAIN_I4) ... sending"
    ]
    assert gw.attrs["unattached"] == {"-/-": 2, "awstunnel2/-": 2}
    assert (gw.loc[gw["connection"] == c1, "tunnel_ip"] == a).all()


def test_fortigate_zones_from_the_line() -> None:
    gw = read_gateway_logs(DATA / "fortigate.log")  # tz= and eventtime: no tz needed
    assert gw.attrs["records"] == 6 and gw.attrs["other_lines"] == 1 and len(gw) == 5
    assert list(gw["event"]) == [
        "phase1_sa_established",
        "tunnel_up",
        "no_proposal_match",
        "dpd_timeout",
        "tunnel_down",
    ]
    assert list(gw["time"]) == [
        _utc("2024-10-03 09:26:28"),
        _utc("2024-10-03 09:26:28"),
        _utc("2024-10-03 09:40:12"),  # date/time with tz="+0200": no eventtime on it
        _utc("2024-10-03 09:45:00.123456789"),  # eventtime in nanoseconds
        _utc("2024-10-03 09:45:00.223456789"),
    ]
    assert (gw["device"] == "FGT60E-branch").all()
    assert list(gw["connection"]) == ["aws-tun1", "aws-tun1", "aws-tun2", "aws-tun1", "aws-tun1"]
    assert gw["peer_ip"].iloc[2] == "203.0.113.20"
    assert gw["reason"].iloc[2] == "peer SA proposal not match local policy"
    assert gw["spi_in"].isna().all()


def test_cisco_asa(aws_window: pd.DataFrame) -> None:
    gw = read_gateway_logs(DATA / "cisco-asa.log", tz="America/Chicago", tunnels=aws_window)
    assert gw.attrs["other_lines"] == 1 and len(gw) == 10
    _identity(gw)
    assert gw["time"].iloc[0] == _utc("2024-10-03 16:26:25")  # CDT is UTC-5; year in line
    assert gw["device"].iloc[0] is pd.NA or pd.isna(gw["device"].iloc[0])
    assert gw["device"].iloc[1] == "asa-edge"
    a = "203.0.113.10"
    assert _rows(gw) == [
        _r("phase1_sa_established", a, a),
        # 602303 SPI= 0x9B7EA2C: leading zero restored, lower case, outbound
        _r("ipsec_sa_created", None, a, None, "0x09b7ea2c"),
        _r("ipsec_sa_created", None, a, "0xc5f602ad"),
        _r("phase2_sa_established", a, a, "0xc5f602ad", "0x09b7ea2c"),
        _r("phase2_completed", a, a, None, None, 0xABCD),
        _r("dpd_timeout", a, a),
        _r("ipsec_sa_deleted", None, a, "0xc5f602ad"),
        _r("tunnel_down", a, a, None, None, None, "Lost Service"),
        # 750003 with "IKEv2" before "Negotiation" (a user's ASA log), then without (Elastic)
        _r(
            "phase1_failed",
            None,
            "203.0.113.20",
            None,
            None,
            None,
            "Failed to receive the AUTH msg before the timer expired",
        ),
        _r(
            "ts_unacceptable",
            None,
            "203.0.113.20",
            None,
            None,
            None,
            "There was no IPSEC policy found for received TS",
        ),
    ]
    assert gw["tunnel_ip"].notna().all() and gw.attrs["unattached"] == {}


def test_gz_folder_glob_and_list(tmp_path: Path) -> None:
    with (
        (DATA / "strongswan-journal.log").open("rb") as f,
        gzip.open(tmp_path / "j.log.gz", "wb") as g,
    ):
        shutil.copyfileobj(f, g)
    shutil.copy(DATA / "opnsense-rfc5424.log", tmp_path / "o.log")
    (tmp_path / ".vpnlogignore").write_text("notes.txt\n")
    (tmp_path / "notes.txt").write_text("not a log\n")
    folder = read_gateway_logs(tmp_path)
    assert len(folder) == 6 and folder.attrs["other_lines"] == 0
    assert set(folder.attrs["sources"]) == {str(tmp_path / "j.log.gz"), str(tmp_path / "o.log")}
    assert folder["time"].is_monotonic_increasing
    gz = read_gateway_logs(tmp_path / "j.log.gz")
    assert list(gz["event"]) == ["daemon_start", "phase1_sa_established", "phase2_sa_established"]
    listed = read_gateway_logs([tmp_path / "o.log", str(tmp_path / "*.gz")])
    assert len(listed) == 6


def test_tz_required() -> None:
    with pytest.raises(OptionError, match=r"strongswan.log, line 2: .*tz=.*--cgw-tz"):
        read_gateway_logs(DATA / "strongswan.log", year=2024)
    with pytest.raises(OptionError, match="no IANA time zone"):
        read_gateway_logs(DATA / "strongswan.log", tz="CEST", year=2024)


def test_year_required_and_rollover() -> None:
    with pytest.raises(OptionError, match=r"carries no year; pass year="):
        read_gateway_logs(DATA / "strongswan.log", tz="Europe/Berlin")
    gw = read_gateway_logs(DATA / "newyear.log", tz="UTC", year=2024)
    assert list(gw["time"]) == [_utc("2024-12-31 23:59:58"), _utc("2025-01-01 00:00:02")]


def test_year_from_a_window_across_new_year() -> None:
    t = TUNNELS.assign(time=[_utc("2024-12-30"), _utc("2025-01-02")])
    gw = read_gateway_logs(DATA / "newyear.log", tz="UTC", tunnels=t)
    assert list(gw["time"]) == [_utc("2024-12-31 23:59:58"), _utc("2025-01-01 00:00:02")]


def test_dst_fall_back_repeated_hour_follows_line_order() -> None:
    gw = read_gateway_logs(DATA / "dst-fallback.log", tz="Europe/Berlin", year=2024)
    # 02:50 CEST (first pass), then 02:10 and 02:30 can only be the second pass (CET)
    assert list(gw["time"]) == [
        _utc("2024-1027 00:50".replace("10", "10-", 1)),
        _utc("2024-10-27 01:10"),
        _utc("2024-10-27 01:30"),
        _utc("2024-10-27 02:05"),
    ]


def test_bad_lines_counted_under_skip() -> None:
    gw = read_gateway_logs(DATA / "bad-lines.log", tz="Europe/Berlin", year=2024, errors="skip")
    assert gw.attrs["skipped"] == {
        "nonexistent_local_time": 1,
        "malformed_strongswan": 1,
        "bad_time": 1,
    }
    assert gw.attrs["records"] == 6 and gw.attrs["other_lines"] == 1 and len(gw) == 2
    _identity(gw)
    assert list(gw["time"]) == [_utc("2024-03-31 00:59:59"), _utc("2024-03-31 01:00:04")]
    assert any("line 2" in e for e in gw.attrs["skipped_examples"])


def test_bad_line_raises_naming_file_and_line() -> None:
    with pytest.raises(ParseError, match=r"bad-lines.log, line 2: .*does not exist"):
        read_gateway_logs(DATA / "bad-lines.log", tz="Europe/Berlin", year=2024)


def test_tunnels_option_checked() -> None:
    with pytest.raises(OptionError, match="tunnel_ip"):
        read_gateway_logs(DATA / "fortigate.log", tunnels=pd.DataFrame({"vpn_connection_id": []}))


def test_fortigate_boot_is_a_restart(tmp_path: Path) -> None:
    """FortiOS 32009 LOG_ID_SYSTEM_START "FortiGate started" (type event, subtype system;
    fields per the FortiOS Log Message Reference) is the gateway's restart; other system
    events stay other lines."""
    boot = (
        'date=2024-10-03 time=11:50:02 devname="FGT60E-branch" devid="FGT60ETK18000001" '
        'eventtime=1727949002000000000 tz="+0200" logid="0100032009" type="event" '
        'subtype="system" level="information" vd="root" logdesc="FortiGate started" '
        'msg="FortiGate started"'
    )
    other = boot.replace("0100032009", "0100032001").replace("FortiGate started", "Admin login")
    (tmp_path / "fgt.log").write_text(boot + "\n" + other + "\n")
    gw = read_gateway_logs(tmp_path / "fgt.log")
    assert list(gw["event"]) == ["daemon_start"] and gw.attrs["other_lines"] == 1
    assert list(gw["time"]) == [_utc("2024-10-03 09:50:02")]
    assert list(gw["device"]) == ["FGT60E-branch"]


def test_fortigate_sa_installed_and_peer_notify(tmp_path: Path) -> None:
    """FortiOS 37133 MESGID_INSTALL_SA "IPsec SA installed" carries the SA's in_spi and
    out_spi (fields per the FortiOS Log Message Reference 7.2; their spelling, hex without
    0x, is inferred); 37124's peer_notif names the failure the peer (AWS) reported."""
    head = (
        'date=2024-10-03 time=11:50:02 devname="FGT60E-branch" devid="FGT60ETK18000001" '
        'eventtime=1727949002000000000 tz="+0200" type="event" subtype="vpn" vd="root" '
    )
    peer = 'remip=203.0.113.10 locip=198.51.100.2 vpntunnel="aws-tun1" '
    sa = (
        head + 'logid="0101037133" level="notice" logdesc="IPsec SA installed" '
        'msg="install IPsec SA" action="install_sa" ' + peer
        + 'role="initiator" in_spi="9b7ea2c" out_spi="C5F602AD"'
    )  # fmt: skip
    notify = (
        head + 'logid="0101037124" level="error" logdesc="IPsec phase 1 error" '
        'msg="IPsec phase 1 error" action="negotiate" ' + peer
        + 'status="negotiate_error" reason="peer notification" '
        'peer_notif="AUTHENTICATION-FAILED"'
    )  # fmt: skip
    (tmp_path / "fgt.log").write_text(sa + "\n" + notify + "\n")
    gw = read_gateway_logs(tmp_path / "fgt.log")
    assert list(gw["event"]) == ["phase2_sa_established", "auth_failed"]
    # the FortiGate's own directions, leading zero restored, lower case
    assert (gw["spi_in"].iloc[0], gw["spi_out"].iloc[0]) == ("0x09b7ea2c", "0xc5f602ad")
    assert gw["reason"].iloc[1] == "AUTHENTICATION-FAILED"


_NO_QM = "  No acceptable response to our first Quick Mode message: perhaps peer likes no proposal"
#: Libreswan format strings of each version, filled in by hand (programs/pluto/*.c).
LIBRESWAN_WORDINGS = [
    ("IKEv1 DPD: action - clearing connection kind instance", "dpd_timeout"),  # 3.25
    ("IKEv2 liveness: action - putting connection into hold", "dpd_timeout"),  # 3.25
    ("liveness action - restarting all connections that share this peer", "dpd_timeout"),  # 3.32
    ("DPD action - clearing connection kind permanent", "dpd_timeout"),  # 4.15
    ("received Delete SA(0x0a1b2c3d) payload: deleting IPsec State #7", "delete_child_sa_received"),
    ("received Delete SA payload: self-deleting ISAKMP State #6", "delete_ike_sa_received"),
    ("deleting state (STATE_QUICK_I2) and NOT sending notification", "child_sa_closing"),  # 3.25
    ("deleting state (STATE_QUICK_I2) and sending notification", "delete_child_sa_sent"),
    ("deleting state (STATE_MAIN_I4) aged 3.1s and NOT sending notification", "ike_sa_closing"),
    (
        "deleting IPsec SA (QUICK_I2) aged 20s and sending notification using ISAKMP SA #4",
        "delete_child_sa_sent",
    ),  # 5.x
    ("max number of retransmissions (2) reached STATE_QUICK_I1." + _NO_QM, "phase2_failed"),
    ("STATE_QUICK_I1: 60 second timeout exceeded after 5 retransmits." + _NO_QM, "phase2_failed"),
    (
        "STATE_PARENT_I1: 60 second timeout exceeded after 5 retransmits.  "
        "No response (or no acceptable response) to our first IKEv2 message",
        "phase1_timeout",
    ),
    ("STATE_MAIN_I1: retransmission; will wait 0.5 seconds for response", "retransmit"),
    (
        "probable authentication failure (mismatch of preshared secrets?): "
        "malformed payload in packet",
        "psk_mismatch",
    ),
    (
        "ISAKMP SA established {auth=PRESHARED_KEY cipher=AES_CBC_128 integ=HMAC_SHA1 "
        "group=MODP2048}",
        "phase1_sa_established",
    ),  # >= 4.x: the story without the state's name
]


@pytest.mark.parametrize(("text", "event"), LIBRESWAN_WORDINGS)
def test_libreswan_wordings_of_each_version(text: str, event: str) -> None:
    found = first_match(LIBRESWAN_RULES, text)
    assert found is not None and found[0].event == event
