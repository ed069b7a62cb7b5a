# ruff: noqa: E501  (the rule table: one wording and its source per line, unbroken)
"""The message rules of each gateway family: wording -> event and fields, as data.

A rule is (family, event, pattern, source). The first rule of a family whose pattern
matches the message (``re.search``) gives the event; its named groups give the fields:
``peer`` (the remote address), ``spi_in`` / ``spi_out`` (the gateway's inbound / outbound
SPI), ``mid`` (message id, decimal) or ``mid_hex`` (hexadecimal), ``reason`` and
``proposals``. ``source`` says where the wording comes from: a strongSwan or Libreswan
source string (``file: format``), a vendor reference page, or a public log it was seen in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = ["ASA_TEXT_RULES", "LIBRESWAN_RULES", "STRONGSWAN_RULES", "Rule", "first_match"]

#: An IPv4 or IPv6 address as the daemons print it.
IP: Final = r"(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]*:[0-9A-Fa-f:.]+)"


@dataclass(frozen=True)
class Rule:
    """One wording of one family and the event it is."""

    family: str
    event: str
    pattern: re.Pattern[str]
    source: str


def _rules(family: str, table: list[tuple[str, str, str]]) -> tuple[Rule, ...]:
    return tuple(
        Rule(family, ev, re.compile(pat.replace("{IP}", IP)), src) for ev, pat, src in table
    )


_SW = "strongSwan src/libcharon"
#: charon messages after ``NN[GRP] <conn|N> `` (DBG1 strings of strongSwan 5.x).
STRONGSWAN_RULES: Final = _rules(
    "strongswan",
    [
        (
            "daemon_start",
            r"^Starting (?:IKE charon daemon|charon\S* IKE daemon)",
            "strongSwan src/charon/charon.c, src/charon-systemd/charon-systemd.c: 'Starting IKE charon daemon (strongSwan %s, ...)'",
        ),
        (
            "initiating",
            r"^initiating (?:Main Mode |Aggressive Mode )?IKE_SA \S+\[\d+\] to (?P<peer>{IP})",
            f"{_SW}/sa/ike_sa.c: 'initiating IKE_SA %s[%d] to %H'",
        ),
        (
            "peer_initiating",
            r"^(?P<peer>{IP}) is initiating an? (?:Main Mode |Aggressive Mode )?IKE_SA",
            f"{_SW}/sa/ikev2/tasks/ike_init.c: '%H is initiating an IKE_SA'",
        ),
        (
            "phase1_sa_established",
            r"^IKE_SA \S+\[\d+\] established between {IP}\[[^\]]*\]\.\.\.(?P<peer>{IP})\[",
            f"{_SW}/sa/ikev2/tasks/ike_auth.c: 'IKE_SA %s[%d] established between %H[%Y]...%H[%Y]'",
        ),
        (
            "phase2_sa_established",
            r"^CHILD_SA \S+\{\d+\} established with SPIs (?P<spi_in>[0-9a-f]+)_i (?P<spi_out>[0-9a-f]+)_o",
            f"{_SW}/sa/ikev2/tasks/child_create.c: 'CHILD_SA %s{{%d}} established with SPIs %.8x_i %.8x_o and TS %#R === %#R'",
        ),
        (
            "child_sa_closing",
            r"^closing CHILD_SA \S+\{\d+\} with SPIs (?P<spi_in>[0-9a-f]+)_i(?: \([^)]*\))? (?P<spi_out>[0-9a-f]+)_o",
            f"{_SW}/sa/ikev2/tasks/child_delete.c: 'closing CHILD_SA %s{{%d}} with SPIs %.8x_i (%llu bytes) %.8x_o (%llu bytes) and TS ...'",
        ),
        (
            "delete_child_sa_sent",
            r"^sending DELETE for (?:ESP|AH) CHILD_SA with SPI (?P<spi_in>[0-9a-f]+)",
            f"{_SW}/sa/ikev2/tasks/child_delete.c: 'sending DELETE for %N CHILD_SA with SPI %.8x' (our inbound SA)",
        ),
        (
            "delete_child_sa_received",
            r"^received DELETE for (?:ESP|AH) CHILD_SA with SPI (?P<spi_out>[0-9a-f]+)",
            f"{_SW}/sa/ikev2/tasks/child_delete.c: 'received DELETE for %N CHILD_SA with SPI %.8x' (looked up as outbound)",
        ),
        (
            "ike_sa_closing",
            r"^deleting IKE_SA \S+\[\d+\] between {IP}\[[^\]]*\]\.\.\.(?P<peer>{IP})\[",
            f"{_SW}/sa/ikev2/tasks/ike_delete.c: 'deleting IKE_SA %s[%d] between %H[%Y]...%H[%Y]'",
        ),
        (
            "delete_ike_sa_sent",
            r"^sending DELETE for IKE_SA",
            f"{_SW}/sa/ikev2/tasks/ike_delete.c: 'sending DELETE for IKE_SA %s[%d]'",
        ),
        (
            "delete_ike_sa_received",
            r"^received DELETE for IKE_SA",
            f"{_SW}/sa/ikev2/tasks/ike_delete.c: 'received DELETE for IKE_SA %s[%d]'",
        ),
        (
            "dpd_request_sent",
            r"^sending DPD request",
            f"{_SW}/sa/ike_sa.c send_dpd: 'sending DPD request'",
        ),
        (
            "dpd_timeout",
            r"^DPD check timed out, enforcing DPD action",
            f"{_SW}/processing/jobs/dpd_timeout_job.c: 'DPD check timed out, enforcing DPD "
            "action' (IKEv1)",
        ),
        (
            "retransmit",
            r"^retransmit \d+ of request with message ID (?P<mid>\d+)",
            f"{_SW}/sa/ikev2/task_manager_v2.c: 'retransmit %d of request with message ID %d'",
        ),
        # phase1_timeout, or dpd_timeout where the connection's IKE_SA was established
        # (the reader decides: strongSwan says the same words for both)
        (
            "phase1_timeout",
            r"^giving up after \d+ retransmits",
            f"{_SW}/sa/ikev2/task_manager_v2.c: 'giving up after %d retransmits'",
        ),
        (
            "auth_failed",
            r"^received (?P<reason>AUTHENTICATION_FAILED) notify error",
            f"{_SW}/sa/ikev2/tasks/ike_auth.c: 'received %N notify error'",
        ),
        (
            "no_proposal_chosen",
            r"^received (?P<reason>NO_PROPOSAL_CHOSEN) notify(?: error|, no CHILD_SA built)",
            f"{_SW}/sa/ikev2/tasks/ike_init.c / child_create.c: 'received %N notify error', 'received %N notify, no CHILD_SA built'",
        ),
        (
            "ts_unacceptable",
            r"^received (?P<reason>TS_UNACCEPTABLE) notify(?: error|, no CHILD_SA built)",
            f"{_SW}/sa/ikev2/tasks/child_create.c: 'received %N notify, no CHILD_SA built'",
        ),
        (
            "phase2_failed",
            r"^received (?P<reason>[A-Z_]+) notify, no CHILD_SA built",
            f"{_SW}/sa/ikev2/tasks/child_create.c: 'received %N notify, no CHILD_SA built'",
        ),
        (
            "phase1_failed",
            r"^received (?P<reason>[A-Z_]+) notify error",
            f"{_SW}/sa/ikev2/tasks/ike_init.c, ike_auth.c: 'received %N notify error'",
        ),
        (
            "no_ike_config",
            r"^no IKE config found for {IP}\.\.\.(?P<peer>{IP}), sending (?P<reason>[A-Z_]+)",
            f"{_SW}/sa/ikev2/tasks/ike_init.c: 'no IKE config found for %H...%H, sending %N'",
        ),
        (
            "no_proposal_match",
            r"^no acceptable proposal found",
            f"{_SW}/sa/ikev2/tasks/ike_init.c, child_create.c: 'no acceptable proposal found'",
        ),
        (
            "proposals_received",
            r"^received proposals: (?P<proposals>.*)$",
            "strongSwan src/libcharon/config/proposal.c (select): 'received proposals: %#P'",
        ),
        (
            "proposals_configured",
            r"^configured proposals: (?P<proposals>.*)$",
            "strongSwan src/libcharon/config/proposal.c (select): 'configured proposals: %#P'",
        ),
        (
            "proposals_selected",
            r"^selected proposal: (?P<proposals>.*)$",
            "strongSwan src/libcharon/config/proposal.c (select): 'selected proposal: %P'",
        ),
        (
            "psk_mismatch",
            r"^tried \d+ shared keys? for '[^']*' - '[^']*', but MAC mismatched",
            f"{_SW}/sa/ikev2/authenticators/psk_authenticator.c: 'tried %d shared key%s for '%Y' - '%Y', but MAC mismatched'",
        ),
        (
            "ts_unacceptable",
            r"^traffic selectors .* (?:inacceptable|unacceptable)",
            f"{_SW}/sa/ikev2/tasks/child_create.c: 'traffic selectors %#R === %#R inacceptable'",
        ),
        (
            "phase2_failed",
            r"^failed to establish CHILD_SA, keeping IKE_SA",
            f"{_SW}/sa/ikev2/tasks/child_create.c: 'failed to establish CHILD_SA, keeping IKE_SA'",
        ),
        (
            "child_sa_request_sent",
            r"^generating (?:CREATE_CHILD_SA|QUICK_MODE) request (?P<mid>\d+)",
            "strongSwan src/libcharon/encoding/message.c: 'generating %s'",
        ),
        (
            "child_sa_response_sent",
            r"^generating (?:CREATE_CHILD_SA|QUICK_MODE) response (?P<mid>\d+)",
            "strongSwan src/libcharon/encoding/message.c: 'generating %s'",
        ),
        (
            "child_sa_request_received",
            r"^parsed (?:CREATE_CHILD_SA|QUICK_MODE) request (?P<mid>\d+)",
            "strongSwan src/libcharon/encoding/message.c: 'parsed %s'",
        ),
        (
            "child_sa_response_received",
            r"^parsed (?:CREATE_CHILD_SA|QUICK_MODE) response (?P<mid>\d+)",
            "strongSwan src/libcharon/encoding/message.c: 'parsed %s'",
        ),
        (
            "dpd_ack_received",
            r"^parsed INFORMATIONAL_V1 request (?P<mid>\d+) \[ HASH N\(DPD_ACK\) \]",
            "strongSwan message.c 'parsed %s', IKEv1 DPD: seen in a public AWS-side charon log (pastebin usk9YEEG)",
        ),
        (
            "dpd_request_received",
            r"^parsed INFORMATIONAL_V1 request (?P<mid>\d+) \[ HASH N\(DPD\) \]",
            "strongSwan message.c 'parsed %s', IKEv1 DPD: seen in a public AWS-side charon log (pastebin usk9YEEG)",
        ),
        (
            "initiating",
            r"^establishing CHILD_SA \S+\{\d+\}",
            f"{_SW}/sa/ikev2/tasks/child_create.c: 'establishing CHILD_SA %s{{%d}}'",
        ),
        (
            "packet_sent",
            r"^sending packet: from {IP}\[\d+\] to (?P<peer>{IP})\[\d+\]",
            "strongSwan src/libcharon/network/sender.c: 'sending packet: from %#H to %#H (%zu bytes)'",
        ),
        (
            "packet_received",
            r"^received packet: from (?P<peer>{IP})\[\d+\] to {IP}\[\d+\]",
            "strongSwan src/libcharon/network/receiver.c: 'received packet: from %#H to %#H (%zu bytes)'",
        ),
    ],
)

_LS = "Libreswan programs/pluto"
#: pluto messages after ``"conn"[inst] addr #serial: `` (Libreswan 3.x and >= 4.6, Openswan).
LIBRESWAN_RULES: Final = _rules(
    "libreswan",
    [
        (
            "daemon_start",
            r"^Starting Pluto",
            f"{_LS}/plutomain.c: 'Starting Pluto (Libreswan Version %s ...)'",
        ),
        (
            "phase2_sa_established",
            r"(?:IPsec SA established|established Child SA)\b.*\{(?:ESP|AH)(?:/\w+)?=>0x(?P<spi_out>[0-9a-f]+) <0x(?P<spi_in>[0-9a-f]+)",
            "3.x: Openswan/Openswan#377 'STATE_QUICK_I2: sent QI2, IPsec SA established tunnel mode {ESP=>0x.. <0x..}'; "
            ">=4.6: libreswan/libreswan#786 'initiator established Child SA using #1; IPsec tunnel [...] {ESP=>0x.. <0x..}'",
        ),
        (
            "phase1_sa_established",
            r"ISAKMP SA established|(?:initiator |responder )?established IKE SA|IKE SA established",
            f"{_LS}/ikev1_states.c story of STATE_MAIN_I4/R3, AGGR_I2/R2 'ISAKMP SA established', logged by ikev1.c "
            "as '%s: %s%s' (3.x: 'STATE_MAIN_I4: ISAKMP SA established {auth=...}') or the story alone (>= 4.x); "
            ">=4.6: libreswan/libreswan#462, #615 'established IKE SA'",
        ),
        (
            "child_sa_request_sent",
            r"initiating Quick Mode .*msgid:(?P<mid_hex>[0-9a-f]+)",
            "Openswan/Openswan#377: 'initiating Quick Mode PSK+ENCRYPT+... {using isakmp#N msgid:bd2103f0 ...}'",
        ),
        (
            "child_sa_request_sent",
            r"sent CREATE_CHILD_SA request",
            ">=4.6: libreswan/libreswan#786 'sent CREATE_CHILD_SA request for new IPsec SA'",
        ),
        (
            "child_sa_request_received",
            r"responding to Quick Mode proposal \{msgid:(?P<mid_hex>[0-9a-f]+)\}",
            f"{_LS}/ikev1_quick.c: 'responding to Quick Mode proposal {{msgid:%08x}}'",
        ),
        (
            "initiating",
            r"initiating (?:Main Mode|Aggressive Mode|v2 parent SA|IKEv2 (?:IKE SA|connection))(?: to (?P<peer>{IP}))?",
            "3.x ikev1_main.c 'initiating Main Mode'; >=4.6: libreswan/libreswan#462, #3041 'initiating IKEv2 connection [to %s using UDP]'",
        ),
        (
            "peer_initiating",
            r"responding to (?:Main|Aggressive) Mode",
            f"{_LS}/ikev1_main.c: 'responding to Main Mode'",
        ),
        (
            "peer_initiating",
            r"processing IKE_SA_INIT request from (?P<peer>{IP}):",
            "libreswan/libreswan#2520: 'processing IKE_SA_INIT request from A.B.C.148:UDP/500 containing ...'",
        ),
        (
            "delete_child_sa_received",
            r"received Delete SA(?:\(0x(?P<spi_out>[0-9a-f]+)\))? payload: \S*deleting (?:IPSEC|IPsec) State",
            f"{_LS}/ikev1_main.c: 'received Delete SA(0x%08x) payload: deleting IPSEC State #%lu' (<= 3.25), "
            "'... deleting IPsec State #%lu' (3.32, 4.6), '... %sdeleting IPsec State #%lu' (4.15); "
            "Openswan/Openswan#377 (the peer's inbound = our outbound SPI)",
        ),
        (
            "delete_ike_sa_received",
            r"received Delete SA payload: \S*deleting ISAKMP State",
            f"{_LS}/ikev1_main.c: 'received Delete SA payload: self-deleting ISAKMP State #%lu', "
            "'... deleting ISAKMP State #%lu' (3.x, 4.6); ikev1_delete.c '... %sdeleting ISAKMP State ' PRI_SO (5.x)",
        ),
        # state.c, as each version words a delete: 'deleting state (%s)' (<= 3.20, nothing said
        # of a notification); 'deleting state (%s) and %ssending notification' (3.21-3.25);
        # '... aged %ss and %ssending notification' (3.32-4.x, %s the state name); 5.x
        # 'deleting {IKE SA|ISAKMP SA|Child SA|IPsec SA} (SHORT_NAME) aged %ss and sending
        # notification' or '... and NOT sending notification'. NOT sending is a closing only.
        (
            "delete_child_sa_sent",
            r"deleting (?:state|other state #\d+|Child SA|IPsec SA) \((?:STATE_)?(?:QUICK\w*|V2_IPSEC\w*|\w*CHILD\w*)\).*(?<!NOT) sending notification",
            f"{_LS}/state.c: 'deleting state (%s) [aged %ss] and %ssending notification' (3.21-4.x), "
            "'deleting Child SA|IPsec SA (%s) aged %ss and sending notification' (5.x)",
        ),
        (
            "delete_ike_sa_sent",
            r"deleting (?:state|other state #\d+|IKE SA|ISAKMP SA) \([A-Z_0-9]+\).*(?<!NOT) sending notification",
            f"{_LS}/state.c (5.x: 'deleting IKE SA|ISAKMP SA (%s) aged %ss and sending notification'); "
            "libreswan/libreswan#2184: 'deleting IKE SA (ESTABLISHED_IKE_SA) aged 1.39s and sending notification'",
        ),
        (
            "child_sa_closing",
            r"deleting (?:state|other state #\d+|Child SA|IPsec SA) \((?:STATE_)?(?:QUICK\w*|V2_IPSEC\w*|\w*CHILD\w*)\)",
            f"{_LS}/state.c: 'deleting state (%s)' (<= 3.20), '... and NOT sending notification' (later)",
        ),
        (
            "ike_sa_closing",
            r"deleting (?:state|other state #\d+|IKE SA|ISAKMP SA) \([A-Z_0-9]+\)",
            f"{_LS}/state.c: 'deleting state (STATE_MAIN_I4)' (<= 3.20), libreswan/libreswan#2184 'deleting IKE SA (sent IKE_AUTH request)'",
        ),
        (
            "dpd_timeout",
            r"DPD: No response from peer - declaring peer dead|(?:DPD|liveness):? action - ",
            f"{_LS}/ikev1_dpd.c 'DPD: No response from peer - declaring peer dead' (<= 3.20); "
            "connections.c liveness_action '%s action - clearing connection kind %s' / '... restarting all "
            "connections that share this peer' / '... putting connection into hold' with %s 'IKEv1 DPD:' or "
            "'IKEv2 liveness:' (3.21-3.29), 'DPD' or 'liveness' (3.32, ikev1_dpd.c 4.6); ikev1_dpd.c 'DPD action - ...' (4.15, 5.x)",
        ),
        # retransmit.c (>= 3.23) starts with the state's name, then 'max number of
        # retransmissions (%lu) reached after %s seconds' or '%s second timeout exceeded after
        # %lu retransmits', then '.  No response ...'; timer.c (<= 3.22) wrote 'max number of
        # retransmissions (%d) reached %s%s' with the state's name after.
        (
            "phase2_failed",
            r"max number of retransmissions \(\d+\) reached STATE_QUICK|STATE_QUICK\w*: (?:max number of retransmissions|\S+ second timeout exceeded)",
            f"{_LS}/timer.c (<= 3.22): 'max number of retransmissions (%d) reached %s%s' in STATE_QUICK_I1; "
            "retransmit.c (>= 3.23): 'STATE_QUICK_I1: max number of retransmissions (%lu) reached after %s seconds'",
        ),
        # An IKE SA that was established and stops answering (IKEv2 liveness, rekeying): the
        # peer is dead. Read from retransmit.c and the established states' names, not yet
        # seen in a public log.
        (
            "dpd_timeout",
            r"(?:STATE_V2_ESTABLISHED_IKE_SA|STATE_PARENT_I3|STATE_PARENT_R2|STATE_MAIN_[IR][34]): (?:max number of retransmissions|\S+ second timeout exceeded)",
            f"{_LS}/retransmit.c: '%s: max number of retransmissions (%lu) reached after ...' with %s an "
            "established IKE SA's state (ikev2_states.c STATE_V2_ESTABLISHED_IKE_SA, 3.x STATE_PARENT_I3/R2)",
        ),
        (
            "phase1_timeout",
            r"max number of retransmissions \(\d+\) reached|second timeout exceeded after \d+ retransmits",
            f"{_LS}/timer.c (<= 3.22): 'max number of retransmissions (%d) reached STATE_MAIN_I1.  No response ...'; "
            "retransmit.c (>= 3.23): 'STATE_MAIN_I1: max number of retransmissions (%lu) reached after %s seconds.  "
            "No response (or no acceptable response) to our first IKEv1 message', '%s: %s second timeout exceeded after %lu retransmits'",
        ),
        (
            "retransmit",
            r"retransmission; will wait",
            f"{_LS}/timer.c (<= 3.22): '%s: retransmission; will wait %lums for response', "
            "retransmit.c (>= 3.23): '%s: retransmission; will wait %s seconds for response'",
        ),
        (
            "psk_mismatch",
            r"mismatch of preshared secrets",
            f"{_LS}/ikev1.c: excuse 'probable authentication failure (mismatch of preshared secrets?): ' before '%smalformed payload in packet' and the like (3.x to 5.x)",
        ),
        (
            "auth_failed",
            r"(?P<reason>AUTHENTICATION_FAILED)",
            ">=4.6: 'IKE SA authentication request rejected by peer: AUTHENTICATION_FAILED'",
        ),
        (
            "no_proposal_match",
            r"sending notification (?P<reason>NO_PROPOSAL_CHOSEN)(?: to (?P<peer>{IP}))?",
            f"{_LS}/ikev1.c: 'sending notification NO_PROPOSAL_CHOSEN to %s:%u'",
        ),
        (
            "no_proposal_chosen",
            r"(?P<reason>NO_PROPOSAL_CHOSEN)",
            ">=4.6: 'rejected by peer: NO_PROPOSAL_CHOSEN', 3.x 'received NO_PROPOSAL_CHOSEN'",
        ),
        (
            "ts_unacceptable",
            r"(?P<reason>TS_UNACCEPTABLE)",
            ">=4.6: 'CREATE_CHILD_SA ... TS_UNACCEPTABLE'",
        ),
        (
            "proposals_selected",
            r"proposal (?P<proposals>\S+) chosen from remote proposals",
            "libreswan/libreswan#2520: 'proposal 1:IKE=AES_GCM_16_256-... chosen from remote proposals ...'",
        ),
    ],
)

#: Cisco ASA message texts that say more than their id (the 7139xx family is generic).
ASA_TEXT_RULES: Final = _rules(
    "cisco_asa",
    [
        (
            "psk_mismatch",
            r"(?i)pre-shared key mismatch|mismatched pre-shared key",
            "Cisco ASA 713903-713905 text: '... This could indicate a pre-shared key mismatch.'",
        ),
        (
            "no_proposal_match",
            r"(?i)proposals? found unacceptable|Mismatched attribute types|Failed to find a matching policy",
            "Cisco ASA 7139xx descriptive text 'All IPSec SA proposals found unacceptable!' (Elastic integrations "
            "packages/cisco_asa test-additional-messages.log, 713901-713905), 713257; 'Failed to find a matching "
            "policy' is Cisco's IKEv2 debug wording (IKEv2-PROTO-1, public forum posts), not seen in a 750003 line",
        ),
        (
            "no_proposal_chosen",
            r"(?i)no proposal chosen|NO_PROPOSAL_CHOSEN",
            "Cisco IKEv2 'Received no proposal chosen notify' (debug wording, public posts); unconfirmed in 750003",
        ),
        (
            "ts_unacceptable",
            r"(?i)TS_UNACCEPTABLE|traffic selectors|no IPSEC policy found for received TS",
            "Cisco ASA 750003 '... IKEv2 Negotiation aborted due to ERROR: There was no IPSEC policy found for "
            "received TS' (SEKOIA-IO integration test 'test_ASA_750003')",
        ),
        (
            "auth_failed",
            r"(?i)auth(?:entication)? (?:exchange )?failed|AUTHENTICATION_FAILED",
            "IKEv2 notify AUTHENTICATION_FAILED (RFC 7296) as Cisco names it; no 750003 line with it seen",
        ),
        (
            "phase2_failed",
            r"QM FSM error",
            "Cisco ASA 713902 'QM FSM error (P2 struct &0x..., mess id 0x...)!' (tunupgh AWS troubleshooting post)",
        ),
    ],
)


def first_match(rules: tuple[Rule, ...], text: str) -> tuple[Rule, re.Match[str]] | None:
    """Return the first rule whose pattern is found in ``text``, with its match."""
    for rule in rules:
        m = rule.pattern.search(text)
        if m:
            return rule, m
    return None
