"""Live AWS: CloudWatch Logs and metrics, S3 exports, tunnel options, maintenance sources.

The only part of the package that imports boto3 (import it explicitly:
``from vpnlog_analytics.aws import fetch_logs``). Every function takes
``boto3_session=None`` (:func:`make_session` builds one from a region and profile the
way the AWS CLI does); clients come from one helper (:func:`._client.client`) and every
call goes through one retry wrapper (:func:`._client.call`).
"""

from ._client import make_session
from .cloudwatch import fetch_logs
from .ec2 import enable_logging, list_vpn_tunnels
from .errors import (
    AccessDeniedError,
    ExpiredTokenError,
    LogGroupNotFoundError,
    NoCredentialsError,
    RegionMismatchError,
    RetryBudgetExceededError,
)
from .maintenance import (
    HealthUnavailableError,
    fetch_cloudtrail_changes,
    fetch_health_events,
    fetch_maintenance,
    fetch_replacement_status,
)
from .metrics import fetch_metrics
from .s3 import ExportTask, export_logs, list_s3_objects
from .tunnel_options import fetch_tunnel_options

__all__ = [
    "AccessDeniedError",
    "ExpiredTokenError",
    "ExportTask",
    "HealthUnavailableError",
    "LogGroupNotFoundError",
    "NoCredentialsError",
    "RegionMismatchError",
    "RetryBudgetExceededError",
    "enable_logging",
    "export_logs",
    "fetch_cloudtrail_changes",
    "fetch_health_events",
    "fetch_logs",
    "fetch_maintenance",
    "fetch_metrics",
    "fetch_replacement_status",
    "fetch_tunnel_options",
    "list_s3_objects",
    "list_vpn_tunnels",
    "make_session",
]
