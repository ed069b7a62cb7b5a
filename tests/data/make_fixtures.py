"""Regenerate the loader fixtures of ``tests/data`` deterministically.

    .venv/bin/python tests/data/make_fixtures.py

Every fixture holds (a subset of) the 18 hand-written records of :data:`RECORDS`: two
tunnels of the real capture's connection ``vpn-0d17975e9b801ddcd`` (tunnel A, IKEv1,
18.143.226.251, record shapes copied from ``reference/real-capture``; tunnel B, IKEv2,
52.74.111.174, documented messages). The same records go through every envelope, so each
good fixture reads to the same table; ``tests/test_io_envelopes.py`` writes that table out
by hand. Each envelope also gets a deliberately broken sibling (under ``broken/``).
gzip members carry no timestamp (``mtime=0``); nothing depends on the clock or on
randomness, so the files are byte-for-byte reproducible.
"""

from __future__ import annotations

import base64
import csv
import gzip
import io
import json
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent

VPN = "vpn-0d17975e9b801ddcd"
IP_A, IP_B = "18.143.226.251", "52.74.111.174"
STREAM_A = f"{VPN}-{IP_A}-IKE.log"
STREAM_B = f"{VPN}-{IP_B}-IKE.log"
GROUP = "vpns2s/log"
ACCOUNT = "123456789012"
CGW_A = "cgw-0ce820f9dd04721d8"
CGW_B_IP = "52.221.80.17"
TS = "traffic selectors: 10.0.0.0/16 === 192.168.1.0/24"

# (key, stream, event_timestamp [s], details, phase1, phase2, dpd_enabled, nat_t_detected)
# in stream order. A2/A3 are identical retransmits of one second; A4..A8 share one second
# and are deliberately not in alphabetical order.
RECORDS = [
    (
        "A1",
        STREAM_A,
        1724129729,
        f"sending packet: from {IP_A} [UDP 500] to {CGW_A} [UDP 500] (604 bytes)",
        "established",
        "established",
        True,
        False,
    ),
    (
        "A2",
        STREAM_A,
        1724129804,
        f"sending packet: from {IP_A} [UDP 500] to {CGW_A} [UDP 500] (604 bytes)",
        "established",
        "established",
        True,
        False,
    ),
    (
        "A3",
        STREAM_A,
        1724129804,
        f"sending packet: from {IP_A} [UDP 500] to {CGW_A} [UDP 500] (604 bytes)",
        "established",
        "established",
        True,
        False,
    ),
    (
        "A4",
        STREAM_A,
        1724129875,
        f"received packet: from {CGW_A} [UDP 500] to {IP_A} [UDP 500] (300 bytes)",
        "established",
        "established",
        True,
        False,
    ),
    (
        "A5",
        STREAM_A,
        1724129875,
        "AWS tunnel processed request (id=526265123) for Quick Mode",
        "established",
        "established",
        True,
        False,
    ),
    (
        "A6",
        STREAM_A,
        1724129875,
        "AWS tunnel has selected proposals for Phase 2 SA",
        "established",
        "established",
        True,
        False,
    ),
    (
        "A7",
        STREAM_A,
        1724129875,
        "AWS tunnel is sending response (id=526265123) for Quick Mode",
        "established",
        "established",
        True,
        False,
    ),
    (
        "A8",
        STREAM_A,
        1724129875,
        f"AWS tunnel Phase 2 SA is established with inbound SPI: 0xc46b9fa3: outbound SPI: 0xdb3ca7bd: {TS}",  # noqa: E501
        "established",
        "established",
        True,
        False,
    ),
    (
        "A9",
        STREAM_A,
        1724130172,
        "AWS tunnel received DELETE for Phase 2 SA with SPI: 0xdb3ca7bb",
        "established",
        "established",
        True,
        False,
    ),
    (
        "A10",
        STREAM_A,
        1724130172,
        f"AWS tunnel is closing CHILD_SA with inbound SPI: 0xc7070eb4: outbound SPI: 0xdb3ca7bb: {TS}",  # noqa: E501
        "established",
        "established",
        True,
        False,
    ),
    (
        "A11",
        STREAM_A,
        1724130813,
        "Peer is not responsive - Declaring peer dead",
        "down",
        "down",
        True,
        False,
    ),
    (
        "A12",
        STREAM_A,
        1724130845,
        "AWS tunnel received DELETE for IKE_SA from CGW",
        "negotiating",
        "down",
        True,
        False,
    ),
    (
        "B1",
        STREAM_B,
        1724129700,
        "AWS tunnel is sending request (id=41) for CREATE_CHILD_SA",
        "established",
        "rekeying",
        True,
        True,
    ),
    (
        "B2",
        STREAM_B,
        1724129700,
        "AWS tunnel processed response (id=41) for CREATE_CHILD_SA",
        "established",
        "established",
        True,
        True,
    ),
    (
        "B3",
        STREAM_B,
        1724129760,
        "AWS tunnel detected a (CHILD_REKEY) collision as CHILD_DELETE",
        "established",
        "established",
        True,
        True,
    ),
    (
        "B4",
        STREAM_B,
        1724130000,
        "AWS tunnel DPD timed out after 3 retransmits",
        "down",
        "down",
        True,
        True,
    ),
    (
        "B5",
        STREAM_B,
        1724130030,
        f"AWS tunnel detected a pre-shared key mismatch with cgw: {CGW_B_IP}",
        "negotiating",
        "down",
        True,
        True,
    ),
    (
        "B6",
        STREAM_B,
        1724130095,
        f"AWS tunnel Phase 1 IKE_SA is established with cgw: {CGW_B_IP}",
        "established",
        "established",
        True,
        True,
    ),
]


def message(rec: tuple) -> str:
    """The record exactly as CloudWatch stores it (compact JSON, AWS key order)."""
    _, _, ts, details, p1, p2, dpd, nat = rec
    return json.dumps(
        {
            "event_timestamp": ts,
            "details": details,
            "dpd_enabled": dpd,
            "nat_t_detected": nat,
            "ike_phase1_state": p1,
            "ike_phase2_state": p2,
        },
        separators=(",", ":"),
    )


def of(stream: str) -> list[tuple]:
    return [r for r in RECORDS if r[1] == stream]


def by_time() -> list[tuple]:
    """All records by time; records of one second keep stream order (stable)."""
    return sorted(RECORDS, key=lambda r: r[2])


def newest_first() -> list[tuple]:
    """The Insights console order: @timestamp descending, one second in stream order."""
    return sorted(RECORDS, key=lambda r: -r[2])


def iso(ts: int, sep: str = "T", zone: str = "Z") -> str:
    import datetime as dt

    t = dt.datetime.fromtimestamp(ts, dt.UTC)
    return t.strftime(f"%Y-%m-%d{sep}%H:%M:%S") + f".000{zone}"


def event_id(rec: tuple) -> str:
    """A 56-digit CloudWatch-style event id, stable per record."""
    return f"{rec[2] * 1000:016d}{RECORDS.index(rec) + 1:040d}"


def gz(data: bytes, level: int = 9) -> bytes:
    return gzip.compress(data, compresslevel=level, mtime=0)


def lines(texts: list[str]) -> bytes:
    return "".join(t + "\n" for t in texts).encode()


def put(rel: str, data: bytes | str) -> None:
    path = HERE / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def cut_stored_gzip(text: bytes, keep_bytes: int) -> bytes:
    """A stored (level 0) gzip of ``text`` cut so that exactly ``keep_bytes`` inflate."""
    whole = gz(text, level=0)
    return whole[: 10 + 5 + keep_bytes]  # gzip header, stored-block header, payload


# --- raw per-stream files -------------------------------------------------------------------
def raw() -> None:
    put(f"raw/{STREAM_A}.jsonl", lines([message(r) for r in of(STREAM_A)]))
    put(f"raw/{STREAM_B}.jsonl.gz", gz(lines([message(r) for r in of(STREAM_B)])))
    # broken: line 3 cut in the middle of its details
    msgs = [message(r) for r in of(STREAM_A)]
    msgs[2] = msgs[2][:52]
    put(f"broken/raw/{STREAM_A}.jsonl", lines(msgs))
    # broken: gzip cut in the middle of line 5 (B1..B4 readable)
    text = lines([message(r) for r in of(STREAM_B)])
    four = len(lines([message(r) for r in of(STREAM_B)[:4]]))
    put(f"broken/raw/{STREAM_B}.jsonl.gz", cut_stored_gzip(text, four + 40))


# --- CloudWatch S3 export -------------------------------------------------------------------
TASK = "4e1c7a52-8d0b-4f3e-9a61-2b7d5c9e0f13"


def s3_export() -> None:
    root = f"s3-export/exportedlogs/{TASK}"
    put(f"{root}/aws-logs-write-test", b"Permission Check Successful")
    # tunnel A, ISO prefixes, lines not sorted (the 1724130172 pair comes first)
    a = of(STREAM_A)
    order = a[8:10] + a[:8] + a[10:]
    put(f"{root}/{STREAM_A}/000000.gz", gz(lines([f"{iso(r[2])} {message(r)}" for r in order])))
    # tunnel B, epoch-ms prefixes, two parts
    b = [f"{r[2] * 1000} {message(r)}" for r in of(STREAM_B)]
    put(f"{root}/{STREAM_B}/000000.gz", gz(lines(b[:4])))
    put(f"{root}/{STREAM_B}/000001.gz", gz(lines(b[4:])))
    # broken: line 4 of A has no time prefix; B's part is cut in the middle of line 4
    broken = f"broken/s3-export/exportedlogs/{TASK}"
    put(f"{broken}/aws-logs-write-test", b"Permission Check Successful")
    la = [f"{iso(r[2])} {message(r)}" for r in a]
    la[3] = message(a[3])
    put(f"{broken}/{STREAM_A}/000000.gz", gz(lines(la)))
    lb = lines([f"{iso(r[2])} {message(r)}" for r in of(STREAM_B)])
    three = len(lines([f"{iso(r[2])} {message(r)}" for r in of(STREAM_B)[:3]]))
    put(f"{broken}/{STREAM_B}/000000.gz", cut_stored_gzip(lb, three + 30))
    # text-format tunnel inside an export
    text_stream = "vpn-0e2e5dd1c3f9a8b71-3.105.12.200-IKE.log"
    text_lines = [
        "2024-08-20T05:00:01.000Z sending packet: from 3.105.12.200 [UDP 4500] to "
        "198.51.100.7 [UDP 4500] (92 bytes)",
        "2024-08-20T05:00:31.000Z AWS tunnel DPD timed out after 5 retransmits",
        "2024-08-20T05:00:31.000Z AWS tunnel received DELETE for Phase 2 SA with SPI: 0x8a1f22c4",
        "2024-08-20T05:01:02.000Z AWS tunnel is sending request (id=7) for CREATE_CHILD_SA",
    ]
    put(f"s3-export-text/exportedlogs/{TASK}/{text_stream}/000000.gz", gz(lines(text_lines)))


# --- Logs Insights console downloads --------------------------------------------------------
def _insights_rows(kind: str) -> list[dict[str, str]]:
    rows = []
    for r in newest_first():
        if kind == "message":
            rows.append(
                {
                    "@timestamp": iso(r[2], " ", ""),
                    "@message": message(r),
                    "@logStream": r[1],
                    "@log": f"{ACCOUNT}:{GROUP}",
                }
            )
        else:
            rows.append(
                {
                    "@timestamp": str(r[2] * 1000),
                    "@logStream": r[1],
                    "details": r[3],
                    "ike_phase1_state": r[4],
                    "ike_phase2_state": r[5],
                    "dpd_enabled": "true" if r[6] else "false",
                    "nat_t_detected": "true" if r[7] else "false",
                    "event_timestamp": str(r[2]),
                }
            )
    return rows


def _csv(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def insights() -> None:
    msg, disc = _insights_rows("message"), _insights_rows("discovered")
    put("insights/logs-insights-results.csv", _csv(msg))
    put("insights/logs-insights-discovered.csv", _csv(disc))
    put("insights/logs-insights-results.json", json.dumps(msg, indent=2))
    put("insights/logs-insights-discovered.json", json.dumps(disc, indent=2))
    # broken CSV: line 4 has an extra (unquoted) field, line 9 lacks @log
    text = _csv(msg).splitlines()
    text[3] = text[3] + ",extra"
    text[8] = text[8].rsplit(",", 1)[0]
    put("broken/insights/logs-insights-results.csv", "\n".join(text) + "\n")
    # broken JSON: the array is cut short inside its 5th object
    whole = json.dumps(msg, indent=2)
    fifth = whole.index("  {", whole.index("  {", 0) + 1)
    for _ in range(3):
        fifth = whole.index("  {", fifth + 1)
    put("broken/insights/logs-insights-results.json", whole[: fifth + 40])


# --- aws logs CLI output --------------------------------------------------------------------
def _filter_event(r: tuple) -> dict:
    return {
        "logStreamName": r[1],
        "timestamp": r[2] * 1000,
        "message": message(r),
        "ingestionTime": r[2] * 1000 + 1234,
        "eventId": event_id(r),
    }


def cli() -> None:
    events = [_filter_event(r) for r in by_time()]
    # page 2 repeats the last 4 events of page 1 (a window fetched twice), among them the
    # A2/A3 retransmits, which have distinct event ids
    p1 = {"events": events[:10], "nextToken": "Bxkq6kVGFtq2y_MoigeqscPOdhXVbhiVtLoAmXb5jCrI"}
    p2 = {"events": events[6:]}
    put("cli/filter-log-events-0001.json", json.dumps(p1, indent=4))
    put("cli/filter-log-events-0002.json", json.dumps(p2, indent=4))
    for stream in (STREAM_A, STREAM_B):
        body = {
            "events": [
                {
                    "timestamp": r[2] * 1000,
                    "message": message(r),
                    "ingestionTime": r[2] * 1000 + 1234,
                }
                for r in of(stream)
            ],
            "nextForwardToken": "f/38467629467582613425618573626451875734524637462563463725/s",
            "nextBackwardToken": "b/38467629467582613425618573626451875734524637462563463725/s",
        }
        put(f"cli/{stream}.json", json.dumps(body, indent=4))
    # broken: the 3rd event has no "message"
    bad = {"events": [dict(e) for e in events[:5]]}
    del bad["events"][2]["message"]
    put("broken/cli/filter-log-events-0001.json", json.dumps(bad, indent=4))


# --- subscription payloads ------------------------------------------------------------------
def _envelope(stream: str) -> dict:
    return {
        "messageType": "DATA_MESSAGE",
        "owner": ACCOUNT,
        "logGroup": GROUP,
        "logStream": stream,
        "subscriptionFilters": ["vpn-logs-subscription"],
        "logEvents": [
            {"id": event_id(r), "timestamp": r[2] * 1000, "message": message(r)} for r in of(stream)
        ],
    }


CONTROL = {
    "messageType": "CONTROL_MESSAGE",
    "owner": "CloudwatchLogs",
    "logGroup": "",
    "logStream": "",
    "subscriptionFilters": [],
    "logEvents": [
        {
            "id": "",
            "timestamp": 1724129700000,
            "message": "CWL CONTROL MESSAGE: Checking health of destination Firehose.",
        }
    ],
}


def _compact(obj: dict) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _lambda(env: dict) -> str:
    data = base64.b64encode(gz(_compact(env))).decode()
    return json.dumps({"awslogs": {"data": data}}, indent=2)


FIREHOSE = "firehose/2024/08/20/05/vpn-logs-to-s3-1-2024-08-20-05-14-05-0f3b8e62-5c1d-4a7e-b2f9-8d6a1e3c4b70"  # noqa: E501


def subscription() -> None:
    put("subscription/lambda-event-0001.json", _lambda(_envelope(STREAM_A)))
    put("subscription/lambda-event-0002.json", _lambda(_envelope(STREAM_B)))
    put("subscription/lambda-event-control.json", _lambda(CONTROL))
    members = [
        gz(_compact(_envelope(STREAM_A))),
        gz(_compact(CONTROL)),
        gz(_compact(_envelope(STREAM_B))),
    ]
    put(f"subscription/{FIREHOSE}", b"".join(members))
    # broken: awslogs.data is not base64
    put(
        "broken/subscription/lambda-event-0001.json",
        json.dumps({"awslogs": {"data": "H4sIAAAAAAAA/#not*base64!"}}, indent=2),
    )
    # broken: Firehose object whose 2nd member fails its CRC check
    first = gz(_compact(_envelope(STREAM_A)))
    second = bytearray(gz(_compact(_envelope(STREAM_B))))
    second[-8:-4] = bytes(b ^ 0xFF for b in second[-8:-4])
    put("broken/subscription/firehose-object", first + bytes(second))


DOC_BGP = """\
{
    "resource_id": "vpn-1234abcd_1.2.3.4",
    "event_timestamp": 1762580429641,
    "timestamp": "2025-11-08 05:40:29.641Z",
    "type": "BGPStatus",
    "status": "UP",
    "message": {
        "details": "AWS-side peer BGP session state has changed from OpenConfirm to Established with neighbor 169.254.50.85"
    }
}

{
    "resource_id": "vpn-1234abcd_1.2.3.4",
    "event_timestamp": 1762579573243,
    "timestamp": "2025-11-08 05:26:13.243Z",
    "type": "RouteStatus",
    "status": "UPDATED",
    "message": {
        "prefix": "172.31.0.0/16",
        "asPath": "64512",
        "localPref": 100,
        "med": 100,
        "nextHopIp": "169.254.50.85",
        "weight": 32768,
        "details": "DENIED due to: as-path contains our own AS"
    }
}
"""  # noqa: E501


# --- BGP records --------------------------------------------------------------------------
def bgp() -> None:
    # the documentation's two records, verbatim (reference/bgp-log-examples.json.txt)
    put("bgp/bgp-log-examples.json", DOC_BGP)
    rid = f"{VPN}_{IP_A}"
    recs = [
        {
            "resource_id": rid,
            "event_timestamp": 1724130813250,
            "timestamp": "2024-08-20 05:13:33.250Z",
            "type": "BGPStatus",
            "status": "DOWN",
            "message": {
                "details": "AWS-side peer BGP session state has changed from Established to Idle with neighbor 169.254.44.85"  # noqa: E501
            },
        },
        {
            "resource_id": rid,
            "event_timestamp": 1724130850500,
            "timestamp": "2024-08-20 05:14:10.500Z",
            "type": "BGPStatus",
            "status": "DOWN",
            "message": {
                "details": "AWS-side peer BGP session state has changed from Idle to Connect with neighbor 169.254.44.85"  # noqa: E501
            },
        },
        {
            "resource_id": rid,
            "event_timestamp": 1724130861000,
            "timestamp": "2024-08-20 05:14:21.000Z",
            "type": "BGPStatus",
            "status": "UP",
            "message": {
                "details": "AWS-side peer BGP session state has changed from OpenConfirm to Established with neighbor 169.254.44.85"  # noqa: E501
            },
        },
        {
            "resource_id": rid,
            "event_timestamp": 1724130862125,
            "timestamp": "2024-08-20 05:14:22.125Z",
            "type": "RouteStatus",
            "status": "ADVERTISED",
            "message": {
                "prefix": "10.20.0.0/16",
                "asPath": "65000",
                "localPref": 100,
                "med": 0,
                "nextHopIp": "169.254.44.86",
                "weight": 0,
            },
        },
    ]
    put(
        f"bgp/{VPN}-{IP_A}-BGP.log.jsonl",
        lines([json.dumps(r, separators=(",", ":")) for r in recs]),
    )
    bad = [dict(r) for r in recs]
    del bad[1]["type"]
    put(
        f"broken/bgp/{VPN}-{IP_A}-BGP.log.jsonl",
        lines([json.dumps(r, separators=(",", ":")) for r in bad]),
    )


# --- other record shapes --------------------------------------------------------------------
def records() -> None:
    # the documentation's field names, capitalised states, "True"/"False" strings
    doc = [
        {
            "VpnLogCreationTimestamp": 1724129729,
            "VpnLogDetail": RECORDS[0][3],
            "TunnelDPDEnabled": "True",
            "TunnelCGWNATTDetectionStatus": "False",
            "TunnelIKEPhase1State": "ESTABLISHED",
            "TunnelIKEPhase2State": "Established",
        },
        {
            "VpnLogCreationTimestamp": 1724130813,
            "VpnLogDetail": "Peer is not responsive - Declaring peer dead",
            "TunnelDPDEnabled": "True",
            "TunnelCGWNATTDetectionStatus": "False",
            "TunnelIKEPhase1State": "DOWN",
            "TunnelIKEPhase2State": "Down",
        },
        {
            "VpnLogCreationTimestamp": "2024-08-20 05:14:05.000Z",
            "VpnLogDetail": "AWS tunnel received DELETE for IKE_SA from CGW",
            "TunnelDPDEnabled": "True",
            "TunnelCGWNATTDetectionStatus": "False",
            "TunnelIKEPhase1State": "Negotiating",
            "TunnelIKEPhase2State": "DOWN",
        },
    ]
    put(f"records/{STREAM_A}.doc-names.jsonl", lines([json.dumps(r) for r in doc]))
    # older pages: the connection id and outside IP inside the record, no stream anywhere
    older = [
        {
            "VpnConnectionId": VPN,
            "TunnelOutsideIPAddress": IP_B,
            **doc[0],
            "VpnLogDetail": "AWS tunnel DPD timed out after 4 retransmits",
        },
        {"VpnConnectionId": VPN, "TunnelOutsideIPAddress": IP_A, **doc[1]},
    ]
    put("records/older-doc-names.jsonl", lines([json.dumps(r) for r in older]))
    # no stream name in the file name: needs log_stream=
    put("records/tunnel-records.jsonl", lines([message(r) for r in of(STREAM_A)[:3]]))
    # impossible timestamps: line 2 is 1970, line 4 is the year 2500
    a = of(STREAM_A)
    imp = [
        message(a[0]),
        message(a[0]).replace("1724129729", "0"),
        message(a[3]),
        message(a[3]).replace("1724129875", "16725225600"),
    ]
    put(f"records/{STREAM_A}.impossible-time.jsonl", lines(imp))
    # pretty-printed records back to back (the console's expanded view)
    put(
        f"records/{STREAM_A}.pretty.json",
        "\n".join(json.dumps(json.loads(message(r)), indent=4) for r in a[:2]) + "\n",
    )


def main() -> None:
    for sub in (
        "raw",
        "s3-export",
        "s3-export-text",
        "insights",
        "cli",
        "subscription",
        "bgp",
        "records",
        "broken",
    ):
        if (HERE / sub).exists():
            shutil.rmtree(HERE / sub)
    raw()
    s3_export()
    insights()
    cli()
    subscription()
    bgp()
    records()


if __name__ == "__main__":
    main()
