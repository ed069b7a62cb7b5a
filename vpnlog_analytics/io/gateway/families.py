"""One parser per gateway family: a line in, its fields and event out.

Each ``parse_*`` takes a line (and its syslog :class:`~.syslog.Header` where it has one)
and returns a :class:`Parsed`, or raises :class:`BadLine` for a line of its family that
does not parse. :func:`parse_line` tells the family of a line from its content: the
program of its syslog header (``charon``, ``charon-systemd``, ``pluto``), strongSwan's
``NN[GRP]`` thread and group, ``%ASA-``/``%FTD-`` message ids, FortiOS ``logid=``
key=value pairs. A line of no family is not an IPsec line (None).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from .clock import BadTime, Stamp, read_stamp
from .rules import ASA_TEXT_RULES, IP, LIBRESWAN_RULES, STRONGSWAN_RULES, first_match
from .syslog import Header, read_header

__all__ = ["BadLine", "Parsed", "normal_spi", "parse_line"]

STRONGSWAN_PROGRAMS: Final = frozenset({"charon", "charon-systemd", "charon-cmd"})
LIBRESWAN_PROGRAMS: Final = frozenset({"pluto"})


class BadLine(ValueError):
    """A line of a recognised family that does not parse; ``reason`` is the count key."""

    def __init__(self, message: str, reason: str, family: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.family = family


@dataclass
class Parsed:
    """The fields of one gateway line (the time still as written)."""

    family: str
    stamp: Stamp | None
    event: str = "unknown"
    device: str | None = None
    connection: str | None = None
    peer_ip: str | None = None
    spi_in: str | None = None
    spi_out: str | None = None
    message_id: int | None = None
    reason: str | None = None
    proposals: str | None = None
    #: strongSwan: the IKE_SA's unique id (``<conn|N>``): tells which SA a timeout ended.
    sa_id: int | None = None
    #: FortiGate: UTC time [ns] from ``eventtime``, which wins over the stamp.
    utc_ns: int | None = None
    extra: dict[str, str] = field(default_factory=dict)


def normal_spi(text: str, family: str) -> str:
    """Return an SPI as ``0x`` + 8 lower-case hex digits (leading zeros restored).

    Examples
    --------
    >>> normal_spi("0xA1CD910F", "cisco_asa"), normal_spi("9b7ea2c", "strongswan")
    ('0xa1cd910f', '0x09b7ea2c')
    """
    digits = text.lower().removeprefix("0x")
    if not digits or len(digits) > 8 or not re.fullmatch(r"[0-9a-f]+", digits):
        raise BadLine(f"SPI {text!r} is not 32-bit hex", "bad_spi", family)
    return "0x" + digits.zfill(8)


def _apply(p: Parsed, event: str, m: re.Match[str]) -> None:
    """Fill a Parsed from a rule's event and its match's named groups."""
    p.event = event
    g = {k: v for k, v in m.groupdict().items() if v is not None}
    if "peer" in g:
        p.peer_ip = g["peer"]
    if "spi_in" in g:
        p.spi_in = normal_spi(g["spi_in"], p.family)
    if "spi_out" in g:
        p.spi_out = normal_spi(g["spi_out"], p.family)
    if "mid" in g:
        p.message_id = int(g["mid"])
    if "mid_hex" in g:
        p.message_id = int(g["mid_hex"], 16)
    if "reason" in g:
        p.reason = g["reason"]
    if "proposals" in g:
        p.proposals = g["proposals"].strip()


# --- strongSwan ---------------------------------------------------------------------------
_CHARON: Final = re.compile(
    r"(?:(?P<thread>\d{1,3})\[(?P<group>[A-Z]{2,4})\] )?"
    r"(?:<(?:(?P<conn>[^|>]*)\|)?(?P<uid>\d+)> )?(?P<text>.*)$"
)
_CUT_PREFIX: Final = re.compile(r"\d{1,3}\[[A-Z]{0,4}$|\d{1,3}\[[A-Z]{0,4}[^A-Z\]]")


def parse_strongswan(h: Header) -> Parsed:
    """Parse a charon line: ``NN[GRP] <conn|N> message`` after the syslog header."""
    if _CUT_PREFIX.match(h.message):
        raise BadLine(
            "charon line cut inside its 'NN[GRP]' prefix", "malformed_strongswan", "strongswan"
        )
    m = _CHARON.match(h.message)
    assert m is not None  # every part is optional
    p = Parsed("strongswan", h.stamp, device=h.device, connection=m["conn"] or None)
    p.sa_id = int(m["uid"]) if m["uid"] else None
    text = m["text"]
    if not text.strip():
        raise BadLine("charon line without a message", "malformed_strongswan", "strongswan")
    found = first_match(STRONGSWAN_RULES, text)
    if found:
        _apply(p, found[0].event, found[1])
    return p


# --- Libreswan / Openswan pluto -----------------------------------------------------------
_PLUTO: Final = re.compile(
    r"(?:\"(?P<conn>[^\"]+)\"(?:\[\d+\])?(?: (?P<inst_peer>{IP}))?(?: #(?P<serial>\d+))?: )?"
    r"(?:packet from (?P<from>{IP}):\d+: )?(?P<text>.*)$".replace("{IP}", IP)
)
#: Where pluto names the peer outside the rules' own groups.
_PLUTO_PEER: Final = re.compile(
    r"peer ID is ID_IPV4_ADDR: '(?P<id>{IP})'|(?:request|response) (?:from|to) (?P<addr>{IP}):UDP"
    r"|IKEv2 connection to (?P<to>{IP})".replace("{IP}", IP)
)


def parse_libreswan(h: Header) -> Parsed:
    """Parse a pluto line: ``"conn"[inst] addr #serial: message`` after the syslog header."""
    m = _PLUTO.match(h.message)
    assert m is not None
    p = Parsed("libreswan", h.stamp, device=h.device, connection=m["conn"])
    text = m["text"]
    if not text.strip() and m["conn"] is None:
        raise BadLine("pluto line without a message", "malformed_libreswan", "libreswan")
    p.peer_ip = m["inst_peer"] or m["from"]
    found = first_match(LIBRESWAN_RULES, text)
    if found:
        _apply(p, found[0].event, found[1])
    if p.peer_ip is None:
        q = _PLUTO_PEER.search(text)
        if q:
            p.peer_ip = q["id"] or q["addr"] or q["to"]
    return p


# --- FortiGate (FortiOS event log, subtype vpn) -------------------------------------------
_KV: Final = re.compile(
    r'(?P<k>[A-Za-z_][\w-]*)=(?:"(?P<q>(?:[^"\\]|\\.)*)"|(?P<v>[^\s"]*))(?=\s|$)'
)
_FORTI: Final = re.compile(r'(?:^|\s)logid="?\d{10}"?(?:\s|$)')
#: FortiOS IPsec log ids (docs.fortinet.com "FortiOS Log Message Reference"): the event of
#: each, or None where ``action``/``status``/``reason`` decide.
FORTIGATE_IDS: Final[dict[str, str | None]] = {
    "37124": None,  # MESGID_NEG_I_P1_ERROR, IPsec phase 1 error (reason)
    "37127": None,  # Progress IPsec phase 1 (status, result)
    "37128": None,  # Progress IPsec phase 2 (status)
    "37133": "phase2_sa_established",  # MESGID_INSTALL_SA, IPsec SA installed (in/out_spi)
    "37136": "dpd_timeout",  # MESGID_DPD_FAILURE, IPsec DPD failed
    "37138": None,  # IPsec connection status change (action tunnel-up / tunnel-down)
    "37141": "tunnel_stats",  # IPsec tunnel statistics
}
#: FortiOS 37124's ``peer_notif``: the notify the peer sent, the event it names.
FORTIGATE_NOTIFIES: Final = {
    "AUTHENTICATION-FAILED": "auth_failed",
    "NO-PROPOSAL-CHOSEN": "no_proposal_chosen",
    "TS-UNACCEPTABLE": "ts_unacceptable",
}
#: FortiOS 32009 LOG_ID_SYSTEM_START, "FortiGate started" (type event, subtype system;
#: FortiOS Log Message Reference): read as ``daemon_start``, the gateway's restart.
SYSTEM_START: Final = "0100032009"
#: FortiOS 37124 reasons that name a more specific event (reason text as logged).
FORTIGATE_REASONS: Final = (
    (
        re.compile(r"(?i)proposal not match|no matching proposal|no SA proposal chosen"),
        "no_proposal_match",
    ),
    (re.compile(r"(?i)pre-shared|preshared|psk"), "psk_mismatch"),
    (re.compile(r"(?i)auth"), "auth_failed"),
)


_FORTI_TZ: Final = re.compile(r"[+-]\d{4}")


def fortigate_fields(line: str) -> dict[str, str]:
    """Return the key=value pairs of a FortiOS log line (quotes removed)."""
    return {m["k"]: (m["q"] if m["q"] is not None else m["v"]) for m in _KV.finditer(line)}


def parse_fortigate(line: str) -> Parsed | None:
    """Parse a FortiOS event log line; None for a log that is no IPsec event."""
    kv = fortigate_fields(line)
    logid = kv.get("logid", "")
    if kv.get("type") == "event" and kv.get("subtype") == "system" and logid == SYSTEM_START:
        # the device booted: its IPsec tunnels were all cut (a restart of the far end)
        p = Parsed("fortigate", None, device=kv.get("devname") or None, event="daemon_start")
        _forti_time(p, kv)
        return p
    if kv.get("type") != "event" or kv.get("subtype") != "vpn":
        return None
    if not logid.startswith("0101037"):
        return None  # SSL VPN (01010 39xxx) and others share subtype vpn
    if line.count('"') % 2:
        raise BadLine(
            "FortiGate line with an unterminated quoted value", "malformed_fortigate", "fortigate"
        )
    p = Parsed("fortigate", None, device=kv.get("devname") or None)
    p.connection = kv.get("vpntunnel") or None
    remip = kv.get("remip")
    p.peer_ip = remip if remip and remip != "N/A" else None
    p.reason = kv.get("reason") or None
    _forti_time(p, kv)
    ident = logid[-5:]
    event = FORTIGATE_IDS.get(ident, None)
    action, status = kv.get("action", ""), kv.get("status", "")
    if event is None:
        event = _forti_event(ident, action, status, kv)
    p.event = event
    if ident == "37124" and kv.get("peer_notif", "").upper() in FORTIGATE_NOTIFIES:
        p.reason = kv["peer_notif"]  # the notify names the failure better than "peer ..."
    if ident == "37133":
        # the FortiGate's own directions: in_spi is its inbound SA (AWS's outbound)
        for key, attr in (("in_spi", "spi_in"), ("out_spi", "spi_out")):
            value = kv.get(key, "")
            if value and value != "N/A":
                setattr(p, attr, normal_spi(value, "fortigate"))
    return p


def _forti_event(ident: str, action: str, status: str, kv: dict[str, str]) -> str:
    if ident == "37124":
        for pattern, name in FORTIGATE_REASONS:
            if pattern.search(kv.get("reason", "")):
                return name
        # the peer's (AWS's) notify says what failed where the reason does not
        notify = FORTIGATE_NOTIFIES.get(kv.get("peer_notif", "").upper())
        return notify or "phase1_failed"
    if ident == "37127":
        if status == "failure":
            return "phase1_failed"
        return "phase1_sa_established" if kv.get("result") == "DONE" else "negotiation_progress"
    if ident == "37128":
        if status == "failure":
            return "phase2_failed"
        return "phase2_sa_established" if status == "success" else "negotiation_progress"
    if kv.get("logdesc", "").lower() == "ipsec phase 2 error":
        return "phase2_failed"  # its log id differs between FortiOS versions
    return {"tunnel-up": "tunnel_up", "tunnel-down": "tunnel_down"}.get(action, "unknown")


def _forti_time(p: Parsed, kv: dict[str, str]) -> None:
    """``eventtime`` (UTC epoch s/ms/us/ns by its digits), else ``date``+``time`` [+ ``tz``]."""
    et = kv.get("eventtime", "")
    if et.isdigit() and 9 <= len(et) <= 19:
        scale = {10: 10**9, 13: 10**6, 16: 10**3, 19: 1}.get(len(et))
        if scale is None:
            raise BadLine(f"eventtime={et} is no epoch time", "bad_time", "fortigate")
        p.utc_ns = int(et) * scale
        return
    date, time = kv.get("date"), kv.get("time")
    if not date or not time:
        raise BadLine("FortiGate line without eventtime= or date=/time=", "bad_time", "fortigate")
    tz = kv.get("tz", "")
    zone = tz if _FORTI_TZ.fullmatch(tz) else ""
    text = f"{date}T{time}{zone}"
    try:
        read = read_stamp(text)
    except BadTime as exc:
        raise BadLine(str(exc), exc.reason, "fortigate") from None
    if read is None:
        raise BadLine(f"date={date} time={time} is no time", "bad_time", "fortigate")
    p.stamp = read[0]


# --- Cisco ASA ----------------------------------------------------------------------------
_ASA: Final = re.compile(r"%(?:ASA|FTD)-(?P<sev>\d)-(?P<id>\d{6}):\s?(?P<text>.*)$")
_ASA_FAMILIES: Final = ("602", "702", "713", "715", "750", "751", "752")
#: Cisco ASA Series Syslog Messages: the event of each id, or None where the text decides.
ASA_IDS: Final[dict[str, str | None]] = {
    "713049": "phase2_sa_established",  # Security negotiation complete ... Inbound/Outbound SPI
    "713120": "phase2_completed",  # PHASE 2 COMPLETED (msgid=...)
    "713119": "phase1_sa_established",  # PHASE 1 COMPLETED
    "713041": "initiating",  # IKE Initiator: New Phase 1 / Phase 2
    "602303": "ipsec_sa_created",  # IPSEC: An <dir> <type> SA (SPI= 0x..) ... has been created
    "602304": "ipsec_sa_deleted",  # ... has been deleted
    "113019": "tunnel_down",  # Session disconnected ... Reason: ...
    "713123": "dpd_timeout",  # IKE lost contact with remote peer, deleting connection
    "713259": "ike_sa_closing",  # Session is being torn down. Reason: ...
    "750002": "peer_initiating",  # IKEv2 Received a IKE_INIT_SA request
    "750003": "phase1_failed",  # IKEv2 Negotiation aborted due to ERROR: ... (text decides)
    "750006": "tunnel_up",  # IKEv2 SA UP. Reason: ...
    "750007": "tunnel_down",  # IKEv2 SA DOWN. Reason: ...
}
_ASA_GROUP: Final = re.compile(r"Group = (?P<g>[^,]+),")
_ASA_IP: Final = re.compile(r"\bIP = (?P<ip>{IP})\b|Remote: ?(?P<rem>{IP}):\d+".replace("{IP}", IP))
_ASA_SA: Final = re.compile(
    r"An? (?P<dir>inbound|outbound) .*?SA \(SPI= ?(?P<spi>0x[0-9A-Fa-f]+)\) "
    r"between (?P<a>{IP}) and (?P<b>{IP})"
    r"(?: \(user= ?(?P<user>[^)]+)\))?".replace("{IP}", IP)
)
_ASA_SPIS: Final = re.compile(
    r"Inbound SPI = (?P<i>0x[0-9A-Fa-f]+), Outbound SPI = (?P<o>0x[0-9A-Fa-f]+)"
)
_ASA_REASON: Final = re.compile(r"(?:Reason: ?|ERROR: ?)(?P<r>.*?)\s*$")
_ASA_MSGID: Final = re.compile(r"msgid=(?P<m>[0-9A-Fa-f]+)")


def parse_cisco_asa(line: str) -> Parsed | None:
    """Parse a Cisco ASA/FTD syslog line; None for a message that is no IPsec one."""
    m = _ASA.search(line)
    assert m is not None
    ident, text = m["id"], m["text"]
    if not (ident.startswith(_ASA_FAMILIES) or ident == "113019"):
        return None
    head = line[: m.start()]
    pri = re.match(r"\s*<\d{1,3}>", head)
    pos = pri.end() if pri else 0
    try:
        read = read_stamp(head, pos)
    except BadTime as exc:
        raise BadLine(str(exc), exc.reason, "cisco_asa") from None
    stamp, end = read if read else (None, pos)
    if stamp is None and head.strip(" :"):
        raise BadLine(f"no time stamp before the ASA message id: {head!r}", "bad_time", "cisco_asa")
    host = head[end:].strip(" :") or None
    p = Parsed("cisco_asa", stamp, device=host)
    g = _ASA_GROUP.search(text)
    p.connection = g["g"].strip() if g else None
    ip = _ASA_IP.search(text)
    if ip:
        p.peer_ip = ip["ip"] or ip["rem"]
    event = ASA_IDS.get(ident)
    if ident.startswith("7139") or ident in ("713257", "750003"):
        found = first_match(ASA_TEXT_RULES, text)
        event = found[0].event if found else event
    p.event = event or "unknown"
    spis = _ASA_SPIS.search(text)
    if spis:
        p.spi_in = normal_spi(spis["i"], "cisco_asa")
        p.spi_out = normal_spi(spis["o"], "cisco_asa")
    sa = _ASA_SA.search(text)
    if sa:
        spi = normal_spi(sa["spi"], "cisco_asa")
        if sa["dir"] == "inbound":
            p.spi_in = spi
        else:
            p.spi_out = spi
        user = (sa["user"] or "").strip()
        p.peer_ip = p.peer_ip or (user if re.fullmatch(IP, user) else sa["b"])
    elif ident in ("602303", "602304"):
        raise BadLine(
            f"ASA {ident} without 'SA (SPI= 0x...) between a and b'",
            "malformed_cisco_asa",
            "cisco_asa",
        )
    reason = _ASA_REASON.search(text)
    if reason and ident in ("113019", "713259", "750003", "750006", "750007"):
        p.reason = reason["r"].rstrip(".")
    mid = _ASA_MSGID.search(text)
    if mid:
        p.message_id = int(mid["m"], 16)
    return p


# --- dispatch -----------------------------------------------------------------------------
def parse_line(line: str) -> Parsed | None:
    """Tell a line's family and parse it; None for a line of no family.

    Raises
    ------
    BadLine
        A line of a recognised family that does not parse.
    """
    if "%ASA-" in line or "%FTD-" in line:
        if _ASA.search(line):
            return parse_cisco_asa(line)
    if _FORTI.search(line) and "=" in line:
        return parse_fortigate(line)
    try:
        h = read_header(line)
    except BadTime as exc:
        family = _family_hint(line)
        if family is None:
            return None
        raise BadLine(str(exc), exc.reason, family) from None
    if h is None:
        return None
    prog = (h.program or "").lower()
    if prog in STRONGSWAN_PROGRAMS or (
        h.program is None and re.match(r"\d{1,3}\[[A-Z]", h.message)
    ):
        return parse_strongswan(h)
    if prog in LIBRESWAN_PROGRAMS:
        return parse_libreswan(h)
    return None


def _family_hint(line: str) -> str | None:
    """Return the family of a line with a broken time stamp, judged by its program."""
    if re.search(r"\b(?:charon|charon-systemd)(?:\[\d+\])?:? ", line):
        return "strongswan"
    if re.search(r"\bpluto(?:\[\d+\])?: ", line):
        return "libreswan"
    return None
