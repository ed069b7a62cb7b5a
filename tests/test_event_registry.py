"""The event registry (``schema.EVENTS``): each event declared once, everything else read from it.

The expected tuples below were written out from the five tables the registry replaced
(``schema.EVENT_NAMES``, ``catalog.RULES``/``_CAUSE_LABELS``, the rankings of
``analysis/_columns.py`` and the finding titles), so a reordered or renamed event fails here.
"""

from __future__ import annotations

import ast
import inspect

import pytest

from vpnlog_analytics import catalog, schema
from vpnlog_analytics.analysis import _columns

#: ``schema.EVENT_NAMES`` before the registry: catalogue order, ``unknown`` last.
EVENT_NAMES = (
    "dpd_timeout",
    "psk_mismatch",
    "auth_failed",
    "no_proposal_chosen",
    "no_proposal_match",
    "ts_unacceptable",
    "phase2_failed",
    "phase1_timeout",
    "rekey_collision",
    "redundant_sa_deleted",
    "cgw_delete_ike_sa",
    "cgw_delete_child_sa",
    "child_sa_request_received",
    "child_sa_response_sent",
    "child_sa_request_sent",
    "child_sa_response_received",
    "packet_sent",
    "packet_received",
    "proposals_selected",
    "phase2_sa_established",
    "phase1_sa_established",
    "child_sa_closing",
    "ike_sa_closing",
    "dpd_request_sent",
    "dpd_ack_received",
    "bgp_session_up",
    "bgp_session_down",
    "bgp_state_change",
    "bgp_hold_timer_expired",
    "bgp_max_prefix_exceeded",
    "bgp_max_prefix_warning",
    "bgp_bad_open",
    "bgp_notification_sent",
    "bgp_notification_received",
    "bgp_open",
    "bgp_connect",
    "bgp_end_of_rib",
    "bgp_update_received",
    "route_denied",
    "route_advertised",
    "route_updated",
    "route_withdrawn",
    "unknown",
)
MISMATCH_EVENTS = (
    "psk_mismatch",
    "auth_failed",
    "no_proposal_match",
    "no_proposal_chosen",
    "ts_unacceptable",
    "phase2_failed",
)
CAUSE_EVENTS = (
    *MISMATCH_EVENTS,
    "phase1_timeout",
    "dpd_timeout",
    "cgw_delete_ike_sa",
    "cgw_delete_child_sa",
    "rekey_collision",
    "redundant_sa_deleted",
)
BGP_CAUSE_EVENTS = (
    "bgp_max_prefix_exceeded",
    "bgp_bad_open",
    "bgp_hold_timer_expired",
    "bgp_notification_sent",
    "bgp_notification_received",
    "bgp_session_down",
    "bgp_no_routes",
)
#: The labels written by hand (``catalog._CAUSE_LABELS``); every other event is its name
#: in words.
CAUSE_LABELS = {
    "psk_mismatch": "pre-shared key mismatch",
    "auth_failed": "authentication failed",
    "no_proposal_match": "no matching proposal",
    "no_proposal_chosen": "no proposal chosen",
    "ts_unacceptable": "traffic selectors mismatch",
    "phase2_failed": "Phase 2 failed",
    "phase1_timeout": "Phase 1 never completed",
    "dpd_timeout": "DPD timeout (peer silent)",
    "cgw_delete_ike_sa": "gateway deleted IKE SA",
    "cgw_delete_child_sa": "gateway deleted child SA",
    "rekey_collision": "rekey collision",
    "redundant_sa_deleted": "redundant SA deleted",
    "bgp_max_prefix_exceeded": "BGP maximum prefix limit exceeded",
    "bgp_bad_open": "BGP AS mismatch (bad OPEN)",
    "bgp_hold_timer_expired": "BGP hold timer expired",
    "bgp_notification_sent": "BGP Cease sent by AWS",
    "bgp_notification_received": "BGP Cease from the gateway",
    "bgp_session_down": "BGP session down",
}
#: The diagnosis findings of single events: (rule, severity, title), from
#: ``analysis/findings/_tunnel_rules.py`` and ``analysis/findings/_bgp_rules.py``.
FINDINGS = {
    "psk_mismatch": ("config_mismatch", "error", "Pre-shared key mismatch"),
    "auth_failed": ("config_mismatch", "error", "IKE authentication failed"),
    "no_proposal_match": (
        "config_mismatch",
        "error",
        "No matching proposal (AWS rejected the gateway's algorithms)",
    ),
    "no_proposal_chosen": ("config_mismatch", "error", "No proposal chosen"),
    "ts_unacceptable": ("config_mismatch", "error", "Traffic selectors do not match"),
    "phase2_failed": ("config_mismatch", "error", "Phase 2 could not be established"),
    "phase1_timeout": ("phase1_incomplete", "error", "Phase 1 negotiations that never complete"),
    "cgw_delete_ike_sa": ("gateway_delete", "warning", "Customer gateway deleted the IKE SA"),
    "bgp_bad_open": ("bgp_as_mismatch", "error", "BGP AS mismatch in OPEN"),
    "bgp_max_prefix_exceeded": ("bgp_max_prefix", "error", "Maximum prefix limit exceeded"),
    "bgp_max_prefix_warning": ("bgp_max_prefix", "warning", "Near the maximum prefix limit"),
}

NAMES = [e.name for e in schema.EVENTS]


def test_every_event_is_declared_once() -> None:
    assert len(NAMES) == len(set(NAMES))
    assert list(schema.EVENT_SPECS) == NAMES
    assert all(schema.EVENT_SPECS[e.name] is e for e in schema.EVENTS)


def test_event_names_are_derived_unchanged() -> None:
    assert schema.EVENT_NAMES == EVENT_NAMES
    assert catalog.EVENT_NAMES is schema.EVENT_NAMES
    assert schema.EVENT_NAMES[-1] == catalog.UNKNOWN


def test_cause_rankings_are_derived_unchanged() -> None:
    assert _columns.MISMATCH_EVENTS == MISMATCH_EVENTS
    assert _columns.CAUSE_EVENTS == CAUSE_EVENTS
    assert _columns.BGP_CAUSE_EVENTS == BGP_CAUSE_EVENTS
    assert _columns.CAUSE_EVENTS[: len(MISMATCH_EVENTS)] == MISMATCH_EVENTS


def test_every_cause_ranked_event_is_in_the_registry() -> None:
    assert set(CAUSE_EVENTS) <= set(NAMES)
    # one BGP cause is no event: an established session without routes
    assert set(BGP_CAUSE_EVENTS) <= set(NAMES) | set(catalog.CAUSE_ONLY_LABELS)
    assert not set(catalog.CAUSE_ONLY_LABELS) & set(NAMES)
    for log_type in schema.LOG_TYPES:
        ranks = sorted(
            e.cause_rank
            for e in schema.EVENTS
            if e.log_type == log_type and e.cause_rank is not None
        )
        assert ranks == list(range(len(ranks))), f"{log_type}: ranks 0..n-1, each once"


def test_labels_are_derived_unchanged() -> None:
    want = {n: CAUSE_LABELS.get(n, n.replace("_", " ")) for n in EVENT_NAMES}
    assert catalog.EVENT_LABELS == want
    assert list(catalog.EVENT_LABELS) == list(EVENT_NAMES)
    assert {n: catalog.event_label(n) for n in EVENT_NAMES} == want
    assert catalog.event_label("ipsec_down") == "IPsec tunnel down"
    assert catalog.event_label("not_an_event") == "not an event"


def test_finding_titles_and_rules_come_from_the_registry() -> None:
    got = {e.name: (e.finding, e.severity, e.title) for e in schema.EVENTS if e.title is not None}
    assert got == FINDINGS


def test_every_rule_event_exists_and_keeps_its_severity() -> None:
    for rule in catalog.RULES:
        spec = schema.EVENT_SPECS[rule.event]
        assert rule.severity == spec.severity, rule
        assert rule.remediation == spec.remediation, rule
        assert rule.meaning, rule
    routes = set(catalog.ROUTE_STATUS_EVENTS.values())
    assert routes <= set(NAMES)
    # every event but ``unknown`` and the route statuses has a rule that gives it
    assert {r.event for r in catalog.RULES} == set(NAMES) - routes - {catalog.UNKNOWN}


def test_a_rule_takes_meaning_from_its_event_unless_its_wording_says_more() -> None:
    v1, v2 = (r for r in catalog.RULES if r.event == "dpd_timeout")
    assert v1.meaning == schema.EVENT_SPECS["dpd_timeout"].meaning
    assert v2.meaning != v1.meaning and "retransmits" in v2.meaning
    rule = catalog.Rule(event="packet_sent", pattern="x")
    assert (rule.severity, rule.meaning, rule.remediation, rule.ike_version) == (
        "info",
        schema.EVENT_SPECS["packet_sent"].meaning,
        "",
        None,
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"event": "no_such_event"}, "event='no_such_event'"),
        ({"event": "dpd_timeout", "severity": "info"}, "severity='info'"),
        ({"event": "dpd_timeout", "remediation": "reboot"}, "remediation"),
    ],
)
def test_a_rule_cannot_contradict_the_registry(kwargs: dict[str, str], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        catalog.Rule(pattern="x", **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"severity": "fatal"}, "severity='fatal'"),
        ({"log_type": "ike"}, "log_type='ike'"),
    ],
)
def test_an_event_spec_checks_its_values(kwargs: dict[str, str], match: str) -> None:
    args = {"name": "x", "log_type": "tunnel", "severity": "info", **kwargs}
    with pytest.raises(ValueError, match=match):
        schema.EventSpec(**args)  # type: ignore[arg-type]


def test_rules_are_written_with_keywords() -> None:
    """Every ``Rule(...)`` of the catalogue names its arguments: order carries no meaning."""
    tree = ast.parse(inspect.getsource(catalog))
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Rule"
    ]
    assert len(calls) == len(catalog.RULES)
    assert all(not call.args for call in calls)
    assert all(
        {kw.arg for kw in call.keywords} >= {"event", "pattern", "provenance", "source"}
        for call in calls
    )
