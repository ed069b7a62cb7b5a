"""The ``describe-vpn-connections`` document of a simulation: the options the logs ran under.

:func:`describe_vpn_connections` writes what ``aws ec2 describe-vpn-connections --output
json`` would return for the simulated connections at the end of the window (shape: EC2 API
reference, ``DescribeVpnConnections``, ``VpnConnection``, ``TunnelOption``,
``VgwTelemetry``), so the configured side of every drift verdict is known:

- ``Options.TunnelOptions[]``: per tunnel ``OutsideIpAddress``, ``TunnelInsideCidr``, the
  AWS options that were **set** (``TunnelConfig.explicit``; AWS leaves an unset option
  out and the tunnel runs the default) and ``LogOptions.CloudWatchLogOptions`` (the log
  group and format the records were written with; BGP logging for routed connections).
- ``CustomerGatewayConfiguration``: the XML AWS gives for the gateway, with the tunnel
  addresses, the IKE and IPsec lifetimes, and for dynamically routed connections the BGP
  ASNs and hold time per tunnel. No pre-shared key is written.
- ``VgwTelemetry``: each tunnel's state at the end of the window, from the truth.
- ``Routes``: statically routed connections carry one synthetic static route each.

The customer gateway's own settings (``cgw_*``) appear nowhere in it, as in reality: AWS
cannot see them. They are in ``Simulation.tunnels``.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any, Final
from xml.sax.saxutils import escape

import pandas as pd

from .bgp import AWS_ASN, HOLD_TIME
from .options import AWS_DEFAULTS, AWS_OPTION_KEYS

if TYPE_CHECKING:
    from .scenario import Simulation

__all__ = ["DESCRIBE_FILE", "REGION", "describe_vpn_connections"]

#: File name the writers give the document, beside the logs.
DESCRIBE_FILE: Final = "describe-vpn-connections.json"
#: Region the simulated connections live in (as the simulated metrics and Health events).
REGION: Final = "us-east-1"


def _vgw_id(vpn_id: str) -> str:
    """Return a virtual private gateway id derived from the connection id (no random draw)."""
    return "vgw-" + hashlib.sha256(vpn_id.encode()).hexdigest()[:17]


def _log_group_arn(account: str, group: str) -> str:
    return f"arn:aws:logs:{REGION}:{account}:log-group:{group}:*"


def _tunnel_option(row: Any, account: str) -> dict[str, Any]:
    """One ``TunnelOption``: addresses, the options set, the log options."""
    out: dict[str, Any] = {
        "OutsideIpAddress": row.tunnel_ip,
        "TunnelInsideCidr": row.inside_cidr,
    }
    explicit = [n for n in str(row.explicit_options or "").split(",") if n]
    for name in AWS_DEFAULTS:
        if name not in explicit:
            continue
        value = getattr(row, name)
        if name == "ike_versions":
            value = [{"Value": v} for v in str(value).split(",")]
        elif isinstance(AWS_DEFAULTS[name], int):
            value = int(value)
        out[AWS_OPTION_KEYS[name]] = value
    logs: dict[str, Any] = {
        "LogEnabled": True,
        "LogGroupArn": _log_group_arn(account, row.log_group),
        "LogOutputFormat": row.output_format,
    }
    if isinstance(row.bgp_log_stream, str):
        logs.update(
            BgpLogEnabled=True,
            BgpLogGroupArn=_log_group_arn(account, row.log_group),
            BgpLogOutputFormat="json",
        )
    out["LogOptions"] = {"CloudWatchLogOptions": logs}
    return out


def _inside(cidr: str, host: int) -> str:
    net, _ = cidr.split("/")
    a, b, c, d = (int(x) for x in net.split("."))
    return f"{a}.{b}.{c}.{d + host}"


def _address(ip: str, inside: str | None = None) -> str:
    out = f"<tunnel_outside_address><ip_address>{escape(ip)}</ip_address></tunnel_outside_address>"
    if inside:
        out += (
            f"<tunnel_inside_address><ip_address>{inside}</ip_address>"
            "<network_mask>255.255.255.252</network_mask><network_cidr>30</network_cidr>"
            "</tunnel_inside_address>"
        )
    return out


def _gateway_xml(vpn_id: str, rows: list[Any], vgw: str) -> str:
    """``CustomerGatewayConfiguration``: AWS's XML for the gateway, per tunnel."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<vpn_connection id="{escape(vpn_id)}">',
        f"<customer_gateway_id>{escape(rows[0].cgw_id)}</customer_gateway_id>",
        f"<vpn_gateway_id>{vgw}</vpn_gateway_id>",
        "<vpn_connection_type>ipsec.1</vpn_connection_type>",
    ]
    for row in rows:
        routed = isinstance(row.bgp_log_stream, str)
        cgw_bgp = aws_bgp = ""
        if routed:
            cgw_bgp = f"<bgp><asn>{int(row.cgw_asn)}</asn><hold_time>{HOLD_TIME}</hold_time></bgp>"
            aws_bgp = f"<bgp><asn>{AWS_ASN}</asn><hold_time>{HOLD_TIME}</hold_time></bgp>"
        parts += [
            "<ipsec_tunnel>",
            "<customer_gateway>",
            _address(row.cgw_ip, _inside(row.inside_cidr, 2)),
            cgw_bgp,
            "</customer_gateway>",
            "<vpn_gateway>",
            _address(row.tunnel_ip, _inside(row.inside_cidr, 1)),
            aws_bgp,
            "</vpn_gateway>",
            "<ike><authentication_protocol>sha1</authentication_protocol>"
            "<encryption_protocol>aes-128-cbc</encryption_protocol>"
            f"<lifetime>{int(row.phase1_lifetime_s)}</lifetime>"
            "<perfect_forward_secrecy>group2</perfect_forward_secrecy>"
            f"<mode>{'main' if row.ike_version == 'v1' else 'ikev2'}</mode></ike>",
            "<ipsec><protocol>esp</protocol>"
            "<authentication_protocol>hmac-sha1-96</authentication_protocol>"
            "<encryption_protocol>aes-128-cbc</encryption_protocol>"
            f"<lifetime>{int(row.phase2_lifetime_s)}</lifetime>"
            "<perfect_forward_secrecy>group2</perfect_forward_secrecy><mode>tunnel</mode>"
            "<clear_df_bit>true</clear_df_bit>"
            "<fragmentation_before_encryption>true</fragmentation_before_encryption>"
            "<tcp_mss_adjustment>1379</tcp_mss_adjustment>"
            "<dead_peer_detection><delay>10</delay><retries>3</retries></dead_peer_detection>"
            "</ipsec>",
            "</ipsec_tunnel>",
        ]
    parts.append("</vpn_connection>")
    return "\n".join(p for p in parts if p)


def _telemetry(sim: Simulation, row: Any) -> dict[str, Any]:
    """``VgwTelemetry`` of one tunnel at the end of the window, from the truth."""
    t = sim.truth[
        (sim.truth["vpn_connection_id"] == row.vpn_connection_id)
        & (sim.truth["tunnel_ip"] == row.tunnel_ip)
    ]
    last = t.sort_values("start").iloc[-1] if len(t) else None
    up = last is not None and last["state"] == "up"
    since = sim.start if last is None else last["start"]
    routes = 0
    if isinstance(row.bgp_log_stream, str) and len(sim.bgp.routes):
        r = sim.bgp.routes
        held = r[(r["tunnel_ip"] == row.tunnel_ip) & (r["end"] >= sim.end)]
        routes = int(held["bgp_prefix"].nunique()) if up else 0
    return {
        "AcceptedRouteCount": routes,
        "LastStatusChange": pd.Timestamp(since).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "OutsideIpAddress": row.tunnel_ip,
        "Status": "UP" if up else "DOWN",
        "StatusMessage": f"{routes} BGP ROUTES" if routes else "",
    }


def describe_vpn_connections(sim: Simulation) -> dict[str, Any]:
    """Return the ``describe-vpn-connections`` document of a simulation's connections.

    Parameters
    ----------
    sim : Simulation
        A simulation (also one put together with :func:`~.routed.combine`).

    Returns
    -------
    dict
        ``{"VpnConnections": [...]}`` as ``aws ec2 describe-vpn-connections --output
        json`` prints it; :func:`vpnlog_analytics.io.read_tunnel_options` reads it back
        to each tunnel's AWS options, the unset ones marked ``defaulted``.
    """
    connections = []
    tunnels = sim.tunnels.sort_values(["connection", "tunnel"], kind="stable")
    for vpn_id, group in tunnels.groupby("vpn_connection_id", sort=False):
        rows = list(group.itertuples(index=False))
        first = rows[0]
        vgw = _vgw_id(str(vpn_id))
        routed = isinstance(first.bgp_log_stream, str)
        routes = (
            []
            if routed
            else [
                {
                    "DestinationCidrBlock": f"10.{100 + int(first.connection)}.0.0/16",
                    "Source": "Static",
                    "State": "available",
                }
            ]
        )
        connections.append(
            {
                "CustomerGatewayConfiguration": _gateway_xml(str(vpn_id), rows, vgw),
                "CustomerGatewayId": first.cgw_id,
                "Category": "VPN",
                "State": "available",
                "Type": "ipsec.1",
                "VpnConnectionId": vpn_id,
                "VpnGatewayId": vgw,
                "GatewayAssociationState": "associated",
                "Options": {
                    "EnableAcceleration": False,
                    "StaticRoutesOnly": not routed,
                    "LocalIpv4NetworkCidr": "0.0.0.0/0",
                    "RemoteIpv4NetworkCidr": "0.0.0.0/0",
                    "OutsideIpAddressType": "PublicIpv4",
                    "TunnelInsideIpVersion": "ipv4",
                    "TunnelOptions": [_tunnel_option(r, sim.account_id) for r in rows],
                },
                "Routes": routes,
                "Tags": [],
                "VgwTelemetry": [_telemetry(sim, r) for r in rows],
            }
        )
    return {"VpnConnections": connections}
