"""The gateway table: its column names, families and event vocabulary, declared once.

The table :func:`~vpnlog_analytics.io.gateway.read_gateway_logs` returns has one row per
line of an IKE/IPsec daemon (or a FortiGate/ASA IPsec message). The columns shared with
the AWS events table (``time``, ``vpn_connection_id``, ``tunnel_ip``, ``event``,
``source``) take their names from :mod:`vpnlog_analytics.schema`; the others are named here.

Events share one vocabulary with the AWS side where the meaning is the same
(:data:`SHARED_EVENTS`, each a name of ``schema.EVENT_NAMES``); what only a gateway says has
a name of its own (:data:`GATEWAY_ONLY_EVENTS`). Every name is one :class:`GatewayEvent`
of :data:`GATEWAY_EVENTS`, with what a row of it means.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ... import schema as s

__all__ = [
    "COLUMNS",
    "CONNECTION",
    "DEVICE",
    "EVENT",
    "FAMILIES",
    "FAMILY",
    "GATEWAY_EVENTS",
    "GATEWAY_EVENT_NAMES",
    "GATEWAY_ONLY_EVENTS",
    "LINE",
    "MESSAGE_ID",
    "PEER_IP",
    "PROPOSALS",
    "RAW",
    "REASON",
    "SHARED_EVENTS",
    "SOURCE",
    "SPI_IN",
    "SPI_OUT",
    "TIME",
    "TUNNEL_IP",
    "VPN_CONNECTION_ID",
    "GatewayEvent",
]

# --- columns, in table order -----------------------------------------------------------
#: UTC time of the line: the device's clock read in its zone, NOT corrected for skew.
TIME: Final = s.TIME
#: The host of the syslog header (FortiGate: ``devname``); NA where the line names none.
DEVICE: Final = s.DEVICE
#: ``strongswan``, ``libreswan``, ``fortigate`` or ``cisco_asa`` (:data:`FAMILIES`).
FAMILY: Final = s.FAMILY
#: strongSwan connection (``<conn|N>``), pluto connection (``"conn"``), FortiGate
#: ``vpntunnel``, ASA tunnel group (``Group = ...``).
CONNECTION: Final = s.CONNECTION
#: The remote (AWS) address: in the line, or learned for its connection from other lines.
PEER_IP: Final = s.PEER_IP
#: The AWS tunnel the line belongs to (``peer_ip`` == ``tunnel_ip``), when ``tunnels=`` given.
VPN_CONNECTION_ID: Final = s.VPN_CONNECTION_ID
TUNNEL_IP: Final = s.TUNNEL_IP
#: The classified line (:data:`GATEWAY_EVENT_NAMES`); ``unknown`` when no rule matches.
EVENT: Final = s.EVENT
#: The gateway's inbound / outbound ESP SPI, ``0x`` + 8 lower-case hex digits.
SPI_IN: Final = s.SPI_IN
SPI_OUT: Final = s.SPI_OUT
#: IKE message id where the line carries one (pluto's hex ``msgid`` read as a number).
MESSAGE_ID: Final = "message_id"
#: Why, in the device's words: FortiGate ``reason=``, ASA ``Reason:``, a notify name.
REASON: Final = s.REASON
#: The proposal text the line carries (received, configured or selected proposals).
PROPOSALS: Final = "proposals"
#: The line verbatim, without its line break.
RAW: Final = "raw"
#: The file (or gzip member's file) the line came from, and its 1-based line number.
SOURCE: Final = s.SOURCE
LINE: Final = "line"

COLUMNS: Final = (
    TIME,
    DEVICE,
    FAMILY,
    CONNECTION,
    PEER_IP,
    VPN_CONNECTION_ID,
    TUNNEL_IP,
    EVENT,
    SPI_IN,
    SPI_OUT,
    MESSAGE_ID,
    REASON,
    PROPOSALS,
    RAW,
    SOURCE,
    LINE,
)

FAMILIES: Final = ("strongswan", "libreswan", "fortigate", "cisco_asa")


@dataclass(frozen=True)
class GatewayEvent:
    """One event name of the gateway table.

    Attributes
    ----------
    name : str
        The ``event`` value.
    shared : bool
        The AWS events table uses the same name for the same meaning.
    meaning : str
        What a gateway line of it says.
    """

    name: str
    shared: bool
    meaning: str


def _e(name: str, meaning: str, *, shared: bool = False) -> GatewayEvent:
    return GatewayEvent(name, shared, meaning)


#: Every event a gateway line can get, shared names first, ``unknown`` last.
GATEWAY_EVENTS: Final[tuple[GatewayEvent, ...]] = (
    _e(
        "dpd_timeout",
        "The gateway declared the peer (AWS) dead: DPD/liveness gave up.",
        shared=True,
    ),
    _e("psk_mismatch", "Pre-shared keys differ (MAC mismatched, preshared secrets).", shared=True),
    _e("auth_failed", "Authentication failed (AUTHENTICATION_FAILED).", shared=True),
    _e("no_proposal_chosen", "The peer answered NO_PROPOSAL_CHOSEN to our proposals.", shared=True),
    _e(
        "no_proposal_match",
        "The gateway found no acceptable proposal among the peer's.",
        shared=True,
    ),
    _e("ts_unacceptable", "Traffic selectors were refused (TS_UNACCEPTABLE).", shared=True),
    _e("phase2_failed", "A CHILD_SA / Quick Mode negotiation failed.", shared=True),
    _e(
        "phase1_timeout",
        "An IKE_SA negotiation got no answer (retransmits exhausted).",
        shared=True,
    ),
    _e("phase1_sa_established", "The IKE (phase 1) SA is established.", shared=True),
    _e("phase2_sa_established", "A CHILD_SA / IPsec (phase 2) SA is established.", shared=True),
    _e(
        "child_sa_closing",
        "The gateway closes a CHILD_SA (its SPIs in spi_in/spi_out).",
        shared=True,
    ),
    _e("ike_sa_closing", "The gateway deletes or tears down its IKE SA.", shared=True),
    _e("child_sa_request_sent", "A CREATE_CHILD_SA / Quick Mode request was sent.", shared=True),
    _e("child_sa_request_received", "A CREATE_CHILD_SA / Quick Mode request arrived.", shared=True),
    _e("child_sa_response_sent", "A CREATE_CHILD_SA / Quick Mode response was sent.", shared=True),
    _e(
        "child_sa_response_received",
        "A CREATE_CHILD_SA / Quick Mode response arrived.",
        shared=True,
    ),
    _e("dpd_request_sent", "The gateway sent a DPD (liveness) request.", shared=True),
    _e(
        "dpd_ack_received",
        "The peer acknowledged a DPD request (IKEv1 R-U-THERE-ACK).",
        shared=True,
    ),
    _e("packet_sent", "An IKE packet was sent (strongSwan NET).", shared=True),
    _e("packet_received", "An IKE packet arrived (strongSwan NET).", shared=True),
    _e("proposals_selected", "The proposal both sides agreed on.", shared=True),
    # --- what only the gateway says -------------------------------------------------------
    _e("delete_ike_sa_sent", "The gateway sent a DELETE for its IKE SA."),
    _e("delete_ike_sa_received", "The gateway received a DELETE for its IKE SA."),
    _e("delete_child_sa_sent", "The gateway sent a DELETE for a CHILD_SA (its inbound SPI)."),
    _e("delete_child_sa_received", "The peer deleted a CHILD_SA (the gateway's outbound SPI)."),
    _e("tunnel_up", "The device reports the tunnel up (FortiGate tunnel-up, ASA SA UP)."),
    _e("tunnel_down", "The device reports the tunnel down (FortiGate tunnel-down, ASA 113019)."),
    _e("daemon_start", "The IKE daemon (charon, pluto) started: a gateway or service restart."),
    _e("retransmit", "The gateway retransmitted a request that got no answer yet."),
    _e("initiating", "The gateway starts a negotiation (IKE SA or CHILD_SA)."),
    _e("peer_initiating", "The peer started an IKE negotiation with the gateway."),
    _e("no_ike_config", "No IKE configuration matches the peer (strongSwan)."),
    _e("proposals_received", "The proposals the peer offered (in ``proposals``)."),
    _e("proposals_configured", "The proposals the gateway is configured with (in ``proposals``)."),
    _e("dpd_request_received", "The peer sent a DPD request (IKEv1 R-U-THERE)."),
    _e("phase1_failed", "Phase 1 failed for a reason no more specific event names (``reason``)."),
    _e("phase2_completed", "ASA 713120 PHASE 2 COMPLETED (713049 carries the SPIs)."),
    _e("ipsec_sa_created", "ASA 602303: one direction's IPsec SA created (its SPI)."),
    _e("ipsec_sa_deleted", "ASA 602304: one direction's IPsec SA deleted (its SPI)."),
    _e("negotiation_progress", "FortiGate phase 1/2 progress step (37127/37128) not yet done."),
    _e("tunnel_stats", "FortiGate tunnel statistics (37141)."),
    _e("unknown", "A daemon line no rule classifies; kept verbatim in ``raw``.", shared=True),
)

GATEWAY_EVENT_NAMES: Final = tuple(e.name for e in GATEWAY_EVENTS)
SHARED_EVENTS: Final = tuple(e.name for e in GATEWAY_EVENTS if e.shared)
GATEWAY_ONLY_EVENTS: Final = tuple(e.name for e in GATEWAY_EVENTS if not e.shared)
