"""gunzip gives the same bytes, members and failures with zlib-ng (the fast extra) or zlib.

``io.decode.gunzip`` inflates with zlib-ng where it is installed and with the standard
library's zlib elsewhere. Both must read whole, multi-member, truncated and corrupt
inputs alike: the expected values are zlib's, the reference implementation.
"""

from __future__ import annotations

import gzip
import zlib

import pytest

from vpnlog_analytics.io import decode

LINES = b"".join(
    b'{"event_timestamp":%d,"details":"DPD sequence %d","dpd_enabled":true}\n' % (1790000000 + i, i)
    for i in range(3000)
)


def _inputs() -> dict[str, bytes]:
    one = gzip.compress(LINES, mtime=0)
    two = one + gzip.compress(LINES[:5000], mtime=0)
    corrupt = bytearray(one)
    corrupt[len(one) // 2] ^= 0xFF
    return {
        "whole": one,
        "two members": two,
        "padded": two + b"\x00\x00\n",
        "trailing data": one + b"not gzip",
        "truncated early": one[:40],
        "truncated late": one[: len(one) - 20],
        "second member truncated": two[: len(two) - 30],
        "corrupt": bytes(corrupt),
    }


@pytest.mark.parametrize("name", list(_inputs()))
def test_zlib_ng_reads_as_zlib(name, monkeypatch):
    pytest.importorskip("zlib_ng")
    raw = _inputs()[name]
    got = decode.gunzip(raw)
    monkeypatch.setattr(decode, "_inflate", zlib)
    expected = decode.gunzip(raw)
    assert got.data == expected.data
    assert got.members == expected.members
    assert got.error_offset == expected.error_offset
    assert got.error == expected.error  # zlib-ng reports zlib's messages
    if name == "whole":
        assert got.data == LINES
