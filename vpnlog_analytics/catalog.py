r"""The message catalogue: every known tunnel and BGP log message, and how to classify one.

Each rule names an event, the pattern that recognises it, its severity, the IKE version
it implies, what it means in plain language and what to change. The documented messages
of the AWS Site-to-Site VPN user guide map to the public event names of DESIGN.md
section 3; the verbose families real tunnels log besides them (packet chatter, SA
establishment, proposal selection, IKEv1 Quick Mode, the DPD keep-alives of NAT-T
tunnels) have names too. Every other line is classified ``unknown`` and keeps its
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

__all__ = [
    "BGP_PATTERNS",
    "BGP_STATES",
    "DOCUMENTED",
    "EVENT_LABELS",
    "EVENT_NAMES",
    "EXTRACT_PATTERNS",
    "INFERRED",
    "OBSERVED",
    "PROVENANCES",
    "RULES",
    "TEMPLATE_RULES",
    "BgpFacts",
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
    """One entry of the catalogue.

    Attributes
    ----------
    event : str
        The event name rows matching the rule get (:data:`EVENT_NAMES`).
    pattern : str
        Regular expression searched in the message (and in its template).
    severity : str
        ``error``, ``warning`` or ``info``.
    ike_version : str or None
        ``v1`` or ``v2`` when the wording implies it.
    meaning, remediation : str
        What the message means in plain language, and what to change (may be empty).
    provenance : str
        Where the wording comes from: ``documented`` (the AWS user guide), ``observed``
        (a real capture) or ``inferred`` (a guess by analogy, kept and flagged). The
        default is the cautious one: a rule that names no source is a guess.
    source : str
        Which page or capture, or for an inferred rule what it is inferred from.
    """

    event: str
    pattern: str
    severity: str
    ike_version: str | None
    meaning: str
    remediation: str
    provenance: str = INFERRED
    source: str = ""

    def __post_init__(self) -> None:
        """Reject a provenance outside :data:`PROVENANCES`."""
        if self.provenance not in PROVENANCES:
            raise ValueError(
                f"rule {self.event!r}: provenance={self.provenance!r}, choose one of "
                + ", ".join(PROVENANCES)
            )

    @property
    def documented(self) -> bool:
        """Whether the AWS user guide documents this wording."""
        return self.provenance == DOCUMENTED


_PSK_FIX = (
    "Configure the same pre-shared key on the customer gateway and on the tunnel "
    "(Tunnel options > Pre-shared key). After a change on either side, update the other "
    "before the next negotiation; keys may only contain letters, digits, '.' and '_'."
)
_PROPOSAL_FIX = (
    "Configure the customer gateway with encryption, integrity and DH-group values the "
    "tunnel allows (e.g. AES-128/256 or AES-GCM, SHA-2, DH groups 14-24) and restrict "
    "the tunnel options to the same set; AWS does not accept legacy choices such as 3DES."
)
_DPD_FIX = (
    "Check reachability of the customer gateway's outside address on UDP 500/4500 and the "
    "internet path; make sure the gateway answers DPD (R-U-THERE) messages. If the tunnel "
    "is idle-sensitive, lengthen the DPD timeout or set the DPD timeout action to "
    "'restart' so AWS renegotiates instead of leaving the tunnel down."
)
_REKEY_FIX = (
    "Avoid both sides rekeying at once: give the customer gateway shorter lifetimes than "
    "the tunnel (so one side always initiates), or set the tunnel's startup action and "
    "rekey margin/fuzz so AWS initiates; keep Phase 2 lifetimes unequal by a margin."
)

RULES: Final[tuple[Rule, ...]] = (
    # --- documented errors -----------------------------------------------------------
    Rule(
        "dpd_timeout",
        r"Peer is not responsive - Declaring peer dead",
        "error",
        "v1",
        "The customer gateway stopped answering Dead Peer Detection; AWS declared the peer "
        "dead and applied the DPD timeout action (the tunnel goes down).",
        _DPD_FIX,
        provenance=DOCUMENTED,
        source=_GUIDE_V1,
    ),
    Rule(
        "dpd_timeout",
        r"DPD timed out after \S+ retransmits",
        "error",
        "v2",
        "The customer gateway did not answer DPD after the logged number of retransmits; "
        "AWS applied the DPD timeout action (the tunnel goes down).",
        _DPD_FIX,
        provenance=DOCUMENTED,
        source=_GUIDE_V2,
    ),
    Rule(
        "psk_mismatch",
        r"payload decryption was unsuccessful due to invalid Pre-shared Key",
        "error",
        "v1",
        "AWS could not decrypt the peer's Phase 1 payload: the pre-shared keys differ.",
        _PSK_FIX,
        provenance=DOCUMENTED,
        source=_GUIDE_V1,
    ),
    Rule(
        "psk_mismatch",
        r"detected a pre-shared key mismatch with cgw",
        "error",
        "v2",
        "The pre-shared key of the customer gateway differs from the tunnel's.",
        _PSK_FIX,
        provenance=DOCUMENTED,
        source=_GUIDE_V2,
    ),
    Rule(
        "auth_failed",
        r"sending AUTHENTICATION_FAILED as the response",
        "error",
        "v2",
        "AWS could not authenticate the peer's IKE_AUTH message (wrong pre-shared key, "
        "identity or certificate).",
        "Check the pre-shared key or certificate and the IKE identity (local/remote ID) "
        "configured on the customer gateway against the tunnel options.",
        provenance=DOCUMENTED,
        source=_GUIDE_V2,
    ),
    Rule(
        "no_proposal_chosen",
        r"No Proposal Match Found\. Notifying with \"?No proposal chosen\"?",
        "error",
        None,
        "The peers share no acceptable proposal; AWS told the gateway 'No proposal chosen'.",
        _PROPOSAL_FIX,
        provenance=DOCUMENTED,
        source=_GUIDE_V1_V2,
    ),
    Rule(
        "no_proposal_match",
        r"No Proposal Match Found by AWS",
        "error",
        None,
        "The gateway proposed algorithms (encryption, integrity, DH group) that the tunnel "
        "does not allow, for example 3DES.",
        _PROPOSAL_FIX,
        provenance=DOCUMENTED,
        source=_GUIDE_V1_V2,
    ),
    Rule(
        "ts_unacceptable",
        r"TS_UNACCEPTABLE",
        "error",
        "v2",
        "The traffic selectors (encryption domain) of the two sides do not match.",
        "Configure identical local and remote CIDRs on both sides: the tunnel's "
        "local/remote IPv4 network CIDR options and the gateway's policy or selectors "
        "(0.0.0.0/0 on both for route-based VPNs).",
        provenance=DOCUMENTED,
        source=_GUIDE_V2,
    ),
    Rule(
        "phase2_failed",
        r"Phase 2 was unable to establish while keeping Phase 1",
        "error",
        "v2",
        "Phase 1 is up but the CHILD_SA (Phase 2) could not be negotiated, typically a "
        "Phase 2 proposal or PFS group mismatch.",
        "Align the Phase 2 encryption, integrity and DH (PFS) group settings of the gateway "
        "with the tunnel options.",
        provenance=DOCUMENTED,
        source=_GUIDE_V2,
    ),
    Rule(
        "phase1_timeout",
        r"Timeout: deleting un-established Phase 1 IKE_SA",
        "error",
        "v2",
        "A Phase 1 negotiation was started but the peer never completed it; AWS deleted the "
        "half-open IKE_SA.",
        "Check that the gateway completes IKE_SA_INIT/IKE_AUTH: reachability on UDP "
        "500/4500, NAT in the path, matching IKE version and Phase 1 proposals.",
        provenance=DOCUMENTED,
        source=_GUIDE_V2,
    ),
    Rule(
        "rekey_collision",
        r"detected a \(CHILD_REKEY\) collision as CHILD_DELETE",
        "warning",
        "v2",
        "Both sides rekeyed the same CHILD_SA at once and the gateway deleted the SA that "
        "was being rekeyed.",
        _REKEY_FIX,
        provenance=DOCUMENTED,
        source=_GUIDE_V2,
    ),
    Rule(
        "redundant_sa_deleted",
        r"redundant SA is being deleted due to detected collision",
        "warning",
        "v2",
        "A rekey collision created duplicate SAs; the redundant one is closed (RFC 7296 "
        "nonce comparison).",
        _REKEY_FIX,
        provenance=DOCUMENTED,
        source=_GUIDE_V2,
    ),
    Rule(
        "cgw_delete_ike_sa",
        r"received DELETE for IKE_SA from CGW",
        "warning",
        None,
        "The customer gateway deleted the IKE (Phase 1) SA: the tunnel goes down until it "
        "renegotiates.",
        "If unplanned, check the gateway's logs for why it tore the tunnel down (reload, "
        "policy change, idle timeout, its own DPD).",
        provenance=DOCUMENTED,
        source=_GUIDE_V1_V2,
    ),
    Rule(
        "cgw_delete_child_sa",
        r"received DELETE for Phase 2 SA with SPI",
        "info",
        None,
        "The customer gateway deleted a Phase 2 SA; routine after a rekey, a problem only "
        "when no new SA follows.",
        "No action when a new Phase 2 SA was established just before; otherwise check the "
        "gateway's Phase 2 lifetime and idle timers.",
        provenance=DOCUMENTED,
        source=f"{_GUIDE_V1_V2}; also in the {_CAPTURE_V1}",
    ),
    # --- negotiation (IKEv2 CREATE_CHILD_SA, IKEv1 Quick Mode) ----------------------------
    Rule(
        "child_sa_request_received",
        r"processed request \(id=\S+\) for CREATE_CHILD_SA",
        "info",
        "v2",
        "AWS received a CREATE_CHILD_SA request from the gateway (gateway-initiated rekey).",
        "",
        provenance=DOCUMENTED,
        source=_GUIDE_NEGOTIATION,
    ),
    Rule(
        "child_sa_response_sent",
        r"is sending response \(id=\S+\) for CREATE_CHILD_SA",
        "info",
        "v2",
        "AWS answered the gateway's CREATE_CHILD_SA request.",
        "",
        provenance=DOCUMENTED,
        source=_GUIDE_NEGOTIATION,
    ),
    Rule(
        "child_sa_request_sent",
        r"is sending request \(id=\S+\) for CREATE_CHILD_SA",
        "info",
        "v2",
        "AWS started a CREATE_CHILD_SA exchange (AWS-initiated rekey).",
        "",
        provenance=DOCUMENTED,
        source=_GUIDE_NEGOTIATION,
    ),
    Rule(
        "child_sa_response_received",
        r"processed response \(id=\S+\) for CREATE_CHILD_SA",
        "info",
        "v2",
        "The gateway answered AWS's CREATE_CHILD_SA request.",
        "",
        provenance=DOCUMENTED,
        source=_GUIDE_NEGOTIATION,
    ),
    Rule(
        "child_sa_request_received",
        r"processed request \(id=\S+\) for Quick Mode",
        "info",
        "v1",
        "AWS received an IKEv1 Quick Mode message from the gateway (Phase 2 negotiation).",
        "",
        provenance=OBSERVED,
        source=_CAPTURE_V1,
    ),
    Rule(
        "child_sa_response_sent",
        r"is sending response \(id=\S+\) for Quick Mode",
        "info",
        "v1",
        "AWS answered the gateway's Quick Mode message.",
        "",
        provenance=OBSERVED,
        source=_CAPTURE_V1,
    ),
    Rule(
        "child_sa_request_sent",
        r"is sending request \(id=\S+\) for Quick Mode",
        "info",
        "v1",
        "AWS started an IKEv1 Quick Mode exchange (AWS-initiated Phase 2 negotiation).",
        "",
        provenance=INFERRED,
        source=_BY_ANALOGY_QM,
    ),
    Rule(
        "child_sa_response_received",
        r"processed response \(id=\S+\) for Quick Mode",
        "info",
        "v1",
        "The gateway answered AWS's Quick Mode message.",
        "",
        provenance=INFERRED,
        source=_BY_ANALOGY_QM,
    ),
    # --- verbose, undocumented families seen in real logs -------------------------------
    Rule(
        "packet_sent",
        r"^sending packet: from \S+ \[\S+ \S+\] to \S+ \[\S+ \S+\]",
        "info",
        None,
        "An IKE packet sent to the gateway (DPD, keep-alive or negotiation traffic).",
        "",
        provenance=OBSERVED,
        source=_CAPTURE_V1,
    ),
    Rule(
        "packet_received",
        r"^received packet: from \S+ \[\S+ \S+\] to \S+ \[\S+ \S+\]",
        "info",
        None,
        "An IKE packet received from the gateway.",
        "",
        provenance=OBSERVED,
        source=_CAPTURE_V1,
    ),
    Rule(
        "proposals_selected",
        r"has selected proposals for Phase \S+ SA",
        "info",
        None,
        "AWS accepted one of the gateway's proposals for the SA being negotiated.",
        "",
        provenance=OBSERVED,
        source=f"{_CAPTURE_V1} (Phase 2; Phase 1 by analogy)",
    ),
    Rule(
        "phase2_sa_established",
        r"Phase 2 SA is established with inbound SPI",
        "info",
        None,
        "A Phase 2 (CHILD/IPsec) SA is up, with its inbound and outbound SPIs and traffic "
        "selectors.",
        "",
        provenance=OBSERVED,
        source=_CAPTURE_V1,
    ),
    Rule(
        "phase1_sa_established",
        r"Phase 1 (?:IKE_)?SA is established",
        "info",
        None,
        "The Phase 1 (IKE) SA with the gateway is up.",
        "",
        provenance=INFERRED,
        source="no real example: by analogy with the observed Phase 2 SA line",
    ),
    Rule(
        "child_sa_closing",
        r"is closing CHILD_SA with inbound SPI",
        "info",
        None,
        "AWS closes a Phase 2 SA (after a rekey replaced it, or on a delete).",
        "",
        provenance=OBSERVED,
        source=_CAPTURE_V1,
    ),
    Rule(
        "ike_sa_closing",
        r"is closing (?:IKE_SA|Phase 1)",
        "info",
        None,
        "AWS closes the Phase 1 (IKE) SA.",
        "",
        provenance=INFERRED,
        source="no real example: by analogy with the observed CHILD_SA closing line",
    ),
    # --- DPD keep-alives (observed on NAT-T tunnels, every ~10 s, in pairs) -----------------
    Rule(
        "dpd_request_sent",
        r"is sending (?:a )?DPD request",
        "info",
        None,
        "AWS sent a Dead Peer Detection keep-alive (R-U-THERE) to the gateway; behind NAT "
        "these come about every 10 s and keep the NAT mapping open. The sequence number, "
        "when logged, is echoed by the gateway's ACK.",
        "",
        provenance=OBSERVED,
        source=_CAPTURE_NAT_T,
    ),
    Rule(
        "dpd_ack_received",
        r"CGW sent DPD ACK",
        "info",
        None,
        "The gateway answered a DPD keep-alive (R-U-THERE-ACK), echoing the request's "
        "sequence number: the peer is alive.",
        "",
        provenance=OBSERVED,
        source=_CAPTURE_NAT_T,
    ),
    # --- BGP status -----------------------------------------------------------------------
    Rule(
        "bgp_session_up",
        r"BGP session state has changed from \S+ to Established",
        "info",
        None,
        "The BGP session over the tunnel reached Established: routes can be exchanged.",
        "",
        provenance=DOCUMENTED,
        source=_GUIDE_BGP,
    ),
    Rule(
        "bgp_session_down",
        r"BGP session state has changed from Established to \S+",
        "error",
        None,
        "The BGP session left Established: routes over this tunnel are withdrawn.",
        "Check the gateway's BGP configuration (ASN, neighbor 169.254.x.x address, hold "
        "time) and whether the tunnel itself went down first.",
        provenance=DOCUMENTED,
        source=_GUIDE_BGP,
    ),
    Rule(
        "bgp_state_change",
        r"BGP session state has changed from \S+ to \S+",
        "info",
        None,
        "An intermediate BGP finite-state-machine step (Idle, Connect, Active, OpenSent, "
        "OpenConfirm).",
        "",
        provenance=DOCUMENTED,
        source=_GUIDE_BGP,
    ),
    Rule(
        "bgp_hold_timer_expired",
        r"Hold Timer Expired",
        "error",
        None,
        "No BGP keepalive arrived within the hold time; the session was reset.",
        "Check packet loss on the tunnel and that the gateway sends keepalives; align hold "
        "timers (AWS uses 30 s).",
        provenance=DOCUMENTED,
        source=_GUIDE_BGP,
    ),
    Rule(
        "bgp_max_prefix_exceeded",
        r"maximum prefix limit was exceeded",
        "error",
        None,
        "The gateway advertised more prefixes than the limit; the session is torn down.",
        "Summarise the routes advertised from the gateway (AWS accepts up to 100 per "
        "session) or filter them.",
        provenance=DOCUMENTED,
        source=_GUIDE_BGP,
    ),
    Rule(
        "bgp_max_prefix_warning",
        r"maximum prefix limit warning",
        "warning",
        None,
        "The gateway advertises close to the prefix limit.",
        "Summarise routes before the limit is reached and the session drops.",
        provenance=DOCUMENTED,
        source=_GUIDE_BGP,
    ),
    Rule(
        "bgp_bad_open",
        r"detected a bad OPEN message",
        "error",
        None,
        "The gateway's BGP OPEN carried an unexpected AS number.",
        "Set the gateway's BGP ASN to the customer gateway's configured ASN.",
        provenance=DOCUMENTED,
        source=_GUIDE_BGP,
    ),
    Rule(
        "bgp_notification_sent",
        r"peer sent a notification \S+ \(Cease/",
        "warning",
        None,
        "AWS closed the BGP session with a Cease notification (reason in the message).",
        "Act on the Cease sub-code: prefix limit, administrative reset, configuration "
        "change or connection collision.",
        provenance=DOCUMENTED,
        source=_GUIDE_BGP,
    ),
    Rule(
        "bgp_notification_received",
        r"peer received notification \S+ \(Cease/",
        "warning",
        None,
        "The gateway closed the BGP session with a Cease notification.",
        "See the gateway's BGP logs for why it ceased the session.",
        provenance=DOCUMENTED,
        source=_GUIDE_BGP,
    ),
    Rule(
        "bgp_open",
        r"(?:received|sent) an OPEN message",
        "info",
        None,
        "A BGP OPEN message was exchanged while the session comes up.",
        "",
        provenance=DOCUMENTED,
        source=_GUIDE_BGP,
    ),
    Rule(
        "bgp_connect",
        r"is initiating a connection",
        "info",
        None,
        "AWS is opening the BGP TCP connection to the neighbor.",
        "",
        provenance=DOCUMENTED,
        source=_GUIDE_BGP,
    ),
    Rule(
        "bgp_end_of_rib",
        r"sent an End-of-RIB message",
        "info",
        None,
        "AWS finished sending its routes to the neighbor.",
        "",
        provenance=DOCUMENTED,
        source=_GUIDE_BGP,
    ),
    Rule(
        "bgp_update_received",
        r"received update with attributes",
        "info",
        None,
        "A BGP UPDATE arrived from the neighbor.",
        "",
        provenance=DOCUMENTED,
        source=_GUIDE_BGP,
    ),
    Rule(
        "route_denied",
        r"^DENIED due to:",
        "warning",
        None,
        "A route from the gateway was rejected (own AS in the path, or a next hop that is "
        "not connected).",
        "Fix the advertised route: no AWS-side ASN in the AS path, next hop = the tunnel's "
        "inside address of the gateway.",
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
#: Short plain-language names of the events that explain outages (chart legends, report
#: and explorer tables, outage annotations).
_CAUSE_LABELS: Final = {
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
}

#: The plain-language label of every event name (one place for all presentation): the
#: outage causes by hand, the other families their name in words ("packet_sent" ->
#: "packet sent"). Kept apart from :data:`RULES` so a rule stays (event, pattern, ...).
EVENT_LABELS: Final[dict[str, str]] = {
    name: _CAUSE_LABELS.get(name, name.replace("_", " ")) for name in s.EVENT_NAMES
}


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
    return EVENT_LABELS.get(event, event.replace("_", " "))
