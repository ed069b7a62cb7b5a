"""The event groups analysis ranks and counts, and the AWS service-credit tiers.

Result column names and values are public in :mod:`vpnlog_analytics.schema` (re-imported
here); this module adds the ranking of error events used to name the cause of an outage,
the event families of negotiations and collisions, and the SLA's credit tiers.
"""

from __future__ import annotations

from typing import Final

# Result column names and state values are public, in :mod:`vpnlog_analytics.schema`;
# they are imported here so the analysis modules keep one import.
from ..schema import (  # noqa: F401
    ACK_RATIO,
    AVAILABILITY,
    CAUSE,
    CAUSE_SEPARATOR,
    COLLISION_RATE,
    COLLISIONS,
    CONNECTION_STATE_VALUES,
    COUNT,
    DEGRADED,
    DOWN,
    DOWN_TIME,
    DOWNTIME,
    DPD_ACKS,
    DPD_REQUESTS,
    DURATION,
    END,
    ERRORS,
    EVIDENCE,
    EXAMPLE,
    FINDING,
    FIRST_SEEN,
    FLAPS,
    INFOS,
    LAST_ALIVE,
    LAST_SEEN,
    LEVEL_CONNECTION,
    LEVEL_TUNNEL,
    LEVELS,
    LONGEST_OUTAGE,
    LONGEST_UNANSWERED,
    MAX_ACK_LATENCY,
    MAX_OUTAGE,
    MAX_RECOVERY,
    MEAN_ACK_LATENCY,
    MEAN_RECOVERY,
    MEANING,
    MTBF,
    MTTR,
    NEGOTIATIONS,
    OBSERVED,
    ONGOING,
    OUTAGES,
    PERIOD,
    RECORDS,
    RECOVERED,
    RECOVERY,
    REMEDIATION,
    RULE,
    SERVICE_CREDIT,
    SHARE,
    SILENT,
    SLA_MET,
    SPAN,
    START,
    STATE,
    STATE_VALUES,
    TIMEOUTS,
    TUNNELS,
    UNANSWERED,
    UNEXPLAINED,
    UNKNOWN,
    UNKNOWN_TIME,
    UNOBSERVED,
    UP,
    UP_SHARE,
    UP_TIME,
    WARNINGS,
)

#: Configuration mismatches: the gateway and the tunnel disagree on a setting.
MISMATCH_EVENTS: Final = (
    "psk_mismatch",
    "auth_failed",
    "no_proposal_match",
    "no_proposal_chosen",
    "ts_unacceptable",
    "phase2_failed",
)

#: Events that can cause an outage, most specific first. When several fall in the
#: look-back of an outage, the first in this order wins (ties: the latest record).
#: Configuration mismatches name the setting to fix; a half-open Phase 1 names the
#: negotiation step; a DPD timeout names only a symptom (the peer went silent); a
#: delete from the gateway says who, not why; collisions rarely take a tunnel down.
CAUSE_EVENTS: Final = (
    *MISMATCH_EVENTS,
    "phase1_timeout",
    "dpd_timeout",
    "cgw_delete_ike_sa",
    "cgw_delete_child_sa",
    "rekey_collision",
    "redundant_sa_deleted",
)

#: Causes BGP gives to outages of reachability (``routing="auto"``), most specific first:
#: the BGP error events, then a session down with no reason logged, then an established
#: session without an accepted route (``require_routes=True``). Their cause codes follow
#: those of :data:`CAUSE_EVENTS`.
BGP_CAUSE_EVENTS: Final = (
    "bgp_max_prefix_exceeded",
    "bgp_bad_open",
    "bgp_hold_timer_expired",
    "bgp_notification_sent",
    "bgp_notification_received",
    "bgp_session_down",
    "bgp_no_routes",
)

#: Records that show the customer gateway alive: a packet or DPD ACK received from it, a
#: negotiation it answered or started, an SA established with it. The last of them before an
#: outage is its ``last_alive`` ("last heard 09:42:38, declared dead 09:43:18").
PEER_ALIVE_EVENTS: Final = (
    "packet_received",
    "dpd_ack_received",
    "child_sa_response_received",
    "child_sa_request_received",
    "phase1_sa_established",
    "phase2_sa_established",
)
DPD_TIMEOUT: Final = "dpd_timeout"
DPD_REQUEST_SENT: Final = "dpd_request_sent"
DPD_ACK_RECEIVED: Final = "dpd_ack_received"
PHASE1_TIMEOUT: Final = "phase1_timeout"
CGW_DELETE_IKE_SA: Final = "cgw_delete_ike_sa"
COLLISION_EVENTS: Final = ("rekey_collision", "redundant_sa_deleted")
#: Child-SA negotiation messages of exchanges AWS initiated.
AWS_INITIATED_EVENTS: Final = ("child_sa_request_sent", "child_sa_response_received")
#: Child-SA negotiation messages of exchanges the customer gateway initiated.
CGW_INITIATED_EVENTS: Final = ("child_sa_request_received", "child_sa_response_sent")

#: AWS Site-to-Site VPN service credits: (availability below which it applies, percent),
#: strictest first. 99.95 % monthly is the SLA; credits 10 / 25 / 100 %.
SERVICE_CREDIT_TIERS: Final = ((0.95, 100), (0.99, 25), (0.9995, 10))
