"""The event groups analysis ranks and counts, and the AWS service-credit tiers.

Result column names and values are public in :mod:`vpnlog_analytics.schema` (re-imported
here); this module adds the ranking of error events used to name the cause of an outage
(derived from the event registry, :data:`vpnlog_analytics.schema.EVENTS`), the event
families of negotiations and collisions, and the SLA's credit tiers.
"""

from __future__ import annotations

from typing import Final

from .. import schema as s

# Result column names and state values are public, in :mod:`vpnlog_analytics.schema`;
# they are imported here so the analysis modules keep one import.
from ..schema import (  # noqa: F401
    ACK_RATIO,
    AVAILABILITY,
    AVAILABILITY_AWS_SIDE,
    CAUSE,
    CAUSE_SEPARATOR,
    COLLISION_RATE,
    COLLISIONS,
    CONNECTION_STATE_VALUES,
    COUNT,
    CUSTOMER_DOWNTIME,
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


def _ranked(log_type: str) -> tuple[str, ...]:
    """Return the events of a log type that can cause an outage, in registry cause rank."""
    ranked = sorted(
        (e.cause_rank, e.name)
        for e in s.EVENTS
        if e.log_type == log_type and e.cause_rank is not None
    )
    return tuple(name for _, name in ranked)


_TUNNEL, _BGP = s.LOG_TYPES

#: Events that can cause an outage, most specific first (their ``cause_rank`` in the event
#: registry, :data:`vpnlog_analytics.schema.EVENTS`, which says why this order). When
#: several fall in the look-back of an outage, the first in this order wins (ties: the
#: latest record).
CAUSE_EVENTS: Final = _ranked(_TUNNEL)

#: Configuration mismatches: the gateway and the tunnel disagree on a setting (the events
#: the ``config_mismatch`` finding reports), in cause order.
MISMATCH_EVENTS: Final = tuple(
    e for e in CAUSE_EVENTS if s.EVENT_SPECS[e].finding == "config_mismatch"
)

#: Causes BGP gives to outages of reachability (``routing="auto"``), most specific first:
#: the BGP error events, then a session down with no reason logged (both by their registry
#: cause rank), then an established session without an accepted route
#: (``require_routes=True``, a cause that is no event). Their cause codes follow those of
#: :data:`CAUSE_EVENTS`.
BGP_CAUSE_EVENTS: Final = (*_ranked(_BGP), "bgp_no_routes")

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

#: Causes on the customer's side of the connection. A connection outage all of whose causes
#: are among these is customer downtime (``customer_downtime`` of :func:`availability`): it
#: earns no AWS service credit, and ``exclude="customer"`` sets it aside. Why each belongs:
#:
#: - the configuration mismatches (:data:`MISMATCH_EVENTS`: pre-shared key, authentication,
#:   proposals, traffic selectors, Phase 2 settings): the customer configures both the
#:   gateway and the tunnel options it disagrees with;
#: - ``cgw_delete_ike_sa``: the customer gateway tore the IKE SA down (the record says who,
#:   not why; the act is the gateway's);
#: - ``bgp_notification_received``: the gateway closed the BGP session with a Cease;
#: - ``bgp_bad_open``: the gateway's OPEN named another AS than the customer configured for it;
#: - ``bgp_max_prefix_exceeded``: the gateway advertised more prefixes than a session takes.
#:
#: Not among them: ``dpd_timeout`` and ``bgp_hold_timer_expired`` (the peer went silent:
#: the gateway or the internet path between, which AWS's log alone cannot tell apart),
#: ``phase1_timeout`` (a negotiation the peer never completed: the path, or a setting),
#: ``cgw_delete_child_sa`` (routine after every rekey; a cause only when nothing more
#: specific was logged), rekey collisions (both sides rekeying at once),
#: ``bgp_notification_sent`` (AWS's Cease, for reasons of either side), ``bgp_session_down``
#: (no reason logged) and ``unexplained``: those stay unattributed, counted as AWS's side.
CUSTOMER_CAUSES: Final = (
    *MISMATCH_EVENTS,
    CGW_DELETE_IKE_SA,
    "bgp_notification_received",
    "bgp_bad_open",
    "bgp_max_prefix_exceeded",
)

#: Child-SA negotiation messages of exchanges AWS initiated.
AWS_INITIATED_EVENTS: Final = ("child_sa_request_sent", "child_sa_response_received")
#: Child-SA negotiation messages of exchanges the customer gateway initiated.
CGW_INITIATED_EVENTS: Final = ("child_sa_request_received", "child_sa_response_sent")

#: AWS Site-to-Site VPN service credits: (availability below which it applies, percent),
#: strictest first. 99.95 % monthly is the SLA; credits 10 / 25 / 100 %.
SERVICE_CREDIT_TIERS: Final = ((0.95, 100), (0.99, 25), (0.9995, 10))
