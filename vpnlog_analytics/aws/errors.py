"""The AWS errors a user can act on, one :class:`~vpnlog_analytics.errors.AwsError` each.

Messages say what went wrong and what to do; they never hold credentials or tokens (AWS
messages quoted in them are scrubbed of access key ids, signatures and session tokens).
"""

from __future__ import annotations

from ..errors import AwsError

__all__ = [
    "AccessDeniedError",
    "ExpiredTokenError",
    "LogGroupNotFoundError",
    "NoCredentialsError",
    "RegionMismatchError",
    "RetryBudgetExceededError",
]


class NoCredentialsError(AwsError):
    """No AWS credentials were found, or AWS rejected the ones found as unknown."""


class AccessDeniedError(AwsError):
    """The credentials lack a permission; :attr:`permission` names the IAM action.

    Parameters
    ----------
    message : str
        The full message.
    permission : str
        The IAM action that was refused, e.g. ``"logs:FilterLogEvents"``.
    """

    def __init__(self, message: str, *, permission: str, cli_message: str | None = None) -> None:
        self.permission = permission
        super().__init__(message, cli_message=cli_message)


class LogGroupNotFoundError(AwsError):
    """The log group does not exist in the account and region the session points at."""


class ExpiredTokenError(AwsError):
    """The session token (SSO, assumed role, MFA session) has expired."""


class RegionMismatchError(AwsError):
    """The resource lives in another region than the session's (or no region is set)."""


class RetryBudgetExceededError(AwsError):
    """Throttling or transient errors went on for longer than the retry time budget."""
