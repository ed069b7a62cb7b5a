"""EC2: which tunnels exist, whether they log, and turning their logging on.

``list_vpn_tunnels`` reads DescribeVpnConnections (tunnel options and the VGW telemetry);
``enable_logging`` writes ``TunnelOptions.LogOptions.CloudWatchLogOptions`` with
ModifyVpnTunnelOptions, one tunnel at a time, and by default only reports the change.
"""

from __future__ import annotations

import logging
import time
import warnings
from typing import Any

import boto3
import pandas as pd

from ..errors import AwsError, OptionError
from ..options import shared_doc
from ._client import Retry, call, client
from .errors import RegionMismatchError

__all__ = ["enable_logging", "list_vpn_tunnels"]

log = logging.getLogger(__name__)

_RETRY = Retry()
OUTPUT_FORMATS = ("json", "text")
TUNNEL_COLUMNS = (
    "vpn_connection_id",
    "tunnel_ip",
    "connection_state",
    "tunnel_status",
    "status_message",
    "last_status_change",
    "ike_versions",
    "log_enabled",
    "log_group_arn",
    "log_output_format",
    "bgp_log_enabled",
    "bgp_log_group_arn",
    "bgp_log_output_format",
)


def _connections(ec2: Any, ids: list[str] | None = None) -> list[dict[str, Any]]:
    kwargs: dict[str, Any] = {"VpnConnectionIds": ids} if ids else {}
    resp = call(
        ec2.describe_vpn_connections, "ec2", "DescribeVpnConnections", retry=_RETRY, **kwargs
    )
    return list(resp.get("VpnConnections", []))


def _tunnel_rows(conn: dict[str, Any]) -> list[dict[str, Any]]:
    options = {
        t.get("OutsideIpAddress"): t for t in (conn.get("Options") or {}).get("TunnelOptions", [])
    }
    telemetry = {t.get("OutsideIpAddress"): t for t in conn.get("VgwTelemetry") or []}
    rows = []
    for ip in list(dict.fromkeys([*options, *telemetry])):
        opt, tel = options.get(ip, {}), telemetry.get(ip, {})
        cw = (opt.get("LogOptions") or {}).get("CloudWatchLogOptions") or {}
        versions = [v.get("Value") for v in opt.get("IkeVersions", []) if v.get("Value")]
        rows.append(
            {
                "vpn_connection_id": conn.get("VpnConnectionId"),
                "tunnel_ip": ip,
                "connection_state": conn.get("State"),
                "tunnel_status": tel.get("Status"),
                "status_message": tel.get("StatusMessage"),
                "last_status_change": tel.get("LastStatusChange"),
                "ike_versions": ",".join(versions) if versions else None,
                "log_enabled": cw.get("LogEnabled", False) if opt else None,
                "log_group_arn": cw.get("LogGroupArn"),
                "log_output_format": cw.get("LogOutputFormat"),
                "bgp_log_enabled": cw.get("BgpLogEnabled", False) if opt else None,
                "bgp_log_group_arn": cw.get("BgpLogGroupArn"),
                "bgp_log_output_format": cw.get("BgpLogOutputFormat"),
            }
        )
    return rows


@shared_doc()
def list_vpn_tunnels(*, boto3_session: boto3.Session | None = None) -> pd.DataFrame:
    """List every Site-to-Site VPN tunnel of the region with its state and log options.

    Parameters
    ----------
    {params.boto3_session}
        The region is the session's.

    Returns
    -------
    pandas.DataFrame
        One row per tunnel: ``vpn_connection_id``, ``tunnel_ip`` (outside IP),
        ``connection_state``, ``tunnel_status`` (``UP``/``DOWN`` from telemetry),
        ``status_message``, ``last_status_change`` (UTC), ``ike_versions`` (``ikev1,ikev2``),
        ``log_enabled``, ``log_group_arn``, ``log_output_format``, ``bgp_log_enabled``,
        ``bgp_log_group_arn``, ``bgp_log_output_format``. Connections that report no
        tunnels yet (still pending) have no rows.

    Examples
    --------
    >>> tunnels = list_vpn_tunnels()  # doctest: +SKIP
    >>> tunnels[~tunnels.log_enabled]  # doctest: +SKIP
    """
    ec2 = client("ec2", boto3_session)
    rows = [row for conn in _connections(ec2) for row in _tunnel_rows(conn)]
    frame = pd.DataFrame(rows, columns=list(TUNNEL_COLUMNS))
    frame["last_status_change"] = pd.to_datetime(frame["last_status_change"], utc=True).astype(
        "datetime64[ns, UTC]"
    )
    for col in ("log_enabled", "bgp_log_enabled"):
        frame[col] = frame[col].astype("boolean")
    return frame.sort_values(["vpn_connection_id", "tunnel_ip"], ignore_index=True)


def _arn_region(arn: str) -> str:
    parts = arn.split(":")
    if len(parts) < 7 or parts[2] != "logs" or parts[5] != "log-group":
        raise OptionError(
            f"{arn!r} is not a log group ARN (arn:aws:logs:REGION:ACCOUNT:log-group:NAME)"
        )
    return parts[3]


def _wait_available(ec2: Any, vpn_connection_id: str, timeout: float, poll: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        (conn,) = _connections(ec2, [vpn_connection_id])
        if conn.get("State") == "available":
            return
        if time.monotonic() > deadline:
            raise AwsError(f"{vpn_connection_id} still {conn.get('State')} after {timeout:.0f} s")
        time.sleep(poll)


@shared_doc()
def enable_logging(
    vpn_connection_id: str,
    log_group_arn: str,
    *,
    output_format: str = "json",
    bgp: bool = False,
    dry_run: bool = True,
    boto3_session: boto3.Session | None = None,
    poll: float = 15.0,
    timeout: float = 1800.0,
) -> pd.DataFrame:
    """Turn on CloudWatch logging of both tunnels of a connection (report only by default).

    Warns (``UserWarning`` and the log) when the group name does not start with
    ``/aws/vendedlogs/`` (AWS's recommendation, because of the 5,120-character resource
    policy limit) and that changing a tunnel's options can interrupt that tunnel for
    several minutes. Tunnels are changed one at a time, waiting for the connection to
    be ``available`` again in between, so the other tunnel carries the traffic.

    Parameters
    ----------
    vpn_connection_id : str
        ``vpn-…``.
    log_group_arn : str
        ARN of the log group (same region as the connection).
    output_format : {"json", "text"}
        Record format; the package reads both, ``json`` carries the phase states.
    bgp : bool
        Also turn on BGP logging (into the same group).
    dry_run : bool
        Only report what would change.
    {params.boto3_session}
    poll, timeout : float
        Between tunnels: status checks every ``poll`` s, for at most ``timeout`` s.

    Returns
    -------
    pandas.DataFrame
        One row per tunnel: ``vpn_connection_id``, ``tunnel_ip``, ``log_enabled_before``,
        ``log_group_before``, ``change`` (``none`` or what is set), ``applied``.

    Examples
    --------
    >>> enable_logging("vpn-0abc12345", "arn:aws:logs:eu-west-1:111122223333:log-group:"
    ...                "/aws/vendedlogs/vpn")  # doctest: +SKIP
    """
    if output_format not in OUTPUT_FORMATS:
        raise OptionError(f"output_format={output_format!r}; allowed: json, text")
    ec2 = client("ec2", boto3_session)
    _check_log_group(log_group_arn, ec2.meta.region_name)
    wanted: dict[str, Any] = {
        "LogEnabled": True,
        "LogGroupArn": log_group_arn,
        "LogOutputFormat": output_format,
    }
    if bgp:
        wanted |= {"BgpLogEnabled": True, "BgpLogGroupArn": log_group_arn}
        wanted["BgpLogOutputFormat"] = output_format
    (conn,) = _connections(ec2, [vpn_connection_id])
    tunnels = _tunnel_rows(conn)
    if not tunnels:
        raise AwsError(f"{vpn_connection_id} reports no tunnels yet (state {conn.get('State')})")
    plan = [(t, _changes(t, wanted)) for t in tunnels]
    if any(diff for _, diff in plan):
        verb = "would interrupt" if dry_run else "can interrupt"
        _warn(
            f"changing the log options of a tunnel {verb} that tunnel for several minutes; "
            "tunnels are changed one at a time so the other keeps traffic flowing"
        )
    rows = []
    for i, (t, diff) in enumerate(plan):
        applied = bool(diff) and not dry_run
        if applied:
            if i:
                _wait_available(ec2, vpn_connection_id, timeout, poll)
            call(
                ec2.modify_vpn_tunnel_options,
                "ec2",
                "ModifyVpnTunnelOptions",
                retry=_RETRY,
                VpnConnectionId=vpn_connection_id,
                VpnTunnelOutsideIpAddress=t["tunnel_ip"],
                TunnelOptions={"LogOptions": {"CloudWatchLogOptions": wanted}},
            )
            log.info("%s %s: logging set %s", vpn_connection_id, t["tunnel_ip"], diff)
        rows.append(
            {
                "vpn_connection_id": vpn_connection_id,
                "tunnel_ip": t["tunnel_ip"],
                "log_enabled_before": bool(t["log_enabled"]),
                "log_group_before": t["log_group_arn"],
                "change": ", ".join(f"{k}={v}" for k, v in diff.items()) or "none",
                "applied": applied,
            }
        )
    return pd.DataFrame(rows)


def _check_log_group(log_group_arn: str, region: str) -> None:
    """Refuse a group of another region; warn about a name AWS does not recommend."""
    group_region = _arn_region(log_group_arn)
    if group_region and group_region != region:
        raise RegionMismatchError(
            f"log group {log_group_arn!r} is in {group_region}, the VPN session in "
            f"{region}: VPN logs go to a group in the connection's region"
        )
    group_name = log_group_arn.split(":")[6]
    if not group_name.startswith("/aws/vendedlogs/"):
        _warn(
            f"log group {group_name!r} does not start with /aws/vendedlogs/: AWS recommends that "
            "prefix so the log group resource policy stays under its 5,120-character limit"
        )


#: The CloudWatch log options of a tunnel and the columns of :func:`_tunnel_rows` holding them.
_LOG_OPTION_COLUMNS = {
    "LogEnabled": "log_enabled",
    "LogGroupArn": "log_group_arn",
    "LogOutputFormat": "log_output_format",
    "BgpLogEnabled": "bgp_log_enabled",
    "BgpLogGroupArn": "bgp_log_group_arn",
    "BgpLogOutputFormat": "bgp_log_output_format",
}


def _changes(tunnel: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    """Return the log options of ``wanted`` that the tunnel does not have yet."""
    current = {
        key: bool(tunnel[col]) if key.endswith("Enabled") else tunnel[col]
        for key, col in _LOG_OPTION_COLUMNS.items()
    }
    return {k: v for k, v in wanted.items() if current.get(k) != v}


def _warn(message: str) -> None:
    log.warning(message)
    warnings.warn(message, UserWarning, stacklevel=3)
