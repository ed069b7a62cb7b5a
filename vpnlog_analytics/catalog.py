r"""The message catalogue: every known tunnel and BGP log message, and how to classify one.

Each event is declared once, in the event registry (:data:`EVENTS`, from
:mod:`.schema`): its severity, plain-language label, what it means, what to change, its
rank among the causes of an outage and the texts of the finding that reports it. Each
rule here names its event and says how its messages read: the pattern that recognises
them, the IKE version the wording implies, where the wording comes from, and what it
means when the wording says more than its event. The documented messages of the AWS
Site-to-Site VPN user guide map to the public event names of DESIGN.md section 3; the
verbose families real tunnels log besides them (packet chatter, SA establishment,
proposal selection, IKEv1 Quick Mode, the DPD keep-alives of NAT-T tunnels) have names
too. Every other line is classified ``unknown`` and keeps its
normalised :func:`template`.

Every rule says where its wording comes from (:attr:`Rule.provenance`): ``documented``
by the AWS user guide, ``observed`` in a real capture, or ``inferred`` -- a guess by
analogy with observed or documented lines, kept because it costs nothing when wrong (the
line stays ``unknown``) and flagged so nobody mistakes it for a fact. Four rules are
inferred today: IKEv1 Quick Mode initiated by AWS (``child_sa_request_sent``,
``child_sa_response_received`` for Quick Mode), ``phase1_sa_established`` and
``ike_sa_closing``.

The DPD keep-alive family (``dpd_request_sent``: "AWS tunnel is sending DPD request",
"... a DPD request with sequence number N"; ``dpd_ack_received``: "CGW sent DPD ACK
(sequence number N)") was observed in CloudWatch console captures of NAT-T tunnels; the
sequence number goes into the ``dpd_sequence`` column, and a request and its ACK share it.

Patterns are written to match both a raw message and its template (variable parts are
``\S+``), because classification runs once per distinct template, never per row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import pandas as pd

from . import schema as s
from .schema import EVENT_SPECS, EVENTS, EventSpec

__all__ = [
    "BGP_PATTERNS",
    "BGP_STATES",
    "DOCUMENTED",
    "CAUSE_ONLY_LABELS",
    "EVENTS",
    "EVENT_LABELS",
    "EVENT_NAMES",
    "EVENT_SPECS",
    "EXTRACT_PATTERNS",
    "INFERRED",
    "OBSERVED",
    "PROVENANCES",
    "RULES",
    "TEMPLATE_RULES",
    "BgpFacts",
    "EventSpec",
    "Rule",
    "bgp_facts",
    "classify",
    "event_label",
    "message_catalog",
    "template",
]


#: Where the wording a rule matches comes from (DESIGN.md section 3).
DOCUMENTED: Final = "documented"
OBSERVED: Final = "observed"
INFERRED: Final = "inferred"
PROVENANCES: Final = (DOCUMENTED, OBSERVED, INFERRED)

_GUIDE = "AWS Site-to-Site VPN User Guide, log contents"
_GUIDE_V1 = f"{_GUIDE}: IKEv1 errors"
_GUIDE_V2 = f"{_GUIDE}: IKEv2 errors"
_GUIDE_V1_V2 = f"{_GUIDE}: IKEv1 and IKEv2 errors"
_GUIDE_NEGOTIATION = f"{_GUIDE}: IKEv2 negotiation"
_GUIDE_BGP = f"{_GUIDE}: BGP status"
_GUIDE_ROUTE = f"{_GUIDE}: route status"
_CAPTURE_V1 = "console capture of an IKEv1 tunnel, 2024-08-20 (public screenshot)"
_CAPTURE_NAT_T = "console captures of NAT-T tunnels, 2022-12 and 2024-10 (public screenshots)"
_BY_ANALOGY_QM = (
    "no real example: by analogy with the observed Quick Mode lines of the gateway-initiated "
    "exchange and the documented CREATE_CHILD_SA wording"
)


@dataclass(frozen=True)
class Rule:
    """One entry of the catalogue: a wording that gives an event of the registry.

    What an event is -- its severity, label, meaning, remediation, cause rank -- is
    declared once in :data:`EVENTS`; a rule says how its messages read and where that
    wording comes from. Build rules with keyword arguments.

    Attributes
    ----------
    event : str
        The event name rows matching the rule get: a name of :data:`EVENTS`.
    pattern : str
        Regular expression searched in the message (and in its template).
    severity : str
        ``error``, ``warning`` or ``info``: the event's (given, it must equal it).
    ike_version : str or None
        ``v1`` or ``v2`` when the wording implies it.
    meaning : str
        What the message means in plain language: the event's, unless this wording says
        more (an IKEv1 and an IKEv2 line of one event).
    remediation : str
        What to change (may be empty): the event's (given, it must equal it).
    provenance : str
        Where the wording comes from: ``documented`` (the AWS user guide), ``observed``
        (a real capture) or ``inferred`` (a guess by analogy, kept and flagged). The
        default is the cautious one: a rule that names no source is a guess.
    source : str
        Which page or capture, or for an inferred rule what it is inferred from.
    """

    event: str
    pattern: str
    severity: str = ""
    ike_version: str | None = None
    meaning: str = ""
    remediation: str = ""
    provenance: str = INFERRED
    source: str = ""

    def __post_init__(self) -> None:
        """Check the event and provenance; take severity, meaning, remediation from it."""
        if self.provenance not in PROVENANCES:
            raise ValueError(
                f"rule {self.event!r}: provenance={self.provenance!r}, choose one of "
                + ", ".join(PROVENANCES)
            )
        spec = EVENT_SPECS.get(self.event)
        if spec is None:
            raise ValueError(
                f"rule {self.pattern!r}: event={self.event!r} is not in the event registry; "
                "declare it in vpnlog_analytics.schema.EVENTS"
            )
        for field in ("severity", "remediation"):
            given, declared = getattr(self, field), getattr(spec, field)
            if given and given != declared:
                raise ValueError(
                    f"rule {self.event!r}: {field}={given!r}, but the event declares "
                    f"{declared!r} (vpnlog_analytics.schema.EVENTS)"
                )
            object.__setattr__(self, field, declared)
        if not self.meaning:
            object.__setattr__(self, "meaning", spec.meaning)

    @property
    def documented(self) -> bool:
        """Whether the AWS user guide documents this wording."""
        return self.provenance == DOCUMENTED


RULES: Final[tuple[Rule, ...]] = (
    # --- documented errors -----------------------------------------------------------
    Rule(
        event="dpd_timeout",
        pattern=r"Peer is not responsive - Declaring peer dead",
        ike_version="v1",
        provenance=DOCUMENTED,
        source=_GUIDE_V1,
    ),
    Rule(
        event="dpd_timeout",
        pattern=r"DPD timed out after \S+ retransmits",
        ike_version="v2",
        meaning=(
            "The customer gateway did not answer DPD after the logged number of retransmits; "
            "AWS applied the DPD timeout action (the tunnel goes down)."
        ),
        provenance=DOCUMENTED,
        source=_GUIDE_V2,
    ),
    Rule(
        event="psk_mismatch",
        pattern=r"payload decryption was unsuccessful due to invalid Pre-shared Key",
        ike_version="v1",
        provenance=DOCUMENTED,
        source=_GUIDE_V1,
    ),
    Rule(
        event="psk_mismatch",
        pattern=r"detected a pre-shared key mismatch with cgw",
        ike_version="v2",
        meaning="The pre-shared key of the customer gateway differs from the tunnel's.",
        provenance=DOCUMENTED,
        source=_GUIDE_V2,
    ),
    Rule(
        event="auth_failed",
        pattern=r"sending AUTHENTICATION_FAILED as the response",
        ike_version="v2",
        provenance=DOCUMENTED,
        source=_GUIDE_V2,
    ),
    Rule(
        event="no_proposal_chosen",
        pattern=r"No Proposal Match Found\. Notifying with \"?No proposal chosen\"?",
        provenance=DOCUMENTED,
        source=_GUIDE_V1_V2,
    ),
    Rule(
        event="no_proposal_match",
        pattern=r"No Proposal Match Found by AWS",
        provenance=DOCUMENTED,
        source=_GUIDE_V1_V2,
    ),
    Rule(
        event="ts_unacceptable",
        pattern=r"TS_UNACCEPTABLE",
        ike_version="v2",
        provenance=DOCUMENTED,
        source=_GUIDE_V2,
    ),
    Rule(
        event="phase2_failed",
        pattern=r"Phase 2 was unable to establish while keeping Phase 1",
        ike_version="v2",
        provenance=DOCUMENTED,
        source=_GUIDE_V2,
    ),
    Rule(
        event="phase1_timeout",
        pattern=r"Timeout: deleting un-established Phase 1 IKE_SA",
        ike_version="v2",
        provenance=DOCUMENTED,
        source=_GUIDE_V2,
    ),
    Rule(
        event="rekey_collision",
        pattern=r"detected a \(CHILD_REKEY\) collision as CHILD_DELETE",
        ike_version="v2",
        provenance=DOCUMENTED,
        source=_GUIDE_V2,
    ),
    Rule(
        event="redundant_sa_deleted",
        pattern=r"redundant SA is being deleted due to detected collision",
        ike_version="v2",
        provenance=DOCUMENTED,
        source=_GUIDE_V2,
    ),
    Rule(
        event="cgw_delete_ike_sa",
        pattern=r"received DELETE for IKE_SA from CGW",
        provenance=DOCUMENTED,
        source=_GUIDE_V1_V2,
    ),
    Rule(
        event="cgw_delete_child_sa",
        pattern=r"received DELETE for Phase 2 SA with SPI",
        provenance=DOCUMENTED,
        source=f"{_GUIDE_V1_V2}; also in the {_CAPTURE_V1}",
    ),
    # --- negotiation (IKEv2 CREATE_CHILD_SA, IKEv1 Quick Mode) ----------------------------
    Rule(
        event="child_sa_request_received",
        pattern=r"processed request \(id=\S+\) for CREATE_CHILD_SA",
        ike_version="v2",
        provenance=DOCUMENTED,
        source=_GUIDE_NEGOTIATION,
    ),
    Rule(
        event="child_sa_response_sent",
        pattern=r"is sending response \(id=\S+\) for CREATE_CHILD_SA",
        ike_version="v2",
        provenance=DOCUMENTED,
        source=_GUIDE_NEGOTIATION,
    ),
    Rule(
        event="child_sa_request_sent",
        pattern=r"is sending request \(id=\S+\) for CREATE_CHILD_SA",
        ike_version="v2",
        provenance=DOCUMENTED,
        source=_GUIDE_NEGOTIATION,
    ),
    Rule(
        event="child_sa_response_received",
        pattern=r"processed response \(id=\S+\) for CREATE_CHILD_SA",
        ike_version="v2",
        provenance=DOCUMENTED,
        source=_GUIDE_NEGOTIATION,
    ),
    Rule(
        event="child_sa_request_received",
        pattern=r"processed request \(id=\S+\) for Quick Mode",
        ike_version="v1",
        meaning="AWS received an IKEv1 Quick Mode message from the gateway (Phase 2 negotiation).",
        provenance=OBSERVED,
        source=_CAPTURE_V1,
    ),
    Rule(
        event="child_sa_response_sent",
        pattern=r"is sending response \(id=\S+\) for Quick Mode",
        ike_version="v1",
        meaning="AWS answered the gateway's Quick Mode message.",
        provenance=OBSERVED,
        source=_CAPTURE_V1,
    ),
    Rule(
        event="child_sa_request_sent",
        pattern=r"is sending request \(id=\S+\) for Quick Mode",
        ike_version="v1",
        meaning="AWS started an IKEv1 Quick Mode exchange (AWS-initiated Phase 2 negotiation).",
        provenance=INFERRED,
        source=_BY_ANALOGY_QM,
    ),
    Rule(
        event="child_sa_response_received",
        pattern=r"processed response \(id=\S+\) for Quick Mode",
        ike_version="v1",
        meaning="The gateway answered AWS's Quick Mode message.",
        provenance=INFERRED,
        source=_BY_ANALOGY_QM,
    ),
    # --- verbose, undocumented families seen in real logs -------------------------------
    Rule(
        event="packet_sent",
        pattern=r"^sending packet: from \S+ \[\S+ \S+\] to \S+ \[\S+ \S+\]",
        provenance=OBSERVED,
        source=_CAPTURE_V1,
    ),
    Rule(
        event="packet_received",
        pattern=r"^received packet: from \S+ \[\S+ \S+\] to \S+ \[\S+ \S+\]",
        provenance=OBSERVED,
        source=_CAPTURE_V1,
    ),
    Rule(
        event="proposals_selected",
        pattern=r"has selected proposals for Phase \S+ SA",
        provenance=OBSERVED,
        source=f"{_CAPTURE_V1} (Phase 2; Phase 1 by analogy)",
    ),
    Rule(
        event="phase2_sa_established",
        pattern=r"Phase 2 SA is established with inbound SPI",
        provenance=OBSERVED,
        source=_CAPTURE_V1,
    ),
    Rule(
        event="phase1_sa_established",
        pattern=r"Phase 1 (?:IKE_)?SA is established",
        provenance=INFERRED,
        source="no real example: by analogy with the observed Phase 2 SA line",
    ),
    Rule(
        event="child_sa_closing",
        pattern=r"is closing CHILD_SA with inbound SPI",
        provenance=OBSERVED,
        source=_CAPTURE_V1,
    ),
    Rule(
        event="ike_sa_closing",
        pattern=r"is closing (?:IKE_SA|Phase 1)",
        provenance=INFERRED,
        source="no real example: by analogy with the observed CHILD_SA closing line",
    ),
    # --- DPD keep-alives (observed on NAT-T tunnels, every ~10 s, in pairs) -----------------
    Rule(
        event="dpd_request_sent",
        pattern=r"is sending (?:a )?DPD request",
        provenance=OBSERVED,
        source=_CAPTURE_NAT_T,
    ),
    Rule(
        event="dpd_ack_received",
        pattern=r"CGW sent DPD ACK",
        provenance=OBSERVED,
        source=_CAPTURE_NAT_T,
    ),
    # --- BGP status -----------------------------------------------------------------------
    Rule(
        event="bgp_session_up",
        pattern=r"BGP session state has changed from \S+ to Established",
        provenance=DOCUMENTED,
        source=_GUIDE_BGP,
    ),
    Rule(
        event="bgp_session_down",
        pattern=r"BGP session state has changed from Established to \S+",
        provenance=DOCUMENTED,
        source=_GUIDE_BGP,
    ),
    Rule(
        event="bgp_state_change",
        pattern=r"BGP session state has changed from \S+ to \S+",
        provenance=DOCUMENTED,
        source=_GUIDE_BGP,
    ),
    Rule(
        event="bgp_hold_timer_expired",
        pattern=r"Hold Timer Expired",
        provenance=DOCUMENTED,
        source=_GUIDE_BGP,
    ),
    Rule(
        event="bgp_max_prefix_exceeded",
        pattern=r"maximum prefix limit was exceeded",
        provenance=DOCUMENTED,
        source=_GUIDE_BGP,
    ),
    Rule(
        event="bgp_max_prefix_warning",
        pattern=r"maximum prefix limit warning",
        provenance=DOCUMENTED,
        source=_GUIDE_BGP,
    ),
    Rule(
        event="bgp_bad_open",
        pattern=r"detected a bad OPEN message",
        provenance=DOCUMENTED,
        source=_GUIDE_BGP,
    ),
    Rule(
        event="bgp_notification_sent",
        pattern=r"peer sent a notification \S+ \(Cease/",
        provenance=DOCUMENTED,
        source=_GUIDE_BGP,
    ),
    Rule(
        event="bgp_notification_received",
        pattern=r"peer received notification \S+ \(Cease/",
        provenance=DOCUMENTED,
        source=_GUIDE_BGP,
    ),
    Rule(
        event="bgp_open",
        pattern=r"(?:received|sent) an OPEN message",
        provenance=DOCUMENTED,
        source=_GUIDE_BGP,
    ),
    Rule(
        event="bgp_connect",
        pattern=r"is initiating a connection",
        provenance=DOCUMENTED,
        source=_GUIDE_BGP,
    ),
    Rule(
        event="bgp_end_of_rib",
        pattern=r"sent an End-of-RIB message",
        provenance=DOCUMENTED,
        source=_GUIDE_BGP,
    ),
    Rule(
        event="bgp_update_received",
        pattern=r"received update with attributes",
        provenance=DOCUMENTED,
        source=_GUIDE_BGP,
    ),
    Rule(
        event="route_denied",
        pattern=r"^DENIED due to:",
        provenance=DOCUMENTED,
        source=_GUIDE_ROUTE,
    ),
)

#: Route records whose message matches no rule are named after their status.
ROUTE_STATUS_EVENTS: Final = {
    "ADVERTISED": "route_advertised",
    "UPDATED": "route_updated",
    "WITHDRAWN": "route_withdrawn",
}

UNKNOWN: Final = "unknown"


#: Every event name, in catalogue order, ``unknown`` last (declared in :mod:`.schema`).
EVENT_NAMES: Final = s.EVENT_NAMES


#: Normalisation of a message into its template: (RE2-compatible pattern, replacement,
#: a literal every match contains or None), applied in order. Ids and addresses first so
#: their digits are not split into numbers. The literal lets a vectorised pass skip the
#: messages it cannot change.
TEMPLATE_RULES: Final = (
    # "Phase 1"/"Phase 2" name the phase, not a value: shield them from the number rule.
    (r"\bPhase (\d)\b", r"Phase_\1", "Phase "),
    (r"\bcgw-[0-9a-fA-F]+\b", "<cgw>", "cgw-"),
    (r"\bvpn-[0-9a-fA-F]+\b", "<vpn>", "vpn-"),
    (r"\b\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?\b", "<ip>", "."),
    (r"\b[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}(?:/\d{1,3})?", "<ip>", ":"),
    (r"\b0x[0-9a-fA-F]+\b", "<hex>", "0x"),
    (r"\b\d+\b", "<n>", None),
    (r"\bPhase_(\d)", r"Phase \1", "Phase_"),
)

#: Messages equal after this replacement (ids, hex values and numbers made ``#``, with
#: "Phase 1/2" shielded as above) share one template, so templates are computed once per
#: such group: real logs differ mostly in SPIs, request ids and byte counts.
SKELETON_PATTERN: Final = r"\bcgw-[0-9a-fA-F]+\b|\bvpn-[0-9a-fA-F]+\b|\b0x[0-9a-fA-F]+\b|\b\d+\b"

#: Parameters extracted from messages: column -> RE2 patterns, each with one group ``v``;
#: the first pattern that matches a message gives the value.
EXTRACT_PATTERNS: Final = {
    "spi": (r"SPI:\s*(?P<v>0x[0-9a-fA-F]+)",),
    "request_id": (r"\(id=(?P<v>\d+)\)",),
    "retry_count": (r"after (?P<v>\d+) retransmits",),
    "cgw": (r"(?P<v>cgw-[0-9a-fA-F]+)", r"cgw:\s*(?P<v>[^\s,;]+)"),
    "dpd_sequence": (r"sequence number (?P<v>\d+)",),
}

#: What BGP status and route messages tell besides their event (documented wordings):
#: the new FSM state, a notification's code and reason, the AS numbers of a bad OPEN,
#: the prefix counts of the maximum-prefix messages and the reason a route was denied.
BGP_PATTERNS: Final = {
    "state": r"state has changed from (?P<from>\w+) to (?P<to>\w+)",
    "notification": r"notification (?P<code>\d+/\d+) \((?P<reason>[^)]*)\)",
    "bad_open": r"remote AS is (?P<remote>\d+), expected (?P<expected>\d+)",
    "prefixes": r"received (?P<received>\d+) prefixes from neighbor \S+, limit is (?P<limit>\d+)",
    "denied": r"^DENIED due to: (?P<reason>.+?)\s*$",
}
#: BGP finite-state-machine states (RFC 4271 section 8), in the order a session comes up.
BGP_STATES: Final = ("Idle", "Connect", "Active", "OpenSent", "OpenConfirm", "Established")


@dataclass(frozen=True)
class BgpFacts:
    """What one BGP message says besides its event (see :data:`BGP_PATTERNS`)."""

    state: str | None  # the FSM state a state-change message names as the new one
    detail: str | None  # notification code and reason, both AS numbers, prefix counts
    denied: str | None  # why a route was denied


@lru_cache(maxsize=1)
def _bgp_compiled() -> dict[str, re.Pattern[str]]:
    return {k: re.compile(p) for k, p in BGP_PATTERNS.items()}


def bgp_facts(message: str) -> BgpFacts:
    """Return what a BGP status or route message says: new state, cause detail, denial.

    Run once per distinct message (analyses parse the categories of ``details``).

    Parameters
    ----------
    message : str
        A verbatim ``details`` of a BGP record.

    Returns
    -------
    BgpFacts
        ``state`` (one of :data:`BGP_STATES` or None), ``detail`` (e.g. ``"6/2
        Cease/Administrative Shutdown"``, ``"remote AS 65001, expected AS 65000"``,
        ``"received 120 prefixes, limit 100"``) and ``denied`` (the reason), None where
        the message says nothing of it.

    Examples
    --------
    >>> bgp_facts("AWS-side peer sent a notification 6/4 (Cease/Administrative Reset) "
    ...           "to neighbor 169.254.10.1").detail
    '6/4 Cease/Administrative Reset'
    """
    pat = _bgp_compiled()
    state = detail = denied = None
    if m := pat["state"].search(message):
        state = m["to"] if m["to"] in BGP_STATES else None
    if m := pat["notification"].search(message):
        detail = f"{m['code']} {m['reason']}"
    elif m := pat["bad_open"].search(message):
        detail = f"remote AS {m['remote']}, expected AS {m['expected']}"
    elif m := pat["prefixes"].search(message):
        detail = f"received {m['received']} prefixes, limit {m['limit']}"
    if m := pat["denied"].search(message):
        denied = m["reason"]
    return BgpFacts(state, detail, denied)


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[re.Pattern[str], Rule], ...]:
    return tuple((re.compile(r.pattern), r) for r in RULES)


@lru_cache(maxsize=1)
def _compiled_templates() -> tuple[tuple[re.Pattern[str], str, str | None], ...]:
    return tuple((re.compile(p), repl, lit) for p, repl, lit in TEMPLATE_RULES)


def template(message: str) -> str:
    """Return the normalised template of a message (ids, addresses, numbers replaced).

    Parameters
    ----------
    message : str
        A verbatim ``details`` message.

    Returns
    -------
    str
        The template, e.g. ``"AWS tunnel DPD timed out after <n> retransmits"``.

    Examples
    --------
    >>> template("AWS tunnel received DELETE for Phase 2 SA with SPI: 0xdb3ca7bb")
    'AWS tunnel received DELETE for Phase 2 SA with SPI: <hex>'
    """
    for pattern, repl, literal in _compiled_templates():
        if literal is None or literal in message:
            message = pattern.sub(repl, message)
    return message


def classify(message: str) -> Rule | None:
    """Return the first catalogue rule that matches a message or template, else ``None``.

    Parameters
    ----------
    message : str
        A verbatim message or its template.

    Returns
    -------
    Rule or None
        The matching rule; ``None`` means the event is ``unknown``.

    Examples
    --------
    >>> classify("AWS tunnel DPD timed out after 3 retransmits").event
    'dpd_timeout'
    """
    for pattern, rule in _compiled():
        if pattern.search(message):
            return rule
    return None


def classify_many(messages: Iterable[str]) -> list[Rule | None]:
    """Classify many distinct messages or templates (one regex scan each).

    Parameters
    ----------
    messages : iterable of str
        Distinct messages or templates.

    Returns
    -------
    list of Rule or None
        One entry per message, in order.
    """
    return [classify(m) for m in messages]


def message_catalog() -> pd.DataFrame:
    """Return the message catalogue as a table users can read and search.

    Returns
    -------
    pandas.DataFrame
        One row per rule, in matching order (the first rule that matches wins), columns
        ``event``, ``pattern``, ``severity``, ``ike_version``, ``provenance``
        (``documented`` by the AWS user guide, ``observed`` in a real capture, or
        ``inferred`` by analogy), ``source`` (which page or capture, or what an inferred
        rule is inferred from), ``meaning``, ``remediation``.

    Examples
    --------
    >>> cat = message_catalog()
    >>> cat.loc[cat.event == "psk_mismatch", "ike_version"].tolist()
    ['v1', 'v2']
    >>> cat.loc[cat.provenance == "inferred", "event"].nunique()
    4
    """
    return pd.DataFrame(
        {
            "event": [r.event for r in RULES],
            "pattern": [r.pattern for r in RULES],
            "severity": [r.severity for r in RULES],
            "ike_version": pd.array([r.ike_version for r in RULES], dtype="string"),
            "provenance": pd.Categorical(
                [r.provenance for r in RULES], categories=list(PROVENANCES)
            ),
            "source": [r.source for r in RULES],
            "meaning": [r.meaning for r in RULES],
            "remediation": [r.remediation for r in RULES],
        }
    )


# --- plain-language labels ------------------------------------------------------------------
#: Labels of outage causes that are not events (BGP and reachability outages);
#: :func:`event_label` knows them too.
CAUSE_ONLY_LABELS: Final = {
    "ipsec_down": "IPsec tunnel down",
    "bgp_no_routes": "BGP up without routes",
}

#: The plain-language label of every event name (one place for all presentation), read
#: from the registry: the outage causes by hand, the other families their name in words
#: ("packet_sent" -> "packet sent").
EVENT_LABELS: Final[dict[str, str]] = {e.name: e.label for e in EVENTS}


def event_label(event: str) -> str:
    """Return the plain-language label of an event name (its words if not catalogued).

    Parameters
    ----------
    event : str
        An ``event`` value, e.g. ``"dpd_timeout"``.

    Returns
    -------
    str
        For example ``"DPD timeout (peer silent)"``.

    Examples
    --------
    >>> event_label("psk_mismatch")
    'pre-shared key mismatch'
    """
    return EVENT_LABELS.get(event) or CAUSE_ONLY_LABELS.get(event, event.replace("_", " "))
