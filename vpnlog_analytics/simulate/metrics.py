"""CloudWatch ``AWS/VPN`` metrics and maintenance events for a simulation, with exact truth.

:func:`simulate_metrics` turns a :class:`~vpnlog_analytics.simulate.Simulation`'s true
tunnel states (``Simulation.truth``: what the tunnels were, also where the logs are silent
or missing) into the 1-minute points CloudWatch would hold (``TunnelState`` as the share
of the minute up, ``TunnelDataIn``/``TunnelDataOut`` as bytes), and adds what the logs
cannot show: metrics from before logging began, idle tunnels, spells of no traffic on a
tunnel that normally carries it, and disagreements (``TunnelState`` 0 while IPsec is up:
on a BGP tunnel the metric follows the BGP session). Maintenance events (an AWS tunnel
endpoint replacement, a customer's change of tunnel options) are rendered in the response
shapes of ``GetVpnTunnelReplacementStatus``, AWS Health and CloudTrail ``LookupEvents``.

:func:`reconcile_scenario` is one such story with its ground truth, used by the tests,
the samples and the documentation.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd

from .. import schema as s
from .scenario import Incident, Simulation, simulate_logs
from .truth import merge_spans

__all__ = [
    "MaintenanceEvent",
    "MetricSimulation",
    "Window",
    "reconcile_scenario",
    "simulate_metrics",
]

#: Resolution of the simulated points [s] (CloudWatch's finest for ``AWS/VPN``).
POINT: Final = 60
_ACCOUNT: Final = "123456789012"
_REGION: Final = "us-east-1"
_ENTITY: Final = f"arn:aws:health:{_REGION}:{_ACCOUNT}:entity/"


@dataclass(frozen=True)
class Window:
    """A time window of one tunnel (``tunnel`` 0/1 or outside IP) of one connection."""

    connection: int | str
    tunnel: int | str
    start: Any
    end: Any


@dataclass(frozen=True)
class MaintenanceEvent:
    """One maintenance event: an AWS endpoint replacement or a customer change.

    Parameters
    ----------
    kind : {"replacement", "customer_change"}
        ``replacement``: AWS replaced the tunnel's endpoint at ``time`` (reported by
        ``GetVpnTunnelReplacementStatus`` as the last maintenance applied and by an AWS
        Health event); ``customer_change``: the customer called ``operation`` at ``time``
        (a CloudTrail event).
    connection, tunnel : int or str
        As for :class:`Window`; ``tunnel=None`` for a change of the whole connection.
    time : str or pandas.Timestamp
        When (UTC).
    operation : str
        The API the customer called (``ModifyVpnTunnelOptions``, ``ModifyVpnConnection``,
        ``ReplaceVpnTunnel``, ...); ignored for replacements.
    """

    kind: str
    connection: int | str
    tunnel: int | str | None
    time: Any
    operation: str = "ModifyVpnTunnelOptions"


@dataclass
class MetricSimulation:
    """Metrics and maintenance events of a simulation, with their ground truth.

    Attributes
    ----------
    metrics : pandas.DataFrame
        The metrics table (:data:`vpnlog_analytics.schema.METRIC_COLUMNS`), 1-minute points.
    maintenance : pandas.DataFrame
        The maintenance events (:data:`~vpnlog_analytics.schema.MAINTENANCE_COLUMNS`), as
        the sources report them (a replacement at one instant: ``start == end``).
    reported_up : pandas.DataFrame
        Per tunnel the intervals in which ``TunnelState`` reports up (``start``, ``end``).
    traffic : pandas.DataFrame
        Per tunnel the intervals in which traffic flows.
    windows : dict of str to list of Window
        The ``idle``, ``quiet`` and ``disagree`` windows asked for, resolved.
    start, end : pandas.Timestamp
        The metrics' window.
    """

    metrics: pd.DataFrame
    maintenance: pd.DataFrame
    reported_up: pd.DataFrame
    traffic: pd.DataFrame
    tunnels: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    idle: list[tuple[str, str]] = field(default_factory=list)

    # -- documented response shapes ------------------------------------------------------
    def replacement_status(self, vpn_connection_id: str, tunnel_ip: str) -> dict[str, Any]:
        """Return the ``GetVpnTunnelReplacementStatus`` response of one tunnel.

        Shape as in the EC2 API reference (``VpnConnectionId``, ``CustomerGatewayId``,
        ``VpnGatewayId``, ``VpnTunnelOutsideIpAddress``, ``MaintenanceDetails`` with
        ``PendingMaintenance``, ``MaintenanceAutoAppliedAfter``, ``LastMaintenanceApplied``).
        """
        m = self.maintenance
        mine = m[
            (m[s.EVENT_SOURCE] == "replacement_status")
            & (m[s.VPN_CONNECTION_ID] == vpn_connection_id)
            & (m[s.TUNNEL_IP] == tunnel_ip)
        ]
        row = self.tunnels[
            (self.tunnels[s.VPN_CONNECTION_ID] == vpn_connection_id)
            & (self.tunnels[s.TUNNEL_IP] == tunnel_ip)
        ].iloc[0]
        details: dict[str, Any] = {}
        if len(mine):
            details["LastMaintenanceApplied"] = mine["start"].max().to_pydatetime()
        return {
            "VpnConnectionId": vpn_connection_id,
            "CustomerGatewayId": str(row["cgw_id"]),
            "VpnGatewayId": "vgw-" + vpn_connection_id[4:21],
            "VpnTunnelOutsideIpAddress": tunnel_ip,
            "MaintenanceDetails": details,
        }

    def health_eventbridge(self) -> list[dict[str, Any]]:
        """Return the AWS Health events as EventBridge delivers them (``aws.health``)."""
        out = []
        for r in _records(self.maintenance[self.maintenance[s.EVENT_SOURCE] == "health"]):
            code = r[s.KIND]
            start, end = r["start"], r["end"]
            detail = {
                "eventArn": r[s.REFERENCE],
                "service": "VPN",
                "eventTypeCode": code,
                "eventTypeCategory": "scheduledChange",
                "eventScopeCode": "ACCOUNT_SPECIFIC",
                "communicationId": r[s.REFERENCE].rsplit("/", 1)[-1],
                "startTime": f"{start:%a, %d %b %Y %H:%M:%S} GMT",
                "endTime": f"{end:%a, %d %b %Y %H:%M:%S} GMT",
                "lastUpdatedTime": f"{end:%a, %d %b %Y %H:%M:%S} GMT",
                "statusCode": "closed",
                "eventRegion": _REGION,
                "eventDescription": [{"language": "en_US", "latestDescription": r[s.DESCRIPTION]}],
                "affectedEntities": [{"entityValue": r[s.VPN_CONNECTION_ID]}],
            }
            out.append(
                {
                    "version": "0",
                    "id": f"{abs(hash(r[s.REFERENCE])) % 10**12:012d}-sim",
                    "detail-type": "AWS Health Event",
                    "source": "aws.health",
                    "account": _ACCOUNT,
                    "time": f"{start:%Y-%m-%dT%H:%M:%SZ}",
                    "region": _REGION,
                    "resources": [r[s.VPN_CONNECTION_ID]],
                    "detail": detail,
                }
            )
        return out

    def health_api(self) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        """Return the Health API's responses of the story's events.

        ``DescribeEvents``, ``DescribeEventDetails`` and ``DescribeAffectedEntities``.
        """
        rows = _records(self.maintenance[self.maintenance[s.EVENT_SOURCE] == "health"])
        events = {
            "events": [
                {
                    "arn": r[s.REFERENCE],
                    "service": "VPN",
                    "eventTypeCode": r[s.KIND],
                    "eventTypeCategory": "scheduledChange",
                    "region": _REGION,
                    "startTime": r["start"].to_pydatetime(),
                    "endTime": r["end"].to_pydatetime(),
                    "lastUpdatedTime": r["end"].to_pydatetime(),
                    "statusCode": "closed",
                    "eventScopeCode": "ACCOUNT_SPECIFIC",
                }
                for r in rows
            ]
        }
        entities = {
            "entities": [
                {
                    "entityArn": f"{_ENTITY}{r[s.VPN_CONNECTION_ID]}",
                    "eventArn": r[s.REFERENCE],
                    "entityValue": r[s.VPN_CONNECTION_ID],
                    "awsAccountId": _ACCOUNT,
                    "statusCode": "RESOLVED",
                }
                for r in rows
            ]
        }
        details = {
            "successfulSet": [
                {
                    "event": event,
                    "eventDescription": {"latestDescription": r[s.DESCRIPTION]},
                    "eventMetadata": {},
                }
                for event, r in zip(events["events"], rows, strict=True)
            ],
            "failedSet": [],
        }
        return events, details, entities

    def lookup_events(self) -> dict[str, Any]:
        """Return the CloudTrail ``LookupEvents`` response holding the customer changes."""
        events = []
        for r in _records(self.maintenance[self.maintenance[s.EVENT_SOURCE] == "cloudtrail"]):
            name, when = r[s.KIND], r["start"]
            params: dict[str, Any] = {"VpnConnectionId": r[s.VPN_CONNECTION_ID]}
            if r[s.TUNNEL_IP] is not None:
                params["VpnTunnelOutsideIpAddress"] = r[s.TUNNEL_IP]
            if name == "ModifyVpnTunnelOptions":
                params["TunnelOptions"] = {"PreSharedKey": "HIDDEN_DUE_TO_SECURITY_REASONS"}
            record = {
                "eventVersion": "1.09",
                "userIdentity": {"type": "IAMUser", "userName": "netops"},
                "eventTime": f"{when:%Y-%m-%dT%H:%M:%SZ}",
                "eventSource": "ec2.amazonaws.com",
                "eventName": name,
                "awsRegion": _REGION,
                "requestParameters": {f"{name}Request": params},
                "eventID": r[s.REFERENCE],
                "readOnly": False,
                "eventType": "AwsApiCall",
                "managementEvent": True,
                "recipientAccountId": _ACCOUNT,
            }
            events.append(
                {
                    "EventId": r[s.REFERENCE],
                    "EventName": name,
                    "ReadOnly": "false",
                    "EventTime": when.to_pydatetime(),
                    "EventSource": "ec2.amazonaws.com",
                    "Username": "netops",
                    "Resources": [
                        {
                            "ResourceType": "AWS::EC2::VPNConnection",
                            "ResourceName": r[s.VPN_CONNECTION_ID],
                        }
                    ],
                    "CloudTrailEvent": json.dumps(record),
                }
            )
        return {"Events": sorted(events, key=lambda e: e["EventTime"], reverse=True)}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict("records"):
        out.append({str(k): (None if v is pd.NA or v is None else v) for k, v in row.items()})
    return out


# --- interval helpers in whole seconds -------------------------------------------------------
def _epoch(ts: Any) -> int:
    t = pd.Timestamp(ts)
    t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    return int(t.value // 1_000_000_000)


def _subtract(iv: list[tuple[int, int]], cut: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for a, b in iv:
        pieces = [(a, b)]
        for c, d in cut:
            nxt = []
            for x, y in pieces:
                if d <= x or c >= y:
                    nxt.append((x, y))
                    continue
                if x < c:
                    nxt.append((x, c))
                if d < y:
                    nxt.append((d, y))
            pieces = nxt
        out += pieces
    return out


def _per_point(iv: list[tuple[int, int]], edges: np.ndarray) -> np.ndarray:
    """Seconds of ``iv`` in each point ``[edges[i], edges[i+1])``."""
    out = np.zeros(edges.size - 1, dtype=np.int64)
    for a, b in iv:
        lo = np.clip(edges[:-1], a, b)
        hi = np.clip(edges[1:], a, b)
        out += hi - lo
    return out


def _tunnel_key(tunnels: pd.DataFrame, w: Window | MaintenanceEvent) -> tuple[str, str | None]:
    conn = tunnels[
        (tunnels["connection"] == w.connection) | (tunnels[s.VPN_CONNECTION_ID] == w.connection)
    ]
    if conn.empty:
        raise ValueError(f"no connection {w.connection!r} in the simulation")
    if w.tunnel is None:
        return str(conn[s.VPN_CONNECTION_ID].iloc[0]), None
    row = conn[(conn["tunnel"] == w.tunnel) | (conn[s.TUNNEL_IP] == w.tunnel)]
    if row.empty:
        raise ValueError(f"no tunnel {w.tunnel!r} in connection {w.connection!r}")
    return str(row[s.VPN_CONNECTION_ID].iloc[0]), str(row[s.TUNNEL_IP].iloc[0])


def simulate_metrics(
    sim: Simulation,
    *,
    start: Any = None,
    end: Any = None,
    idle: Sequence[tuple[int | str, int | str]] = (),
    quiet: Sequence[Window] = (),
    disagree: Sequence[Window] = (),
    down: Sequence[Window] = (),
    maintenance: Sequence[MaintenanceEvent] = (),
    seed: int | None = None,
) -> MetricSimulation:
    """Simulate the ``AWS/VPN`` metrics and maintenance events of a simulation's tunnels.

    ``TunnelState`` of each minute is the share of the minute the tunnel was up by the
    simulation's truth (the Average of CloudWatch's samples), 0 inside ``disagree``
    windows. The truth is what the tunnel really was, not what its log shows, so the
    metric follows the tunnel through logging gaps and silent outages: it is the
    independent check that tells a silent down tunnel from logging that stopped, and it
    shows a recovery no record logged. Before the simulation's start (``start`` earlier)
    the tunnels were up, logging not yet enabled. Bytes flow in and out at a per-tunnel
    rate (varying by minute) whenever the metric says up, except on ``idle`` tunnels
    (never) and inside ``quiet`` windows.

    Parameters
    ----------
    sim : Simulation
        The simulated logs and their truth.
    start, end : str or pandas.Timestamp, optional
        The metrics' window (whole minutes); default the simulation's.
    idle : sequence of (connection, tunnel)
        Tunnels that carry no traffic at all (a standby tunnel).
    quiet : sequence of Window
        Spells in which a tunnel is up but carries no traffic.
    disagree : sequence of Window
        Spells in which ``TunnelState`` says down although IPsec is up (a BGP session
        down: for BGP tunnels the metric follows BGP) -- no traffic flows then either.
    down : sequence of Window
        Spells in which the tunnel was down although the simulation's truth does not say
        so: meant for the time before the logs begin, which only the metrics see.
    maintenance : sequence of MaintenanceEvent
        AWS endpoint replacements (replacement status + Health event) and customer
        changes (CloudTrail).
    seed : int, optional
        Seed of the traffic figures; default the simulation's.

    Returns
    -------
    MetricSimulation

    Examples
    --------
    >>> from vpnlog_analytics.simulate import simulate_logs
    >>> sim = simulate_logs("2026-10-01", "2026-10-01 01:00", connections=1, seed=1)
    >>> m = simulate_metrics(sim)
    >>> sorted(m.metrics.metric.unique())
    ['TunnelDataIn', 'TunnelDataOut', 'TunnelState']
    """
    t0 = _epoch(sim.start if start is None else start)
    t1 = _epoch(sim.end if end is None else end)
    t0, t1 = t0 - t0 % POINT, t1 - t1 % POINT
    if t1 <= t0:
        raise ValueError("the metrics window must hold at least one whole minute")
    rng = np.random.default_rng([sim.seed if seed is None else seed, 15])
    tunnels = sim.tunnels
    edges = np.arange(t0, t1 + 1, POINT, dtype=np.int64)
    idle_keys = {_tunnel_key(tunnels, Window(c, t, 0, 0)) for c, t in idle}
    resolved: dict[str, dict[tuple[str, str | None], list[tuple[int, int]]]] = {}
    for name, wins in (("quiet", quiet), ("disagree", disagree), ("down", down)):
        spans: dict[tuple[str, str | None], list[tuple[int, int]]] = {}
        for w in wins:
            spans.setdefault(_tunnel_key(tunnels, w), []).append((_epoch(w.start), _epoch(w.end)))
        resolved[name] = spans
    frames, up_rows, traffic_rows = [], [], []
    for row in tunnels.to_dict("records"):
        key = (str(row[s.VPN_CONNECTION_ID]), str(row[s.TUNNEL_IP]))
        reported, flowing = _reported_and_flowing(sim, key, t0, t1, resolved, idle=key in idle_keys)
        frames += _metric_frames(key, reported, flowing, edges, rng)
        up_rows += [(*key, a, b) for a, b in reported]
        traffic_rows += [(*key, a, b) for a, b in flowing]
    metrics = s.tidy_metrics(pd.concat(frames, ignore_index=True))
    return MetricSimulation(
        metrics=metrics,
        maintenance=_maintenance(tunnels, maintenance),
        reported_up=_spans(up_rows),
        traffic=_spans(traffic_rows),
        tunnels=tunnels,
        start=pd.Timestamp(t0, unit="s", tz="UTC"),
        end=pd.Timestamp(t1, unit="s", tz="UTC"),
        idle=sorted((a, b) for a, b in idle_keys if b is not None),
    )


def _reported_and_flowing(
    sim: Simulation,
    key: tuple[str, str],
    t0: int,
    t1: int,
    resolved: dict[str, dict[tuple[str, str | None], list[tuple[int, int]]]],
    *,
    idle: bool,
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Return a tunnel's spans [s] that ``TunnelState`` reports up, and that carry traffic.

    Up is the simulation's truth (and up before logging began) within ``[t0, t1)``, less
    the ``down`` windows; reported up is that less the ``disagree`` windows; traffic flows
    while reported up, outside ``quiet`` windows, on a tunnel that is not idle.
    """
    t = sim.truth[(sim.truth[s.VPN_CONNECTION_ID] == key[0]) & (sim.truth[s.TUNNEL_IP] == key[1])]
    up = [
        (_epoch(a), _epoch(b))
        for a, b, st in zip(t["start"], t["end"], t["state"], strict=True)
        if st == "up"
    ]
    first = _epoch(t["start"].min()) if len(t) else _epoch(sim.start)
    if t0 < first:
        up.insert(0, (t0, first))  # up before logging began
    up = [(max(a, t0), min(b, t1)) for a, b in up if min(b, t1) > max(a, t0)]
    up = merge_spans(_subtract(up, resolved["down"].get(key, [])))
    reported = _subtract(up, resolved["disagree"].get(key, []))
    flowing = [] if idle else _subtract(reported, resolved["quiet"].get(key, []))
    return reported, flowing


def _metric_frames(
    key: tuple[str, str],
    reported: list[tuple[int, int]],
    flowing: list[tuple[int, int]],
    edges: np.ndarray,
    rng: np.random.Generator,
) -> list[pd.DataFrame]:
    """Return a tunnel's three metrics per point: the share up, bytes in, bytes out."""
    state = _per_point(reported, edges) / POINT
    flow_s = _per_point(flowing, edges)
    rate_in, rate_out = rng.uniform(2e3, 5e4), rng.uniform(2e3, 5e4)
    noise = rng.uniform(0.5, 1.5, size=(2, flow_s.size))
    data_in = np.where(flow_s > 0, np.maximum(1, np.round(rate_in * flow_s * noise[0])), 0)
    data_out = np.where(flow_s > 0, np.maximum(1, np.round(rate_out * flow_s * noise[1])), 0)
    times = pd.to_datetime(edges[:-1], unit="s", utc=True)
    return [
        pd.DataFrame(
            {
                s.TIME: times,
                s.VPN_CONNECTION_ID: key[0],
                s.TUNNEL_IP: key[1],
                s.METRIC: metric,
                s.VALUE: values.astype(float),
                s.METRIC_PERIOD: POINT,
            }
        )
        for metric, values in (
            (s.TUNNEL_STATE, state),
            (s.TUNNEL_DATA_IN, data_in),
            (s.TUNNEL_DATA_OUT, data_out),
        )
    ]


def _spans(rows: list[tuple[str, str, int, int]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=[s.VPN_CONNECTION_ID, s.TUNNEL_IP, "start", "end"])
    for col in ("start", "end"):
        frame[col] = pd.to_datetime(frame[col].astype("int64"), unit="s", utc=True)
    return frame


#: Event type code of the simulated tunnel endpoint replacement notification. The public
#: material names the notification but not its code (see :mod:`vpnlog_analytics.io.health`):
#: a placeholder, marked as such; classification never depends on it.
REPLACEMENT_CODE: Final = "SIMULATED_AWS_VPN_TUNNEL_ENDPOINT_REPLACEMENT"
_REPLACEMENT_TEXT: Final = (
    "AWS replaced the endpoint of one tunnel of your VPN connection {vpn} during routine "
    "maintenance. The tunnel was unavailable while the new endpoint was provisioned."
)


def _maintenance(tunnels: pd.DataFrame, events: Sequence[MaintenanceEvent]) -> pd.DataFrame:
    rows = []
    for i, ev in enumerate(events):
        vpn, ip = _tunnel_key(tunnels, ev)
        when = pd.Timestamp(_epoch(ev.time), unit="s", tz="UTC")
        if ev.kind == "replacement":
            rows.append(
                (
                    vpn,
                    ip,
                    when,
                    when,
                    s.AWS_MAINTENANCE,
                    "replacement_status",
                    "LastMaintenanceApplied",
                    f"{vpn}/{ip}",
                    "tunnel endpoint maintenance applied",
                )
            )
            code = REPLACEMENT_CODE
            arn = f"arn:aws:health:{_REGION}::event/VPN/{code}/{code}-{_epoch(when)}-{i:04d}"
            end = when + pd.Timedelta(minutes=10)
            rows.append(
                (
                    vpn,
                    None,
                    when,
                    end,
                    s.AWS_MAINTENANCE,
                    "health",
                    code,
                    arn,
                    _REPLACEMENT_TEXT.format(vpn=vpn),
                )
            )
        elif ev.kind == "customer_change":
            ref = f"{_epoch(when):x}-{i:04d}-sim-cloudtrail"
            rows.append(
                (
                    vpn,
                    ip,
                    when,
                    when,
                    s.CUSTOMER_CHANGE,
                    "cloudtrail",
                    ev.operation,
                    ref,
                    f"{ev.operation} by netops",
                )
            )
        else:
            raise ValueError(f"maintenance kind {ev.kind!r}; allowed: replacement, customer_change")
    return s.maintenance_table(rows)


# --- the reconciliation story -----------------------------------------------------------------
#: Offsets (from the scenario's start) of the story's moments.
SCENARIO_LOGS_FROM: Final = pd.Timedelta(hours=2)


@dataclass
class Scenario:
    """The reconciliation story: logs, metrics, maintenance, and what they should show."""

    sim: Simulation
    metrics: MetricSimulation
    story: dict[str, Any]


def reconcile_scenario(day: Any = "2026-10-21", *, seed: int = 15) -> Scenario:
    """Build the reconciliation story over one day (two connections, four tunnels).

    - Metrics start two hours before the logs (logging enabled at 02:00).
    - c1/t1 (``tunnel 0`` of connection 0): its logging stops for two hours at 06:00 while
      the tunnel stays up -- a logging gap; at 15:20 the customer changes its tunnel
      options (CloudTrail ``ModifyVpnTunnelOptions``) and its pre-shared key no longer
      matches for 20 minutes -- an outage in the context of a customer change.
    - c1/t2: AWS replaces its endpoint at 10:00 (replacement status + Health event); the
      gateway sees a ``DELETE for IKE_SA`` and the tunnel is down for 3 minutes -- an
      outage in the context of AWS maintenance. From 18:00 to 19:00 ``TunnelState`` says
      down while IPsec is up (a disagreement: its BGP session was down).
    - c2/t1 carries traffic but none from 12:00 to 13:30 (up, no traffic); c2/t2 never
      carries any (an idle standby tunnel). c2/t1 has an unexplained DPD outage at 21:00
      (no maintenance, no change).
    - c2 is down as a whole twice: from 01:00:30 to 01:10:30, before logging began (t1
      down 01:00:30-01:10:30, t2 01:00:10-01:12:00; only the metrics know), and for
      10 minutes from 03:00 (both tunnels time out on DPD, in the logs).

    Parameters
    ----------
    day : str or pandas.Timestamp
        The UTC day of the metrics; logs start at 02:00 of it.
    seed : int
        The simulation's seed.

    Returns
    -------
    Scenario
        ``sim``, ``metrics`` and ``story`` (the moments above as Timestamps).
    """
    d0 = pd.Timestamp(_epoch(day), unit="s", tz="UTC").floor("D")
    at = {
        "logs_from": d0 + SCENARIO_LOGS_FROM,
        "gap": (d0 + pd.Timedelta(hours=6), d0 + pd.Timedelta(hours=8)),
        "replacement": d0 + pd.Timedelta(hours=10),
        "replacement_outage": (d0 + pd.Timedelta(hours=10), d0 + pd.Timedelta(hours=10, minutes=3)),
        "change": d0 + pd.Timedelta(hours=15, minutes=20),
        "psk_outage": (
            d0 + pd.Timedelta(hours=15, minutes=20, seconds=40),
            d0 + pd.Timedelta(hours=15, minutes=40, seconds=40),
        ),
        "disagree": (d0 + pd.Timedelta(hours=18), d0 + pd.Timedelta(hours=19)),
        "quiet": (d0 + pd.Timedelta(hours=12), d0 + pd.Timedelta(hours=13, minutes=30)),
        "dpd_outage": (d0 + pd.Timedelta(hours=21), d0 + pd.Timedelta(hours=21, minutes=7)),
        "early_down": (
            (d0 + pd.Timedelta("1h30s"), d0 + pd.Timedelta("1h10min30s")),
            (d0 + pd.Timedelta("1h10s"), d0 + pd.Timedelta("1h12min")),
        ),
        "both_down": (d0 + pd.Timedelta(hours=3), d0 + pd.Timedelta(hours=3, minutes=10)),
    }
    gap, rep, psk, dpd = at["gap"], at["replacement_outage"], at["psk_outage"], at["dpd_outage"]
    incidents = [
        Incident("logging_gap", 0, 0, gap[0], (gap[1] - gap[0]).total_seconds()),
        Incident("cgw_delete", 0, 1, rep[0], (rep[1] - rep[0]).total_seconds()),
        Incident("psk_mismatch", 0, 0, psk[0], (psk[1] - psk[0]).total_seconds()),
        Incident("dpd_timeout", 1, 0, dpd[0], (dpd[1] - dpd[0]).total_seconds()),
        Incident("both_down", 1, "both", at["both_down"][0], 600),
    ]
    sim = simulate_logs(
        at["logs_from"],
        d0 + pd.Timedelta(days=1),
        connections=2,
        seed=seed,
        incidents=incidents,
        ike_versions=("v2", "v2"),
        chatter=(60, 180),
    )
    metrics = simulate_metrics(
        sim,
        start=d0,
        end=d0 + pd.Timedelta(days=1),
        idle=[(1, 1)],
        quiet=[Window(1, 0, *at["quiet"])],
        disagree=[Window(0, 1, *at["disagree"])],
        down=[Window(1, 0, *at["early_down"][0]), Window(1, 1, *at["early_down"][1])],
        maintenance=[
            MaintenanceEvent("replacement", 0, 1, at["replacement"]),
            MaintenanceEvent("customer_change", 0, 0, at["change"]),
        ],
    )
    return Scenario(sim=sim, metrics=metrics, story=at)
