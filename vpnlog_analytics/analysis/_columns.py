"""Names of the columns and values of analysis results, declared once.

The events table's own columns live in :mod:`vpnlog_analytics.schema`; this module adds
the columns that only analysis results have, the tunnel state values and the ranking of
error events used to name the cause of an outage.
"""

from __future__ import annotations

from typing import Final

# --- result columns ----------------------------------------------------------------------
STATE: Final = "state"
START: Final = "start"
END: Final = "end"
DURATION: Final = "duration"
ONGOING: Final = "ongoing"
CAUSE: Final = "cause"
DOWNTIME: Final = "downtime"
PERIOD: Final = "period"
FLAPS: Final = "flaps"
OBSERVED: Final = "observed"
AVAILABILITY: Final = "availability"
OUTAGES: Final = "outages"
MTTR: Final = "mttr"
MAX_OUTAGE: Final = "max_outage"
MTBF: Final = "mtbf"
SLA_MET: Final = "sla_met"
SERVICE_CREDIT: Final = "service_credit"
NEGOTIATIONS: Final = "negotiations"
COLLISIONS: Final = "collisions"
COLLISION_RATE: Final = "collision_rate"
TIMEOUTS: Final = "timeouts"
RECOVERED: Final = "recovered"
RECOVERY: Final = "recovery"
MEAN_RECOVERY: Final = "mean_recovery"
MAX_RECOVERY: Final = "max_recovery"
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
MEANING: Final = "meaning"
REMEDIATION: Final = "remediation"

# --- values ----------------------------------------------------------------------------
UP: Final = "up"
DOWN: Final = "down"
UNKNOWN: Final = "unknown"
#: Tunnel (and connection) state values, in the order of the ``state`` category.
STATE_VALUES: Final = (UP, DOWN, UNKNOWN)
#: The cause of an outage no error event explains.
UNEXPLAINED: Final = "unexplained"
#: Separator of the causes listed for a connection outage.
CAUSE_SEPARATOR: Final = ", "

LEVEL_TUNNEL: Final = "tunnel"
LEVEL_CONNECTION: Final = "connection"
LEVELS: Final = (LEVEL_TUNNEL, LEVEL_CONNECTION)

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

DPD_TIMEOUT: Final = "dpd_timeout"
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
