"""A tunnel's configured options, from ``describe-vpn-connections``, as one row per tunnel.

EC2's ``DescribeVpnConnections`` returns each tunnel's options as ``TunnelOption`` under
``Options.TunnelOptions`` of its connection. :func:`tunnel_options_frame` turns those
connection objects into the tidy tunnel options table; :func:`read_tunnel_options` reads
them from what an auditor receives: the JSON the AWS CLI writes (``aws ec2
describe-vpn-connections > vpn.json``), one file or many, a folder, a glob, ``.gz``. The
live read is :func:`vpnlog_analytics.aws.tunnel_options`.

**Defaults are filled and marked.** AWS leaves an option out of ``TunnelOption`` when it
was never set: the tunnel then runs AWS's default (the table of ``TUNNEL_OPTION_SPECS``,
from the EC2 API reference ``VpnTunnelOptionsSpecification`` and the Site-to-Site VPN
User Guide's "Tunnel options"). Such a value is filled in and its column named in the
row's ``defaulted`` list, so a reader can tell "set to 3,600 s" from "never set".

**BGP ASNs and hold time** are not tunnel options: they are read from the connection's
``CustomerGatewayConfiguration`` (the XML AWS gives for the gateway), per tunnel, where
the file has it. Static routes come from the connection's ``Routes``.

**Bad input** is named or counted, as for the logs: a file that is not JSON, a document
that is not ``describe-vpn-connections`` output, a tunnel with a value outside the
documented range raise :class:`~vpnlog_analytics.errors.ParseError` naming the file (and
the tunnel), or with ``errors="skip"`` are left out and counted in ``attrs["skipped"]``.
A connection without tunnel options (still pending) is counted, and the same tunnel
read twice is kept once (``attrs["duplicates"]``); two different option sets for one
tunnel are an error, never a silent choice.
"""

from __future__ import annotations

import glob
import gzip
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final

import pandas as pd

from .. import schema as s
from ..errors import OptionError, ParseError, SourceError
from ..schema import TUNNEL_OPTION_COLUMNS, TUNNEL_OPTION_SPECS, TunnelOptionSpec

__all__ = [
    "TUNNEL_OPTION_COLUMNS",
    "TUNNEL_OPTION_SPECS",
    "TunnelOptionSpec",
    "is_describe_document",
    "read_tunnel_options",
    "tunnel_options_frame",
]


_SPEC_BY_COLUMN: Final = {spec.column: spec for spec in TUNNEL_OPTION_SPECS}
_INT_COLUMNS: Final = (
    *(spec.column for spec in TUNNEL_OPTION_SPECS if spec.kind == "int"),
    "aws_asn",
    "cgw_asn",
    "bgp_hold_time_s",
)
_BOOL_COLUMNS: Final = (
    *(spec.column for spec in TUNNEL_OPTION_SPECS if spec.kind == "bool"),
    "static_routes_only",
)


class _BadTunnel(ValueError):
    """A tunnel's options break the documented shape or range."""


def _value(spec: TunnelOptionSpec, option: Mapping[str, Any]) -> tuple[Any, bool]:
    """(value, defaulted) of one option of one ``TunnelOption``."""
    node: Any = option
    for part in spec.key:
        node = node.get(part) if isinstance(node, Mapping) else None
    if node is None or (spec.kind == "list" and node == []):
        return spec.default, spec.default is not None
    if spec.kind == "int":
        if isinstance(node, bool) or not isinstance(node, int | str):
            raise _BadTunnel(f"{'.'.join(spec.key)}={node!r} is not a whole number")
        try:
            number = int(node)
        except ValueError:
            raise _BadTunnel(f"{'.'.join(spec.key)}={node!r} is not a whole number") from None
        if spec.bounds and not spec.bounds[0] <= number <= spec.bounds[1]:
            low, high = spec.bounds
            raise _BadTunnel(f"{'.'.join(spec.key)}={number} is outside {low}..{high}")
        return number, False
    if spec.kind == "bool":
        if not isinstance(node, bool):
            raise _BadTunnel(f"{'.'.join(spec.key)}={node!r} is not true or false")
        return node, False
    if spec.kind == "list":
        if not isinstance(node, list) or not all(isinstance(v, Mapping) for v in node):
            raise _BadTunnel(f"{'.'.join(spec.key)} is not a list of {{'Value': ...}} objects")
        return ",".join(str(v.get("Value")) for v in node if v.get("Value") is not None), False
    text = str(node)
    if spec.choices and text not in spec.choices:
        raise _BadTunnel(f"{'.'.join(spec.key)}={text!r} is not one of {', '.join(spec.choices)}")
    return text, False


def _bgp_by_tunnel(config: Any) -> dict[str, tuple[int | None, int | None, int | None]]:
    """Outside IP -> (AWS ASN, gateway ASN, hold time) from ``CustomerGatewayConfiguration``."""
    if not isinstance(config, str) or "<ipsec_tunnel>" not in config:
        return {}
    try:
        root = ET.fromstring(config)
    except ET.ParseError:
        return {}

    def number(node: ET.Element | None, path: str) -> int | None:
        text = None if node is None else node.findtext(path)
        return int(text) if text and text.strip().isdigit() else None

    out = {}
    for tunnel in root.iter("ipsec_tunnel"):
        vgw, cgw = tunnel.find("vpn_gateway"), tunnel.find("customer_gateway")
        ip = None if vgw is None else vgw.findtext("tunnel_outside_address/ip_address")
        if ip:
            out[ip.strip()] = (
                number(vgw, "bgp/asn"),
                number(cgw, "bgp/asn"),
                number(vgw, "bgp/hold_time"),
            )
    return out


def _tunnel_row(
    conn: Mapping[str, Any], option: Mapping[str, Any], bgp: Mapping[str, Any]
) -> dict[str, Any]:
    ip = option.get("OutsideIpAddress")
    if not isinstance(ip, str) or not ip:
        raise _BadTunnel("a TunnelOption without OutsideIpAddress")
    row: dict[str, Any] = {
        s.VPN_CONNECTION_ID: conn.get("VpnConnectionId"),
        s.TUNNEL_IP: ip,
        "connection_state": conn.get("State"),
    }
    defaulted = []
    for spec in TUNNEL_OPTION_SPECS:
        row[spec.column], was_default = _value(spec, option)
        if was_default:
            defaulted.append(spec.column)
    if row["rekey_margin_s"] * 2 > row["phase2_lifetime_s"]:
        raise _BadTunnel(
            f"RekeyMarginTimeSeconds={row['rekey_margin_s']} is more than half the phase 2 "
            f"lifetime ({row['phase2_lifetime_s']} s)"
        )
    if row["phase2_lifetime_s"] > row["phase1_lifetime_s"]:
        raise _BadTunnel(
            f"Phase2LifetimeSeconds={row['phase2_lifetime_s']} exceeds the phase 1 lifetime "
            f"({row['phase1_lifetime_s']} s)"
        )
    options = _options_of(conn)
    static = options.get("StaticRoutesOnly")
    row["static_routes_only"] = static if isinstance(static, bool) else None
    routes = [
        r.get("DestinationCidrBlock") for r in conn.get("Routes") or [] if isinstance(r, Mapping)
    ]
    row["static_routes"] = ",".join(r for r in routes if r) or None
    row["aws_asn"], row["cgw_asn"], row["bgp_hold_time_s"] = bgp.get(ip, (None, None, None))
    row["defaulted"] = ",".join(defaulted)
    return row


def _options_of(conn: Mapping[str, Any]) -> Mapping[str, Any]:
    """Return a connection's ``Options`` (empty where absent or malformed)."""
    options = conn.get("Options")
    return options if isinstance(options, Mapping) else {}


def is_describe_document(item: Any) -> bool:
    """Tell whether a JSON value is ``describe-vpn-connections`` output, not log records.

    The log readers use it to leave such files out, saying what they are.

    Examples
    --------
    >>> is_describe_document({"VpnConnections": [{"VpnConnectionId": "vpn-1"}]})
    True
    >>> is_describe_document({"events": [{"message": "x", "timestamp": 1}]})
    False
    """
    return _connections_of(item) is not None


def _connections_of(doc: Any) -> list[Any] | None:
    """Return the connection objects of one document, or None if it is not such output."""
    if isinstance(doc, list):
        if all(isinstance(d, Mapping) and "VpnConnectionId" in d for d in doc):
            return list(doc)
        return None
    if not isinstance(doc, Mapping):
        return None
    if isinstance(doc.get("VpnConnections"), list):
        return list(doc["VpnConnections"])
    if isinstance(doc.get("VpnConnection"), Mapping):  # create-vpn-connection output
        return [doc["VpnConnection"]]
    if "VpnConnectionId" in doc:
        return [doc]
    return None


class _Tally:
    """Rows kept and what was left out, by reason."""

    def __init__(self, errors: str) -> None:
        self.errors = errors
        self.rows: dict[tuple[str, str], dict[str, Any]] = {}
        self.read = 0
        self.duplicates = 0
        self.skipped: dict[str, int] = {}
        self.without_options: list[str] = []

    def skip(self, exc: ParseError) -> None:
        if self.errors == "raise":
            raise exc
        self.skipped[exc.reason] = self.skipped.get(exc.reason, 0) + 1

    def add(self, conns: list[Any], source: str) -> None:
        for conn in conns:
            if not isinstance(conn, Mapping) or not conn.get("VpnConnectionId"):
                self.skip(
                    ParseError(
                        "a connection without VpnConnectionId",
                        source=source,
                        reason="not_connection",
                    )
                )
                continue
            options = _options_of(conn)
            tunnels = options.get("TunnelOptions") or []
            if not tunnels:
                self.without_options.append(str(conn["VpnConnectionId"]))
                continue
            bgp = _bgp_by_tunnel(conn.get("CustomerGatewayConfiguration"))
            for option in tunnels:
                self.read += 1
                try:
                    row = _tunnel_row(conn, option if isinstance(option, Mapping) else {}, bgp)
                except _BadTunnel as exc:
                    ip = option.get("OutsideIpAddress") if isinstance(option, Mapping) else None
                    where = f"{conn['VpnConnectionId']} tunnel {ip or '?'}"
                    self.skip(ParseError(f"{where}: {exc}", source=source, reason="bad_option"))
                    continue
                self.keep(row, source)

    def keep(self, row: dict[str, Any], source: str) -> None:
        key = (row[s.VPN_CONNECTION_ID], row[s.TUNNEL_IP])
        row["source"] = source
        seen = self.rows.get(key)
        if seen is None:
            self.rows[key] = row
            return
        same = all(
            seen[c] == row[c] or (pd.isna(seen[c]) and pd.isna(row[c]))
            for c in row
            if c not in ("source", "connection_state")
        )
        if same:
            self.duplicates += 1
            return
        self.skip(
            ParseError(
                f"{key[0]} tunnel {key[1]} has other options than in {seen['source']}: read "
                "the files of one moment, or one file per moment into separate tables",
                source=source,
                reason="conflicting_options",
            )
        )


def tunnel_options_frame(
    connections: Iterable[Mapping[str, Any]], *, source: str = "", errors: str = "raise"
) -> pd.DataFrame:
    """Turn ``DescribeVpnConnections`` connection objects into the tunnel options table.

    Parameters
    ----------
    connections : iterable of dict
        ``VpnConnection`` objects as the API, boto3 or the AWS CLI return them.
    source : str, optional
        Where they came from, for messages and the ``source`` column.
    errors : {"raise", "skip"}
        A tunnel whose options break the documented shape or range: raise
        :class:`~vpnlog_analytics.errors.ParseError`, or leave it out and count it.

    Returns
    -------
    pandas.DataFrame
        One row per tunnel, columns :data:`TUNNEL_OPTION_COLUMNS`, sorted by connection
        and outside IP; see :func:`read_tunnel_options` for the columns and ``attrs``.
    """
    if errors not in ("raise", "skip"):
        raise OptionError(f"errors={errors!r} is not valid; choose one of 'raise', 'skip'")
    tally = _Tally(errors)
    tally.add(list(connections), source)
    return _frame(tally)


def _frame(tally: _Tally) -> pd.DataFrame:
    frame = pd.DataFrame(list(tally.rows.values()), columns=list(TUNNEL_OPTION_COLUMNS))
    for col in _INT_COLUMNS:
        frame[col] = pd.array(frame[col], dtype="Int64")
    for col in _BOOL_COLUMNS:
        frame[col] = pd.array(frame[col], dtype="boolean")
    for col in TUNNEL_OPTION_COLUMNS:
        if col not in _INT_COLUMNS and col not in _BOOL_COLUMNS:
            frame[col] = frame[col].astype("string")
    frame = frame.sort_values([s.VPN_CONNECTION_ID, s.TUNNEL_IP], ignore_index=True)
    frame.attrs.update(
        read=tally.read,
        duplicates=tally.duplicates,
        skipped=dict(tally.skipped),
        without_options=sorted(set(tally.without_options)),
    )
    return frame


def _paths(sources: str | Path | Iterable[str | Path]) -> Iterator[tuple[Path, bool]]:
    """Every file to read, and whether it was found by walking a folder.

    A folder is walked for ``*.json`` and ``*.json.gz`` only: the options file usually
    sits beside the logs, which are not options.
    """
    items = [sources] if isinstance(sources, str | Path) else list(sources)
    for item in items:
        text = str(item)
        if any(ch in text for ch in "*?["):
            matched = sorted(glob.glob(text, recursive=True))
            if not matched:
                raise SourceError(f"{text}: no file matches")
            yield from ((Path(m), False) for m in matched if Path(m).is_file())
            continue
        path = Path(item)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and not p.name.startswith(".")
                and p.name.lower().endswith((".json", ".json.gz"))
            )
            if not found:
                raise SourceError(f"{path}: the folder holds no .json or .json.gz file")
            yield from ((p, True) for p in found)
        elif path.is_file():
            yield path, False
        else:
            raise SourceError(f"{path}: no such file or folder")


def _document(path: Path) -> Any:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ParseError(
                f"broken gzip data ({exc})", source=str(path), reason="bad_gzip"
            ) from None
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ParseError("not UTF-8 text", source=str(path), reason="not_json") from None
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"not JSON ({exc.msg}, line {exc.lineno}): expected the output of "
            "`aws ec2 describe-vpn-connections --output json`",
            source=str(path),
            reason="not_json",
        ) from None


def read_tunnel_options(
    sources: str | Path | Iterable[str | Path], *, errors: str = "raise"
) -> pd.DataFrame:
    """Read tunnel options from saved ``aws ec2 describe-vpn-connections`` output.

    Parameters
    ----------
    sources : str, pathlib.Path or iterable of them
        Files, folders (every ``*.json``/``*.json.gz`` below; other JSON there is
        ignored and listed) or globs of JSON: ``{"VpnConnections": [...]}``
        as the AWS CLI writes it, a list of connections, one connection, or
        ``create-vpn-connection`` output; gzip-compressed or not.
    errors : {"raise", "skip"}
        A file that is not such JSON, or a tunnel whose options break the documented
        shape or range: raise :class:`~vpnlog_analytics.errors.ParseError` naming the
        file and tunnel, or leave it out and count it in ``attrs["skipped"]``.

    Returns
    -------
    pandas.DataFrame
        One row per tunnel (:data:`TUNNEL_OPTION_COLUMNS`): ``vpn_connection_id``,
        ``tunnel_ip`` (outside IP), ``connection_state``; the options of
        :data:`TUNNEL_OPTION_SPECS` (lifetimes, margin and DPD timeout in seconds,
        ``rekey_fuzz_pct``, ``replay_window``, ``dpd_timeout_action``,
        ``startup_action``, and the lists ``ike_versions``, ``phase1_encryption`` ... as
        comma-joined text); ``static_routes_only``, ``static_routes``; ``aws_asn``,
        ``cgw_asn``, ``bgp_hold_time_s`` from the gateway configuration; ``defaulted``
        (the columns AWS left out, filled with the documented default); ``source``.
        ``attrs``: ``read`` (tunnels read), ``duplicates`` (the same tunnel read again
        with the same options), ``skipped`` (by reason: files and tunnels),
        ``without_options`` (connections listed without tunnel options), ``files`` (read),
        ``ignored_files`` (JSON files of a walked folder that are not options, with why).

    Raises
    ------
    SourceError
        A path does not exist, or a glob or folder matches no file.
    ParseError
        With ``errors="raise"``: bad JSON, not ``describe-vpn-connections`` output, an
        option out of range, or one tunnel with two different option sets.

    Examples
    --------
    >>> options = read_tunnel_options("describe-vpn-connections.json")  # doctest: +SKIP
    >>> options[["tunnel_ip", "phase2_lifetime_s", "dpd_timeout_s", "defaulted"]]  # doctest: +SKIP
    """
    if errors not in ("raise", "skip"):
        raise OptionError(f"errors={errors!r} is not valid; choose one of 'raise', 'skip'")
    tally = _Tally(errors)
    files = []
    ignored: dict[str, str] = {}
    for path, walked in _paths(sources):
        try:
            doc = _document(path)
        except ParseError as exc:
            if walked:  # a folder's other JSON: not options, not an error
                ignored[str(path)] = exc.reason
                continue
            files.append(str(path))
            tally.skip(exc)
            continue
        conns = _connections_of(doc)
        if conns is None:
            if walked:
                ignored[str(path)] = "not_vpn_connections"
                continue
            files.append(str(path))
            tally.skip(
                ParseError(
                    "not describe-vpn-connections output (no VpnConnections list, connection "
                    "or VpnConnectionId)",
                    source=str(path),
                    reason="not_vpn_connections",
                )
            )
            continue
        files.append(str(path))
        tally.add(conns, str(path))
    if not files:
        raise SourceError(
            "no describe-vpn-connections output among "
            + ", ".join(sorted(ignored))
            + " (write it with `aws ec2 describe-vpn-connections --output json`)"
        )
    frame = _frame(tally)
    frame.attrs["files"] = files
    frame.attrs["ignored_files"] = ignored
    return frame


def option_default(column: str) -> Any:
    """AWS's documented default of one option column (None where there is none)."""
    return _SPEC_BY_COLUMN[column].default
