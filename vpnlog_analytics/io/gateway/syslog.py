"""Syslog envelopes of gateway lines: the header cut off, the program and device named.

Three headers are read (the family parsers take the message after them):

- BSD syslog (RFC 3164) as syslogd/rsyslog write it and ``journalctl`` (``-o short``)
  prints it: ``Oct  3 11:26:28 gw charon[1234]: msg``; the host may be missing
  (``Jan 21 12:34:34 charon: msg``, pfSense), the ``:`` too (pfSense's log view), a
  ``<PRI>`` may lead (a forwarded message);
- ISO 8601 / RFC 3339 stamps in the same place (``journalctl -o short-iso``, rsyslog's
  high-precision template): ``2024-10-03T11:26:28+0200 gw charon[1234]: msg``;
- RFC 5424 (OPNsense >= 24 writes its IPsec log so): ``<30>1 2024-06-08T00:46:22+02:00
  host charon 51742 - [meta sequenceId="1"] msg`` (shape from opnsense/core#7518).

strongSwan's own file logger writes no program: ``Oct  3 11:26:28 09[IKE] msg``; such a
line is recognised by its thread and group.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from .clock import BadTime, Stamp, read_stamp

__all__ = ["Header", "read_header"]

_PRI: Final = re.compile(r"<\d{1,3}>")
_RFC5424: Final = re.compile(
    r"<\d{1,3}>1 (?P<ts>\S+) (?P<host>\S+) (?P<app>\S+) (?P<pid>\S+) (?P<msgid>\S+) "
    r"(?P<sd>-|(?:\[(?:[^\]\"]|\"(?:[^\"\\]|\\.)*\")*\])+)(?: (?P<msg>.*))?$"
)
_PROGRAM: Final = re.compile(
    r" +(?:(?P<host>[^\s:\[]+) )?(?P<prog>[A-Za-z][\w.-]*)(?:\[(?P<pid>\d+)\])?:? (?P<msg>.*)$"
)
#: strongSwan's file logger: no program, the thread and group first.
_CHARON_FILE: Final = re.compile(r" +(?:(?P<host>[^\s:\[]+) )?(?P<msg>\d{1,3}\[[A-Z]{2,4}\] .*)$")


@dataclass(frozen=True)
class Header:
    """What a syslog header says: when, which host, which program, and the message."""

    stamp: Stamp | None
    device: str | None
    program: str | None
    message: str
    #: Where the message starts in the line.
    start: int


def read_header(line: str) -> Header | None:
    """Split a syslog line into its header fields and message (None: no syslog header).

    Parameters
    ----------
    line : str
        One line, without its line break.

    Returns
    -------
    Header or None

    Raises
    ------
    BadTime
        A stamp that is no valid time (``Feb 30``), or an RFC 5424 line without a time.

    Examples
    --------
    >>> h = read_header("Oct  3 11:26:28 gw charon[1234]: 09[IKE] <aws1|3> x")
    >>> (h.device, h.program, h.message)
    ('gw', 'charon', '09[IKE] <aws1|3> x')
    """
    m = _RFC5424.match(line)
    if m:
        read = read_stamp(m["ts"])
        if read is None or read[0].offset is None:
            raise BadTime(f"RFC 5424 time {m['ts']!r} is no time with an offset", "bad_time")
        msg = m["msg"] or ""
        return Header(read[0], _nil(m["host"]), _nil(m["app"]), msg, len(line) - len(msg))
    pos = 0
    pri = _PRI.match(line)
    if pri:
        pos = pri.end()
    read = read_stamp(line, pos)
    if read is None:
        return None
    stamp, end = read
    for pattern in (_PROGRAM, _CHARON_FILE):
        p = pattern.match(line, end)
        if p:
            prog = p.groupdict().get("prog")
            return Header(stamp, p["host"], prog, p["msg"], p.start("msg"))
    rest = line[end:].lstrip(" :")
    return Header(stamp, None, None, rest, len(line) - len(rest))


def _nil(value: str) -> str | None:
    return None if value == "-" else value
