"""Customer gateway logs: the other end of each AWS tunnel, in one tidy table.

How a gateway's log becomes the table, one module a step::

    files, folders, globs, .gz          reader.py    read_gateway_logs (io's file walking)
      -> syslog header cut, program     syslog.py    read_header (BSD, ISO, RFC 5424)
      -> family parsed, event given     families.py  parse_line; rules.py (wording as data)
      -> device time to UTC             clock.py     LocalClock (tz=, year=, DST)
      -> peers learned, tunnels attached reader.py

The column names, families and the event vocabulary (shared with the AWS events table
where the meaning is the same) are declared in :mod:`.columns`.
"""

from .columns import (
    COLUMNS,
    FAMILIES,
    GATEWAY_EVENT_NAMES,
    GATEWAY_EVENTS,
    GATEWAY_ONLY_EVENTS,
    SHARED_EVENTS,
    GatewayEvent,
)
from .reader import read_gateway_logs

__all__ = [
    "COLUMNS",
    "FAMILIES",
    "GATEWAY_EVENTS",
    "GATEWAY_EVENT_NAMES",
    "GATEWAY_ONLY_EVENTS",
    "SHARED_EVENTS",
    "GatewayEvent",
    "read_gateway_logs",
]
