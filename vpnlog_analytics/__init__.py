"""vpnlog-analytics: AWS Site-to-Site VPN tunnel and BGP logs as pandas DataFrames.

Load the logs from wherever they are with :func:`read_logs` (files, exports, downloads)
or :func:`parse_records` (records in memory); the result is the events table that every
analysis takes. Importing the package touches no network and changes no global state.
"""

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from .analysis import (
    availability,
    bgp_flaps,
    bgp_outages,
    bgp_sessions,
    diagnose,
    dpd_stats,
    dpd_timeouts,
    flap_frequency,
    flapping_episodes,
    flaps,
    logging_gaps,
    maintenance_windows,
    observed_options,
    option_drift,
    outages,
    reconcile,
    reconcile_summary,
    rekey_intervals,
    rekey_stats,
    route_events,
    routes,
    service_credit,
    summary,
    tunnel_states,
    unknown_messages,
)
from .catalog import message_catalog
from .errors import (
    AwsError,
    FormatError,
    OptionError,
    ParseError,
    SchemaError,
    SourceError,
    VpnLogError,
)
from .io import (
    convert_dataset,
    iter_events,
    parse_records,
    read_logs,
    read_parquet,
    register_remote,
    to_parquet,
)
from .io.gateway import read_gateway_logs
from .io.health import read_health_events
from .io.metric_files import read_metrics
from .io.tunnel_options import read_tunnel_options
from .schema import EVENT_COLUMNS, validate_events

#: Public names whose modules load heavy optional libraries (matplotlib, ipywidgets,
#: boto3): imported on first use, so ``import vpnlog_analytics`` stays light.
_LAZY = {
    "explore": "widgets",
    "show": "widgets",
    "build_report": "report",
    "fetch_logs": "aws",
    "export_logs": "aws",
    "list_vpn_tunnels": "aws",
    "enable_logging": "aws",
    "fetch_metrics": "aws",
    "fetch_maintenance": "aws",
    "fetch_tunnel_options": "aws",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _list_s3(uri: str, boto3_session: Any) -> list[Any]:
    """List an ``s3://`` source for the loaders (the AWS layer, imported on first use)."""
    from .aws.s3 import list_s3_objects

    return list(list_s3_objects(uri, boto3_session=boto3_session))


# io imports no aws: the package wires the s3:// lister in, without importing boto3 now.
register_remote("s3", _list_s3)

try:
    __version__ = version("vpnlog-analytics")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "EVENT_COLUMNS",
    "AwsError",
    "FormatError",
    "OptionError",
    "ParseError",
    "SchemaError",
    "SourceError",
    "VpnLogError",
    "__version__",
    "availability",
    "bgp_flaps",
    "bgp_outages",
    "bgp_sessions",
    "build_report",
    "convert_dataset",
    "diagnose",
    "dpd_stats",
    "dpd_timeouts",
    "enable_logging",
    "explore",
    "export_logs",
    "fetch_logs",
    "fetch_maintenance",
    "fetch_metrics",
    "fetch_tunnel_options",
    "flap_frequency",
    "flapping_episodes",
    "flaps",
    "iter_events",
    "list_vpn_tunnels",
    "logging_gaps",
    "maintenance_windows",
    "message_catalog",
    "observed_options",
    "option_drift",
    "outages",
    "parse_records",
    "read_gateway_logs",
    "read_health_events",
    "read_logs",
    "read_metrics",
    "read_parquet",
    "read_tunnel_options",
    "reconcile",
    "reconcile_summary",
    "rekey_intervals",
    "rekey_stats",
    "route_events",
    "routes",
    "service_credit",
    "show",
    "summary",
    "to_parquet",
    "tunnel_states",
    "unknown_messages",
    "validate_events",
]
