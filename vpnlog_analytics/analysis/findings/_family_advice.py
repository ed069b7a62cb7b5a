"""What to change on each family of customer gateway, declared once per family.

The two-sided rules (:mod:`._gateway_rules`) name the setting of the gateway that wrote
the log: one :class:`FamilyAdvice` record per family of the gateway table (``strongswan``,
``libreswan``, ``fortigate``, ``cisco_asa``), each field one topic. A device of a family
not listed gets :data:`ANY_GATEWAY`, the advice in general terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["ANY_GATEWAY", "FAMILY_ADVICE", "FamilyAdvice", "advice_for"]


@dataclass(frozen=True)
class FamilyAdvice:
    """What to change on one family of gateway, per topic of the two-sided findings.

    Attributes
    ----------
    family : str
        The ``family`` value of the gateway table.
    label : str
        The product as people name it.
    dpd : str
        Dead Peer Detection that comes back by itself after a path failure.
    delete : str
        Lifetimes and rekeying, so the gateway rekeys rather than deletes.
    proposals : str
        Phase 1 and Phase 2 proposals matching the tunnel's options.
    authentication : str
        Where the pre-shared key and identities are set.
    traffic_selectors : str
        Where the traffic selectors (local and remote networks) are set.
    restart : str
        Where to find why the device or its IKE daemon restarted.
    clock : str
        How to keep its clock on NTP.
    """

    family: str
    label: str
    dpd: str
    delete: str
    proposals: str
    authentication: str
    traffic_selectors: str
    restart: str
    clock: str


FAMILY_ADVICE: Final[tuple[FamilyAdvice, ...]] = (
    FamilyAdvice(
        family="strongswan",
        label="strongSwan",
        dpd=(
            "in ipsec.conf dpddelay=10s, dpdtimeout=30s (IKEv1; IKEv2 gives up after its "
            "retransmissions) and dpdaction=restart (swanctl.conf: dpd_delay, and "
            "dpd_action = restart on the child), so the gateway renegotiates as soon as "
            "the path is back."
        ),
        delete=(
            "with IKEv2 set reauth=no (a reauthentication deletes the IKE SA before the new "
            "one is up; or charon.make_before_break = yes), keep rekey=yes and ikelifetime/"
            "lifetime (swanctl rekey_time, life_time) below AWS's Phase 1 and Phase 2 "
            "lifetimes (28,800 s and 3,600 s by default) with margintime, so the gateway "
            "rekeys instead of letting an SA expire; closeaction=restart and dpdaction="
            "restart bring the tunnel back by themselves."
        ),
        proposals=(
            "ike= and esp= in ipsec.conf (swanctl.conf: proposals and esp_proposals), e.g. "
            "ike=aes128-sha256-modp2048! and esp=aes128-sha256-modp2048!, each a "
            "combination the tunnel's Phase 1 and Phase 2 options allow."
        ),
        authentication=(
            'the PSK line for the AWS outside IP in ipsec.secrets (<local IP> <AWS IP> : PSK "...")'
            " or the swanctl.conf secrets section, with leftid/rightid (local_id/remote_id) "
            "set to the two outside addresses."
        ),
        traffic_selectors=(
            "leftsubnet/rightsubnet in ipsec.conf (swanctl.conf local_ts/remote_ts) must "
            "match the tunnel's local and remote IPv4 network CIDRs (0.0.0.0/0 on both by "
            "default)."
        ),
        restart=(
            "journalctl -u strongswan (or strongswan-starter), 'charon has died' or "
            "'Starting IKE charon daemon' lines, the kernel and power logs (last -x)."
        ),
        clock="run chrony or systemd-timesyncd (timedatectl shows 'System clock synchronized').",
    ),
    FamilyAdvice(
        family="libreswan",
        label="Libreswan",
        dpd=(
            "dpddelay=10 with dpdtimeout=30 and dpdaction=restart in the conn (Libreswan 5 "
            "drops dpdtimeout/dpdaction: dpddelay sets the liveness probe and "
            "retransmit-timeout when it gives up), so pluto renegotiates when the path is "
            "back."
        ),
        delete=(
            "keep rekey=yes and ikelifetime/salifetime below AWS's Phase 1 and Phase 2 "
            "lifetimes (28,800 s and 3,600 s by default) with rekeymargin, so pluto rekeys "
            "instead of letting an SA expire."
        ),
        proposals=(
            "ike= and phase2alg= (esp=) in the conn, e.g. ike=aes128-sha2_256;modp2048 and "
            "phase2alg=aes128-sha2_256;modp2048, each a combination the tunnel's options allow."
        ),
        authentication=(
            "the PSK line for the AWS outside IP in /etc/ipsec.secrets (or a .secrets file "
            "under /etc/ipsec.d), with leftid/rightid set to the two outside addresses."
        ),
        traffic_selectors=(
            "leftsubnet/rightsubnet in the conn must match the tunnel's local and remote "
            "IPv4 network CIDRs."
        ),
        restart="journalctl -u ipsec, pluto's start and crash lines, the kernel and power logs.",
        clock="run chrony or systemd-timesyncd.",
    ),
    FamilyAdvice(
        family="fortigate",
        label="FortiGate",
        dpd=(
            "config vpn ipsec phase1-interface: set dpd on-idle, set dpd-retryinterval 10 "
            "and set dpd-retrycount 3; with set auto-negotiate enable in the phase2-interface "
            "the tunnel comes back by itself."
        ),
        delete=(
            "set keylife in the phase1-interface (28800) and set keylifeseconds in the "
            "phase2-interface (3600) no longer than AWS's lifetimes, and set auto-negotiate "
            "enable and set keepalive enable in the phase2-interface, so the FortiGate "
            "rekeys instead of letting an SA expire."
        ),
        proposals=(
            "set proposal and set dhgrp in config vpn ipsec phase1-interface and "
            "phase2-interface (e.g. aes128-sha256 and 14), each a combination the tunnel's "
            "options allow."
        ),
        authentication=(
            "set psksecret in config vpn ipsec phase1-interface of the tunnel whose "
            "remote-gw is the AWS outside IP."
        ),
        traffic_selectors=(
            "set src-subnet and set dst-subnet in the phase2-interface must match the "
            "tunnel's local and remote IPv4 network CIDRs (0.0.0.0/0 by default)."
        ),
        restart=(
            "get system status (uptime), diagnose debug crashlog read, and get system ha "
            "status for an HA failover."
        ),
        clock="config system ntp: set ntpsync enable (diagnose sys ntp status).",
    ),
    FamilyAdvice(
        family="cisco_asa",
        label="Cisco ASA",
        dpd=(
            "tunnel-group <AWS IP> ipsec-attributes: isakmp keepalive threshold 10 retry 10, "
            "so the ASA renegotiates when the path is back."
        ),
        delete=(
            "lifetime seconds 28800 in crypto ikev2 (or ikev1) policy and crypto ipsec "
            "security-association lifetime seconds 3600 (or the crypto map's set "
            "security-association lifetime), no longer than AWS's; vpn-idle-timeout none in "
            "the L2L group-policy, so an idle tunnel is not torn down."
        ),
        proposals=(
            "crypto ikev2 policy (encryption, integrity, group, prf) and crypto ipsec ikev2 "
            "ipsec-proposal (IKEv1: crypto ikev1 policy and the transform-set), with the "
            "crypto map's set pfs group, each a combination the tunnel's options allow."
        ),
        authentication=(
            "tunnel-group <AWS IP> ipsec-attributes: ikev2 remote-authentication and local-"
            "authentication pre-shared-key (IKEv1: ikev1 pre-shared-key)."
        ),
        traffic_selectors=(
            "the crypto map's access list (or the VTI's tunnel protection for route-based "
            "tunnels) must match the tunnel's local and remote IPv4 network CIDRs."
        ),
        restart="show version (uptime, reload reason), show crashinfo, show failover history.",
        clock="ntp server <address> (show ntp status).",
    ),
)

#: The advice for a device whose family has no record of its own.
ANY_GATEWAY: Final = FamilyAdvice(
    family="",
    label="the gateway",
    dpd=(
        "set its DPD (keepalive) interval to about 10 s with a timeout of about 30 s and its "
        "action to restart, so it renegotiates when the path is back."
    ),
    delete=(
        "keep its Phase 1 and Phase 2 lifetimes below AWS's (28,800 s and 3,600 s by "
        "default) with rekeying on, so it rekeys instead of letting an SA expire."
    ),
    proposals="set its Phase 1 and Phase 2 proposals to combinations the tunnel's options allow.",
    authentication="check the pre-shared key and identities it uses for the AWS outside IP.",
    traffic_selectors=(
        "set its traffic selectors (local and remote networks) to the tunnel's local and "
        "remote IPv4 network CIDRs."
    ),
    restart="its system, crash and power logs and its HA failover history.",
    clock="keep its clock on NTP.",
)

_BY_FAMILY: Final = {a.family: a for a in FAMILY_ADVICE}


def advice_for(family: object) -> FamilyAdvice:
    """Return the advice of a family (``strongswan``, ...), else :data:`ANY_GATEWAY`."""
    return _BY_FAMILY.get(str(family), ANY_GATEWAY)
