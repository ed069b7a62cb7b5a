"""What happened to the tunnels besides the logs: AWS maintenance and customer changes.

Three sources, each into the maintenance events table
(:data:`vpnlog_analytics.schema.MAINTENANCE_COLUMNS`):

- **GetVpnTunnelReplacementStatus** (EC2 API reference): per tunnel
  ``MaintenanceDetails`` with ``LastMaintenanceApplied`` (when AWS last replaced the
  tunnel's endpoint), ``PendingMaintenance`` and ``MaintenanceAutoAppliedAfter``, next to
  ``VpnConnectionId``, ``VpnTunnelOutsideIpAddress``, ``CustomerGatewayId``,
  ``VpnGatewayId``/``TransitGatewayId``. It only knows the *last* maintenance.
- **AWS Health** ``DescribeEvents`` (filter ``services=["VPN"]``; ``events`` with ``arn``,
  ``service``, ``eventTypeCode``, ``eventTypeCategory``, ``startTime``, ``endTime``,
  ``statusCode``; ``nextToken``), ``DescribeEventDetails`` (``successfulSet`` items with
  ``event`` and ``eventDescription.latestDescription``) and ``DescribeAffectedEntities``
  (``entities`` with ``eventArn`` and ``entityValue`` = the ``vpn-…`` id); at most 10
  event ARNs per call of the latter two.
  The API needs a Business, Enterprise On-Ramp or Enterprise support plan and is served
  from ``us-east-1``; everyone else exports the events through EventBridge and reads the
  file with :func:`vpnlog_analytics.io.health.read_health_events`. Which events count as
  maintenance, and the VPN event type codes found in public material
  (``AWS_VPN_REDUNDANCY_LOSS``, ``AWS_VPN_SINGLE_TUNNEL_NOTIFICATION``), are described
  there.
- **CloudTrail** ``LookupEvents`` (one ``LookupAttributes`` item per call: ``EventName``;
  ``Events`` with ``EventId``, ``EventName``, ``EventTime``, ``Username``, ``Resources``
  and the JSON ``CloudTrailEvent`` holding ``requestParameters`` and ``errorCode``;
  ``NextToken``; 90 days of history; 2 calls per second per account and region) for the
  customer's own changes that replace tunnel endpoints: :data:`CHANGE_OPERATIONS`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

import boto3
import botocore.exceptions as bce
import pandas as pd

from .. import schema as s
from ..errors import AwsError, OptionError
from ..io.health import health_events_frame, maintenance_frame
from ..options import DEFAULT_RETRY_BUDGET, shared_doc, to_utc
from ._client import CallStats, RateLimiter, Retry, call, client, error_code
from .ec2 import _connections, _tunnel_rows

__all__ = [
    "CHANGE_OPERATIONS",
    "HealthUnavailableError",
    "fetch_cloudtrail_changes",
    "fetch_health_events",
    "fetch_maintenance",
    "fetch_replacement_status",
]

log = logging.getLogger(__name__)

#: Customer API calls that replace one or both tunnel endpoints (Site-to-Site VPN User
#: Guide, "Customer initiated endpoint replacements"), looked up in CloudTrail.
CHANGE_OPERATIONS = (
    "ModifyVpnConnection",
    "ModifyVpnConnectionOptions",
    "ModifyVpnTunnelOptions",
    "ModifyVpnTunnelCertificate",
    "ReplaceVpnTunnel",
)
#: Where each source's events come from (``sources=`` of :func:`fetch_maintenance`).
SOURCES = s.EVENT_SOURCES
#: The Health API's region (its global endpoint).
HEALTH_REGION = "us-east-1"
#: CloudTrail ``LookupEvents`` calls per second (the API's quota is 2).
CLOUDTRAIL_RATE = 2.0
REPLACEMENT_COLUMNS = (
    s.VPN_CONNECTION_ID,
    s.TUNNEL_IP,
    "customer_gateway_id",
    "gateway_id",
    "pending_maintenance",
    "maintenance_auto_applied_after",
    "last_maintenance_applied",
)
_ARNS_PER_CALL = 10
_LOOKBACK = pd.Timedelta(days=7)  # Health events that began before the window


class HealthUnavailableError(AwsError):
    """The account cannot call the AWS Health API (no Business or Enterprise support)."""


def _retry(budget: float) -> Retry:
    return Retry(budget=budget)


@shared_doc()
def fetch_replacement_status(
    vpn_connection_ids: Sequence[str] | None = None,
    *,
    boto3_session: boto3.Session | None = None,
    retry_budget: float = DEFAULT_RETRY_BUDGET,
) -> pd.DataFrame:
    """Read every tunnel's endpoint maintenance status (GetVpnTunnelReplacementStatus).

    Parameters
    ----------
    vpn_connection_ids : sequence of str, optional
        The connections; None: every connection of the session's region.
    {params.boto3_session}
    {params.retry_budget}

    Returns
    -------
    pandas.DataFrame
        One row per tunnel: ``vpn_connection_id``, ``tunnel_ip``, ``customer_gateway_id``,
        ``gateway_id`` (virtual private or transit gateway), ``pending_maintenance``,
        ``maintenance_auto_applied_after``, ``last_maintenance_applied`` (UTC, NaT when
        AWS reports none).

    Examples
    --------
    >>> fetch_replacement_status(["vpn-0abc12345"])  # doctest: +SKIP
    """
    retry = _retry(retry_budget)
    ec2 = client("ec2", boto3_session)
    rows = []
    conns = _connections(ec2, list(vpn_connection_ids) if vpn_connection_ids else None)
    for conn in conns:
        for tunnel in _tunnel_rows(conn):
            if not tunnel["tunnel_ip"]:
                continue
            resp = call(
                ec2.get_vpn_tunnel_replacement_status,
                "ec2",
                "GetVpnTunnelReplacementStatus",
                retry=retry,
                expect="VpnConnectionId",
                VpnConnectionId=tunnel["vpn_connection_id"],
                VpnTunnelOutsideIpAddress=tunnel["tunnel_ip"],
            )
            details = resp.get("MaintenanceDetails") or {}
            rows.append(
                (
                    resp.get("VpnConnectionId", tunnel["vpn_connection_id"]),
                    resp.get("VpnTunnelOutsideIpAddress", tunnel["tunnel_ip"]),
                    resp.get("CustomerGatewayId"),
                    resp.get("VpnGatewayId") or resp.get("TransitGatewayId"),
                    details.get("PendingMaintenance"),
                    details.get("MaintenanceAutoAppliedAfter"),
                    details.get("LastMaintenanceApplied"),
                )
            )
    frame = pd.DataFrame(rows, columns=list(REPLACEMENT_COLUMNS))
    for col in ("maintenance_auto_applied_after", "last_maintenance_applied"):
        frame[col] = pd.to_datetime(frame[col], utc=True).astype("datetime64[ns, UTC]")
    return frame.sort_values([s.VPN_CONNECTION_ID, s.TUNNEL_IP], ignore_index=True)


def replacement_events(status: pd.DataFrame) -> pd.DataFrame:
    """Turn :func:`fetch_replacement_status` rows into maintenance events.

    Parameters
    ----------
    status : pandas.DataFrame
        As :func:`fetch_replacement_status` returns.

    Returns
    -------
    pandas.DataFrame
        The maintenance events table: per tunnel the last maintenance applied (``kind``
        ``LastMaintenanceApplied``, an instant) and pending maintenance
        (``PendingMaintenance``, at the time after which AWS applies it).
    """
    rows = []
    for r in status.to_dict("records"):
        ref = f"{r[s.VPN_CONNECTION_ID]}/{r[s.TUNNEL_IP]}"
        last = r["last_maintenance_applied"]
        if pd.notna(last):
            rows.append(
                (
                    r[s.VPN_CONNECTION_ID], r[s.TUNNEL_IP], last, last, s.AWS_MAINTENANCE,
                    "replacement_status", "LastMaintenanceApplied", ref,
                    "tunnel endpoint maintenance applied",
                )
            )  # fmt: skip
        due = r["maintenance_auto_applied_after"]
        if r["pending_maintenance"] and pd.notna(due):
            rows.append(
                (
                    r[s.VPN_CONNECTION_ID], r[s.TUNNEL_IP], due, due, s.AWS_MAINTENANCE,
                    "replacement_status", "PendingMaintenance", ref,
                    f"pending maintenance: {r['pending_maintenance']}",
                )
            )  # fmt: skip
    return maintenance_frame(rows)


def _health_call(fn: Any, operation: str, retry: Retry, **kwargs: Any) -> dict[str, Any]:
    try:
        result: dict[str, Any] = call(fn, "health", operation, retry=retry, **kwargs)
    except bce.ClientError as exc:
        if error_code(exc) == "SubscriptionRequiredException":
            raise HealthUnavailableError(
                "health:DescribeEvents: the AWS Health API needs a Business, Enterprise "
                "On-Ramp or Enterprise support plan; route AWS Health events to EventBridge "
                "(source aws.health, service VPN), store them, and read the file with "
                "vpnlog_analytics.io.health.read_health_events() (vpnlog maintenance "
                "--health-file)"
            ) from None
        raise
    return result


@shared_doc()
def fetch_health_events(
    vpn_connection_ids: Sequence[str] | None = None,
    *,
    start: Any,
    end: Any,
    boto3_session: boto3.Session | None = None,
    retry_budget: float = DEFAULT_RETRY_BUDGET,
) -> pd.DataFrame:
    """Read the AWS Health events of the VPN service that overlap the window.

    Events that began up to 7 days before ``start`` are looked up too (a maintenance
    notice that began earlier and is still open); an event without an end is an instant.

    Parameters
    ----------
    vpn_connection_ids : sequence of str, optional
        Keep only events affecting these connections (and region-wide ones).
    {params.aws_window}
    {params.boto3_session}
        The Health client uses ``us-east-1``.
    {params.retry_budget}

    Returns
    -------
    pandas.DataFrame
        The maintenance events table, source ``health``.

    Raises
    ------
    HealthUnavailableError
        The account has no support plan that includes the Health API.
    """
    t0, t1 = to_utc(start, "start"), to_utc(end, "end")
    retry = _retry(retry_budget)
    health = client("health", boto3_session, region_name=HEALTH_REGION)
    kwargs: dict[str, Any] = {
        "filter": {
            "services": ["VPN"],
            "startTimes": [{"from": (t0 - _LOOKBACK).to_pydatetime(), "to": t1.to_pydatetime()}],
        },
        "maxResults": 100,
    }
    events: list[dict[str, Any]] = []
    while True:
        resp = _health_call(
            health.describe_events, "DescribeEvents", retry, expect="events", **kwargs
        )
        events += resp.get("events") or []
        if not resp.get("nextToken"):
            break
        kwargs["nextToken"] = resp["nextToken"]
    entities: dict[str, list[str]] = {}
    arns = [str(e["arn"]) for e in events if e.get("arn")]
    texts: dict[str, Any] = {}
    for i in range(0, len(arns), _ARNS_PER_CALL):
        resp = _health_call(
            health.describe_event_details,
            "DescribeEventDetails",
            retry,
            expect="successfulSet",
            eventArns=arns[i : i + _ARNS_PER_CALL],
        )
        for item in resp.get("successfulSet") or []:
            arn = str((item.get("event") or {}).get("arn"))
            texts[arn] = item.get("eventDescription")
        ekw: dict[str, Any] = {"filter": {"eventArns": arns[i : i + _ARNS_PER_CALL]}}
        while True:
            resp = _health_call(
                health.describe_affected_entities,
                "DescribeAffectedEntities",
                retry,
                expect="entities",
                **ekw,
            )
            for ent in resp.get("entities") or []:
                entities.setdefault(str(ent.get("eventArn")), []).append(
                    str(ent.get("entityValue", ""))
                )
            if not resp.get("nextToken"):
                break
            ekw["nextToken"] = resp["nextToken"]
    described = [{**e, "eventDescription": texts.get(str(e.get("arn")))} for e in events]
    frame = health_events_frame(described, entities)
    keep = (frame["end"] >= t0) & (frame["start"] < t1)
    if vpn_connection_ids:
        keep &= (
            frame[s.VPN_CONNECTION_ID].isin(list(vpn_connection_ids))
            | frame[s.VPN_CONNECTION_ID].isna()
        )
    return frame[keep].reset_index(drop=True)


def _find(params: Any, key: str) -> str | None:
    """Return the first value of ``key`` (any case) anywhere in nested request parameters."""
    if isinstance(params, dict):
        for k, v in params.items():
            if k.lower() == key and isinstance(v, str):
                return v
        for v in params.values():
            found = _find(v, key)
            if found:
                return found
    elif isinstance(params, list):
        for v in params:
            found = _find(v, key)
            if found:
                return found
    return None


def cloudtrail_rows(event: dict[str, Any]) -> tuple[Any, ...] | None:
    """Turn one ``LookupEvents`` event into a maintenance event row (None: not a change).

    Parameters
    ----------
    event : dict
        An item of ``Events``.

    Returns
    -------
    tuple or None
        (connection, tunnel or None, time, time, ``customer_change``, ``cloudtrail``,
        event name, event id, description); None for a call that failed (``errorCode``
        in the record: nothing changed) or that names no connection.
    """
    record: dict[str, Any] = {}
    try:
        record = json.loads(event.get("CloudTrailEvent") or "{}")
    except json.JSONDecodeError:
        log.info("CloudTrail event %s: unreadable CloudTrailEvent", event.get("EventId"))
    if record.get("errorCode"):
        return None
    params = record.get("requestParameters") or {}
    vpn = _find(params, "vpnconnectionid")
    if vpn is None:
        for res in event.get("Resources") or []:
            if str(res.get("ResourceName", "")).startswith("vpn-"):
                vpn = str(res["ResourceName"])
                break
    if vpn is None:
        return None
    ip = _find(params, "vpntunneloutsideipaddress")
    when = pd.Timestamp(event.get("EventTime") or record.get("eventTime"))
    when = when.tz_localize("UTC") if when.tzinfo is None else when.tz_convert("UTC")
    name = str(event.get("EventName") or record.get("eventName"))
    who = event.get("Username") or (record.get("userIdentity") or {}).get("arn") or "unknown"
    ref = str(event.get("EventId") or record.get("eventID") or "")
    return (vpn, ip, when, when, s.CUSTOMER_CHANGE, "cloudtrail", name, ref, f"{name} by {who}")


@shared_doc()
def fetch_cloudtrail_changes(
    vpn_connection_ids: Sequence[str] | None = None,
    *,
    start: Any,
    end: Any,
    boto3_session: boto3.Session | None = None,
    operations: Sequence[str] = CHANGE_OPERATIONS,
    calls_per_second: float = CLOUDTRAIL_RATE,
    retry_budget: float = DEFAULT_RETRY_BUDGET,
) -> pd.DataFrame:
    """Look up the customer's changes to the VPN connections in CloudTrail.

    One ``LookupEvents`` query per operation (the API takes one lookup attribute), all
    pages, within the API's rate. Failed calls (an ``errorCode`` in the record) changed
    nothing and are left out; ``attrs["failed_calls"]`` counts them.

    Parameters
    ----------
    vpn_connection_ids : sequence of str, optional
        Keep only changes of these connections.
    {params.aws_window}
        CloudTrail keeps 90 days of management events.
    {params.boto3_session}
    operations : sequence of str
        Event names to look up; default :data:`CHANGE_OPERATIONS`.
    calls_per_second : float
        Call rate (the API allows 2 per second per account and region).
    {params.retry_budget}

    Returns
    -------
    pandas.DataFrame
        The maintenance events table, source ``cloudtrail``, context ``customer_change``.
    """
    t0, t1 = to_utc(start, "start"), to_utc(end, "end")
    unknown = sorted(set(operations) - set(CHANGE_OPERATIONS))
    if unknown:
        raise OptionError(f"operations {unknown} are not VPN changes; allowed: {CHANGE_OPERATIONS}")
    if pd.Timestamp.now(tz="UTC") - t0 > pd.Timedelta(days=90):
        log.warning("CloudTrail LookupEvents holds 90 days; changes before that are not found")
    retry = _retry(retry_budget)
    limiter = RateLimiter(calls_per_second)
    stats = CallStats()
    trail = client("cloudtrail", boto3_session)
    rows, failed = [], 0
    wanted = set(vpn_connection_ids or ())
    for name in operations:
        kwargs: dict[str, Any] = {
            "LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": name}],
            "StartTime": t0.to_pydatetime(),
            "EndTime": t1.to_pydatetime(),
            "MaxResults": 50,
        }
        while True:
            resp = call(
                trail.lookup_events,
                "cloudtrail",
                "LookupEvents",
                retry=retry,
                limiter=limiter,
                stats=stats,
                expect="Events",
                **kwargs,
            )
            for event in resp.get("Events") or []:
                row = cloudtrail_rows(event)
                if row is None:
                    failed += 1
                elif not wanted or row[0] in wanted:
                    rows.append(row)
            if not resp.get("NextToken"):
                break
            kwargs["NextToken"] = resp["NextToken"]
    frame = maintenance_frame(rows)
    frame.attrs.update(failed_calls=failed, calls=dict(stats.calls), retries=dict(stats.retries))
    return frame


@shared_doc()
def fetch_maintenance(
    vpn_connection_ids: Sequence[str] | None = None,
    *,
    start: Any,
    end: Any,
    sources: Sequence[str] = SOURCES,
    boto3_session: boto3.Session | None = None,
    retry_budget: float = DEFAULT_RETRY_BUDGET,
) -> pd.DataFrame:
    """Gather AWS maintenance and customer changes of the connections from every source.

    Parameters
    ----------
    vpn_connection_ids : sequence of str, optional
        The connections; None: every connection of the region.
    {params.aws_window}
    sources : sequence of {"replacement_status", "health", "cloudtrail"}
        Which sources to ask. A source the account cannot use (no Health API) is left out
        with a warning and named in ``attrs["unavailable"]``.
    {params.boto3_session}
    {params.retry_budget}

    Returns
    -------
    pandas.DataFrame
        The maintenance events table (:data:`~vpnlog_analytics.schema.MAINTENANCE_COLUMNS`)
        of the window; ``attrs["sources"]`` counts rows per source.

    Examples
    --------
    >>> events = fetch_maintenance(start="2026-10-01", end="2026-11-01")  # doctest: +SKIP
    """
    bad = sorted(set(sources) - set(SOURCES))
    if bad:
        raise OptionError(f"sources {bad} are not valid; choose from {', '.join(SOURCES)}")
    t0, t1 = to_utc(start, "start"), to_utc(end, "end")
    frames, unavailable = [], {}
    if "replacement_status" in sources:
        status = fetch_replacement_status(
            vpn_connection_ids, boto3_session=boto3_session, retry_budget=retry_budget
        )
        ev = replacement_events(status)
        frames.append(ev[(ev["start"] >= t0) & (ev["start"] < t1)])
    if "health" in sources:
        try:
            frames.append(
                fetch_health_events(
                    vpn_connection_ids,
                    start=t0,
                    end=t1,
                    boto3_session=boto3_session,
                    retry_budget=retry_budget,
                )
            )
        except HealthUnavailableError as exc:
            log.warning("%s", exc)
            unavailable["health"] = str(exc)
    if "cloudtrail" in sources:
        frames.append(
            fetch_cloudtrail_changes(
                vpn_connection_ids,
                start=t0,
                end=t1,
                boto3_session=boto3_session,
                retry_budget=retry_budget,
            )
        )
    rows = [r for f in frames for r in f.itertuples(index=False, name=None)]
    out = maintenance_frame(rows)
    out.attrs["sources"] = {src: int((out[s.EVENT_SOURCE] == src).sum()) for src in sources}
    out.attrs["unavailable"] = unavailable
    return out
