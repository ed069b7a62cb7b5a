"""Every good envelope fixture of ``tests/data``, and how to rewrite one (used by the
encoding and fuzz tests).

A fixture is rewritten under a temporary folder at the same relative path, so its stream
name (file or folder name) and its place in an export tree stay what they were. gzip
fixtures are decompressed for editing and compressed again (one member, ``mtime=0``).
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from pathlib import Path

from conftest import DATA

VPN = "vpn-0d17975e9b801ddcd"
SA = f"{VPN}-18.143.226.251-IKE.log"
SB = f"{VPN}-52.74.111.174-IKE.log"
TASK = "4e1c7a52-8d0b-4f3e-9a61-2b7d5c9e0f13"


@dataclass(frozen=True)
class Fixture:
    """One good fixture: its path under ``tests/data`` and how its records are laid out.

    ``layout`` is ``"lines"`` (one record per non-blank line: raw NDJSON, S3 export lines,
    Insights CSV rows after the header) or ``"document"`` (JSON values: CLI output,
    Insights JSON, subscription payloads, pretty-printed records).
    """

    rel: str
    layout: str
    header_lines: int = 0

    @property
    def path(self) -> Path:
        return DATA / self.rel

    @property
    def gzipped(self) -> bool:
        return self.path.read_bytes()[:2] == b"\x1f\x8b"

    def content(self) -> bytes:
        """The decompressed bytes (all gzip members, back to back)."""
        raw = self.path.read_bytes()
        if raw[:2] != b"\x1f\x8b":
            return raw
        out, pos = [], 0
        while pos < len(raw):
            d = zlib.decompressobj(wbits=31)
            out.append(d.decompress(raw[pos:]))
            pos = len(raw) - len(d.unused_data)
        return b"".join(out)

    def pack(self, content: bytes) -> bytes:
        """``content`` as the fixture stores it (gzip again where the fixture is)."""
        return gzip.compress(content, mtime=0) if self.gzipped else content

    def write(self, root: Path, data: bytes) -> Path:
        """Write ``data`` (stored form) at the fixture's relative path under ``root``."""
        out = root / self.rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        return out


EXPORT = f"s3-export/exportedlogs/{TASK}"
FIREHOSE = (
    "subscription/firehose/2024/08/20/05/"
    "vpn-logs-to-s3-1-2024-08-20-05-14-05-0f3b8e62-5c1d-4a7e-b2f9-8d6a1e3c4b70"
)

FIXTURES = {
    "raw_json": Fixture(f"raw/{SA}.jsonl", "lines"),
    "raw_gzip": Fixture(f"raw/{SB}.jsonl.gz", "lines"),
    "s3_export_a": Fixture(f"{EXPORT}/{SA}/000000.gz", "lines"),
    "s3_export_b": Fixture(f"{EXPORT}/{SB}/000000.gz", "lines"),
    "s3_export_text": Fixture(
        f"s3-export-text/exportedlogs/{TASK}/vpn-0e2e5dd1c3f9a8b71-3.105.12.200-IKE.log/000000.gz",
        "lines",
    ),
    "insights_csv": Fixture("insights/logs-insights-results.csv", "lines", header_lines=1),
    "insights_discovered_csv": Fixture(
        "insights/logs-insights-discovered.csv", "lines", header_lines=1
    ),
    "insights_json": Fixture("insights/logs-insights-results.json", "document"),
    "insights_discovered_json": Fixture("insights/logs-insights-discovered.json", "document"),
    "filter_log_events": Fixture("cli/filter-log-events-0001.json", "document"),
    "get_log_events": Fixture(f"cli/{SA}.json", "document"),
    "lambda_event": Fixture("subscription/lambda-event-0001.json", "document"),
    "firehose": Fixture(FIREHOSE, "document"),
    "pretty_records": Fixture(f"records/{SA}.pretty.json", "document"),
    "doc_names": Fixture(f"records/{SA}.doc-names.jsonl", "lines"),
    "bgp_lines": Fixture(f"bgp/{VPN}-18.143.226.251-BGP.log.jsonl", "lines"),
    "bgp_examples": Fixture("bgp/bgp-log-examples.json", "document"),
}


def record_lines(content: bytes, fixture: Fixture) -> list[int]:
    """Indexes (into ``content.split(b"\\n")``) of the lines that hold one record each."""
    lines = content.split(b"\n")
    return [i for i, ln in enumerate(lines) if ln.strip() and i >= fixture.header_lines]
