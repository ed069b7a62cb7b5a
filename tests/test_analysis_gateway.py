"""Both ends of a tunnel: clock skew, merged sequence, who ended each outage (issue 24).

Hand-built tables, every expected value derived below from the rows. AWS side: one
connection, tunnels T1 and T2. Gateway side: device ``cgw1`` whose clock runs 3 s ahead
of AWS's, plus a network delay on some lines (said per row); its SPIs are AWS's reversed
(AWS inbound = gateway outbound).
"""

from __future__ import annotations

import pandas as pd
import pytest
from analysis_fixtures import CGW_DELETE, DPD, PSK, T1, T2, T3, T4, UP, VPN_A, VPN_B, make_events

from vpnlog_analytics import schema as s
from vpnlog_analytics.analysis.gateway import (
    apply_skew,
    clock_skew,
    gateway_restarts,
    merged_timeline,
    one_sided_failures,
    two_sided_outages,
)

DOWN = ("down", "down")
TS = "traffic selectors: 0.0.0.0/0 === 0.0.0.0/0"


def est(inbound: str, outbound: str) -> str:
    return (
        f"AWS tunnel Phase 2 SA is established with inbound SPI: {inbound}: "
        f"outbound SPI: {outbound}: {TS}"
    )


def closing(inbound: str, outbound: str) -> str:
    return (
        f"AWS tunnel is closing CHILD_SA with inbound SPI: {inbound}: "
        f"outbound SPI: {outbound}: {TS}"
    )


def delete_recv(spi: str) -> str:
    return f"AWS tunnel received DELETE for Phase 2 SA with SPI: {spi}"


def day(t: str) -> str:
    return f"2026-10-21 {t}"


def aws_events() -> pd.DataFrame:
    return make_events(
        [
            (day("00:00:00"), VPN_A, T1, *UP, est("0x0000aaaa", "0x0000bbbb")),
            (day("00:00:00"), VPN_A, T2, *UP, est("0x0000cccc", "0x0000dddd")),
            (day("01:00:00"), VPN_A, T1, *UP, delete_recv("0x0000bbbb")),
            (day("01:00:01"), VPN_A, T1, *UP, est("0x1111aaaa", "0x1111bbbb")),
            (day("02:00:00"), VPN_A, T2, *UP, closing("0x0000cccc", "0x0000dddd")),
            (day("02:00:01"), VPN_A, T2, *UP, est("0x2222cccc", "0x2222dddd")),
            (day("03:00:00"), VPN_A, T1, *DOWN, DPD),
            (day("03:10:00"), VPN_A, T1, *UP, est("0x3333aaaa", "0x3333bbbb")),
            (day("04:00:00"), VPN_A, T2, *DOWN, CGW_DELETE),
            (day("04:00:30"), VPN_A, T2, *UP, est("0x4444cccc", "0x4444dddd")),
            (day("05:00:00"), VPN_A, T1, *UP, est("0x5555aaaa", "0x5555bbbb")),
            (day("06:00:00"), VPN_A, T1, *UP, est("0x6666aaaa", "0x6666bbbb")),
            (day("06:00:00"), VPN_A, T2, *UP, est("0x6666cccc", "0x6666dddd")),
        ]
    )


GW_COLUMNS = [
    s.TIME, s.DEVICE, s.FAMILY, s.CONNECTION, s.PEER_IP, s.VPN_CONNECTION_ID, s.TUNNEL_IP,
    s.EVENT, s.SPI_IN, s.SPI_OUT, "reason", "proposals", "raw",
]  # fmt: skip


def gw_rows(rows: list[tuple]) -> pd.DataFrame:
    """(device time, device, tunnel or None, event, spi_in, spi_out[, reason, proposals])."""
    out = []
    for i, row in enumerate(rows):
        time, device, tunnel, event, spi_in, spi_out = row[:6]
        reason = row[6] if len(row) > 6 else None
        proposals = row[7] if len(row) > 7 else None
        conn = {T1: VPN_A, T2: VPN_A, T3: VPN_B, T4: VPN_B}.get(tunnel)
        out.append(
            [
                pd.Timestamp(day(time), tz="UTC"),
                device,
                "strongswan",
                f"aws-{tunnel}",
                tunnel,
                conn,
                tunnel,
                event,
                spi_in,
                spi_out,
                reason,
                proposals,
                f"line {i}",
            ]  # fmt: skip
        )
    frame = pd.DataFrame(out, columns=GW_COLUMNS)
    frame[s.TIME] = frame[s.TIME].astype("datetime64[ns, UTC]")
    for col in (s.VPN_CONNECTION_ID, s.TUNNEL_IP, s.SPI_IN, s.SPI_OUT, "reason", "proposals"):
        frame[col] = frame[col].astype("string")
    return frame


def gateway() -> pd.DataFrame:
    return gw_rows(
        [
            ("00:00:03", "cgw1", T1, "phase2_sa_established", "0x0000bbbb", "0x0000aaaa"),  # d=+3
            ("00:00:04", "cgw1", T2, "phase2_sa_established", "0x0000dddd", "0x0000cccc"),  # +4
            # the gateway sent the DELETE 1 s before AWS received it: d = 3 - 1 = +2
            ("01:00:02", "cgw1", T1, "delete_child_sa_sent", "0x0000bbbb", None),
            ("01:00:04", "cgw1", T1, "phase2_sa_established", "0x1111bbbb", "0x1111aaaa"),  # +3
            ("02:00:03", "cgw1", T2, "delete_child_sa_received", None, "0x0000cccc"),  # +3
            ("02:00:04", "cgw1", T2, "phase2_sa_established", "0x2222dddd", "0x2222cccc"),  # +3
            # the gateway's DPD gave up at 02:59:47 AWS time, 13 s before AWS's
            ("02:59:50", "cgw1", T1, "dpd_timeout", None, None),
            ("03:10:03", "cgw1", T1, "phase2_sa_established", "0x3333bbbb", "0x3333aaaa"),  # +3
            # the gateway deleted T2's IKE SA at 03:59:56 AWS time
            ("03:59:59", "cgw1", T2, "delete_ike_sa_sent", None, None),
            ("04:00:33", "cgw1", T2, "phase2_sa_established", "0x4444dddd", "0x4444cccc"),  # +3
            # an SPI reused long after: d = +63 s, left out as mismatched (tolerance 5 s)
            ("05:01:03", "cgw1", T1, "phase2_sa_established", "0x5555bbbb", "0x5555aaaa"),
            # a peer that is no AWS tunnel of the table: unattached
            ("05:30:00", "cgw1", None, "phase1_sa_established", None, None),
        ]
    )


def test_clock_skew_from_pairs_both_ends_log() -> None:
    # differences (gateway - AWS): sa_established +3 +4 +3 +3 +3 +3 (T1 00:00, T2 00:00,
    # T1 01:00:01, T2 02:00:01, T1 03:10, T2 04:00:30), delete_from_gateway +2,
    # delete_from_aws +3; the +63 s pair is beyond the tolerance. Median +3 s; the
    # interval is the range 2..4 s widened by 1 s of resolution on each side.
    skew = clock_skew(aws_events(), gateway())
    assert skew[s.DEVICE].tolist() == ["cgw1"]
    row = skew.iloc[0]
    assert row[s.SKEW] == pd.Timedelta(seconds=3)
    assert (row[s.SKEW_LOW], row[s.SKEW_HIGH]) == (pd.Timedelta(seconds=1), pd.Timedelta(seconds=5))
    assert row["spread"] == pd.Timedelta(seconds=2)
    assert row[s.PAIRS] == 8
    assert row[s.PAIR_KINDS] == "delete_from_aws: 1, delete_from_gateway: 1, sa_established: 6"


def test_skew_applied_only_on_request() -> None:
    gw = gateway()
    same = apply_skew(gw, None)
    assert same[s.TIME].equals(gw[s.TIME]) and same.attrs["skew_applied"] == []
    fixed = apply_skew(gw, "auto", aws_events())
    assert (fixed[s.TIME] == gw[s.TIME] - pd.Timedelta(seconds=3)).all()
    assert fixed[s.DEVICE_TIME].equals(gw[s.TIME]) and fixed.attrs["skew_applied"] == ["cgw1"]
    assert (apply_skew(gw, "2s")[s.TIME] == gw[s.TIME] - pd.Timedelta(seconds=2)).all()


def test_merged_timeline_warns_of_the_order_the_skew_changes() -> None:
    # Uncorrected, the gateway's DELETE (01:00:02) sorts after AWS's receipt (01:00:00)
    # and its SA (01:00:01): 2 pairs flip when corrected to 00:59:59. T2's received
    # DELETE (02:00:03 -> 02:00:00) moves before AWS's 02:00:01 SA: 1 pair (on equal
    # times AWS comes first, so 02:00:00 does not flip). 3 in all.
    raw = merged_timeline(aws_events(), gateway())
    assert raw.attrs["reordered"] == 3 and raw.attrs["unattached"] == 1
    assert "3 pairs of records of the two ends would change order" in raw.attrs["warning"]
    fixed = merged_timeline(aws_events(), gateway(), skew="auto")
    assert fixed.attrs["reordered"] == 0 and fixed.attrs["skew_applied"] == ["cgw1"]
    t1 = fixed[fixed[s.TUNNEL_IP] == T1]
    order = list(zip(t1[s.SIDE].astype(str), t1[s.EVENT], strict=True))[:4]
    assert order == [
        ("aws", "phase2_sa_established"),
        ("gateway", "phase2_sa_established"),
        ("gateway", "delete_child_sa_sent"),
        ("aws", "cgw_delete_child_sa"),
    ]
    assert len(fixed) == len(aws_events()) + len(gateway()) - 1


def test_who_ended_each_outage() -> None:
    # T1 03:00-03:10, AWS's DPD timeout; the gateway's DPD gave up 13 s earlier: both,
    # the gateway first. T2 04:00:00-04:00:30, AWS received the gateway's IKE DELETE and
    # the gateway logged sending it: gateway_delete.
    table = two_sided_outages(aws_events(), gateway())
    assert table[s.TUNNEL_IP].astype(str).tolist() == [T1, T2]
    assert table[s.ENDED_BY].astype(str).tolist() == ["both", "gateway_delete"]
    assert table[s.DPD_FIRST].tolist() == ["gateway", pd.NA]
    # each end's DPD on AWS's clock: AWS's record at 03:00:00, the gateway's 02:59:50 - 3 s
    assert table["aws_dpd_at"].iloc[0] == pd.Timestamp(day("03:00:00"), tz="UTC")
    assert table["gateway_dpd_at"].iloc[0] == pd.Timestamp(day("02:59:47"), tz="UTC")
    assert table[["aws_dpd_at", "gateway_dpd_at"]].iloc[1].isna().all()
    # the gateway's events within 2 min of each start (AWS clock): T1 02:59:47 only;
    # T2 03:59:56 and the new SA at 04:00:30
    assert table["gateway_events"].tolist() == [
        "dpd_timeout",
        "delete_ike_sa_sent, phase2_sa_established",
    ]
    # uncorrected, the DPD order would still be the gateway's first (13 s > 3 s), and a
    # skew of -20 s (a wrong correction) turns it around: the verdict follows the clock
    wrong = two_sided_outages(aws_events(), gateway(), skew="-20s")
    assert wrong[s.DPD_FIRST].iloc[0] == "aws"


def restart_case() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Connection B: the gateway cgw2 (clock right) loses power at 00:59:50; AWS's DPD
    gives up on T3 at 01:00:00 and on T4 at 01:00:05; the gateway logs nothing until its
    daemon starts at 01:15:00 and both tunnels are back at 01:20:00."""
    aws = make_events(
        [
            (day("00:00:00"), VPN_B, T3, *UP, est("0x00000a03", "0x00000b03")),
            (day("00:00:00"), VPN_B, T4, *UP, est("0x00000a04", "0x00000b04")),
            (day("01:00:00"), VPN_B, T3, *DOWN, DPD),
            (day("01:00:05"), VPN_B, T4, *DOWN, DPD),
            (day("01:20:00"), VPN_B, T3, *UP, est("0x00001a03", "0x00001b03")),
            (day("01:20:00"), VPN_B, T4, *UP, est("0x00001a04", "0x00001b04")),
        ]
    )
    gw = gw_rows(
        [
            ("00:00:00", "cgw2", T3, "phase2_sa_established", "0x00000b03", "0x00000a03"),
            ("00:00:00", "cgw2", T4, "phase2_sa_established", "0x00000b04", "0x00000a04"),
            ("01:15:00", "cgw2", None, "daemon_start", None, None),
            ("01:20:00", "cgw2", T3, "phase2_sa_established", "0x00001b03", "0x00001a03"),
            ("01:20:00", "cgw2", T4, "phase2_sa_established", "0x00001b04", "0x00001a04"),
        ]
    )
    return aws, gw


def test_gateway_restart_that_cut_both_tunnels() -> None:
    aws, gw = restart_case()
    table = two_sided_outages(aws, gw)
    assert table[s.ENDED_BY].astype(str).tolist() == ["gateway_restart", "gateway_restart"]
    restarts = gateway_restarts(aws, gw)
    assert restarts[[s.DEVICE, s.VPN_CONNECTION_ID, "tunnels", "tunnels_down"]].values.tolist() == [
        ["cgw2", VPN_B, 2, 2]
    ]
    assert restarts["cut_connection"].tolist() == [True]
    assert restarts[s.TIME].tolist() == [pd.Timestamp(day("01:15:00"), tz="UTC")]


def test_failures_only_one_end_logged() -> None:
    # 07:00 both ends log the PSK failure (AWS psk_mismatch, the gateway auth_failed 2 s
    # later on AWS's clock): seen on both. 08:00 the gateway's proposal was refused and
    # only the gateway says so, with its reason and the proposals it offered.
    aws = make_events(
        [
            (day("00:00:00"), VPN_A, T1, *UP, est("0x0000aaaa", "0x0000bbbb")),
            (day("07:00:00"), VPN_A, T1, *DOWN, PSK),
            (day("09:00:00"), VPN_A, T1, *UP, est("0x7777aaaa", "0x7777bbbb")),
        ]
    )
    offered = "ESP:AES_CBC_128/HMAC_SHA1_96/NO_EXT_SEQ"
    gw = gw_rows(
        [
            ("00:00:00", "cgw1", T1, "phase2_sa_established", "0x0000bbbb", "0x0000aaaa"),
            ("07:00:02", "cgw1", T1, "auth_failed", None, None, "AUTHENTICATION_FAILED"),
            (
                "08:00:00",
                "cgw1",
                T1,
                "no_proposal_chosen",
                None,
                None,
                "NO_PROPOSAL_CHOSEN",
                offered,
            ),
            ("09:00:00", "cgw1", T1, "phase2_sa_established", "0x7777bbbb", "0x7777aaaa"),
        ]
    )
    table = one_sided_failures(aws, gw)
    assert table[[s.SIDE, s.EVENT, "kind", "reason", "proposals"]].astype(str).values.tolist() == [
        ["gateway", "no_proposal_chosen", "proposal", "NO_PROPOSAL_CHOSEN", offered]
    ]
    # a window shorter than the 2 s between the two PSK lines splits them: both one-sided
    narrow = one_sided_failures(aws, gw, window="1s")
    assert sorted(narrow[s.EVENT].astype(str)) == [
        "auth_failed",
        "no_proposal_chosen",
        "psk_mismatch",
    ]


def test_auto_skew_needs_the_aws_table() -> None:
    from vpnlog_analytics import OptionError

    with pytest.raises(OptionError, match="needs the AWS events table"):
        apply_skew(gateway(), "auto")


@pytest.mark.parametrize("bad", ["soon", "NaT", object()])
def test_a_skew_that_is_no_duration_is_refused(bad: object) -> None:
    from vpnlog_analytics import OptionError

    with pytest.raises(OptionError, match="skew="):
        apply_skew(gateway(), bad)  # type: ignore[arg-type]
