"""Live tunnel options: ``DescribeVpnConnections`` into the tunnel options table.

The table, its defaults and its checks are those of
:func:`vpnlog_analytics.io.tunnel_options.read_tunnel_options` (the same call's saved
output); this module only makes the call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import boto3
import pandas as pd

from ..io.tunnel_options import tunnel_options_frame
from ..options import shared_doc
from ._client import Retry, call, client

__all__ = ["fetch_tunnel_options"]

_RETRY = Retry()


@shared_doc()
def fetch_tunnel_options(
    vpn_connection_ids: Sequence[str] | None = None,
    *,
    boto3_session: boto3.Session | None = None,
    errors: str = "raise",
) -> pd.DataFrame:
    """Read each tunnel's configured options from EC2 (``DescribeVpnConnections``).

    Parameters
    ----------
    vpn_connection_ids : sequence of str, optional
        The connections (``vpn-...``); all of the region's by default.
    {params.boto3_session}
    errors : {"raise", "skip"}
        A tunnel whose options break the documented shape or range: raise
        :class:`~vpnlog_analytics.errors.ParseError`, or leave it out and count it.

    Returns
    -------
    pandas.DataFrame
        One row per tunnel, as :func:`~vpnlog_analytics.io.tunnel_options.read_tunnel_options`
        gives it (options AWS left out filled with their documented default and named in
        ``defaulted``); ``source`` is ``ec2:<region>``. ``attrs["without_options"]`` lists
        connections that report no tunnel options yet (pending).

    Examples
    --------
    >>> fetch_tunnel_options(["vpn-0a1b2c3d4e5f60718"])  # doctest: +SKIP
    """
    ec2 = client("ec2", boto3_session)
    kwargs: dict[str, Any] = (
        {"VpnConnectionIds": list(vpn_connection_ids)} if vpn_connection_ids else {}
    )
    resp = call(
        ec2.describe_vpn_connections, "ec2", "DescribeVpnConnections", retry=_RETRY, **kwargs
    )
    region = getattr(getattr(ec2, "meta", None), "region_name", None) or "?"
    return tunnel_options_frame(
        resp.get("VpnConnections", []), source=f"ec2:{region}", errors=errors
    )
