"""Live AWS: CloudWatch Logs fetch, S3 exports, the tunnels' log options.

The only part of the package that imports boto3 (import it explicitly:
``from vpnlog_analytics.aws import fetch_logs``). Every function takes
``boto3_session=None``; clients come from one helper (:func:`._client.client`) and every
call goes through one retry wrapper (:func:`._client.call`).
"""

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
from .s3 import ExportTask, export_logs, list_s3_objects

__all__ = [
    "AccessDeniedError",
    "ExpiredTokenError",
    "ExportTask",
    "LogGroupNotFoundError",
    "NoCredentialsError",
    "RegionMismatchError",
    "RetryBudgetExceededError",
    "enable_logging",
    "export_logs",
    "fetch_logs",
    "list_s3_objects",
    "list_vpn_tunnels",
]
