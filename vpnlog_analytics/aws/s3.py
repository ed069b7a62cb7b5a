"""S3: list and read export / Firehose objects for ``read_logs``, and ``export_logs``.

``read_logs("s3://bucket/prefix/")`` lists the prefix (paginated) and reads each object
through the same content detection as local files; the ``aws-logs-write-test`` marker
CloudWatch writes into an export prefix is skipped.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.exceptions as bce

from ..errors import AwsError, SourceError
from ..options import shared_doc, to_utc
from ._client import Retry, call, client, error_code
from .errors import LogGroupNotFoundError

__all__ = ["ExportTask", "S3Object", "export_logs", "list_s3_objects", "split_s3_uri"]

log = logging.getLogger(__name__)

#: Object CloudWatch writes into an export prefix to test its permissions.
WRITE_TEST_MARKER = "aws-logs-write-test"
_RETRY = Retry()


def split_s3_uri(uri: str) -> tuple[str, str]:
    """Split ``s3://bucket/key/prefix`` into (bucket, key prefix).

    Parameters
    ----------
    uri : str
        An ``s3://`` URI.

    Returns
    -------
    tuple of str
        Bucket and key (may be empty).
    """
    if not uri.startswith("s3://"):
        raise SourceError(f"{uri}: not an s3:// URI")
    bucket, _, key = uri[5:].partition("/")
    if not bucket:
        raise SourceError(f"{uri}: no bucket in the URI (s3://bucket/prefix/)")
    return bucket, key


@dataclass(frozen=True)
class S3Object:
    """One object to read; ``read()`` fetches its whole body (with retries).

    Attributes
    ----------
    bucket, key : str
        Where it is.
    size : int
        Its size [bytes].
    """

    bucket: str
    key: str
    size: int
    s3: Any

    @property
    def name(self) -> str:
        """The object's URI, used as its source name (the stream name is in the key)."""
        return f"s3://{self.bucket}/{self.key}"

    def read(self) -> bytes:
        """Return the object's bytes; a connection dropped mid-body is retried."""

        def get() -> bytes:
            body = self.s3.get_object(Bucket=self.bucket, Key=self.key)["Body"]
            try:
                return bytes(body.read())
            finally:
                body.close()

        try:
            return call(get, "s3", "GetObject", retry=_RETRY)
        except bce.ClientError as exc:
            if error_code(exc) in ("NoSuchKey", "NoSuchBucket"):
                raise SourceError(f"{self.name}: object vanished while reading") from None
            raise


@shared_doc()
def list_s3_objects(uri: str, *, boto3_session: boto3.Session | None = None) -> list[S3Object]:
    """List the objects of an ``s3://`` URI: one object, or every object under a prefix.

    Parameters
    ----------
    uri : str
        ``s3://bucket/key`` (an object) or ``s3://bucket/prefix/``.
    {params.boto3_session}

    Returns
    -------
    list of S3Object
        Sorted by key; empty objects, folder markers and the write-test marker left out.

    Raises
    ------
    SourceError
        No bucket, or nothing under the prefix.
    """
    bucket, key = split_s3_uri(uri)
    s3 = client("s3", boto3_session)
    found: list[S3Object] = []
    kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": key}
    try:
        while True:
            resp = call(s3.list_objects_v2, "s3", "ListObjectsV2", retry=_RETRY, **kwargs)
            for obj in resp.get("Contents", []):
                name = obj["Key"]
                if name.endswith("/") or name.rsplit("/", 1)[-1] == WRITE_TEST_MARKER:
                    continue
                if not obj.get("Size"):
                    continue
                found.append(S3Object(bucket, name, int(obj["Size"]), s3))
            if not resp.get("IsTruncated"):
                break
            kwargs["ContinuationToken"] = resp["NextContinuationToken"]
    except bce.ClientError as exc:
        if error_code(exc) == "NoSuchBucket":
            raise SourceError(f"{uri}: no such bucket {bucket!r}") from None
        raise
    exact = [o for o in found if o.key == key]
    if exact and not key.endswith("/"):
        return exact
    if key and not key.endswith("/"):  # "s3://b/exports" means the folder, not "exports2/"
        found = [o for o in found if o.key.startswith(key + "/")]
    if not found:
        raise SourceError(f"{uri}: no objects under this prefix")
    log.info("%s: %d object(s), %.1f MB", uri, len(found), sum(o.size for o in found) / 1e6)
    return sorted(found, key=lambda o: o.key)


@dataclass(frozen=True)
class ExportTask:
    """An export task and where its objects are.

    Attributes
    ----------
    task_id : str
        The CreateExportTask id.
    status : str
        ``PENDING``, ``RUNNING``, ``COMPLETED``, ``CANCELLED``, ``FAILED``.
    uri : str
        ``s3://bucket/prefix/<task id>/``: pass it to ``read_logs``.
    """

    task_id: str
    status: str
    uri: str


def _ms(value: Any, name: str = "time") -> int:
    return int(to_utc(value, name).value // 1_000_000)


def _active_tasks(logs: Any) -> list[str]:
    active: list[str] = []
    for code in ("PENDING", "RUNNING"):
        resp = call(
            logs.describe_export_tasks, "logs", "DescribeExportTasks", retry=_RETRY, statusCode=code
        )
        active += [t["taskId"] for t in resp.get("exportTasks", [])]
    return active


@shared_doc()
def export_logs(
    log_group: str,
    *,
    start: Any,
    end: Any,
    bucket: str,
    prefix: str,
    boto3_session: boto3.Session | None = None,
    wait: bool = True,
    poll: float = 5.0,
    timeout: float = 6 * 3600.0,
) -> ExportTask:
    """Export a log group's window to S3 with CreateExportTask, waiting its turn.

    An account runs one export task at a time: while another is active, CreateExportTask
    fails with ``LimitExceededException``; this waits for the active task to finish and
    tries again. The bucket needs a policy that lets ``logs.<region>.amazonaws.com`` write
    (see README).

    Parameters
    ----------
    log_group : str
        Log group name.
    {params.aws_window}
    bucket, prefix : str
        Destination (same region as the log group).
    {params.boto3_session}
    wait : bool
        Wait until the task has finished.
    poll : float
        Seconds between status checks [s].
    timeout : float
        Give up waiting (turn and completion) after this long [s].

    Returns
    -------
    ExportTask
        Its id, last status and the ``s3://`` URI of its objects.

    Raises
    ------
    AwsError
        The task failed or was cancelled, or ``timeout`` passed.

    Examples
    --------
    >>> task = export_logs("/aws/vendedlogs/vpn", start="2026-10-01", end="2026-11-01",
    ...                    bucket="my-logs", prefix="vpn")  # doctest: +SKIP
    >>> events = read_logs(task.uri)  # doctest: +SKIP
    """
    logs = client("logs", boto3_session)
    deadline = time.monotonic() + timeout
    prefix = prefix.strip("/")
    params: dict[str, Any] = {
        "taskName": f"vpnlog-{uuid.uuid4().hex[:12]}",
        "logGroupName": log_group,
        "fromTime": _ms(start, "start"),
        "to": _ms(end, "end") - 1,  # inclusive in the API
        "destination": bucket,
        "destinationPrefix": prefix,
    }
    while True:
        try:
            resp = call(
                logs.create_export_task,
                "logs",
                "CreateExportTask",
                retry=_RETRY,
                no_retry=("LimitExceededException",),
                **params,
            )
            break
        except bce.ClientError as exc:
            code = error_code(exc)
            if code == "ResourceNotFoundException":
                raise LogGroupNotFoundError(
                    f"log group {log_group!r} does not exist in region {logs.meta.region_name}"
                ) from None
            if code != "LimitExceededException":
                raise
            if time.monotonic() > deadline:
                raise AwsError("timed out waiting for another export task to finish") from None
            log.info("another export task is active (%s); waiting", ", ".join(_active_tasks(logs)))
            time.sleep(poll)
    task_id = str(resp["taskId"])
    uri = f"s3://{bucket}/{prefix + '/' if prefix else ''}{task_id}/"
    status = "PENDING"
    while wait:
        tasks = call(
            logs.describe_export_tasks, "logs", "DescribeExportTasks", retry=_RETRY, taskId=task_id
        ).get("exportTasks", [])
        status = tasks[0]["status"]["code"] if tasks else "PENDING"
        if status == "COMPLETED":
            break
        if status in ("CANCELLED", "FAILED"):
            message = tasks[0]["status"].get("message", "")
            raise AwsError(f"export task {task_id} {status.lower()}: {message}")
        if time.monotonic() > deadline:
            raise AwsError(f"export task {task_id} still {status} after {timeout:.0f} s")
        time.sleep(poll)
    log.info("export task %s %s: %s", task_id, status, uri)
    return ExportTask(task_id, status, uri)
