"""The message catalogue: documented messages -> public event names (DESIGN.md §3, by hand),
template invariance, extracted parameters and templates of unknown lines.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import plain

from vpnlog_analytics import message_catalog, parse_records
from vpnlog_analytics.catalog import classify, template

TSV = Path(__file__).resolve().parent / "data" / "documented-messages.tsv"  # reference copy
STREAM = "vpn-0d17975e9b801ddcd-52.74.111.174-IKE.log"

# documented message (placeholders filled) -> expected event, written by hand
DOCUMENTED = {
    "Peer is not responsive - Declaring peer dead": "dpd_timeout",
    "AWS tunnel payload decryption was unsuccessful due to invalid Pre-shared Key": "psk_mismatch",
    "No Proposal Match Found by AWS": "no_proposal_match",
    'No Proposal Match Found. Notifying with "No proposal chosen"': "no_proposal_chosen",
    "AWS tunnel received DELETE for Phase 2 SA with SPI: 0xdb3ca7bb": "cgw_delete_child_sa",
    "AWS tunnel received DELETE for IKE_SA from CGW": "cgw_delete_ike_sa",
    "AWS tunnel DPD timed out after 3 retransmits": "dpd_timeout",
    "AWS tunnel detected a (CHILD_REKEY) collision as CHILD_DELETE": "rekey_collision",
    "AWS tunnel (CHILD_SA) redundant SA is being deleted due to detected collision": "redundant_sa_deleted",  # noqa: E501
    "AWS tunnel Phase 2 was unable to establish while keeping Phase 1": "phase2_failed",
    "AWS: Traffic Selector: TS_UNACCEPTABLE: received from responder": "ts_unacceptable",
    "AWS tunnel is sending AUTHENTICATION_FAILED as the response": "auth_failed",
    "AWS tunnel detected a pre-shared key mismatch with cgw: 52.221.80.17": "psk_mismatch",
    "AWS tunnel Timeout: deleting un-established Phase 1 IKE_SA with cgw: 52.221.80.17": "phase1_timeout",  # noqa: E501
    "AWS tunnel processed request (id=41) for CREATE_CHILD_SA": "child_sa_request_received",
    "AWS tunnel is sending response (id=41) for CREATE_CHILD_SA": "child_sa_response_sent",
    "AWS tunnel is sending request (id=41) for CREATE_CHILD_SA": "child_sa_request_sent",
    "AWS tunnel processed response (id=41) for CREATE_CHILD_SA": "child_sa_response_received",
    "DENIED due to: as-path contains our own AS": "route_denied",
    "DENIED due to: non-connected next-hop": "route_denied",
}
NB = "169.254.50.85"
BGP = {
    f"AWS-side peer BGP session state has changed from OpenConfirm to Established with neighbor {NB}": "bgp_session_up",  # noqa: E501
    f"AWS-side peer BGP session state has changed from Established to Idle with neighbor {NB}": "bgp_session_down",  # noqa: E501
    f"AWS-side peer BGP session state has changed from Idle to Connect with neighbor {NB}": "bgp_state_change",  # noqa: E501
    f"AWS-side peer BGP session state has changed from Connect to OpenSent with neighbor {NB}": "bgp_state_change",  # noqa: E501
    f"AWS-side peer BGP session state has changed from OpenSent to OpenConfirm with neighbor {NB}": "bgp_state_change",  # noqa: E501
    f"AWS-side peer BGP session state has changed from Connect to Active with neighbor {NB}": "bgp_state_change",  # noqa: E501
    f"AWS-side peer sent a Hold Timer Expired notification to neighbor {NB}": "bgp_hold_timer_expired",  # noqa: E501
    f"AWS-side peer detected the maximum prefix limit was exceeded - received 120 prefixes from neighbor {NB}, limit is 100": "bgp_max_prefix_exceeded",  # noqa: E501
    f"AWS-side peer is reporting a maximum prefix limit warning - received 95 prefixes from neighbor {NB}, limit is 100": "bgp_max_prefix_warning",  # noqa: E501
    f"AWS-side peer sent a notification 6/2 (Cease/Administrative Shutdown) to neighbor {NB}": "bgp_notification_sent",  # noqa: E501
    f"AWS-side peer received notification 6/4 (Cease/Administrative Reset) from neighbor {NB}": "bgp_notification_received",  # noqa: E501
    f"AWS-side peer detected a bad OPEN message from neighbor {NB}- remote AS is 65001, expected 65000": "bgp_bad_open",  # noqa: E501
}
PUBLIC = {
    "dpd_timeout",
    "psk_mismatch",
    "auth_failed",
    "no_proposal_match",
    "no_proposal_chosen",
    "ts_unacceptable",
    "phase2_failed",
    "phase1_timeout",
    "cgw_delete_ike_sa",
    "cgw_delete_child_sa",
    "rekey_collision",
    "redundant_sa_deleted",
    "child_sa_request_sent",
    "child_sa_request_received",
    "child_sa_response_sent",
    "child_sa_response_received",
    "bgp_session_up",
    "bgp_session_down",
}


def _fill(msg: str) -> str:
    """Fill the documentation's placeholders with real-looking values."""
    out = msg.replace("{retry_count}", "3").replace("(id=xxx)", "(id=41)")
    out = out.replace("SPI: xxxx", "SPI: 0xdb3ca7bb").replace("cgw: xxxx", "cgw: 52.221.80.17")
    out = out.replace("{ip: xxx}", NB).replace("{prefixes (count): xxx}", "120")
    out = out.replace("{limit (numeric): xxx}", "100").replace("{asn: xxx}", "65001")
    out = out.replace("{holdtime (seconds): xxx}", "30").replace("{id: xxx}}", "10.0.0.1")
    out = out.replace("{id: xxx}", "10.0.0.1").replace("{aspath (list): xxx xxx xxx}", "65001")
    return out


def _documented() -> list[str]:
    if not TSV.exists():
        pytest.skip("reference documentation not available")
    rows = [ln.split("\t", 1) for ln in TSV.read_text().splitlines() if not ln.startswith("#")]
    return [_fill(m) for _, m in rows]


def test_every_documented_ike_message_has_its_public_event():
    docs = _documented()
    ike = [m for m in docs if "AWS-side peer" not in m]
    assert set(ike) == set(DOCUMENTED)  # the hand table covers the whole reference page
    for m in ike:
        rule = classify(m)
        assert rule is not None and rule.event == DOCUMENTED[m], m


@pytest.mark.parametrize("message", list(DOCUMENTED) + list(BGP))
def test_classification_by_hand(message):
    want = {**DOCUMENTED, **BGP}[message]
    assert classify(message).event == want


def test_every_documented_message_is_classified_and_template_invariant():
    for m in _documented():
        rule = classify(m)
        assert rule is not None, m
        assert classify(template(m)) == rule, m


def test_public_event_names_are_in_the_catalogue():
    cat = message_catalog()
    for col in ("event", "pattern", "severity", "ike_version", "meaning", "remediation"):
        assert col in cat.columns
    assert PUBLIC <= set(cat["event"])
    assert set(cat["severity"]) <= {"error", "warning", "info"}
    assert set(cat["ike_version"].dropna()) <= {"v1", "v2"}
    assert cat["meaning"].str.len().gt(10).all()


def test_severity_and_ike_version_by_hand():
    for m, sev, ike in [
        ("Peer is not responsive - Declaring peer dead", "error", "v1"),
        ("AWS tunnel DPD timed out after 3 retransmits", "error", "v2"),
        ("AWS tunnel detected a (CHILD_REKEY) collision as CHILD_DELETE", "warning", "v2"),
        ("No Proposal Match Found by AWS", "error", None),
        ("AWS tunnel processed request (id=526265123) for Quick Mode", "info", "v1"),
    ]:
        rule = classify(m)
        assert (rule.severity, rule.ike_version) == (sev, ike), m


def _rec(details: str) -> str:
    return (
        '{"event_timestamp":1724130000,"details":"' + details + '","dpd_enabled":true,'
        '"nat_t_detected":false,"ike_phase1_state":"established","ike_phase2_state":"established"}'
    )


def test_extracted_parameters_on_hand_examples():
    msgs = [
        "AWS tunnel DPD timed out after 12 retransmits",
        "AWS tunnel received DELETE for Phase 2 SA with SPI: 0xdb3ca7bb",
        "AWS tunnel is sending request (id=1234567) for CREATE_CHILD_SA",
        "AWS tunnel detected a pre-shared key mismatch with cgw: 203.0.113.7",
        "sending packet: from 52.74.111.174 [UDP 4500] to cgw-0ce820f9dd04721d8 [UDP 4500] (92 bytes)",  # noqa: E501
    ]
    df = parse_records([_rec(m) for m in msgs], log_stream=STREAM)
    got = plain(df, ["event", "spi", "request_id", "retry_count", "cgw"]).values.tolist()
    assert got == [
        ["dpd_timeout", None, None, 12, None],
        ["cgw_delete_child_sa", "0xdb3ca7bb", None, None, None],
        ["child_sa_request_sent", None, 1234567, None, None],
        ["psk_mismatch", None, None, None, "203.0.113.7"],
        ["packet_sent", None, None, None, "cgw-0ce820f9dd04721d8"],
    ]


def test_unknown_lines_keep_a_normalised_template():
    msgs = [
        "AWS tunnel frobnicated 3 widgets for cgw-0ce820f9dd04721d8 at 10.1.2.3 spi 0xdeadbeef",
        "AWS tunnel frobnicated 17 widgets for cgw-0aa1bb2cc3dd4ee5f at 192.168.7.9 spi 0x01",
        "vpn-0d17975e9b801ddcd rekey margin 540 s on 2600:1f18:abcd::12",
    ]
    df = parse_records([_rec(m) for m in msgs], log_stream=STREAM)
    assert df.event.astype(str).tolist() == ["unknown"] * 3
    assert df.severity.astype(str).tolist() == ["info"] * 3
    assert df.template.astype(str).tolist() == [
        "AWS tunnel frobnicated <n> widgets for <cgw> at <ip> spi <hex>",
        "AWS tunnel frobnicated <n> widgets for <cgw> at <ip> spi <hex>",
        "<vpn> rekey margin <n> s on <ip>",
    ]
    assert df.details.astype(str).tolist() == msgs


def test_template_keeps_phase_numbers():
    assert template("AWS tunnel Phase 2 was unable to establish while keeping Phase 1") == (
        "AWS tunnel Phase 2 was unable to establish while keeping Phase 1"
    )
    assert template("AWS tunnel DPD timed out after 3 retransmits") == (
        "AWS tunnel DPD timed out after <n> retransmits"
    )
