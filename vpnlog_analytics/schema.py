"""The events table and the analysis results: column names, dtypes, values, raw keys.

Everything that names a column of the events table, a raw key of a log record
(:data:`RAW_KEYS`, the raw -> canonical key map) or a column or value of an analysis result
(the "result columns" block at the end) is declared here once (see DESIGN.md section 2).
Other modules import these names instead of spelling them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd

from .errors import SchemaError
from .options import WINDOW_COLUMNS

__all__ = [
    "BGP_TYPES",
    "CONNECTION_STATE_VALUES",
    "EVENT_COLUMNS",
    "EVENTS",
    "EVENT_NAMES",
    "EVENT_SPECS",
    "IKE_VERSIONS",
    "LEVELS",
    "LOG_TYPES",
    "RAW_KEYS",
    "RAW_KEY_ALIASES",
    "SEVERITIES",
    "STATES",
    "STATE_VALUES",
    "TUNNEL_KEYS",
    "TUNNEL_OPTION_COLUMNS",
    "TUNNEL_OPTIONS_SHOWN",
    "TUNNEL_OPTION_SPECS",
    "UP_STATES",
    "EventSpec",
    "StreamId",
    "TunnelOptionSpec",
    "empty_events",
    "events_dtypes",
    "parse_stream_name",
    "stream_name",
    "stream_name_in",
    "validate_events",
]

# --- column names ---------------------------------------------------------------------
TIME: Final = "time"
VPN_CONNECTION_ID: Final = "vpn_connection_id"
TUNNEL_IP: Final = "tunnel_ip"
LOG_TYPE: Final = "log_type"
PHASE1_STATE: Final = "phase1_state"
PHASE2_STATE: Final = "phase2_state"
DPD_ENABLED: Final = "dpd_enabled"
NAT_T_DETECTED: Final = "nat_t_detected"
TUNNEL_UP: Final = "tunnel_up"
DETAILS: Final = "details"
EVENT: Final = "event"
SEVERITY: Final = "severity"
IKE_VERSION: Final = "ike_version"
TEMPLATE: Final = "template"
SPI: Final = "spi"
REQUEST_ID: Final = "request_id"
RETRY_COUNT: Final = "retry_count"
CGW: Final = "cgw"
DPD_SEQUENCE: Final = "dpd_sequence"
BGP_TYPE: Final = "bgp_type"
BGP_STATUS: Final = "bgp_status"
BGP_PREFIX: Final = "bgp_prefix"
BGP_AS_PATH: Final = "bgp_as_path"
BGP_LOCAL_PREF: Final = "bgp_local_pref"
BGP_MED: Final = "bgp_med"
BGP_NEXT_HOP_IP: Final = "bgp_next_hop_ip"
BGP_WEIGHT: Final = "bgp_weight"
LOG_GROUP: Final = "log_group"
LOG_STREAM: Final = "log_stream"
SOURCE: Final = "source"

#: A tunnel is identified by these two columns.
TUNNEL_KEYS: Final = (VPN_CONNECTION_ID, TUNNEL_IP)

# --- value sets -------------------------------------------------------------------------
#: IKE phase states as logged (lower case), in order of "healthiness".
STATES: Final = ("established", "rekeying", "negotiating", "down")
#: Phase states in which traffic flows.
UP_STATES: Final = frozenset({"established", "rekeying"})
SEVERITIES: Final = ("error", "warning", "info")
IKE_VERSIONS: Final = ("v1", "v2")
LOG_TYPES: Final = ("tunnel", "bgp")
BGP_TYPES: Final = ("BGPStatus", "RouteStatus")
BGP_STATUSES: Final = ("UP", "DOWN", "ADVERTISED", "UPDATED", "WITHDRAWN")


# --- events -----------------------------------------------------------------------------
_TUNNEL, _BGP = LOG_TYPES


@dataclass(frozen=True)
class EventSpec:
    """One event of the registry: its name and everything said about it, once.

    The message catalogue (:mod:`.catalog`) holds the patterns that give an event (each
    :class:`~vpnlog_analytics.catalog.Rule` names its event); labels, the cause rankings of
    analysis and the diagnosis texts are read from here.

    Attributes
    ----------
    name : str
        The ``event`` value (public, DESIGN.md section 3).
    log_type : str or None
        The records that carry it, ``tunnel`` or ``bgp``; None for ``unknown``.
    severity : str
        ``error``, ``warning`` or ``info``: the ``severity`` of its rows.
    label : str
        Its short plain-language name (chart legends, report and explorer tables, outage
        causes); by default its name in words (``"packet_sent"`` -> ``"packet sent"``).
    cause_rank : int or None
        Its place among the causes of an outage of its log type, 0 the most specific (the
        first in this order wins when several fall in an outage's look-back); None when it
        never names the cause of an outage.
    meaning : str
        What a record of it means in plain language; a rule may say it more precisely for
        its own wording (IKEv1 and IKEv2 lines of one event).
    remediation : str
        What to change on the customer gateway or the tunnel options; empty for routine
        events.
    finding : str or None
        The diagnosis rule that reports it (the ``rule`` column of ``diagnose``).
    title : str or None
        The title of that finding, where the finding is about this event alone.
    finding_meaning, finding_remediation : str or None
        What the finding says it means and what to change, where it says more than one
        record does; None: the record's :attr:`meaning` and :attr:`remediation`.
    """

    name: str
    log_type: str | None
    severity: str
    label: str = ""
    cause_rank: int | None = None
    meaning: str = ""
    remediation: str = ""
    finding: str | None = None
    title: str | None = None
    finding_meaning: str | None = None
    finding_remediation: str | None = None

    def __post_init__(self) -> None:
        """Check the value sets, and give an event without a label its name in words."""
        if self.severity not in SEVERITIES:
            raise ValueError(
                f"event {self.name!r}: severity={self.severity!r}, choose one of "
                + ", ".join(SEVERITIES)
            )
        if self.log_type is not None and self.log_type not in LOG_TYPES:
            raise ValueError(
                f"event {self.name!r}: log_type={self.log_type!r}, choose one of "
                + ", ".join(LOG_TYPES)
                + " or None"
            )
        if not self.label:
            object.__setattr__(self, "label", self.name.replace("_", " "))


_PROPOSAL_FIX = (
    "Configure the customer gateway with encryption, integrity and DH-group values the "
    "tunnel allows (e.g. AES-128/256 or AES-GCM, SHA-2, DH groups 14-24) and restrict "
    "the tunnel options to the same set; AWS does not accept legacy choices such as 3DES."
)
_REKEY_FIX = (
    "Avoid both sides rekeying at once: give the customer gateway shorter lifetimes than "
    "the tunnel (so one side always initiates), or set the tunnel's startup action and "
    "rekey margin/fuzz so AWS initiates; keep Phase 2 lifetimes unequal by a margin."
)
_PREFIX_FIX = (
    "Advertise fewer routes: summarise them into aggregates and filter what the gateway "
    "sends to AWS (a virtual private gateway accepts up to 100 propagated routes per "
    "route table; see the Site-to-Site VPN quotas), then clear the session."
)

#: The event registry: every event the classifier gives (DESIGN.md section 3), each
#: declared once, in catalogue order with ``unknown`` last. The cause ranks put the
#: specific first: configuration mismatches name the setting to fix; a half-open Phase 1
#: names the negotiation step; a DPD timeout names only a symptom (the peer went silent);
#: a delete from the gateway says who, not why; collisions rarely take a tunnel down. BGP
#: causes: its error events, then a session down with no reason logged.
EVENTS: Final[tuple[EventSpec, ...]] = (
    # --- documented errors -----------------------------------------------------------------------
    EventSpec(
        name="dpd_timeout",
        log_type=_TUNNEL,
        severity="error",
        label="DPD timeout (peer silent)",
        cause_rank=7,
        meaning=(
            "The customer gateway stopped answering Dead Peer Detection; AWS declared the peer "
            "dead and applied the DPD timeout action (the tunnel goes down)."
        ),
        remediation=(
            "Check reachability of the customer gateway's outside address on UDP 500/4500 and "
            "the internet path; make sure the gateway answers DPD (R-U-THERE) messages. If the "
            "tunnel is idle-sensitive, lengthen the DPD timeout or set the DPD timeout action to "
            "'restart' so AWS renegotiates instead of leaving the tunnel down."
        ),
        finding="dpd_timeouts",
    ),
    EventSpec(
        name="psk_mismatch",
        log_type=_TUNNEL,
        severity="error",
        label="pre-shared key mismatch",
        cause_rank=0,
        meaning="AWS could not decrypt the peer's Phase 1 payload: the pre-shared keys differ.",
        remediation=(
            "Configure the same pre-shared key on the customer gateway and on the tunnel (Tunnel "
            "options > Pre-shared key). After a change on either side, update the other before "
            "the next negotiation; keys may only contain letters, digits, '.' and '_'."
        ),
        finding="config_mismatch",
        title="Pre-shared key mismatch",
    ),
    EventSpec(
        name="auth_failed",
        log_type=_TUNNEL,
        severity="error",
        label="authentication failed",
        cause_rank=1,
        meaning=(
            "AWS could not authenticate the peer's IKE_AUTH message (wrong pre-shared key, "
            "identity or certificate)."
        ),
        remediation=(
            "Check the pre-shared key or certificate and the IKE identity (local/remote ID) "
            "configured on the customer gateway against the tunnel options."
        ),
        finding="config_mismatch",
        title="IKE authentication failed",
    ),
    EventSpec(
        name="no_proposal_chosen",
        log_type=_TUNNEL,
        severity="error",
        cause_rank=3,
        meaning=(
            "The peers share no acceptable proposal; AWS told the gateway 'No proposal chosen'."
        ),
        remediation=_PROPOSAL_FIX,
        finding="config_mismatch",
        title="No proposal chosen",
    ),
    EventSpec(
        name="no_proposal_match",
        log_type=_TUNNEL,
        severity="error",
        label="no matching proposal",
        cause_rank=2,
        meaning=(
            "The gateway proposed algorithms (encryption, integrity, DH group) that the tunnel "
            "does not allow, for example 3DES."
        ),
        remediation=_PROPOSAL_FIX,
        finding="config_mismatch",
        title="No matching proposal (AWS rejected the gateway's algorithms)",
    ),
    EventSpec(
        name="ts_unacceptable",
        log_type=_TUNNEL,
        severity="error",
        label="traffic selectors mismatch",
        cause_rank=4,
        meaning="The traffic selectors (encryption domain) of the two sides do not match.",
        remediation=(
            "Configure identical local and remote CIDRs on both sides: the tunnel's local/remote "
            "IPv4 network CIDR options and the gateway's policy or selectors (0.0.0.0/0 on both "
            "for route-based VPNs)."
        ),
        finding="config_mismatch",
        title="Traffic selectors do not match",
    ),
    EventSpec(
        name="phase2_failed",
        log_type=_TUNNEL,
        severity="error",
        label="Phase 2 failed",
        cause_rank=5,
        meaning=(
            "Phase 1 is up but the CHILD_SA (Phase 2) could not be negotiated, typically a Phase "
            "2 proposal or PFS group mismatch."
        ),
        remediation=(
            "Align the Phase 2 encryption, integrity and DH (PFS) group settings of the gateway "
            "with the tunnel options."
        ),
        finding="config_mismatch",
        title="Phase 2 could not be established",
    ),
    EventSpec(
        name="phase1_timeout",
        log_type=_TUNNEL,
        severity="error",
        label="Phase 1 never completed",
        cause_rank=6,
        meaning=(
            "A Phase 1 negotiation was started but the peer never completed it; AWS deleted the "
            "half-open IKE_SA."
        ),
        remediation=(
            "Check that the gateway completes IKE_SA_INIT/IKE_AUTH: reachability on UDP "
            "500/4500, NAT in the path, matching IKE version and Phase 1 proposals."
        ),
        finding="phase1_incomplete",
        title="Phase 1 negotiations that never complete",
    ),
    EventSpec(
        name="rekey_collision",
        log_type=_TUNNEL,
        severity="warning",
        cause_rank=10,
        meaning=(
            "Both sides rekeyed the same CHILD_SA at once and the gateway deleted the SA that "
            "was being rekeyed."
        ),
        remediation=_REKEY_FIX,
        finding="rekey_collisions",
    ),
    EventSpec(
        name="redundant_sa_deleted",
        log_type=_TUNNEL,
        severity="warning",
        label="redundant SA deleted",
        cause_rank=11,
        meaning=(
            "A rekey collision created duplicate SAs; the redundant one is closed (RFC 7296 "
            "nonce comparison)."
        ),
        remediation=_REKEY_FIX,
        finding="rekey_collisions",
    ),
    EventSpec(
        name="cgw_delete_ike_sa",
        log_type=_TUNNEL,
        severity="warning",
        label="gateway deleted IKE SA",
        cause_rank=8,
        meaning=(
            "The customer gateway deleted the IKE (Phase 1) SA: the tunnel goes down until it "
            "renegotiates."
        ),
        remediation=(
            "If unplanned, check the gateway's logs for why it tore the tunnel down (reload, "
            "policy change, idle timeout, its own DPD)."
        ),
        finding="gateway_delete",
        title="Customer gateway deleted the IKE SA",
    ),
    EventSpec(
        name="cgw_delete_child_sa",
        log_type=_TUNNEL,
        severity="info",
        label="gateway deleted child SA",
        cause_rank=9,
        meaning=(
            "The customer gateway deleted a Phase 2 SA; routine after a rekey, a problem only "
            "when no new SA follows."
        ),
        remediation=(
            "No action when a new Phase 2 SA was established just before; otherwise check the "
            "gateway's Phase 2 lifetime and idle timers."
        ),
    ),
    # --- negotiation (IKEv2 CREATE_CHILD_SA, IKEv1 Quick Mode) -----------------------------------
    EventSpec(
        name="child_sa_request_received",
        log_type=_TUNNEL,
        severity="info",
        meaning=(
            "AWS received a CREATE_CHILD_SA request from the gateway (gateway-initiated rekey)."
        ),
    ),
    EventSpec(
        name="child_sa_response_sent",
        log_type=_TUNNEL,
        severity="info",
        meaning="AWS answered the gateway's CREATE_CHILD_SA request.",
    ),
    EventSpec(
        name="child_sa_request_sent",
        log_type=_TUNNEL,
        severity="info",
        meaning="AWS started a CREATE_CHILD_SA exchange (AWS-initiated rekey).",
    ),
    EventSpec(
        name="child_sa_response_received",
        log_type=_TUNNEL,
        severity="info",
        meaning="The gateway answered AWS's CREATE_CHILD_SA request.",
    ),
    # --- verbose, undocumented families seen in real logs ----------------------------------------
    EventSpec(
        name="packet_sent",
        log_type=_TUNNEL,
        severity="info",
        meaning="An IKE packet sent to the gateway (DPD, keep-alive or negotiation traffic).",
    ),
    EventSpec(
        name="packet_received",
        log_type=_TUNNEL,
        severity="info",
        meaning="An IKE packet received from the gateway.",
    ),
    EventSpec(
        name="proposals_selected",
        log_type=_TUNNEL,
        severity="info",
        meaning="AWS accepted one of the gateway's proposals for the SA being negotiated.",
    ),
    EventSpec(
        name="phase2_sa_established",
        log_type=_TUNNEL,
        severity="info",
        meaning=(
            "A Phase 2 (CHILD/IPsec) SA is up, with its inbound and outbound SPIs and traffic "
            "selectors."
        ),
    ),
    EventSpec(
        name="phase1_sa_established",
        log_type=_TUNNEL,
        severity="info",
        meaning="The Phase 1 (IKE) SA with the gateway is up.",
    ),
    EventSpec(
        name="child_sa_closing",
        log_type=_TUNNEL,
        severity="info",
        meaning="AWS closes a Phase 2 SA (after a rekey replaced it, or on a delete).",
    ),
    EventSpec(
        name="ike_sa_closing",
        log_type=_TUNNEL,
        severity="info",
        meaning="AWS closes the Phase 1 (IKE) SA.",
    ),
    # --- DPD keep-alives (NAT-T tunnels) ---------------------------------------------------------
    EventSpec(
        name="dpd_request_sent",
        log_type=_TUNNEL,
        severity="info",
        meaning=(
            "AWS sent a Dead Peer Detection keep-alive (R-U-THERE) to the gateway; behind NAT "
            "these come about every 10 s and keep the NAT mapping open. The sequence number, "
            "when logged, is echoed by the gateway's ACK."
        ),
    ),
    EventSpec(
        name="dpd_ack_received",
        log_type=_TUNNEL,
        severity="info",
        meaning=(
            "The gateway answered a DPD keep-alive (R-U-THERE-ACK), echoing the request's "
            "sequence number: the peer is alive."
        ),
    ),
    # --- BGP status and routes -------------------------------------------------------------------
    EventSpec(
        name="bgp_session_up",
        log_type=_BGP,
        severity="info",
        meaning="The BGP session over the tunnel reached Established: routes can be exchanged.",
    ),
    EventSpec(
        name="bgp_session_down",
        log_type=_BGP,
        severity="error",
        label="BGP session down",
        cause_rank=5,
        meaning="The BGP session left Established: routes over this tunnel are withdrawn.",
        remediation=(
            "Check the gateway's BGP configuration (ASN, neighbor 169.254.x.x address, hold "
            "time) and whether the tunnel itself went down first."
        ),
    ),
    EventSpec(
        name="bgp_state_change",
        log_type=_BGP,
        severity="info",
        meaning=(
            "An intermediate BGP finite-state-machine step (Idle, Connect, Active, OpenSent, "
            "OpenConfirm)."
        ),
    ),
    EventSpec(
        name="bgp_hold_timer_expired",
        log_type=_BGP,
        severity="error",
        label="BGP hold timer expired",
        cause_rank=2,
        meaning="No BGP keepalive arrived within the hold time; the session was reset.",
        remediation=(
            "Check packet loss on the tunnel and that the gateway sends keepalives; align hold "
            "timers (AWS uses 30 s)."
        ),
        finding="bgp_hold_timer",
        finding_meaning=(
            "No BGP keepalive or update arrived within the 30 s hold time, so AWS reset the "
            "session and dropped the routes learned over it."
        ),
    ),
    EventSpec(
        name="bgp_max_prefix_exceeded",
        log_type=_BGP,
        severity="error",
        label="BGP maximum prefix limit exceeded",
        cause_rank=0,
        meaning="The gateway advertised more prefixes than the limit; the session is torn down.",
        remediation=(
            "Summarise the routes advertised from the gateway (AWS accepts up to 100 per "
            "session) or filter them."
        ),
        finding="bgp_max_prefix",
        title="Maximum prefix limit exceeded",
        finding_meaning=(
            "The gateway advertised more prefixes than the session accepts: AWS sent a Cease "
            "(6/1) and closed the session, dropping every route over the tunnel."
        ),
        finding_remediation=_PREFIX_FIX,
    ),
    EventSpec(
        name="bgp_max_prefix_warning",
        log_type=_BGP,
        severity="warning",
        meaning="The gateway advertises close to the prefix limit.",
        remediation="Summarise routes before the limit is reached and the session drops.",
        finding="bgp_max_prefix",
        title="Near the maximum prefix limit",
        finding_meaning=(
            "The gateway advertises close to the maximum number of prefixes: one more batch of "
            "routes will close the session."
        ),
        finding_remediation=_PREFIX_FIX,
    ),
    EventSpec(
        name="bgp_bad_open",
        log_type=_BGP,
        severity="error",
        label="BGP AS mismatch (bad OPEN)",
        cause_rank=1,
        meaning="The gateway's BGP OPEN carried an unexpected AS number.",
        remediation="Set the gateway's BGP ASN to the customer gateway's configured ASN.",
        finding="bgp_as_mismatch",
        title="BGP AS mismatch in OPEN",
        finding_meaning=(
            "The gateway's BGP OPEN named a different AS than the customer gateway configured in "
            "AWS, so AWS refuses the session: no routes are exchanged over this tunnel."
        ),
        finding_remediation=(
            "Set the gateway's local BGP AS to the expected AS (the BGP ASN of the customer "
            "gateway resource in AWS), or create a customer gateway with the AS the device uses "
            "and move the VPN connection to it."
        ),
    ),
    EventSpec(
        name="bgp_notification_sent",
        log_type=_BGP,
        severity="warning",
        label="BGP Cease sent by AWS",
        cause_rank=3,
        meaning="AWS closed the BGP session with a Cease notification (reason in the message).",
        remediation=(
            "Act on the Cease sub-code: prefix limit, administrative reset, configuration change "
            "or connection collision."
        ),
    ),
    EventSpec(
        name="bgp_notification_received",
        log_type=_BGP,
        severity="warning",
        label="BGP Cease from the gateway",
        cause_rank=4,
        meaning="The gateway closed the BGP session with a Cease notification.",
        remediation="See the gateway's BGP logs for why it ceased the session.",
    ),
    EventSpec(
        name="bgp_open",
        log_type=_BGP,
        severity="info",
        meaning="A BGP OPEN message was exchanged while the session comes up.",
    ),
    EventSpec(
        name="bgp_connect",
        log_type=_BGP,
        severity="info",
        meaning="AWS is opening the BGP TCP connection to the neighbor.",
    ),
    EventSpec(
        name="bgp_end_of_rib",
        log_type=_BGP,
        severity="info",
        meaning="AWS finished sending its routes to the neighbor.",
    ),
    EventSpec(
        name="bgp_update_received",
        log_type=_BGP,
        severity="info",
        meaning="A BGP UPDATE arrived from the neighbor.",
    ),
    EventSpec(
        name="route_denied",
        log_type=_BGP,
        severity="warning",
        meaning=(
            "A route from the gateway was rejected (own AS in the path, or a next hop that is "
            "not connected)."
        ),
        remediation=(
            "Fix the advertised route: no AWS-side ASN in the AS path, next hop = the tunnel's "
            "inside address of the gateway."
        ),
        finding="bgp_routes_denied",
        finding_meaning=(
            "AWS rejected routes the gateway advertised: those prefixes are not reachable over "
            "this tunnel even though the session is up."
        ),
    ),
    EventSpec(
        name="route_advertised",
        log_type=_BGP,
        severity="info",
        meaning=(
            "A RouteStatus ADVERTISED record: a route announced over the session (taken as "
            "received from the gateway; the AWS page does not say the direction)."
        ),
    ),
    EventSpec(
        name="route_updated",
        log_type=_BGP,
        severity="info",
        meaning="A RouteStatus UPDATED record: new attributes for a route already announced.",
    ),
    EventSpec(
        name="route_withdrawn",
        log_type=_BGP,
        severity="info",
        meaning="A RouteStatus WITHDRAWN record: a route is no longer announced.",
    ),
    # --- no rule matched -------------------------------------------------------------------------
    EventSpec(
        name="unknown",
        log_type=None,
        severity="info",
        meaning="A message no rule of the catalogue recognises; its template shows its shape.",
    ),
)

#: The registry by event name.
EVENT_SPECS: Final[dict[str, EventSpec]] = {e.name: e for e in EVENTS}

#: Every event name the classifier gives, in registry order, ``unknown`` last. The
#: patterns that produce them live in :mod:`.catalog`, each rule naming its event.
EVENT_NAMES: Final = tuple(e.name for e in EVENTS)


def _cat(values: tuple[str, ...] | None = None) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(list(values) if values is not None else None)


#: Column order and dtypes of the events table. Open categories (``None``) take whatever
#: values the data has; closed ones are fixed so tables from different loads concatenate
#: without falling back to ``object``.
EVENT_COLUMNS: Final = (
    TIME,
    VPN_CONNECTION_ID,
    TUNNEL_IP,
    LOG_TYPE,
    PHASE1_STATE,
    PHASE2_STATE,
    DPD_ENABLED,
    NAT_T_DETECTED,
    TUNNEL_UP,
    DETAILS,
    EVENT,
    SEVERITY,
    IKE_VERSION,
    TEMPLATE,
    SPI,
    REQUEST_ID,
    RETRY_COUNT,
    CGW,
    DPD_SEQUENCE,
    BGP_TYPE,
    BGP_STATUS,
    BGP_PREFIX,
    BGP_AS_PATH,
    BGP_LOCAL_PREF,
    BGP_MED,
    BGP_NEXT_HOP_IP,
    BGP_WEIGHT,
    LOG_GROUP,
    LOG_STREAM,
    SOURCE,
)


def events_dtypes() -> dict[str, object]:
    """Return the dtype of every column of the events table, in column order.

    Returns
    -------
    dict
        Column name to pandas dtype.
    """
    return {
        TIME: pd.DatetimeTZDtype("ns", "UTC"),
        VPN_CONNECTION_ID: _cat(),
        TUNNEL_IP: _cat(),
        LOG_TYPE: _cat(LOG_TYPES),
        PHASE1_STATE: _cat(STATES),
        PHASE2_STATE: _cat(STATES),
        DPD_ENABLED: pd.BooleanDtype(),
        NAT_T_DETECTED: pd.BooleanDtype(),
        TUNNEL_UP: pd.BooleanDtype(),
        # The verbatim message, stored as a category: real logs repeat the same lines
        # (packet chatter) so this keeps the table near 100 bytes per event.
        DETAILS: _cat(),
        EVENT: _cat(EVENT_NAMES),
        SEVERITY: _cat(SEVERITIES),
        IKE_VERSION: _cat(IKE_VERSIONS),
        TEMPLATE: _cat(),
        SPI: _cat(),
        # Widths by what the values are: IKE message ids are 32-bit (RFC 7296), as are
        # BGP LOCAL_PREF and MED (RFC 4271); a weight is 16-bit. Values that do not fit
        # are NA and counted in attrs["unrecognised_values"].
        REQUEST_ID: pd.UInt32Dtype(),
        RETRY_COUNT: pd.UInt8Dtype(),  # a count of DPD retransmits
        CGW: _cat(),
        # the sequence number of a DPD keep-alive request or ACK (NAT-T tunnels)
        DPD_SEQUENCE: pd.Int64Dtype(),
        BGP_TYPE: _cat(BGP_TYPES),
        BGP_STATUS: _cat(BGP_STATUSES),
        BGP_PREFIX: _cat(),
        BGP_AS_PATH: _cat(),
        BGP_LOCAL_PREF: pd.UInt32Dtype(),
        BGP_MED: pd.UInt32Dtype(),
        BGP_NEXT_HOP_IP: _cat(),
        BGP_WEIGHT: pd.UInt16Dtype(),
        LOG_GROUP: _cat(),
        LOG_STREAM: _cat(),
        SOURCE: _cat(),
    }


def empty_events() -> pd.DataFrame:
    """Return an events table with no rows and every column in its dtype.

    Returns
    -------
    pandas.DataFrame
        Zero rows, the columns of :data:`EVENT_COLUMNS`.
    """
    return pd.DataFrame({c: pd.Series([], dtype=d) for c, d in events_dtypes().items()})


def validate_events(events: pd.DataFrame, *, columns: tuple[str, ...] | None = None) -> None:
    """Check that a DataFrame is an events table (or holds the columns an analysis needs).

    Parameters
    ----------
    events : pandas.DataFrame
        The table to check.
    columns : tuple of str, optional
        The columns required; default: all of :data:`EVENT_COLUMNS`.

    Raises
    ------
    SchemaError
        Naming the missing columns, or a ``time`` column that is not tz-aware UTC.
    """
    if not isinstance(events, pd.DataFrame):
        raise SchemaError(f"expected an events DataFrame, got {type(events).__name__}")
    needed = EVENT_COLUMNS if columns is None else columns
    missing = [c for c in needed if c not in events.columns]
    if missing:
        raise SchemaError(
            f"not an events table: missing column(s) {', '.join(missing)}; "
            "build it with vpnlog_analytics.read_logs() or parse_records()"
        )
    if TIME in needed:
        dtype = events[TIME].dtype
        if not isinstance(dtype, pd.DatetimeTZDtype) or str(dtype.tz) != "UTC":
            raise SchemaError(f"column 'time' must be datetime64[ns, UTC], got {dtype}")


# --- log stream names ---------------------------------------------------------------------
@dataclass(frozen=True)
class StreamId:
    """What a log stream name (or a BGP ``resource_id``) tells: which tunnel, which log."""

    vpn_connection_id: str
    tunnel_ip: str
    log_type: str  # "tunnel" or "bgp"


_STREAM_RE = re.compile(
    r"(?P<vpn>vpn-[0-9a-fA-F]{8,17})[-_]"
    r"(?P<ip>\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})"
    r"(?:-(?P<kind>IKE|BGP)(?:\.log)?)?"
)


def parse_stream_name(name: str) -> StreamId | None:
    """Parse a log stream name, BGP ``resource_id`` or file name into a tunnel identity.

    Accepts ``vpn-<id>-<outside ip>-IKE.log``, the underscore form ``vpn-<id>_<ip>``,
    ``-BGP.log`` streams and IPv6 outside addresses, anywhere in ``name`` (so an S3 key
    path or a file name such as ``vpn-0abc-1.2.3.4-IKE.log.jsonl.gz`` works too).

    Parameters
    ----------
    name : str
        Stream name, resource id, path or file name.

    Returns
    -------
    StreamId or None
        ``None`` when the name holds no tunnel identity.

    Examples
    --------
    >>> parse_stream_name("vpn-0d17975e9b801ddcd-18.143.226.251-IKE.log").tunnel_ip
    '18.143.226.251'
    """
    m = _last_match(name)
    if m is None:
        return None
    kind = "bgp" if m["kind"] == "BGP" else "tunnel"
    return StreamId(m["vpn"].lower(), m["ip"].lower(), kind)


def stream_name(vpn_connection_id: str, tunnel_ip: str, log_type: str = "tunnel") -> str:
    """Return the log stream name AWS gives a tunnel's log (read by :func:`parse_stream_name`).

    Parameters
    ----------
    vpn_connection_id, tunnel_ip : str
        The tunnel.
    log_type : {"tunnel", "bgp"}
        The tunnel (IKE) log or the BGP log.

    Returns
    -------
    str
        ``vpn-<id>-<outside ip>-IKE.log`` or ``...-BGP.log``.

    Examples
    --------
    >>> stream_name("vpn-0abc12345", "1.2.3.4", "bgp")
    'vpn-0abc12345-1.2.3.4-BGP.log'
    """
    kind = "BGP" if log_type == _BGP else "IKE"
    return f"{vpn_connection_id}-{tunnel_ip}-{kind}.log"


def _last_match(name: str) -> re.Match[str] | None:
    # The last match is the most specific part of a path (file name after folders).
    matches = [m for m in _STREAM_RE.finditer(name) if m["ip"].count(":") != 1]
    return matches[-1] if matches else None


def stream_name_in(name: str) -> str | None:
    """Return the log stream name held in a path or file name, if any.

    Parameters
    ----------
    name : str
        A path, S3 key or file name such as ``.../vpn-0abc12345-1.2.3.4-IKE.log/000000.gz``.

    Returns
    -------
    str or None
        The stream name as it appears (``vpn-0abc12345-1.2.3.4-IKE.log``), else ``None``.

    Examples
    --------
    >>> stream_name_in("exports/t1/vpn-0d17975e9b801ddcd-18.143.226.251-IKE.log/000000.gz")
    'vpn-0d17975e9b801ddcd-18.143.226.251-IKE.log'
    """
    m = _last_match(name)
    if m is None:
        return None
    return m[0] if m["kind"] is None or m[0].endswith(".log") else m[0] + ".log"


# --- CloudWatch metrics and maintenance windows ------------------------------------------
#: Columns of the metrics table (``fetch_metrics``, ``simulate_metrics``): one row per
#: data point of one metric of one tunnel. ``time`` is the start of the point's period,
#: ``period`` its length [s].
METRIC: Final = "metric"
VALUE: Final = "value"
METRIC_PERIOD: Final = "period"
METRIC_COLUMNS: Final = (TIME, VPN_CONNECTION_ID, TUNNEL_IP, METRIC, VALUE, METRIC_PERIOD)
#: The ``AWS/VPN`` namespace and its per-tunnel metrics (dimensions ``VpnId`` and
#: ``TunnelIpAddress``). ``TunnelState``: 1 up, 0 down (for BGP tunnels 1 = BGP
#: established), read as the Average over the period, i.e. the share of it up;
#: ``TunnelDataIn`` / ``TunnelDataOut``: bytes received / sent, read as the Sum.
METRIC_NAMESPACE: Final = "AWS/VPN"
TUNNEL_STATE: Final = "TunnelState"
TUNNEL_DATA_IN: Final = "TunnelDataIn"
TUNNEL_DATA_OUT: Final = "TunnelDataOut"
METRIC_NAMES: Final = (TUNNEL_STATE, TUNNEL_DATA_IN, TUNNEL_DATA_OUT)
#: The statistic each metric is read with.
METRIC_STATS: Final = {TUNNEL_STATE: "Average", TUNNEL_DATA_IN: "Sum", TUNNEL_DATA_OUT: "Sum"}

#: Columns of the maintenance events table (``fetch_maintenance``, ``read_health_events``,
#: ``maintenance_windows``): what happened to a tunnel (``tunnel_ip`` NA: every tunnel of
#: the connection), when, in which ``context``, according to which ``source``.
CONTEXT: Final = "context"
EVENT_SOURCE: Final = "event_source"
KIND: Final = "kind"
REFERENCE: Final = "reference"
DESCRIPTION: Final = "description"
MAINTENANCE_COLUMNS: Final = (
    VPN_CONNECTION_ID,
    TUNNEL_IP,
    "start",
    "end",
    CONTEXT,
    EVENT_SOURCE,
    KIND,
    REFERENCE,
    DESCRIPTION,
)
#: Context values: AWS's tunnel maintenance, a change the customer made, neither.
AWS_MAINTENANCE: Final = "aws_maintenance"
CUSTOMER_CHANGE: Final = "customer_change"
NO_CONTEXT: Final = "none"
CONTEXTS: Final = (AWS_MAINTENANCE, CUSTOMER_CHANGE, NO_CONTEXT)
#: Where a maintenance event came from.
EVENT_SOURCES: Final = ("replacement_status", "health", "cloudtrail")


def empty_metrics() -> pd.DataFrame:
    """Return an empty metrics table with the column dtypes of :data:`METRIC_COLUMNS`.

    Returns
    -------
    pandas.DataFrame
        ``time`` (UTC), ``vpn_connection_id``, ``tunnel_ip``, ``metric`` (category),
        ``value`` (float), ``period`` (int, [s]).
    """
    return pd.DataFrame({c: pd.Series([], dtype=d) for c, d in _metric_dtypes().items()})


def _metric_dtypes() -> dict[str, object]:
    """Return the dtype of every column of the metrics table, in column order."""
    return {
        TIME: "datetime64[ns, UTC]",
        VPN_CONNECTION_ID: "category",
        TUNNEL_IP: "category",
        METRIC: _cat(METRIC_NAMES),
        VALUE: "float64",
        METRIC_PERIOD: "int64",
    }


def tidy_metrics(frame: pd.DataFrame) -> pd.DataFrame:
    """Give a metrics table its dtypes and order (tunnel, metric, time).

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns :data:`METRIC_COLUMNS` (times tz-aware or UTC).

    Returns
    -------
    pandas.DataFrame
        A new table with the dtypes of :func:`empty_metrics`, sorted, duplicate points
        (same tunnel, metric and time) dropped.
    """
    missing = [c for c in METRIC_COLUMNS if c not in frame.columns]
    if missing:
        raise SchemaError(f"metrics table lacks column(s) {missing}; expected {METRIC_COLUMNS}")
    columns = {}
    for col, dtype in _metric_dtypes().items():
        values = frame[col]
        if col == TIME:
            values = pd.to_datetime(values, utc=True)
        elif col in (VPN_CONNECTION_ID, TUNNEL_IP, METRIC):
            values = values.astype(str)  # categories of text, whatever the file held
        columns[col] = values.astype(dtype)
    out = pd.DataFrame(columns)
    out = out.drop_duplicates([VPN_CONNECTION_ID, TUNNEL_IP, METRIC, TIME])
    return out.sort_values([VPN_CONNECTION_ID, TUNNEL_IP, METRIC, TIME], ignore_index=True)


def maintenance_table(rows: Sequence[tuple[object, ...]]) -> pd.DataFrame:
    """Build a maintenance events table from rows in :data:`MAINTENANCE_COLUMNS` order.

    Parameters
    ----------
    rows : list of tuple
        (connection, tunnel or None, start, end, context, source, kind, reference,
        description); times tz-aware or UTC.

    Returns
    -------
    pandas.DataFrame
        Text columns as objects (None where absent: ``tunnel_ip`` None means the whole
        connection), times UTC, sorted by start, source and connection.
    """
    frame = pd.DataFrame(rows, columns=list(MAINTENANCE_COLUMNS), dtype=object)
    for col in ("start", "end"):
        frame[col] = pd.to_datetime(frame[col], utc=True).astype("datetime64[ns, UTC]")
    for col in MAINTENANCE_COLUMNS:
        if col not in ("start", "end"):
            frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    return frame.sort_values(
        ["start", EVENT_SOURCE, VPN_CONNECTION_ID], ignore_index=True, na_position="last"
    )


# --- tunnel options (DescribeVpnConnections TunnelOption) -----------------------------------
@dataclass(frozen=True)
class TunnelOptionSpec:
    """One option of ``TunnelOption``: where it sits, what it holds, what AWS defaults to.

    Attributes
    ----------
    column : str
        The column of the tunnel options table.
    key : tuple of str
        The path of the value inside ``TunnelOption`` (``("Phase2LifetimeSeconds",)``,
        ``("LogOptions", "CloudWatchLogOptions", "LogEnabled")``).
    kind : {"int", "str", "bool", "list"}
        ``list`` is a list of ``{"Value": ...}`` objects, kept as a comma-joined string.
    default : object
        What the tunnel runs when the option was never set (None: no default to claim).
    bounds : tuple of int, optional
        The documented range of an integer option, inclusive.
    choices : tuple of str, optional
        The documented values of a text option.
    """

    column: str
    key: tuple[str, ...]
    kind: str
    default: Any = None
    bounds: tuple[int, int] | None = None
    choices: tuple[str, ...] | None = None


_LOG = ("LogOptions", "CloudWatchLogOptions")
_P1_DH: Final = "2,14,15,16,17,18,19,20,21,22,23,24"
_P2_DH: Final = "2,5,14,15,16,17,18,19,20,21,22,23,24"
_ENCRYPTION: Final = "AES128,AES256,AES128-GCM-16,AES256-GCM-16"
_INTEGRITY: Final = "SHA1,SHA2-256,SHA2-384,SHA2-512"

#: Every tunnel option read, with AWS's documented default and range. Sources: EC2 API
#: reference (``VpnTunnelOptionsSpecification``, ``TunnelOption``,
#: ``CloudWatchLogOptionsSpecification``); Site-to-Site VPN User Guide, "Tunnel options".
#: The rekey margin's default is 270 s (older accounts and SDK pages say 540 s) and the
#: DPD timeout's 40 s (older pages: 30 s): the current guide's values are used.
TUNNEL_OPTION_SPECS: Final = (
    TunnelOptionSpec("phase1_lifetime_s", ("Phase1LifetimeSeconds",), "int", 28_800, (900, 28_800)),
    TunnelOptionSpec("phase2_lifetime_s", ("Phase2LifetimeSeconds",), "int", 3_600, (900, 3_600)),
    TunnelOptionSpec("rekey_margin_s", ("RekeyMarginTimeSeconds",), "int", 270, (60, 1_800)),
    TunnelOptionSpec("rekey_fuzz_pct", ("RekeyFuzzPercentage",), "int", 100, (0, 100)),
    TunnelOptionSpec("replay_window", ("ReplayWindowSize",), "int", 1_024, (64, 2_048)),
    TunnelOptionSpec("dpd_timeout_s", ("DpdTimeoutSeconds",), "int", 40, (30, 2**31 - 1)),
    TunnelOptionSpec(
        "dpd_timeout_action",
        ("DpdTimeoutAction",),
        "str",
        "clear",
        None,
        ("clear", "none", "restart"),
    ),
    TunnelOptionSpec("startup_action", ("StartupAction",), "str", "add", None, ("add", "start")),
    TunnelOptionSpec("ike_versions", ("IkeVersions",), "list", "ikev1,ikev2"),
    TunnelOptionSpec("phase1_encryption", ("Phase1EncryptionAlgorithms",), "list", _ENCRYPTION),
    TunnelOptionSpec("phase1_integrity", ("Phase1IntegrityAlgorithms",), "list", _INTEGRITY),
    TunnelOptionSpec("phase1_dh_groups", ("Phase1DHGroupNumbers",), "list", _P1_DH),
    TunnelOptionSpec("phase2_encryption", ("Phase2EncryptionAlgorithms",), "list", _ENCRYPTION),
    TunnelOptionSpec("phase2_integrity", ("Phase2IntegrityAlgorithms",), "list", _INTEGRITY),
    TunnelOptionSpec("phase2_dh_groups", ("Phase2DHGroupNumbers",), "list", _P2_DH),
    TunnelOptionSpec("inside_cidr", ("TunnelInsideCidr",), "str"),
    TunnelOptionSpec("inside_ipv6_cidr", ("TunnelInsideIpv6Cidr",), "str"),
    TunnelOptionSpec("lifecycle_control", ("EnableTunnelLifecycleControl",), "bool", False),
    TunnelOptionSpec("log_enabled", (*_LOG, "LogEnabled"), "bool", False),
    TunnelOptionSpec(
        "log_output_format", (*_LOG, "LogOutputFormat"), "str", "json", None, ("json", "text")
    ),
    TunnelOptionSpec("bgp_log_enabled", (*_LOG, "BgpLogEnabled"), "bool", False),
    TunnelOptionSpec(
        "bgp_log_output_format",
        (*_LOG, "BgpLogOutputFormat"),
        "str",
        "json",
        None,
        ("json", "text"),
    ),
)
#: Columns of the tunnel options table, in order.
TUNNEL_OPTION_COLUMNS: Final = (
    VPN_CONNECTION_ID,
    TUNNEL_IP,
    "connection_state",
    *(spec.column for spec in TUNNEL_OPTION_SPECS),
    "static_routes_only",
    "static_routes",
    "aws_asn",
    "cgw_asn",
    "bgp_hold_time_s",
    "defaulted",
    "source",
)


#: The options a person reads first (terminal, report page); the CSV has every column.
TUNNEL_OPTIONS_SHOWN: Final = (
    VPN_CONNECTION_ID,
    TUNNEL_IP,
    "phase1_lifetime_s",
    "phase2_lifetime_s",
    "rekey_margin_s",
    "rekey_fuzz_pct",
    "dpd_timeout_s",
    "dpd_timeout_action",
    "startup_action",
    "ike_versions",
)


# --- raw record keys -----------------------------------------------------------------------
#: The raw -> canonical key map: each key of a raw log record (as AWS writes it) and the
#: events column it fills. ``event_timestamp`` (epoch s or ms) wins over ``timestamp``
#: (ISO text); a BGP record's ``resource_id`` names the tunnel like a stream name does;
#: the route fields sit under the BGP record's ``message``.
RAW_KEYS: Final = {
    "event_timestamp": TIME,
    "timestamp": TIME,
    "details": DETAILS,
    "dpd_enabled": DPD_ENABLED,
    "nat_t_detected": NAT_T_DETECTED,
    "ike_phase1_state": PHASE1_STATE,
    "ike_phase2_state": PHASE2_STATE,
    "vpn_connection_id": VPN_CONNECTION_ID,
    "tunnel_outside_ip": TUNNEL_IP,
    "resource_id": TUNNEL_KEYS,
    "type": BGP_TYPE,
    "status": BGP_STATUS,
    "prefix": BGP_PREFIX,
    "asPath": BGP_AS_PATH,
    "localPref": BGP_LOCAL_PREF,
    "med": BGP_MED,
    "nextHopIp": BGP_NEXT_HOP_IP,
    "weight": BGP_WEIGHT,
}
#: The AWS documentation's field names, accepted as aliases of the raw keys.
RAW_KEY_ALIASES: Final = {
    "VpnLogCreationTimestamp": "timestamp",
    "VpnLogDetail": "details",
    "TunnelDPDEnabled": "dpd_enabled",
    "TunnelCGWNATTDetectionStatus": "nat_t_detected",
    "TunnelIKEPhase1State": "ike_phase1_state",
    "TunnelIKEPhase2State": "ike_phase2_state",
    "VpnConnectionId": "vpn_connection_id",
    "TunnelOutsideIPAddress": "tunnel_outside_ip",
}


# --- result columns --------------------------------------------------------------------------
# The columns of analysis results (besides the events columns they repeat, such as
# ``vpn_connection_id``, ``tunnel_ip``, ``time``, ``severity``). Report, explorer, CLI and
# plotting import these names instead of spelling them.
STATE: Final = "state"
START: Final = WINDOW_COLUMNS[0]  # a table of windows, as options reads exclusions
END: Final = WINDOW_COLUMNS[1]
DURATION: Final = "duration"
ONGOING: Final = "ongoing"
CAUSE: Final = "cause"
#: Of an outage: how long the tunnel logged nothing after the record that started it.
SILENT: Final = "silent"
#: Of an outage: the last record before it that showed the customer gateway alive.
LAST_ALIVE: Final = "last_alive"
DOWNTIME: Final = "downtime"
#: Of availability: the part of ``downtime`` in outages caused on the customer's side.
CUSTOMER_DOWNTIME: Final = "customer_downtime"
PERIOD: Final = "period"
FLAPS: Final = "flaps"
OBSERVED: Final = "observed"
UNOBSERVED: Final = "unobserved"
AVAILABILITY: Final = "availability"
#: Of availability: the figure with customer downtime set aside (the one AWS's credit follows).
AVAILABILITY_AWS_SIDE: Final = "availability_aws_side"
OUTAGES: Final = "outages"
MTTR: Final = "mttr"
MAX_OUTAGE: Final = "max_outage"
MTBF: Final = "mtbf"
SLA_MET: Final = "sla_met"
SERVICE_CREDIT: Final = "service_credit"
#: Of availability: whether ``service_credit`` applies to the row's period (values
#: :data:`CREDIT_BASES`).
CREDIT_BASIS: Final = "credit_basis"
#: ``month``: a whole calendar month (UTC) inside the window, the period AWS's SLA credits;
#: ``partial month``: a calendar month the window starts or ends inside, so the month's
#: figure is not known; ``not a month``: a period that is no calendar month (``freq``).
CREDIT_MONTH, CREDIT_PARTIAL, CREDIT_NOT_MONTH = CREDIT_BASES = (
    "month",
    "partial month",
    "not a month",
)
NEGOTIATIONS: Final = "negotiations"
COLLISIONS: Final = "collisions"
COLLISION_RATE: Final = "collision_rate"
TIMEOUTS: Final = "timeouts"
RECOVERED: Final = "recovered"
RECOVERY: Final = "recovery"
MEAN_RECOVERY: Final = "mean_recovery"
MAX_RECOVERY: Final = "max_recovery"
UNANSWERED: Final = "unanswered"
DPD_REQUESTS: Final = "dpd_requests"
DPD_ACKS: Final = "dpd_acks"
ACK_RATIO: Final = "ack_ratio"
MEAN_ACK_LATENCY: Final = "mean_ack_latency"
MAX_ACK_LATENCY: Final = "max_ack_latency"
LONGEST_UNANSWERED: Final = "longest_unanswered"
FIRST_SEEN: Final = "first_seen"
LAST_SEEN: Final = "last_seen"
SPAN: Final = "span"
RECORDS: Final = "records"
ERRORS: Final = "errors"
WARNINGS: Final = "warnings"
INFOS: Final = "infos"
UP_TIME: Final = "up_time"
DOWN_TIME: Final = "down_time"
UNKNOWN_TIME: Final = "unknown_time"
UP_SHARE: Final = "up_share"
LONGEST_OUTAGE: Final = "longest_outage"
RULE: Final = "rule"
FINDING: Final = "finding"
COUNT: Final = "count"
EVIDENCE: Final = "evidence"
SHARE: Final = "share"
TUNNELS: Final = "tunnels"
EXAMPLE: Final = "example"
MEANING: Final = "meaning"
REMEDIATION: Final = "remediation"

# --- result values ---------------------------------------------------------------------------
UP: Final = "up"
DOWN: Final = "down"
UNKNOWN: Final = "unknown"
#: A connection with some tunnels down and others up (no redundancy left).
DEGRADED: Final = "degraded"
#: Tunnel state values, in the order of the ``state`` category.
STATE_VALUES: Final = (UP, DOWN, UNKNOWN)
#: Connection state values (:func:`~vpnlog_analytics.analysis.connection_states`), in
#: drawing and legend order.
CONNECTION_STATE_VALUES: Final = (UP, DEGRADED, DOWN, UNKNOWN)
#: The cause of an outage no error event explains.
UNEXPLAINED: Final = "unexplained"
#: Separator of the causes listed for a connection outage.
CAUSE_SEPARATOR: Final = ", "
LEVEL_TUNNEL: Final = "tunnel"
LEVEL_CONNECTION: Final = "connection"
#: The ``level`` of outages: single tunnels or whole connections.
LEVELS: Final = (LEVEL_TUNNEL, LEVEL_CONNECTION)

# --- BGP result columns and values (analysis.bgp, reachability) ------------------------------
BGP_STATE: Final = "bgp_state"
CAUSE_DETAIL: Final = "cause_detail"
IPSEC_UP_TIME: Final = "ipsec_up_time"
ACTION: Final = "action"
REASON: Final = "reason"
HELD: Final = "held"
ROUTES: Final = "routes"
SINCE: Final = "since"
UPDATED: Final = "updated"
#: The rule that decided a connection's availability (``ipsec``, ``ipsec+bgp``, ...).
ROUTING: Final = "routing"
ESTABLISHED: Final = "established"
NOT_ESTABLISHED: Final = "not_established"
#: BGP session state values, in the order of the ``state`` category of ``bgp_sessions``.
SESSION_STATE_VALUES: Final = (ESTABLISHED, NOT_ESTABLISHED, UNKNOWN)
#: Route changes, in the order of the ``action`` category of ``route_events``.
ROUTE_ACTIONS: Final = ("advertised", "updated", "withdrawn", "denied", "session_down")
#: The cause of a BGP outage that began when the tunnel's IPsec went down.
IPSEC_DOWN: Final = "ipsec_down"
#: ``routing=`` of outages and availability: reachability where BGP logs exist, or IPsec.
ROUTING_AUTO: Final = "auto"
ROUTING_IPSEC: Final = "ipsec"
ROUTING_CHOICES: Final = (ROUTING_AUTO, ROUTING_IPSEC)
#: The rule each connection's availability used: IPsec alone, IPsec and BGP established,
#: and also at least one accepted route (``require_routes=True``).
ROUTING_RULES: Final = ("ipsec", "ipsec+bgp", "ipsec+bgp+routes")

# --- the customer gateway's logs (io.gateway, analysis.gateway) ------------------------------
#: Of a gateway line: the device that wrote it (syslog host, FortiGate ``devname``).
DEVICE: Final = "device"
#: Of a gateway line: its log family (``strongswan``, ``libreswan``, ``fortigate``, ...).
FAMILY: Final = "family"
#: Of a gateway line: the gateway's own name of the tunnel (strongSwan/pluto connection,
#: FortiGate ``vpntunnel``, ASA group).
CONNECTION: Final = "connection"
#: Of a gateway line: the remote address, the AWS tunnel's outside IP.
PEER_IP: Final = "peer_ip"
#: Of a gateway line: the gateway's inbound and outbound ESP SPI (``0x`` + 8 hex digits).
#: AWS's inbound SPI is the gateway's outbound one, and the reverse.
SPI_IN: Final = "spi_in"
SPI_OUT: Final = "spi_out"
#: Of a merged two-sided sequence: which end logged the row (values :data:`SIDES`).
SIDE: Final = "side"
SIDE_AWS, SIDE_GATEWAY = SIDES = ("aws", "gateway")
#: Of a gateway line: the device's clock reading before a skew correction was applied.
DEVICE_TIME: Final = "device_time"
#: Of a clock-skew estimate: gateway clock minus AWS clock (median of the pairs), the
#: interval the true skew lies in, the pairs it rests on and their kinds.
SKEW: Final = "skew"
SKEW_LOW: Final = "skew_low"
SKEW_HIGH: Final = "skew_high"
PAIRS: Final = "pairs"
PAIR_KINDS: Final = "pair_kinds"
#: Of a two-sided outage: who ended the tunnel's up episode (values :data:`ENDED_BY_VALUES`)
#: and, where both ends' DPD gave up, which gave up first.
ENDED_BY: Final = "ended_by"
DPD_FIRST: Final = "dpd_first"
ENDED_BY_VALUES: Final = (
    "gateway_delete",
    "aws_dpd",
    "gateway_dpd",
    "both",
    "gateway_restart",
    "negotiation_failure",
    "unknown",
)
