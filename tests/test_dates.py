"""Time text: ISO 8601 and epoch are read; ambiguous, year-less and unplaceable text is refused.

Every expectation below is written by hand from the calendar (no parser computes it):
1792575000 s after the epoch is 2026-10-21 09:30 UTC (20,747 days of 86,400 s to
2026-10-21, plus 9.5 h: 20,747 * 86,400 + 34,200 = 1,792,575,000).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from vpnlog_analytics import cli
from vpnlog_analytics.errors import OptionError
from vpnlog_analytics.options import to_utc

UTC = "UTC"


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ISO 8601: date, year-month, year; 'T' or space; offsets Z, UTC, +hh:mm, +hhmm, +hh
        ("2026-10-21", utc("2026-10-21 00:00")),
        ("2026-11", utc("2026-11-01 00:00")),
        ("2026", utc("2026-01-01 00:00")),
        ("2026-10-21T09:30", utc("2026-10-21 09:30")),
        ("2026-10-21 09:30", utc("2026-10-21 09:30")),
        ("2026-10-21T09:30:15.250", utc("2026-10-21 09:30:15.250")),
        ("2026-10-21T09:30Z", utc("2026-10-21 09:30")),
        ("2026-10-21 09:30 UTC", utc("2026-10-21 09:30")),
        ("2026-10-21T11:30+02:00", utc("2026-10-21 09:30")),
        ("2026-10-21 11:30 +0200", utc("2026-10-21 09:30")),
        ("2026-10-21T04:30-05", utc("2026-10-21 09:30")),
        ("2026-10-21T00:30+01:00", utc("2026-10-20 23:30")),  # the offset crosses the day
        ("  2026-10-21  ", utc("2026-10-21 00:00")),
        # epoch: 10 digits seconds, 13 milliseconds
        ("1792575000", utc("2026-10-21 09:30")),
        ("1792575000.5", utc("2026-10-21 09:30:00.5")),
        ("@1792575000", utc("2026-10-21 09:30")),
        ("1792575000250", utc("2026-10-21 09:30:00.250")),
        # a month by name and a four-digit year: unambiguous in every locale
        ("5 Nov 2026", utc("2026-11-05")),
        ("Nov 5, 2026", utc("2026-11-05")),
        ("5th November 2026 09:30", utc("2026-11-05 09:30")),
        ("sept 30 2026 23:59:59Z", utc("2026-09-30 23:59:59")),
    ],
)
def test_read(text: str, expected: pd.Timestamp) -> None:
    got = to_utc(text, "start")
    assert got == expected
    assert str(got.tz) == UTC


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # day/month against month/day: both readings, both ISO spellings
        (
            "01/11/2026",
            r"is ambiguous: 1 November 2026 \(day/month\) or 11 January 2026 \(month/day\); "
            "write it in ISO 8601, year first: 2026-11-01 or 2026-01-11",
        ),
        ("03.04.2026 10:00", "2026-04-03 10:00 or 2026-03-04 10:00"),
        # one reading only, refused all the same, with its ISO spelling
        ("21/10/2026", r"is not ISO 8601 \(numeric dates are read year first only"),
        ("21/10/2026", "year first: 2026-10-21"),
        ("10/21/2026", "year first: 2026-10-21"),
        ("05/05/2026", "year first: 2026-05-05"),
        ("2026/10/21", "with hyphens: 2026-10-21"),
        ("13/13/2026", "is no calendar date"),
        ("01/11/26", "has a 2-digit year"),
        # no year
        ("5 Nov", r"has no year; write the date in ISO 8601, e\.g\. \d{4}-11-05"),
        ("Nov 5 09:30", r"has no year; .* \d{4}-11-05"),
        ("01/11", r"has no year; .*\d{4}-11-01"),
        ("5 Nov 26", "has no four-digit year"),
        # numbers that are no epoch time we know
        ("20261021", "a number with 8 digits: epoch times have 10 .seconds. or 13"),
        ("17925750000", "11 digits"),
        # no calendar time, out of range, no time at all
        ("2026-02-30", "is not a time: day is out of range for month"),
        ("31 Nov 2026", "is no calendar date"),
        ("0001-11-05", r"outside the times the analysis holds \(1677-09-21 to 2262-04-11\)"),
        ("soon", "is not a time vpnlog reads; write ISO 8601 or epoch, e.g. 2026-10-21"),
        ("today", "is not a time"),
        ("", "is not a time"),
        ("5 Nov 2026 lunch", "has a time that is not hh:mm"),
    ],
)
def test_refused_with_the_option_and_an_accepted_form(text: str, message: str) -> None:
    with pytest.raises(OptionError, match=message) as info:
        to_utc(text, "start")
    assert str(info.value).startswith(f"start={text!r} ")
    assert re.search(r"\d{4}-\d{2}-\d{2}|1677", str(info.value)), "no accepted form shown"


def test_now_is_utc() -> None:
    before = pd.Timestamp.now(tz=UTC)
    got = to_utc("now")
    assert before <= got <= pd.Timestamp.now(tz=UTC)
    assert str(got.tz) == UTC


def test_objects_out_of_range_are_refused() -> None:
    with pytest.raises(OptionError, match="outside the times"):
        to_utc(pd.Timestamp("0001-11-05", tz=UTC), "end")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("5 Nov", "argument --from: '5 Nov' has no year; write the date in ISO 8601, e.g. "),
        ("01/11/2026", "argument --from: '01/11/2026' is ambiguous: 1 November 2026"),
        ("21/10/2026", "argument --from: '21/10/2026' is not ISO 8601"),
        ("0001-11-05", "argument --from: '0001-11-05' is outside the times"),
    ],
)
def test_cli_says_one_line(
    value: str, message: str, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["summary", str(tmp_path), "--from", value])
    assert exit_.value.code == 2  # argparse: wrong usage
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err and "internal error" not in err
    assert err.strip().splitlines()[-1].startswith("vpnlog summary: error: argument --from: ")


def test_cli_exclude_names_the_bad_bound(
    capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    # bad options are refused before anything is read: the folder need hold no logs
    assert cli.main(["outages", str(tmp_path), "--exclude", "5 Nov/2026-11-06"]) == 1
    assert "--exclude '5 Nov/2026-11-06': '5 Nov' has no year" in capsys.readouterr().err
