"""What a customer gateway writes for each of its events, per family: the wording tables.

:mod:`.gateway` decides what a gateway did and when; this module only says it, as one line
per event in the family's own format. Every wording names its source:

- **strongSwan** (charon 5.9.14, the syslog logger ``sys_logger.c``: ``NN[GRP] <conn|N> text``
  with ``ike_name = yes``; a line without an IKE_SA has no ``<...>``; one whose IKE_SA has no
  config yet has ``<N>``). Texts are the ``DBG0``/``DBG1`` format strings of
  ``src/libcharon``: ``sa/ikev2/tasks/ike_init.c`` (initiating, ``%H is initiating an
  IKE_SA``, ``received %N notify error``), ``sa/ikev1/tasks/main_mode.c`` (``initiating
  Main Mode IKE_SA``, ``received %N error notify``), ``sa/ikev2/tasks/ike_establish.c`` and
  ``ikev1/tasks/main_mode.c`` (``IKE_SA %s[%u] established between``),
  ``sa/ikev2/tasks/child_create.c`` and ``ikev1/tasks/quick_mode.c`` (``CHILD_SA %s{%u}
  established with SPIs``, ``traffic selectors ... unacceptable``, ``received %N notify, no
  CHILD_SA built``, ``failed to establish CHILD_SA, keeping IKE_SA``),
  ``sa/ikev2/tasks/child_delete.c`` (``sending/received DELETE for %N CHILD_SA with SPI``,
  ``closing CHILD_SA ... (%llu bytes)``), ``sa/ikev2/tasks/ike_delete.c`` (``deleting
  IKE_SA``, ``sending DELETE for IKE_SA``, ``IKE_SA deleted``), ``sa/ike_sa.c`` (``sending
  DPD request``, ``establishing IKE_SA failed, peer not responding``),
  ``sa/ikev2/task_manager_v2.c`` (``retransmit %d of request with message ID %d``, ``giving
  up after %d retransmits``), ``sa/ikev1/task_manager_v1.c`` (``sending retransmit %u of
  request message ID %u, seq %u``), ``processing/jobs/dpd_timeout_job.c`` (``DPD check timed
  out, enforcing DPD action``), ``config/ike_cfg.c`` (``configured proposals: %#P``, a
  ``DBG2`` line: the device logs ``cfg`` at level 2) and ``charon/charon.c`` (``Starting IKE
  charon daemon (strongSwan VERSION, SYSNAME RELEASE, MACHINE)``). Syslog header: BSD
  ``Mmm dd HH:MM:SS host charon[pid]:``, no year, no zone, device local time.
- **FortiGate** (FortiOS event log, ``type="event"``): the field set of each log id is the
  FortiOS Log Message Reference's (docs.fortinet.com, 6.2-7.6): 37124
  ``MESGID_NEG_I_P1_ERROR`` (IPsec phase 1 error, with ``reason`` and ``peer_notif``),
  37127 ``MESGID_NEG_PROGRESS_P1_NOTIF`` (Progress IPsec phase 1), 37136
  ``MESGID_DPD_FAILURE`` (IPsec DPD failed), 37138 ``MESGID_CONN_UPDOWN`` (IPsec connection
  status changed, ``action="tunnel-up"``/``"tunnel-down"`` with duration and bytes) and
  32009 ``LOG_ID_SYSTEM_START`` (FortiGate started, ``subtype="system"``). The field order
  follows real FortiOS 7 syslog lines (header ``date time devname devid eventtime tz``, then
  ``logid type subtype level vd logdesc msg action ...``). The values of ``status``,
  ``result``, ``reason`` and ``peer_notif`` are **inferred** from lines users posted (the
  reference gives their names and types, not their values). FortiGate logs no SPI and no
  Child SA rekey: it is joined to AWS by ``remip`` and time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

__all__ = [
    "FORTIGATE_LOGIDS",
    "STRONGSWAN",
    "STRONGSWAN_KERNEL",
    "STRONGSWAN_VERSION",
    "fortigate_fields",
    "strongswan_text",
]

STRONGSWAN_VERSION: Final = "5.9.14"
#: ``utsname`` of the simulated gateway (an EC2-like Ubuntu kernel, as in AWS's sample).
STRONGSWAN_KERNEL: Final = ("Linux", "5.15.0-1051-aws", "x86_64")

#: strongSwan: event -> (group, text template per IKE version ``{"v1": ..., "v2": ...}``).
#: Placeholders: conn, ike (IKE_SA unique id), child (CHILD_SA unique id), peer, me,
#: spi_in, spi_out (8 hex digits), ts, bytes_in, bytes_out, notify, n, mid, seq, proposals.
STRONGSWAN: Final[Mapping[str, tuple[str, Mapping[str, str]]]] = {
    "daemon_start": (
        "DMN",
        {"*": "Starting IKE charon daemon (strongSwan {version}, {sysname} {release}, {machine})"},
    ),
    "initiating": (
        "IKE",
        {
            "v2": "initiating IKE_SA {conn}[{ike}] to {peer}",
            "v1": "initiating Main Mode IKE_SA {conn}[{ike}] to {peer}",
        },
    ),
    "peer_initiating": (
        "IKE",
        {"v2": "{peer} is initiating an IKE_SA", "v1": "{peer} is initiating a Main Mode IKE_SA"},
    ),
    "proposals_configured": ("CFG", {"*": "configured proposals: {proposals}"}),
    "phase1_sa_established": (
        "IKE",
        {"*": "IKE_SA {conn}[{ike}] established between {me}[{me}]...{peer}[{peer}]"},
    ),
    "phase2_sa_established": (
        "IKE",
        {
            "*": "CHILD_SA {conn}{{{child}}} established "
            "with SPIs {spi_in}_i {spi_out}_o and TS {ts}"
        },
    ),
    "child_sa_closing": (
        "IKE",
        {
            "*": "closing CHILD_SA {conn}{{{child}}} with SPIs {spi_in}_i ({bytes_in} bytes) "
            "{spi_out}_o ({bytes_out} bytes) and TS {ts}"
        },
    ),
    "delete_child_sa_sent": ("IKE", {"*": "sending DELETE for ESP CHILD_SA with SPI {spi_in}"}),
    "delete_child_sa_received": (
        "IKE",
        {"*": "received DELETE for ESP CHILD_SA with SPI {spi_out}"},
    ),
    "ike_sa_closing": (
        "IKE",
        {"*": "deleting IKE_SA {conn}[{ike}] between {me}[{me}]...{peer}[{peer}]"},
    ),
    "delete_ike_sa_sent": ("IKE", {"*": "sending DELETE for IKE_SA {conn}[{ike}]"}),
    "ike_sa_deleted": ("IKE", {"*": "IKE_SA deleted"}),
    "dpd_request_sent": ("IKE", {"*": "sending DPD request"}),
    "retransmit": (
        "IKE",
        {
            "v2": "retransmit {n} of request with message ID {mid}",
            "v1": "sending retransmit {n} of request message ID {mid}, seq {seq}",
        },
    ),
    "dpd_timeout": (
        "IKE",
        {
            "v2": "giving up after {n} retransmits",
            "v1": "DPD check timed out, enforcing DPD action",
        },
    ),
    "give_up": ("IKE", {"*": "giving up after {n} retransmits"}),
    "phase1_timeout": ("IKE", {"*": "establishing IKE_SA failed, peer not responding"}),
    "auth_failed": ("IKE", {"v2": "received {notify} notify error"}),
    "no_proposal_chosen": (
        "IKE",
        {"v2": "received {notify} notify error", "v1": "received {notify} error notify"},
    ),
    "ts_unacceptable": ("IKE", {"*": "traffic selectors {ts} unacceptable"}),
    "child_notify_error": ("IKE", {"*": "received {notify} notify, no CHILD_SA built"}),
    "phase2_failed": ("IKE", {"*": "failed to establish CHILD_SA, keeping IKE_SA"}),
}

#: The group of the ``DPD check timed out`` line (a job, not the IKE task).
_GROUP_OVERRIDE: Final = {("dpd_timeout", "v1"): "JOB"}


def strongswan_text(event: str, ike_version: str, /, **values: Any) -> tuple[str, str]:
    """Return (group, message) of a strongSwan event.

    Parameters
    ----------
    event : str
        A key of :data:`STRONGSWAN`.
    ike_version : {"v1", "v2"}
        The IKE version of the tunnel.
    **values
        The template's placeholders.

    Returns
    -------
    (str, str)
        The logging group (``IKE``, ``CFG``, ...) and the message text.
    """
    group, texts = STRONGSWAN[event]
    text = texts.get(ike_version, texts.get("*"))
    if text is None:
        raise KeyError(f"strongSwan logs no {event!r} on IKE{ike_version}")
    return _GROUP_OVERRIDE.get((event, ike_version), group), text.format(**values)


#: FortiGate: log id -> (logid string, subtype, level, logdesc, msg).
FORTIGATE_LOGIDS: Final[Mapping[str, tuple[str, str, str, str, str]]] = {
    "37124": ("0101037124", "vpn", "error", "IPsec phase 1 error", "IPsec phase 1 error"),
    "37127": (
        "0101037127",
        "vpn",
        "notice",
        "Progress IPsec phase 1",
        "progress IPsec phase 1",
    ),
    # 37133 MESGID_INSTALL_SA, "IPsec SA installed" (fields per the FortiOS Log Message
    # Reference, 7.2: ... vpntunnel, role, in_spi, out_spi; the SPIs' spelling, 8 hex
    # digits without 0x, is inferred: the reference gives the fields, not values)
    "37133": ("0101037133", "vpn", "notice", "IPsec SA installed", "install IPsec SA"),
    "37136": ("0101037136", "vpn", "error", "IPsec DPD failed", "IPsec DPD failed"),
    "37138": (
        "0101037138",
        "vpn",
        "notice",
        "IPsec connection status changed",
        "IPsec connection status changed",
    ),
    "32009": ("0100032009", "system", "information", "FortiGate started", "FortiGate started"),
}

_PEER_FIELDS: Final = (
    "remip",
    "locip",
    "remport",
    "locport",
    "outintf",
    "cookies",
    "user",
    "group",
    "xauthuser",
    "xauthgroup",
    "assignip",
    "vpntunnel",
)
#: The fields after ``action`` of each log id, in order (values from the caller).
_TAIL: Final[Mapping[str, tuple[str, ...]]] = {
    "37124": (*_PEER_FIELDS, "status", "reason", "peer_notif"),
    "37127": (*_PEER_FIELDS, "status", "init", "mode", "dir", "stage", "role", "result"),
    "37133": (*_PEER_FIELDS, "role", "in_spi", "out_spi"),
    "37136": (*_PEER_FIELDS, "status"),
    "37138": (
        *_PEER_FIELDS,
        "tunnelip",
        "tunnelid",
        "tunneltype",
        "duration",
        "sentbyte",
        "rcvdbyte",
        "nextstat",
    ),
    "32009": (),
}
#: Fields FortiOS writes unquoted (numbers, addresses, ``N/A`` addresses).
_BARE: Final = frozenset(
    {
        "eventtime",
        "remip",
        "locip",
        "remport",
        "locport",
        "assignip",
        "tunnelip",
        "tunnelid",
        "duration",
        "sentbyte",
        "rcvdbyte",
        "nextstat",
        "stage",
    }
)


def fortigate_fields(logid: str, header: Mapping[str, Any], values: Mapping[str, Any]) -> str:
    """Return one FortiOS event log line (``key=value`` pairs, no syslog header).

    Parameters
    ----------
    logid : str
        A key of :data:`FORTIGATE_LOGIDS` (the 5-digit message id).
    header : mapping
        ``date``, ``time``, ``devname``, ``devid``, ``eventtime``, ``tz``, ``vd``.
    values : mapping
        ``action`` (for VPN ids) and the log id's own fields.

    Returns
    -------
    str
        The line, strings quoted as FortiOS quotes them.
    """
    full, subtype, level, logdesc, msg = FORTIGATE_LOGIDS[logid]
    pairs: list[tuple[str, Any]] = [
        ("date", header["date"]),
        ("time", header["time"]),
        ("devname", header["devname"]),
        ("devid", header["devid"]),
        ("eventtime", header["eventtime"]),
        ("tz", header["tz"]),
        ("logid", full),
        ("type", "event"),
        ("subtype", subtype),
        ("level", level),
        ("vd", header["vd"]),
        ("logdesc", logdesc),
        ("msg", msg),
    ]
    if subtype == "vpn":
        pairs.append(("action", values["action"]))
    pairs += [(key, values[key]) for key in _TAIL[logid]]
    return " ".join(_pair(key, value) for key, value in pairs)


def _pair(key: str, value: Any) -> str:
    if key in ("date", "time") or key in _BARE:
        return f"{key}={value}"
    return f'{key}="{value}"'
