"""Text encodings real tools write, turned into the UTF-8 every reader expects.

AWS writes UTF-8 without a byte-order mark. Copies made on Windows often are not: Notepad
and .NET tools add a UTF-8 BOM, Windows PowerShell's ``>`` and ``Out-File`` write UTF-16
LE with a BOM, some editors write UTF-16 BE or UTF-32. Line endings may be CRLF, which
every reader accepts as it is. :func:`to_utf8` recognises these by their BOM (UTF-16
without one by its zero bytes) and converts; a line that does not decode is reported as a
bad record, the others are kept.
"""

from __future__ import annotations

import codecs
from typing import Final

from .issues import Issues

__all__ = ["NO_LOG_TEXT", "describe", "detect_encoding", "to_utf8"]

#: What :func:`describe` says of text in no log format (a README, notes, prose).
NO_LOG_TEXT: Final = "text that is no log format"

#: Byte-order marks, longest first (UTF-32 LE starts like UTF-16 LE).
_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_UNIT: Final = {"utf-16-le": 2, "utf-16-be": 2, "utf-32-le": 4, "utf-32-be": 4}


def detect_encoding(data: bytes) -> tuple[str, int]:
    """Name the encoding of some bytes and the length of their byte-order mark.

    Parameters
    ----------
    data : bytes
        The start (or all) of a decompressed source.

    Returns
    -------
    encoding : str
        ``"utf-8"``, ``"utf-16-le"``, ``"utf-16-be"``, ``"utf-32-le"`` or ``"utf-32-be"``.
    bom : int
        Bytes of byte-order mark to drop [bytes].

    Examples
    --------
    >>> detect_encoding('{"a": 1}'.encode("utf-16"))
    ('utf-16-le', 2)
    >>> detect_encoding(b'{"a": 1}')
    ('utf-8', 0)
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, len(bom)
    # UTF-16 without a BOM: ASCII text has a zero byte in (nearly) every other position.
    head = data[: min(64, len(data) - len(data) % 2)]
    if len(head) >= 8:
        even, odd = head[0::2], head[1::2]
        n = len(even)
        if odd.count(0) >= 0.9 * n and even.count(0) <= 0.1 * n:
            return "utf-16-le", 0
        if even.count(0) >= 0.9 * n and odd.count(0) <= 0.1 * n:
            return "utf-16-be", 0
    return "utf-8", 0


def to_utf8(data: bytes, *, source: str, issues: Issues) -> bytes:
    """Return ``data`` as UTF-8 without a byte-order mark.

    UTF-8 input is returned as it is (a BOM dropped); invalid UTF-8 inside a record is
    left to the record parser, which names its line. UTF-16 and UTF-32 are decoded; a line
    that does not decode (a lone surrogate, a cut code unit) is reported as a bad record
    under reason ``bad_encoding`` and left out.

    Parameters
    ----------
    data : bytes
        The decompressed content of one source.
    source : str
        Named in errors.
    issues : Issues
        The error policy: raises on the first bad line under ``"raise"``.

    Returns
    -------
    bytes
        UTF-8 text; line numbers are those of the original.

    Raises
    ------
    ParseError
        Under ``errors="raise"``, for a line that does not decode.
    """
    encoding, bom = detect_encoding(data)
    if encoding == "utf-8":
        return data[bom:] if bom else data
    body = data[bom:]
    unit = _UNIT[encoding]
    try:
        return body.decode(encoding).encode("utf-8")
    except UnicodeDecodeError:
        if encoding == "utf-32-le":
            # FF FE 00 00 is also UTF-16 LE's BOM before a NUL character
            encoding, body, unit = "utf-16-le", data[2:], 2
            try:
                return body.decode(encoding).encode("utf-8")
            except UnicodeDecodeError:
                pass
    # Decode line by line, so one bad line costs one record.
    newline = "\n".encode(encoding)
    cut = len(body) - len(body) % unit
    out: list[str] = []
    pos, number = 0, 1
    while pos < cut:
        j = body.find(newline, pos, cut)
        while j != -1 and (j - pos) % unit:
            j = body.find(newline, j + 1, cut)
        end = cut if j == -1 else j + unit
        try:
            out.append(body[pos:end].decode(encoding))
        except UnicodeDecodeError as exc:
            issues.bad(
                f"not valid {encoding.upper()} text ({exc.reason})",
                source=source,
                line=number,
                reason="bad_encoding",
            )
            out.append("\n" if j != -1 else "")
        pos, number = end, number + 1
    if cut < len(body):
        # A cut code unit: the last line is incomplete (or is that stray byte alone).
        if out and not out[-1].endswith("\n"):
            out.pop()
            number -= 1
        issues.bad(
            f"{encoding.upper()} text ends in the middle of a character",
            source=source,
            line=number,
            reason="bad_encoding",
        )
    return "".join(out).encode("utf-8")


def describe(data: bytes) -> str:
    r"""Say in a few words what a file that holds no logs holds (for "ignored" lists).

    Parameters
    ----------
    data : bytes
        The start (or all) of the file, decompressed.

    Returns
    -------
    str
        E.g. ``"binary data"``, ``"a CSV file without Logs Insights columns"``.

    Examples
    --------
    >>> describe(b"\x00\x01\x02garbage")
    'binary data'
    >>> describe(b"a,b\n1,2\n")
    'a CSV file without Logs Insights columns'
    """
    head = data[:4096]
    if not head.strip():
        return "no content"
    if b"\x00" in head:
        return "binary data"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut by the 4 KiB window
            return "binary data"
        text = head[: exc.start].decode("utf-8")
    printable = sum(ch.isprintable() or ch in "\t\r\n" for ch in text)
    if printable < 0.9 * max(len(text), 1):
        return "binary data"
    if text.lstrip()[:1] in ("[", "{"):
        if any(key in text for key in ('"VpnConnections"', '"VpnConnectionId"')):
            return "tunnel options (describe-vpn-connections); read them with read_tunnel_options()"
        return "JSON without VPN log records or CloudWatch events"
    # CSV: a header and rows with the same number of commas (prose has fewer, unevenly)
    rows = [ln for ln in text.splitlines() if ln.strip()][:5]
    commas = {r.count(",") for r in rows}
    if len(rows) >= 2 and len(commas) == 1 and min(commas) >= 1 and rows[0][:1] != "#":
        return "a CSV file without Logs Insights columns"
    return NO_LOG_TEXT
