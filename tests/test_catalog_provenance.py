"""Where each catalogue rule comes from, checked against the sources it names.

A rule marked ``documented`` must match a message of the AWS user guide (the reference
copy ``data/documented-messages.tsv``), one marked ``observed`` a line of a real capture
(``data/real-capture-console-rows-2024-08-20.tsv``, transcribed from a CloudWatch console
screenshot, and the three NAT-T keep-alive lines below), and an ``inferred`` one neither:
if a real example turns up, the test fails and the rule's provenance must be raised.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import plain
from test_io_catalog import _fill

from vpnlog_analytics import message_catalog, parse_records, schema
from vpnlog_analytics.catalog import (
    DOCUMENTED,
    EVENT_NAMES,
    INFERRED,
    OBSERVED,
    PROVENANCES,
    RULES,
    Rule,
    classify,
    template,
)

DATA = Path(__file__).resolve().parent / "data"
GUIDE = DATA / "documented-messages.tsv"
CAPTURE = DATA / "real-capture-console-rows-2024-08-20.tsv"
STREAM = "vpn-0d17975e9b801ddcd-52.74.111.174-IKE.log"

#: The DPD keep-alive lines of CloudWatch console captures of NAT-T tunnels (public
#: workshop screenshots, 2022-12 and 2024-10), verbatim, with the event and sequence
#: number read off by hand.
NAT_T_CAPTURE = {
    "AWS tunnel is sending DPD request": ("dpd_request_sent", None),
    "AWS tunnel is sending a DPD request with sequence number 2104608227": (
        "dpd_request_sent",
        2104608227,
    ),
    "CGW sent DPD ACK (sequence number 1626970380)": ("dpd_ack_received", 1626970380),
}

#: The four rules the issue names as having no real example anywhere.
INFERRED_BY_HAND = {
    ("child_sa_request_sent", r"is sending request \(id=\S+\) for Quick Mode"),
    ("child_sa_response_received", r"processed response \(id=\S+\) for Quick Mode"),
    ("phase1_sa_established", r"Phase 1 (?:IKE_)?SA is established"),
    ("ike_sa_closing", r"is closing (?:IKE_SA|Phase 1)"),
}


def _guide_messages() -> list[str]:
    rows = [ln.split("\t", 1) for ln in GUIDE.read_text().splitlines() if not ln.startswith("#")]
    return [_fill(m) for _, m in rows]


def _capture_messages() -> list[str]:
    """The ``details`` of every console row, up to the console's cut (``…``) if inside."""
    out = []
    for line in CAPTURE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        m = re.search(r'"details":"([^"…]*)', line.split("\t", 1)[1])
        if m:
            out.append(m.group(1))
    return out


def _matches(rule: Rule, messages: list[str]) -> list[str]:
    return [m for m in messages if re.search(rule.pattern, m)]


def test_capture_transcription_is_read() -> None:
    messages = _capture_messages()
    assert len(messages) == 18  # every console row shows the start of its details
    assert sum(m.startswith("sending packet") for m in messages) == 8


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.event}:{r.pattern}")
def test_provenance_matches_the_sources(rule: Rule) -> None:
    guide = _matches(rule, _guide_messages())
    seen = _matches(rule, _capture_messages() + list(NAT_T_CAPTURE))
    assert rule.provenance in PROVENANCES
    assert rule.source, "every rule names its source"
    if rule.provenance == DOCUMENTED:
        assert guide, "documented, yet no message of the user guide matches"
    elif rule.provenance == OBSERVED:
        assert not guide, "in the user guide: it is documented"
        assert seen, "observed, yet no captured line matches"
    else:
        assert not guide and not seen, f"inferred, yet a real example matches: {guide + seen}"


def test_the_four_inferred_rules_are_flagged() -> None:
    assert {(r.event, r.pattern) for r in RULES if r.provenance == INFERRED} == INFERRED_BY_HAND


def test_catalogue_table_shows_provenance() -> None:
    cat = message_catalog()
    assert list(cat.columns) == [
        "event",
        "pattern",
        "severity",
        "ike_version",
        "provenance",
        "source",
        "meaning",
        "remediation",
    ]
    assert cat["provenance"].tolist() == [r.provenance for r in RULES]
    assert set(cat.loc[cat["provenance"] == "inferred", "event"]) == {
        e for e, _ in INFERRED_BY_HAND
    }
    assert cat["source"].str.len().gt(10).all()


def test_unknown_provenance_is_rejected() -> None:
    with pytest.raises(ValueError, match="provenance='guessed'"):
        Rule("packet_sent", "x", "info", None, "m", "", provenance="guessed")
    assert Rule("packet_sent", "x", "info", None, "m", "").provenance == INFERRED


def test_every_rule_event_is_a_public_event_name() -> None:
    assert {r.event for r in RULES} <= set(EVENT_NAMES)
    assert EVENT_NAMES is schema.EVENT_NAMES
    assert {"dpd_request_sent", "dpd_ack_received"} <= set(EVENT_NAMES)


@pytest.mark.parametrize("message", list(NAT_T_CAPTURE))
def test_keepalive_lines_classify_as_their_template_does(message: str) -> None:
    rule = classify(message)
    assert rule is not None and rule.event == NAT_T_CAPTURE[message][0]
    assert (rule.severity, rule.ike_version, rule.provenance) == ("info", None, OBSERVED)
    assert classify(template(message)) == rule


def _rec(details: str, nat_t: bool = True) -> str:
    return (
        '{"event_timestamp":1724130000,"details":"' + details + '","dpd_enabled":true,'
        f'"nat_t_detected":{str(nat_t).lower()},"ike_phase1_state":"established",'
        '"ike_phase2_state":"established"}'
    )


def test_keepalive_lines_through_the_loader() -> None:
    df = parse_records([_rec(m) for m in NAT_T_CAPTURE], log_stream=STREAM)
    assert plain(df, ["event", "severity", "details"]).values.tolist() == [
        [event, "info", m] for m, (event, _) in NAT_T_CAPTURE.items()
    ]
    assert df["template"].astype(str).tolist() == [
        "AWS tunnel is sending DPD request",
        "AWS tunnel is sending a DPD request with sequence number <n>",
        "CGW sent DPD ACK (sequence number <n>)",
    ]
