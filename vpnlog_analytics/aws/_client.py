"""One helper builds every client; one wrapper makes every call (retries, rate, errors).

botocore's own retries are switched off (``total_max_attempts=1``) so that throttling,
``LimitExceededException`` and transient errors are retried in one visible place:
:func:`call`, with exponential backoff, full jitter and a time budget, and counted.
"""

from __future__ import annotations

import logging
import os
import random
import re
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any, TypeVar

import boto3
import botocore.config
import botocore.exceptions as bce

from ..errors import AwsError
from ..options import DEFAULT_RETRY_BUDGET, shared_doc
from .errors import (
    AccessDeniedError,
    ExpiredTokenError,
    NoCredentialsError,
    RegionMismatchError,
    RetryBudgetExceededError,
)

__all__ = [
    "CallStats",
    "RateLimiter",
    "Retry",
    "call",
    "client",
    "make_session",
    "region_hint",
    "session_of",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

_CONFIG = botocore.config.Config(
    retries={"total_max_attempts": 1, "mode": "standard"},
    max_pool_connections=32,
    connect_timeout=10,
    read_timeout=70,
    user_agent_extra="vpnlog-analytics",
)

#: Error codes that mean "slow down": retried with backoff.
THROTTLE_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "SlowDown",
        "EC2ThrottledException",
        "LimitExceededException",
    }
)
#: Error codes of a transient service fault: retried with backoff.
TRANSIENT_CODES = frozenset(
    {
        "InternalFailure",
        "InternalError",
        "InternalServerError",
        "InternalServerErrorException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
    }
)
_EXPIRED = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})
_DENIED = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError"}
)
_REJECTED = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "InvalidSignatureException",
        "AuthFailure",
    }
)
_REGION = frozenset({"PermanentRedirect", "AuthorizationHeaderMalformed"})
#: Network-level failures: connection refused, reset, dropped mid-response, timeouts.
_NETWORK = (
    bce.HTTPClientError,
    bce.ConnectionError,
    bce.ResponseStreamingError,
    bce.IncompleteReadError,
)
#: IAM action of an operation where it is not ``<service>:<Operation>``.
_ACTIONS = {"s3:ListObjectsV2": "s3:ListBucket", "s3:HeadObject": "s3:GetObject"}
_SECRETS = re.compile(
    r"(?:A[KS]IA[0-9A-Z]{12,})|(?:(?:Credential|Signature|X-Amz-Security-Token|"
    r"X-Amz-Signature|SecurityToken)=[^\s,&\"']+)",
    re.IGNORECASE,
)
_NOT_AUTHORIZED = re.compile(r"not authorized to perform:?\s*([a-z0-9-]+:[A-Za-z0-9]+)")


def scrub(text: str) -> str:
    """Remove anything that looks like an access key id, signature or token from a text.

    Parameters
    ----------
    text : str
        A message, possibly quoted from AWS.

    Returns
    -------
    str
        The text with such values replaced by ``<redacted>``.
    """
    return _SECRETS.sub("<redacted>", text)


def _env_region() -> str | None:
    # The AWS CLI reads AWS_REGION before AWS_DEFAULT_REGION; boto3 reads only the latter.
    return os.environ.get("AWS_REGION") or None


@shared_doc()
def make_session(*, region: str | None = None, profile: str | None = None) -> boto3.Session:
    """Build a boto3 session that picks its region and profile as the AWS CLI does.

    Region: ``region``, else ``AWS_REGION``, else ``AWS_DEFAULT_REGION``, else the
    profile's ``region``. Profile: ``profile``, else ``AWS_PROFILE``, else the default
    credential chain. This is what ``vpnlog --region/--profile`` uses; from Python, pass
    the result (or any session of your own) as ``boto3_session=``.

    Parameters
    ----------
    {params.region}
    profile : str, optional
        A profile of the AWS config files (``aws configure list-profiles``).

    Returns
    -------
    boto3.Session

    Raises
    ------
    NoCredentialsError
        The profile (given, or named by ``AWS_PROFILE``) is not configured.

    Examples
    --------
    >>> session = make_session(region="eu-west-1")  # doctest: +SKIP
    >>> fetch_logs("/aws/vendedlogs/vpn", start="2026-10-01", end="2026-10-02",
    ...            boto3_session=session)  # doctest: +SKIP
    """
    try:
        return boto3.Session(profile_name=profile or None, region_name=region or _env_region())
    except bce.ProfileNotFound:
        name = profile or os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE")
        py_where = f"profile={name!r}" if profile else f"AWS_PROFILE={name}"
        cli_where = f"--profile {name}" if profile else f"AWS_PROFILE={name}"
        fix = f"create it (aws configure --profile {name}, or aws configure sso)"
        raise NoCredentialsError(
            f"the AWS profile {name!r} ({py_where}) is not configured; {fix}, or pass "
            "boto3_session=boto3.Session(profile_name=<a configured profile>) "
            "(aws configure list-profiles lists them)",
            cli_message=f"the AWS profile {name!r} ({cli_where}) is not configured; {fix}, "
            "or pass --profile with one that is (aws configure list-profiles lists them)",
        ) from None


@shared_doc()
def session_of(boto3_session: boto3.Session | None) -> boto3.Session:
    """Return the session to use: the one given, else :func:`make_session` ().

    Parameters
    ----------
    {params.boto3_session}

    Returns
    -------
    boto3.Session
    """
    return boto3_session if boto3_session is not None else make_session()


def region_hint(region: str) -> tuple[str, str]:
    """How to point at another region: (the Python wording, the command-line wording).

    Parameters
    ----------
    region : str
        The region to name, or a placeholder such as ``"<its region>"``.

    Returns
    -------
    tuple of str
    """
    shown = region if region.startswith("<") else repr(region)
    return (
        f"pass boto3_session=boto3.Session(region_name={shown})",
        f"pass --region {region} (or set AWS_REGION)",
    )


@shared_doc()
def client(
    service: str, boto3_session: boto3.Session | None = None, *, region_name: str | None = None
) -> Any:
    """Build the client of one AWS service: the one place clients are made.

    Parameters
    ----------
    service : str
        ``"logs"``, ``"s3"``, ``"ec2"``, ``"sts"``, ``"cloudwatch"``, ``"health"``,
        ``"cloudtrail"``.
    {params.boto3_session}
        A session without a region takes ``AWS_REGION`` when it is set, as the AWS CLI does.
    region_name : str, optional
        Another region than the session's (the Health API is served from ``us-east-1``).

    Returns
    -------
    botocore.client.BaseClient
        With botocore retries off (see :func:`call`) and a connection pool for threads.

    Raises
    ------
    RegionMismatchError
        No region is configured.
    """
    session = session_of(boto3_session)
    region = region_name or (None if getattr(session, "region_name", None) else _env_region())
    extra = {"region_name": region} if region else {}
    try:
        return session.client(service, config=_CONFIG, **extra)  # type: ignore[call-overload]
    except bce.NoRegionError as exc:
        py, cli = region_hint("eu-west-1")
        raise RegionMismatchError(
            f"no AWS region is configured; {py} (the region of the logs), or set AWS_REGION",
            cli_message=f"no AWS region is configured; {cli.replace(' (or set AWS_REGION)', '')}"
            " (the region of the logs), set AWS_REGION, or give the profile a region "
            "(aws configure set region eu-west-1)",
        ) from exc


@dataclass(frozen=True)
class Retry:
    """How long and how fast to retry throttled and transient calls.

    Parameters
    ----------
    budget : float
        Give up on one call when it has failed for longer than this [s].
    base : float
        First backoff ceiling [s]; doubles with every attempt.
    cap : float
        Largest backoff ceiling [s]. Each sleep is uniform in [0, ceiling] (full jitter).
    """

    budget: float = DEFAULT_RETRY_BUDGET
    base: float = 0.25
    cap: float = 20.0

    def delay(self, attempt: int) -> float:
        """Return the sleep before retry number ``attempt`` (0-based) [s]."""
        return random.uniform(0.0, min(self.cap, self.base * 2.0**attempt))


class RateLimiter:
    """Space calls at most ``rate`` per second across threads (None: unlimited).

    Parameters
    ----------
    rate : float or None
        Calls per second.
    """

    def __init__(self, rate: float | None) -> None:
        self.interval = 0.0 if not rate else 1.0 / rate
        self._next = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Block until the next call may go."""
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            time.sleep(slot - now)


@dataclass
class CallStats:
    """Counts of one fetch, shown in ``df.attrs["fetch"]``."""

    calls: dict[str, int] = field(default_factory=dict)
    retries: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, what: dict[str, int], key: str) -> None:
        """Add one to ``what[key]`` (thread-safe)."""
        with self._lock:
            what[key] = what.get(key, 0) + 1


class IncompleteResponseError(Exception):
    """A 200 response whose body lacks what every such response holds (cut short).

    botocore reads bodies without enforcing ``Content-Length`` and parses a JSON body it
    cannot read as ``{"message": <text>}``: a connection dropped mid-body would otherwise
    look like an empty, final page.
    """


def error_code(exc: BaseException) -> str:
    """Return the AWS error code of a ``ClientError`` (else "")."""
    if isinstance(exc, bce.ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def _status(exc: bce.ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)


def _retryable(exc: BaseException, no_retry: Collection[str]) -> str | None:
    """Why ``exc`` is worth retrying (a label for the log), or None."""
    if isinstance(exc, (*_NETWORK, IncompleteResponseError)):
        return type(exc).__name__
    if isinstance(exc, bce.ClientError):
        code = error_code(exc)
        if code in no_retry:
            return None
        if code in THROTTLE_CODES or code in TRANSIENT_CODES:
            return code
        status = _status(exc)
        if status == 429 or status >= 500:
            return code or f"HTTP {status}"
    return None


def translate(exc: BaseException, service: str, operation: str) -> AwsError | None:
    """Turn an error users can act on into its :class:`AwsError`, else None.

    Parameters
    ----------
    exc : BaseException
        What boto3 raised.
    service, operation : str
        E.g. ``"logs"``, ``"FilterLogEvents"``: named in the message.

    Returns
    -------
    AwsError or None
    """
    what = f"{service}:{operation}"
    if isinstance(exc, bce.NoCredentialsError | bce.PartialCredentialsError):
        return NoCredentialsError(
            f"{what}: no AWS credentials found; configure a profile (aws configure / aws sso "
            "login) and set AWS_PROFILE, or pass boto3_session=boto3.Session(profile_name=...)",
            cli_message=f"{what}: no AWS credentials found; configure a profile (aws configure "
            "/ aws sso login) and pass --profile NAME or set AWS_PROFILE (or set "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
        )
    if isinstance(exc, bce.CredentialRetrievalError | bce.TokenRetrievalError):
        return ExpiredTokenError(
            f"{what}: the AWS credentials could not be refreshed ({type(exc).__name__}); "
            "log in again (aws sso login) and retry"
        )
    if not isinstance(exc, bce.ClientError):
        return None
    code = error_code(exc)
    message = scrub(str(exc.response.get("Error", {}).get("Message", "")))
    if code in _EXPIRED:
        return ExpiredTokenError(
            f"{what}: the AWS session token has expired; refresh it (aws sso login, or assume "
            "the role again) and retry; a resumable fetch continues where it stopped"
        )
    if code in _REJECTED:
        rejected = (
            f"{what}: AWS rejected the credentials ({code}): the access key is unknown, "
            "disabled or for another partition; check "
        )
        return NoCredentialsError(
            rejected + "AWS_PROFILE / the session (boto3_session=)",
            cli_message=rejected + "--profile / AWS_PROFILE (aws sts get-caller-identity "
            "shows whom they belong to)",
        )
    if code in _DENIED or _status(exc) == 403:
        m = _NOT_AUTHORIZED.search(message)
        permission = m.group(1) if m else _ACTIONS.get(what, what)
        return AccessDeniedError(
            f"{what}: access denied: the credentials lack the IAM permission "
            f"{permission!r}; add it to the policy (see README, 'Live AWS')",
            permission=permission,
        )
    if code in _REGION or _status(exc) == 301:
        py, cli = region_hint("<its region>")
        where = f"{what}: the resource is in another region than the session's ({message}); "
        return RegionMismatchError(where + py, cli_message=where + cli)
    return None


def call(
    fn: Callable[..., T],
    service: str,
    operation: str,
    *,
    retry: Retry,
    limiter: RateLimiter | None = None,
    stats: CallStats | None = None,
    no_retry: Collection[str] = (),
    expect: str | None = None,
    **kwargs: Any,
) -> T:
    """Call ``fn(**kwargs)``, retrying throttling and transient errors within a budget.

    Parameters
    ----------
    fn : callable
        A client method, or a function making one request (and reading its body).
    service, operation : str
        Named in logs and errors (``"logs"``, ``"FilterLogEvents"``).
    retry : Retry
        Backoff and time budget.
    limiter : RateLimiter, optional
        Spaces calls to stay under the API's rate.
    stats : CallStats, optional
        Counts calls and retries.
    no_retry : collection of str
        Error codes the caller handles itself (not retried here).
    expect : str, optional
        A key every complete response holds (``"events"``); a response without it was
        cut short and is retried.
    **kwargs
        The request parameters.

    Returns
    -------
    object
        What ``fn`` returns.

    Raises
    ------
    AwsError
        A subclass for errors users can act on; :class:`RetryBudgetExceededError` when
        retrying went on past the budget; other ``ClientError`` s pass through unchanged.
    """
    first_failure: float | None = None
    attempt = 0
    while True:
        if limiter is not None:
            limiter.acquire()
        if stats is not None:
            stats.count(stats.calls, operation)
        try:
            result = fn(**kwargs)
            if expect is not None and isinstance(result, dict) and expect not in result:
                raise IncompleteResponseError(f"{operation} response without {expect!r}")
            return result
        except Exception as exc:
            why = _retryable(exc, no_retry)
            if why is None:
                err = translate(exc, service, operation)
                if err is not None:
                    raise err from None
                raise
            now = time.monotonic()
            first_failure = now if first_failure is None else first_failure
            if now - first_failure > retry.budget:
                raise RetryBudgetExceededError(
                    f"{service}:{operation}: still failing ({why}) after "
                    f"{now - first_failure:.0f} s of retries; try again later, lower "
                    "max_concurrency, or raise the retry budget"
                ) from None
            wait = retry.delay(attempt)
            attempt += 1
            if stats is not None:
                stats.count(stats.retries, why)
            log.info("%s:%s: %s, retry %d in %.2f s", service, operation, why, attempt, wait)
            time.sleep(wait)
