"""Sessions from a region and a profile as the AWS CLI picks them, and errors in two voices.

``make_session`` is what ``vpnlog --region/--profile`` builds; ``AWS_REGION`` is honoured
the way the AWS CLI honours it (boto3 itself reads only ``AWS_DEFAULT_REGION``). Every
error a user can act on says what to do from Python (``boto3_session=``) in ``str()`` and
from the command line (``--region``, ``--profile``, environment variables) in
``cli_message``. The end-to-end cases run against moto's server over real HTTP.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions as bce
import pandas as pd
import pytest
from aws_server import GROUP as _GROUP
from aws_server import LocalAws, aws_env

from vpnlog_analytics.aws import (
    NoCredentialsError,
    RegionMismatchError,
    _client,
    fetch_logs,
    make_session,
)

CONFIG = """\
[default]
region = ap-southeast-1

[profile ops]
region = eu-north-1
aws_access_key_id = AKIAOPSDUMMY00000000
aws_secret_access_key = opsSecretDummy
"""


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No region, no credentials, no profile; an AWS config file the test may fill."""
    for var in (
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ):
        monkeypatch.delenv(var, raising=False)
    config = tmp_path / "config"
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return config


def test_region_precedence_is_the_aws_clis(no_aws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    no_aws.write_text(CONFIG)
    assert make_session().region_name == "ap-southeast-1"  # the profile's region
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    assert make_session().region_name == "us-west-2"
    monkeypatch.setenv("AWS_REGION", "eu-central-1")  # before AWS_DEFAULT_REGION
    assert make_session().region_name == "eu-central-1"
    assert make_session(region="sa-east-1").region_name == "sa-east-1"  # --region first
    assert boto3.Session().region_name == "us-west-2"  # what boto3 alone would pick


def test_aws_region_reaches_clients_of_sessions_without_a_region(
    no_aws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    assert _client.client("logs").meta.region_name == "eu-central-1"
    own = boto3.Session()  # a caller's session: boto3 finds no region in it
    assert own.region_name is None
    assert _client.client("logs", own).meta.region_name == "eu-central-1"
    # a session with a region keeps it
    assert _client.client("logs", boto3.Session(region_name="us-east-2")).meta.region_name == (
        "us-east-2"
    )


def test_profile_gives_its_region_and_credentials(no_aws: Path) -> None:
    no_aws.write_text(CONFIG)
    session = make_session(profile="ops")
    assert session.region_name == "eu-north-1"
    assert session.get_credentials().access_key == "AKIAOPSDUMMY00000000"
    assert make_session(profile="ops", region="us-east-1").region_name == "us-east-1"


def test_unknown_profile_names_the_flag_or_the_keyword(
    no_aws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_aws.write_text(CONFIG)
    with pytest.raises(NoCredentialsError) as err:
        make_session(profile="nope")
    assert str(err.value) == (
        "the AWS profile 'nope' (profile='nope') is not configured; create it (aws configure "
        "--profile nope, or aws configure sso), or pass boto3_session=boto3.Session("
        "profile_name=<a configured profile>) (aws configure list-profiles lists them)"
    )
    assert err.value.cli_message == (
        "the AWS profile 'nope' (--profile nope) is not configured; create it (aws configure "
        "--profile nope, or aws configure sso), or pass --profile with one that is (aws "
        "configure list-profiles lists them)"
    )
    monkeypatch.setenv("AWS_PROFILE", "gone")
    with pytest.raises(NoCredentialsError) as err:
        make_session()
    assert "(AWS_PROFILE=gone)" in str(err.value) and "(AWS_PROFILE=gone)" in err.value.cli_message


def test_no_region_says_what_to_type(no_aws: Path) -> None:
    with pytest.raises(RegionMismatchError) as err:
        _client.client("logs")
    assert str(err.value) == (
        "no AWS region is configured; pass boto3_session=boto3.Session(region_name='eu-west-1') "
        "(the region of the logs), or set AWS_REGION"
    )
    assert err.value.cli_message == (
        "no AWS region is configured; pass --region eu-west-1 (the region of the logs), set "
        "AWS_REGION, or give the profile a region (aws configure set region eu-west-1)"
    )


def test_every_translated_error_has_a_cli_voice_without_python_names() -> None:
    def client_error(code: str, status: int) -> bce.ClientError:
        return bce.ClientError(
            {
                "Error": {"Code": code, "Message": "m"},
                "ResponseMetadata": {"HTTPStatusCode": status},
            },
            "FilterLogEvents",
        )

    cases = [
        bce.NoCredentialsError(),
        client_error("UnrecognizedClientException", 400),
        client_error("PermanentRedirect", 301),
        client_error("ExpiredTokenException", 400),
        client_error("AccessDeniedException", 403),
    ]
    for exc in cases:
        err = _client.translate(exc, "logs", "FilterLogEvents")
        assert err is not None
        assert "boto3_session" not in err.cli_message, err.cli_message
        assert "logs:FilterLogEvents" in err.cli_message
    no_creds = _client.translate(cases[0], "logs", "FilterLogEvents")
    assert "boto3_session=boto3.Session(profile_name=...)" in str(no_creds)
    assert "--profile NAME or set AWS_PROFILE" in no_creds.cli_message
    moved = _client.translate(cases[2], "logs", "FilterLogEvents")
    assert "boto3_session=boto3.Session(region_name=<its region>)" in str(moved)
    assert "pass --region <its region> (or set AWS_REGION)" in moved.cli_message


#: moto's backends are one per process: a group of these tests' own
GROUP = _GROUP + "-session-tests"


# --- end to end, against moto over HTTP ----------------------------------------------------
@pytest.fixture(scope="module")
def aws() -> Any:
    local = LocalAws()
    with pytest.MonkeyPatch.context() as mp:
        aws_env(mp, local.endpoint)
        logs = boto3.client("logs")
        logs.create_log_group(logGroupName=GROUP)
        stream = "vpn-0d17975e9b801ddcd-18.143.226.251-IKE.log"
        logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
        t = pd.Timestamp.now(tz="UTC").floor("D") - pd.Timedelta(days=2)
        msg = (
            '{"event_timestamp":%d,"details":"AWS tunnel DPD timed out after 3 retransmits",'
            '"dpd_enabled":true,"nat_t_detected":false,"ike_phase1_state":"down",'
            '"ike_phase2_state":"down"}'
        )
        events = [
            {
                "timestamp": (t.value // 10**9 + 60 * i) * 1000,
                "message": msg % (t.value // 10**9 + 60 * i),
            }
            for i in range(3)
        ]
        logs.put_log_events(logGroupName=GROUP, logStreamName=stream, logEvents=events)
        yield local, t
    local.stop()


def test_aws_region_alone_is_enough_to_fetch(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    local, t = aws
    aws_env(monkeypatch, local.endpoint)
    monkeypatch.delenv("AWS_DEFAULT_REGION")  # only AWS_REGION, as the AWS CLI would take it
    got = fetch_logs(GROUP, start=t, end=t + pd.Timedelta(hours=1), progress=False)
    assert len(got) == 3


def test_make_session_region_is_used_for_the_fetch(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    local, t = aws
    aws_env(monkeypatch, local.endpoint)
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION")
    session = make_session(region="us-east-1")
    got = fetch_logs(
        GROUP, start=t, end=t + pd.Timedelta(hours=1), progress=False, boto3_session=session
    )
    assert len(got) == 3
    # moto keeps regions apart: the same group does not exist in another region
    with pytest.raises(Exception) as err:
        fetch_logs(
            GROUP,
            start=t,
            end=t + pd.Timedelta(hours=1),
            progress=False,
            boto3_session=make_session(region="eu-west-1"),
        )
    assert "--region <the VPN's region>" in err.value.cli_message  # type: ignore[attr-defined]
    assert "boto3_session=boto3.Session(region_name=<the VPN's region>)" in str(err.value)
