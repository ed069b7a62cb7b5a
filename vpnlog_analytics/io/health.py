"""AWS Health events of the VPN service, from files, into the maintenance events table.

Accounts without a Business or Enterprise support plan cannot call the Health API, but
every account can route AWS Health events to EventBridge (and on to S3, SNS, a log group)
or copy them out of the Health Dashboard. :func:`read_health_events` reads what such
pipelines store:

- EventBridge events (``"source": "aws.health"``, ``"detail-type": "AWS Health Event"``,
  the event in ``detail``: ``eventArn``, ``service``, ``eventTypeCode``,
  ``eventTypeCategory``, ``startTime``, ``endTime``, ``eventDescription``,
  ``affectedEntities``), one JSON document, a JSON array, or one event per line;
- the output of ``aws health describe-events`` (``{"events": [...]}``, entities absent:
  the connection is taken from ``resources`` where present, else NA) and of
  ``describe-event-details`` (``{"successfulSet": [{"event": ..., "eventDescription": ...}]}``).

Event type codes of Site-to-Site VPN seen in public material: ``AWS_VPN_REDUNDANCY_LOSS``
("your VPN connection had a momentary lapse of redundancy": one tunnel went down) and
``AWS_VPN_SINGLE_TUNNEL_NOTIFICATION`` (the monthly notice of connections running on one
tunnel for more than an hour a day), both ``accountNotification``; the AWS Site-to-Site
VPN User Guide ("Monitoring VPN connections using AWS Health events") names the *tunnel
endpoint replacement notification*, sent when a replacement is complete, without its
code. So an event counts as AWS maintenance by what it says, not by a list of codes: its
category is ``scheduledChange``, or its code or description speaks of maintenance or an
endpoint replacement. Other VPN events are kept with context ``none``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .. import schema as s
from ..errors import OptionError, ParseError, SourceError

__all__ = [
    "VPN_HEALTH_EVENT_CODES",
    "health_events_frame",
    "is_health_document",
    "is_maintenance",
    "read_health_events",
]

#: Site-to-Site VPN event type codes found in public material (see the module docstring).
VPN_HEALTH_EVENT_CODES = ("AWS_VPN_REDUNDANCY_LOSS", "AWS_VPN_SINGLE_TUNNEL_NOTIFICATION")
_MAINTENANCE = re.compile(r"maintenance|endpoint[ _]?replace|replac\w*[\w ]{0,20}endpoint", re.I)
_VPN_ID = re.compile(r"\bvpn-[0-9a-f]{8,17}\b")
_DESCRIPTION_CHARS = 500


def is_maintenance(code: str | None, category: str | None, description: str | None) -> bool:
    """Tell whether a VPN Health event reports AWS maintenance (see the module docstring).

    Parameters
    ----------
    code, category, description : str or None
        ``eventTypeCode``, ``eventTypeCategory`` and the latest description.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_maintenance("AWS_VPN_REDUNDANCY_LOSS", "accountNotification", "momentary lapse")
    False
    >>> is_maintenance("AWS_VPN_X", "accountNotification", "tunnel endpoint replacement done")
    True
    """
    if category == "scheduledChange":
        return True
    return bool(_MAINTENANCE.search(f"{code or ''} {description or ''}"))


def _time(value: Any) -> pd.Timestamp | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return pd.Timestamp(float(value), unit="s", tz="UTC")
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _description(value: Any) -> str | None:
    if isinstance(value, list):
        for item in value:
            if isinstance(item, Mapping) and item.get("latestDescription"):
                return str(item["latestDescription"])
        return None
    if isinstance(value, Mapping):
        return str(value.get("latestDescription") or "") or None
    return str(value) if value else None


def health_events_frame(
    events: Iterable[Mapping[str, Any]], entities: Mapping[str, list[str]] | None = None
) -> pd.DataFrame:
    """Turn Health events (API or EventBridge ``detail`` shape) into maintenance events.

    Parameters
    ----------
    events : iterable of dict
        Events with ``eventArn`` (or ``arn``), ``service``, ``eventTypeCode``,
        ``eventTypeCategory``, ``startTime``, ``endTime``, optionally
        ``eventDescription``, ``affectedEntities`` ([{``entityValue``}]) and the
        EventBridge envelope's ``resources``.
    entities : dict of str to list of str, optional
        Affected entity values per event ARN (from ``DescribeAffectedEntities``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`~vpnlog_analytics.schema.MAINTENANCE_COLUMNS`, one row per event
        and affected connection, source ``health``; events of other services are left out
        (``attrs["not_vpn"]`` counts them).
    """
    rows = []
    not_vpn = 0
    for ev in events:
        if str(ev.get("service", "")).upper() != "VPN":
            not_vpn += 1
            continue
        arn = str(ev.get("eventArn") or ev.get("arn") or "")
        code, category = ev.get("eventTypeCode"), ev.get("eventTypeCategory")
        text = _description(ev.get("eventDescription"))
        start = _time(ev.get("startTime"))
        if start is None:
            raise ValueError(f"Health event {arn or code!r} has no startTime")
        end = _time(ev.get("endTime")) or start
        values = list((entities or {}).get(arn, []))
        values += [str(e.get("entityValue", "")) for e in ev.get("affectedEntities") or []]
        values += [str(r) for r in ev.get("resources") or []]
        found = sorted({m.group(0) for v in values for m in _VPN_ID.finditer(v)})
        vpns: list[str | None] = list(found) or [None]
        context = s.AWS_MAINTENANCE if is_maintenance(code, category, text) else s.NO_CONTEXT
        short = None if text is None else text[:_DESCRIPTION_CHARS]
        rows += [(vpn, None, start, end, context, "health", code, arn, short) for vpn in vpns]
    frame = maintenance_frame(rows)
    frame.attrs["not_vpn"] = not_vpn
    return frame


def maintenance_frame(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """Build a maintenance events table (see :func:`vpnlog_analytics.schema.maintenance_table`).

    Parameters
    ----------
    rows : list of tuple
        Rows in :data:`~vpnlog_analytics.schema.MAINTENANCE_COLUMNS` order.

    Returns
    -------
    pandas.DataFrame
    """
    return s.maintenance_table(rows)


def is_health_document(item: Any) -> bool:
    """Tell whether a JSON value is AWS Health events rather than VPN log records.

    An EventBridge Health event (``"source": "aws.health"``), an array of them, or the
    output of ``aws health describe-events`` / ``describe-event-details``. The log readers
    use it to leave such files out (listed in ``attrs["ignored_files"]``).

    Parameters
    ----------
    item : object
        The first JSON value of a document.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_health_document({"source": "aws.health", "detail": {}})
    True
    >>> is_health_document({"events": [{"message": "x", "timestamp": 1}]})
    False
    """
    if isinstance(item, list):
        return bool(item) and is_health_document(item[0])
    if not isinstance(item, Mapping):
        return False
    if item.get("source") == "aws.health" or item.get("detail-type") == "AWS Health Event":
        return True
    for key in ("events", "successfulSet"):
        values = item.get(key)
        if isinstance(values, list) and values and isinstance(values[0], Mapping):
            first = values[0].get("event", values[0])
            if isinstance(first, Mapping) and "eventTypeCode" in first:
                return True
    return False


def _documents(text: str, source: str) -> list[Any]:
    stripped = text.strip()
    if not stripped:
        return []
    try:
        return [json.loads(stripped)]
    except json.JSONDecodeError:
        pass
    docs = []
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            docs.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise ParseError(
                f"not JSON ({exc.msg}): an AWS Health event file holds EventBridge events "
                "(one document, an array or one per line) or describe-events output",
                source=source,
                line=i,
                reason="malformed_json",
            ) from None
    return docs


def _events_of(doc: Any) -> list[tuple[Mapping[str, Any] | None, str]]:
    """(event, problem) pairs of one document; problem "" when the event is usable."""
    if isinstance(doc, list):
        return [pair for item in doc for pair in _events_of(item)]
    if not isinstance(doc, Mapping):
        return [(None, "not an object")]
    if "detail" in doc and (doc.get("source") == "aws.health" or "detail-type" in doc):
        detail = doc.get("detail")
        if not isinstance(detail, Mapping):
            return [(None, "EventBridge event without a detail object")]
        return [({**detail, "resources": doc.get("resources") or []}, "")]
    if isinstance(doc.get("events"), list):
        return [pair for item in doc["events"] for pair in _events_of(item)]
    if isinstance(doc.get("successfulSet"), list):
        out: list[tuple[Mapping[str, Any] | None, str]] = []
        for item in doc["successfulSet"]:
            ev = item.get("event") if isinstance(item, Mapping) else None
            if not isinstance(ev, Mapping):
                out.append((None, "successfulSet item without an event"))
                continue
            out.append(({**ev, "eventDescription": item.get("eventDescription")}, ""))
        return out
    if "eventTypeCode" in doc:
        return [(doc, "")]
    return [(None, "neither an EventBridge Health event nor describe-events output")]


def read_health_events(
    paths: str | Path | Iterable[str | Path], *, errors: str = "raise"
) -> pd.DataFrame:
    """Read AWS Health events of the VPN service from exported JSON files.

    Parameters
    ----------
    paths : str, pathlib.Path or iterable of them
        Files (see the module docstring for the shapes).
    errors : {"raise", "skip"}
        A malformed document or event: raise :class:`ParseError` naming the file and
        line, or skip it and count it in ``attrs["skipped"]``.

    Returns
    -------
    pandas.DataFrame
        The maintenance events table (:data:`~vpnlog_analytics.schema.MAINTENANCE_COLUMNS`),
        source ``health``. ``attrs``: ``read`` (events read), ``not_vpn`` (events of other
        services, left out), ``skipped`` (by reason).

    Raises
    ------
    SourceError
        A file does not exist.
    ParseError
        With ``errors="raise"``, for a malformed document or event.

    Examples
    --------
    >>> read_health_events("health-events.json")  # doctest: +SKIP
    """
    if errors not in ("raise", "skip"):
        raise OptionError(f"errors={errors!r} is not valid; choose one of 'raise', 'skip'")
    files = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    frames: list[pd.DataFrame] = []
    skipped: dict[str, int] = {}
    read = not_vpn = 0
    for path in files:
        if not path.is_file():
            raise SourceError(f"{path}: no such file")
        try:
            docs = _documents(path.read_text(encoding="utf-8"), str(path))
        except ParseError as exc:
            if errors == "raise":
                raise
            skipped[exc.reason] = skipped.get(exc.reason, 0) + 1
            continue
        usable = []
        for k, (ev, problem) in enumerate(pair for doc in docs for pair in _events_of(doc)):
            if ev is None:
                if errors == "raise":
                    raise ParseError(problem, source=str(path), reason="not_health_event") from None
                skipped["not_health_event"] = skipped.get("not_health_event", 0) + 1
                continue
            try:
                frame = health_events_frame([ev])
            except (ValueError, TypeError) as exc:
                if errors == "raise":
                    raise ParseError(
                        f"event {k + 1}: {exc}", source=str(path), reason="bad_event"
                    ) from None
                skipped["bad_event"] = skipped.get("bad_event", 0) + 1
                continue
            read += 1
            not_vpn += frame.attrs["not_vpn"]
            usable.append(frame)
        frames += usable
    out = pd.concat(frames, ignore_index=True) if frames else maintenance_frame([])
    out = maintenance_frame(list(out.itertuples(index=False, name=None)))
    out.attrs.update(read=read, not_vpn=not_vpn, skipped=skipped)
    return out
