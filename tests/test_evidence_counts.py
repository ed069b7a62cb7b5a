"""Evidence that adds up: records read = kept + duplicates dropped + skipped (issue 22).

Every input is recounted here without the loader, by the record unit of its envelope
(reference/log-formats.md): a line of an S3 export object or a raw NDJSON file, a row of
a Logs Insights CSV, an element of an Insights JSON download, a log event of ``aws logs``
output or of a subscription payload. Each file's ``records`` in ``attrs`` and in the
report's manifest must equal that count, and the counts must add up per file and in total.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import vpnlog_analytics as vl
from vpnlog_analytics.report import Report, build_report

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
DATA = ROOT / "tests" / "data"
COUNTS = ("records", "kept", "duplicates_dropped", "skipped")


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


# --- an auditor's recount: no vpnlog_analytics code below this line -------------------
def _lines(text: bytes) -> int:
    """Non-blank lines (``zcat file | wc -l`` when the file ends in a newline)."""
    return sum(1 for line in text.split(b"\n") if line.rstrip(b"\r"))


def _events_in(value: Any) -> int:
    """Log events of one JSON value of a CLI, subscription or Insights document."""
    if isinstance(value, list):  # an Insights JSON download: one row per element
        return len(value)
    if "awslogs" in value:  # a Lambda event: base64 of a gzipped subscription payload
        return _recount_bytes(base64.b64decode(value["awslogs"]["data"]))
    if value.get("messageType") == "CONTROL_MESSAGE":
        return 0
    if "logEvents" in value:
        return len(value["logEvents"])
    if "events" in value:
        return len(value["events"])
    return 1  # a record itself


def _json_values(text: str) -> Iterator[Any]:
    """One JSON document, or several back to back (a Firehose object)."""
    decoder, pos = json.JSONDecoder(), 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        value, pos = decoder.raw_decode(text, pos)
        yield value


def _recount_bytes(data: bytes) -> int:
    if data[:2] == b"\x1f\x8b":
        return _recount_bytes(gzip.decompress(data))
    text = data.decode("utf-8-sig")
    if text.startswith("@timestamp") or text.startswith('"@timestamp"'):
        rows = list(csv.reader(io.StringIO(text, newline="")))[1:]
        return sum(1 for row in rows if any(v.strip() for v in row))
    if text.lstrip()[:1] in ("{", "["):  # JSON documents, or NDJSON: a record a line
        return sum(_events_in(v) for v in _json_values(text))
    return _lines(data)  # S3 export: "<time> <message>" a line


def recount(path: Path) -> int:
    """Records a log file holds, by the record unit of its envelope."""
    return _recount_bytes(path.read_bytes())


# --- the checks ---------------------------------------------------------------------------
def assert_adds_up(counts: dict[str, Any]) -> None:
    skipped = counts["skipped"]
    total = skipped if isinstance(skipped, int) else sum(skipped.values())
    assert counts["records"] == counts["kept"] + counts["duplicates_dropped"] + total, counts


@pytest.fixture(scope="module")
def samples() -> pd.DataFrame:
    return vl.read_logs(SAMPLES)


def _sample_logs() -> dict[str, int]:
    """The bundled log files and what each holds: export objects and the Insights CSV."""
    found = {str(p): recount(p) for p in sorted((SAMPLES / "s3-export").rglob("*.gz"))}
    found.update({str(p): recount(p) for p in SAMPLES.glob("insights-*.csv")})
    return found


def test_each_sample_file_is_credited_with_what_it_holds(samples: pd.DataFrame) -> None:
    want = _sample_logs()
    assert len(want) == 11 and all(want.values())
    got = samples.attrs["sources"]
    assert {k: v["records"] for k, v in got.items()} == want
    for entry in got.values():
        assert_adds_up(entry)


def test_sample_totals_add_up(samples: pd.DataFrame) -> None:
    a = samples.attrs
    read = sum(_sample_logs().values())
    # the export holds 173,201 lines; the Insights CSV's 5,558 rows are all in it too
    assert (read, a["kept"], a["duplicates_dropped"], a["skipped"]) == (178_759, 173_201, 5558, {})
    assert a["records"] == read and a["kept"] == len(samples)
    assert_adds_up(a)
    for key in ("kept", "duplicates_dropped"):
        assert a[key] == sum(v[key] for v in a["sources"].values())
    insights = a["sources"][str(SAMPLES / "insights-2026-10-21.csv")]
    # read first (it sorts before s3-export/), so its rows are kept, the export's copies dropped
    assert (insights["kept"], insights["duplicates_dropped"]) == (5558, 0)


def test_manifest_says_the_same(samples: pd.DataFrame, samples_report: Report) -> None:
    manifest = json.loads(samples_report.manifest_path.read_text())
    records = manifest["records"]
    assert (records["read"], records["kept"], records["duplicates_dropped"]) == (
        178_759,
        173_201,
        5558,
    )
    assert records["skipped"] == {} and records["skipped_total"] == 0
    assert records["in_table"] == len(samples)
    not_logs = ("ignored", "not read")
    logs = {i["source"]: i for i in manifest["inputs"] if not i["format"].startswith(not_logs)}
    assert {k: v["records"] for k, v in logs.items()} == _sample_logs()
    for name, entry in logs.items():
        assert_adds_up(entry)
        assert {k: entry[k] for k in COUNTS} == {
            k: samples.attrs["sources"][name][k] for k in COUNTS
        }
    assert sum(e["records"] for e in logs.values()) == records["read"]
    # the files beside the logs (the samples' .vpnlogignore lists them) are listed too,
    # with nothing read from them: an auditor recounting the folder finds every file
    other = [i for i in manifest["inputs"] if i["format"].startswith(not_logs)]
    listed = [
        line
        for line in (SAMPLES / ".vpnlogignore").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    expected = [p for p in listed if "*" not in p]
    expected += [p.name for p in (SAMPLES / "gateway").iterdir()]  # "gateway/*"
    assert sorted(Path(i["source"]).name for i in other) == sorted(expected)
    assert all(i["records"] == i["kept"] == 0 and i["sha256"] for i in other)


def test_report_states_the_identity(samples_report: Report) -> None:
    page = samples_report.index.read_text()
    md = samples_report.markdown.read_text()
    sentence = "178,759 records read = 173,201 kept + 5,558 duplicates dropped + 0 skipped"
    assert sentence in page and sentence in md


# every clean envelope fixture: the same recount, whatever the envelope
ENVELOPES = [
    "raw",
    "s3-export",
    "insights/logs-insights-results.csv",
    "insights/logs-insights-discovered.csv",
    "insights/logs-insights-results.json",
    "insights/logs-insights-discovered.json",
    "cli",
    "subscription",
]


@pytest.mark.parametrize("where", ENVELOPES)
def test_every_envelope_is_recounted(where: str) -> None:
    src = DATA / where
    df = vl.read_logs(src)
    files = [src] if src.is_file() else [p for p in sorted(src.rglob("*")) if p.is_file()]
    want = {str(p): recount(p) for p in files if p.name != "aws-logs-write-test"}
    got = df.attrs["sources"]
    assert {k: v["records"] for k, v in got.items()} == {k: n for k, n in want.items() if n}
    for entry in got.values():
        assert_adds_up(entry)
    assert df.attrs["records"] == sum(want.values())
    assert_adds_up(df.attrs)


# --- a fixture with known bad lines and duplicates ----------------------------------------
STREAM = "vpn-0d17975e9b801ddcd-18.143.226.251-IKE.log"
T0 = 1791100800  # 2026-10-04 08:00:00 UTC


def _record(t: int, details: str, state: str = "established") -> str:
    rec = {
        "event_timestamp": t,
        "details": details,
        "dpd_enabled": True,
        "nat_t_detected": False,
        "ike_phase1_state": state,
        "ike_phase2_state": state,
    }
    return json.dumps(rec, separators=(",", ":"))


def _iso(t: int, fmt: str) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime(fmt)


@pytest.fixture
def overlapping(tmp_path: Path) -> Path:
    """An S3 export object and an Insights CSV of the same stream that overlap.

    ``s3-export/.../000000.gz``, 7 lines:

    1. r1
    2. r1 again, the same second (a retransmit: identical lines of one source are kept)
    3. r2
    4. ``garbage-without-a-space``: no ``<time> <message>`` prefix -> ``bad_line``
    5. ``yesterday <r3>``: not a time -> ``bad_time``
    6. r3
    7. ``<time> {broken``: a time, then no JSON record -> ``broken_json``

    ``insights.csv``, a header and 4 rows: r1, r3, r5 (in no other file), and a row of
    2 fields where the header has 4 -> ``bad_csv_row``.
    """
    r1 = (T0, _record(T0, "AWS tunnel is sending DPD request"))
    r2 = (T0 + 60, _record(T0 + 60, "AWS tunnel received DPD ACK"))
    r3 = (T0 + 120, _record(T0 + 120, "Peer is not responsive - Declaring peer dead", "down"))
    r5 = (T0 + 300, _record(T0 + 300, "IKE SA established"))
    iso = "%Y-%m-%dT%H:%M:%S.000Z"
    lines = [
        f"{_iso(r1[0], iso)} {r1[1]}",
        f"{_iso(r1[0], iso)} {r1[1]}",
        f"{_iso(r2[0], iso)} {r2[1]}",
        "garbage-without-a-space",
        f"yesterday {r3[1]}",
        f"{_iso(r3[0], iso)} {r3[1]}",
        f"{_iso(T0 + 180, iso)} {{broken",
    ]
    export = tmp_path / "s3-export" / "exportedlogs" / "task" / STREAM / "000000.gz"
    export.parent.mkdir(parents=True)
    export.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    with (tmp_path / "insights.csv").open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["@timestamp", "@message", "@logStream", "@log"])
        for t, message in (r1, r3, r5):
            out.writerow([_iso(t, "%Y-%m-%d %H:%M:%S.000"), message, STREAM, "1234:vpns2s/log"])
        out.writerow([_iso(T0 + 400, "%Y-%m-%d %H:%M:%S.000"), "only two fields"])
    return tmp_path


def test_known_bad_lines_and_duplicates_give_hand_counts(overlapping: Path) -> None:
    """Counts derived by hand from the fixture's docstring.

    ``insights.csv`` sorts before ``s3-export/``, so it is read first and its copies win.
    insights.csv: 4 rows read; r1, r3, r5 kept (3); 1 bad_csv_row skipped.
    The export: 7 lines read; 3 skipped (bad_line, bad_time, broken_json); of its 4 good
    records, the first r1 and r3 are copies of Insights rows (2 duplicates); the second
    r1 (a retransmit: Insights holds r1 once) and r2 are kept (2).
    Total: 11 read = 5 kept + 2 duplicates + 4 skipped.
    """
    df = vl.read_logs(overlapping, errors="skip")
    export = next(overlapping.rglob("*.gz"))
    insights = overlapping / "insights.csv"
    assert (recount(export), recount(insights)) == (7, 4)
    want_export = {
        "records": 7,
        "kept": 2,
        "duplicates_dropped": 2,
        "skipped": {"bad_line": 1, "bad_time": 1, "broken_json": 1},
    }
    want_insights = {
        "records": 4,
        "kept": 3,
        "duplicates_dropped": 0,
        "skipped": {"bad_csv_row": 1},
    }
    sources = df.attrs["sources"]
    assert {k: sources[str(export)][k] for k in COUNTS} == want_export
    assert {k: sources[str(insights)][k] for k in COUNTS} == want_insights
    assert len(df) == 5
    assert {k: df.attrs[k] for k in COUNTS} == {
        "records": 11,
        "kept": 5,
        "duplicates_dropped": 2,
        "skipped": {"bad_line": 1, "bad_time": 1, "broken_json": 1, "bad_csv_row": 1},
    }
    kept_r1 = df[df["details"] == "AWS tunnel is sending DPD request"]["source"]
    assert sorted(kept_r1.astype(str)) == sorted([str(insights), str(export)])


def test_a_file_whose_every_record_is_skipped_is_listed(overlapping: Path) -> None:
    # named like a log stream's export object, but renamed: no stream, so no tunnel
    lost = overlapping / "renamed.gz"
    lost.write_bytes(
        gzip.compress(b"".join(gzip.open(next(overlapping.rglob("0*.gz"))).readlines()[:3]))
    )
    df = vl.read_logs([overlapping / "insights.csv", lost], errors="skip")
    entry = df.attrs["sources"][str(lost)]
    assert entry == {
        "format": "s3_export",
        "records": 3,
        "kept": 0,
        "duplicates_dropped": 0,
        "skipped": {"no_tunnel": 3},
    }
    assert df.attrs["records"] == 4 + 3 and df.attrs["kept"] == 3
    assert_adds_up(df.attrs)


def test_the_hand_counts_reach_manifest_and_page(overlapping: Path, tmp_path: Path) -> None:
    df = vl.read_logs(overlapping, errors="skip")
    rep = build_report(df, tmp_path / "out", start=None, end=None)
    records = rep.manifest["records"]
    assert (records["read"], records["kept"], records["duplicates_dropped"]) == (11, 5, 2)
    assert records["skipped_total"] == 4
    inputs = {Path(i["source"]).name: i for i in rep.manifest["inputs"]}
    assert {k: inputs["000000.gz"][k] for k in COUNTS} == {
        "records": 7,
        "kept": 2,
        "duplicates_dropped": 2,
        "skipped": {"bad_line": 1, "bad_time": 1, "broken_json": 1},
    }
    page = rep.index.read_text()
    assert (
        "11 records read = 5 kept + 2 duplicates dropped + 4 skipped as malformed "
        "(bad_csv_row: 1, bad_line: 1, bad_time: 1, broken_json: 1)"
    ) in page
